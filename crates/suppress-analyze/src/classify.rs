//! Reasons 1 to 8: everything that can be decided from one target row alone.

use rayon::prelude::*;
use suppress_index::{
    channel_bit, AddressBook, AddressEntry, OptoutAddresses, ProfileIndex, QuarantineIndex, TargetList, OPTOUT_ALL,
};
use suppress_model::{QuarantineStatus, Reason};

/// The outcome code of a row that is still kept: 0. Other codes are [`Reason::number`].
pub const KEPT: u8 = 0;

/// What the classification looks at, borrowed from the indexes.
pub struct Indexes<'a> {
    pub targets: &'a TargetList,
    pub profiles: &'a ProfileIndex,
    pub addresses: &'a AddressBook,
    /// Present only with `--propagate-optout`.
    pub optout_addresses: Option<&'a OptoutAddresses>,
    pub quarantine: Option<&'a QuarantineIndex>,
}

/// The first of reasons 1 to 8 that applies to target row `row`, or [`KEPT`].
#[inline]
pub fn classify_row(ix: &Indexes, row: usize) -> u8 {
    let delivery = &ix.targets.deliveries[ix.targets.delivery[row] as usize];
    let channel = delivery.channel;
    let Some(profile) = ix.profiles.row(ix.targets.profile_id[row]) else {
        return Reason::UnknownProfile.number();
    };
    let flags = ix.profiles.flags(profile);
    if flags & OPTOUT_ALL != 0 {
        return Reason::OptoutAll.number();
    }
    if flags & channel_bit(channel) != 0 {
        return Reason::OptoutChannel.number();
    }
    let canonical = match ix.addresses.get(channel, profile) {
        AddressEntry::Missing => return Reason::MissingAddress.number(),
        AddressEntry::Invalid(_) => return Reason::InvalidAddress.number(),
        AddressEntry::Valid(canonical) => canonical,
        AddressEntry::NotLoaded => unreachable!("every targeted profile's address is loaded"),
    };
    if ix.optout_addresses.is_some_and(|o| o.contains(channel, canonical)) {
        return Reason::OptoutAddress.number();
    }
    match ix.quarantine.and_then(|q| q.verdict(channel, canonical)) {
        Some(QuarantineStatus::Denylisted) => Reason::Denylisted.number(),
        Some(QuarantineStatus::Quarantined) => Reason::Quarantined.number(),
        _ => KEPT,
    }
}

/// Classifies every target row in parallel; the result is in target row order.
pub fn classify_all(ix: &Indexes) -> Vec<u8> {
    (0..ix.targets.len()).into_par_iter().with_min_len(4096).map(|row| classify_row(ix, row)).collect()
}

/// The canonical address of target row `row`, for reasons that carry one (5 to 9) and kept rows.
#[inline]
pub fn address_of<'a>(ix: &Indexes<'a>, row: usize) -> Option<&'a str> {
    let delivery = &ix.targets.deliveries[ix.targets.delivery[row] as usize];
    let profile = ix.profiles.row(ix.targets.profile_id[row])?;
    match ix.addresses.get(delivery.channel, profile) {
        AddressEntry::Invalid(text) | AddressEntry::Valid(text) => Some(text),
        AddressEntry::Missing | AddressEntry::NotLoaded => None,
    }
}
