//! Errors that stop a run.

use std::path::PathBuf;

use suppress_load::LoadError;

#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    #[error("{0}")]
    Load(#[from] LoadError),

    /// A bad option value (exit code 2).
    #[error("{0}")]
    Usage(String),

    #[error("{path}: cannot write: {message}", path = .path.display())]
    Write { path: PathBuf, message: String },
}

impl AnalyzeError {
    /// True for errors about the command line rather than file contents.
    pub fn is_usage(&self) -> bool {
        match self {
            AnalyzeError::Load(e) => e.is_usage(),
            AnalyzeError::Usage(_) => true,
            AnalyzeError::Write { .. } => false,
        }
    }
}
