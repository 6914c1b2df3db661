//! The output set of `suppress quarantine`: `quarantine.parquet` (the next table, which
//! `suppress analyze --quarantine` reads as it is), `changes.parquet` (every address whose
//! status changed) and `summary.json`, the commit marker.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int32Array, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::file::properties::WriterProperties;
use suppress_model::Channel;
use suppress_write::{write_row_groups, Column, OutputSet, PendingSync, StagedFile, WriteError};

use crate::entry::{Micros, Status};
use crate::replay::Night;

pub const QUARANTINE: &str = "quarantine.parquet";
pub const CHANGES: &str = "changes.parquet";
pub const SUMMARY: &str = "summary.json";

/// The files of one run, `summary.json` last: it marks the set complete.
pub const OUTPUT_SET: OutputSet = &[QUARANTINE, CHANGES, SUMMARY];

/// Rows per row group.
const ROW_GROUP_ROWS: usize = 1 << 18;

const STATUSES: [Status; 4] = [Status::Erroneous, Status::Quarantined, Status::Denylisted, Status::Allowlisted];

fn status_code(status: Status) -> u32 {
    STATUSES.iter().position(|s| *s == status).expect("listed") as u32
}

fn timestamp_field(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), nullable)
}

fn timestamps(values: impl Iterator<Item = Option<Micros>>) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from(values.collect::<Vec<_>>()).with_timezone("UTC"))
}

fn quarantine_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("address", DataType::Utf8, false),
        Field::new("channel", DataType::Utf8, false),
        Field::new("status", DataType::Utf8, false),
        Field::new("error_count", DataType::Int32, false),
        timestamp_field("last_error_at", true),
        timestamp_field("expires_at", true),
        timestamp_field("updated_at", true),
        Field::new("reason", DataType::Utf8, true),
    ]))
}

fn changes_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("address", DataType::Utf8, false),
        Field::new("channel", DataType::Utf8, false),
        Field::new("old_status", DataType::Utf8, true),
        Field::new("new_status", DataType::Utf8, true),
        timestamp_field("at", false),
        Field::new("outcome", DataType::Utf8, false),
    ]))
}

/// Writes one row per address whose status is not none; returns the rows written and the
/// file's fsync, under way.
pub fn write_quarantine((path, file): StagedFile, nights: &[Night<'_>]) -> Result<(u64, PendingSync), WriteError> {
    let kept: Vec<&Night> = nights.iter().filter(|n| n.replayed.entry.status.is_some()).collect();
    let channel_names: Vec<&str> = Channel::ALL.iter().map(|c| c.name()).collect();
    let status_names: Vec<&str> = STATUSES.iter().map(|s| s.name()).collect();
    let groups: Vec<&[&Night]> = kept.chunks(ROW_GROUP_ROWS).collect();
    let synced = write_row_groups(&path, file, quarantine_schema(), WriterProperties::default(), &groups, |rows| {
        let entries = || rows.iter().map(|n| &n.replayed.entry);
        vec![
            Column::Strings(rows.iter().map(|n| Some(n.address.1)).collect()),
            Column::Codes(&channel_names, rows.iter().map(|n| n.address.0.index() as u32).collect()),
            Column::Codes(&status_names, entries().map(|e| status_code(e.status.expect("kept"))).collect()),
            Column::Arrow(Arc::new(Int32Array::from(entries().map(|e| e.error_count).collect::<Vec<_>>()))),
            Column::Arrow(timestamps(entries().map(|e| e.last_error_at))),
            Column::Arrow(timestamps(entries().map(|e| e.expires_at))),
            Column::Arrow(timestamps(entries().map(|e| e.updated_at))),
            Column::Strings(entries().map(|e| e.reason.as_deref()).collect()),
        ]
    })?;
    Ok((kept.len() as u64, synced))
}

/// Writes one row per address whose status changed.
pub fn write_changes((path, file): StagedFile, nights: &[Night<'_>]) -> Result<(u64, PendingSync), WriteError> {
    let changed: Vec<&Night> = nights.iter().filter(|n| n.replayed.change.is_some()).collect();
    let channel_names: Vec<&str> = Channel::ALL.iter().map(|c| c.name()).collect();
    let groups: Vec<&[&Night]> = changed.chunks(ROW_GROUP_ROWS).collect();
    let synced = write_row_groups(&path, file, changes_schema(), WriterProperties::default(), &groups, |rows| {
        let change = |n: &Night| n.replayed.change.expect("changed");
        vec![
            Column::Strings(rows.iter().map(|n| Some(n.address.1)).collect()),
            Column::Codes(&channel_names, rows.iter().map(|n| n.address.0.index() as u32).collect()),
            Column::Strings(rows.iter().map(|n| n.replayed.old_status.map(Status::name)).collect()),
            Column::Strings(rows.iter().map(|n| n.replayed.entry.status.map(Status::name)).collect()),
            Column::Arrow(timestamps(rows.iter().map(|n| Some(change(n).at())))),
            Column::Strings(rows.iter().map(|n| Some(change(n).outcome_name())).collect()),
        ]
    })?;
    Ok((changed.len() as u64, synced))
}
