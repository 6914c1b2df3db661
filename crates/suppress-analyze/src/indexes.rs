//! What the rules and the outputs read: the indexes of one run, borrowed.

use suppress_index::{
    AddressBook, AddressEntry, DeliveryProperties, OptoutAddresses, ProfileIndex, QuarantineIndex, SendHistory,
    ServiceSubscriptions, TargetList, UNKNOWN_PROFILE,
};

/// The service slot of a delivery without a service.
pub const NO_SERVICE: u16 = u16::MAX;

/// The loaded indexes, borrowed for the decision and the outputs.
pub struct Indexes<'a> {
    pub targets: &'a TargetList,
    pub profiles: &'a ProfileIndex,
    pub addresses: &'a AddressBook,
    /// Present only with `--propagate-optout`.
    pub optout_addresses: Option<&'a OptoutAddresses>,
    pub quarantine: Option<&'a QuarantineIndex>,
    /// Per delivery: the slot of its service in `subscriptions`, or `NO_SERVICE`.
    pub service_slot: &'a [u16],
    /// The effective subscriptions to the services the deliveries go to.
    pub subscriptions: &'a ServiceSubscriptions,
    /// Per delivery: its properties (weight, contact date, control share, ...).
    pub properties: &'a [DeliveryProperties],
    /// With `--cap` and `--history`: the targeted profiles' send history.
    pub history: Option<&'a SendHistory>,
}

impl<'a> Indexes<'a> {
    /// The canonical address of target row `row`, valid or not, for the rows that carry one in
    /// the outputs; `None` when missing or the profile is unknown.
    #[inline]
    pub fn address_of(&self, row: usize) -> Option<&'a str> {
        let delivery = &self.targets.deliveries[self.targets.delivery[row] as usize];
        let profile = Some(self.targets.profile_row[row]).filter(|&r| r != UNKNOWN_PROFILE)?;
        match self.addresses.get(delivery.channel, profile) {
            AddressEntry::Invalid(text) | AddressEntry::Valid(text) => Some(text),
            AddressEntry::Missing | AddressEntry::NotLoaded => None,
        }
    }
}
