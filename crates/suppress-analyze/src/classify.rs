//! Reasons 1 to 8: everything that can be decided from one target row alone.

use rayon::prelude::*;
use suppress_index::{
    channel_bit, fingerprint, AddressBook, AddressEntry, OptoutAddresses, ProfileIndex, QuarantineIndex, TargetList,
    OPTOUT_ALL,
};
use suppress_model::{QuarantineStatus, Reason};

use crate::dedup::KeptRows;

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

/// Reasons 1 to 8 for target row `row`: `Err(number of the first reason that applies)`, or
/// `Ok((canonical address, its fingerprint))` when the row is still kept.
#[inline]
fn classify<'a>(ix: &Indexes<'a>, row: usize) -> Result<(&'a str, u64), u8> {
    let delivery = &ix.targets.deliveries[ix.targets.delivery[row] as usize];
    let channel = delivery.channel;
    let Some(profile) = ix.profiles.row(ix.targets.profile_id[row]) else {
        return Err(Reason::UnknownProfile.number());
    };
    let flags = ix.profiles.flags(profile);
    if flags & OPTOUT_ALL != 0 {
        return Err(Reason::OptoutAll.number());
    }
    if flags & channel_bit(channel) != 0 {
        return Err(Reason::OptoutChannel.number());
    }
    let canonical = match ix.addresses.get(channel, profile) {
        AddressEntry::Missing => return Err(Reason::MissingAddress.number()),
        AddressEntry::Invalid(_) => return Err(Reason::InvalidAddress.number()),
        AddressEntry::Valid(canonical) => canonical,
        AddressEntry::NotLoaded => unreachable!("every targeted profile's address is loaded"),
    };
    let fingerprint = fingerprint(canonical);
    if ix.optout_addresses.is_some_and(|o| o.contains(channel, fingerprint, canonical)) {
        return Err(Reason::OptoutAddress.number());
    }
    match ix.quarantine.and_then(|q| q.verdict(channel, fingerprint, canonical)) {
        Some(QuarantineStatus::Denylisted) => Err(Reason::Denylisted.number()),
        Some(QuarantineStatus::Quarantined) => Err(Reason::Quarantined.number()),
        _ => Ok((canonical, fingerprint)),
    }
}

/// Classifies every target row in parallel. Returns the codes in target row order and, for
/// deduplication, the rows still kept as [`KeptRows`], one per slice of the target rows.
pub fn classify_all(ix: &Indexes) -> (Vec<u8>, Vec<KeptRows>) {
    let rows = ix.targets.len();
    // A few slices per thread balance the load; each slice holds one set of hash buckets.
    let slice = rows.div_ceil(rayon::current_num_threads() * 4).max(64 * 1024);
    let bits = KeptRows::bucket_bits(rows);
    let mut codes = vec![KEPT; rows];
    let kept = codes
        .par_chunks_mut(slice)
        .enumerate()
        .map(|(k, out)| {
            let mut kept = KeptRows::new(bits, out.len());
            for (i, code) in out.iter_mut().enumerate() {
                let row = k * slice + i;
                match classify(ix, row) {
                    Ok((_, fingerprint)) => kept.push(ix, row, fingerprint),
                    Err(reason) => *code = reason,
                }
            }
            kept
        })
        .collect();
    (codes, kept)
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
