//! The one error of writing an output: which file, and what the system or the encoder said.

use std::path::PathBuf;

use parquet::errors::ParquetError;

/// A file of an output set could not be written, synced or renamed into place, or the output
/// directory is another run's.
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
    /// Another run holds the output directory's lock.
    #[error(
        "{}: another suppress run{} is writing to this output directory; nothing was read or written (pass --wait to wait for it)",
        dir.display(),
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    Busy { dir: PathBuf, pid: Option<u32> },
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
            WriteError::Busy { dir, .. } => dir,
        }
    }
}
