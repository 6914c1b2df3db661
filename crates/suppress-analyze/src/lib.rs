//! The delivery analysis, planned then executed.
//!
//! - [`Config`]: the inputs and options of one run (`suppress analyze`'s flags).
//! - [`Plan`]: the opened input tables, checked before any decoding starts.
//! - [`Plan::execute`]: loads the indexes (`suppress_index`), classifies every target row
//!   ([`classify`]: reasons 1 to 8), resolves duplicates ([`dedup`]: reason 9), counts per
//!   delivery, and returns an [`Analysis`].
//! - [`output`]: writes `recipients.parquet`, `exclusions.parquet` and `summary.json`
//!   atomically; [`Summary`] is the JSON document, [`summary::render_table`] its stderr form.
//! - [`AnalyzeError`]: everything that can stop a run, each naming what it was about.
//!
//! Every phase runs on the caller's rayon pool; the result does not depend on its size.

pub mod classify;
mod column_chunk;
mod config;
pub mod dedup;
mod dictionary_column;
mod error;
pub mod output;
pub mod report;
mod run;
mod string_column;
pub mod summary;
mod write;
mod writeback;

pub use config::{parse_as_of, Config};
pub use error::AnalyzeError;
pub use run::{Analysis, NoProgress, Plan, Progress};
pub use summary::Summary;
