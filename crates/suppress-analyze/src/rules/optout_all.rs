//! Reason 2, `optout_all`: the profile's `optout` ("no longer contact by any channel") is true.

use suppress_index::OPTOUT_ALL;
use suppress_model::Reason;

/// `flags` are the profile's opt-out flags (`suppress_index::ProfileIndex::flags`).
#[inline]
pub fn check(flags: u8) -> Result<(), Reason> {
    if flags & OPTOUT_ALL != 0 {
        Err(Reason::OptoutAll)
    } else {
        Ok(())
    }
}
