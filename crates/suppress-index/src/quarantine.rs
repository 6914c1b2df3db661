//! The quarantine table, reduced to what excludes an address on each channel.

use ahash::HashMap;
use suppress_load::{BadValue, ColumnNames, ColumnSpec, LoadError, Table, TableKind};
use suppress_model::{AddressState, Canonicalizer, Channel, QuarantineStatus, StatusSet};

use crate::{BadRows, FingerprintMap};

/// What the quarantine load saw, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuarantineStats {
    pub rows_read: u64,
    /// Rows with a known channel and status whose address can match (active or not).
    pub usable: u64,
    /// Usable rows whose `expires_at` is at or before `--as-of`.
    pub expired: u64,
    /// Rows whose address is null or empty after trimming: they never match.
    pub ignored_missing: u64,
    /// Rows whose address is invalid for their channel: they never match.
    pub ignored_invalid: u64,
    pub bad_rows: BadRows,
}

/// Per channel, the canonical addresses that active entries exclude, with the winning status.
#[derive(Debug, Default)]
pub struct QuarantineIndex {
    excluded: [FingerprintMap<QuarantineStatus>; 6],
    pub stats: QuarantineStats,
}

const ADDRESS: usize = 0;
const CHANNEL: usize = 1;
const STATUS: usize = 2;
const EXPIRES_AT: usize = 3;

#[derive(Default)]
struct Part {
    entries: Vec<(Channel, Box<str>, QuarantineStatus)>,
    stats: QuarantineStats,
}

impl QuarantineIndex {
    /// The columns this load reads.
    pub fn columns(names: &ColumnNames) -> Vec<ColumnSpec> {
        let source = |name| names.source(TableKind::Quarantine, name);
        vec![
            ColumnSpec::required("address", source("address")),
            ColumnSpec::required("channel", source("channel")),
            ColumnSpec::required("status", source("status")),
            ColumnSpec::optional("expires_at", source("expires_at")),
        ]
    }

    /// Loads entries active at `as_of` (whole microseconds since the epoch, UTC; `expires_at` is
    /// truncated to microseconds too, as the contract reads every time) for `channels`;
    /// rows of other channels are still checked and counted.
    pub fn load(
        table: &Table,
        names: &ColumnNames,
        channels: &[Channel],
        canonicalizer: &Canonicalizer,
        as_of: i64,
        skip_bad_rows: bool,
    ) -> Result<QuarantineIndex, LoadError> {
        let columns = QuarantineIndex::columns(names);
        let wanted = |c: Channel| channels.contains(&c);
        let parts = table.scan(&columns, |batch| {
            let addresses = batch.strings(ADDRESS)?.expect("required column");
            let channel_names = batch.strings(CHANNEL)?.expect("required column");
            let statuses = batch.strings(STATUS)?.expect("required column");
            let expiry = batch.times(EXPIRES_AT)?;
            let mut part = Part::default();
            part.stats.rows_read = batch.num_rows as u64;
            let mut canonical = String::new();
            for i in 0..batch.num_rows {
                let bad_rows = &mut part.stats.bad_rows;
                let channel = bad_rows.parse_name(
                    skip_bad_rows,
                    batch,
                    CHANNEL,
                    i,
                    channel_names.get(i),
                    Channel::parse,
                    BadValue::UnknownChannel,
                )?;
                let Some(channel) = channel else { continue };
                let status = bad_rows.parse_name(
                    skip_bad_rows,
                    batch,
                    STATUS,
                    i,
                    statuses.get(i),
                    QuarantineStatus::parse,
                    BadValue::UnknownStatus,
                )?;
                let Some(status) = status else { continue };
                let state = match addresses.get(i) {
                    None => AddressState::Missing,
                    Some(raw) => canonicalizer.canonicalize_into(channel.address_kind(), raw, &mut canonical),
                };
                match state {
                    AddressState::Missing => {
                        part.stats.ignored_missing += 1;
                        continue;
                    }
                    AddressState::Invalid => {
                        part.stats.ignored_invalid += 1;
                        continue;
                    }
                    AddressState::Valid => part.stats.usable += 1,
                }
                // Active when it never expires or expires strictly after --as-of.
                let active = expiry.as_ref().and_then(|e| e.micros(i)).is_none_or(|t| t > as_of);
                if !active {
                    part.stats.expired += 1;
                    continue;
                }
                if wanted(channel) && status != QuarantineStatus::Valid {
                    part.entries.push((channel, canonical.as_str().into(), status));
                }
            }
            Ok::<_, LoadError>(part)
        })?;
        let mut sets: [HashMap<Box<str>, StatusSet>; 6] = Default::default();
        let mut stats = QuarantineStats::default();
        for part in parts {
            stats.rows_read += part.stats.rows_read;
            stats.usable += part.stats.usable;
            stats.expired += part.stats.expired;
            stats.ignored_missing += part.stats.ignored_missing;
            stats.ignored_invalid += part.stats.ignored_invalid;
            stats.bad_rows.merge(&part.stats.bad_rows);
            for (channel, address, status) in part.entries {
                sets[channel.index()].entry(address).or_default().add(status);
            }
        }
        let excluded = sets.map(|set| {
            FingerprintMap::from_distinct(
                set.into_iter().filter_map(|(address, statuses)| statuses.verdict().map(|v| (address, v))),
            )
        });
        Ok(QuarantineIndex { excluded, stats })
    }

    /// The status that excludes `canonical` (whose [`crate::fingerprint`] is `fingerprint`) on
    /// `channel`: denylisted, quarantined, or none.
    #[inline]
    pub fn verdict(&self, channel: Channel, fingerprint: u64, canonical: &str) -> Option<QuarantineStatus> {
        self.excluded[channel.index()].get(fingerprint, canonical).copied()
    }

    /// How many addresses a channel excludes.
    pub fn excluded(&self, channel: Channel) -> usize {
        self.excluded[channel.index()].len()
    }
}
