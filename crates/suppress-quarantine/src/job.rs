//! `suppress quarantine`, planned then executed: read the current quarantine and the log,
//! replay every address in parallel, write the next quarantine, its changes and the summary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::{json, Value};
use suppress_load::phases::{rows, Clock, Progress};
use suppress_load::{ColumnNames, LoadError, Table};
use suppress_model::{Canonicalizer, Channel};
use suppress_write::{Staged, WriteError};

use crate::entry::{Entry, Micros, Rules, Status};
use crate::merge::{merge, CurrentRow};
use crate::numbers::AddressTable;
use crate::outputs::{self, OUTPUT_SET};
use crate::read::{
    current_columns, log_columns, read_current, read_following, read_log, Buckets, CurrentBucket, Following,
    FollowingBuckets, LogBucket, ReadOptions, PARTITIONS,
};
use crate::replay::{replay, Night};
use crate::transition::LogRow;

/// The inputs and options of one run.
#[derive(Debug, Clone)]
pub struct JobConfig {
    pub log: PathBuf,
    pub quarantine: Option<PathBuf>,
    pub as_of: Micros,
    pub since: Option<Micros>,
    pub rules: Rules,
    pub canonicalizer: Canonicalizer,
    pub skip_bad_rows: bool,
    pub names: ColumnNames,
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

impl JobError {
    /// True for errors about the command line (a path that does not exist).
    pub fn is_usage(&self) -> bool {
        matches!(self, JobError::Load(e) if e.is_usage())
    }
}

/// The opened inputs, checked before anything is decoded.
pub struct Job {
    pub config: JobConfig,
    log: Table,
    quarantine: Option<Table>,
}

impl Job {
    pub fn open(config: JobConfig) -> Result<Job, JobError> {
        let log = Table::open(&config.log)?;
        log.check_columns(&log_columns(&config.names))?;
        let quarantine = match &config.quarantine {
            Some(path) => {
                let table = Table::open(path)?;
                table.check_columns(&current_columns(&config.names))?;
                Some(table)
            }
            None => None,
        };
        Ok(Job { config, log, quarantine })
    }

