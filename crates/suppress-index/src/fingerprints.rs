//! Sets and maps of canonical addresses, probed by a 64-bit fingerprint of the address.
//!
//! Classification looks up every kept row's address in the quarantine (and, with
//! `--propagate-optout`, in the opted-out addresses). A map keyed by the strings costs two
//! cache misses per probe once it outgrows the cache: the table slot, then the key's heap
//! string. Here the table holds only the fingerprint (xxh3, computed once per row and reused
//! for deduplication) and an entry number, so a miss, by far the common case, touches one
//! slot. A hit then compares the strings themselves: two addresses that share a fingerprint
//! are chained, never confused.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use xxhash_rust::xxh3::xxh3_64;

/// The fingerprint of a canonical address.
#[inline]
pub fn fingerprint(address: &str) -> u64 {
    xxh3_64(address.as_bytes())
}

/// Fingerprints are already uniformly distributed: the table uses them as they are.
#[derive(Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed; this is the generic fallback, never the hot path.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

const NONE: u32 = u32::MAX;

#[derive(Debug)]
struct Entry<V> {
    address: Box<str>,
    value: V,
    /// The next entry with the same fingerprint, or `NONE`.
    next: u32,
}

/// A map from distinct canonical addresses to values.
#[derive(Debug)]
pub struct FingerprintMap<V> {
    /// Fingerprint → first entry with that fingerprint.
    slots: HashMap<u64, u32, BuildHasherDefault<IdentityHasher>>,
    entries: Vec<Entry<V>>,
}

impl<V> Default for FingerprintMap<V> {
    fn default() -> Self {
        FingerprintMap { slots: HashMap::default(), entries: Vec::new() }
    }
}

impl<V> FingerprintMap<V> {
    /// Builds the map from `(address, value)` pairs whose addresses are distinct.
    pub fn from_distinct(pairs: impl IntoIterator<Item = (Box<str>, V)>) -> Self {
        let pairs = pairs.into_iter();
        let mut map = FingerprintMap {
            slots: HashMap::with_capacity_and_hasher(pairs.size_hint().0, Default::default()),
            entries: Vec::with_capacity(pairs.size_hint().0),
        };
        for (address, value) in pairs {
            let index = u32::try_from(map.entries.len()).expect("fewer than 2^32 addresses");
            let next = map.slots.insert(fingerprint(&address), index).unwrap_or(NONE);
            map.entries.push(Entry { address, value, next });
        }
        map
    }

    /// The value of `address`, whose fingerprint is `fingerprint`.
    #[inline]
    pub fn get(&self, fingerprint: u64, address: &str) -> Option<&V> {
        let mut index = *self.slots.get(&fingerprint)?;
        while index != NONE {
            let entry = &self.entries[index as usize];
            if *entry.address == *address {
                return Some(&entry.value);
            }
            index = entry.next;
        }
        None
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_exactly_the_inserted_addresses() {
        let map = FingerprintMap::from_distinct([("a@x.fr".into(), 1), ("b@x.fr".into(), 2)]);
        assert_eq!(map.get(fingerprint("a@x.fr"), "a@x.fr"), Some(&1));
        assert_eq!(map.get(fingerprint("b@x.fr"), "b@x.fr"), Some(&2));
        assert_eq!(map.get(fingerprint("c@x.fr"), "c@x.fr"), None);
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn a_shared_fingerprint_never_confuses_two_addresses() {
        // Force a collision: build the map, then probe with another address under the same
        // fingerprint, and chain two addresses under one fingerprint by hand.
        let mut map = FingerprintMap::from_distinct([("a@x.fr".into(), 1)]);
        let shared = fingerprint("a@x.fr");
        assert_eq!(map.get(shared, "z@x.fr"), None, "same fingerprint, other address");
        map.entries.push(Entry { address: "z@x.fr".into(), value: 26, next: map.slots[&shared] });
        map.slots.insert(shared, 1);
        assert_eq!(map.get(shared, "z@x.fr"), Some(&26));
        assert_eq!(map.get(shared, "a@x.fr"), Some(&1));
        assert_eq!(map.get(shared, "q@x.fr"), None);
    }
}
