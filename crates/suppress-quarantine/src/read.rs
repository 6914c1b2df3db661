//! Reading the delivery log and the current quarantine: every row classified under the
//! contract's first cause that applies, addresses canonicalized, times truncated to whole
//! microseconds. The rows that remain come out already split into [`PARTITIONS`] by their
//! address's hash, per batch ([`Bucket`]), so that the job numbers each partition's addresses
//! on its own thread, in table order.
//!
//! The log is read twice, and its rows are kept by what they can do
//! ([`crate::transition::role`]):
//! - [`read_log`] counts every row but the `delivered` and `start` ones, and keeps the rows
//!   that can open an entry (bounces, complaints, STOP), with their reason; an `ignored` row
//!   is counted and dropped;
//! - once the addresses with an entry or such a row are numbered ([`AddressTable`]),
//!   [`read_following`] reads the `delivered` and `start` rows, most of the log, counts them,
//!   and keeps only those of a numbered address, as ([`Following`]) 16 bytes with no address.
//!
//! The job's memory then grows with the addresses that can leave a row in an output, not with
//! the log's rows; the price is a second decode of four of the log's columns.
//!
//! A bucket keeps its rows' canonical addresses in one string and the rows' reasons interned
//! per batch: a heap string per row would cost an allocation in the scan's thread and a free
//! in another (glibc's arena lock, page faults).

use std::collections::HashMap;
use std::sync::Arc;

use suppress_index::{BadRows, QuarantineIndex, Spellings};
use suppress_load::column::{IdValue, StrColumn};
use suppress_load::{BadValue, Batch, ColumnNames, ColumnSpec, LoadError, Table, TableKind};
use suppress_model::{AddressState, Canonicalizer, Channel, Outcome, QuarantineStatus};

use crate::entry::Micros;
use crate::merge::CurrentRow;
pub use crate::numbers::PARTITIONS;
use crate::numbers::{key_hash, partition, AddressTable};
use crate::transition::{role, LogRow, RowRole};

/// The rows of one batch whose addresses fall in one partition, in table order.
pub struct Bucket<R> {
    /// Every row's canonical address, one after the other.
    addresses: String,
    /// The end of each row's address in `addresses`, and its [`key_hash`].
    ends: Vec<u32>,
    hashes: Vec<u64>,
    rows: Vec<R>,
}

impl<R> Default for Bucket<R> {
    fn default() -> Bucket<R> {
        Bucket { addresses: String::new(), ends: Vec::new(), hashes: Vec::new(), rows: Vec::new() }
    }
}

impl<R> Bucket<R> {
    fn push(&mut self, hash: u64, canonical: &str, row: R) {
        self.addresses.push_str(canonical);
        self.ends.push(u32::try_from(self.addresses.len()).expect("a batch holds under 4 GiB of addresses"));
        self.hashes.push(hash);
        self.rows.push(row);
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Gives each row, in table order, with its address's hash and canonical form.
    pub fn drain(self, mut f: impl FnMut(u64, &str, R)) {
        let mut start = 0;
        for ((end, hash), row) in self.ends.into_iter().zip(self.hashes).zip(self.rows) {
            f(hash, &self.addresses[start..end as usize], row);
            start = end as usize;
        }
    }
}

/// A `delivered` or `start` row of an address with a number ([`RowRole::Follows`]): such a
/// row sets no reason, so none is kept.
#[derive(Debug, Clone, Copy)]
pub struct Following {
    /// The address's number in its partition's [`AddressTable`].
    pub number: u32,
    pub at: Micros,
    pub outcome: Outcome,
}

/// One batch's [`Following`] rows, by partition.
pub type FollowingBuckets = Buckets<Vec<Following>>;

/// One batch's log rows that can open an entry, of one partition, with their reason.
pub type LogBucket = Bucket<(Channel, LogRow)>;

/// The rows of one batch of the current quarantine in one partition.
pub type CurrentBucket = Bucket<(Channel, CurrentRow)>;

/// One batch's rows, by partition.
pub type Buckets<B> = Vec<B>;

fn buckets<B: Default>() -> Buckets<B> {
    (0..PARTITIONS).map(|_| B::default()).collect()
}

/// Reasons of one batch, each distinct one allocated once.
#[derive(Default)]
struct Reasons<'a>(HashMap<&'a str, Arc<str>>);

