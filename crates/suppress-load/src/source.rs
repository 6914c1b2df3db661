//! Finding, memory-mapping and opening the Parquet files of one table.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use bytes::Bytes;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};

use suppress_model::layout::{table_files, Partition};

use crate::LoadError;

/// One column a scan needs: its contract name and the name it has in the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    /// The name in the contract (`email`), for messages.
    pub contract: String,
    /// The name in the Parquet files (`EmailAddress` under `--map profiles.email=EmailAddress`).
    pub source: String,
    /// Whether a file without it is an error; otherwise the batch reports it absent.
    pub required: bool,
}

impl ColumnSpec {
    pub fn required(contract: &str, source: &str) -> Self {
        ColumnSpec { contract: contract.into(), source: source.into(), required: true }
    }

    pub fn optional(contract: &str, source: &str) -> Self {
        ColumnSpec { contract: contract.into(), source: source.into(), required: false }
    }
}

/// One memory-mapped Parquet file with its footer decoded.
#[derive(Debug, Clone)]
pub struct ParquetFile {
    pub path: PathBuf,
    pub(crate) bytes: Bytes,
    /// The map behind `bytes`, to hand pages back once a scan has decoded them.
    map: Option<Arc<memmap2::Mmap>>,
    /// The footer with the file's own Arrow schema (what `inspect` shows).
    pub(crate) metadata: ArrowReaderMetadata,
    /// The same footer with plain string columns read as `Utf8View` (see [`view_schema`]).
    pub(crate) read_metadata: ArrowReaderMetadata,
    /// The hive partition columns of its folders (empty for a table that is one file).
    pub partitions: Vec<Partition>,
}

/// `schema` with its top-level `Utf8` and `LargeUtf8` columns as `Utf8View`, or `None` when it
/// has none. Decoding into views skips copying every string into one contiguous buffer: a view
/// points into the decompressed page (or holds a string of up to 12 bytes inline), which makes
/// the address columns decode noticeably faster (BENCHMARKS.md, "Optimizations").
fn view_schema(schema: &SchemaRef) -> Option<SchemaRef> {
    let mut changed = false;
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 => {
                changed = true;
                f.as_ref().clone().with_data_type(DataType::Utf8View)
            }
            _ => f.as_ref().clone(),
        })
        .collect();
    changed.then(|| Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone())))
}

/// The map shared by `Bytes` (for the Parquet reader) and the [`ParquetFile`] (for advice).
struct SharedMap(Arc<memmap2::Mmap>);

impl AsRef<[u8]> for SharedMap {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl ParquetFile {
    /// Tells the kernel that this process is done with bytes `start..start + len` for now, so
    /// that their pages stop counting in its resident memory. Pages read by a scan otherwise
    /// stay mapped until the run ends: on 50M profiles, 4.4 GB of profiles file on top of the
    /// indexes. The pages stay in the page cache, and a later read faults them back in.
    pub(crate) fn release(&self, start: u64, len: u64) {
        let Some(map) = &self.map else { return };
        let page = 4096u64;
        let first = start.div_ceil(page) * page;
        let end = ((start + len).min(map.len() as u64) / page) * page;
        if end > first {
            // SAFETY: the map is read-only and private and nothing ever writes through it, so
            // MADV_DONTNEED only drops the process's copy of the pages: the next access reads
            // the same bytes from the file again. Slices of these bytes that decoded arrays may
            // still hold (uncompressed pages are not copied) thus keep their contents. Advice
            // that fails changes nothing, so its error is ignored.
            let _ = unsafe {
                map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, first as usize, (end - first) as usize)
            };
        }
    }

    /// Maps `path` and decodes its footer.
    pub fn open(path: &Path) -> Result<ParquetFile, LoadError> {
        let file = File::open(path).map_err(|source| LoadError::Open { path: path.into(), source })?;
        let len = file.metadata().map_err(|source| LoadError::Open { path: path.into(), source })?.len();
        let (bytes, map) = if len == 0 {
            // mmap of an empty file fails on some platforms; an empty buffer fails as Parquet.
            (Bytes::new(), None)
        } else {
            // SAFETY: the map is read-only and private to this process. If another process
            // truncates the file while we read it, pages past the new end raise SIGBUS; the
            // binary installs a handler that turns that into a clean error exit (see the
            // README, "Inputs changing under a run"). Parquet readers never write the buffer.
            let map = unsafe { memmap2::MmapOptions::new().map(&file) }
                .map_err(|source| LoadError::Map { path: path.into(), source })?;
            let map = Arc::new(map);
            (Bytes::from_owner(SharedMap(map.clone())), Some(map))
        };
        let metadata = ArrowReaderMetadata::load(&bytes, ArrowReaderOptions::new())
            .map_err(|source| LoadError::NotParquet { path: path.into(), source })?;
        let read_metadata = view_schema(metadata.schema())
            .and_then(|schema| {
                let options = ArrowReaderOptions::new().with_schema(schema);
                ArrowReaderMetadata::try_new(metadata.metadata().clone(), options).ok()
            })
            .unwrap_or_else(|| metadata.clone());
        Ok(ParquetFile { path: path.into(), bytes, map, metadata, read_metadata, partitions: Vec::new() })
    }

