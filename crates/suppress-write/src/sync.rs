//! The fsync of a written file, on a thread of its own.
//!
//! An fsync only waits for the disk (on ext4, 40 to 90 ms for a journal commit even when the
//! data is already written back). Waiting for it on a pool thread would idle that thread while
//! another output still has rows to encode; here the pool goes on, and the fsyncs overlap.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::WriteError;

/// An fsync under way; [`PendingSync::wait`] says whether it succeeded.
pub struct PendingSync {
    path: PathBuf,
    handle: std::thread::JoinHandle<std::io::Result<()>>,
}

impl PendingSync {
    /// Starts syncing `file`, which was written at `path`.
    pub fn start(path: &Path, file: File) -> PendingSync {
        PendingSync { path: path.into(), handle: std::thread::spawn(move || file.sync_all()) }
    }

    /// Waits until the file is on disk.
    pub fn wait(self) -> Result<(), WriteError> {
        match self.handle.join() {
            Ok(result) => result.map_err(|e| WriteError::io(&self.path, e)),
            Err(_) => Err(WriteError::io(&self.path, std::io::Error::other("the fsync thread panicked"))),
        }
    }
}
