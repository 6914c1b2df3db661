//! Reason 6, `invalid_address`: the canonical address is invalid for the channel (the rules of
//! each address kind are in `suppress_model::address`).

use suppress_index::AddressEntry;
use suppress_model::Reason;

/// The valid canonical address of a profile whose address is not missing, or reason 5.
#[inline]
pub fn check(entry: AddressEntry<'_>) -> Result<&str, Reason> {
    match entry {
        AddressEntry::Valid(canonical) => Ok(canonical),
        AddressEntry::Invalid(_) => Err(Reason::InvalidAddress),
        AddressEntry::Missing => unreachable!("missing_address comes first"),
        AddressEntry::NotLoaded => unreachable!("every targeted profile's address is loaded"),
    }
}
