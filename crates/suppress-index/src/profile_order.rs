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

use crate::buckets::group_by_bucket;
use crate::id_map::HashedIds;
use crate::{IdMap, ProfileIndex, TargetList};

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
fn piece((rows, starts): &Grouped, b: usize) -> &[Row] {
    &rows[starts[b]..starts[b + 1]]
}

/// Buckets of the first pass, by the key's top bits.
const TOP_BITS: u32 = 8;

/// The rows of each bucket of the first pass (by the key's top bits), as slices to read in
/// order: the rows of one profile come in table order.
type Buckets<'a> = Vec<Vec<&'a [Row]>>;

impl TargetList {
    /// Resolves every row's profile to its dense row in `profiles` and reorders the rows by it,
    /// stably; afterwards `profile_row` holds each row's profile row, or [`UNKNOWN_PROFILE`].
    pub fn order_by_profile(&mut self, profiles: &ProfileIndex) {
        let unknown_key = profiles.len() as u32;
        let low_bits = key_bits(unknown_key).saturating_sub(TOP_BITS);
        let mut keys = match &profiles.ids {
            IdMap::Hashed(hashed) => {
                let mut by_partition = group_by_partition(hashed, &self.delivery, &self.profile_id);
                let buckets = resolve_partitions(hashed, &mut by_partition, unknown_key, low_bits);
                let mut keys = vec![0u32; self.profile_id.len()];
                place_buckets(&buckets, &mut keys, &mut self.delivery, &mut self.profile_id, low_bits);
                keys
            }
            _ => {
                let mut keys = profiles.rows_of(&self.profile_id, unknown_key);
                let grouped = group_columns(&keys, &self.delivery, &self.profile_id, low_bits);
                place_buckets(&by_bucket(&grouped), &mut keys, &mut self.delivery, &mut self.profile_id, low_bits);
                keys
            }
        };
        keys.par_iter_mut().filter(|k| **k == unknown_key).for_each(|k| *k = UNKNOWN_PROFILE);
        self.profile_row = keys;
    }
}

/// Bits of the largest key.
fn key_bits(max_key: u32) -> u32 {
    (u32::BITS - max_key.leading_zeros()).max(1)
}

/// One slice's rows grouped into buckets (by the key's top bits, or by hash partition), and
/// where each bucket starts.
type Grouped = (Vec<Row>, Vec<usize>);

fn group(rows: impl Iterator<Item = Row> + Clone, low_bits: u32) -> Grouped {
    group_by_bucket(rows, 1 << TOP_BITS, |r| (r.key >> low_bits) as usize)
}

/// Each bucket's pieces, in slice order.
fn by_bucket(grouped: &[Grouped]) -> Buckets<'_> {
    (0..1 << TOP_BITS).map(|b| grouped.iter().map(|g| piece(g, b)).collect()).collect()
}

/// The first pass over rows whose keys are known: one task per slice of the columns.
fn group_columns(keys: &[u32], deliveries: &[u32], profile_ids: &[i64], low_bits: u32) -> Vec<Grouped> {
    let slice = keys.len().div_ceil(rayon::current_num_threads() * 2).max(1 << 16);
    keys.par_chunks(slice)
        .zip(deliveries.par_chunks(slice))
        .zip(profile_ids.par_chunks(slice))
        .map(|((keys, deliveries), profile_ids)| {
            let rows = keys.iter().zip(deliveries).zip(profile_ids).map(|((&key, &delivery), &profile_id)| Row {
                key,
                delivery,
                profile_id,
            });
            group(rows, low_bits)
        })
        .collect()
}

/// For ids in a hashed map, the rows first grouped by their id's partition (per slice, in
/// table order), keys not yet known: each partition's ids are then resolved against that
/// partition's slots alone ([`resolve_partitions`]), which stay in the cache, where probing in
/// table order missed it on nearly every row.
fn group_by_partition(hashed: &HashedIds, deliveries: &[u32], profile_ids: &[i64]) -> Vec<Grouped> {
    let partitions = hashed.partitions();
    let slice = profile_ids.len().div_ceil(rayon::current_num_threads() * 2).max(1 << 16);
    deliveries
        .par_chunks(slice)
        .zip(profile_ids.par_chunks(slice))
        .map(|(deliveries, profile_ids)| {
            let rows =
                deliveries.iter().zip(profile_ids).map(|(&delivery, &profile_id)| Row { key: 0, delivery, profile_id });
            group_by_bucket(rows, partitions, |r| hashed.partition_of(r.profile_id))
        })
        .collect()
}

