//! Synthetic exports for tests, benchmarks and the committed sample.
//!
//! [`generate`] writes `profiles.parquet`, `quarantine.parquet`, `targets.parquet`,
//! `deliveries.parquet`, `subscriptions.parquet`, `consent.parquet`, `history.parquet` and the
//! delivery log
//! `log.parquet` with the dirt real exports have (see [`profiles`], [`quarantine`],
//! [`targets`], [`deliveries`], [`subscriptions`], [`consent`], [`history`], [`log`] for what each holds).
//! Every value is a pure function of (seed, table, row) through [`rng::Rng`], so output is
//! byte-for-byte reproducible, batches are generated in parallel, and nothing but the batches
//! in flight is held in memory: 50M profiles stream to disk.

pub mod consent;
pub mod deliveries;
pub mod history;
pub mod log;
pub mod profiles;
pub mod quarantine;
pub mod rng;
pub mod subscriptions;
pub mod targets;
mod write;

use std::path::Path;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct GenConfig {
    pub profiles: u64,
    pub seed: u64,
    pub target_order: TargetOrder,
}

impl GenConfig {
    /// `profiles` profiles from `seed`, targets in hash order.
    pub fn new(profiles: u64, seed: u64) -> GenConfig {
        GenConfig { profiles, seed, target_order: TargetOrder::default() }
    }
}

pub use targets::TargetOrder;

/// Rows written per file.
#[derive(Debug, Clone, Copy, Default)]
pub struct GenReport {
    pub profiles: u64,
    pub quarantine: u64,
    pub targets: u64,
    pub deliveries: u64,
    pub subscriptions: u64,
    pub consent: u64,
    pub history: u64,
    pub log: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error("{path}: {message}", path = .path.display())]
    Write { path: std::path::PathBuf, message: String },
}

/// Writes the eight tables into `dir` (created if needed).
pub fn generate(dir: &Path, config: &GenConfig) -> Result<GenReport, GenError> {
    std::fs::create_dir_all(dir).map_err(|e| GenError::Write { path: dir.into(), message: e.to_string() })?;
    Ok(GenReport {
        profiles: profiles::write(&dir.join("profiles.parquet"), config)?,
        quarantine: quarantine::write(&dir.join("quarantine.parquet"), config)?,
        targets: targets::write(&dir.join("targets.parquet"), config)?,
        deliveries: deliveries::write(&dir.join("deliveries.parquet"))?,
        subscriptions: subscriptions::write(&dir.join("subscriptions.parquet"), config)?,
        consent: consent::write(&dir.join("consent.parquet"), config)?,
        history: history::write(&dir.join("history.parquet"), config)?,
        log: log::write(&dir.join("log.parquet"), config)?,
    })
}
