//! Reason 1, `unknown_profile`: the target row's `profile_id` is not in profiles.
//!
//! A profile_id that several rows of profiles share was dropped with all its rows under
//! `--skip-bad-rows` (`suppress_index::ProfileIndex`), so its targets land here too: nothing is
//! sent to an ambiguous profile.

use suppress_index::UNKNOWN_PROFILE;
use suppress_model::Reason;

/// The dense row of the target row's profile in profiles (resolved once, when the targets were
/// ordered by profile: `suppress_index::TargetList::order_by_profile`), or reason 1.
#[inline]
pub fn check(profile_row: u32) -> Result<u32, Reason> {
    if profile_row == UNKNOWN_PROFILE {
        Err(Reason::UnknownProfile)
    } else {
        Ok(profile_row)
    }
}
