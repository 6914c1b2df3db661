//! Running out of memory as one line and exit code 1, instead of Rust's "memory allocation of
//! N bytes failed", a backtrace and an abort (exit 134).
//!
//! The global allocator is the system's (glibc's malloc, see `malloc.rs`), with one check: when
//! it returns null, [`out_of_memory`] removes the run's temporary files, writes
//! `suppress: error: out of memory while <phase> (needed N more bytes; …)` and exits 1. That
//! path allocates nothing: the message is formatted into a buffer on the stack and written with
//! write(2). The phase is what the run last said it was doing ([`set_phase`]).
//!
//! Under a cgroup memory limit, malloc does not fail: the kernel kills the process. That case is
//! caught earlier, by the run's memory estimate (`suppress_analyze::MemoryEstimate`), which
//! refuses a run that would not fit before it decodes anything.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The system allocator, with a clean exit when it fails.
pub struct ExitOnFailure;

// SAFETY: every method forwards to `System` with the same arguments and returns its result; the
// only addition runs when `System` returned null, and never returns.
unsafe impl GlobalAlloc for ExitOnFailure {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` (through this allocator) with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; the caller upholds `realloc`'s contract on `new_size`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            out_of_memory(new_size);
        }
        p
    }
}

/// What a run can be doing, as the message says it.
const PHASES: [(&str, &str); 17] = [
    ("", "starting"),
    ("open", "opening the inputs"),
    ("load_targets", "loading the targets"),
    ("load_profiles", "loading the profiles"),
    ("order_targets", "ordering the targets by profile"),
    ("mark_targeted", "marking the targeted profiles"),
    ("load_addresses", "loading and canonicalizing the addresses"),
    ("load_quarantine", "loading the quarantine"),
    ("classify", "applying the exclusion rules"),
    ("deduplicate", "finding duplicates"),
    ("write", "writing the outputs"),
    ("gen", "generating data"),
    ("read_quarantine", "reading the current quarantine"),
    ("read_log", "reading the delivery log"),
    ("number_addresses", "numbering the addresses with an entry or a bounce"),
    ("read_following", "reading the delivery log's delivered and start rows"),
    ("replay", "replaying each address's night"),
];

static PHASE: AtomicUsize = AtomicUsize::new(0);

/// Records that the run is now in `phase` (a name of `summary.json`'s timings, or `open`).
pub fn set_phase(phase: &str) {
    if let Some(k) = PHASES.iter().position(|(name, _)| *name == phase) {
        PHASE.store(k, Ordering::Relaxed);
    }
}

static FAILING: AtomicBool = AtomicBool::new(false);

/// Ends the process after an allocation of `size` bytes failed.
#[cold]
fn out_of_memory(size: usize) -> ! {
    if FAILING.swap(true, Ordering::SeqCst) {
        // Another thread is already reporting; it ends the process.
        loop {
            // SAFETY: pause(2) only suspends this thread until a signal arrives.
            unsafe { libc::pause() };
        }
    }
    let removed = suppress_write::try_remove_all_temporaries_and_freeze();
    let mut message = StackText::new();
    let phase = PHASES.get(PHASE.load(Ordering::Relaxed)).map_or("running", |(_, text)| text);
    let _ = std::fmt::Write::write_fmt(
        &mut message,
        format_args!("suppress: error: out of memory while {phase} (needed {size} more bytes"),
    );
    if let Some(limit) = address_space_limit() {
        let _ = std::fmt::Write::write_fmt(&mut message, format_args!("; ulimit -v is {} KiB", limit / 1024));
    }
    let outputs = if suppress_write::output_committed() {
        "after the outputs were committed"
    } else if removed.is_some() {
        "no output was written, the previous outputs untouched"
    } else {
        "no output was written, the previous outputs untouched; the next run removes the temporary files"
    };
    let _ = std::fmt::Write::write_fmt(
        &mut message,
        format_args!("; give the run more memory or fewer --threads); {outputs}\n"),
    );
    let text = message.as_bytes();
    // SAFETY: write(2) reads `text`, a live buffer of that length; _exit(2) ends the process.
    unsafe {
        libc::write(2, text.as_ptr().cast(), text.len());
        libc::_exit(1);
    }
}

/// `ulimit -v` in bytes, when there is one (getrlimit(2) allocates nothing).
fn address_space_limit() -> Option<u64> {
    // SAFETY: a zeroed rlimit is valid storage for getrlimit to fill.
    let mut limit: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: getrlimit writes into `limit`, a live value of the right type.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut limit) } == 0;
    (ok && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur as u64)
}

/// Text formatted on the stack, cut at its capacity.
struct StackText {
    bytes: [u8; 512],
    len: usize,
}

impl StackText {
    fn new() -> StackText {
        StackText { bytes: [0; 512], len: 0 }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let n = s.len().min(self.bytes.len() - self.len);
        self.bytes[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write;

    use super::*;

    #[test]
    fn stack_text_formats_and_cuts_at_capacity() {
        let mut text = StackText::new();
        write!(text, "needed {} more bytes", 31_318_317).unwrap();
        assert_eq!(text.as_bytes(), b"needed 31318317 more bytes");
        for _ in 0..100 {
            write!(text, "0123456789").unwrap();
        }
        assert_eq!(text.as_bytes().len(), 512);
    }

    #[test]
    fn every_phase_of_the_pipeline_has_words() {
        let analyze =
            ["load_targets", "load_profiles", "order_targets", "mark_targeted", "load_addresses", "load_quarantine"];
        let rules = ["classify", "deduplicate", "write"];
        let quarantine = ["read_quarantine", "read_log", "number_addresses", "read_following", "replay"];
        for phase in ["open"].iter().chain(&analyze).chain(&rules).chain(&quarantine) {
            set_phase(phase);
            assert_eq!(PHASES[PHASE.load(Ordering::Relaxed)].0, *phase);
        }
    }
}
