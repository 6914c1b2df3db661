//! `quarantine.parquet`: about 7% of profiles have an entry, in every status spelling, with
//! expired, future and missing expiries, allowlistings on top of quarantines, and a few
//! unusable addresses; and the state columns `suppress quarantine` maintains (`error_count`,
//! `last_error_at`, `updated_at`), some null, some last errors older than the ten days after
//! which the nightly cleanup releases an erroneous address.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Int32Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};

use crate::profiles::{base_email, base_number, base_token, dirty, format_number, owner};
use crate::rng::Rng;
use crate::write::{write_batches, BATCH_ROWS};
use crate::{GenConfig, GenError};

const TABLE: u64 = 2;

/// 2026-11-01T00:00:00Z in microseconds: expiries are spread a year either side of it.
pub const PIVOT_MICROS: i64 = 1_793_491_200_000_000;
const YEAR_MICROS: i64 = 365 * 86_400 * 1_000_000;
const DAY_MICROS: i64 = 86_400 * 1_000_000;

const STATUSES: [&str; 12] = [
    "quarantined",
    "Quarantine",
    "QUARANTINED",
    "denylisted",
    "blacklisted",
    "Blocklisted",
    "denylist",
    "allowlisted",
    "whitelisted",
    "valid",
    "with_errors",
    "Erroneous",
];
const REASONS: [&str; 4] = ["Hard bounce", "User unknown", "Mailbox full", "STOP received"];

pub fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("address", DataType::Utf8, true),
        Field::new("channel", DataType::Utf8, true),
        Field::new("status", DataType::Utf8, true),
        Field::new("expires_at", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), true),
        Field::new("reason", DataType::Utf8, true),
        Field::new("error_count", DataType::Int32, true),
        Field::new("last_error_at", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), true),
        Field::new("updated_at", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), true),
    ]))
}

struct Rows {
    address: Vec<Option<String>>,
    channel: Vec<Option<String>>,
    status: Vec<Option<String>>,
    expires: Vec<Option<i64>>,
    reason: Vec<Option<String>>,
    errors: Vec<Option<i32>>,
    last_error: Vec<Option<i64>>,
    updated: Vec<Option<i64>>,
}

fn batch(config: &GenConfig, b: u64) -> RecordBatch {
    let seed = config.seed;
    let mut rows = Rows {
        address: Vec::new(),
        channel: Vec::new(),
        status: Vec::new(),
        expires: Vec::new(),
        reason: Vec::new(),
        errors: Vec::new(),
        last_error: Vec::new(),
        updated: Vec::new(),
    };
    for i in (b * BATCH_ROWS)..((b + 1) * BATCH_ROWS).min(config.profiles) {
        let mut rng = Rng::new(seed, TABLE, i);
        if !rng.chance(0.07) {
            continue;
        }
        let j = owner(seed, i);
        let (channel, clean) = match rng.below(20) {
            0..=9 => ("email", base_email(seed, j)),
            10..=14 => ("sms", format_number(&mut rng, base_number(seed, j, 0))),
            15..=16 => ("phone", format_number(&mut rng, base_number(seed, j, 1))),
            17 => ("fax", format_number(&mut rng, base_number(seed, j, 2))),
            _ => ("push", base_token(seed, j)),
        };
        let address = match rng.below(50) {
            0 => None,
            1 => Some("  ".to_string()),
            2 => Some("not an address".to_string()),
            _ if channel == "email" => Some(dirty(&mut rng, &clean)),
            _ => Some(clean),
        };
        let entries = if rng.chance(0.05) { 2 } else { 1 };
        for k in 0..entries {
            let spelled = match rng.below(4) {
                0 => channel.to_uppercase(),
                1 => format!(" {channel}"),
                _ => channel.to_string(),
            };
            let expires = match rng.below(20) {
                0..=8 => None,
                9..=13 => Some(PIVOT_MICROS - 1 - rng.below(YEAR_MICROS as u64) as i64),
                _ => Some(PIVOT_MICROS + 1 + rng.below(YEAR_MICROS as u64) as i64),
            };
            rows.address.push(address.clone());
            rows.channel.push(Some(spelled));
            rows.status.push(Some(rng.pick(&STATUSES).to_string()));
            rows.expires.push(expires);
            rows.reason.push(Some(rng.pick(&REASONS).to_string()));
            let errors = rng.below(10) as i32;
            rows.errors.push(Some(errors));
            // A stream of its own, so the columns above stay as they were before these existed.
            let mut state = Rng::new(seed, TABLE + 1000, i * 2 + k);
            let last_error = (errors > 0 && !state.chance(0.15))
                .then(|| PIVOT_MICROS - 1 - state.below(20 * DAY_MICROS as u64) as i64);
            let updated = (!state.chance(0.1)).then(|| {
                last_error.unwrap_or(PIVOT_MICROS - 30 * DAY_MICROS) + state.below(2 * DAY_MICROS as u64) as i64
            });
            rows.last_error.push(last_error);
            rows.updated.push(updated.map(|t| t.min(PIVOT_MICROS - 1)));
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(rows.address)),
        Arc::new(StringArray::from(rows.channel)),
        Arc::new(StringArray::from(rows.status)),
        Arc::new(TimestampMicrosecondArray::from(rows.expires).with_timezone("UTC")),
        Arc::new(StringArray::from(rows.reason)),
        Arc::new(Int32Array::from(rows.errors)),
        Arc::new(TimestampMicrosecondArray::from(rows.last_error).with_timezone("UTC")),
        Arc::new(TimestampMicrosecondArray::from(rows.updated).with_timezone("UTC")),
    ];
    RecordBatch::try_new(schema(), columns).expect("columns match the schema")
}

pub fn write(path: &Path, config: &GenConfig) -> Result<u64, GenError> {
    write_batches(path, schema(), config.profiles.div_ceil(BATCH_ROWS), |b| batch(config, b))
}
