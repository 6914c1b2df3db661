//! `targets.parquet`: eight deliveries over all six channels, about 2.2 rows per profile,
//! with repeated rows, unknown profile ids and channel names in several spellings.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};

use crate::profiles::profile_id;
use crate::rng::Rng;
use crate::write::{write_batches, BATCH_ROWS};
use crate::{GenConfig, GenError};

const TABLE: u64 = 3;

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

fn batch(config: &GenConfig, blocks: u64, b: u64) -> RecordBatch {
    let (d, block) = (b / blocks, b % blocks);
    let (delivery, channel, share) = DELIVERIES[d as usize];
    let spellings = [channel.to_string(), channel.to_uppercase(), format!(" {channel}\t")];
    let mut ids = Vec::new();
    let mut channels = Vec::new();
    for i in (block * BATCH_ROWS)..((block + 1) * BATCH_ROWS).min(config.profiles) {
        let mut rng = Rng::new(config.seed, TABLE * 16 + d, i);
        if !rng.chance(share) {
            continue;
        }
        let copies = if rng.chance(0.02) { 2 } else { 1 };
        for _ in 0..copies {
            ids.push(profile_id(i));
            channels.push(if rng.chance(0.9) { &spellings[0] } else { rng.pick(&spellings[1..]) }.clone());
        }
        if rng.chance(0.01) {
            // A gap id (`51 * m` is never a profile id) or one past every profile.
            ids.push(if rng.chance(0.5) {
                51 * (1 + rng.below(config.profiles.max(1))) as i64
            } else {
                profile_id(config.profiles) + i as i64
            });
            channels.push(spellings[0].clone());
        }
    }
    let n = ids.len();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec![delivery; n])),
        Arc::new(Int64Array::from(ids)),
        Arc::new(StringArray::from(channels)),
    ];
    RecordBatch::try_new(schema(), columns).expect("columns match the schema")
}

pub fn write(path: &Path, config: &GenConfig) -> Result<u64, GenError> {
    let blocks = config.profiles.div_ceil(BATCH_ROWS);
    write_batches(path, schema(), blocks * DELIVERIES.len() as u64, |b| batch(config, blocks, b))
}