/// One task per partition: its rows' ids resolved to keys, the rows grouped by the key's top
/// bits and written back in place of the partition's rows; then each bucket's rows, partition
/// after partition. Every row of one profile has the same id, so lands in the same partition
/// in table order: the sort stays stable for each profile's rows. Rows of unknown profiles
/// (one key for all) come in partition order instead of table order; nothing depends on their
/// order.
///
/// Grouping in place, through one partition's worth of scratch per task, spares a second copy
/// of every row in fresh memory (16 bytes per row, 340 MB at 10M profiles), whose page faults
/// cost more on this kind of machine than the copy back does.
fn resolve_partitions<'a>(
    hashed: &HashedIds,
    by_partition: &'a mut [Grouped],
    unknown_key: u32,
    low_bits: u32,
) -> Buckets<'a> {
    let partitions = hashed.partitions();
    // Each slice's rows split at its partitions' starts, the pieces gathered per partition.
    let mut segments: Vec<Vec<&mut [Row]>> = (0..partitions).map(|_| Vec::with_capacity(by_partition.len())).collect();
    for (rows, starts) in by_partition.iter_mut() {
        let mut rest = rows.as_mut_slice();
        for (p, segment_list) in segments.iter_mut().enumerate() {
            let (segment, tail) = std::mem::take(&mut rest).split_at_mut(starts[p + 1] - starts[p]);
            segment_list.push(segment);
            rest = tail;
        }
    }
    let per_partition: Vec<Buckets<'a>> = segments
        .into_par_iter()
        .enumerate()
        .map(|(p, mut segments)| {
            let mut rows: Vec<Row> = segments.iter().flat_map(|s| s.iter()).copied().collect();
            for r in rows.iter_mut() {
                r.key = hashed.get_in(p, r.profile_id).unwrap_or(unknown_key);
            }
            let (grouped, starts) = group(rows.iter().copied(), low_bits);
            drop(rows);
            let mut rest = grouped.as_slice();
            for segment in segments.iter_mut() {
                let (head, tail) = rest.split_at(segment.len());
                segment.copy_from_slice(head);
                rest = tail;
            }
            split_at_starts(segments.into_iter().map(|s| &*s).collect(), &starts)
        })
        .collect();
    let mut buckets: Buckets<'a> = vec![Vec::new(); 1 << TOP_BITS];
    for partition in per_partition {
        for (bucket, pieces) in buckets.iter_mut().zip(partition) {
            bucket.extend(pieces);
        }
    }
    buckets
}

/// The rows of `segments` read in order as one sequence, cut at `starts` (bucket `b` is
/// `starts[b]..starts[b + 1]` of the sequence): each bucket's slices.
fn split_at_starts<'a>(segments: Vec<&'a [Row]>, starts: &[usize]) -> Buckets<'a> {
    let mut segments = segments.into_iter();
    let mut current: &'a [Row] = &[];
    starts
        .windows(2)
        .map(|bucket| {
            let mut pieces = Vec::new();
            let mut wanted = bucket[1] - bucket[0];
            while wanted > 0 {
                if current.is_empty() {
                    current = segments.next().expect("the segments hold every grouped row");
                    continue;
                }
                let (head, tail) = current.split_at(wanted.min(current.len()));
                pieces.push(head);
                wanted -= head.len();
                current = tail;
            }
            pieces
        })
        .collect()
}

