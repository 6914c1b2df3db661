//! Executing a plan, the whole pipeline in one place: load the indexes, apply the rules in
//! contract order, count, assemble the summary, write the outputs.

use std::path::Path;

use suppress_write::Staged;

use crate::counts::count_by_delivery;
use crate::load::Loaded;
use crate::outputs::{self, OUTPUT_SET};
use crate::rules::{classify_all, control_group, duplicate, pressure};
use crate::{summary, AnalyzeError, Indexes, NoProgress, Plan, Progress, Summary};
use suppress_load::phases::{rows, Clock};

/// The result of a run.
pub struct Analysis {
    pub summary: Summary,
    /// Outcome per accepted target row, in table order: 0 kept, n = reason n.
    pub codes: Vec<u8>,
}

impl Plan {
    /// Runs the analysis and, when `out` is given, writes the three outputs there atomically.
    pub fn execute(&self, out: Option<&Path>) -> Result<Analysis, AnalyzeError> {
        self.execute_with(out, &NoProgress)
    }

    /// [`Plan::execute`], telling `progress` about each phase.
    pub fn execute_with(&self, out: Option<&Path>, progress: &dyn Progress) -> Result<Analysis, AnalyzeError> {
        let mut clock = Clock::new(progress);
        let loaded = Loaded::load(self, &mut clock)?;
        let ix = loaded.indexes(self.config.propagate_optout);
        let (codes, pressure) = decide(&ix, &self.config, &mut clock);
        let counts = count_by_delivery(&loaded.targets, &codes);
        let mut summary = summary::assemble(self, &loaded, &counts, &pressure);
        match out {
            Some(dir) => write_outputs(dir, &ix, &codes, &mut summary, &mut clock)?,
            None => summary.timings_ms = clock.timings(),
        }
        release_in_background(loaded);
        Ok(Analysis { summary, codes })
    }
}

/// Frees the indexes on a thread of their own. At 10M profiles they are over a gigabyte (large
/// blocks, and half a million quarantine addresses), and freeing them took about 100 ms after
/// the outputs were committed: time the caller waited for nothing. A process that exits before the thread is
/// done (the CLI) leaves the rest to the kernel. If no thread can be started, they are freed
/// here.
fn release_in_background(loaded: Loaded) {
    let _ = std::thread::Builder::new().name("release".into()).spawn(move || drop(loaded));
}

/// Every target row's outcome, in target row order: the per-row reasons in one parallel pass,
/// then the reasons over the rows still kept, in contract order; with the rows each cap
/// excluded.
fn decide(ix: &Indexes, config: &crate::Config, clock: &mut Clock) -> (Vec<u8>, Vec<u64>) {
    let (mut codes, kept) = clock.time("classify", &rows(ix.targets.len() as u64), || classify_all(ix));
    clock.time("deduplicate", "", || duplicate::mark_duplicates(ix, &mut codes, kept));
    let mut per_cap = Vec::new();
    if !config.caps.is_empty() {
        per_cap =
            clock.time("pressure", "", || pressure::mark_pressure(ix, &mut codes, &config.caps, config.as_of_micros()));
    }
    clock.time("control_groups", "", || control_group::mark_control_groups(ix, &mut codes));
    (codes, per_cap)
}

/// Writes the output set into `dir`, all or nothing; the summary gets the run's timings first.
fn write_outputs(
    dir: &Path,
    ix: &Indexes,
    codes: &[u8],
    summary: &mut Summary,
    clock: &mut Clock,
) -> Result<(), AnalyzeError> {
    let mut staged = Staged::new(dir, OUTPUT_SET)?;
    let recipients = staged.create(outputs::RECIPIENTS)?;
    let exclusions = staged.create(outputs::EXCLUSIONS)?;
    clock.time("write", &rows(codes.len() as u64), || {
        let (recipients, exclusions) = rayon::join(
            || outputs::write_recipients(recipients, ix, codes),
            || outputs::write_exclusions(exclusions, ix, codes),
        );
        let ((_, recipients_synced), (_, exclusions_synced)) = (recipients?, exclusions?);
        recipients_synced.wait()?;
        exclusions_synced.wait()
    })?;
    summary.timings_ms = clock.timings();
    staged.write_small_file(outputs::SUMMARY, summary.to_json().as_bytes())?;
    staged.commit()?;
    Ok(())
}
