//! Plan (open and check the inputs), then execute (load, classify, deduplicate, write).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use serde_json::json;
use suppress_index::{
    AddressBook, DenseBits, OptoutAddresses, ProfileIndex, ProfileOptions, QuarantineIndex, TargetList, TargetOptions,
};
use suppress_load::Table;
use suppress_model::Channel;

use crate::classify::{classify_all, Indexes};
use crate::output::{self, Staged};
use crate::summary::{count_by_delivery, Counts, DeliverySummary, Summary, TableSummary};
use crate::{dedup, AnalyzeError, Config};

/// The opened inputs of one run. Opening maps every file and reads every footer, so a wrong
/// path, a file that is not Parquet or a missing targets column fails before any decoding.
pub struct Plan {
    pub config: Config,
    pub profiles: Table,
    pub targets: Table,
    pub quarantine: Option<Table>,
}

/// The result of a run.
pub struct Analysis {
    pub summary: Summary,
    /// Outcome per accepted target row, in table order: 0 kept, n = reason n.
    pub codes: Vec<u8>,
}

/// Hears about phases as they start and finish (the CLI draws progress bars with it).
pub trait Progress: Sync {
    /// `detail` says what the phase works on, such as a row count.
    fn started(&self, _phase: &str, _detail: &str) {}
    fn finished(&self, _phase: &str) {}
}

/// Reports nothing.
pub struct NoProgress;

impl Progress for NoProgress {}

/// Records the wall time of each phase and tells `progress` about it.
struct Clock<'a> {
    start: Instant,
    phases: Vec<(String, u64)>,
    progress: &'a dyn Progress,
}

impl Clock<'_> {
    fn time<T>(&mut self, name: &str, detail: &str, f: impl FnOnce() -> T) -> T {
        let (value, ms) = timed(self.progress, name, detail, f);
        self.phases.push((name.into(), ms));
        value
    }

    /// Runs two phases at the same time on the pool, each timed on its own: their times
    /// overlap, so phases can add up to more than `total`.
    fn time_both<A: Send, B: Send>(
        &mut self,
        (a_name, a_detail, a): (&str, &str, impl FnOnce() -> A + Send),
        (b_name, b_detail, b): (&str, &str, impl FnOnce() -> B + Send),
    ) -> (A, B) {
        let progress = self.progress;
        let ((a, a_ms), (b, b_ms)) =
            rayon::join(|| timed(progress, a_name, a_detail, a), || timed(progress, b_name, b_detail, b));
        self.phases.push((a_name.into(), a_ms));
        self.phases.push((b_name.into(), b_ms));
        (a, b)
    }

    /// Every phase so far, then `total`.
    fn timings(&self) -> Vec<(String, u64)> {
        let mut timings = self.phases.clone();
        timings.push(("total".into(), self.start.elapsed().as_millis() as u64));
        timings
    }
}

/// Runs phase `name`, telling `progress`; returns its value and wall time in milliseconds.
fn timed<T>(progress: &dyn Progress, name: &str, detail: &str, f: impl FnOnce() -> T) -> (T, u64) {
    progress.started(name, detail);
    let start = Instant::now();
    let value = f();
    let ms = start.elapsed().as_millis() as u64;
    progress.finished(name);
    (value, ms)
}

fn rows(n: u64) -> String {
    format!("{n} rows")
}

impl Plan {
    pub fn open(config: Config) -> Result<Plan, AnalyzeError> {
        let targets = Table::open(&config.targets)?;
        let target_options = target_options(&config);
        targets.check_columns(&TargetList::columns(&config.names, &target_options))?;
        let profiles = Table::open(&config.profiles)?;
        let quarantine = match &config.quarantine {
            Some(path) => {
                let table = Table::open(path)?;
                table.check_columns(&QuarantineIndex::columns(&config.names))?;
                Some(table)
            }
            None => None,
        };
        Ok(Plan { config, profiles, targets, quarantine })
    }

    /// Runs the analysis and, when `out` is given, writes the three outputs there atomically.
    pub fn execute(&self, out: Option<&Path>) -> Result<Analysis, AnalyzeError> {
        self.execute_with(out, &NoProgress)
    }

