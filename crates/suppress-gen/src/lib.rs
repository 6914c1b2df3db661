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
    pub id_shape: IdShape,
}

impl GenConfig {
    /// `profiles` profiles from `seed`, targets in hash order, dense ids.
    pub fn new(profiles: u64, seed: u64) -> GenConfig {
        GenConfig { profiles, seed, target_order: TargetOrder::default(), id_shape: IdShape::default() }
    }

    /// The id of profile index `i`.
    pub fn profile_id(&self, i: u64) -> i64 {
        self.id_shape.id(i)
    }

    /// An id that is no profile's, the `k`-th past the last profile.
    pub fn id_past_end(&self, k: u64) -> i64 {
        match self.id_shape {
            // As before the shapes existed, so that dense data stays byte for byte the same.
            IdShape::Dense => profiles::profile_id(self.profiles) + k as i64,
            shape => shape.id(self.profiles + k),
        }
    }

    /// An id that is no profile's, drawn among the profiles' own: a gap (dense) or one past
    /// the end (other shapes).
    pub fn unknown_id(&self, m: u64) -> i64 {
        match self.id_shape {
            IdShape::Dense => 51 * (1 + m) as i64,
            shape => shape.id(self.profiles + m),
        }
    }
}

pub use profiles::IdShape;
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
