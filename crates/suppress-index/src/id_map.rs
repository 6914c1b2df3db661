//! profile_id → dense row.
//!
//! CRM ids are usually dense sequences, where a direct table (4 bytes per possible id, one
//! load per probe) is best. Sparse ids (left after deletions, hashed keys, 63-bit ids from a
//! CDP) go to an open-addressing table split into 256 partitions by the hash's top bits: each
//! partition is built by one task from its own ids, in row order, in a table small enough to
//! stay in the cache while it fills, and a probe reads one 12-byte slot (the id next to its
//! row), where a general-purpose hash map reads a control byte and then the entry elsewhere.
//!
//! Lookups of many ids at once ([`IdMap::rows_of`]) prefetch the slot of the id a few places
//! ahead: in a warehouse's hash order each probe is a cache miss into a table of hundreds of
//! megabytes, and overlapping the misses is most of the cost of resolving the targets.

use rayon::prelude::*;

use crate::buckets::group_by_bucket;
use crate::prefetch::prefetch;

/// Maps profile ids to dense rows.
#[derive(Debug, Clone)]
pub enum IdMap {
    Direct(Vec<u32>),
    Hashed(HashedIds),
    /// Freed once every table that names profiles by id has been resolved
    /// ([`IdMap::release`]); a lookup after that is a bug in the order of the load phases.
    Released,
}

/// A profile id that more than one row carries, with those rows in table order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateId {
    pub id: i64,
    pub rows: Vec<u32>,
}

const ABSENT: u32 = u32::MAX;

/// The widest id span, per profile, that still gets a direct table. The hashed table costs
/// about 17 bytes per profile (12-byte slots at 70% load); a direct table of 8 slots per
/// profile (32 bytes) is not much bigger, probes faster, and ids left after years of deletions
/// (a few per profile) stay in it.
pub const DIRECT_SPAN_PER_ID: u64 = 8;

/// How many ids ahead [`IdMap::rows_of`] prefetches: enough misses in flight to cover a
/// memory access's latency, few enough that the prefetched lines are still in the cache.
const PREFETCH_AHEAD: usize = 16;

impl IdMap {
    /// The map of `ids`, where `ids[r]` is row `r`'s id (negative: the row has none) and
    /// rows follow each other across the slices; with every id carried by more than one row,
    /// ordered by the row of its second occurrence. Duplicated ids are not in the map.
    pub fn build(ids: &[&[i64]]) -> (IdMap, Vec<DuplicateId>) {
        let count: usize = ids.iter().map(|s| s.len()).sum();
        let max_id = ids.par_iter().map(|s| s.iter().copied().max().unwrap_or(-1)).max().unwrap_or(-1);
        let span = max_id.saturating_add(1) as u64;
        let direct_limit = (count as u64).saturating_mul(DIRECT_SPAN_PER_ID).max(1 << 20);
        let (map, mut duplicates) = if span <= direct_limit && span < u64::from(u32::MAX) {
            build_direct(ids, span as usize)
        } else {
            let (hashed, duplicates) = HashedIds::build(ids);
            (IdMap::Hashed(hashed), duplicates)
        };
        duplicates.sort_by_key(|d| d.rows[1]);
        (map, duplicates)
    }

    #[inline]
    pub fn get(&self, id: i64) -> Option<u32> {
        match self {
            IdMap::Direct(table) => table.get(usize::try_from(id).ok()?).copied().filter(|&r| r != ABSENT),
            IdMap::Hashed(hashed) => hashed.get(id),
            IdMap::Released => panic!("profile ids looked up after they were released"),
        }
    }

    /// Frees the map: 4 to 32 bytes per profile that the rest of a run has no use for.
    pub fn release(&mut self) {
        *self = IdMap::Released;
    }

    /// Each id's row (`absent` for an unknown id), in parallel, each task prefetching the
    /// slots of the ids a little ahead of the one it probes.
    pub fn rows_of(&self, ids: &[i64], absent: u32) -> Vec<u32> {
        let mut rows = vec![0u32; ids.len()];
        rows.par_chunks_mut(1 << 16).zip(ids.par_chunks(1 << 16)).for_each(|(rows, ids)| {
            for (i, (row, &id)) in rows.iter_mut().zip(ids).enumerate() {
                if let Some(&ahead) = ids.get(i + PREFETCH_AHEAD) {
                    self.prefetch(ahead);
                }
                *row = self.get(id).unwrap_or(absent);
            }
        });
        rows
    }

    #[inline]
    fn prefetch(&self, id: i64) {
        match self {
            IdMap::Direct(table) => {
                if let Some(slot) = usize::try_from(id).ok().and_then(|i| table.get(i)) {
                    prefetch(slot);
                }
            }
            IdMap::Hashed(hashed) => hashed.prefetch(id),
            IdMap::Released => {}
        }
    }
}