    /// [`Plan::execute`], telling `progress` about each phase.
    pub fn execute_with(&self, out: Option<&Path>, progress: &dyn Progress) -> Result<Analysis, AnalyzeError> {
        let config = &self.config;
        let mut clock = Clock { start: Instant::now(), phases: Vec::new(), progress };

        let targets = clock.time("load_targets", &rows(self.targets.num_rows()), || {
            TargetList::load(&self.targets, &config.names, &target_options(config))
        })?;
        let channels = targets.channels();
        let profile_options = ProfileOptions {
            channels: channels.clone(),
            allow_missing_optout: config.allow_missing_optout,
            skip_bad_rows: config.skip_bad_rows,
        };
        let profiles = clock.time("load_profiles", &rows(self.profiles.num_rows()), || {
            ProfileIndex::load(&self.profiles, &config.names, &profile_options)
        })?;
        let targeted =
            clock.time("mark_targeted", &rows(targets.len() as u64), || targeted_rows(&targets, &profiles, &channels));
        let load_addresses = || {
            AddressBook::load(
                &self.profiles,
                &config.names,
                &profiles,
                &targeted,
                &config.canonicalizer,
                config.propagate_optout,
            )
        };
        let address_detail = format!("{} channels", channels.len());
        let ((addresses, optout_addresses), quarantine) = match &self.quarantine {
            None => (clock.time("load_addresses", &address_detail, load_addresses)?, None),
            Some(table) => {
                // The quarantine does not depend on the profiles: it loads while the addresses
                // do, which keeps both threads busy when it is one row group (one thread).
                let load_quarantine = || {
                    QuarantineIndex::load(
                        table,
                        &config.names,
                        &channels,
                        &config.canonicalizer,
                        config.as_of_nanos(),
                        config.skip_bad_rows,
                    )
                };
                let (addresses, quarantine) = clock.time_both(
                    ("load_addresses", &address_detail, load_addresses),
                    ("load_quarantine", &rows(table.num_rows()), load_quarantine),
                );
                (addresses?, Some(quarantine?))
            }
        };
        drop(targeted);
        let ix = Indexes {
            targets: &targets,
            profiles: &profiles,
            addresses: &addresses,
            optout_addresses: config.propagate_optout.then_some(&optout_addresses),
            quarantine: quarantine.as_ref(),
        };
        let (mut codes, kept) = clock.time("classify", &rows(targets.len() as u64), || classify_all(&ix));
        clock.time("deduplicate", "", || dedup::mark_duplicates(&ix, &mut codes, kept));
        let counts = count_by_delivery(&targets, &codes);

        let mut summary = self.summary(&targets, &profiles, quarantine.as_ref(), &optout_addresses, &channels, &counts);
        if let Some(dir) = out {
            let mut staged = Staged::new(dir)?;
            let recipients_path = staged.temp_path(output::RECIPIENTS);
            let exclusions_path = staged.temp_path(output::EXCLUSIONS);
            let summary_path = staged.temp_path(output::SUMMARY);
            clock.time("write", &rows(codes.len() as u64), || {
                let (recipients, exclusions) = rayon::join(
                    || output::write_recipients(&recipients_path, &ix, &codes),
                    || output::write_exclusions(&exclusions_path, &ix, &codes),
                );
                let ((_, recipients_synced), (_, exclusions_synced)) = (recipients?, exclusions?);
                recipients_synced.wait()?;
                exclusions_synced.wait()
            })?;
            summary.timings_ms = clock.timings();
            std::fs::write(&summary_path, summary.to_json())
                .map_err(|e| AnalyzeError::Write { path: summary_path.clone(), message: e.to_string() })?;
            staged.commit()?;
        } else {
            summary.timings_ms = clock.timings();
        }
        Ok(Analysis { summary, codes })
    }

