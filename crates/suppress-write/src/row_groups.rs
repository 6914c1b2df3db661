//! A Parquet file written one row group per unit of work, the row groups' column chunks encoded
//! in parallel on the rayon pool and appended in order.
//!
//! Encoding (Snappy compression above all) costs far more than gathering the columns, and one
//! `ArrowWriter` would do all of it on one thread. Here the caller describes the file's row
//! groups up front and says how to gather the [`Column`]s of one; as many row groups as the
//! pool has threads are encoded at once while the previous ones are appended, so the file
//! comes out identical whatever the thread count.

use std::fs::File;
use std::path::Path;

use arrow::array::ArrayRef;
use arrow::datatypes::{Field, SchemaRef};
use parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnChunk, ArrowColumnWriter};
use parquet::arrow::ArrowWriter;
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnDescPtr;
use rayon::prelude::*;

use crate::column_chunk::EncodedChunk;
use crate::dictionary_column::encode_dictionary_column;
use crate::direct::OutputFile;
use crate::string_column::encode_string_column;
use crate::{PendingSync, WriteError};

/// One column of one row group, before encoding.
pub enum Column<'a> {
    /// Encoded by the Arrow writer, with the file's [`WriterProperties`].
    Arrow(ArrayRef),
    /// A required string column of a few distinct values: row i is `values[codes[i]]`
    /// ([`encode_dictionary_column`]: a dictionary page and RLE / bit-packed indexes).
    Codes(&'a [&'a str], Vec<u32>),
    /// A string column of nearly unique values, borrowed from the caller; `None` is null
    /// ([`encode_string_column`]: PLAIN pages, no dictionary, no statistics).
    Strings(Vec<Option<&'a str>>),
}

/// One column of one row group, encoded.
enum Chunk {
    Arrow(ArrowColumnChunk),
    Hand(EncodedChunk),
}

