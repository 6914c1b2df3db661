//! Reason 8, `denylisted`: an active quarantine entry denylists the canonical address on the
//! channel (a complaint, a STOP, an operator). An allowlisting never overrides it.
//!
//! Which entries are active and how statuses combine for one address is decided once, when the
//! quarantine is loaded (`suppress_index::QuarantineIndex`, `suppress_model::StatusSet`): this
//! rule reads the combined verdict.

use suppress_model::{QuarantineStatus, Reason};

#[inline]
pub fn check(verdict: Option<QuarantineStatus>) -> Result<(), Reason> {
    match verdict {
        Some(QuarantineStatus::Denylisted) => Err(Reason::Denylisted),
        _ => Ok(()),
    }
}