/// Fills a direct table of `span` slots in row order.
fn build_direct(ids: &[&[i64]], span: usize) -> (IdMap, Vec<DuplicateId>) {
    let mut table = vec![ABSENT; span];
    let mut duplicates: ahash::HashMap<i64, Vec<u32>> = ahash::HashMap::default();
    for (row, &id) in (0u32..).zip(ids.iter().flat_map(|s| s.iter())) {
        if id >= 0 {
            let slot = &mut table[id as usize];
            if *slot == ABSENT {
                *slot = row;
            } else {
                duplicates.entry(id).or_insert_with(|| vec![*slot]).push(row);
            }
        }
    }
    let duplicates: Vec<DuplicateId> = duplicates.into_iter().map(|(id, rows)| DuplicateId { id, rows }).collect();
    for d in &duplicates {
        table[d.id as usize] = ABSENT;
    }
    (IdMap::Direct(table), duplicates)
}

/// One slot of a hashed partition: an id and its row, side by side so that a probe reads one
/// place. `id == EMPTY` for a free slot; `row == ABSENT` for a duplicated id.
#[derive(Debug, Clone, Copy)]
#[repr(C, packed)]
struct Slot {
    id: i64,
    row: u32,
}

const EMPTY: i64 = -1;

/// Partitions, by the hash's top bits.
const PARTITION_BITS: u32 = 8;

/// Slots per id in a partition: 70% load at most, which keeps linear probes short.
const SLOTS_PER_10_IDS: usize = 14;

/// One slice's (id, row) pairs grouped by partition, and where each partition starts.
type Grouped = (Vec<(i64, u32)>, Vec<usize>);

/// Non-negative ids in partitioned open-addressing tables with linear probing.
#[derive(Debug, Clone)]
pub struct HashedIds {
    partitions: Vec<Vec<Slot>>,
}

