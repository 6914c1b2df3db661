//! Load errors, each naming the file and, where it applies, the column and the row.

use std::path::PathBuf;

/// A failure to read an input table.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The path does not exist or cannot be opened: a usage error.
    #[error("{path}: {source}", path = .path.display())]
    Open { path: PathBuf, source: std::io::Error },

    /// The file exists but cannot be mapped into memory: a fault of the machine (an address
    /// space limit such as `ulimit -v`, too many maps), not of the command line.
    #[error("{path}: {}cannot map the file: {source}", if source.raw_os_error() == Some(12) { "out of memory while opening the inputs: " } else { "" }, path = .path.display())]
    Map { path: PathBuf, source: std::io::Error },

    /// A directory holds no Parquet file: a usage error.
    #[error("{path}: no Parquet files (*.parquet) in this directory", path = .path.display())]
    EmptyDirectory { path: PathBuf },

    /// The file is empty, truncated or not Parquet.
    #[error("{path}: not a readable Parquet file: {source}", path = .path.display())]
    NotParquet { path: PathBuf, source: parquet::errors::ParquetError },

    /// Decoding failed inside a row group (corrupt or truncated data).
    #[error("{path}: row group {row_group}: cannot decode: {message}", path = .path.display())]
    Decode { path: PathBuf, row_group: usize, message: String },

    /// A hive partition folder's name cannot be read.
    #[error("{path}: {message}", path = .path.display())]
    Partition { path: PathBuf, message: String },

    /// A column the run needs is not in the file.
    #[error("{path}: missing required column `{column}`{hint}", path = .path.display())]
    MissingColumn { path: PathBuf, column: String, hint: String },

    /// A column exists but its Arrow type cannot be read as the contract says.
    #[error("{path}: column `{column}` has type {found}; expected {expected}", path = .path.display())]
    ColumnType { path: PathBuf, column: String, found: String, expected: &'static str },

    /// More rows than one run can index (dense positions are 32-bit).
    #[error("{path}: {rows} rows; one run handles at most 4294967294 profiles", path = .path.display())]
    TooManyRows { path: PathBuf, rows: u64 },

    /// A row-level problem (null id, unknown channel, ...), when bad rows are not skipped.
    #[error("{path}: column `{column}`, row {row}: {problem}", path = .path.display())]
    BadRow { path: PathBuf, column: String, row: u64, problem: BadValue },
}

impl From<suppress_model::layout::LayoutError> for LoadError {
    fn from(e: suppress_model::layout::LayoutError) -> LoadError {
        use suppress_model::layout::LayoutError;
        match e {
            LayoutError::Open { path, source } => LoadError::Open { path, source },
            LayoutError::EmptyDirectory { path } => LoadError::EmptyDirectory { path },
            LayoutError::Partition { path, message } => LoadError::Partition { path, message },
        }
    }
}

impl LoadError {
    /// True for errors about the command line rather than file contents (exit code 2).
    pub fn is_usage(&self) -> bool {
        matches!(self, LoadError::Open { .. } | LoadError::EmptyDirectory { .. })
    }
}

/// What is wrong with one value of one row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadValue {
    #[error("null value")]
    Null,
    #[error("empty value")]
    Empty,
    #[error("value {0} is outside 0..=9223372036854775807")]
    OutOfRange(String),
    #[error("duplicate profile_id {0}")]
    DuplicateId(i64),
    #[error("unknown channel {0:?}")]
    UnknownChannel(String),
    #[error("unknown status {0:?}")]
    UnknownStatus(String),
    #[error("unknown outcome {0:?}")]
    UnknownOutcome(String),
    #[error("negative error_count {0}")]
    NegativeCount(i128),
    #[error("unknown action {0:?}")]
    UnknownAction(String),
    #[error("duplicate delivery_id {0:?}")]
    DuplicateDelivery(String),
    #[error("control_percent {0} is not a number from 0 to 100")]
    BadPercent(String),
    #[error("weight {0} is outside the 64-bit integer range")]
    BadWeight(String),
}

impl BadValue {
    /// A short stable name for counting skipped rows per cause in the summary.
    pub fn cause(&self) -> &'static str {
        match self {
            BadValue::Null => "null",
            BadValue::Empty => "empty",
            BadValue::OutOfRange(_) => "out_of_range",
            BadValue::DuplicateId(_) => "duplicate_id",
            BadValue::UnknownChannel(_) => "unknown_channel",
            BadValue::UnknownStatus(_) => "unknown_status",
            BadValue::UnknownOutcome(_) => "unknown_outcome",
            BadValue::NegativeCount(_) => "negative",
            BadValue::UnknownAction(_) => "unknown_action",
            BadValue::DuplicateDelivery(_) => "duplicate_delivery_id",
            BadValue::BadPercent(_) => "bad_control_percent",
            BadValue::BadWeight(_) => "bad_weight",
        }
    }
}

/// The message of a panic payload (`&str` or `String`, as `panic!` makes them).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown failure".into())
}
