//! How much memory a run will need, estimated from the inputs' footers before anything is
//! decoded, so that a run that cannot fit is refused at once instead of being killed hours
//! into the night (under a cgroup limit the kernel kills a process with no word).
//!
//! The model follows what the run holds at its peak (the classification, with every index
//! loaded): per target row, its delivery, profile_id, outcome code and duplicate key; per
//! profile, its id-map slot, flags and targeted bits; the canonical addresses, about the
//! decoded size of the address columns; the quarantine's address sets; and, per thread, the
//! row group being decoded. The per-row constants were measured on `suppress gen` data
//! (BENCHMARKS.md, "Memory estimate"); the estimate is meant to be a little above the real
//! peak, never far below it. Without `--channel`, the channels in use are unknown until the
//! targets are decoded, so every address column the profiles have is counted.

use suppress_index::{ProfileIndex, ProfileOptions, QuarantineIndex, TargetList};
use suppress_load::{ColumnNames, Table, TableKind};
use suppress_model::Channel;

use crate::plan::{target_options, Plan};

/// Bytes held per target row: delivery (4), profile_id (8), profile row (4), outcome (1), and
/// the duplicate key (16) of the rows still kept. (Ordering the rows by profile holds 44 bytes
/// per row for a moment, before any address is loaded.)
const PER_TARGET_ROW: u64 = 30;
/// Bytes held per profile: the id, the id map's slot, the flags and the targeted bits.
const PER_PROFILE: u64 = 14;
/// Canonical addresses held, per byte of decoded address columns: only targeted rows are
/// kept, without Parquet's length prefixes, and not all columns at once (measured).
const ADDRESS_SHARE: (u64, u64) = (2, 5);
/// Bytes held per quarantine row besides its address: the entry and its fingerprint slot.
const PER_QUARANTINE_ROW: u64 = 48;
/// A consent event kept until it is reduced (profile row, scope, time, action), plus its
/// share of the sort.
const PER_CONSENT_EVENT: u64 = 24;
/// A subscription row of a service in use, held until it is set in its bitset; and each
/// service's bitset, one bit per profile.
const PER_SUBSCRIPTION_ROW: u64 = 8;

/// A history row kept for the arbitration: grouped (8 bytes) from per-batch parts (12).
const PER_HISTORY_ROW: u64 = 20;

/// The process itself: code, thread stacks, allocator arenas.
const BASE: u64 = 32 << 20;

/// An estimate of a run's peak memory, with the parts it adds up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryEstimate {
    /// (what, bytes), in the order a run loads them.
    pub parts: Vec<(&'static str, u64)>,
}

impl MemoryEstimate {
    pub fn bytes(&self) -> u64 {
        self.parts.iter().map(|(_, b)| b).sum()
    }

    /// `about 1.4 GB (targets 0.8 GB, profiles 0.3 GB, ...)`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> =
            self.parts.iter().filter(|(_, b)| *b > 0).map(|(what, b)| format!("{what} {}", human_bytes(*b))).collect();
        format!("about {} ({})", human_bytes(self.bytes()), parts.join(", "))
    }

    /// What one table adds to a run's peak, as `inspect` shows it: `kind` is the role the
    /// table plays; profiles count every address column they have.
    pub fn of_table(kind: TableKind, table: &Table, names: &ColumnNames, threads: u64) -> MemoryEstimate {
        let rows = table.num_rows();
        let parts = match kind {
            TableKind::Targets => {
                let columns = ["delivery_id", "profile_id", "channel"].map(|c| names.source(kind, c));
                vec![("targets", rows * PER_TARGET_ROW), ("decoding", decoding(table, &columns, threads, true))]
            }
            TableKind::Profiles => {
                let addresses = address_columns(names, &Channel::ALL);
                let sources: Vec<&str> = addresses.iter().map(String::as_str).collect();
                vec![
                    ("profiles", rows * PER_PROFILE),
                    ("addresses", addresses_held(table.column_sizes(&sources).decoded)),
                    ("decoding", decoding(table, &sources, threads, false)),
                ]
            }
            // `analyze` does not read the delivery log; the deliveries table is a few rows.
            TableKind::Log | TableKind::Deliveries => Vec::new(),
            TableKind::History => vec![("history", rows * PER_HISTORY_ROW)],
            TableKind::Subscriptions => vec![("subscriptions", rows * PER_SUBSCRIPTION_ROW)],
            TableKind::Consent => vec![("consent", rows * PER_CONSENT_EVENT)],
            TableKind::Quarantine => {
                let address = [names.source(kind, "address")];
                vec![
                    ("quarantine", rows * PER_QUARANTINE_ROW + table.column_sizes(&address).decoded),
                    ("decoding", decoding(table, &address, threads, false)),
                ]
            }
        };
        MemoryEstimate { parts }
    }
}

