//! Streaming batches to one Parquet file, generated in parallel windows.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::Schema;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;

use crate::GenError;

pub const BATCH_ROWS: u64 = 64 * 1024;
const ROW_GROUP_ROWS: usize = 1024 * 1024;

/// Writes `batches` in order, as they come.
pub fn write_stream(
    path: &Path,
    schema: Arc<Schema>,
    batches: impl Iterator<Item = RecordBatch>,
) -> Result<u64, GenError> {
    let err = |message: String| GenError::Write { path: path.into(), message };
    let mut writer = writer(path, schema)?;
    let mut rows = 0u64;
    for batch in batches {
        rows += batch.num_rows() as u64;
        writer.write(&batch).map_err(|e| err(e.to_string()))?;
    }
    writer.close().map_err(|e| err(e.to_string()))?;
    Ok(rows)
}

fn writer(path: &Path, schema: Arc<Schema>) -> Result<ArrowWriter<File>, GenError> {
    let err = |message: String| GenError::Write { path: path.into(), message };
    let file = File::create(path).map_err(|e| err(e.to_string()))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .build();
    ArrowWriter::try_new(file, schema, Some(props)).map_err(|e| err(e.to_string()))
}

/// Writes batches `make(0..batches)` in order, building a window of them in parallel at a time.
pub fn write_batches(
    path: &Path,
    schema: Arc<Schema>,
    batches: u64,
    make: impl Fn(u64) -> RecordBatch + Sync,
) -> Result<u64, GenError> {
    let err = |message: String| GenError::Write { path: path.into(), message };
    let mut writer = writer(path, schema)?;
    let window = (rayon::current_num_threads() * 2) as u64;
    let mut rows = 0u64;
    let mut start = 0u64;
    while start < batches {
        let end = (start + window).min(batches);
        let built: Vec<RecordBatch> = (start..end).into_par_iter().map(&make).collect();
        for batch in built {
            rows += batch.num_rows() as u64;
            writer.write(&batch).map_err(|e| err(e.to_string()))?;
        }
        start = end;
    }
    writer.close().map_err(|e| err(e.to_string()))?;
    Ok(rows)
}
