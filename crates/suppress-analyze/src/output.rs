//! The three output files, written to temporary names and renamed together at the end.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Builder, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use suppress_model::Reason;

use crate::classify::{address_of, Indexes, KEPT};
use crate::AnalyzeError;

pub const RECIPIENTS: &str = "recipients.parquet";
pub const EXCLUSIONS: &str = "exclusions.parquet";
pub const SUMMARY: &str = "summary.json";

/// Target rows per output batch.
const BATCH_ROWS: usize = 64 * 1024;

/// Temporary files in the output directory, removed on drop unless committed.
pub struct Staged {
    dir: PathBuf,
    temps: Vec<(PathBuf, &'static str)>,
}

impl Staged {
    pub fn new(dir: &Path) -> Result<Staged, AnalyzeError> {
        std::fs::create_dir_all(dir).map_err(|e| AnalyzeError::Write { path: dir.into(), message: e.to_string() })?;
        Ok(Staged { dir: dir.into(), temps: Vec::new() })
    }

    /// A temporary path in the output directory for final name `name`.
    pub fn temp_path(&mut self, name: &'static str) -> PathBuf {
        let path = self.dir.join(format!(".{name}.{}.tmp", std::process::id()));
        self.temps.push((path.clone(), name));
        path
    }

    /// Renames every temporary file to its final name.
    pub fn commit(mut self) -> Result<(), AnalyzeError> {
        for (temp, name) in std::mem::take(&mut self.temps) {
            let target = self.dir.join(name);
            std::fs::rename(&temp, &target)
                .map_err(|e| AnalyzeError::Write { path: target, message: e.to_string() })?;
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (temp, _) in &self.temps {
            let _ = std::fs::remove_file(temp);
        }
    }
}

fn write_error(path: &Path) -> impl Fn(parquet::errors::ParquetError) -> AnalyzeError + '_ {
    move |e| AnalyzeError::Write { path: path.into(), message: e.to_string() }
}

fn properties() -> WriterProperties {
    WriterProperties::builder().set_compression(Compression::SNAPPY).build()
}

/// Writes `recipients.parquet` (kept rows) to `path`.
pub fn write_recipients(path: &Path, ix: &Indexes, codes: &[u8]) -> Result<u64, AnalyzeError> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("delivery_id", DataType::Utf8, false),
        Field::new("channel", DataType::Utf8, false),
        Field::new("profile_id", DataType::Int64, false),
        Field::new("address", DataType::Utf8, false),
    ]));
    write_rows(
        path,
        schema,
        codes,
        |code| code == KEPT,
        |columns, row, _| {
            columns.push_common(ix, row);
            columns.address.append_option(address_of(ix, row));
        },
    )
}

/// Writes `exclusions.parquet` (every other row, with its reason) to `path`.
pub fn write_exclusions(path: &Path, ix: &Indexes, codes: &[u8]) -> Result<u64, AnalyzeError> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("delivery_id", DataType::Utf8, false),
        Field::new("channel", DataType::Utf8, false),
        Field::new("profile_id", DataType::Int64, false),
        Field::new("reason", DataType::Utf8, false),
        Field::new("address", DataType::Utf8, true),
    ]));
    write_rows(
        path,
        schema,
        codes,
        |code| code != KEPT,
        |columns, row, code| {
            let reason = Reason::from_number(code).expect("valid reason code");
            columns.push_common(ix, row);
            columns.reason.append_value(reason.name());
            columns.address.append_option(if reason.has_address() { address_of(ix, row) } else { None });
        },
    )
}

/// Column builders shared by both outputs.
struct Columns {
    delivery_id: StringBuilder,
    channel: StringBuilder,
    profile_id: Int64Builder,
    reason: StringBuilder,
    address: StringBuilder,
}

impl Columns {
    fn new() -> Columns {
        Columns {
            delivery_id: StringBuilder::new(),
            channel: StringBuilder::new(),
            profile_id: Int64Builder::new(),
            reason: StringBuilder::new(),
            address: StringBuilder::new(),
        }
    }

    fn push_common(&mut self, ix: &Indexes, row: usize) {
        let delivery = &ix.targets.deliveries[ix.targets.delivery[row] as usize];
        self.delivery_id.append_value(&delivery.id);
        self.channel.append_value(delivery.channel.name());
        self.profile_id.append_value(ix.targets.profile_id[row]);
    }

    fn finish(&mut self, schema: &Arc<Schema>) -> RecordBatch {
        let mut arrays: Vec<ArrayRef> = vec![
            Arc::new(self.delivery_id.finish()),
            Arc::new(self.channel.finish()),
            Arc::new(self.profile_id.finish()),
        ];
        if schema.fields().len() == 5 {
            arrays.push(Arc::new(self.reason.finish()));
        }
        arrays.push(Arc::new(self.address.finish()));
        RecordBatch::try_new(schema.clone(), arrays).expect("columns match the schema")
    }
}

fn write_rows(
    path: &Path,
    schema: Arc<Schema>,
    codes: &[u8],
    wanted: impl Fn(u8) -> bool,
    push: impl Fn(&mut Columns, usize, u8),
) -> Result<u64, AnalyzeError> {
    let file = File::create(path).map_err(|e| AnalyzeError::Write { path: path.into(), message: e.to_string() })?;
    let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(properties())).map_err(write_error(path))?;
    let mut columns = Columns::new();
    let mut pending = 0usize;
    let mut written = 0u64;
    for (row, &code) in codes.iter().enumerate() {
        if !wanted(code) {
            continue;
        }
        push(&mut columns, row, code);
        pending += 1;
        if pending == BATCH_ROWS {
            writer.write(&columns.finish(&schema)).map_err(write_error(path))?;
            written += pending as u64;
            pending = 0;
        }
    }
    if pending > 0 {
        writer.write(&columns.finish(&schema)).map_err(write_error(path))?;
        written += pending as u64;
    }
    let file = writer.into_inner().map_err(write_error(path))?;
    file.sync_all().map_err(|e| AnalyzeError::Write { path: path.into(), message: e.to_string() })?;
    Ok(written)
}