    /// Runs the night and writes its outputs into `out`, all or nothing, telling `progress`
    /// of each phase; returns the summary.
    pub fn execute(&self, out: &Path, progress: &dyn Progress) -> Result<Value, JobError> {
        let mut clock = Clock::new(progress);
        let config = &self.config;
        let options = ReadOptions {
            names: &config.names,
            canonicalizer: &config.canonicalizer,
            as_of: config.as_of,
            since: config.since,
            skip_bad_rows: config.skip_bad_rows,
        };
        let current_rows = self.quarantine.as_ref().map_or(0, Table::num_rows);
        let (current, log) = clock.time_both(
            ("read_quarantine", &rows(current_rows), || match &self.quarantine {
                Some(table) => read_current(table, &options),
                None => Ok(Default::default()),
            }),
            ("read_log", &rows(self.log.num_rows()), || read_log(&self.log, &options)),
        );
        let ((current, current_counts), (opening, mut log_counts)) = (current?, log?);
        let opening_rows: usize = opening.iter().flatten().map(|b| b.len()).sum();
        let (tables, partitions) =
            clock.time("number_addresses", &rows(current_counts.kept + opening_rows as u64), || {
                number_all(current, opening)
            });
        let (following, following_counts) = clock
            .time("read_following", &rows(self.log.num_rows()), || read_following(&self.log, &options, &tables))?;
        log_counts.add(&following_counts);
        let numbered: usize = tables.iter().map(AddressTable::len).sum();
        let nights = clock.time("replay", &rows(numbered as u64), || {
            replay_all(&tables, partitions, following, config.as_of, &config.rules)
        });

        let mut before: BTreeMap<&str, u64> = BTreeMap::new();
        let mut after: BTreeMap<&str, u64> = BTreeMap::new();
        let mut changes: BTreeMap<String, u64> = BTreeMap::new();
        for night in &nights {
            let r = &night.replayed;
            if let Some(status) = r.old_status {
                *before.entry(status.name()).or_default() += 1;
            }
            if let Some(status) = r.entry.status {
                *after.entry(status.name()).or_default() += 1;
            }
            if r.change.is_some() {
                let name = |s: Option<Status>| s.map_or("none", Status::name);
                *changes.entry(format!("{} -> {}", name(r.old_status), name(r.entry.status))).or_default() += 1;
            }
        }
        let mut staged = Staged::new(out, OUTPUT_SET)?;
        let quarantine_file = staged.create(outputs::QUARANTINE)?;
        let changes_file = staged.create(outputs::CHANGES)?;
        let (written, changed) = clock.time("write", &rows(nights.len() as u64), || {
            let (written, changed) = rayon::join(
                || outputs::write_quarantine(quarantine_file, &nights),
                || outputs::write_changes(changes_file, &nights),
            );
            let (written, quarantine_synced) = written?;
            let (changed, changes_synced) = changed?;
            quarantine_synced.wait()?;
            changes_synced.wait()?;
            Ok::<_, WriteError>((written, changed))
        })?;
        let timings: serde_json::Map<String, Value> =
            clock.timings().into_iter().map(|(name, ms)| (name, Value::from(ms))).collect();

        let table_summary = |table: Option<&Table>| table.map(|t| t.path.display().to_string());
        let summary = json!({
            "suppress_version": env!("CARGO_PKG_VERSION"),
            "inputs": {
                "log": {
                    "path": table_summary(Some(&self.log)),
                    "rows": log_counts.rows_read,
                    "applied": log_counts.applied,
                    "ignored": {
                        "bad_row": log_counts.bad_rows.total(),
                        "future": log_counts.future,
                        "already_applied": log_counts.already_applied,
                        "missing_address": log_counts.missing_address,
                        "invalid_address": log_counts.invalid_address,
                    },
                    "bad_rows": log_counts.bad_rows.counts,
                },
                "quarantine": {
                    "path": table_summary(self.quarantine.as_ref()),
                    "rows": current_counts.rows_read,
                    "kept": current_counts.kept,
                    "dropped": {
                        "bad_row": current_counts.bad_rows.total(),
                        "inactive": current_counts.inactive,
                        "missing_address": current_counts.missing_address,
                        "invalid_address": current_counts.invalid_address,
                    },
                    "bad_rows": current_counts.bad_rows.counts,
                },
            },
            "entries": {"before": before, "after": after},
            "outputs": {"quarantine_rows": written, "changes_rows": changed},
            "changes": changes,
            "options": {
                "as_of": micros_to_rfc3339(config.as_of),
                "since": config.since.map(micros_to_rfc3339),
                "soft_limit": config.rules.soft_limit,
                "soft_spacing_hours": config.rules.soft_spacing / 3_600_000_000,
                "error_reset_hours": config.rules.error_reset / 3_600_000_000,
                "default_country": config.canonicalizer.default_country.map(|c| c.to_string()),
                "skip_bad_rows": config.skip_bad_rows,
                "column_map": config.names.describe(),
                "threads": rayon::current_num_threads(),
            },
            "timings_ms": timings,
        });
        let text = serde_json::to_string_pretty(&summary).expect("summary serializes") + "\n";
        staged.write_small_file(outputs::SUMMARY, text.as_bytes())?;
        staged.commit()?;
        Ok(summary)
    }
}

/// `2026-11-23T00:00:00Z`.
pub fn micros_to_rfc3339(micros: Micros) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        .unwrap_or_else(|| micros.to_string())
}

/// One partition's rows, keyed by their address's number in the partition's [`AddressTable`]:
/// the current rows and the log rows that can open an entry, in table order.
struct NumberedRows {
    current: Vec<(u32, CurrentRow)>,
    opening: Vec<(u32, LogRow)>,
}

/// Numbers, partition by partition in parallel, every address of the current table and of
/// the log rows that can open an entry.
fn number_all(
    current: Vec<Buckets<CurrentBucket>>,
    opening: Vec<Buckets<LogBucket>>,
) -> (Vec<AddressTable>, Vec<NumberedRows>) {
    let (current, opening) = (by_partition(current), by_partition(opening));
    current.into_par_iter().zip(opening).map(|(current, opening)| number_partition(current, opening)).unzip()
}

/// One partition's addresses numbered in first-seen order: the current rows first, then the
/// log's; the table sealed for [`read_following`].
fn number_partition(current: Vec<CurrentBucket>, opening: Vec<LogBucket>) -> (AddressTable, NumberedRows) {
    let current_rows: usize = current.iter().map(|b| b.len()).sum();
    let opening_rows: usize = opening.iter().map(|b| b.len()).sum();
    let mut table = AddressTable::with_capacity(current_rows + opening_rows);
    let mut rows =
        NumberedRows { current: Vec::with_capacity(current_rows), opening: Vec::with_capacity(opening_rows) };
    for bucket in current {
        bucket.drain(|hash, address, (channel, row)| {
            rows.current.push((table.number_or_insert(hash, channel, address), row));
        });
    }
    for bucket in opening {
        bucket.drain(|hash, address, (channel, row)| {
            rows.opening.push((table.number_or_insert(hash, channel, address), row));
        });
    }
    table.seal();
    (table, rows)
}

