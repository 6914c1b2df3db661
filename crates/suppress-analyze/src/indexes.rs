//! What the rules and the outputs read: the indexes of one run, borrowed.

use suppress_index::{AddressBook, AddressEntry, OptoutAddresses, ProfileIndex, QuarantineIndex, TargetList};

/// The loaded indexes, borrowed for the decision and the outputs.
pub struct Indexes<'a> {
    pub targets: &'a TargetList,
    pub profiles: &'a ProfileIndex,
    pub addresses: &'a AddressBook,
    /// Present only with `--propagate-optout`.
    pub optout_addresses: Option<&'a OptoutAddresses>,
    pub quarantine: Option<&'a QuarantineIndex>,
}

impl<'a> Indexes<'a> {
    /// The canonical address of target row `row`, valid or not, for the rows that carry one in
    /// the outputs; `None` when missing or the profile is unknown.
    #[inline]
    pub fn address_of(&self, row: usize) -> Option<&'a str> {
        let delivery = &self.targets.deliveries[self.targets.delivery[row] as usize];
        let profile = self.profiles.row(self.targets.profile_id[row])?;
        match self.addresses.get(delivery.channel, profile) {
            AddressEntry::Invalid(text) | AddressEntry::Valid(text) => Some(text),
            AddressEntry::Missing | AddressEntry::NotLoaded => None,
        }
    }
}
