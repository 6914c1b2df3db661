//! Several active rows of the current quarantine for one (channel, canonical address) become
//! one entry, before the log is applied.
//!
//! - status: `denylisted` if any row is, else `allowlisted` if any is, else `quarantined` if
//!   any is, else `erroneous` (`valid`, `with_errors` and `erroneous` all read as erroneous);
//! - `error_count`, `last_error_at`, `updated_at`: the largest over all the rows (null is
//!   smallest);
//! - `expires_at`: null if some row of the entry's status has none, else the latest of those
//!   rows';
//! - `reason`: that of the row of the entry's status with the latest `updated_at` (null
//!   smallest; the first such row in table order on a tie).
//!
//! Of the rows of other statuses only the counters survive: an entry that merges a denylisting
//! expiring in five days with a quarantine that never expires is free in five days.

use std::sync::Arc;

use suppress_model::QuarantineStatus;

use crate::entry::{Entry, Micros, Status, MAX_ERROR_COUNT};

/// One active row of the current quarantine, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentRow {
    pub status: QuarantineStatus,
    /// Null reads as 0; must not be negative (the reader rejects that as a bad row).
    pub error_count: Option<i64>,
    pub last_error_at: Option<Micros>,
    pub updated_at: Option<Micros>,
    pub expires_at: Option<Micros>,
    /// Interned per batch, as the log's reasons.
    pub reason: Option<Arc<str>>,
}

/// The maintained status a row of the current table stands for.
pub fn status_of(status: QuarantineStatus) -> Status {
    match status {
        QuarantineStatus::Denylisted => Status::Denylisted,
        QuarantineStatus::Allowlisted => Status::Allowlisted,
        QuarantineStatus::Quarantined => Status::Quarantined,
        QuarantineStatus::Valid => Status::Erroneous,
    }
}

/// The entry that `rows` (in table order, at least one) make together.
pub fn merge(rows: &[CurrentRow]) -> Entry {
    assert!(!rows.is_empty(), "an entry merges at least one row");
    let status = [Status::Denylisted, Status::Allowlisted, Status::Quarantined, Status::Erroneous]
        .into_iter()
        .find(|s| rows.iter().any(|r| status_of(r.status) == *s))
        .expect("every row has a status");
    // Without collecting them: an entry is one row or a few, and there are a million.
    let of_status = || rows.iter().filter(|r| status_of(r.status) == status);
    let error_count =
        rows.iter().map(|r| r.error_count.unwrap_or(0).clamp(0, i64::from(MAX_ERROR_COUNT))).max().unwrap_or(0) as i32;
    let expires_at =
        if of_status().any(|r| r.expires_at.is_none()) { None } else { of_status().filter_map(|r| r.expires_at).max() };
    // The first row of the latest `updated_at` (None sorts first, so it loses to any time).
    let mut rows_of_status = of_status();
    let mut reason_row = rows_of_status.next().expect("the status is some row's");
    for row in rows_of_status {
        if row.updated_at > reason_row.updated_at {
            reason_row = row;
        }
    }
    Entry {
        status: Some(status),
        error_count,
        last_error_at: rows.iter().filter_map(|r| r.last_error_at).max(),
        updated_at: rows.iter().filter_map(|r| r.updated_at).max(),
        expires_at,
        reason: reason_row.reason.clone(),
    }
}