impl<'a> Reasons<'a> {
    fn get(&mut self, reason: Option<&'a str>) -> Option<Arc<str>> {
        reason.map(|r| self.0.entry(r).or_insert_with(|| r.into()).clone())
    }
}

/// How the log's rows were counted, each under the first of these that applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogCounts {
    pub rows_read: u64,
    pub bad_rows: BadRows,
    /// `at` later than `--as-of`: not happened yet.
    pub future: u64,
    /// `at` at or before `--since`: applied by an earlier run.
    pub already_applied: u64,
    pub missing_address: u64,
    pub invalid_address: u64,
    pub applied: u64,
}

impl LogCounts {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &LogCounts) {
        self.rows_read += other.rows_read;
        self.bad_rows.merge(&other.bad_rows);
        self.future += other.future;
        self.already_applied += other.already_applied;
        self.missing_address += other.missing_address;
        self.invalid_address += other.invalid_address;
        self.applied += other.applied;
    }
}

/// How the current quarantine's rows were counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CurrentCounts {
    pub rows_read: u64,
    pub bad_rows: BadRows,
    /// Not active at `--as-of` (expired).
    pub inactive: u64,
    pub missing_address: u64,
    pub invalid_address: u64,
    pub kept: u64,
}

/// What a reader needs to know of the run.
pub struct ReadOptions<'a> {
    pub names: &'a ColumnNames,
    pub canonicalizer: &'a Canonicalizer,
    pub as_of: Micros,
    pub since: Option<Micros>,
    pub skip_bad_rows: bool,
}

/// The columns of the log.
pub fn log_columns(names: &ColumnNames) -> Vec<ColumnSpec> {
    let source = |name| names.source(TableKind::Log, name);
    vec![
        ColumnSpec::required("address", source("address")),
        ColumnSpec::required("channel", source("channel")),
        ColumnSpec::required("at", source("at")),
        ColumnSpec::required("outcome", source("outcome")),
        ColumnSpec::optional("reason", source("reason")),
    ]
}

/// The columns of the current quarantine: those `analyze` reads (address, channel, status,
/// expires_at), then the state columns this job maintains.
pub fn current_columns(names: &ColumnNames) -> Vec<ColumnSpec> {
    let source = |name| names.source(TableKind::Quarantine, name);
    let mut columns = QuarantineIndex::columns(names);
    columns.extend([
        ColumnSpec::optional("error_count", source("error_count")),
        ColumnSpec::optional("last_error_at", source("last_error_at")),
        ColumnSpec::optional("updated_at", source("updated_at")),
        ColumnSpec::optional("reason", source("reason")),
    ]);
    columns
}

/// Canonicalizes `raw` for `channel` into `buffer`: whether it is valid; counts a missing or
/// invalid address.
fn canonical_address(
    options: &ReadOptions,
    channel: Channel,
    raw: Option<&str>,
    buffer: &mut String,
    missing: &mut u64,
    invalid: &mut u64,
) -> bool {
    let state = match raw {
        None => AddressState::Missing,
        Some(raw) => options.canonicalizer.canonicalize_into(channel.address_kind(), raw, buffer),
    };
    match state {
        AddressState::Missing => *missing += 1,
        AddressState::Invalid => *invalid += 1,
        AddressState::Valid => return true,
    }
    false
}

/// The log's columns by position in [`log_columns`].
const ADDRESS: usize = 0;
const CHANNEL: usize = 1;
const AT: usize = 2;
const OUTCOME: usize = 3;
const REASON: usize = 4;

