//! SIGBUS, raised when a memory-mapped input shrinks under a run, as a clean error exit.
//!
//! Inputs are memory-mapped read-only. If another process truncates one while we decode it,
//! touching a page past the new end raises SIGBUS, which would otherwise kill the process with
//! no message. The handler removes the run's temporary files when it can without waiting,
//! prints one line and exits with status 1 (a data error). Inputs are only read during loading,
//! before any output is renamed into place, so such a run never leaves final outputs; what it
//! could not remove, the next run in that directory removes.

/// Installs the handler for the whole process.
pub fn install() {
    extern "C" fn on_sigbus(_signal: libc::c_int) {
        const MESSAGE: &[u8] =
            b"suppress: error: an input file was truncated or replaced while it was being read (SIGBUS); no output was written\n";
        // Allocation-free and never waits: an atomic try-lock and unlink(2) of prepared paths.
        let _ = suppress_write::try_remove_all_temporaries_and_freeze();
        // SAFETY: write(2) and _exit(2) are async-signal-safe, and MESSAGE is a static buffer.
        unsafe {
            libc::write(2, MESSAGE.as_ptr().cast(), MESSAGE.len());
            libc::_exit(1);
        }
    }
    // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value; the handler above
    // calls only async-signal-safe functions; the old action is not needed.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigbus as *const () as usize;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
    }
}
