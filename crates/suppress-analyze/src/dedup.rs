//! Reason 9: within a delivery, rows still kept that share a canonical address.
//!
//! The row with the smallest `profile_id` is kept and every other one is a duplicate. Kept rows
//! are sorted by (delivery, address hash, profile_id, row), so each group of one address starts
//! with the row to keep; the rule depends only on the data, never on the thread count. Hashes
//! only bring equal addresses together: within a hash group the strings themselves are compared,
//! so a hash collision can never make two different addresses duplicates.

use rayon::prelude::*;
use suppress_model::Reason;
use xxhash_rust::xxh3::xxh3_64;

use crate::classify::{address_of, Indexes, KEPT};

/// Marks duplicates in `codes` (target row order), which holds the outcome of reasons 1 to 8.
pub fn mark_duplicates(ix: &Indexes, codes: &mut [u8]) {
    let mut kept: Vec<(u32, u64, i64, u32)> = codes
        .par_iter()
        .enumerate()
        .with_min_len(4096)
        .filter(|(_, &code)| code == KEPT)
        .map(|(row, _)| {
            let address = address_of(ix, row).expect("kept rows have a valid address");
            (ix.targets.delivery[row], xxh3_64(address.as_bytes()), ix.targets.profile_id[row], row as u32)
        })
        .collect();
    kept.par_sort_unstable();
    let duplicates = duplicate_rows(ix, &kept);
    for row in duplicates {
        codes[row as usize] = Reason::Duplicate.number();
    }
}

/// The rows of `kept` (sorted) that are not the first of their (delivery, address) group.
fn duplicate_rows(ix: &Indexes, kept: &[(u32, u64, i64, u32)]) -> Vec<u32> {
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
