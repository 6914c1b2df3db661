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
//! Those four are pure functions of their arguments. The job is built on them:
//!
//! - [`read`]: the log and the current quarantine, each row counted under the contract's first
//!   cause that applies, addresses canonicalized, times truncated to microseconds; the log in
//!   two passes, the second keeping only the `delivered` and `start` rows of addresses that
//!   can leave a row in an output;
//! - `numbers`: those addresses, numbered per partition (64, by hash), which is what the
//!   second pass looks its rows up in;
//! - [`Job`]: opens the inputs, reads, numbers, reads again, replays every (channel, canonical
//!   address) in parallel by partition, and writes [`outputs`] through `suppress_write`, all
//!   or nothing, with `summary.json` last.

mod entry;
mod job;
pub mod merge;
mod numbers;
pub mod outputs;
pub mod read;
pub mod replay;
pub mod transition;

pub use entry::{parse_duration, Entry, Micros, Rules, Status, MAX_ERROR_COUNT};
pub use job::{micros_to_rfc3339, Job, JobConfig, JobError};
pub use merge::{merge, CurrentRow};
pub use replay::Night;
pub use replay::{log_order, replay, Replayed, StatusChange};
pub use transition::LogRow;
