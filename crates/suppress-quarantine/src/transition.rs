//! What one applied log row does to an address's entry: the contract's transition table.
//!
//! | status before        | `delivered` | `start` | `ignored` | `soft` | `hard` | `complaint`, `stop` |
//! |----------------------|-------------|---------|-----------|--------|--------|---------------------|
//! | none, `erroneous`    | none        | none    | unchanged | counted | `quarantined` | `denylisted` |
//! | `quarantined`        | unchanged   | none    | unchanged | unchanged | unchanged | `denylisted` |
//! | `denylisted`         | unchanged   | none    | unchanged | unchanged | unchanged | unchanged |
//! | `allowlisted`        | unchanged   | unchanged | unchanged | unchanged | unchanged | `denylisted` |
//!
//! [`cell`] is that table, row for row; [`apply`] carries out a cell on an [`Entry`]: the soft
//! and hard counting, `updated_at` for any change, and `reason` and `expires_at` for a change of
//! status. An entry that becomes none is gone with its counters.

use std::sync::Arc;

use suppress_model::Outcome;

// `error_count` is an i32: `saturating_add` stops at MAX_ERROR_COUNT (2^31 - 1), as the contract says.
use crate::entry::{Entry, Micros, Rules, Status};

/// One cell of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// The entry stays exactly as it is.
    Unchanged,
    /// The entry is gone (status none, counters forgotten).
    Gone,
    /// A soft error, counted as the contract's soft rule says.
    CountSoft,
    /// A hard error: counted, and the address quarantined.
    CountHard,
    /// The address is denylisted.
    Denylist,
}

/// The cell of the transition table for an entry of status `before` and a row of `outcome`.
pub fn cell(before: Option<Status>, outcome: Outcome) -> Cell {
    use Cell::*;
    use Outcome::*;
    match (before, outcome) {
        (None | Some(Status::Erroneous), Delivered | Start) => Gone,
        (None | Some(Status::Erroneous), Ignored) => Unchanged,
        (None | Some(Status::Erroneous), Soft) => CountSoft,
        (None | Some(Status::Erroneous), Hard) => CountHard,
        (None | Some(Status::Erroneous), Complaint | Stop) => Denylist,

        (Some(Status::Quarantined), Start) => Gone,
        (Some(Status::Quarantined), Complaint | Stop) => Denylist,
        (Some(Status::Quarantined), Delivered | Ignored | Soft | Hard) => Unchanged,

        (Some(Status::Denylisted), Start) => Gone,
        (Some(Status::Denylisted), _) => Unchanged,

        (Some(Status::Allowlisted), Complaint | Stop) => Denylist,
        (Some(Status::Allowlisted), _) => Unchanged,
    }
}

/// What a row of an outcome can do to an address, read off the table: the job keeps a row
/// only as long as it can still matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowRole {
    /// Unchanged in every status: the row changes nothing, whatever else the night holds.
    Inert,
    /// Changes only an existing entry (none stays none): it matters only for an address that
    /// has a current entry or another row that opens one.
    Follows,
    /// Changes none: an address with such a row may end the night with an entry.
    Opens,
}

/// The role of a row of `outcome`.
pub fn role(outcome: Outcome) -> RowRole {
    let statuses =
        [None, Some(Status::Erroneous), Some(Status::Quarantined), Some(Status::Denylisted), Some(Status::Allowlisted)];
    if statuses.iter().all(|&s| cell(s, outcome) == Cell::Unchanged) {
        RowRole::Inert
    } else if matches!(cell(None, outcome), Cell::Unchanged | Cell::Gone) {
        RowRole::Follows
    } else {
        RowRole::Opens
    }
}

/// One applied log row: its time, outcome and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRow {
    pub at: Micros,
    pub outcome: Outcome,
    /// Shared: a log repeats a few reasons millions of times.
    pub reason: Option<Arc<str>>,
}

/// Applies `row` to `entry`; returns whether the entry's status changed.
pub fn apply(entry: &mut Entry, row: &LogRow, rules: &Rules) -> bool {
    let before = (entry.status, entry.error_count, entry.last_error_at);
    match cell(entry.status, row.outcome) {
        Cell::Unchanged => return false,
        Cell::Gone => {
            let changed = entry.status.is_some();
            *entry = Entry::default();
            return changed;
        }
        Cell::CountSoft => {
            count_soft(entry, row.at, rules);
            entry.status =
                Some(if entry.error_count >= rules.soft_limit { Status::Quarantined } else { Status::Erroneous });
        }
        Cell::CountHard => {
            entry.error_count = entry.error_count.saturating_add(1);
            entry.last_error_at = Some(entry.last_error_at.map_or(row.at, |last| last.max(row.at)));
            entry.status = Some(Status::Quarantined);
        }
        Cell::Denylist => entry.status = Some(Status::Denylisted),
    }
    let status_changed = entry.status != before.0;
    if (entry.status, entry.error_count, entry.last_error_at) != before {
        entry.updated_at = Some(row.at);
    }
    if status_changed {
        // A status set by the log lasts until the log changes it.
        entry.reason = row.reason.clone();
        entry.expires_at = None;
    }
    status_changed
}

/// The soft rule at time `t`: a quiet gap longer than `error_reset` first resets the count;
/// then the error counts if it comes at least `soft_spacing` after the last counted one
/// (errors closer together are one error, and so is one earlier than the last).
fn count_soft(entry: &mut Entry, t: Micros, rules: &Rules) {
    let long_quiet = entry.last_error_at.is_none_or(|last| t.saturating_sub(last) > rules.error_reset);
    if long_quiet {
        entry.error_count = 0;
    }
    let spaced = entry.last_error_at.is_none_or(|last| t >= last.saturating_add(rules.soft_spacing));
    if spaced {
        entry.error_count = entry.error_count.saturating_add(1);
        entry.last_error_at = Some(t);
    }
}

/// The nightly cleanup at `as_of`: an erroneous entry whose last error is unknown or more than
/// `error_reset` old is released (gone). Returns whether it was.
pub fn release(entry: &mut Entry, as_of: Micros, rules: &Rules) -> bool {
    let stale = entry.last_error_at.is_none_or(|last| as_of.saturating_sub(last) > rules.error_reset);
    if entry.status == Some(Status::Erroneous) && stale {
        *entry = Entry::default();
        true
    } else {
        false
    }
}
