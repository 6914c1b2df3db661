//! `log.parquet`: the delivery log that `suppress quarantine` reads. About one row per
//! message sent to a profile's email, mobile or push address in the night before the pivot
//! (2026-11-01T00:00:00Z), then what comes back: soft bounces repeated over hours and late
//! ones from days before, hard bounces, complaints, STOP and START replies. Outcomes are in
//! every alias and in odd case and spacing; addresses are spelled as the profiles spell them
//! (case, spaces, every phone format, the `(0)` trunk prefix); a few are missing or invalid,
//! and a few rows are dated after the pivot (not happened yet at `--as-of` pivot).

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};

use crate::profiles::{base_email, base_number, base_token, dirty, format_number, owner};
use crate::quarantine::PIVOT_MICROS;
use crate::rng::Rng;
use crate::write::{write_batches, BATCH_ROWS};
use crate::{GenConfig, GenError};

const TABLE: u64 = 4;
const HOUR: i64 = 3_600_000_000;
const DAY: i64 = 24 * HOUR;

/// (canonical outcome, its spellings in exports) and how often a message ends so, per channel
/// kind: email, sms, push (per mille).
const OUTCOMES: [(&[&str], [u64; 3]); 7] = [
    (&["delivered", "sent", "success", "Delivered"], [860, 900, 950]),
    (&["ignored", "ignore"], [30, 10, 0]),
    (&["soft", "soft_bounce", "Soft_Bounce", "soft_error"], [60, 30, 20]),
    (&["hard", "hard_bounce", "HARD_ERROR"], [30, 20, 30]),
    (&["complaint", "spam", "spam_complaint", "abuse"], [20, 0, 0]),
    (&["stop", "STOP", "unsubscribe_keyword"], [0, 30, 0]),
    (&["start", "unstop"], [0, 10, 0]),
];
const REASONS: [&str; 5] = ["mailbox_full", "user_unknown", "domain_unreachable", "out_of_office", "spam_report"];
const CHANNELS: [&str; 3] = ["email", "sms", "push"];

pub fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("address", DataType::Utf8, true),
        Field::new("channel", DataType::Utf8, false),
        Field::new("at", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), false),
        Field::new("outcome", DataType::Utf8, false),
        Field::new("reason", DataType::Utf8, true),
    ]))
}

#[derive(Default)]
struct Rows {
    address: Vec<Option<String>>,
    channel: Vec<String>,
    at: Vec<i64>,
    outcome: Vec<String>,
    reason: Vec<Option<String>>,
}

/// The address person `j` is written to on channel `kind` (0 email, 1 sms, 2 push).
fn address(seed: u64, j: u64, kind: usize, rng: &mut Rng) -> Option<String> {
    if rng.chance(0.003) {
        return None;
    }
    if rng.chance(0.005) {
        return Some(rng.pick(&["n/a", "12345", "x@", "a b"]).to_string());
    }
    Some(match kind {
        0 => dirty(rng, &base_email(seed, j)),
        1 => {
            let national = base_number(seed, j, 0);
            if rng.chance(0.05) {
                format!("+33 (0){national:09}")
            } else {
                format_number(rng, national)
            }
        }
        _ => base_token(seed, j),
    })
}

fn batch(config: &GenConfig, b: u64) -> RecordBatch {
    let seed = config.seed;
    let mut rows = Rows::default();
    for i in (b * BATCH_ROWS)..((b + 1) * BATCH_ROWS).min(config.profiles) {
        let mut rng = Rng::new(seed, TABLE, i);
        let j = owner(seed, i);
        for (kind, reached) in [0.7, 0.4, 0.3].into_iter().enumerate() {
            if !rng.chance(reached) {
                continue;
            }
            let written = address(seed, j, kind, &mut rng);
            // The message, sent during the night before the pivot.
            let sent = PIVOT_MICROS - 1 - rng.below((30 * HOUR) as u64) as i64;
            let mut draw = rng.below(1000);
            let (spellings, _) = OUTCOMES
                .iter()
                .find(|(_, per_mille)| {
                    let hit = draw < per_mille[kind];
                    draw = draw.saturating_sub(per_mille[kind]);
                    hit
                })
                .copied()
                .unwrap_or(OUTCOMES[0]);
            let spelling = if rng.chance(0.8) { spellings[0] } else { *rng.pick(&spellings[1..]) };
            let outcome = if rng.chance(0.03) { format!(" {spelling}\t") } else { spelling.to_string() };
            let bounce = matches!(spellings[0], "soft" | "hard");
            // Late asynchronous bounces report messages of the days before.
            let at = if bounce && rng.chance(0.2) { sent - rng.below((12 * DAY) as u64) as i64 } else { sent };
            let at = if rng.chance(0.01) { PIVOT_MICROS + rng.below((6 * HOUR) as u64) as i64 } else { at };
            let reason = (bounce || rng.chance(0.05)).then(|| rng.pick(&REASONS).to_string());
            let channel = if rng.chance(0.05) { CHANNELS[kind].to_uppercase() } else { CHANNELS[kind].to_string() };
            let repeats = if spellings[0] == "soft" { rng.below(3) } else { 0 };
            for r in 0..=repeats {
                rows.address.push(written.clone());
                rows.channel.push(channel.clone());
                // A repeated soft bounce: hours later, or days earlier.
                rows.at.push(at - r as i64 * (rng.below((40 * HOUR) as u64) as i64 - 8 * HOUR));
                rows.outcome.push(outcome.clone());
                rows.reason.push(reason.clone());
            }
            // Some STOPs are taken back.
            if spellings[0] == "stop" && rng.chance(0.2) {
                rows.address.push(written);
                rows.channel.push(channel);
                rows.at.push(at + rng.below((2 * HOUR) as u64) as i64 - HOUR);
                rows.outcome.push("START".into());
                rows.reason.push(None);
            }
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(rows.address)),
        Arc::new(StringArray::from(rows.channel)),
        Arc::new(TimestampMicrosecondArray::from(rows.at).with_timezone("UTC")),
        Arc::new(StringArray::from(rows.outcome)),
        Arc::new(StringArray::from(rows.reason)),
    ];
    RecordBatch::try_new(schema(), columns).expect("columns match the schema")
}

pub fn write(path: &Path, config: &GenConfig) -> Result<u64, GenError> {
    write_batches(path, schema(), config.profiles.div_ceil(BATCH_ROWS), |b| batch(config, b))
}