impl Plan {
    /// The estimated peak memory of this run on `threads` threads, from the footers alone.
    pub fn estimate_memory(&self, threads: u64) -> MemoryEstimate {
        let config = &self.config;
        let names = &config.names;
        let channels: Vec<Channel> = match config.channel {
            Some(channel) => vec![channel],
            None => Channel::ALL.to_vec(),
        };
        let addresses = address_columns(names, &channels);
        let address_sources: Vec<&str> = addresses.iter().map(String::as_str).collect();
        let target_columns: Vec<String> =
            TargetList::columns(names, &target_options(config)).into_iter().map(|c| c.source).collect();
        let target_sources: Vec<&str> = target_columns.iter().map(String::as_str).collect();
        let options = ProfileOptions { channels: channels.clone(), allow_missing_optout: true, skip_bad_rows: true };
        let profile_columns: Vec<String> = ProfileIndex::columns(names, &options)
            .into_iter()
            .map(|c| c.source)
            .chain(addresses.iter().cloned())
            .collect();
        let profile_sources: Vec<&str> = profile_columns.iter().map(String::as_str).collect();
        let mut decode = decoding(&self.targets, &target_sources, threads, true).max(decoding(
            &self.profiles,
            &profile_sources,
            threads,
            false,
        ));
        let mut quarantine = 0;
        if let Some(table) = &self.quarantine {
            let columns: Vec<String> = QuarantineIndex::columns(names).into_iter().map(|c| c.source).collect();
            let sources: Vec<&str> = columns.iter().map(String::as_str).collect();
            let address = [names.source(TableKind::Quarantine, "address")];
            quarantine = table.num_rows() * PER_QUARANTINE_ROW + table.column_sizes(&address).decoded;
            // The quarantine decodes while the addresses do.
            decode += decoding(table, &sources, 1, false);
        }
        MemoryEstimate {
            parts: vec![
                ("targets", self.targets.num_rows() * PER_TARGET_ROW),
                ("profiles", self.profiles.num_rows() * PER_PROFILE),
                ("addresses", addresses_held(self.profiles.column_sizes(&address_sources).decoded)),
                ("quarantine", quarantine),
                ("subscriptions", self.subscriptions.as_ref().map_or(0, |t| t.num_rows() * PER_SUBSCRIPTION_ROW)),
                ("consent", self.consent.as_ref().map_or(0, |t| t.num_rows() * PER_CONSENT_EVENT)),
                ("history", self.history.as_ref().map_or(0, |t| t.num_rows() * PER_HISTORY_ROW)),
                ("decoding", decode),
                ("process", BASE),
            ],
        }
    }
}

/// The address columns of `channels`, as the profiles table names them.
fn address_columns(names: &ColumnNames, channels: &[Channel]) -> Vec<String> {
    channels.iter().map(|c| names.source(TableKind::Profiles, c.address_column()).to_string()).collect()
}

fn addresses_held(decoded: u64) -> u64 {
    decoded * ADDRESS_SHARE.0 / ADDRESS_SHARE.1
}

/// What decoding `sources` of `table` holds at once: on each of `threads` threads, the stored
/// pages of the unit it reads, mapped in (a scan decodes page by page, and hands the unit's
/// pages back once done). The targets are read a row group at a time, the profiles and the
/// quarantine a column chunk at a time.
fn decoding(table: &Table, sources: &[&str], threads: u64, whole_row_groups: bool) -> u64 {
    let sizes = table.column_sizes(sources);
    threads * if whole_row_groups { sizes.largest_row_group_stored } else { sizes.largest_chunk_stored }
}

/// `1.4 GB`, `350 MB`, `12 KB` (powers of 1000, as `ls -h --si` and cgroup docs write them).
pub fn human_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.0} MB", b / 1e6)
    } else {
        format!("{:.0} KB", (b / 1e3).max(1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_as_people_write_them() {
        assert_eq!(human_bytes(1_400_000_000), "1.4 GB");
        assert_eq!(human_bytes(350_000_000), "350 MB");
        assert_eq!(human_bytes(12_000), "12 KB");
        assert_eq!(human_bytes(3), "1 KB");
    }

    #[test]
    fn the_estimate_adds_its_parts_and_names_them() {
        let e = MemoryEstimate { parts: vec![("targets", 800_000_000), ("quarantine", 0), ("process", 600_000_000)] };
        assert_eq!(e.bytes(), 1_400_000_000);
        assert_eq!(e.describe(), "about 1.4 GB (targets 800 MB, process 600 MB)");
    }
}
