//! A software prefetch: lookups of many keys in a table that outgrows the cache ask for the
//! line of a key a few places ahead, so that several misses are in flight at once.

/// Asks the CPU to bring `value`'s cache line in, without waiting for it.
#[inline]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it reads nothing architecturally and cannot fault;
    // the pointer comes from a reference anyway. SSE, which provides it, is part of x86_64.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>((value as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
