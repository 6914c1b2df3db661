//! A plain dense bitset over profile rows.

/// One bit per dense profile row. Random probes cost a few nanoseconds, which is why the
/// per-row hot paths use this rather than a compressed bitmap.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DenseBits {
    words: Vec<u64>,
}

impl DenseBits {
    pub fn new(len: usize) -> Self {
        DenseBits { words: vec![0; len.div_ceil(64)] }
    }

    #[inline]
    pub fn set(&mut self, i: u32) {
        self.words[(i / 64) as usize] |= 1 << (i % 64);
    }

    #[inline]
    pub fn clear(&mut self, i: u32) {
        self.words[(i / 64) as usize] &= !(1 << (i % 64));
    }

    #[inline]
    pub fn get(&self, i: u32) -> bool {
        self.words.get((i / 64) as usize).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Sets every bit set in `other`, which has the same length.
    pub fn union_with(&mut self, other: &DenseBits) {
        for (word, other) in self.words.iter_mut().zip(&other.words) {
            *word |= other;
        }
    }

    pub fn count(&self) -> u64 {
        self.words.iter().map(|w| u64::from(w.count_ones())).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_sets_the_bits_of_both() {
        let (mut a, mut b) = (DenseBits::new(200), DenseBits::new(200));
        a.set(3);
        b.set(3);
        b.set(199);
        a.union_with(&b);
        assert!(a.get(3) && a.get(199) && !a.get(4));
        assert_eq!(a.count(), 2);
    }

    #[test]
    fn set_get_count() {
        let mut b = DenseBits::new(130);
        for i in [0, 63, 64, 129] {
            b.set(i);
        }
        assert!(b.get(0) && b.get(63) && b.get(64) && b.get(129));
        assert!(!b.get(1) && !b.get(128) && !b.get(100_000));
        assert_eq!(b.count(), 4);
    }
}