/// The first causes of the log's count, those that need no address: a bad row, `at` later
/// than `--as-of`, `at` at or before `--since`. Both passes read every row through it, so
/// that they agree on which rows are left.
struct TimelyRows<'a> {
    channels: Spellings<'a, Channel>,
    /// Each spelling's role is read off the transition table once, with its outcome.
    outcomes: Spellings<'a, (Outcome, RowRole)>,
    as_of: Micros,
    since: Option<Micros>,
    skip_bad_rows: bool,
}

impl<'a> TimelyRows<'a> {
    fn new(options: &ReadOptions, skip_bad_rows: bool) -> TimelyRows<'a> {
        TimelyRows {
            channels: Spellings::new(CHANNEL, Channel::parse, BadValue::UnknownChannel),
            outcomes: Spellings::new(
                OUTCOME,
                |text| Outcome::parse(text).map(|outcome| (outcome, role(outcome))),
                BadValue::UnknownOutcome,
            ),
            as_of: options.as_of,
            since: options.since,
            skip_bad_rows,
        }
    }

    /// Row `i`'s channel, outcome, role and time, or `None` when one of those causes applies
    /// (counted in `counts`).
    fn read(
        &mut self,
        counts: &mut LogCounts,
        batch: &Batch,
        i: usize,
        channels: &'a StrColumn,
        outcomes: &'a StrColumn,
        at: Option<Micros>,
    ) -> Result<Option<(Channel, Outcome, RowRole, Micros)>, LoadError> {
        let (skip, bad) = (self.skip_bad_rows, &mut counts.bad_rows);
        let channel = self.channels.read_in(bad, skip, batch, i, channels)?;
        let outcome = self.outcomes.read_in(bad, skip, batch, i, outcomes)?;
        let at = match at {
            Some(micros) => Some(micros),
            None => bad.record(skip, batch, AT, i, BadValue::Null).map(|()| None)?,
        };
        let (Some(channel), Some((outcome, role)), Some(at)) = (channel, outcome, at) else { return Ok(None) };
        if at > self.as_of {
            counts.future += 1;
            return Ok(None);
        }
        if self.since.is_some_and(|since| at <= since) {
            counts.already_applied += 1;
            return Ok(None);
        }
        Ok(Some((channel, outcome, role, at)))
    }
}

/// Reads the log, first pass: every row counted but the `delivered` and `start` rows left
/// for [`read_following`]; the rows that can open an entry by batch and partition, in table
/// order. An `ignored` row ([`RowRole::Inert`]) is counted as applied and not kept.
pub fn read_log(table: &Table, options: &ReadOptions) -> Result<(Vec<Buckets<LogBucket>>, LogCounts), LoadError> {
    let parts = table.scan(&log_columns(options.names), |batch| {
        let addresses = batch.strings(ADDRESS)?.expect("required column");
        let channels = batch.strings(CHANNEL)?.expect("required column");
        let times = batch.times(AT)?.expect("required column");
        let outcomes = batch.strings(OUTCOME)?.expect("required column");
        let reasons = batch.strings(REASON)?;
        let mut counts = LogCounts { rows_read: batch.num_rows as u64, ..LogCounts::default() };
        let mut rows: Buckets<LogBucket> = buckets();
        let mut interned = Reasons::default();
        let mut timely = TimelyRows::new(options, options.skip_bad_rows);
        let mut buffer = String::new();
        for i in 0..batch.num_rows {
            let row = timely.read(&mut counts, batch, i, &channels, &outcomes, times.micros(i))?;
            let Some((channel, outcome, role, at)) = row else { continue };
            if role == RowRole::Follows {
                continue;
            }
            if !canonical_address(
                options,
                channel,
                addresses.get(i),
                &mut buffer,
                &mut counts.missing_address,
                &mut counts.invalid_address,
            ) {
                continue;
            }
            counts.applied += 1;
            if role == RowRole::Opens {
                let reason = interned.get(reasons.as_ref().and_then(|r| r.get(i)));
                let hash = key_hash(channel, &buffer);
                rows[partition(hash)].push(hash, &buffer, (channel, LogRow { at, outcome, reason }));
            }
        }
        Ok::<_, LoadError>((rows, counts))
    })?;
    Ok(batches_and_counts(parts))
}

