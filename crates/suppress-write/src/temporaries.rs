//! Every temporary file this process has staged and not yet renamed or removed, so that a run
//! stopped by a signal or by running out of memory removes them on its way out.
//!
//! Files are created, renamed into place and removed while holding the registry's lock. A
//! process that is about to exit calls [`remove_all_and_freeze`]: it takes the lock, removes
//! every registered file and never releases the lock, so no other thread can create, rename or
//! remove a staged file afterwards. A temporary file therefore never outlives the cleanup, and
//! an output set is either fully committed before it or not touched at all.

use std::ffi::CString;
use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};

/// The registered temporary paths, as C strings so that removing them allocates nothing.
static TEMPORARIES: Mutex<Vec<CString>> = Mutex::new(Vec::new());

/// Set once an output set has been committed (all its files renamed into place).
static COMMITTED: AtomicBool = AtomicBool::new(false);

fn lock() -> MutexGuard<'static, Vec<CString>> {
    TEMPORARIES.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn c_path(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).expect("a path has no NUL byte")
}

/// Creates (or truncates) the temporary file `path` and registers it.
pub(crate) fn create(path: &Path) -> std::io::Result<File> {
    let mut registered = lock();
    let file = File::create(path)?;
    registered.push(c_path(path));
    Ok(file)
}

/// Runs `f` (renames or removals of registered files) while no cleanup can run, then
/// unregisters `done`, the paths `f` renamed or removed.
pub(crate) fn while_locked<'a, T>(f: impl FnOnce() -> (T, Vec<&'a Path>)) -> T {
    let mut registered = lock();
    let (value, done) = f();
    for path in done {
        let path = c_path(path);
        registered.retain(|p| *p != path);
    }
    value
}

/// Records that an output set of this process has been committed.
pub(crate) fn mark_committed() {
    COMMITTED.store(true, Ordering::SeqCst);
}

/// Whether an output set of this process has been committed.
pub fn committed() -> bool {
    COMMITTED.load(Ordering::SeqCst)
}

/// Removes every registered temporary file and keeps the registry locked for good: for a
/// process that is about to exit. Waits for a commit or a removal under way to finish.
/// Returns how many files it removed.
pub fn remove_all_and_freeze() -> usize {
    let registered = lock();
    let removed = unlink_all(&registered);
    std::mem::forget(registered);
    removed
}

/// [`remove_all_and_freeze`] for the out-of-memory path: allocates nothing and never waits.
/// When the registry is busy (the thread that ran out of memory may hold it), removes nothing
/// and returns `None`; the next run into the directory removes what is left.
pub fn try_remove_all_and_freeze() -> Option<usize> {
    let registered = match TEMPORARIES.try_lock() {
        Ok(guard) => guard,
        Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        Err(TryLockError::WouldBlock) => return None,
    };
    let removed = unlink_all(&registered);
    std::mem::forget(registered);
    Some(removed)
}

fn unlink_all(paths: &[CString]) -> usize {
    paths
        .iter()
        // SAFETY: each path is a valid NUL-terminated C string owned by the registry, which
        // outlives the call; unlink reads it and touches no other memory of ours.
        .filter(|path| unsafe { libc::unlink(path.as_ptr()) } == 0)
        .count()
}