/// The second pass: one task per bucket, its pieces in order counting-sorted on the key's low
/// bits back into the bucket's share of the three columns (`keys`, `deliveries`,
/// `profile_ids`, one table); the counts (at most 2^18 at 50M profiles) stay in the cache,
/// unlike one count per profile would.
fn place_buckets(buckets: &Buckets, keys: &mut [u32], deliveries: &mut [u32], profile_ids: &mut [i64], low_bits: u32) {
    // Each bucket's share of the three columns, disjoint.
    let mut shares = Vec::with_capacity(buckets.len());
    let (mut keys, mut deliveries, mut profile_ids) = (keys, deliveries, profile_ids);
    for (b, pieces) in buckets.iter().enumerate() {
        let size: usize = pieces.iter().map(|p| p.len()).sum();
        let (k, k_rest) = std::mem::take(&mut keys).split_at_mut(size);
        let (d, d_rest) = std::mem::take(&mut deliveries).split_at_mut(size);
        let (p, p_rest) = std::mem::take(&mut profile_ids).split_at_mut(size);
        shares.push((b, k, d, p));
        (keys, deliveries, profile_ids) = (k_rest, d_rest, p_rest);
    }
    let low_mask = (1u32 << low_bits) - 1;
    shares.into_par_iter().for_each(|(b, keys, deliveries, profile_ids)| {
        let rows = || buckets[b].iter().flat_map(|p| p.iter());
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

/// Sorts the rows of `keys`, `deliveries` and `profile_ids` (three columns of one table) by
/// key, stably, in place; every key is at most `max_key`. Besides the columns, it holds the
/// grouped rows: 16 bytes per row.
#[cfg(test)]
fn radix_sort(keys: &mut [u32], deliveries: &mut [u32], profile_ids: &mut [i64], max_key: u32) {
    let low_bits = key_bits(max_key).saturating_sub(TOP_BITS);
    let grouped = group_columns(keys, deliveries, profile_ids, low_bits);
    place_buckets(&by_bucket(&grouped), keys, deliveries, profile_ids, low_bits);
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

    /// Both first passes (keys resolved in table order, and ids grouped by hash partition
    /// first) give every row its profile's row, rows sorted by it with unknown profiles last,
    /// and each profile's rows in table order.
    #[test]
    fn dense_and_hashed_ids_order_the_same_rows() {
        for scale in [1i64, 1 << 40] {
            let profile_ids: Vec<i64> = (0..50_000i64).map(|i| (i * 7919 % 50_000) * scale).collect();
            let (ids, duplicates) = IdMap::build(&[&profile_ids]);
            assert!(duplicates.is_empty());
            assert_eq!(matches!(ids, IdMap::Hashed(_)), scale > 1);
            let profiles = ProfileIndex {
                ids,
                channels: Vec::new(),
                flags: vec![0; profile_ids.len()],
                optout_all: Default::default(),
                optout_by_channel: Default::default(),
                rows_read: 0,
                accepted: 0,
                bad_rows: Default::default(),
                warnings: Vec::new(),
            };
            let mut state = 0x2545_f491_4f6c_dd1du64;
            let mut targets = TargetList::default();
            for i in 0..200_000u32 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // One row in 20 names an id no profile has.
                let known = !state.is_multiple_of(20);
                let id = if known {
                    profile_ids[(state >> 8) as usize % profile_ids.len()]
                } else {
                    -((state >> 8) as i64 % 1000) - 1
                };
                targets.delivery.push(i);
                targets.profile_id.push(if known { id } else { 60_000 * scale + (-id) });
            }
            let before = targets.clone();
            targets.order_by_profile(&profiles);
            let mut expected: Vec<(u32, u32, i64)> = before
                .delivery
                .iter()
                .zip(&before.profile_id)
                .map(|(&d, &id)| (profiles.row(id).unwrap_or(UNKNOWN_PROFILE), d, id))
                .collect();
            // Stable by row; the unknown profiles' rows in any order, so compare them as a set.
            expected.sort_by_key(|&(row, d, _)| (row, if row == UNKNOWN_PROFILE { d } else { 0 }));
            let mut got: Vec<(u32, u32, i64)> = targets
                .profile_row
                .iter()
                .zip(&targets.delivery)
                .zip(&targets.profile_id)
                .map(|((&row, &d), &id)| (row, d, id))
                .collect();
            let known = got.iter().take_while(|r| r.0 != UNKNOWN_PROFILE).count();
            got[known..].sort_by_key(|&(_, d, _)| d);
            assert_eq!(got, expected, "scale {scale}");
        }
    }
}
