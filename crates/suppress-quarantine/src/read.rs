//! Reading the delivery log and the current quarantine: every row classified under the
//! contract's first cause that applies, addresses canonicalized, times truncated to whole
//! microseconds. The rows that remain come out already split into [`PARTITIONS`] by their
//! address's hash, per batch ([`Bucket`]), so that the job builds each partition's addresses
//! on its own thread, in table order.
//!
//! Log rows are kept by what they can do ([`crate::transition::role`]): an `ignored` row is
//! counted and dropped; a row that can open an entry keeps its reason ([`LogBucket::opening`]);
//! a `delivered` or `start` row, most of the log, keeps only its time, channel and outcome
//! ([`Following`]) until the job knows whether its address has an entry.
//!
//! A bucket keeps its rows' canonical addresses in one string and the rows' reasons interned
//! per batch: the log has tens of millions of rows, and a heap string per row would cost an
//! allocation in the scan's thread and a free in another (glibc's arena lock, page faults).

use std::collections::HashMap;
use std::sync::Arc;

use suppress_index::{BadRows, QuarantineIndex, Spellings};
use suppress_load::column::IdValue;
use suppress_load::{BadValue, Batch, ColumnNames, ColumnSpec, LoadError, Table, TableKind};
use suppress_model::{AddressState, Canonicalizer, Channel, Outcome, QuarantineStatus};

use crate::entry::Micros;
use crate::merge::CurrentRow;
use crate::transition::{role, LogRow, RowRole};

/// A row's address: its channel and canonical form.
pub type Address = (Channel, Box<str>);

/// Addresses are grouped into this many partitions by hash, replayed in parallel.
pub const PARTITIONS: usize = 64;

/// The partition of an address.
pub fn partition_of(channel: Channel, canonical: &str) -> usize {
    (suppress_index::fingerprint(canonical) as usize ^ channel.index()) % PARTITIONS
}

/// The rows of one batch whose addresses fall in one partition, in table order.
pub struct Bucket<R> {
    /// Every row's canonical address, one after the other.
    addresses: String,
    /// The end of each row's address in `addresses`.
    ends: Vec<u32>,
    rows: Vec<R>,
}

impl<R> Default for Bucket<R> {
    fn default() -> Bucket<R> {
        Bucket { addresses: String::new(), ends: Vec::new(), rows: Vec::new() }
    }
}

impl<R> Bucket<R> {
    fn push(&mut self, canonical: &str, row: R) {
        self.addresses.push_str(canonical);
        self.ends.push(self.addresses.len() as u32);
        self.rows.push(row);
    }

    /// The addresses, their ends, and the rows, in table order: the caller keeps the string
    /// while it looks the addresses up ([`address_ranges`]).
    pub fn into_parts(self) -> (String, Vec<u32>, Vec<R>) {
        (self.addresses, self.ends, self.rows)
    }
}

/// The (start, end) of each address in a bucket's string, from the ends.
pub fn address_ranges(ends: &[u32]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let starts = std::iter::once(0).chain(ends.iter().copied());
    starts.zip(ends.iter().copied()).map(|(s, e)| (s as usize, e as usize))
}

/// An applied log row that only follows an entry ([`RowRole::Follows`]: `delivered`, `start`):
/// most of a night's log, kept in 16 bytes plus its address until the job knows whether its
/// address has an entry. Its reason is not kept: such a row sets no reason.
#[derive(Debug, Clone, Copy)]
pub struct Following {
    pub at: Micros,
    pub channel: Channel,
    pub outcome: Outcome,
}

/// One batch's applied log rows of one partition: those that can open an entry, with their
/// reason, and those that only follow one.
#[derive(Default)]
pub struct LogBucket {
    pub opening: Bucket<(Channel, LogRow)>,
    pub following: Bucket<Following>,
}

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

/// A required time column's value, or a bad row.
fn required_time(
    bad_rows: &mut BadRows,
    options: &ReadOptions,
    batch: &Batch,
    column: usize,
    value: Option<Micros>,
    row: usize,
) -> Result<Option<Micros>, LoadError> {
    match value {
        Some(micros) => Ok(Some(micros)),
        None => bad_rows.record(options.skip_bad_rows, batch, column, row, BadValue::Null).map(|()| None),
    }
}

