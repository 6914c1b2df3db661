//! Reason 12, `control_group`: a row still kept after reasons 1 to 11 whose delivery has a
//! `control_percent` p > 0 is held out when the XXH3 hash of (delivery_id text, channel,
//! profile_id) falls in the first `floor(p × 100 + 0.5)` of 10,000 buckets
//! (`suppress_model::control_group`, the formula itself). It depends on nothing but the row,
//! so the pass is parallel and its result the same on any thread count.

use rayon::prelude::*;
use suppress_model::control_group::{bucket, hash_input_into, threshold};
use suppress_model::Reason;

use super::KEPT;
use crate::Indexes;

pub fn mark_control_groups(ix: &Indexes, codes: &mut [u8]) {
    let thresholds: Vec<u64> = ix.properties.iter().map(|p| threshold(p.control_percent)).collect();
    if thresholds.iter().all(|&t| t == 0) {
        return;
    }
    codes.par_chunks_mut(64 * 1024).enumerate().for_each(|(k, chunk)| {
        let mut bytes = Vec::new();
        for (i, code) in chunk.iter_mut().enumerate() {
            let row = k * 64 * 1024 + i;
            let d = ix.targets.delivery[row] as usize;
            if *code != KEPT || thresholds[d] == 0 {
                continue;
            }
            let delivery = &ix.targets.deliveries[d];
            hash_input_into(&mut bytes, &delivery.id, delivery.channel, ix.targets.profile_id[row]);
            if bucket(&bytes) < thresholds[d] {
                *code = Reason::ControlGroup.number();
            }
        }
    });
}
