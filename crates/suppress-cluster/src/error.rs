//! Everything that can stop a run of the DataFusion engine.

use std::path::PathBuf;

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The inputs break the contract: a missing column, an unusable type, a bad row.
    #[error("{0}")]
    Data(String),
    /// The command line asks for something this engine cannot do.
    #[error("{0}")]
    Usage(String),
    /// DataFusion (or Ballista) failed while planning or executing.
    #[error("{context}: {source}")]
    Engine {
        context: String,
        #[source]
        source: datafusion::error::DataFusionError,
    },
    /// Writing or committing the outputs failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Wraps a DataFusion error with what the run was doing.
pub(crate) fn engine(context: impl Into<String>) -> impl FnOnce(datafusion::error::DataFusionError) -> ClusterError {
    let context = context.into();
    move |source| ClusterError::Engine { context, source }
}

/// Wraps an I/O error with its path.
pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> ClusterError + '_ {
    move |source| ClusterError::Io { path: path.to_path_buf(), source }
}
