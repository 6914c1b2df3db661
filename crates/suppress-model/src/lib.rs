//! The rules of the suppress contract that need no I/O.
//!
//! - [`Channel`]: the six delivery channels, their column names and address kinds.
//! - [`Reason`]: the exclusion reasons, in the order in which they are tried.
//! - [`pressure`]: `--cap`, the rank of a profile's candidates and their arbitration.
//! - [`control_group`]: the contract's hash formula for control groups.
//! - [`consent`]: consent actions and scopes, service names, and which event decides a scope.
//! - [`QuarantineStatus`]: the statuses of the quarantine table and their aliases.
//! - [`Outcome`]: the outcomes of the delivery log, their aliases and same-instant order.
//! - [`address`]: canonical forms and validity of email, phone, token and postal addresses.
//! - [`ascii`]: the contract's exact notion of ASCII whitespace, trimming and name matching.
//! - [`layout`]: which Parquet files a table path stands for, and their hive partition columns.
//!
//! Everything here but [`layout`] (which lists directories) is a pure function of its
//! arguments, so every rule can be unit-tested without Parquet files and shared by both engines
//! and by test reference implementations.

pub mod address;
pub mod ascii;
mod channel;
pub mod consent;
pub mod control_group;
pub mod layout;
mod outcome;
pub mod pressure;
mod reason;
mod status;

pub use address::{AddressKind, AddressState, Canonicalizer, CountryCode};
pub use channel::Channel;
pub use consent::{ConsentAction, ConsentScope};
pub use outcome::Outcome;
pub use reason::Reason;
pub use status::{QuarantineStatus, StatusSet};
