//! Reason 5, `missing_address`: the channel's address column is null or empty after trimming.
//!
//! The canonicalizer (`suppress_model::Canonicalizer`) decided it when the address book was
//! loaded; this rule reads its verdict.

use suppress_index::AddressEntry;
use suppress_model::Reason;

#[inline]
pub fn check(entry: AddressEntry<'_>) -> Result<(), Reason> {
    match entry {
        AddressEntry::Missing => Err(Reason::MissingAddress),
        _ => Ok(()),
    }
}
