//! Reason 10, `duplicate`: within a delivery, rows still kept after reasons 1 to 9 that share a
//! canonical address.
//!
//! The row with the smallest `profile_id` (then the earliest row) is kept and every other one is
//! a duplicate. Kept rows are bucketed by address hash ([`KeptRows`]); each bucket then goes
//! once through a table of each (delivery, address) group's keeper so far. The keeper is a
//! minimum, so the rule depends only on the data, never on the order rows arrive in or the
//! thread count. Hashes only bring equal addresses together: when two rows meet, the strings
//! themselves are compared, so a hash collision can never make two different addresses
//! duplicates.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;
use suppress_model::Reason;

use crate::Indexes;

/// (xxh3 of the canonical address, delivery, target row) of one kept row: 16 bytes. Every kept
/// row is scattered into a bucket, so each byte here is paid for 15M times at 10M profiles;
/// the profile_id that breaks ties is looked up only when two rows meet.
type Key = (u64, u32, u32);

/// The kept rows of one slice of the target rows, bucketed by the top bits of their address
/// hash. Rows of one (delivery, address) share a hash, hence a bucket, so each bucket can be
/// decided on its own: cache-sized tables that are filled in parallel, and no pass that
/// gathers every kept row in one place first.
pub struct KeptRows {
    bits: u32,
    buckets: Vec<Vec<Key>>,
}

impl KeptRows {
    /// Hash bits for `rows` target rows: buckets of a few thousand keys, and at most 256 of
    /// them, since classification scatters every kept row into one: with 4,096 buckets the
    /// scattered writes missed the cache and TLB enough to slow classification by a third
    /// at 10M profiles (BENCHMARKS.md).
    pub fn bucket_bits(rows: usize) -> u32 {
        (rows / 4096).max(1).ilog2().min(8)
    }

    /// Empty buckets for a slice of `rows` target rows. Each reserves half again its share of
    /// the rows, so that a bucket is written once instead of copied as it grows; the reserved
    /// capacity that stays unused is never touched, so it costs address space, not memory.
    pub fn new(bits: u32, rows: usize) -> KeptRows {
        let share = rows >> bits;
        let capacity = share + share / 2 + 16;
        KeptRows { bits, buckets: (0..1usize << bits).map(|_| Vec::with_capacity(capacity)).collect() }
    }

    /// Records that target row `row`, whose canonical address has [`suppress_index::fingerprint`]
    /// `hash`, is still kept.
    #[inline]
    pub fn push(&mut self, ix: &Indexes, row: usize, hash: u64) {
        let bucket = if self.bits == 0 { 0 } else { (hash >> (64 - self.bits)) as usize };
        self.buckets[bucket].push((hash, ix.targets.delivery[row], row as u32));
    }
}

/// Marks duplicates in `codes` (target row order), which holds the outcome of reasons 1 to 9;
/// `kept` lists the rows still kept, as [`super::classify_all`] returns them.
pub fn mark_duplicates(ix: &Indexes, codes: &mut [u8], kept: Vec<KeptRows>) {
    let buckets = kept.first().map_or(0, |k| k.buckets.len());
    // Bucket-major: bucket b of every slice, so that each bucket is decided by one task.
    let mut by_bucket: Vec<Vec<Vec<Key>>> = (0..buckets).map(|_| Vec::with_capacity(kept.len())).collect();
    for slice in kept {
        for (b, keys) in slice.buckets.into_iter().enumerate() {
            by_bucket[b].push(keys);
        }
    }
    let address = |row: u32| ix.address_of(row as usize).expect("kept rows have a valid address");
    let profile_id = |row: u32| ix.targets.profile_id[row as usize];
    let duplicates: Vec<u32> =
        by_bucket.into_par_iter().flat_map_iter(|pieces| duplicate_rows(&address, &profile_id, &pieces)).collect();
    for row in duplicates {
        codes[row as usize] = Reason::Duplicate.number();
    }
}

