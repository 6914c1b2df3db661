//! The parallel scan: one projected reader per row group, row groups on the rayon pool.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow::array::{ArrayRef, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use rayon::prelude::*;

use crate::column::{DeliveryIdColumn, FlagColumn, IdColumn, IntegerColumn, NumberColumn, StrColumn, TimeColumn};
use crate::{ColumnSpec, LoadError, ParquetFile, Table};
use suppress_model::layout::Partition;

/// Rows per decoded batch: large enough to amortize per-batch work, small enough for cache.
const BATCH_ROWS: usize = 32 * 1024;

/// One decoded batch with the requested columns, in the order they were requested.
pub struct Batch<'a> {
    /// The file the rows come from.
    pub file: &'a Path,
    /// Position of the batch's first row within its file, from 0.
    pub file_row: u64,
    /// Position of the batch's first row within the whole table, from 0.
    pub table_row: u64,
    pub num_rows: usize,
    specs: &'a [ColumnSpec],
    columns: Vec<Option<ArrayRef>>,
    /// Per requested column the file lacks: the partition column that stands for it.
    partitions: Vec<Option<&'a Partition>>,
}

impl<'a> Batch<'a> {
    fn new(file: &'a ParquetFile, file_row: u64, table_row: u64, specs: &'a [ColumnSpec], batch: &RecordBatch) -> Self {
        let columns: Vec<Option<ArrayRef>> = specs.iter().map(|s| batch.column_by_name(&s.source).cloned()).collect();
        let partitions = specs
            .iter()
            .zip(&columns)
            .map(|(s, c)| if c.is_some() { None } else { file.partition(&s.source) })
            .collect();
        Batch { file: &file.path, file_row, table_row, num_rows: batch.num_rows(), specs, columns, partitions }
    }

    /// The 1-based row number within the file of row `i` of this batch, for messages.
    pub fn row_number(&self, i: usize) -> u64 {
        self.file_row + i as u64 + 1
    }

    /// The raw array of the `index`-th requested column, if the file holds it itself.
    pub fn column(&self, index: usize) -> Option<&ArrayRef> {
        self.columns[index].as_ref()
    }

    /// Whether the `index`-th requested column is present (in the file or as a partition).
    pub fn has(&self, index: usize) -> bool {
        self.columns[index].is_some() || self.partitions[index].is_some()
    }

    /// The file's name for the `index`-th requested column, for messages.
    pub fn column_name(&self, index: usize) -> &str {
        &self.specs[index].source
    }

    fn typed<T>(
        &self,
        index: usize,
        view: impl FnOnce(&ArrayRef) -> Result<T, crate::column::TypeMismatch>,
    ) -> Result<Option<T>, LoadError> {
        // A partition column is a string column; only `strings` and `ids` accept one.
        let (array, partition) = match (self.column(index), self.partitions[index]) {
            (Some(array), _) => (array.clone(), false),
            (None, Some(partition)) => (partition_strings(partition, self.num_rows), true),
            (None, None) => return Ok(None),
        };
        view(&array).map(Some).map_err(|m| LoadError::ColumnType {
            path: self.file.into(),
            column: self.specs[index].source.clone(),
            found: if partition { format!("a hive partition column ({})", m.found) } else { m.found },
            expected: m.expected,
        })
    }

    pub fn strings(&self, index: usize) -> Result<Option<StrColumn>, LoadError> {
        self.typed(index, StrColumn::try_new)
    }

    /// An id column; a partition column stands for one when its value is ASCII digits.
    pub fn ids(&self, index: usize) -> Result<Option<IdColumn>, LoadError> {
        if let (None, Some(partition)) = (self.column(index), self.partitions[index]) {
            return partition_ids(partition, self.num_rows).map(Some).ok_or_else(|| LoadError::ColumnType {
                path: self.file.into(),
                column: self.specs[index].source.clone(),
                found: format!("a hive partition column whose value {:?} is not ASCII digits", partition.value),
                expected: "an id (a partition value of ASCII digits)",
            });
        }
        self.typed(index, IdColumn::try_new)
    }

    pub fn integers(&self, index: usize) -> Result<Option<IntegerColumn>, LoadError> {
        self.typed(index, IntegerColumn::try_new)
    }

    pub fn numbers(&self, index: usize) -> Result<Option<NumberColumn>, LoadError> {
        self.typed(index, NumberColumn::try_new)
    }

    pub fn flags(&self, index: usize) -> Result<Option<FlagColumn>, LoadError> {
        self.typed(index, FlagColumn::try_new)
    }

    pub fn times(&self, index: usize) -> Result<Option<TimeColumn>, LoadError> {
        self.typed(index, TimeColumn::try_new)
    }

    pub fn delivery_ids(&self, index: usize) -> Result<Option<DeliveryIdColumn>, LoadError> {
        self.typed(index, DeliveryIdColumn::try_new)
    }

    /// A row-level error for row `i` of the `index`-th column.
    pub fn bad_row(&self, index: usize, i: usize, problem: crate::BadValue) -> LoadError {
        LoadError::BadRow {
            path: self.file.into(),
            column: self.specs[index].source.clone(),
            row: self.row_number(i),
            problem,
        }
    }
}

/// A partition column's value repeated over a batch, as `Utf8View` rows that share one view
/// (so repeated values compare without being read, as a dictionary page's do).
fn partition_strings(partition: &Partition, rows: usize) -> ArrayRef {
    let mut builder = arrow::array::StringViewBuilder::with_capacity(rows).with_deduplicate_strings();
    for _ in 0..rows {
        builder.append_option(partition.value.as_deref());
    }
    std::sync::Arc::new(builder.finish())
}