/// Reads the log, second pass: the `delivered` and `start` rows that [`read_log`] left,
/// counted, and those of an address in `tables` (by partition), by batch and partition in
/// table order. The counts are of those rows only: add them to the first pass's.
pub fn read_following(
    table: &Table,
    options: &ReadOptions,
    tables: &[AddressTable],
) -> Result<(Vec<FollowingBuckets>, LogCounts), LoadError> {
    /// Far enough ahead to overlap several misses, close enough that the lines are still in.
    const PREFETCH_AHEAD: usize = 16;
    let columns = &log_columns(options.names)[..REASON];
    let parts = table.scan(columns, |batch| {
        let addresses = batch.strings(ADDRESS)?.expect("required column");
        let channels = batch.strings(CHANNEL)?.expect("required column");
        let times = batch.times(AT)?.expect("required column");
        let outcomes = batch.strings(OUTCOME)?.expect("required column");
        // The first pass counted (or refused) the bad, future and already applied rows.
        let mut counts = LogCounts::default();
        let mut timely = TimelyRows::new(options, true);
        let mut buffer = String::new();
        // The batch's valid rows first, their addresses one after the other; then the
        // lookups, each prefetching the filter word of the one a few places ahead: the
        // filters of all partitions are megabytes, and a lookup is a cache miss otherwise.
        let mut canonical = String::with_capacity(addresses.value_bytes());
        let mut valid: Vec<(u64, u32, Micros, Channel, Outcome)> = Vec::new();
        for i in 0..batch.num_rows {
            let row = timely.read(&mut counts, batch, i, &channels, &outcomes, times.micros(i))?;
            let Some((channel, outcome, RowRole::Follows, at)) = row else { continue };
            if !canonical_address(
                options,
                channel,
                addresses.get(i),
                &mut buffer,
                &mut counts.missing_address,
                &mut counts.invalid_address,
            ) {
                continue;
            }
            counts.applied += 1;
            canonical.push_str(&buffer);
            let end = u32::try_from(canonical.len()).expect("a batch holds under 4 GiB of addresses");
            valid.push((key_hash(channel, &buffer), end, at, channel, outcome));
        }
        let mut rows: FollowingBuckets = buckets();
        let mut start = 0;
        for (k, &(hash, end, at, channel, outcome)) in valid.iter().enumerate() {
            if let Some(&(ahead, ..)) = valid.get(k + PREFETCH_AHEAD) {
                tables[partition(ahead)].prefetch(ahead);
            }
            let address = &canonical[start..end as usize];
            start = end as usize;
            let p = partition(hash);
            if let Some(number) = tables[p].get(hash, channel, address) {
                rows[p].push(Following { number, at, outcome });
            }
        }
        let counts = LogCounts {
            missing_address: counts.missing_address,
            invalid_address: counts.invalid_address,
            applied: counts.applied,
            ..LogCounts::default()
        };
        Ok::<_, LoadError>((rows, counts))
    })?;
    Ok(batches_and_counts(parts))
}

/// Each batch's rows, in table order, and the counts of all batches together.
fn batches_and_counts<B>(parts: Vec<(B, LogCounts)>) -> (Vec<B>, LogCounts) {
    let mut all = Vec::with_capacity(parts.len());
    let mut counts = LogCounts::default();
    for (rows, part) in parts {
        all.push(rows);
        counts.add(&part);
    }
    (all, counts)
}

