//! `targets.parquet`: eight deliveries over all six channels, about 2.2 rows per profile,
//! with repeated rows, unknown profile ids and channel names in several spellings.
//!
//! Rows come in the order a warehouse join writes them ([`TargetOrder::Shuffled`], the
//! default): hash-partitioned, in no order of delivery or profile. [`TargetOrder::Sorted`]
//! writes them by delivery, then profile.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use rayon::prelude::*;

use crate::rng::Rng;
use crate::write::{write_batches, write_stream, BATCH_ROWS};
use crate::{GenConfig, GenError};

const TABLE: u64 = 3;

/// The order target rows are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TargetOrder {
    /// By delivery, then profile id: the order of a sorted export.
    Sorted,
    /// Hash order, as a Spark or DuckDB join writes them.
    #[default]
    Shuffled,
}

impl TargetOrder {
    pub fn parse(text: &str) -> Option<TargetOrder> {
        match text {
            "sorted" => Some(TargetOrder::Sorted),
            "shuffled" => Some(TargetOrder::Shuffled),
            _ => None,
        }
    }
}

/// (delivery_id, channel, share of profiles targeted).
pub const DELIVERIES: [(&str, &str, f64); 8] = [
    ("2026-11-23-newsletter", "email", 0.60),
    ("2026-11-23-black-friday", "email", 0.35),
    ("sms-flash-sale", "sms", 0.30),
    ("sms-reminder", "sms", 0.20),
    ("phone-survey", "phone", 0.15),
    ("fax-b2b-offer", "fax", 0.05),
    ("push-app-update", "push", 0.25),
    ("dm-winter-catalogue", "direct_mail", 0.15),
];

pub fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("delivery_id", DataType::Utf8, false),
        Field::new("profile_id", DataType::Int64, false),
        Field::new("channel", DataType::Utf8, false),
    ]))
}

/// One target row: its delivery, profile id and channel spelling (0 plain, 1 upper, 2 padded).
#[derive(Debug, Clone, Copy)]
struct Row {
    delivery: u8,
    spelling: u8,
    profile_id: i64,
}

/// Whether delivery `d` targets profile `i` (the first draw of the row's stream, as [`rows`]
/// makes it): subscriptions follow the target lists of the deliveries that have a service.
pub fn is_targeted(seed: u64, d: usize, i: u64) -> bool {
    Rng::new(seed, TABLE * 16 + d as u64, i).chance(DELIVERIES[d].2)
}

/// The rows of generation block `b` (one delivery, one block of profiles), in profile order.
fn rows(config: &GenConfig, blocks: u64, b: u64) -> Vec<Row> {
    let (d, block) = (b / blocks, b % blocks);
    let share = DELIVERIES[d as usize].2;
    let mut rows = Vec::new();
    for i in (block * BATCH_ROWS)..((block + 1) * BATCH_ROWS).min(config.profiles) {
        let mut rng = Rng::new(config.seed, TABLE * 16 + d, i);
        if !rng.chance(share) {
            continue;
        }
        let copies = if rng.chance(0.02) { 2 } else { 1 };
        for _ in 0..copies {
            let spelling = if rng.chance(0.9) { 0 } else { 1 + rng.below(2) as u8 };
            rows.push(Row { delivery: d as u8, spelling, profile_id: config.profile_id(i) });
        }
        if rng.chance(0.01) {
            // A gap id (`51 * m` is never a profile id) or one past every profile.
            let profile_id = if rng.chance(0.5) {
                config.unknown_id(rng.below(config.profiles.max(1)))
            } else {
                config.id_past_end(i)
            };
            rows.push(Row { delivery: d as u8, spelling: 0, profile_id });
        }
    }
    rows
}

fn batch(rows: &[Row]) -> RecordBatch {
    let spellings: Vec<[String; 3]> = DELIVERIES
        .iter()
        .map(|&(_, channel, _)| [channel.to_string(), channel.to_uppercase(), format!(" {channel}\t")])
        .collect();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| DELIVERIES[r.delivery as usize].0))),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.profile_id))),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| spellings[r.delivery as usize][r.spelling as usize].as_str()),
        )),
    ];
    RecordBatch::try_new(schema(), columns).expect("columns match the schema")
}

/// Rows held in memory at once when shuffling: the rows go to disk in hash partitions of
/// about this many, each generated in a pass of its own.
const PARTITION_ROWS: u64 = 4 << 20;

pub fn write(path: &Path, config: &GenConfig) -> Result<u64, GenError> {
    let blocks = config.profiles.div_ceil(BATCH_ROWS);
    let generation_blocks = blocks * DELIVERIES.len() as u64;
    if config.target_order == TargetOrder::Sorted {
        return write_batches(path, schema(), generation_blocks, |b| batch(&rows(config, blocks, b)));
    }
    // About 2.2 rows per profile: enough partitions that each holds ~PARTITION_ROWS rows.
    let partitions = (config.profiles * 23 / 10).div_ceil(PARTITION_ROWS).max(1);
    // Every row has a key from (seed, block, position), so each pass regenerates the same
    // rows and keeps those of its partition, written in key order.
    let key = |b: u64, k: usize| Rng::new(config.seed, TABLE * 16 + 15, (b << 24) | k as u64).next_u64();
    let partition_rows = |p: u64| {
        let mut keyed: Vec<(u64, Row)> = (0..generation_blocks)
            .into_par_iter()
            .flat_map_iter(|b| {
                rows(config, blocks, b)
                    .into_iter()
                    .enumerate()
                    .map(move |(k, row)| (key(b, k), row))
                    .filter(|(key, _)| key % partitions == p)
            })
            .collect();
        keyed.par_sort_unstable_by_key(|&(key, row)| (key, row.profile_id));
        keyed.into_iter().map(|(_, row)| row).collect::<Vec<Row>>()
    };
    let batches = (0..partitions).flat_map(|p| {
        let rows = partition_rows(p);
        rows.chunks(BATCH_ROWS as usize).map(batch).collect::<Vec<_>>()
    });
    write_stream(path, schema(), batches)
}
