//! The contract of `suppress analyze` as an Apache DataFusion plan, for data that outgrows one
//! machine: the same rules, run by DataFusion in one process or by a Ballista cluster.
//!
//! - [`Options`]: the inputs and flags of one run, with no Arrow type in them (this crate is on
//!   DataFusion's arrow, the native engine on its own).
//! - `files`: each input's files listed by the contract's rules (hive partitions included),
//!   and registered in groups of one schema, so that each file is read with its own.
//! - `view` and `tables`: each input's columns checked, its bad rows found, and a view of its
//!   good rows in the contract's terms; `rows` numbers the bad row a failed run names.
//! - `plan`: the analysis as one SQL query over those views, one step per contract section.
//! - `functions` and `pressure`: the scalar functions the plan calls, thin wrappers over
//!   `suppress-model` (canonical addresses, names, the control-group hash, the pressure
//!   arbitration), so both engines apply one implementation of each rule.
//! - [`analyze`]: one run; the outcomes computed once, then the outputs and [`Summary`]
//!   derived from them and committed all or nothing.
//! - [`ClusterError`]: why a run stopped.

#[cfg(feature = "ballista")]
pub mod ballista;
mod details;
mod error;
mod files;
mod functions;
mod options;
mod plan;
mod pressure;
mod rows;
mod run;
mod sql;
mod summary;
mod tables;
mod view;

pub use datafusion::prelude::SessionContext;
pub use error::ClusterError;
pub use options::Options;
pub use run::{all_functions, analyze, register_functions, session, OutputLayout, EXCLUSIONS, RECIPIENTS, SUMMARY};
pub use summary::{DeliveryLine, Summary};