/// Reads the log: the applied rows by batch and partition, in table order, and the counts.
///
/// Rows whose outcome changes nothing ([`RowRole::Inert`]: `ignored`) are counted as applied
/// and not kept.
pub fn read_log(table: &Table, options: &ReadOptions) -> Result<(Vec<Buckets<LogBucket>>, LogCounts), LoadError> {
    const ADDRESS: usize = 0;
    const CHANNEL: usize = 1;
    const AT: usize = 2;
    const OUTCOME: usize = 3;
    const REASON: usize = 4;
    let parts = table.scan(&log_columns(options.names), |batch| {
        let addresses = batch.strings(ADDRESS)?.expect("required column");
        let channels = batch.strings(CHANNEL)?.expect("required column");
        let times = batch.times(AT)?.expect("required column");
        let outcomes = batch.strings(OUTCOME)?.expect("required column");
        let reasons = batch.strings(REASON)?;
        let mut counts = LogCounts { rows_read: batch.num_rows as u64, ..LogCounts::default() };
        let mut rows: Buckets<LogBucket> = buckets();
        let mut interned = Reasons::default();
        let mut channel_spellings = Spellings::new(CHANNEL, Channel::parse, BadValue::UnknownChannel);
        // Each spelling's role is read off the transition table once, with its outcome.
        let mut outcome_spellings = Spellings::new(
            OUTCOME,
            |text| Outcome::parse(text).map(|outcome| (outcome, role(outcome))),
            BadValue::UnknownOutcome,
        );
        let mut buffer = String::new();
        for i in 0..batch.num_rows {
            let skip = options.skip_bad_rows;
            let bad = &mut counts.bad_rows;
            let channel = channel_spellings.read(bad, skip, batch, i, channels.get(i))?;
            let outcome = outcome_spellings.read(bad, skip, batch, i, outcomes.get(i))?;
            let at = required_time(bad, options, batch, AT, times.micros(i), i)?;
            let (Some(channel), Some((outcome, role)), Some(at)) = (channel, outcome, at) else { continue };
            if at > options.as_of {
                counts.future += 1;
                continue;
            }
            if options.since.is_some_and(|since| at <= since) {
                counts.already_applied += 1;
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
            let bucket = match role {
                RowRole::Inert => continue,
                RowRole::Follows => &mut rows[partition_of(channel, &buffer)].following,
                RowRole::Opens => {
                    let reason = interned.get(reasons.as_ref().and_then(|r| r.get(i)));
                    let bucket = &mut rows[partition_of(channel, &buffer)].opening;
                    bucket.push(&buffer, (channel, LogRow { at, outcome, reason }));
                    continue;
                }
            };
            bucket.push(&buffer, Following { at, channel, outcome });
        }
        Ok::<_, LoadError>((rows, counts))
    })?;
    let mut all = Vec::with_capacity(parts.len());
    let mut counts = LogCounts::default();
    for (rows, part) in parts {
        all.push(rows);
        counts.rows_read += part.rows_read;
        counts.bad_rows.merge(&part.bad_rows);
        counts.future += part.future;
        counts.already_applied += part.already_applied;
        counts.missing_address += part.missing_address;
        counts.invalid_address += part.invalid_address;
        counts.applied += part.applied;
    }
    Ok((all, counts))
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
        let mut buffer = String::new();
        for i in 0..batch.num_rows {
            let skip = options.skip_bad_rows;
            let bad = &mut counts.bad_rows;
            let channel = channel_spellings.read(bad, skip, batch, i, channels.get(i))?;
            let status = status_spellings.read(bad, skip, batch, i, statuses.get(i))?;
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
            rows[partition_of(channel, &buffer)].push(
                &buffer,
                (
                    channel,
                    CurrentRow {
                        status,
                        error_count,
                        last_error_at: last_errors.as_ref().and_then(|e| e.micros(i)),
                        updated_at: updates.as_ref().and_then(|e| e.micros(i)),
                        expires_at,
                        reason: reasons.as_ref().and_then(|r| r.get(i)).map(str::to_string),
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
