//! `consent.parquet`: the opt-in and opt-out events of about 5% of profiles around the export
//! (2026-10-30T00:00Z to 2026-11-01T06:00Z; the examples use `--exported-at
//! 2026-10-31T00:00:00Z --as-of 2026-11-01T00:00:00Z`, so some events are already in the
//! export and some have not happened yet), for all channels, one channel or a service, in
//! every action spelling with odd case and whitespace, ties on `at` between an opt-in and an
//! opt-out, and a few unknown profile ids.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};

use crate::quarantine::PIVOT_MICROS;
use crate::rng::Rng;
use crate::write::{write_batches, BATCH_ROWS};
use crate::{GenConfig, GenError};

const TABLE: u64 = 7;
const HOUR: i64 = 3_600_000_000;

const OPT_OUT: [&str; 7] = ["opt_out", "optout", "Opt-Out", "unsubscribe", "unsubscribed", "STOP", " stop\t"];
const OPT_IN: [&str; 6] = ["opt_in", "optin", "Opt-In", "subscribe", " subscribed", "START"];
/// Channel cells of events for all channels, and of events for one channel.
const ALL: [Option<&str>; 4] = [None, Some(""), Some("ALL"), Some(" all ")];
const CHANNELS: [&str; 5] = ["email", "EMAIL", "sms", "SMS ", "push"];
const SERVICES: [&str; 5] = [" NewsLetter", "newsletter", "sms-promos", "Catalogue", "partners"];

pub fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("profile_id", DataType::Int64, false),
        Field::new("at", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), false),
        Field::new("action", DataType::Utf8, false),
        Field::new("channel", DataType::Utf8, true),
        Field::new("service", DataType::Utf8, true),
    ]))
}

fn batch(config: &GenConfig, b: u64) -> RecordBatch {
    let mut ids = Vec::new();
    let mut ats = Vec::new();
    let mut actions = Vec::new();
    let mut channels = Vec::new();
    let mut services = Vec::new();
    for i in (b * BATCH_ROWS)..((b + 1) * BATCH_ROWS).min(config.profiles) {
        let mut rng = Rng::new(config.seed, TABLE, i);
        if !rng.chance(0.05) {
            continue;
        }
        let id = if rng.chance(0.01) { config.id_past_end(i) } else { config.profile_id(i) };
        let events = 1 + rng.below(3);
        let (mut channel, mut service) = (None, None);
        let mut at = 0;
        for e in 0..events {
            let out = rng.chance(0.6);
            // The next event of a profile: the same scope half of the time, sometimes at the
            // same instant with the other action (a tie that opt_out must win).
            let tie = e > 0 && rng.chance(0.2);
            if e == 0 || !rng.chance(0.5) {
                (channel, service) = match rng.below(100) {
                    0..40 => (*rng.pick(&ALL), None),
                    40..75 => (Some(*rng.pick(&CHANNELS)), None),
                    _ => (if rng.chance(0.5) { Some("email") } else { None }, Some(*rng.pick(&SERVICES))),
                };
            }
            if !tie {
                at = PIVOT_MICROS - 48 * HOUR + rng.below(54 * HOUR as u64) as i64;
            }
            ids.push(id);
            ats.push(at);
            actions.push(if out { *rng.pick(&OPT_OUT) } else { *rng.pick(&OPT_IN) });
            channels.push(channel);
            services.push(service);
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(ids)),
        Arc::new(TimestampMicrosecondArray::from(ats).with_timezone("UTC")),
        Arc::new(StringArray::from(actions)),
        Arc::new(StringArray::from(channels)),
        Arc::new(StringArray::from(services)),
    ];
    RecordBatch::try_new(schema(), columns).expect("columns match the schema")
}

pub fn write(path: &Path, config: &GenConfig) -> Result<u64, GenError> {
    write_batches(path, schema(), config.profiles.div_ceil(BATCH_ROWS), |b| batch(config, b))
}