    fn summary(
        &self,
        targets: &TargetList,
        profiles: &ProfileIndex,
        quarantine: Option<&QuarantineIndex>,
        optout_addresses: &OptoutAddresses,
        channels: &[Channel],
        counts: &[Counts],
    ) -> Summary {
        let config = &self.config;
        let table =
            |t: &Table, rows: u64, bad: &suppress_index::BadRows, details: BTreeMap<String, serde_json::Value>| {
                TableSummary {
                    path: t.path.display().to_string(),
                    files: t.files.len(),
                    bytes: t.num_bytes(),
                    rows,
                    bad_rows: bad.counts.clone(),
                    details,
                }
            };
        let per_channel = |f: &dyn Fn(Channel) -> u64| {
            channels.iter().map(|c| (c.name().to_string(), json!(f(*c)))).collect::<serde_json::Map<_, _>>()
        };
        let mut inputs = BTreeMap::new();
        inputs.insert(
            "profiles",
            table(
                &self.profiles,
                profiles.rows_read,
                &profiles.bad_rows,
                BTreeMap::from([
                    ("accepted".into(), json!(profiles.accepted)),
                    ("optout_all".into(), json!(profiles.optout_all.len())),
                    ("optout_by_channel".into(), json!(per_channel(&|c| profiles.optout_by_channel[c.index()].len()))),
                ]),
            ),
        );
        if config.propagate_optout {
            if let Some(p) = inputs.get_mut("profiles") {
                p.details.insert(
                    "optout_addresses_by_channel".into(),
                    json!(per_channel(&|c| optout_addresses.len(c) as u64)),
                );
            }
        }
        inputs.insert(
            "targets",
            table(
                &self.targets,
                targets.rows_read,
                &targets.bad_rows,
                BTreeMap::from([("deliveries".into(), json!(targets.deliveries.len()))]),
            ),
        );
        if let (Some(t), Some(q)) = (&self.quarantine, quarantine) {
            let s = &q.stats;
            inputs.insert(
                "quarantine",
                table(
                    t,
                    s.rows_read,
                    &s.bad_rows,
                    BTreeMap::from([
                        ("expired".into(), json!(s.expired)),
                        ("active".into(), json!(s.usable - s.expired)),
                        (
                            "ignored".into(),
                            json!({"missing_address": s.ignored_missing, "invalid_address": s.ignored_invalid}),
                        ),
                        ("excluded_addresses_by_channel".into(), json!(per_channel(&|c| q.excluded(c) as u64))),
                    ]),
                ),
            );
        }
        let deliveries: Vec<DeliverySummary> = targets
            .deliveries
            .iter()
            .zip(counts)
            .map(|(d, c)| DeliverySummary { delivery_id: d.id.clone(), channel: d.channel.name().into(), counts: *c })
            .collect();
        let mut totals = Counts::default();
        counts.iter().for_each(|c| totals.add(c));
        Summary {
            suppress_version: env!("CARGO_PKG_VERSION"),
            inputs,
            warnings: profiles.warnings.clone(),
            options: json!({
                "as_of": config.as_of.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                "channel": config.channel.map(Channel::name),
                "default_country": config.canonicalizer.default_country.map(|c| c.to_string()),
                "propagate_optout": config.propagate_optout,
                "skip_bad_rows": config.skip_bad_rows,
                "allow_missing_optout": config.allow_missing_optout,
                "column_map": config.names.describe(),
                "threads": rayon::current_num_threads(),
            }),
            deliveries,
            totals,
            timings_ms: Vec::new(),
        }
    }
}

fn target_options(config: &Config) -> TargetOptions {
    TargetOptions { channel: config.channel, skip_bad_rows: config.skip_bad_rows }
}

/// Per channel used, the dense profile rows some delivery of that channel targets.
fn targeted_rows(targets: &TargetList, profiles: &ProfileIndex, channels: &[Channel]) -> Vec<(Channel, DenseBits)> {
    let slot_of_delivery: Vec<usize> = targets
        .deliveries
        .iter()
        .map(|d| channels.iter().position(|&c| c == d.channel).expect("channel listed"))
        .collect();
    let empty = || -> Vec<DenseBits> { channels.iter().map(|_| DenseBits::new(profiles.len())).collect() };
    // Each task marks its share of the targets in bitsets of its own; they are then unioned.
    let slice = targets.len().div_ceil(rayon::current_num_threads()).max(1 << 20);
    let bits = targets
        .delivery
        .par_chunks(slice)
        .zip(targets.profile_id.par_chunks(slice))
        .map(|(deliveries, profile_ids)| {
            let mut bits = empty();
            for (delivery, &profile_id) in deliveries.iter().zip(profile_ids) {
                if let Some(row) = profiles.row(profile_id) {
                    bits[slot_of_delivery[*delivery as usize]].set(row);
                }
            }
            bits
        })
        .reduce(empty, |mut a, b| {
            a.iter_mut().zip(&b).for_each(|(a, b)| a.union_with(b));
            a
        });
    channels.iter().copied().zip(bits).collect()
}
