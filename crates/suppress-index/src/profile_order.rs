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
/// delivery and profile_id, carried together so that both passes read and write in sequence.
#[derive(Clone, Copy, Default)]
struct Row {
    key: u32,
    delivery: u32,
    profile_id: i64,
}

/// Buckets of the first pass, by the key's top bits.
const TOP_BITS: u32 = 8;

impl TargetList {
    /// Resolves every row's profile to its dense row in `profiles` and reorders the rows by it,
    /// stably; afterwards `profile_row` holds each row's profile row, or [`UNKNOWN_PROFILE`].
    pub fn order_by_profile(&mut self, profiles: &ProfileIndex) {
        let unknown_key = profiles.len() as u32;
        let resolve = |(&delivery, &profile_id): (&u32, &i64)| Row {
            key: profiles.row(profile_id).unwrap_or(unknown_key),
            delivery,
            profile_id,
        };
        let sorted = radix_sort(&self.delivery, &self.profile_id, resolve, unknown_key);
        (self.delivery, (self.profile_id, self.profile_row)) = sorted
            .par_iter()
            .map(|r| (r.delivery, (r.profile_id, if r.key == unknown_key { UNKNOWN_PROFILE } else { r.key })))
            .unzip();
    }
}

/// The rows of `deliveries` and `profile_ids`, made by `row`, sorted by key, stably; every key
/// is at most `max_key`.
///
/// First pass, one task per slice of the rows: each row resolved and scattered into its
/// slice's 2^8 buckets by the key's top bits. Second pass, one task per bucket: its pieces, in
/// slice order, counting-sorted on the remaining low bits into the bucket's share of the
/// output; the counts (at most 2^18 at 50M profiles) stay in the cache, unlike one count per
/// profile would.
fn radix_sort(
    deliveries: &[u32],
    profile_ids: &[i64],
    row: impl Fn((&u32, &i64)) -> Row + Sync,
    max_key: u32,
) -> Vec<Row> {
    let bits = (u32::BITS - max_key.leading_zeros()).max(1);
    let low_bits = bits.saturating_sub(TOP_BITS);
    let top = |key: u32| (key >> low_bits) as usize;
    let buckets = 1usize << TOP_BITS;
    let slice = deliveries.len().div_ceil(rayon::current_num_threads() * 2).max(1 << 16);
    // Resolved apart from the scatter: the random probes of the id map and the 256 write
    // streams together ran at half the speed of the two one after the other.
    let rows: Vec<Row> = deliveries.par_iter().zip(profile_ids.par_iter()).map(&row).collect();
    let pieces: Vec<Vec<Vec<Row>>> = rows
        .par_chunks(slice)
        .map(|rows| {
            // Room for an even spread and some: growing 256 vectors by doubling copies them.
            let share = rows.len() / buckets;
            let mut pieces: Vec<Vec<Row>> = (0..buckets).map(|_| Vec::with_capacity(share + share / 4 + 16)).collect();
            for r in rows {
                pieces[top(r.key)].push(*r);
            }
            pieces
        })
        .collect();
    drop(rows);
    let sizes: Vec<usize> = (0..buckets).map(|b| pieces.iter().map(|p| p[b].len()).sum()).collect();
    let mut sorted = vec![Row::default(); deliveries.len()];
    // Disjoint slices of the output, one per bucket.
    let mut shares: Vec<&mut [Row]> = Vec::with_capacity(buckets);
    let mut rest = sorted.as_mut_slice();
    for &size in &sizes {
        let (share, tail) = std::mem::take(&mut rest).split_at_mut(size);
        shares.push(share);
        rest = tail;
    }
    let low_mask = (1u32 << low_bits) - 1;
    shares.into_par_iter().enumerate().for_each(|(b, share)| {
        let rows = || pieces.iter().flat_map(|p| p[b].iter());
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
            share[*slot] = *r;
            *slot += 1;
        }
    });
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_of(rows: &[Row]) -> Vec<(u32, i64)> {
        rows.iter().map(|r| (r.key, r.profile_id)).collect()
    }

    fn sort(rows: &[Row], max_key: u32) -> Vec<Row> {
        let deliveries: Vec<u32> = rows.iter().map(|r| r.key).collect();
        let ids: Vec<i64> = rows.iter().map(|r| r.profile_id).collect();
        radix_sort(&deliveries, &ids, |(&key, &profile_id)| Row { key, delivery: key, profile_id }, max_key)
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
