//! One run at a time per output directory.
//!
//! Two runs into one directory would each stage their files and rename them one by one: the
//! directory could end up with one run's files and the other's commit marker, a set that looks
//! complete and is not. A run therefore takes an exclusive `flock` on `DIR/.suppress.lock`
//! when it starts, before it reads any input, and holds it until it has committed or failed;
//! the kernel releases it when the process ends, however it ends. The lock file holds the
//! owner's pid, so that the run that finds it taken can say whose it is.
//!
//! The owner removes the lock file when it releases the lock (and the directory, when the run
//! created it and it is still empty), so a finished run leaves nothing but its outputs. That is
//! safe because a run that obtains the lock then checks that the path still names the file it
//! locked, and starts over when it does not: a run that waited on a file that has since been
//! removed never believes it holds the directory. A killed run leaves the file behind, which
//! the next run simply locks.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use crate::WriteError;

/// The lock file's name in the output directory.
pub const LOCK_FILE: &str = ".suppress.lock";

/// The exclusive lock of an output directory, held until dropped.
#[derive(Debug)]
pub struct DirLock {
    file: File,
    path: PathBuf,
    /// The directory, when this lock created it (it is removed again if left empty).
    created: Option<PathBuf>,
}

/// What to do when another run holds the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenLocked {
    /// Fail at once with [`WriteError::Busy`].
    Fail,
    /// Wait until the other run ends.
    Wait,
}

impl DirLock {
    /// Creates `dir` if needed and locks it. With [`WhenLocked::Wait`], `waiting` is told the
    /// other run's pid (when known) before the wait starts.
    pub fn acquire(
        dir: &Path,
        when_locked: WhenLocked,
        waiting: impl FnOnce(Option<u32>),
    ) -> Result<DirLock, WriteError> {
        let created = (!dir.exists()).then(|| dir.to_path_buf());
        std::fs::create_dir_all(dir).map_err(|e| WriteError::io(dir, e))?;
        let path = dir.join(LOCK_FILE);
        let mut waiting = Some(waiting);
        loop {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| WriteError::io(&path, e))?;
            if !flock(&file, libc::LOCK_EX | libc::LOCK_NB).map_err(|e| WriteError::io(&path, e))? {
                let owner = owner_pid(&mut file);
                match when_locked {
                    WhenLocked::Fail => return Err(WriteError::Busy { dir: dir.into(), pid: owner }),
                    WhenLocked::Wait => {
                        if let Some(tell) = waiting.take() {
                            tell(owner);
                        }
                        flock(&file, libc::LOCK_EX).map_err(|e| WriteError::io(&path, e))?;
                    }
                }
            }
            // The owner we waited for may have removed the file: then we hold a lock on a file
            // no other run can find, and must lock the one the path names now.
            if !still_named(&file, &path) {
                continue;
            }
            record_owner(&mut file).map_err(|e| WriteError::io(&path, e))?;
            return Ok(DirLock { file, path, created });
        }
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        // Removed while still held, so that no run can lock this file after it is gone.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.set_len(0);
        if let Some(dir) = &self.created {
            // Fails, harmlessly, unless the directory is empty.
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Whether `path` still names the file `file` is open on.
fn still_named(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

/// `flock(file, operation)`: `Ok(false)` when a non-blocking request finds the lock taken.
fn flock(file: &File, operation: libc::c_int) -> std::io::Result<bool> {
    loop {
        // SAFETY: flock takes a descriptor and an integer and touches no memory of ours; the
        // descriptor belongs to `file`, open for the whole call.
        if unsafe { libc::flock(file.as_raw_fd(), operation) } == 0 {
            return Ok(true);
        }
        let error = std::io::Error::last_os_error();
        match error.raw_os_error() {
            Some(libc::EWOULDBLOCK) => return Ok(false),
            Some(libc::EINTR) => continue,
            _ => return Err(error),
        }
    }
}

/// The pid the lock's owner wrote, if it has written one yet.
fn owner_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

fn record_owner(file: &mut File) -> std::io::Result<()> {
    file.set_len(0)?;
    file.rewind()?;
    writeln!(file, "{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_fails_naming_the_owner_then_succeeds_once_released() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let first = DirLock::acquire(&out, WhenLocked::Fail, |_| {}).unwrap();
        assert_eq!(std::fs::read_to_string(out.join(LOCK_FILE)).unwrap(), format!("{}\n", std::process::id()));
        // flock locks belong to the open file: a second open in this process conflicts too.
        let err = DirLock::acquire(&out, WhenLocked::Fail, |_| {}).unwrap_err();
        match &err {
            WriteError::Busy { dir, pid } => {
                assert_eq!(dir, &out);
                assert_eq!(*pid, Some(std::process::id()));
            }
            other => panic!("{other}"),
        }
        assert_eq!(
            err.to_string(),
            format!(
                "{}: another suppress run (pid {}) is writing to this output directory; \
                 nothing was read or written (pass --wait to wait for it)",
                out.display(),
                std::process::id()
            )
        );
        drop(first);
        // Released: the lock file and the directory it created are gone.
        assert!(!out.exists());
        let again = DirLock::acquire(&out, WhenLocked::Fail, |_| {}).unwrap();
        std::fs::write(out.join("output.parquet"), "x").unwrap();
        drop(again);
        // A directory with files in it stays, without the lock file.
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);
    }

    #[test]
    fn a_waiter_whose_file_was_removed_locks_the_file_the_path_names() {
        let dir = tempfile::tempdir().unwrap();
        let first = DirLock::acquire(dir.path(), WhenLocked::Fail, |_| {}).unwrap();
        let path = dir.path().to_path_buf();
        let (told, heard) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let lock = DirLock::acquire(&path, WhenLocked::Wait, |_| told.send(()).unwrap()).unwrap();
            // What it holds is the file the path names, so a newcomer is refused.
            assert!(matches!(DirLock::acquire(&path, WhenLocked::Fail, |_| {}), Err(WriteError::Busy { .. })));
            drop(lock);
        });
        heard.recv().unwrap();
        // The first owner releases: its file is removed while the waiter waits on it.
        drop(first);
        waiter.join().unwrap();
    }

    #[test]
    fn wait_blocks_until_the_owner_releases() {
        let dir = tempfile::tempdir().unwrap();
        let first = DirLock::acquire(dir.path(), WhenLocked::Fail, |_| {}).unwrap();
        let (told, heard) = std::sync::mpsc::channel();
        let path = dir.path().to_path_buf();
        let waiter = std::thread::spawn(move || {
            DirLock::acquire(&path, WhenLocked::Wait, |pid| told.send(pid).unwrap()).unwrap();
        });
        assert_eq!(heard.recv().unwrap(), Some(std::process::id()));
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(!waiter.is_finished(), "the waiter took a lock that is held");
        drop(first);
        waiter.join().unwrap();
    }
}
