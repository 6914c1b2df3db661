//! `subscriptions.parquet`: about one subscription per profile to four services (three that
//! deliveries go to, one that none does), in several spellings, some expired or expiring
//! later, a few repeated, a few of unknown profile ids. As in a real campaign, most profiles
//! a service's delivery targets are subscribed to it (92%), and few others are.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};

use crate::quarantine::PIVOT_MICROS;
use crate::rng::Rng;
use crate::targets::is_targeted;
use crate::write::{write_batches, BATCH_ROWS};
use crate::{GenConfig, GenError};

const TABLE: u64 = 6;
const DAY: i64 = 86_400_000_000;

/// (spellings, the delivery whose targets subscribe (index in `DELIVERIES`), share of the
/// other profiles subscribed).
const SERVICES: [(&[&str], Option<usize>, f64); 4] = [
    (&["newsletter", "NEWSLETTER", " Newsletter "], Some(0), 0.30),
    (&["sms-promos", "SMS-promos"], Some(2), 0.10),
    (&["catalogue", "Catalogue\t"], Some(7), 0.05),
    (&["partners"], None, 0.10),
];

pub fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("profile_id", DataType::Int64, false),
        Field::new("service", DataType::Utf8, false),
        Field::new("expires_at", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), true),
    ]))
}

fn batch(config: &GenConfig, b: u64) -> RecordBatch {
    let mut ids = Vec::new();
    let mut services = Vec::new();
    let mut expiries = Vec::new();
    for i in (b * BATCH_ROWS)..((b + 1) * BATCH_ROWS).min(config.profiles) {
        let mut rng = Rng::new(config.seed, TABLE, i);
        for (spellings, delivery, share) in SERVICES {
            let targeted = delivery.is_some_and(|d| is_targeted(config.seed, d, i));
            if !rng.chance(if targeted { 0.92 } else { share }) {
                continue;
            }
            let copies = if rng.chance(0.01) { 2 } else { 1 };
            // 5% expired before 2026-11-01, 10% expiring within a year after it.
            let expires = match rng.below(100) {
                0..5 => Some(PIVOT_MICROS - (1 + rng.below(300) as i64) * DAY),
                5..15 => Some(PIVOT_MICROS + (1 + rng.below(365) as i64) * DAY),
                _ => None,
            };
            let id = if rng.chance(0.002) {
                config.unknown_id(rng.below(config.profiles.max(1)))
            } else {
                config.profile_id(i)
            };
            for _ in 0..copies {
                ids.push(id);
                services.push(*rng.pick(spellings));
                expiries.push(expires);
            }
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(ids)),
        Arc::new(StringArray::from(services)),
        Arc::new(TimestampMicrosecondArray::from(expiries).with_timezone("UTC")),
    ];
    RecordBatch::try_new(schema(), columns).expect("columns match the schema")
}

pub fn write(path: &Path, config: &GenConfig) -> Result<u64, GenError> {
    write_batches(path, schema(), config.profiles.div_ceil(BATCH_ROWS), |b| batch(config, b))
}
