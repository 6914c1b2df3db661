//! Rows skipped under `--skip-bad-rows`, or the error that stops the run without it.

use std::collections::BTreeMap;

use suppress_load::column::{IdValue, StrColumn};
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

/// A name column (channel, outcome, status) of one batch, read through the spellings it has
/// parsed so far.
///
/// Such a column holds a handful of distinct values (`email`, ` SMS`, `soft_bounce`, ...)
/// repeated on millions of rows; parsing one means trimming, folding case and trying every
/// alias, so each distinct spelling is parsed once per batch and then found by comparing bytes.
pub struct Spellings<'a, T> {
    column: usize,
    parse: fn(&str) -> Option<T>,
    unknown: fn(String) -> BadValue,
    seen: Vec<(&'a str, T)>,
    /// Utf8View views already parsed ([`Spellings::read_in`]), direct-mapped by a hash of the
    /// view: a dictionary page decodes every repeat of a value to one view, and a value of up
    /// to 12 bytes is its view, so most rows are found by comparing 16 bytes in one slot,
    /// without reading the string. Two views on one slot take turns: the loser is parsed again.
    seen_views: [Option<(u128, T)>; VIEW_SLOTS],
}

/// Slots of [`Spellings::seen_views`]: a log's outcome column has a few dozen spellings.
const VIEW_SLOTS: usize = 64;

#[inline]
fn view_slot(view: u128) -> usize {
    let folded = (view as u64) ^ ((view >> 64) as u64);
    (folded.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - VIEW_SLOTS.trailing_zeros())) as usize
}

impl<'a, T: Copy> Spellings<'a, T> {
    /// At most this many are remembered: a column of many distinct spellings parses the rest.
    const CAPACITY: usize = 32;

    /// The spellings of column `column`, parsed by `parse`; `unknown` says what a value it
    /// does not know is.
    pub fn new(column: usize, parse: fn(&str) -> Option<T>, unknown: fn(String) -> BadValue) -> Self {
        Spellings { column, parse, unknown, seen: Vec::new(), seen_views: [None; VIEW_SLOTS] }
    }

    /// [`Spellings::read`] of row `row` of `values`, found by its view when it has one.
    /// `values` is this spelling's column of one batch on every call: views are only
    /// comparable within one array (the lifetime keeps the spellings from outliving it).
    #[inline]
    pub fn read_in(
        &mut self,
        bad: &mut BadRows,
        skip: bool,
        batch: &Batch,
        row: usize,
        values: &'a StrColumn,
    ) -> Result<Option<T>, LoadError> {
        let view = values.view(row);
        if let Some(view) = view {
            if let Some((seen, known)) = self.seen_views[view_slot(view)] {
                if seen == view {
                    return Ok(Some(known));
                }
            }
        }
        let parsed = self.read(bad, skip, batch, row, values.get(row))?;
        if let (Some(view), Some(parsed)) = (view, parsed) {
            self.seen_views[view_slot(view)] = Some((view, parsed));
        }
        Ok(parsed)
    }

    /// Reads row `row`'s `value`, as [`BadRows::parse_name`] does: `Ok(None)` for a null or
    /// unknown value skipped and counted in `bad`, `Err` when not skipping.
    pub fn read(
        &mut self,
        bad: &mut BadRows,
        skip: bool,
        batch: &Batch,
        row: usize,
        value: Option<&'a str>,
    ) -> Result<Option<T>, LoadError> {
        if let Some(known) = value.and_then(|text| self.get(text)) {
            return Ok(Some(known));
        }
        let parsed = bad.parse_name(skip, batch, self.column, row, value, self.parse, self.unknown)?;
        if let (Some(text), Some(parsed)) = (value, parsed) {
            self.remember(text, parsed);
        }
        Ok(parsed)
    }

    fn get(&self, text: &str) -> Option<T> {
        self.seen.iter().find(|(seen, _)| *seen == text).map(|&(_, value)| value)
    }

    fn remember(&mut self, text: &'a str, value: T) {
        if self.seen.len() < Self::CAPACITY {
            self.seen.push((text, value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_slots_cover_the_table() {
        let slots: std::collections::BTreeSet<usize> = (0..10_000u128).map(|v| view_slot(v << 32 | 5)).collect();
        assert_eq!(slots.len(), VIEW_SLOTS);
        assert!(slots.iter().all(|&s| s < VIEW_SLOTS));
    }

    #[test]
    fn spellings_remember_what_was_parsed_up_to_their_capacity() {
        let mut spellings: Spellings<u32> = Spellings::new(0, |_| None, BadValue::UnknownChannel);
        let texts: Vec<String> = (0..40).map(|i| format!("v{i}")).collect();
        for (i, text) in texts.iter().enumerate() {
            spellings.remember(text, i as u32);
        }
        assert_eq!(spellings.get("v0"), Some(0));
        assert_eq!(spellings.get("v31"), Some(31));
        assert_eq!(spellings.get("v32"), None, "past the capacity, spellings are parsed again");
        assert_eq!(spellings.get("V0"), None, "the cache compares bytes; parsing folds case");
    }
}
