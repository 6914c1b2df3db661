//! The target rows in profile-row order: each row's profile_id resolved to its dense profile
//! row once, then the rows sorted by it (a stable two-pass radix sort, linear).
//!
//! Every later phase looks up per-profile state for each target row (flags, subscriptions,
//! addresses, the writers' addresses again). Target lists come out of a warehouse join in hash
//! order, so in table order each of those lookups is a cache miss into tables of hundreds of
//! megabytes, and an id that must be hashed (sparse or 63-bit ids) costs one more per phase.
//! In profile-row order the same lookups walk the tables front to back, whatever the order
//! and the ids of the file. The contract leaves the outputs' row order unspecified, and no rule
//! depends on it: `duplicate` keeps the smallest profile_id then the earliest row, and rows of
//! one profile keep their table order here.

use rayon::prelude::*;

use crate::{ProfileIndex, TargetList};

/// The profile row of a target whose profile_id is not in profiles.
pub const UNKNOWN_PROFILE: u32 = u32::MAX;

/// One target row while it is sorted: its sort key (profile row; unknown profiles sort last),
/// delivery and profile_id, carried together so that the second pass reads in sequence.
#[derive(Clone, Copy, Default)]
struct Row {
    key: u32,
    delivery: u32,
    profile_id: i64,
}

/// Bucket `b` of one slice's grouped rows.
fn piece((rows, starts): &(Vec<Row>, Vec<usize>), b: usize) -> &[Row] {
    &rows[starts[b]..starts[b + 1]]
}

/// Buckets of the first pass, by the key's top bits.
const TOP_BITS: u32 = 8;

impl TargetList {
    /// Resolves every row's profile to its dense row in `profiles` and reorders the rows by it,
    /// stably; afterwards `profile_row` holds each row's profile row, or [`UNKNOWN_PROFILE`].
    pub fn order_by_profile(&mut self, profiles: &ProfileIndex) {
        let unknown_key = profiles.len() as u32;
        let mut keys = profiles.rows_of(&self.profile_id, unknown_key);
        radix_sort(&mut keys, &mut self.delivery, &mut self.profile_id, unknown_key);
        keys.par_iter_mut().filter(|k| **k == unknown_key).for_each(|k| *k = UNKNOWN_PROFILE);
        self.profile_row = keys;
    }
}

/// Sorts the rows of `keys`, `deliveries` and `profile_ids` (three columns of one table) by
/// key, stably, in place; every key is at most `max_key`.
///
/// First pass, one task per slice of the rows: the slice's rows grouped into 2^8 buckets by the
/// key's top bits (a count, then a scatter). Second pass, one task per bucket: its pieces, in slice
/// order, counting-sorted on the remaining low bits back into the bucket's share of the three
/// columns; the counts (at most 2^18 at 50M profiles) stay in the cache, unlike one count per
/// profile would. Besides the columns, it holds the pieces: 16 bytes per row.
fn radix_sort(keys: &mut [u32], deliveries: &mut [u32], profile_ids: &mut [i64], max_key: u32) {
    let bits = (u32::BITS - max_key.leading_zeros()).max(1);
    let low_bits = bits.saturating_sub(TOP_BITS);
    let top = |key: u32| (key >> low_bits) as usize;
    let buckets = 1usize << TOP_BITS;
    let slice = keys.len().div_ceil(rayon::current_num_threads() * 2).max(1 << 16);
    // Per slice: its rows grouped by bucket in one vector (counted first, then placed), and
    // where each bucket starts in it. One exact allocation per slice, which goes back to the
    // system when freed; 256 growing vectors per slice stayed in the heap as resident memory.
    let pieces: Vec<(Vec<Row>, Vec<usize>)> = keys
        .par_chunks(slice)
        .zip(deliveries.par_chunks(slice))
        .zip(profile_ids.par_chunks(slice))
        .map(|((keys, deliveries), profile_ids)| {
            let mut starts = vec![0usize; buckets + 1];
            for &key in keys {
                starts[top(key) + 1] += 1;
            }
            for b in 0..buckets {
                starts[b + 1] += starts[b];
            }
            let mut cursor = starts.clone();
            let mut rows = vec![Row::default(); keys.len()];
            for ((&key, &delivery), &profile_id) in keys.iter().zip(deliveries).zip(profile_ids) {
                let slot = &mut cursor[top(key)];
                rows[*slot] = Row { key, delivery, profile_id };
                *slot += 1;
            }
            (rows, starts)
        })
        .collect();
    // Each bucket's share of the three columns, disjoint.
    let mut shares = Vec::with_capacity(buckets);
    let (mut keys, mut deliveries, mut profile_ids) = (keys, deliveries, profile_ids);
    for b in 0..buckets {
        let size: usize = pieces.iter().map(|p| piece(p, b).len()).sum();
        let (k, k_rest) = std::mem::take(&mut keys).split_at_mut(size);
        let (d, d_rest) = std::mem::take(&mut deliveries).split_at_mut(size);
        let (p, p_rest) = std::mem::take(&mut profile_ids).split_at_mut(size);
        shares.push((b, k, d, p));
        (keys, deliveries, profile_ids) = (k_rest, d_rest, p_rest);
    }
    let low_mask = (1u32 << low_bits) - 1;
    shares.into_par_iter().for_each(|(b, keys, deliveries, profile_ids)| {
        let rows = || pieces.iter().flat_map(|p| piece(p, b).iter());
        let mut starts = vec![0usize; 1 << low_bits];
        for r in rows() {
            starts[(r.key & low_mask) as usize] += 1;
        }
        let mut next = 0;
        for start in starts.iter_mut() {
            (*start, next) = (next, next + *start);
        }
        for r in rows() {
            let slot = &mut starts[(r.key & low_mask) as usize];
            (keys[*slot], deliveries[*slot], profile_ids[*slot]) = (r.key, r.delivery, r.profile_id);
            *slot += 1;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_of(rows: &[Row]) -> Vec<(u32, i64)> {
        rows.iter().map(|r| (r.key, r.profile_id)).collect()
    }

    fn sort(rows: &[Row], max_key: u32) -> Vec<Row> {
        let mut keys: Vec<u32> = rows.iter().map(|r| r.key).collect();
        let mut deliveries: Vec<u32> = rows.iter().map(|r| r.key + 1).collect();
        let mut ids: Vec<i64> = rows.iter().map(|r| r.profile_id).collect();
        radix_sort(&mut keys, &mut deliveries, &mut ids, max_key);
        assert!(keys.iter().zip(&deliveries).all(|(k, d)| d == &(k + 1)), "the columns move together");
        keys.iter().zip(ids).map(|(&key, profile_id)| Row { key, delivery: 0, profile_id }).collect()
    }

    #[test]
    fn sorts_by_key_and_keeps_table_order_within_a_key() {
        for max_key in [0u32, 1, 7, 255, 256, 1000, 70_000, 1 << 20] {
            let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ u64::from(max_key);
            let rows: Vec<Row> = (0..300_000)
                .map(|i| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    Row { key: (state % (u64::from(max_key) + 1)) as u32, delivery: 0, profile_id: i }
                })
                .collect();
            let mut expected = rows.clone();
            expected.sort_by_key(|r| r.key); // stable: profile_id (the table position) ascending per key
            assert_eq!(keys_of(&sort(&rows, max_key)), keys_of(&expected), "max_key {max_key}");
        }
        assert!(sort(&[], 0).is_empty());
    }
}
