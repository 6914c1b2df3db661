//! Errors that stop a run.

use suppress_load::LoadError;
use suppress_write::WriteError;

#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    #[error(transparent)]
    Load(#[from] LoadError),

    /// A bad option value (exit code 2).
    #[error("{0}")]
    Usage(String),

    #[error(transparent)]
    Write(#[from] WriteError),

    /// The inputs cannot decide a rule (a delivery with a service and nothing that says who
    /// is subscribed to it): a data error.
    #[error("{0}")]
    Data(String),
}

impl AnalyzeError {
    /// True for errors about the command line rather than file contents.
    pub fn is_usage(&self) -> bool {
        match self {
            AnalyzeError::Load(e) => e.is_usage(),
            AnalyzeError::Usage(_) => true,
            AnalyzeError::Write(_) | AnalyzeError::Data(_) => false,
        }
    }
}
