//! Rows skipped under `--skip-bad-rows`, or the error that stops the run without it.

use std::collections::BTreeMap;

use suppress_load::{BadValue, Batch, LoadError};

/// Skipped rows of one table, counted by `column: cause`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BadRows {
    pub counts: BTreeMap<String, u64>,
}

impl BadRows {
    /// Records a bad row: counts it when `skip`, otherwise returns the error that stops the run.
    pub fn record(
        &mut self,
        skip: bool,
        batch: &Batch,
        column: usize,
        row: usize,
        problem: BadValue,
    ) -> Result<(), LoadError> {
        if !skip {
            return Err(batch.bad_row(column, row, problem));
        }
        self.add(batch.column_name(column), problem.cause(), 1);
        Ok(())
    }

    pub fn add(&mut self, column: &str, cause: &str, count: u64) {
        *self.counts.entry(format!("{column}: {cause}")).or_default() += count;
    }

    pub fn merge(&mut self, other: &BadRows) {
        for (key, count) in &other.counts {
            *self.counts.entry(key.clone()).or_default() += count;
        }
    }

    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }
}
