//! `suppress quarantine`, planned then executed: read the current quarantine and the log,
//! replay every address in parallel, write the next quarantine, its changes and the summary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ahash::HashMap;
use rayon::prelude::*;
use serde_json::{json, Value};
use suppress_load::{ColumnNames, LoadError, Table};
use suppress_model::Canonicalizer;
use suppress_write::{Staged, WriteError};

use crate::entry::{Entry, Micros, Rules, Status};
use crate::merge::{merge, CurrentRow};
use crate::outputs::{self, OUTPUT_SET};
use crate::read::{current_columns, log_columns, read_current, read_log, Address, ReadOptions};
use crate::replay::{replay, Replayed};
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

/// One address's night, with its key.
struct Night {
    address: Address,
    replayed: Replayed,
}

/// Addresses are replayed in this many partitions by hash, in parallel.
const PARTITIONS: usize = 64;

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
            || outputs::write_quarantine(quarantine_file, &nights_view(&nights)),
            || outputs::write_changes(changes_file, &nights_view(&nights)),
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

/// What the writers read of one address's night.
pub struct NightView<'a> {
    pub address: &'a Address,
    pub replayed: &'a Replayed,
}

fn nights_view(nights: &[Night]) -> Vec<NightView<'_>> {
    nights.iter().map(|n| NightView { address: &n.address, replayed: &n.replayed }).collect()
}

/// Every address of the current table or the log, replayed; sorted by (channel, address), so
/// the outputs do not depend on the thread count.
fn replay_all(
    current: Vec<(Address, CurrentRow)>,
    log: Vec<(Address, LogRow)>,
    as_of: Micros,
    rules: &Rules,
) -> Vec<Night> {
    type Rows = (Vec<CurrentRow>, Vec<LogRow>);
    let partition =
        |address: &Address| (suppress_index::fingerprint(&address.1) as usize ^ address.0.index()) % PARTITIONS;
    // Partitioned on one thread: table order must be kept within an address (the merge's
    // reason tie goes to the first row in table order).
    let mut partitions: Vec<HashMap<Address, Rows>> = (0..PARTITIONS).map(|_| HashMap::default()).collect();
    for (address, row) in current {
        partitions[partition(&address)].entry(address).or_default().0.push(row);
    }
    for (address, row) in log {
        partitions[partition(&address)].entry(address).or_default().1.push(row);
    }
    let mut nights: Vec<Night> = partitions
        .into_par_iter()
        .flat_map_iter(|addresses| {
            addresses.into_iter().map(|(address, (current, mut rows))| {
                let entry = if current.is_empty() { Entry::default() } else { merge(&current) };
                Night { address, replayed: replay(entry, &mut rows, as_of, rules) }
            })
        })
        .collect();
    nights.par_sort_unstable_by(|a, b| a.address.cmp(&b.address));
    nights
}