/// Reads the current quarantine: the rows that remain by batch and partition, in table order.
pub fn read_current(
    table: &Table,
    options: &ReadOptions,
) -> Result<(Vec<Buckets<CurrentBucket>>, CurrentCounts), LoadError> {
    const ADDRESS: usize = 0;
    const CHANNEL: usize = 1;
    const STATUS: usize = 2;
    const EXPIRES_AT: usize = 3;
    const ERROR_COUNT: usize = 4;
    const LAST_ERROR_AT: usize = 5;
    const UPDATED_AT: usize = 6;
    const REASON: usize = 7;
    let parts = table.scan(&current_columns(options.names), |batch| {
        let addresses = batch.strings(ADDRESS)?.expect("required column");
        let channels = batch.strings(CHANNEL)?.expect("required column");
        let statuses = batch.strings(STATUS)?.expect("required column");
        let expires = batch.times(EXPIRES_AT)?;
        let error_counts = batch.ids(ERROR_COUNT)?;
        let last_errors = batch.times(LAST_ERROR_AT)?;
        let updates = batch.times(UPDATED_AT)?;
        let reasons = batch.strings(REASON)?;
        let mut counts = CurrentCounts { rows_read: batch.num_rows as u64, ..CurrentCounts::default() };
        let mut rows: Buckets<CurrentBucket> = buckets();
        let mut channel_spellings = Spellings::new(CHANNEL, Channel::parse, BadValue::UnknownChannel);
        let mut status_spellings = Spellings::new(STATUS, QuarantineStatus::parse, BadValue::UnknownStatus);
        let mut interned = Reasons::default();
        let mut buffer = String::new();
        for i in 0..batch.num_rows {
            let skip = options.skip_bad_rows;
            let bad = &mut counts.bad_rows;
            let channel = channel_spellings.read_in(bad, skip, batch, i, &channels)?;
            let status = status_spellings.read_in(bad, skip, batch, i, &statuses)?;
            let error_count = match error_counts.as_ref().map_or(IdValue::Null, |c| c.get(i)) {
                IdValue::Null => Some(None),
                IdValue::Valid(n) => Some(Some(n)),
                // Above i64::MAX reads as the saturated count; negative is a bad row.
                IdValue::OutOfRange(n) if n > 0 => Some(Some(i64::MAX)),
                IdValue::OutOfRange(n) => {
                    bad.record(skip, batch, ERROR_COUNT, i, BadValue::NegativeCount(n))?;
                    None
                }
            };
            let (Some(channel), Some(status), Some(error_count)) = (channel, status, error_count) else { continue };
            let expires_at = expires.as_ref().and_then(|e| e.micros(i));
            if expires_at.is_some_and(|t| t <= options.as_of) {
                counts.inactive += 1;
                continue;
            }
            if !canonical_address(
                options,
                channel,
                addresses.get(i),
                &mut buffer,
                &mut counts.missing_address,
                &mut counts.invalid_address,
            ) {
                continue;
            }
            counts.kept += 1;
            let hash = key_hash(channel, &buffer);
            rows[partition(hash)].push(
                hash,
                &buffer,
                (
                    channel,
                    CurrentRow {
                        status,
                        error_count,
                        last_error_at: last_errors.as_ref().and_then(|e| e.micros(i)),
                        updated_at: updates.as_ref().and_then(|e| e.micros(i)),
                        expires_at,
                        reason: interned.get(reasons.as_ref().and_then(|r| r.get(i))),
                    },
                ),
            );
        }
        Ok::<_, LoadError>((rows, counts))
    })?;
    let mut all = Vec::with_capacity(parts.len());
    let mut counts = CurrentCounts::default();
    for (rows, part) in parts {
        all.push(rows);
        counts.rows_read += part.rows_read;
        counts.bad_rows.merge(&part.bad_rows);
        counts.inactive += part.inactive;
        counts.missing_address += part.missing_address;
        counts.invalid_address += part.invalid_address;
        counts.kept += part.kept;
    }
    Ok((all, counts))
}
