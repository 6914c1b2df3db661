//! Reason 9: within a delivery, rows still kept that share a canonical address.
//!
//! The row with the smallest `profile_id` is kept and every other one is a duplicate. Kept rows
//! are bucketed by address hash ([`KeptRows`]) and each bucket sorted by (delivery, address
//! hash, profile_id, row), so each group of one address starts
//! with the row to keep; the rule depends only on the data, never on the thread count. Hashes
//! only bring equal addresses together: within a hash group the strings themselves are compared,
//! so a hash collision can never make two different addresses duplicates.

use rayon::prelude::*;
use suppress_model::Reason;

use crate::classify::{address_of, Indexes};

/// (delivery, xxh3 of the canonical address, profile_id, target row) of one kept row.
type Key = (u32, u64, i64, u32);

/// The kept rows of one slice of the target rows, bucketed by the top bits of their address
/// hash. Rows of one (delivery, address) share a hash, hence a bucket, so each bucket can be
/// sorted and scanned on its own: cache-sized sorts that run in parallel, and no pass that
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

    pub fn new(bits: u32) -> KeptRows {
        KeptRows { bits, buckets: (0..1usize << bits).map(|_| Vec::new()).collect() }
    }

    /// Records that target row `row`, whose canonical address has [`suppress_index::fingerprint`]
    /// `hash`, is still kept.
    #[inline]
    pub fn push(&mut self, ix: &Indexes, row: usize, hash: u64) {
        let bucket = if self.bits == 0 { 0 } else { (hash >> (64 - self.bits)) as usize };
        self.buckets[bucket].push((ix.targets.delivery[row], hash, ix.targets.profile_id[row], row as u32));
    }
}

/// Marks duplicates in `codes` (target row order), which holds the outcome of reasons 1 to 8;
/// `kept` lists the rows still kept, as [`crate::classify::classify_all`] returns them.
pub fn mark_duplicates(ix: &Indexes, codes: &mut [u8], kept: Vec<KeptRows>) {
    let buckets = kept.first().map_or(0, |k| k.buckets.len());
    // Bucket-major: bucket b of every slice, so that each bucket is merged by one task.
    let mut by_bucket: Vec<Vec<Vec<Key>>> = (0..buckets).map(|_| Vec::with_capacity(kept.len())).collect();
    for slice in kept {
        for (b, keys) in slice.buckets.into_iter().enumerate() {
            by_bucket[b].push(keys);
        }
    }
    let duplicates: Vec<u32> = by_bucket
        .into_par_iter()
        .flat_map_iter(|pieces| {
            let mut keys: Vec<Key> = Vec::with_capacity(pieces.iter().map(Vec::len).sum());
            for piece in pieces {
                keys.extend_from_slice(&piece);
            }
            keys.sort_unstable();
            duplicate_rows(ix, &keys)
        })
        .collect();
    for row in duplicates {
        codes[row as usize] = Reason::Duplicate.number();
    }
}

/// The rows of `kept` (sorted) that are not the first of their (delivery, address) group.
fn duplicate_rows(ix: &Indexes, kept: &[Key]) -> Vec<u32> {
    let mut duplicates = Vec::new();
    let mut start = 0;
    while start < kept.len() {
        let (delivery, hash, ..) = kept[start];
        let end = start + kept[start..].iter().take_while(|k| k.0 == delivery && k.1 == hash).count();
        if end - start > 1 {
            // Usually one address per hash group; more only on a 64-bit hash collision.
            let mut seen: Vec<&str> = Vec::with_capacity(1);
            for &(.., row) in &kept[start..end] {
                let address = address_of(ix, row as usize).expect("kept rows have a valid address");
                if seen.contains(&address) {
                    duplicates.push(row);
                } else {
                    seen.push(address);
                }
            }
        }
        start = end;
    }
    duplicates
}
