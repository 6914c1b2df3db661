//! The quarantine maintenance's rules, apart from any I/O: how the delivery log changes the
//! quarantine of an address, by Adobe Campaign's rules as the contract states them.
//!
//! - [`Entry`], [`Status`], [`Rules`]: one address's state, and `--soft-limit`,
//!   `--soft-spacing`, `--error-reset` ([`parse_duration`] reads the latter two).
//! - [`merge`]: several current rows of one address become one entry.
//! - [`transition`]: the contract's transition table ([`transition::cell`]), one log row
//!   applied to an entry ([`transition::apply`]), and the cleanup at `--as-of`.
//! - [`replay`]: one address's night: its rows in the contract's order, then the cleanup, and
//!   the change of status to report.
//!
//! Everything is a pure function of its arguments; the job that reads the tables, partitions
//! the log by address and writes the outputs is built on these.

mod entry;
pub mod merge;
pub mod replay;
pub mod transition;

pub use entry::{parse_duration, Entry, Micros, Rules, Status, MAX_ERROR_COUNT};
pub use merge::{merge, CurrentRow};
pub use replay::{log_order, replay, Replayed, StatusChange};
pub use transition::LogRow;
