//! One batch's cache of delivery keys: (delivery_id view, channel view) → the batch's local
//! delivery number, so that a target row whose two views were seen has its delivery without
//! reading a string.
//!
//! A dictionary-encoded column decodes every repeat of a value to the same view, and a batch
//! of targets holds a handful of deliveries, each under a few spellings of its channel: a few
//! dozen keys at most. In a warehouse join's hash order the key changes nearly every row, so
//! the cache is probed for every row, and a probe must cost the same whatever the number of
//! keys: a linear scan of the keys seen took one comparison per key per row. Here a key has
//! one set of two slots, picked by a hash of the views; a probe reads one set.

/// Sets of two slots; a power of two, several times the keys a batch holds, so that a set
/// rarely has to hold more than two of them (a third evicts the older one, which is then
/// found again the slow way and put back).
const SETS: usize = 128;

/// The local delivery number of an empty slot: no batch numbers this many deliveries.
const EMPTY: u32 = u32::MAX;

/// (delivery view, channel view) → local delivery number; see the module documentation.
pub(crate) struct DeliveryKeys {
    /// Set `s` is slots `2s` (the newer) and `2s + 1`.
    slots: Box<[(u128, u128, u32)]>,
}

impl DeliveryKeys {
    pub fn new() -> DeliveryKeys {
        DeliveryKeys { slots: vec![(0, 0, EMPTY); 2 * SETS].into_boxed_slice() }
    }

    /// The first slot of the set of key `(delivery, channel)`.
    #[inline]
    fn set(delivery: u128, channel: u128) -> usize {
        // A view holds the length in its low 32 bits and the first bytes above them (all the
        // bytes of a value up to 12 bytes long): fold all four halves, then mix them as
        // splitmix64 does, so that views differing in a few bytes spread over all sets.
        let mut z = (delivery as u64)
            ^ ((delivery >> 64) as u64).rotate_left(29)
            ^ (channel as u64).rotate_left(13)
            ^ ((channel >> 64) as u64).rotate_left(43);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        2 * (z as usize & (SETS - 1))
    }

    /// The local delivery of key `(delivery, channel)`, if it is in the cache.
    #[inline]
    pub fn get(&self, delivery: u128, channel: u128) -> Option<u32> {
        let s = DeliveryKeys::set(delivery, channel);
        let pair = &self.slots[s..s + 2];
        pair.iter().find(|&&(d, c, code)| code != EMPTY && d == delivery && c == channel).map(|&(_, _, code)| code)
    }

    /// Remembers that key `(delivery, channel)` is local delivery `code`; the key is not in the
    /// cache (`get` said so).
    #[inline]
    pub fn insert(&mut self, delivery: u128, channel: u128, code: u32) {
        debug_assert_ne!(code, EMPTY);
        let s = DeliveryKeys::set(delivery, channel);
        // The newer slot's key moves to the older one, whose key is forgotten.
        self.slots[s + 1] = self.slots[s];
        self.slots[s] = (delivery, channel, code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_was_inserted_and_nothing_else() {
        let mut keys = DeliveryKeys::new();
        assert_eq!(keys.get(0, 0), None, "an empty slot is not the key (0, 0)");
        keys.insert(0, 0, 5);
        assert_eq!(keys.get(0, 0), Some(5));
        for d in 1..40u128 {
            for c in 0..3u128 {
                keys.insert(d << 32 | 2, c << 40 | 5, (d * 3 + c) as u32);
            }
        }
        // Whatever was evicted, a key found has its own number.
        let mut found = 0;
        for d in 1..40u128 {
            for c in 0..3u128 {
                if let Some(code) = keys.get(d << 32 | 2, c << 40 | 5) {
                    assert_eq!(code, (d * 3 + c) as u32);
                    found += 1;
                }
                assert_eq!(keys.get(d << 32 | 2, c << 40 | 6), None, "another channel view");
            }
        }
        assert!(found >= 100, "only {found} of 117 keys kept in 256 slots");
    }

    #[test]
    fn a_third_key_of_one_set_evicts_the_oldest() {
        // Keys that share a set, found by trying.
        let mut same_set = (0u128..).map(|d| d << 32).filter(|&d| DeliveryKeys::set(d, 0) == DeliveryKeys::set(0, 0));
        let (a, b, c) = (same_set.next().unwrap(), same_set.next().unwrap(), same_set.next().unwrap());
        let mut keys = DeliveryKeys::new();
        keys.insert(a, 0, 1);
        keys.insert(b, 0, 2);
        assert_eq!((keys.get(a, 0), keys.get(b, 0)), (Some(1), Some(2)));
        keys.insert(c, 0, 3);
        assert_eq!((keys.get(a, 0), keys.get(b, 0), keys.get(c, 0)), (None, Some(2), Some(3)));
    }
}