/// A partition column read as an id column: null, or its value when all ASCII digits
/// ([`Partition::id_value`]: digits beyond 64 bits are an id out of range).
fn partition_ids(partition: &Partition, rows: usize) -> Option<IdColumn> {
    let array: ArrayRef = match partition.id_value()? {
        None => std::sync::Arc::new(arrow::array::Int64Array::new_null(rows)),
        Some(v) => std::sync::Arc::new(arrow::array::UInt64Array::from_value(v, rows)),
    };
    IdColumn::try_new(&array).ok()
}

/// One unit of parallel work: a row group of a file.
struct Unit<'a> {
    file: &'a ParquetFile,
    row_group: usize,
    file_row: u64,
    table_row: u64,
}

impl Table {
    /// Decodes `columns` of every row group in parallel and maps each batch with `f`.
    ///
    /// Results come back in table order (file, row group, batch), whatever the thread count,
    /// so callers can concatenate them and get positions that match [`Batch::table_row`].
    /// Required columns are checked on every file before any decoding starts.
    ///
    /// An error is the first in table order, whatever the thread count: the error of a bad
    /// row names the first bad row of the table. Row groups after one that failed are not
    /// decoded; those before it still are, since one of them may fail first.
    pub fn scan<T, E, F>(&self, columns: &[ColumnSpec], f: F) -> Result<Vec<T>, E>
    where
        T: Send,
        E: From<LoadError> + Send,
        F: Fn(&Batch) -> Result<T, E> + Sync,
    {
        self.check_columns(columns)?;
        let units = self.units();
        let first_failed = AtomicUsize::new(usize::MAX);
        let per_unit: Vec<Option<Result<Vec<T>, E>>> = units
            .par_iter()
            .enumerate()
            .map(|(i, unit)| {
                if i > first_failed.load(Ordering::Relaxed) {
                    return None;
                }
                let result = scan_unit(unit, columns, &f);
                if result.is_err() {
                    first_failed.fetch_min(i, Ordering::Relaxed);
                }
                Some(result)
            })
            .collect();
        let mut rows = Vec::new();
        for result in per_unit {
            match result {
                Some(result) => rows.extend(result?),
                // A unit is skipped only after an earlier one failed, whose error came first.
                None => unreachable!("a row group skipped with no failure before it"),
            }
        }
        Ok(rows)
    }

    fn units(&self) -> Vec<Unit<'_>> {
        let mut units = Vec::new();
        let mut table_row = 0u64;
        for file in &self.files {
            let mut file_row = 0u64;
            for (row_group, rg) in file.metadata().row_groups().iter().enumerate() {
                let rows = rg.num_rows().max(0) as u64;
                units.push(Unit { file, row_group, file_row, table_row });
                file_row += rows;
                table_row += rows;
            }
        }
        units
    }
}

fn scan_unit<T, E, F>(unit: &Unit, columns: &[ColumnSpec], f: &F) -> Result<Vec<T>, E>
where
    E: From<LoadError>,
    F: Fn(&Batch) -> Result<T, E>,
{
    // The Parquet decoder can panic on corrupt pages (fuzzing found an integer overflow in its
    // RLE reader). A panic there is a data error about this file and row group, not a crash.
    let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decode_unit(unit, columns, f)));
    decoded.unwrap_or_else(|payload| {
        let reason = crate::panic_message(payload.as_ref());
        Err(LoadError::Decode {
            path: unit.file.path.clone(),
            row_group: unit.row_group,
            message: format!("corrupt data (the Parquet decoder failed: {reason})"),
        }
        .into())
    })
}

fn decode_unit<T, E, F>(unit: &Unit, columns: &[ColumnSpec], f: &F) -> Result<Vec<T>, E>
where
    E: From<LoadError>,
    F: Fn(&Batch) -> Result<T, E>,
{
    let file = unit.file;
    let decode_error =
        |message: String| LoadError::Decode { path: file.path.clone(), row_group: unit.row_group, message };
    let schema = file.schema();
    let roots: Vec<usize> = columns.iter().filter_map(|c| schema.index_of(&c.source).ok()).collect();
    let mask = ProjectionMask::roots(file.metadata.parquet_schema(), roots.iter().copied());
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file.bytes.clone(), file.read_metadata.clone())
        .with_row_groups(vec![unit.row_group])
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| decode_error(e.to_string()))?;
    let mut results = Vec::new();
    let mut offset = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| decode_error(e.to_string()))?;
        let view = Batch::new(file, unit.file_row + offset, unit.table_row + offset, columns, &batch);
        offset += batch.num_rows() as u64;
        results.push(f(&view)?);
    }
    let row_group = file.metadata().row_group(unit.row_group);
    let expected = row_group.num_rows().max(0) as u64;
    if offset != expected {
        return Err(decode_error(format!("decoded {offset} rows, footer says {expected}")).into());
    }
    // Only the chunks decoded here: another scan may be decoding this row group's other
    // columns at the same time.
    let parquet_schema = file.metadata.parquet_schema();
    for (leaf, column) in row_group.columns().iter().enumerate() {
        if roots.contains(&parquet_schema.get_column_root_idx(leaf)) {
            let (start, len) = column.byte_range();
            file.release(start, len);
        }
    }
    Ok(results)
}
