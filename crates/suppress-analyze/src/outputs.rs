//! The output set of `analyze`: `recipients.parquet` (kept rows), `exclusions.parquet` (every
//! other row, with its reason) and `summary.json`, the commit marker.
//!
//! This module says what the columns hold; `suppress_write` encodes and commits them. One row
//! group per window of target rows. delivery_id, channel and reason are codes into a few known
//! strings ([`Column::Codes`]), addresses are borrowed from the address book
//! ([`Column::Strings`]), profile_id goes through the Arrow writer.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use arrow::array::Int64Builder;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use parquet::basic::{Compression, Encoding};
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;
use suppress_model::{Channel, Reason};
use suppress_write::{write_row_groups, Column, OutputSet, PendingSync, StagedFile, WriteError};

use crate::rules::KEPT;
use crate::Indexes;

pub const RECIPIENTS: &str = "recipients.parquet";
pub const EXCLUSIONS: &str = "exclusions.parquet";
pub const SUMMARY: &str = "summary.json";

/// The files of one run, `summary.json` last: it marks the set complete.
pub const OUTPUT_SET: OutputSet = &[RECIPIENTS, EXCLUSIONS, SUMMARY];

/// Target rows per window, hence at most this many rows per row group.
const WINDOW_ROWS: usize = 1 << 18;

/// Writes `recipients.parquet` into `file`; returns the number of rows written and the file's
/// fsync, under way.
pub fn write_recipients(file: StagedFile, ix: &Indexes, codes: &[u8]) -> Result<(u64, PendingSync), WriteError> {
    write_rows(file, Output::Recipients, ix, codes)
}

/// Writes `exclusions.parquet` into `file`.
pub fn write_exclusions(file: StagedFile, ix: &Indexes, codes: &[u8]) -> Result<(u64, PendingSync), WriteError> {
    write_rows(file, Output::Exclusions, ix, codes)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    Recipients,
    Exclusions,
}

impl Output {
    fn schema(self) -> SchemaRef {
        let mut fields = vec![
            Field::new("delivery_id", DataType::Utf8, false),
            Field::new("channel", DataType::Utf8, false),
            Field::new("profile_id", DataType::Int64, false),
        ];
        match self {
            Output::Recipients => fields.push(Field::new("address", DataType::Utf8, false)),
            Output::Exclusions => {
                fields.push(Field::new("reason", DataType::Utf8, false));
                fields.push(Field::new("address", DataType::Utf8, true));
            }
        }
        Arc::new(Schema::new(fields))
    }

    #[inline]
    fn wants(self, code: u8) -> bool {
        (code == KEPT) == (self == Output::Recipients)
    }

    /// The columns of the wanted rows among target rows `rows`, in schema order.
    fn columns<'d>(
        self,
        ix: &Indexes<'d>,
        dictionaries: &'d Dictionaries,
        codes: &[u8],
        rows: Range<usize>,
        count: usize,
    ) -> Vec<Column<'d>> {
        let mut delivery_id = Vec::with_capacity(count);
        let mut channel = Vec::with_capacity(count);
        let mut profile_id = Int64Builder::with_capacity(count);
        let mut reason = Vec::with_capacity(if self == Output::Exclusions { count } else { 0 });
        let mut address = Vec::with_capacity(count);
        for row in rows {
            let code = codes[row];
            if !self.wants(code) {
                continue;
            }
            let delivery = ix.targets.delivery[row] as usize;
            delivery_id.push(dictionaries.id_of_delivery[delivery]);
            channel.push(ix.targets.deliveries[delivery].channel.index() as u32);
            profile_id.append_value(ix.targets.profile_id[row]);
            if self == Output::Recipients {
                address.push(ix.address_of(row));
            } else {
                let why = Reason::from_number(code).expect("valid reason code");
                reason.push(u32::from(code - 1));
                address.push(if why.has_address() { ix.address_of(row) } else { None });
            }
        }
        let mut columns = vec![
            Column::Codes(&dictionaries.delivery_ids, delivery_id),
            Column::Codes(&dictionaries.channels, channel),
            Column::Arrow(Arc::new(profile_id.finish())),
        ];
        if self == Output::Exclusions {
            columns.push(Column::Codes(&dictionaries.reasons, reason));
        }
        columns.push(Column::Strings(address));
        columns
    }
}

/// The distinct values of the repeated-string columns, and each delivery's code.
struct Dictionaries<'a> {
    delivery_ids: Vec<&'a str>,
    /// Per delivery (index in `TargetList::deliveries`): its id's index in `delivery_ids`; two
    /// deliveries may share an id (the same delivery_id on two channels).
    id_of_delivery: Vec<u32>,
    /// By `Channel::index`.
    channels: Vec<&'static str>,
    /// By `Reason::number` - 1.
    reasons: Vec<&'static str>,
}

impl<'a> Dictionaries<'a> {
    fn new(ix: &Indexes<'a>) -> Dictionaries<'a> {
        let mut delivery_ids: Vec<&str> = Vec::new();
        let mut index_of_id: HashMap<&str, u32> = HashMap::new();
        let id_of_delivery = ix
            .targets
            .deliveries
            .iter()
            .map(|delivery| {
                *index_of_id.entry(delivery.id.as_str()).or_insert_with(|| {
                    delivery_ids.push(delivery.id.as_str());
                    (delivery_ids.len() - 1) as u32
                })
            })
            .collect();
        Dictionaries {
            delivery_ids,
            id_of_delivery,
            channels: Channel::ALL.iter().map(|c| c.name()).collect(),
            reasons: Reason::ALL.iter().map(|r| r.name()).collect(),
        }
    }
}

/// The Arrow writer encodes only profile_id (the other columns are hand-written: see
/// [`Column`]). profile_ids come mostly ascending within a delivery: DELTA_BINARY_PACKED
/// stores them in a few bits each (recipients: 8.8 MB against 61 MB of Snappy-compressed
/// PLAIN at 10M profiles), and Snappy finds nothing left to compress in that; a dictionary
/// would only be built and dropped.
fn properties() -> WriterProperties {
    WriterProperties::builder()
        .set_column_dictionary_enabled(ColumnPath::from("profile_id"), false)
        .set_column_encoding(ColumnPath::from("profile_id"), Encoding::DELTA_BINARY_PACKED)
        .set_column_compression(ColumnPath::from("profile_id"), Compression::UNCOMPRESSED)
        .build()
}

fn write_rows(
    (path, file): StagedFile,
    output: Output,
    ix: &Indexes,
    codes: &[u8],
) -> Result<(u64, PendingSync), WriteError> {
    let dictionaries = Dictionaries::new(ix);
    // Windows without a wanted row would make empty row groups: leave them out.
    let windows: Vec<(Range<usize>, usize)> = (0..codes.len())
        .step_by(WINDOW_ROWS)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|start| {
            let rows = start..(start + WINDOW_ROWS).min(codes.len());
            let count = codes[rows.clone()].iter().filter(|&&c| output.wants(c)).count();
            (rows, count)
        })
        .filter(|(_, count)| *count > 0)
        .collect();
    let synced = write_row_groups(&path, file, output.schema(), properties(), &windows, |(rows, count)| {
        output.columns(ix, &dictionaries, codes, rows.clone(), *count)
    })?;
    let written = windows.iter().map(|(_, count)| *count as u64).sum();
    Ok((written, synced))
}
