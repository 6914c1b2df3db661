//! Rows skipped under `--skip-bad-rows`, or the error that stops the run without it.

use std::collections::BTreeMap;

use suppress_load::column::IdValue;
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

    /// Reads a required id: `Ok(Some)` for a valid id, `Ok(None)` for a null or out-of-range
    /// one skipped and counted, `Err` when not skipping.
    pub fn id(
        &mut self,
        skip: bool,
        batch: &Batch,
        column: usize,
        row: usize,
        value: IdValue,
    ) -> Result<Option<i64>, LoadError> {
        let problem = match value {
            IdValue::Valid(id) => return Ok(Some(id)),
            IdValue::Null => BadValue::Null,
            IdValue::OutOfRange(v) => BadValue::OutOfRange(v.to_string()),
        };
        self.record(skip, batch, column, row, problem)?;
        Ok(None)
    }

    /// Parses a required name column (channel, status): `Ok(Some)` when `parse` knows the
    /// value, `Ok(None)` for a null or unknown value skipped and counted, `Err` when not skipping.
    #[allow(clippy::too_many_arguments)]
    pub fn parse_name<T>(
        &mut self,
        skip: bool,
        batch: &Batch,
        column: usize,
        row: usize,
        value: Option<&str>,
        parse: impl Fn(&str) -> Option<T>,
        unknown: impl Fn(String) -> BadValue,
    ) -> Result<Option<T>, LoadError> {
        let problem = match value {
            None => BadValue::Null,
            Some(text) => match parse(text) {
                Some(parsed) => return Ok(Some(parsed)),
                None => unknown(text.into()),
            },
        };
        self.record(skip, batch, column, row, problem)?;
        Ok(None)
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
