//! Reading the input tables from Parquet, fast and with precise errors.
//!
//! - [`Table`]: one logical table, a Parquet file or a directory of them (a Spark or DuckDB
//!   partitioned export, whose `KEY=VALUE` folders give its rows partition columns, see
//!   [`Partition`]). Each file is memory-mapped and its footer decoded once, up front, so
//!   a missing column or a file that is not Parquet fails before any work starts.
//! - [`Table::scan`]: decodes only the requested columns ([`ColumnSpec`]), one reader per row
//!   group, row groups in parallel on the current rayon pool, and hands each [`Batch`] to a
//!   closure whose results come back in table order.
//! - [`column`]: typed views over the Arrow types the contract accepts (any string encoding,
//!   any integer id, boolean or integer flags, timestamp or date expiry), each with a
//!   type error that names the type found and the types accepted.
//! - [`ColumnNames`]: which file column each contract column is read from (`--map`, presets).
//! - [`phases`]: the [`phases::Clock`] both jobs time their phases with, and the
//!   [`phases::Progress`] that hears of them.
//! - [`LoadError`]: every failure names the file, and where it applies the column and the row
//!   (rows are counted from 1 within each file).

pub mod column;
mod error;
mod mapping;
pub mod phases;
mod scan;
mod source;

pub use error::{panic_message, BadValue, LoadError};
pub use mapping::{ColumnNames, Preset, TableKind};
pub use scan::Batch;
pub use source::{ColumnSizes, ColumnSpec, ParquetFile, Table};
pub use suppress_model::layout::Partition;
