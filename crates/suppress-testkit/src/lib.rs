//! Helpers for the tests of the other crates (never a dependency of the binary).
//!
//! - [`write_table`]: a Parquet file from named Arrow arrays, with a chosen row-group size and
//!   optional dictionary encoding, as the various exporters write them.
//! - [`read_outputs`]: `recipients.parquet` and `exclusions.parquet` back as sorted [`OutRow`]s.
//! - Column shorthands: [`utf8`], [`i64s`], [`bools`].

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{Field, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

/// Writes `columns` to `path` as one Parquet file with row groups of `row_group_rows`.
pub fn write_table(path: &Path, columns: Vec<(&str, ArrayRef)>, row_group_rows: usize) {
    let fields: Vec<Field> = columns.iter().map(|(name, a)| Field::new(*name, a.data_type().clone(), true)).collect();
    let schema = Arc::new(Schema::new(fields));
    let arrays = columns.into_iter().map(|(_, a)| a).collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays).expect("columns of equal length");
    let props = WriterProperties::builder().set_max_row_group_row_count(Some(row_group_rows.max(1))).build();
    let mut writer = ArrowWriter::try_new(File::create(path).expect("create"), schema, Some(props)).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
}

pub fn utf8(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

pub fn i64s(values: &[i64]) -> ArrayRef {
    Arc::new(Int64Array::from(values.to_vec()))
}

pub fn bools(values: &[Option<bool>]) -> ArrayRef {
    Arc::new(BooleanArray::from(values.to_vec()))
}

/// One output row: (delivery_id, channel, profile_id, reason or "kept", address).
pub type OutRow = (String, String, i64, String, Option<String>);

/// Reads every batch of a Parquet file.
pub fn read_batches(path: &Path) -> Vec<RecordBatch> {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("parquet")
        .build()
        .expect("reader")
        .map(|b| b.expect("batch"))
        .collect()
}

fn string_at(batch: &RecordBatch, name: &str, i: usize) -> Option<String> {
    let col = batch.column_by_name(name).unwrap_or_else(|| panic!("no column {name}"));
    let col = col.as_string::<i32>();
    col.is_valid(i).then(|| col.value(i).to_string())
}

/// The Parquet files of an output: the file itself, or the part files of a directory (as a
/// cluster writes them), in name order.
fn output_files(path: &Path) -> Vec<std::path::PathBuf> {
    if !path.is_dir() {
        return vec![path.to_path_buf()];
    }
    let mut files: Vec<_> = std::fs::read_dir(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .collect();
    files.sort();
    files
}

/// Both outputs of a run in `dir`, as one sorted list (kept rows have reason "kept"). An
/// output may be one file or a directory of part files.
pub fn read_outputs(dir: &Path) -> Vec<OutRow> {
    let mut rows = Vec::new();
    for (file, has_reason) in [("recipients.parquet", false), ("exclusions.parquet", true)] {
        for batch in output_files(&dir.join(file)).iter().flat_map(|f| read_batches(f)) {
            let ids =
                batch.column_by_name("profile_id").expect("profile_id").as_primitive::<arrow::datatypes::Int64Type>();
            for i in 0..batch.num_rows() {
                rows.push((
                    string_at(&batch, "delivery_id", i).expect("delivery_id"),
                    string_at(&batch, "channel", i).expect("channel"),
                    ids.value(i),
                    if has_reason { string_at(&batch, "reason", i).expect("reason") } else { "kept".into() },
                    string_at(&batch, "address", i),
                ));
            }
        }
    }
    rows.sort();
    rows
}
