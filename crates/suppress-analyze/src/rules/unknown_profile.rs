//! Reason 1, `unknown_profile`: the target row's `profile_id` is not in profiles.
//!
//! A profile_id that several rows of profiles share was dropped with all its rows under
//! `--skip-bad-rows` (`suppress_index::ProfileIndex`), so its targets land here too: nothing is
//! sent to an ambiguous profile.

use suppress_index::ProfileIndex;
use suppress_model::Reason;

/// The dense row of `profile_id` in profiles, or reason 1.
#[inline]
pub fn check(profiles: &ProfileIndex, profile_id: i64) -> Result<u32, Reason> {
    profiles.row(profile_id).ok_or(Reason::UnknownProfile)
}
