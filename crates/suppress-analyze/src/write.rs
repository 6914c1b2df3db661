//! `recipients.parquet` and `exclusions.parquet`: one row group per window of target rows, the
//! windows' column chunks encoded in parallel on the rayon pool and appended in order.
//!
//! Encoding (Snappy compression above all) costs far more than gathering the columns, and one
//! `ArrowWriter` would do all of it on one thread. Windows are encoded by as many threads as
//! the pool has, so the row groups (and the file) come out identical whatever the thread
//! count. delivery_id, channel and reason are written as dictionary pages from codes
//! ([`encode_dictionary_column`]), addresses as PLAIN pages borrowed from the address book
//! ([`encode_string_column`]); only profile_id goes through an `ArrowColumnWriter`.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Builder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnChunk, ArrowColumnWriter};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::{ColumnDescPtr, ColumnPath};
use rayon::prelude::*;
use suppress_model::{Channel, Reason};

use crate::classify::{address_of, Indexes, KEPT};
use crate::column_chunk::EncodedChunk;
use crate::dictionary_column::encode_dictionary_column;
use crate::string_column::encode_string_column;
use crate::writeback::WritebackFile;
use crate::AnalyzeError;

/// Target rows per window, hence at most this many rows per row group.
const WINDOW_ROWS: usize = 1 << 18;

/// Writes `recipients.parquet` (kept rows) to `path`; returns the number of rows written and
/// the file's fsync, under way.
pub fn write_recipients(path: &Path, ix: &Indexes, codes: &[u8]) -> Result<(u64, PendingSync), AnalyzeError> {
    write_rows(path, Output::Recipients, ix, codes)
}

/// Writes `exclusions.parquet` (every other row, with its reason) to `path`.
pub fn write_exclusions(path: &Path, ix: &Indexes, codes: &[u8]) -> Result<(u64, PendingSync), AnalyzeError> {
    write_rows(path, Output::Exclusions, ix, codes)
}

/// The fsync of a written output, running on a thread of its own.
///
/// An fsync only waits for the disk (on ext4, 40 to 90 ms for a journal commit even when the
/// data is already written back). Waiting for it on a pool thread would idle that thread
/// while the other output still has rows to encode; here the pool goes on, and the two
/// fsyncs overlap.
pub struct PendingSync {
    path: PathBuf,
    handle: std::thread::JoinHandle<std::io::Result<()>>,
}

impl PendingSync {
    fn start(path: &Path, file: File) -> PendingSync {
        PendingSync { path: path.into(), handle: std::thread::spawn(move || file.sync_all()) }
    }

    /// Waits until the file is on disk.
    pub fn wait(self) -> Result<(), AnalyzeError> {
        let write_error = |message: String| AnalyzeError::Write { path: self.path.clone(), message };
        match self.handle.join() {
            Ok(result) => result.map_err(|e| write_error(e.to_string())),
            Err(_) => Err(write_error("the fsync thread panicked".into())),
        }
    }
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
                address.push(address_of(ix, row));
            } else {
                let why = Reason::from_number(code).expect("valid reason code");
                reason.push(u32::from(code - 1));
                address.push(if why.has_address() { address_of(ix, row) } else { None });
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

/// One column of one window, before encoding.
enum Column<'a> {
    /// Written by the Arrow writer.
    Arrow(ArrayRef),
    /// Repeated strings as codes into a list of distinct values ([`encode_dictionary_column`]).
    Codes(&'a [&'a str], Vec<u32>),
    /// Nearly unique strings, borrowed from the indexes ([`encode_string_column`]).
    Strings(Vec<Option<&'a str>>),
}

/// One column of one window, encoded.
enum Chunk {
    Arrow(ArrowColumnChunk),
    /// Encoded by our own column writers.
    Hand(EncodedChunk),
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

/// The Arrow writer now encodes only profile_id (the other columns are hand-written: see
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

fn write_rows(path: &Path, output: Output, ix: &Indexes, codes: &[u8]) -> Result<(u64, PendingSync), AnalyzeError> {
    let parquet_error = |e: ParquetError| AnalyzeError::Write { path: path.into(), message: e.to_string() };
    let io_error = |e: std::io::Error| AnalyzeError::Write { path: path.into(), message: e.to_string() };
    let schema = output.schema();
    let dictionaries = Dictionaries::new(ix);
    let file = File::create(path).map_err(io_error)?;
    let writer = ArrowWriter::try_new(BufWriter::new(WritebackFile::new(file)), schema.clone(), Some(properties()))
        .map_err(parquet_error)?;
    let (mut file_writer, factory) = writer.into_serialized_writer().map_err(parquet_error)?;
    let descriptors: Vec<ColumnDescPtr> =
        (0..schema.fields().len()).map(|i| file_writer.schema_descr().column(i)).collect();

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

    // Encode as many windows at once as there are threads while the previous group is
    // appended in order: appending copies megabytes on one thread, and the other threads
    // would otherwise wait for it. Memory holds at most two groups of encoded row groups.
    let at_once = rayon::current_num_threads().max(1);
    let encode = |group_index: usize, group: &[(Range<usize>, usize)]| {
        group
            .par_iter()
            .enumerate()
            .map(|(k, (rows, count))| {
                let writers = factory.create_column_writers(group_index * at_once + k)?;
                let columns = output.columns(ix, &dictionaries, codes, rows.clone(), *count);
                schema
                    .fields()
                    .par_iter()
                    .zip(columns.into_par_iter())
                    .zip(writers.into_par_iter())
                    .zip(descriptors.par_iter())
                    .map(|(((field, column), writer), descriptor)| match column {
                        Column::Arrow(array) => encode_column(field, &array, writer).map(Chunk::Arrow),
                        Column::Codes(values, codes) => {
                            encode_dictionary_column(descriptor.clone(), values, &codes).map(Chunk::Hand)
                        }
                        Column::Strings(values) => encode_string_column(descriptor.clone(), &values).map(Chunk::Hand),
                    })
                    .collect::<Result<Vec<Chunk>, ParquetError>>()
            })
            .collect::<Result<Vec<_>, ParquetError>>()
    };
    let mut append = |encoded: Vec<Vec<Chunk>>| -> Result<(), ParquetError> {
        for chunks in encoded {
            let mut row_group = file_writer.next_row_group()?;
            for chunk in chunks {
                match chunk {
                    Chunk::Arrow(chunk) => chunk.append_to_row_group(&mut row_group)?,
                    Chunk::Hand(chunk) => row_group.append_column(&chunk.data, chunk.close)?,
                }
            }
            row_group.close()?;
        }
        Ok(())
    };
    let mut previous = None;
    for (group_index, group) in windows.chunks(at_once).enumerate() {
        let (appended, encoded) =
            rayon::join(|| previous.take().map_or(Ok(()), &mut append), || encode(group_index, group));
        appended.map_err(parquet_error)?;
        previous = Some(encoded.map_err(parquet_error)?);
    }
    if let Some(last) = previous {
        append(last).map_err(parquet_error)?;
    }
    let written = windows.iter().map(|(_, count)| *count as u64).sum();
    let file = file_writer
        .into_inner()
        .map_err(parquet_error)?
        .into_inner()
        .map_err(|e| io_error(e.into_error()))?
        .into_inner();
    Ok((written, PendingSync::start(path, file)))
}

fn encode_column(
    field: &Field,
    array: &ArrayRef,
    mut writer: ArrowColumnWriter,
) -> Result<ArrowColumnChunk, ParquetError> {
    for leaf in compute_leaves(field, array)? {
        writer.write(&leaf)?;
    }
    writer.close()
}
