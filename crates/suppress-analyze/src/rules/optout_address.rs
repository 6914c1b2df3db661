//! Reason 7, `optout_address`, only with `--propagate-optout`: some profile (any row of
//! profiles, targeted or not) that has effectively opted out (the export changed by the
//! consent events) globally or of this channel has the same valid canonical address in this
//! channel's column. One person with two profiles who opted out on
//! one is not reached through the other.
//!
//! The set of those addresses is built with the address book
//! (`suppress_index::OptoutAddresses`).

use suppress_index::OptoutAddresses;
use suppress_model::{Channel, Reason};

/// `optout_addresses` is `None` without `--propagate-optout`.
#[inline]
pub fn check(
    optout_addresses: Option<&OptoutAddresses>,
    channel: Channel,
    fingerprint: u64,
    canonical: &str,
) -> Result<(), Reason> {
    if optout_addresses.is_some_and(|o| o.contains(channel, fingerprint, canonical)) {
        Err(Reason::OptoutAddress)
    } else {
        Ok(())
    }
}
