//! The one error of writing an output: which file, and what the system or the encoder said.

use std::path::PathBuf;

use parquet::errors::ParquetError;

/// A file of an output set could not be written, synced or renamed into place.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{}: cannot write: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: cannot write: {source}", path.display())]
    Parquet {
        path: PathBuf,
        #[source]
        source: ParquetError,
    },
}

impl WriteError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> WriteError {
        WriteError::Io { path: path.into(), source }
    }

    pub fn parquet(path: impl Into<PathBuf>, source: ParquetError) -> WriteError {
        WriteError::Parquet { path: path.into(), source }
    }

    /// The file that could not be written.
    pub fn path(&self) -> &std::path::Path {
        match self {
            WriteError::Io { path, .. } | WriteError::Parquet { path, .. } => path,
        }
    }
}