    /// Rows in the file, from the footer.
    pub fn num_rows(&self) -> u64 {
        self.metadata.metadata().file_metadata().num_rows().max(0) as u64
    }

    /// Whether the file holds column `source` itself or as a partition column.
    /// True when every file has a column named `source` (its own or a partition column).
    pub fn has_column(&self, source: &str) -> bool {
        self.schema().index_of(source).is_ok() || self.partition(source).is_some()
    }

    /// The partition column `key` of this file, unless the file holds a column of that name
    /// itself (which wins).
    pub fn partition(&self, key: &str) -> Option<&Partition> {
        if self.schema().index_of(key).is_ok() {
            return None;
        }
        self.partitions.iter().find(|p| p.key == key)
    }

    /// The Arrow schema the file decodes to.
    pub fn schema(&self) -> &arrow::datatypes::SchemaRef {
        self.metadata.schema()
    }

    /// The decoded footer.
    pub fn metadata(&self) -> &parquet::file::metadata::ParquetMetaData {
        self.metadata.metadata()
    }

    /// Size of the file in bytes.
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// A logical table: one Parquet file, or every Parquet file below a directory.
#[derive(Debug, Clone)]
pub struct Table {
    /// The path the user gave.
    pub path: PathBuf,
    pub files: Vec<ParquetFile>,
}

impl Table {
    /// Opens a file, or every `*.parquet` file below a directory (in byte order of their paths;
    /// files and folders whose names start with `.` or `_`, such as Spark's `_SUCCESS`,
    /// `_temporary/` or `.staging/`, are skipped), with the hive partition columns of their
    /// `KEY=VALUE` folders.
    pub fn open(path: &Path) -> Result<Table, LoadError> {
        let files = table_files(path)?
            .into_iter()
            .map(|listed| {
                let mut file = ParquetFile::open(&listed.path)?;
                file.partitions = listed.partitions;
                Ok(file)
            })
            .collect::<Result<_, LoadError>>()?;
        Ok(Table { path: path.into(), files })
    }

    /// Total rows, from the footers.
    pub fn num_rows(&self) -> u64 {
        self.files.iter().map(ParquetFile::num_rows).sum()
    }

    /// Total bytes of the files.
    pub fn num_bytes(&self) -> u64 {
        self.files.iter().map(ParquetFile::len).sum()
    }

    /// What the footers say of the top-level columns `sources` (those the table has): their
    /// decoded size over the whole table, and the most bytes one row group, and one column
    /// chunk, stores of them. For estimates made before anything is decoded.
    pub fn column_sizes(&self, sources: &[&str]) -> ColumnSizes {
        let mut sizes = ColumnSizes::default();
        for file in &self.files {
            for row_group in file.metadata().row_groups() {
                let mut stored = 0u64;
                for column in row_group.columns() {
                    if sources.contains(&column.column_descr().path().parts()[0].as_str()) {
                        let chunk = column.compressed_size().max(0) as u64;
                        sizes.decoded += column.uncompressed_size().max(0) as u64;
                        sizes.largest_chunk_stored = sizes.largest_chunk_stored.max(chunk);
                        stored += chunk;
                    }
                }
                sizes.largest_row_group_stored = sizes.largest_row_group_stored.max(stored);
            }
        }
        sizes
    }

    /// True when every file has a column named `source` (its own or a partition column).
    pub fn has_column(&self, source: &str) -> bool {
        self.files.iter().all(|f| f.has_column(source))
    }

    /// Fails on the first file that lacks a required column.
    pub fn check_columns(&self, columns: &[ColumnSpec]) -> Result<(), LoadError> {
        for file in &self.files {
            for spec in columns.iter().filter(|c| c.required) {
                if !file.has_column(&spec.source) {
                    let hint = if spec.contract == spec.source {
                        String::new()
                    } else {
                        format!(" (mapped from `{}`)", spec.contract)
                    };
                    return Err(LoadError::MissingColumn {
                        path: file.path.clone(),
                        column: spec.source.clone(),
                        hint,
                    });
                }
            }
        }
        Ok(())
    }
}

/// Sizes of some columns of a table, from its footers ([`Table::column_sizes`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ColumnSizes {
    /// Decoded (uncompressed page) bytes over the whole table.
    pub decoded: u64,
    /// The most stored (compressed) bytes one row group holds of the columns.
    pub largest_row_group_stored: u64,
    /// The most stored bytes one column chunk holds.
    pub largest_chunk_stored: u64,
}
