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
///
/// `summary.json` is the commit marker of a set: [`Staged::commit`] first removes the old
/// `summary.json`, then renames the Parquet files, then the new `summary.json`. Whenever a
/// `summary.json` exists, the three files are one run's complete set; a run killed between two
/// renames leaves no `summary.json`, never a mix that looks complete.
pub struct Staged {
    dir: PathBuf,
    temps: Vec<(PathBuf, &'static str)>,
}

/// The temporary name of `name` for the process `pid`.
fn temp_name(name: &str, pid: u32) -> String {
    format!(".{name}.{pid}.tmp")
}

impl Staged {
    pub fn new(dir: &Path) -> Result<Staged, AnalyzeError> {
        std::fs::create_dir_all(dir).map_err(|e| AnalyzeError::Write { path: dir.into(), message: e.to_string() })?;
        remove_stale_temps(dir);
        Ok(Staged { dir: dir.into(), temps: Vec::new() })
    }

    /// A temporary path in the output directory for final name `name`.
    pub fn temp_path(&mut self, name: &'static str) -> PathBuf {
        let path = self.dir.join(temp_name(name, std::process::id()));
        self.temps.push((path.clone(), name));
        path
    }

    /// Replaces the previous set, if any, by the staged files; `summary.json` goes last.
    pub fn commit(mut self) -> Result<(), AnalyzeError> {
        let marker = self.dir.join(SUMMARY);
        match std::fs::remove_file(&marker) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(AnalyzeError::Write { path: marker, message: e.to_string() }),
        }
        let mut temps = std::mem::take(&mut self.temps);
        // Summary last: it marks the set complete.
        temps.sort_by_key(|(_, name)| *name == SUMMARY);
        for (i, (temp, name)) in temps.iter().enumerate() {
            let target = self.dir.join(name);
            if let Err(e) = std::fs::rename(temp, &target) {
                // Put the rest back so that Drop removes them.
                self.temps = temps[i..].to_vec();
                return Err(AnalyzeError::Write { path: target, message: e.to_string() });
            }
        }
        Ok(())
    }
}

/// Removes temporary files that runs killed before they could clean up left behind (their
/// process no longer exists). Best effort: anything that cannot be checked is left alone.
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        for output in [RECIPIENTS, EXCLUSIONS, SUMMARY] {
            let pid = name
                .strip_prefix(&format!(".{output}."))
                .and_then(|rest| rest.strip_suffix(".tmp"))
                .and_then(|pid| pid.parse::<u32>().ok());
            if let Some(pid) = pid {
                let alive = Path::new("/proc").join(pid.to_string()).exists();
                if pid != std::process::id() && !alive && Path::new("/proc/self").exists() {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
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
