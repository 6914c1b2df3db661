//! The allocator's settings for a batch run.
//!
//! A run allocates and frees the same few sizes over and over: decode buffers per row group,
//! encoded pages per output window. By default glibc hands freed memory back to the kernel
//! (it trims the heap above 128 KiB and unmaps large blocks), so the next row group's buffers
//! are fresh pages that the kernel must fault in and zero: at 10M profiles, 450 MB of faults in
//! the write alone, a tenth of the run's CPU time zeroing pages (BENCHMARKS.md). Keeping freed
//! memory in the process lets the next buffers reuse it. Peak memory does not grow: what is
//! kept is what the peak already held.

/// Tells glibc's malloc to keep freed memory for reuse: never trim the heap, and serve blocks
/// up to 32 MiB (the largest it allows) from the heap instead of a mapping of their own.
/// Larger blocks (whole columns) are still mapped and unmapped on their own.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const MMAP_THRESHOLD_MAX: libc::c_int = 32 << 20;
        // SAFETY: mallopt only changes glibc's malloc parameters; it is called before any other
        // thread exists, and a value it rejects leaves the parameter unchanged (return 0).
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX);
            libc::mallopt(libc::M_TRIM_THRESHOLD, libc::c_int::MAX);
        }
    }
}