/// The rows of one bucket that are not their (delivery, address) group's keeper.
///
/// One pass with a table keyed by (delivery, address hash), holding each group's keeper so
/// far: a tenth of the cost of sorting the keys. Only a row that meets an earlier one in the
/// table looks at the addresses and profile_ids themselves; if the addresses differ (a 64-bit
/// hash collision), the row's group is decided in a second table keyed by the address string.
/// `address` and `profile_id` give a target row's canonical address and profile_id.
fn duplicate_rows<'a>(
    address: &impl Fn(u32) -> &'a str,
    profile_id: &impl Fn(u32) -> i64,
    pieces: &[Vec<Key>],
) -> Vec<u32> {
    let len = pieces.iter().map(Vec::len).sum();
    // The keeper is the smallest (profile_id, target row).
    let precedes = |a: u32, b: u32| (profile_id(a), a) < (profile_id(b), b);
    // Two rows of one delivery and one profile have the same address (a profile has one per
    // channel): only rows of two profiles need their addresses read, a few random memory
    // reads each, and most duplicates in target lists are the same profile listed twice.
    let same_address = |a: u32, b: u32| profile_id(a) == profile_id(b) || address(a) == address(b);
    let mut keepers: HashMap<(u32, u64), u32, BuildHasherDefault<KeyHasher>> =
        HashMap::with_capacity_and_hasher(len, Default::default());
    let mut collided: HashMap<(u32, &str), u32> = HashMap::new();
    let mut duplicates = Vec::new();
    for &(hash, delivery, row) in pieces.iter().flatten() {
        let keeper = match keepers.entry((delivery, hash)) {
            Entry::Vacant(slot) => {
                slot.insert(row);
                continue;
            }
            Entry::Occupied(slot) if same_address(*slot.get(), row) => slot.into_mut(),
            Entry::Occupied(_) => match collided.entry((delivery, address(row))) {
                Entry::Vacant(slot) => {
                    slot.insert(row);
                    continue;
                }
                Entry::Occupied(slot) => slot.into_mut(),
            },
        };
        if precedes(row, *keeper) {
            duplicates.push(*keeper);
            *keeper = row;
        } else {
            duplicates.push(row);
        }
    }
    duplicates
}

/// Hashes a (delivery, address hash) key: the address hash is already uniform, so it is only
/// mixed with the delivery and turned so that its top bits, the same for a whole bucket, do not
/// end up in the table's tag bits.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0.rotate_left(32)
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only u32 and u64 are hashed; this is the generic fallback, never the hot path.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 ^= u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Duplicates among `rows` (delivery, hash, profile_id, row), split into two pieces, with
    /// row r's address `addresses[r]`; sorted.
    fn duplicates(addresses: &[&'static str], rows: &[(u32, u64, i64, u32)]) -> Vec<u32> {
        let mut profile_ids = vec![0; addresses.len()];
        for &(_, _, profile_id, row) in rows {
            profile_ids[row as usize] = profile_id;
        }
        let keys: Vec<Key> = rows.iter().map(|&(delivery, hash, _, row)| (hash, delivery, row)).collect();
        let (a, b) = keys.split_at(keys.len() / 2);
        let mut rows = duplicate_rows(
            &|row: u32| addresses[row as usize],
            &|row: u32| profile_ids[row as usize],
            &[a.to_vec(), b.to_vec()],
        );
        rows.sort_unstable();
        rows
    }

    #[test]
    fn keeps_the_smallest_profile_id_then_row_whatever_the_order() {
        let addresses = ["a@x.io"; 5];
        let mut keys = vec![(0, 7, 30, 0), (0, 7, 10, 1), (0, 7, 20, 2), (0, 7, 10, 3), (1, 7, 50, 4)];
        for _ in 0..keys.len() {
            // Row 1 (profile 10, before row 3) is kept in delivery 0; row 4 alone in delivery 1.
            assert_eq!(duplicates(&addresses, &keys), vec![0, 2, 3]);
            keys.rotate_left(1);
        }
    }

    #[test]
    fn a_shared_hash_never_makes_two_addresses_duplicates() {
        // Every row has hash 7: rows 0, 2, 4 are one address, rows 1, 3 another, row 5 a third.
        let addresses = ["a@x.io", "b@x.io", "a@x.io", "b@x.io", "a@x.io", "c@x.io"];
        let mut keys = vec![(0, 7, 5, 0), (0, 7, 3, 1), (0, 7, 4, 2), (0, 7, 9, 3), (0, 7, 1, 4), (0, 7, 2, 5)];
        for _ in 0..keys.len() {
            // a: profile 1 (row 4) kept; b: profile 3 (row 1) kept; c alone.
            assert_eq!(duplicates(&addresses, &keys), vec![0, 2, 3]);
            keys.rotate_left(1);
        }
    }
}
