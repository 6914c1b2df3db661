//! The contract of `suppress analyze` as an Apache DataFusion plan, for data that outgrows one
//! machine: the same rules, run by DataFusion in one process or by a Ballista cluster.
//!
//! - [`Options`]: the inputs and flags of one run, with no Arrow type in them (this crate is on
//!   DataFusion's arrow, the native engine on its own).
//! - `tables`: each input registered as it is, its columns checked, its bad rows found, and a
//!   view of its good rows in the contract's terms.
//! - `plan`: the analysis as one SQL query over those views, one step per contract section.
//! - `functions` and `pressure`: the scalar functions the plan calls, thin wrappers over
//!   `suppress-model` (canonical addresses, names, the control-group hash, the pressure
//!   arbitration), so both engines apply one implementation of each rule.
//! - [`analyze`]: one run; the outcomes computed once, then the outputs and [`Summary`]
//!   derived from them and committed all or nothing.
//! - [`ClusterError`]: why a run stopped.

#[cfg(feature = "ballista")]
pub mod ballista;
mod error;
mod functions;
mod options;
mod plan;
mod pressure;
mod run;
mod sql;
mod summary;
mod tables;

pub use datafusion::prelude::SessionContext;
pub use error::ClusterError;
pub use options::Options;
pub use run::{all_functions, analyze, register_functions, session, OutputLayout, EXCLUSIONS, RECIPIENTS, SUMMARY};
pub use summary::{DeliveryLine, Summary};
