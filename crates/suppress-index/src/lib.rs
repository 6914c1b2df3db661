//! The in-memory indexes one analysis runs on, each built from one input table.
//!
//! - [`TargetList`]: every target row as (delivery, profile_id), deliveries interned as
//!   (delivery_id, channel) pairs; once the profiles are loaded, each row's profile row too,
//!   and the rows in profile-row order, so that every later lookup walks the per-profile
//!   tables in memory order ([`TargetList::order_by_profile`]).
//! - [`ProfileIndex`]: profile_id → dense row, and the opt-out flags of each row; opted-out
//!   profiles also as roaring bitmaps per channel, for counting and set algebra.
//! - [`AddressBook`]: the canonical address and its state (missing, invalid, valid) of every
//!   profile a delivery targets, per channel; with `--propagate-optout`, the set of canonical
//!   addresses of opted-out profiles ([`OptoutAddresses`]).
//! - [`QuarantineIndex`]: per channel, the canonical addresses that active quarantine entries
//!   exclude, after the denylist > allowlist > quarantine precedence.
//! - [`FingerprintMap`]: the address sets above, probed by a 64-bit fingerprint of the address
//!   and confirmed by comparing the strings.
//! - [`DeliveryTable`]: each delivery_id's service, weight, contact date and control share.
//! - [`ServiceSubscriptions`]: per service a delivery goes to, the subscribed profile rows.
//! - [`ConsentEvents`]: the consent events reduced to the deciding one per (profile, scope),
//!   and applied to the profiles' flags and the subscriptions: the effective state.
//! - [`SendHistory`]: with `--cap`, the messages already sent to targeted profiles, grouped by
//!   profile row, only the rows that can count for some cap.
//! - [`BadRows`]: rows skipped under `--skip-bad-rows`, counted per column and cause.
//!
//! Builders scan their table in parallel (one batch per task, see `suppress_load::Table::scan`)
//! into per-batch partial results and merge them in table order, so an index is the same
//! whatever the thread count.

mod addresses;
mod bad_rows;
mod bits;
mod buckets;
mod consent;
mod deliveries;
mod delivery_keys;
mod fingerprints;
mod history;
mod id_map;
mod prefetch;
mod profile_order;
mod profiles;
mod quarantine;
mod subscriptions;
mod targets;

pub use addresses::{AddressBook, AddressEntry, OptoutAddresses};
pub use bad_rows::{BadRows, Spellings};
pub use bits::DenseBits;
pub use consent::{ConsentEvents, ConsentStats};
pub use deliveries::{DeliveryProperties, DeliveryTable, DEFAULT_WEIGHT};
pub use fingerprints::{fingerprint, FingerprintMap};
pub use history::{HistoryFilter, HistoryStats, SendHistory};
pub use id_map::{DuplicateId, IdMap};
pub use prefetch::prefetch;
pub use profile_order::UNKNOWN_PROFILE;
pub use profiles::{channel_bit, ProfileIndex, ProfileOptions, ACCEPTED, OPTOUT_ALL};
pub use quarantine::{QuarantineIndex, QuarantineStats};
pub use subscriptions::{ServiceSubscriptions, SubscriptionStats};
pub use targets::{Delivery, TargetList, TargetOptions};
