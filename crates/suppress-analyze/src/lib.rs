//! The delivery analysis, planned then executed. A target row goes one way through it:
//!
//! - [`Config`]: the inputs and options of one run (`suppress analyze`'s flags).
//! - [`Plan::open`]: the input tables opened and checked before any decoding starts.
//! - `load`: the load phases build the indexes (`suppress_index`) from the tables; [`Indexes`]
//!   is what the rules and the outputs borrow of them.
//! - [`rules`]: one module per exclusion reason, applied in contract order; reasons 1 to 9 in
//!   one parallel pass over the target rows ([`rules::classify_all`]), reason 10 over the rows
//!   still kept ([`rules::duplicate`]).
//! - [`Counts`]: outcomes per delivery; [`Summary`]: `summary.json`, assembled from the indexes
//!   and the counts; [`render_table`]: its stderr form; [`report`]: its HTML form.
//! - [`outputs`]: the columns of `recipients.parquet` and `exclusions.parquet`, handed to
//!   `suppress_write`, which encodes them and commits the set with `summary.json` last.
//! - [`MemoryEstimate`]: the run's peak memory, estimated from the footers before decoding.
//! - [`AnalyzeError`]: everything that can stop a run, each naming what it was about.
//!
//! Every phase runs on the caller's rayon pool; the result does not depend on its size.

mod config;
mod counts;
mod error;
mod estimate;
mod execute;
mod indexes;
mod load;
pub mod outputs;
mod plan;
pub mod report;
pub mod rules;
mod summary;
mod table;

pub use config::{parse_as_of, parse_instant, Config};
pub use counts::{count_by_delivery, Counts};
pub use error::AnalyzeError;
pub use estimate::{human_bytes, MemoryEstimate};
pub use execute::Analysis;
pub use indexes::{Indexes, NO_SERVICE};
pub use plan::Plan;
pub use summary::{DeliverySummary, Summary, TableSummary};
pub use suppress_load::phases::{NoProgress, Progress};
pub use table::render_table;
