//! Reason 4, `not_subscribed`: the delivery has a service and the profile has no active
//! effective subscription to it: none in the subscriptions table that has not expired at
//! `--as-of`, unless a consent `opt_in` for the service subscribed it since; or one that a
//! consent `opt_out` for the service has ended.
//!
//! The effective subscriptions are built in the index (`suppress_index::ServiceSubscriptions`,
//! then `suppress_index::ConsentEvents::apply`); here they are only read.

use suppress_index::ServiceSubscriptions;
use suppress_model::Reason;

use crate::indexes::NO_SERVICE;

/// `service_slot` is the delivery's service slot (`NO_SERVICE` for none); `profile` its row.
#[inline]
pub fn check(subscriptions: &ServiceSubscriptions, service_slot: u16, profile: u32) -> Result<(), Reason> {
    if service_slot != NO_SERVICE && !subscriptions.is_subscribed(service_slot, profile) {
        Err(Reason::NotSubscribed)
    } else {
        Ok(())
    }
}
