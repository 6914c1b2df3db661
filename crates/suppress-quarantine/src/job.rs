//! `suppress quarantine`, planned then executed: read the current quarantine and the log,
//! replay every address in parallel, write the next quarantine, its changes and the summary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ahash::HashMap;
use rayon::prelude::*;
use serde_json::{json, Value};
use suppress_load::{ColumnNames, LoadError, Table};
use suppress_model::{Canonicalizer, Channel};
use suppress_write::{Staged, WriteError};

use crate::entry::{Entry, Micros, Rules, Status};
use crate::merge::{merge, CurrentRow};
use crate::outputs::{self, OUTPUT_SET};
use crate::read::{current_columns, log_columns, read_current, read_log, Bucket, Buckets, ReadOptions, PARTITIONS};
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

    /// Runs the night and writes its outputs into `out`, all or nothing; returns the summary.
    pub fn execute(&self, out: &Path) -> Result<Value, JobError> {
        let start = Instant::now();
        let config = &self.config;
        let options = ReadOptions {
            names: &config.names,
            canonicalizer: &config.canonicalizer,
            as_of: config.as_of,
            since: config.since,
            skip_bad_rows: config.skip_bad_rows,
        };
        let ((current, current_counts), (log, log_counts)) = {
            let read_current = || match &self.quarantine {
                Some(table) => read_current(table, &options),
                None => Ok(Default::default()),
            };
            let (current, log) = rayon::join(read_current, || read_log(&self.log, &options));
            (current?, log?)
        };
        let read_ms = start.elapsed().as_millis() as u64;

        let nights = replay_all(current, log, config.as_of, &config.rules);
        let replay_ms = start.elapsed().as_millis() as u64 - read_ms;

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
        let (written, changed) = rayon::join(
            || outputs::write_quarantine(quarantine_file, &nights),
            || outputs::write_changes(changes_file, &nights),
        );
        let (written, quarantine_synced) = written?;
        let (changed, changes_synced) = changed?;
        quarantine_synced.wait()?;
        changes_synced.wait()?;
        let total_ms = start.elapsed().as_millis() as u64;

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
            "timings_ms": {"read": read_ms, "replay": replay_ms, "total": total_ms},
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

/// Every address of the current table or the log, replayed; the nights that leave a row in
/// an output (an entry, or a change), sorted by (channel, address) so the outputs do not
/// depend on the thread count.
fn replay_all(
    current: Vec<Buckets<CurrentRow>>,
    log: Vec<Buckets<LogRow>>,
    as_of: Micros,
    rules: &Rules,
) -> Vec<Night> {
    let (current, log) = (by_partition(current), by_partition(log));
    let mut nights: Vec<Night> = current
        .into_par_iter()
        .zip(log)
        .flat_map_iter(|(current, log)| replay_partition(current, log, as_of, rules))
        .collect();
    nights.par_sort_unstable_by(|a, b| a.address.cmp(&b.address));
    nights
}

/// One partition's addresses, replayed.
///
/// Most addresses of a night's log have one row and no entry (a delivery to an address that
/// never bounced), and leave nothing: so addresses are looked up as slices of the buckets'
/// strings, each row is tagged with its address's number and the rows are sorted by it
/// (stable: table order stays), and only a night with an output row allocates its address.
fn replay_partition(
    current: Vec<Bucket<CurrentRow>>,
    log: Vec<Bucket<LogRow>>,
    as_of: Micros,
    rules: &Rules,
) -> Vec<Night> {
    let mut strings = Vec::with_capacity(current.len() + log.len());
    let mut current_rows: Vec<(u32, (Channel, usize, usize), CurrentRow)> = Vec::new();
    let mut log_rows: Vec<(u32, (Channel, usize, usize), LogRow)> = Vec::new();
    for bucket in current {
        let (addresses, rows) = bucket.into_parts();
        let k = strings.len();
        current_rows.extend(rows.map(|(channel, start, end, row)| (k as u32, (channel, start, end), row)));
        strings.push(addresses);
    }
    for bucket in log {
        let (addresses, rows) = bucket.into_parts();
        let k = strings.len();
        log_rows.extend(rows.map(|(channel, start, end, row)| (k as u32, (channel, start, end), row)));
        strings.push(addresses);
    }
    // Number each distinct (channel, address) in first-seen order.
    let mut numbers: HashMap<(Channel, &str), u32> = HashMap::default();
    let mut first: Vec<(Channel, &str)> = Vec::new();
    let mut number = |k: u32, (channel, start, end): (Channel, usize, usize)| -> u32 {
        let address = &strings[k as usize][start..end];
        *numbers.entry((channel, address)).or_insert_with(|| {
            first.push((channel, address));
            (first.len() - 1) as u32
        })
    };
    let mut current_rows: Vec<(u32, CurrentRow)> =
        current_rows.into_iter().map(|(k, range, row)| (number(k, range), row)).collect();
    let mut log_rows: Vec<(u32, LogRow)> =
        log_rows.into_iter().map(|(k, range, row)| (number(k, range), row)).collect();
    current_rows.sort_by_key(|(n, _)| *n);
    log_rows.sort_by_key(|(n, _)| *n);
    let (current_numbers, current_rows): (Vec<u32>, Vec<CurrentRow>) = current_rows.into_iter().unzip();
    let (log_numbers, mut log_rows): (Vec<u32>, Vec<LogRow>) = log_rows.into_iter().unzip();
    let (mut c, mut l) = (0, 0);
    let mut nights = Vec::new();
    for (n, &(channel, address)) in first.iter().enumerate() {
        let n = n as u32;
        let c_end = c + current_numbers[c..].iter().take_while(|&&x| x == n).count();
        let l_end = l + log_numbers[l..].iter().take_while(|&&x| x == n).count();
        let entry = if c_end > c { merge(&current_rows[c..c_end]) } else { Entry::default() };
        let replayed = replay(entry, &mut log_rows[l..l_end], as_of, rules);
        (c, l) = (c_end, l_end);
        if replayed.entry.status.is_some() || replayed.change.is_some() {
            nights.push(Night { address: (channel, address.into()), replayed });
        }
    }
    nights
}

/// Partition-major: partition p of every batch, in batch order (table order within an address:
/// the merge's reason tie goes to the first row in table order).
fn by_partition<R>(batches: Vec<Buckets<R>>) -> Vec<Vec<Bucket<R>>> {
    let mut partitions: Vec<Vec<Bucket<R>>> = (0..PARTITIONS).map(|_| Vec::with_capacity(batches.len())).collect();
    for batch in batches {
        for (p, bucket) in batch.into_iter().enumerate() {
            partitions[p].push(bucket);
        }
    }
    partitions
}