/// Writes a Parquet file of `schema` into `file`, open at `path` (for errors): one row group
/// per element of `row_groups`, row group k holding the columns `columns(&row_groups[k])`
/// returns, in schema order. Arrow columns are encoded with `properties`. Returns the file's
/// fsync, under way.
pub fn write_row_groups<'a, G: Sync>(
    path: &Path,
    file: File,
    schema: SchemaRef,
    properties: WriterProperties,
    row_groups: &[G],
    columns: impl Fn(&G) -> Vec<Column<'a>> + Sync,
) -> Result<PendingSync, WriteError> {
    let parquet_error = |e: ParquetError| WriteError::parquet(path, e);
    let writer =
        ArrowWriter::try_new(OutputFile::new(file), schema.clone(), Some(properties)).map_err(parquet_error)?;
    let (mut file_writer, factory) = writer.into_serialized_writer().map_err(parquet_error)?;
    let descriptors: Vec<ColumnDescPtr> =
        (0..schema.fields().len()).map(|i| file_writer.schema_descr().column(i)).collect();

    // Encode as many row groups at once as there are threads while the previous group is
    // appended in order: appending copies megabytes on one thread, and the other threads
    // would otherwise wait for it. Memory holds at most two groups of encoded row groups.
    let at_once = rayon::current_num_threads().max(1);
    let encode = |group_index: usize, group: &[G]| {
        group
            .par_iter()
            .enumerate()
            .map(|(k, row_group)| {
                let writers = factory.create_column_writers(group_index * at_once + k)?;
                schema
                    .fields()
                    .par_iter()
                    .zip(columns(row_group).into_par_iter())
                    .zip(writers.into_par_iter())
                    .zip(descriptors.par_iter())
                    .map(|(((field, column), writer), descriptor)| match column {
                        Column::Arrow(array) => encode_arrow_column(field, &array, writer).map(Chunk::Arrow),
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
    for (group_index, group) in row_groups.chunks(at_once).enumerate() {
        let (appended, encoded) =
            rayon::join(|| previous.take().map_or(Ok(()), &mut append), || encode(group_index, group));
        appended.map_err(parquet_error)?;
        previous = Some(encoded.map_err(parquet_error)?);
    }
    if let Some(last) = previous {
        append(last).map_err(parquet_error)?;
    }
    let file = file_writer.into_inner().map_err(parquet_error)?.finish().map_err(|e| WriteError::io(path, e))?;
    Ok(PendingSync::start(path, file))
}

fn encode_arrow_column(
    field: &Field,
    array: &ArrayRef,
    mut writer: ArrowColumnWriter,
) -> Result<ArrowColumnChunk, ParquetError> {
    for leaf in compute_leaves(field, array)? {
        writer.write(&leaf)?;
    }
    writer.close()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, AsArray, Int64Array};
    use arrow::datatypes::{DataType, Int64Type, Schema};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    use super::*;

    /// Row groups of (first id, rows): ids, a code column and a nullable string column.
    fn write(dir: &Path, threads: usize) -> Vec<u8> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("kind", DataType::Utf8, false),
            Field::new("text", DataType::Utf8, true),
        ]));
        let kinds = ["even", "odd"];
        let texts: Vec<String> = (0..50_000).map(|i| format!("text {i}")).collect();
        let row_groups: Vec<(i64, usize)> = vec![(0, 20_000), (20_000, 1), (20_001, 29_999)];
        let path = dir.join(format!("t{threads}.parquet"));
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let file = File::create(&path).unwrap();
            write_row_groups(&path, file, schema, WriterProperties::default(), &row_groups, |&(first, rows)| {
                let ids: Vec<i64> = (first..first + rows as i64).collect();
                vec![
                    Column::Arrow(Arc::new(Int64Array::from(ids.clone()))),
                    Column::Codes(&kinds, ids.iter().map(|i| (i % 2) as u32).collect()),
                    Column::Strings(ids.iter().map(|&i| (i % 3 != 0).then_some(texts[i as usize].as_str())).collect()),
                ]
            })
            .unwrap()
            .wait()
            .unwrap()
        });
        std::fs::read(&path).unwrap()
    }

    #[test]
    fn row_groups_in_order_with_every_value_and_the_same_bytes_at_any_thread_count() {
        let dir = tempfile::tempdir().unwrap();
        let one = write(dir.path(), 1);
        assert_eq!(one, write(dir.path(), 3), "the file depends on the thread count");
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(one)).unwrap();
        let sizes: Vec<i64> = reader.metadata().row_groups().iter().map(|g| g.num_rows()).collect();
        assert_eq!(sizes, [20_000, 1, 29_999]);
        let mut next = 0i64;
        for batch in reader.build().unwrap() {
            let batch = batch.unwrap();
            let ids = batch.column(0).as_primitive::<Int64Type>();
            let kinds = batch.column(1).as_string::<i32>();
            let texts = batch.column(2).as_string::<i32>();
            for k in 0..batch.num_rows() {
                assert_eq!(ids.value(k), next);
                assert_eq!(kinds.value(k), if next % 2 == 0 { "even" } else { "odd" });
                let text = (next % 3 != 0).then(|| format!("text {next}"));
                assert_eq!(texts.is_valid(k).then(|| texts.value(k).to_string()), text);
                next += 1;
            }
        }
        assert_eq!(next, 50_000);
    }

    #[test]
    fn a_write_error_names_the_file() {
        // A file open only for reading: the first write fails.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.parquet");
        std::fs::write(&path, "").unwrap();
        let file = File::open(&path).unwrap();
        let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
        let err = write_row_groups(&path, file, schema, WriterProperties::default(), &[(); 0], |_| vec![])
            .err()
            .expect("an error");
        assert_eq!(err.path(), path);
        assert!(err.to_string().starts_with(&format!("{}: cannot write: ", path.display())), "{err}");
    }
}