/// Every numbered address replayed; the nights that leave a row in an output (an entry, or a
/// change), sorted by (channel, address) so the outputs do not depend on the thread count.
fn replay_all<'a>(
    tables: &'a [AddressTable],
    partitions: Vec<NumberedRows>,
    following: Vec<FollowingBuckets>,
    as_of: Micros,
    rules: &Rules,
) -> Vec<Night<'a>> {
    let following = by_partition(following);
    let nights: Vec<Night> = tables
        .par_iter()
        .zip(partitions)
        .zip(following)
        .flat_map_iter(|((table, rows), following)| replay_partition(table, rows, following, as_of, rules))
        .collect();
    sort_by_address(nights)
}

/// `nights` sorted by (channel, address).
///
/// A sort that compares the strings themselves follows a pointer per comparison into a
/// million scattered strings; this one sorts (channel, the address's first 24 bytes, index)
/// keys, which decide almost every comparison (`firstname.lastname.1234567@` is about that
/// long), and compares whole strings only on a tie of the prefixes. The prefix is three
/// big-endian words, zero-padded: integer comparisons in the strings' byte order (a shorter
/// string pads with the smallest byte), where byte arrays compared through `memcmp`.
fn sort_by_address(nights: Vec<Night<'_>>) -> Vec<Night<'_>> {
    const WORDS: usize = 3;
    let prefix = |address: &str| {
        let mut bytes = [0u8; 8 * WORDS];
        let n = address.len().min(8 * WORDS);
        bytes[..n].copy_from_slice(&address.as_bytes()[..n]);
        let word = |w: usize| u64::from_be_bytes(bytes[8 * w..8 * w + 8].try_into().expect("8 bytes"));
        [word(0), word(1), word(2)]
    };
    let mut keys: Vec<(Channel, [u64; WORDS], u32)> =
        nights.par_iter().enumerate().map(|(i, n)| (n.address.0, prefix(n.address.1), i as u32)).collect();
    keys.par_sort_unstable_by(|a, b| {
        (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| nights[a.2 as usize].address.1.cmp(nights[b.2 as usize].address.1))
    });
    // Position p takes the night at order[p]: followed cycle by cycle with swaps, in place
    // (a second vector of a million nights would raise the peak).
    let mut order: Vec<u32> = keys.into_iter().map(|(_, _, i)| i).collect();
    let mut nights = nights;
    const DONE: u32 = u32::MAX;
    for start in 0..order.len() {
        let mut p = start;
        while order[p] != DONE {
            let from = order[p] as usize;
            order[p] = DONE;
            if from == start {
                break;
            }
            nights.swap(p, from);
            p = from;
        }
    }
    nights
}

/// One partition's addresses, replayed: each address's rows grouped by number (stable sorts:
/// table order stays, the log rows that can open an entry first), then its night.
fn replay_partition<'a>(
    table: &'a AddressTable,
    rows: NumberedRows,
    following: Vec<Vec<Following>>,
    as_of: Micros,
    rules: &Rules,
) -> Vec<Night<'a>> {
    let NumberedRows { current: mut current_rows, opening: mut log_rows } = rows;
    log_rows.reserve(following.iter().map(Vec::len).sum());
    for batch in following {
        log_rows.extend(batch.into_iter().map(|f| (f.number, LogRow { at: f.at, outcome: f.outcome, reason: None })));
    }
    current_rows.sort_by_key(|(n, _)| *n);
    log_rows.sort_by_key(|(n, _)| *n);
    let (current_numbers, current_rows): (Vec<u32>, Vec<CurrentRow>) = current_rows.into_iter().unzip();
    let (log_numbers, mut log_rows): (Vec<u32>, Vec<LogRow>) = log_rows.into_iter().unzip();
    let (mut c, mut l) = (0, 0);
    let mut nights = Vec::new();
    for n in 0..table.len() as u32 {
        let c_end = c + current_numbers[c..].iter().take_while(|&&x| x == n).count();
        let l_end = l + log_numbers[l..].iter().take_while(|&&x| x == n).count();
        let entry = if c_end > c { merge(&current_rows[c..c_end]) } else { Entry::default() };
        let replayed = replay(entry, &mut log_rows[l..l_end], as_of, rules);
        (c, l) = (c_end, l_end);
        if replayed.entry.status.is_some() || replayed.change.is_some() {
            nights.push(Night { address: table.address(n), replayed });
        }
    }
    nights
}

/// Partition-major: partition p of every batch, in batch order (table order within an address:
/// the merge's reason tie goes to the first row in table order).
fn by_partition<B>(batches: Vec<Buckets<B>>) -> Vec<Vec<B>> {
    let mut partitions: Vec<Vec<B>> = (0..PARTITIONS).map(|_| Vec::with_capacity(batches.len())).collect();
    for batch in batches {
        for (p, bucket) in batch.into_iter().enumerate() {
            partitions[p].push(bucket);
        }
    }
    partitions
}
