//! Reason 9, `quarantined`: an active quarantine entry quarantines the canonical address on the
//! channel (bounces), and no active entry allowlists it.
//!
//! The allowlist's precedence over quarantine is part of the combined verdict
//! (`suppress_model::StatusSet`), read here as it is.

use suppress_model::{QuarantineStatus, Reason};

#[inline]
pub fn check(verdict: Option<QuarantineStatus>) -> Result<(), Reason> {
    match verdict {
        Some(QuarantineStatus::Quarantined) => Err(Reason::Quarantined),
        _ => Ok(()),
    }
}