/// A 64-bit finalizer (MurmurHash3's): sequential and strided ids spread over every bit, so
/// both the partition (top bits) and the slot (low bits) are uniform.
#[inline]
fn hash(id: i64) -> u64 {
    let mut h = id as u64;
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The partition of a hash.
#[inline]
fn place(h: u64) -> usize {
    (h >> (u64::BITS - PARTITION_BITS)) as usize
}

/// Where a hash's probe starts in a partition of `slots` slots.
#[inline]
fn first_slot(h: u64, slots: usize) -> usize {
    // Lemire's reduction of the low 32 bits onto 0..slots: any table size, no division.
    ((u64::from(h as u32) * slots as u64) >> 32) as usize
}

impl HashedIds {
    /// See [`IdMap::build`]. The ids are first grouped by partition, per slice of rows and in
    /// row order, then each partition's table is filled by one task from the slices in order.
    fn build(ids: &[&[i64]]) -> (HashedIds, Vec<DuplicateId>) {
        let partitions = 1usize << PARTITION_BITS;
        let mut first_rows = Vec::with_capacity(ids.len());
        let mut next = 0u32;
        for s in ids {
            first_rows.push(next);
            next += s.len() as u32;
        }
        let grouped: Vec<Grouped> = ids
            .par_iter()
            .zip(&first_rows)
            .map(|(ids, &first_row)| {
                let pairs =
                    ids.iter().enumerate().filter(|(_, &id)| id >= 0).map(|(i, &id)| (id, first_row + i as u32));
                group_by_bucket(pairs, partitions, |&(id, _)| place(hash(id)))
            })
            .collect();
        let built: Vec<(Vec<Slot>, Vec<DuplicateId>)> = (0..partitions)
            .into_par_iter()
            .map(|p| {
                let pieces = || grouped.iter().flat_map(|(pairs, starts)| &pairs[starts[p]..starts[p + 1]]);
                let count: usize = grouped.iter().map(|(_, starts)| starts[p + 1] - starts[p]).sum();
                let size = count * SLOTS_PER_10_IDS / 10 + 1;
                let mut slots = vec![Slot { id: EMPTY, row: ABSENT }; size];
                let mut duplicates: Vec<DuplicateId> = Vec::new();
                let mut duplicate_of: ahash::HashMap<i64, usize> = ahash::HashMap::default();
                for &(id, row) in pieces() {
                    let mut k = first_slot(hash(id), size);
                    loop {
                        let slot = slots[k];
                        if slot.id == EMPTY {
                            slots[k] = Slot { id, row };
                            break;
                        }
                        if slot.id == id {
                            match duplicate_of.get(&id) {
                                Some(&d) => duplicates[d].rows.push(row),
                                None => {
                                    duplicate_of.insert(id, duplicates.len());
                                    duplicates.push(DuplicateId { id, rows: vec![slot.row, row] });
                                }
                            }
                            break;
                        }
                        k = if k + 1 == size { 0 } else { k + 1 };
                    }
                }
                for d in &duplicates {
                    let mut k = first_slot(hash(d.id), size);
                    while slots[k].id != d.id {
                        k = if k + 1 == size { 0 } else { k + 1 };
                    }
                    slots[k].row = ABSENT;
                }
                (slots, duplicates)
            })
            .collect();
        let mut duplicates = Vec::new();
        let partitions = built
            .into_iter()
            .map(|(slots, d)| {
                duplicates.extend(d);
                slots
            })
            .collect();
        (HashedIds { partitions }, duplicates)
    }

    /// How many partitions the ids are spread over.
    pub fn partitions(&self) -> usize {
        self.partitions.len()
    }

    /// The partition that holds `id`, if it is in the map.
    #[inline]
    pub fn partition_of(&self, id: i64) -> usize {
        place(hash(id))
    }

    /// [`IdMap::get`] within partition `p`, which must be `id`'s: resolving many ids partition
    /// by partition keeps each partition's slots in the cache while its ids are probed.
    #[inline]
    pub fn get_in(&self, p: usize, id: i64) -> Option<u32> {
        if id < 0 {
            return None;
        }
        let h = hash(id);
        debug_assert_eq!(place(h), p);
        Self::probe(&self.partitions[p], h, id)
    }

    #[inline]
    fn get(&self, id: i64) -> Option<u32> {
        if id < 0 {
            return None;
        }
        let h = hash(id);
        Self::probe(&self.partitions[place(h)], h, id)
    }

    #[inline]
    fn probe(slots: &[Slot], h: u64, id: i64) -> Option<u32> {
        let mut k = first_slot(h, slots.len());
        loop {
            let slot = slots[k];
            if slot.id == id {
                return (slot.row != ABSENT).then_some(slot.row);
            }
            if slot.id == EMPTY {
                return None;
            }
            k = if k + 1 == slots.len() { 0 } else { k + 1 };
        }
    }

    #[inline]
    fn prefetch(&self, id: i64) {
        let h = hash(id);
        let slots = &self.partitions[place(h)];
        prefetch(&slots[first_slot(h, slots.len())]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(ids: &[i64]) -> (IdMap, Vec<DuplicateId>) {
        // Three slices, so that rows are numbered across them.
        let (a, rest) = ids.split_at(ids.len() / 3);
        let (b, c) = rest.split_at(rest.len() / 2);
        IdMap::build(&[a, b, c])
    }

    #[test]
    fn dense_ids_use_a_direct_table_sparse_ids_a_hash() {
        assert!(matches!(build(&[0, 5, 12]).0, IdMap::Direct(_)));
        assert!(matches!(build(&[0, 5, i64::MAX]).0, IdMap::Hashed(_)));
        assert!(matches!(build(&[]).0, IdMap::Direct(_)));
    }

    #[test]
    fn both_shapes_find_every_row_and_drop_duplicates() {
        for big in [12, i64::MAX - 3] {
            // Rows: 0 → 5, 1 → 0, 2 → none, 3 → 5 again, 4 → big, 5 → 7, 6 → 5 a third time.
            let ids = [5, 0, -1, 5, big, 7, 5, 9];
            let (map, duplicates) = build(&ids);
            assert_eq!(duplicates, vec![DuplicateId { id: 5, rows: vec![0, 3, 6] }]);
            assert_eq!(map.get(5), None, "a duplicated id names no row");
            assert_eq!(map.get(0), Some(1));
            assert_eq!(map.get(big), Some(4));
            assert_eq!(map.get(7), Some(5));
            assert_eq!(map.get(9), Some(7));
            for unknown in [-1, 1, 8, 10, i64::MAX - 4, i64::MAX] {
                assert_eq!(map.get(unknown), None, "{unknown}");
            }
            assert_eq!(
                map.rows_of(&[9, 1, 0, 5, big, -7], u32::MAX - 1),
                vec![7, u32::MAX - 1, 1, u32::MAX - 1, 4, u32::MAX - 1]
            );
        }
    }

    #[test]
    #[should_panic(expected = "released")]
    fn a_lookup_after_the_release_is_a_bug() {
        let (mut map, _) = build(&[3, 4]);
        map.release();
        map.get(3);
    }

    #[test]
    fn many_random_ids_and_duplicates_in_second_occurrence_order() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut ids: Vec<i64> = (0..200_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 1) as i64
            })
            .collect();
        // Row 150,000 repeats row 10's id, then row 100,000 repeats row 20's.
        ids[150_000] = ids[10];
        ids[100_000] = ids[20];
        let (map, duplicates) = build(&ids);
        let expected = vec![
            DuplicateId { id: ids[20], rows: vec![20, 100_000] },
            DuplicateId { id: ids[10], rows: vec![10, 150_000] },
        ];
        assert_eq!(duplicates, expected);
        let rows = map.rows_of(&ids, u32::MAX);
        for (row, &found) in rows.iter().enumerate() {
            let duplicated = [10, 20, 100_000, 150_000].contains(&row);
            assert_eq!(found, if duplicated { u32::MAX } else { row as u32 }, "row {row}");
        }
        // Sequential ids past the direct limit hash too, and spread over the partitions.
        let strided: Vec<i64> = (0..100_000).map(|i| i * 1_000_003).collect();
        let (map, duplicates) = build(&strided);
        assert!(matches!(map, IdMap::Hashed(_)) && duplicates.is_empty());
        assert!(strided.iter().enumerate().all(|(row, &id)| map.get(id) == Some(row as u32)));
    }
}
