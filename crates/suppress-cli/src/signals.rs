//! SIGTERM and SIGINT (a cancelled job, Ctrl-C) end a run cleanly: its temporary files are
//! removed, any previous output set is left as it was, and the process exits 143 or 130 with
//! one line.
//!
//! Both signals are blocked in the main thread before any other thread exists, so every thread
//! inherits the mask, and one thread of ours takes them with `sigwait`. That thread runs
//! ordinary code, not a signal handler: it can take the lock of the staged files
//! (`suppress_write::remove_all_temporaries_and_freeze`), which also waits for a commit under
//! way to finish, so the directory holds either the previous set or the new one, whole.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

/// Set by a subcommand that writes its files in place rather than staged (`gen`): what a stop
/// leaves there is incomplete, and the line says so.
static WRITING_IN_PLACE: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Records that the files in `dir` are written in place from now on.
pub fn writing_in_place(dir: PathBuf) {
    *WRITING_IN_PLACE.lock().unwrap_or_else(|e| e.into_inner()) = Some(dir);
}

/// Blocks SIGTERM and SIGINT in this thread (and so in every thread started after it) and
/// starts the thread that handles them. Call first thing in `main`.
pub fn install() {
    // SAFETY: a zeroed sigset_t is valid storage for sigemptyset to initialize; the set lives
    // on this stack for the call; pthread_sigmask only changes this thread's signal mask.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    };
    let spawned = std::thread::Builder::new().name("suppress-signals".into()).spawn(move || loop {
        let mut signal: libc::c_int = 0;
        // SAFETY: `set` is an initialized signal set owned by this closure and `signal` a
        // valid out-pointer; sigwait blocks this thread until one of the set's signals is
        // pending and writes its number.
        if unsafe { libc::sigwait(&set, &mut signal) } == 0 {
            stop(signal);
        }
    });
    if spawned.is_err() {
        // Without the thread the signals would stay blocked forever: give them back their
        // default action (end the process; the next run removes the temporaries).
        // SAFETY: as above; unblocking only changes this thread's mask.
        unsafe {
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        }
    }
}

/// Removes the run's temporary files and exits with 128 + `signal`.
fn stop(signal: libc::c_int) -> ! {
    let name = if signal == libc::SIGINT { "SIGINT" } else { "SIGTERM" };
    let removed = suppress_write::remove_all_temporaries_and_freeze();
    let in_place = WRITING_IN_PLACE.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let message = if let Some(dir) = in_place {
        format!("suppress: stopped by {name}: the files being written in {} are incomplete\n", dir.display())
    } else if suppress_write::output_committed() {
        format!("suppress: stopped by {name} after the outputs were committed\n")
    } else {
        let files = if removed == 1 { "file" } else { "files" };
        format!(
            "suppress: stopped by {name}: no output was written ({removed} temporary {files} removed, \
             the previous outputs untouched)\n"
        )
    };
    let _ = std::io::stderr().write_all(message.as_bytes());
    // SAFETY: _exit ends the process at once without running other threads' code further;
    // the lock of the staged files is held, so no thread can stage or commit a file meanwhile.
    unsafe { libc::_exit(128 + signal) }
}
