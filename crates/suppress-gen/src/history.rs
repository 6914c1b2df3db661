//! `history.parquet`: the messages sent in the 30 days before 2026-11-01 (and a few scheduled
//! after it), about 5.5 per profile over all channels, with odd channel spellings and a few
//! unknown profile ids: what the pressure rules count.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};

use crate::quarantine::PIVOT_MICROS;
use crate::rng::Rng;
use crate::write::{write_batches, BATCH_ROWS};
use crate::{GenConfig, GenError};

const TABLE: u64 = 8;
const DAY: i64 = 86_400_000_000;

/// Channel spellings, weighted toward email.
const CHANNELS: [&str; 10] =
    ["email", "email", "email", "Email ", "sms", " SMS", "push", "push\t", "phone", "direct_mail"];

pub fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("profile_id", DataType::Int64, false),
        Field::new("channel", DataType::Utf8, false),
        Field::new("sent_at", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), false),
    ]))
}

fn batch(config: &GenConfig, b: u64) -> RecordBatch {
    let mut ids = Vec::new();
    let mut channels = Vec::new();
    let mut sent = Vec::new();
    for i in (b * BATCH_ROWS)..((b + 1) * BATCH_ROWS).min(config.profiles) {
        let mut rng = Rng::new(config.seed, TABLE, i);
        // 0 to 11 messages, 5.5 on average (55M rows for 10M profiles).
        let messages = rng.below(12);
        for _ in 0..messages {
            let id = if rng.chance(0.005) { config.id_past_end(i) } else { config.profile_id(i) };
            ids.push(id);
            channels.push(*rng.pick(&CHANNELS));
            // Mostly the last 30 days; 2% scheduled within the 2 days after.
            let at = if rng.chance(0.02) {
                PIVOT_MICROS + rng.below(2 * DAY as u64) as i64
            } else {
                PIVOT_MICROS - 1 - rng.below(30 * DAY as u64) as i64
            };
            sent.push(at);
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(ids)),
        Arc::new(StringArray::from(channels)),
        Arc::new(TimestampMicrosecondArray::from(sent).with_timezone("UTC")),
    ];
    RecordBatch::try_new(schema(), columns).expect("columns match the schema")
}

pub fn write(path: &Path, config: &GenConfig) -> Result<u64, GenError> {
    write_batches(path, schema(), config.profiles.div_ceil(BATCH_ROWS), |b| batch(config, b))
}
