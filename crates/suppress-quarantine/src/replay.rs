//! One address's night: its log rows in the contract's order, then the cleanup at `--as-of`.

use std::cmp::Ordering;

use suppress_model::{Channel, Outcome};

use crate::entry::{Entry, Micros, Rules, Status};
use crate::transition::{apply, release, LogRow};

/// The order one address's rows are applied in: by `at`; on the same `at`, by outcome in
/// [`Outcome`]'s order (the most restrictive last); then by reason in byte order, null first.
pub fn log_order(a: &LogRow, b: &LogRow) -> Ordering {
    (a.at, a.outcome).cmp(&(b.at, b.outcome)).then_with(|| a.reason.as_deref().cmp(&b.reason.as_deref()))
}

/// What the last change of status was, for `changes.parquet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    /// The log row at that time, of that outcome.
    Row { at: Micros, outcome: Outcome },
    /// Released by the cleanup at `--as-of`.
    Released { at: Micros },
}

impl StatusChange {
    pub fn at(self) -> Micros {
        match self {
            StatusChange::Row { at, .. } | StatusChange::Released { at } => at,
        }
    }

    /// The outcome's canonical name, or `released`.
    pub fn outcome_name(self) -> &'static str {
        match self {
            StatusChange::Row { outcome, .. } => outcome.name(),
            StatusChange::Released { .. } => "released",
        }
    }
}

/// One address after the night.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    /// The merged current status (before the log).
    pub old_status: Option<Status>,
    /// The entry after the log and the cleanup; status none means no output row.
    pub entry: Entry,
    /// The last change of status, when the status differs from `old_status`.
    pub change: Option<StatusChange>,
}

/// Replays `rows` (one address's applied log rows, in any order) on `entry` (its merged
/// current entry, or none), then releases it at `as_of` if the cleanup says so.
pub fn replay(mut entry: Entry, rows: &mut [LogRow], as_of: Micros, rules: &Rules) -> Replayed {
    let old_status = entry.status;
    rows.sort_by(log_order);
    let mut last_change = None;
    for row in rows.iter() {
        if apply(&mut entry, row, rules) {
            last_change = Some(StatusChange::Row { at: row.at, outcome: row.outcome });
        }
    }
    if release(&mut entry, as_of, rules) {
        last_change = Some(StatusChange::Released { at: as_of });
    }
    let change = if entry.status != old_status { last_change } else { None };
    Replayed { old_status, entry, change }
}

/// One address's night, with its key (borrowed from its partition's table of addresses):
/// what the outputs are written from.
pub struct Night<'a> {
    pub address: (Channel, &'a str),
    pub replayed: Replayed,
}
