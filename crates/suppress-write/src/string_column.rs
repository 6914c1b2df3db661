//! Column chunks of the outputs' addresses: PLAIN byte arrays written straight from the
//! canonical forms the address book holds.
//!
//! The Arrow writer needs the strings copied into a `StringArray` first, then copies them again
//! into page buffers that grow as they fill: at 10M profiles, half a gigabyte copied twice more
//! than needed. Here each page's values are written once, as PLAIN lays them out (a 4-byte
//! length, then the bytes), after the page's definition levels when the column is nullable,
//! then Snappy-compressed. Like the Arrow writer as this column was configured (nearly unique
//! values, nobody prunes on them), no dictionary and no statistics.

use parquet::basic::Encoding;
use parquet::errors::ParquetError;
use parquet::schema::types::ColumnDescPtr;

use crate::column_chunk::{rle_hybrid, ChunkFacts, ChunkPages, EncodedChunk, PAGE_VALUES};

/// A page also ends once its values reach this many bytes, the Arrow writer's default page
/// size, so that long strings do not make huge pages.
const PAGE_BYTES: usize = 1 << 20;

/// Encodes the string column `descr` of one row group, row i holding `values[i]`. Nulls are
/// allowed only when the column is optional.
pub fn encode_string_column(descr: ColumnDescPtr, values: &[Option<&str>]) -> Result<EncodedChunk, ParquetError> {
    let nullable = descr.max_def_level() > 0;
    let value_bytes: usize = values.iter().map(|v| v.map_or(0, str::len)).sum();
    let mut pages = ChunkPages::new(value_bytes / 2 + 1024);
    let mut page = Vec::with_capacity(PAGE_BYTES + PAGE_BYTES / 4);
    let mut levels: Vec<u32> = Vec::with_capacity(PAGE_VALUES);
    let mut level_bytes = Vec::new();
    let mut rest = values;
    while !rest.is_empty() {
        // The page's rows: up to PAGE_VALUES, fewer when their bytes reach PAGE_BYTES.
        let mut rows = 0;
        let mut bytes = 0;
        while rows < rest.len().min(PAGE_VALUES) && bytes < PAGE_BYTES {
            bytes += rest[rows].map_or(0, |v| v.len() + 4);
            rows += 1;
        }
        let (this_page, next) = rest.split_at(rows);
        rest = next;
        page.clear();
        if nullable {
            // Version 1 pages: the levels' byte length, then the levels (bit width 1).
            levels.clear();
            levels.extend(this_page.iter().map(|v| u32::from(v.is_some())));
            level_bytes.clear();
            rle_hybrid(&levels, 1, &mut level_bytes);
            page.extend_from_slice(&(level_bytes.len() as u32).to_le_bytes());
            page.extend_from_slice(&level_bytes);
        }
        for value in this_page {
            match value {
                Some(value) => {
                    page.extend_from_slice(&(value.len() as u32).to_le_bytes());
                    page.extend_from_slice(value.as_bytes());
                }
                None if nullable => {}
                None => return Err(ParquetError::General(format!("null value in required column {}", descr.path()))),
            }
        }
        pages.data_page(&page, rows, Encoding::PLAIN)?;
    }
    pages.finish(
        descr,
        ChunkFacts {
            encodings: vec![Encoding::PLAIN, Encoding::RLE],
            data_encoding: Encoding::PLAIN,
            statistics: None,
            unencoded_bytes: value_bytes as i64,
        },
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::datatypes::{DataType, Field, Schema};
    use bytes::Bytes;
    use parquet::arrow::ArrowSchemaConverter;
    use parquet::basic::Compression;
    use parquet::file::reader::FileReader;
    use parquet::file::serialized_reader::{ReadOptionsBuilder, SerializedFileReader};

    use super::*;
    use crate::column_chunk::test_file::write_and_read;

    /// Writes one column of row groups `row_groups` and reads it back with the parquet crate's
    /// Arrow reader; returns the values and the file.
    fn round_trip(nullable: bool, row_groups: &[Vec<Option<&str>>]) -> (Vec<Option<String>>, Bytes) {
        write_and_read(nullable, row_groups.len(), |descr, k| encode_string_column(descr, &row_groups[k]).unwrap())
    }

    fn with_page_index(bytes: Bytes) -> SerializedFileReader<Bytes> {
        SerializedFileReader::new_with_options(bytes, ReadOptionsBuilder::new().with_page_index().build()).unwrap()
    }

    fn owned(row_groups: &[Vec<Option<&str>>]) -> Vec<Option<String>> {
        row_groups.iter().flatten().map(|v| v.map(str::to_string)).collect()
    }

    #[test]
    fn required_values_read_back_across_pages_and_row_groups() {
        let names: Vec<String> = (0..45_001).map(|i| format!("person.{i}@example.com")).collect();
        let row_groups = vec![
            names.iter().map(|n| Some(n.as_str())).collect::<Vec<_>>(),
            vec![Some(""), Some("jürgen@bücher.de"), Some("+33612345678")],
        ];
        let (read, bytes) = round_trip(false, &row_groups);
        assert_eq!(read, owned(&row_groups));
        let reader = with_page_index(bytes);
        let first = reader.metadata().row_group(0).column(0);
        assert_eq!(first.num_values(), 45_001);
        assert_eq!(first.compression(), Compression::SNAPPY);
        assert!(first.statistics().is_none());
        let bytes: usize = names.iter().map(String::len).sum();
        assert_eq!(first.unencoded_byte_array_data_bytes(), Some(bytes as i64));
        // 45,001 rows: pages of 20,000 rows, 20,000 and 5,001.
        let pages = reader.metadata().page_index_for_row_group(0).offset_index(0).unwrap().page_locations().clone();
        let first_rows: Vec<i64> = pages.iter().map(|p| p.first_row_index).collect();
        assert_eq!(first_rows, vec![0, 20_000, 40_000]);
    }

    #[test]
    fn nulls_in_every_position_and_run_length() {
        // Nulls first, last, alone, in runs shorter and longer than 8, and whole pages of them.
        let mut values: Vec<Option<&str>> = vec![None, Some("a@x.io"), None, None, Some("b@x.io")];
        values.extend(std::iter::repeat_n(None, 9));
        values.extend(std::iter::repeat_n(Some("c@x.io"), 17));
        values.extend((0..50_000).map(|i| if i % 3 == 0 { None } else { Some("d@x.io") }));
        values.extend(std::iter::repeat_n(None, 25_000));
        values.push(Some("e@x.io"));
        values.push(None);
        let row_groups = vec![values, vec![None], vec![Some("f@x.io")]];
        let (read, _) = round_trip(true, &row_groups);
        assert_eq!(read, owned(&row_groups));
    }

    #[test]
    fn long_values_end_pages_early() {
        let long = "x".repeat(100_000);
        let values: Vec<Option<&str>> = (0..25).map(|_| Some(long.as_str())).collect();
        let (read, bytes) = round_trip(false, std::slice::from_ref(&values));
        assert_eq!(read, owned(std::slice::from_ref(&values)));
        let reader = with_page_index(bytes);
        // 11 values reach 1 MiB: pages of 11, 11 and 3 rows.
        let pages = reader.metadata().page_index_for_row_group(0).offset_index(0).unwrap().page_locations().clone();
        assert_eq!(pages.iter().map(|p| p.first_row_index).collect::<Vec<_>>(), vec![0, 11, 22]);
    }

    #[test]
    fn a_null_in_a_required_column_is_an_error() {
        let schema = Arc::new(Schema::new(vec![Field::new("address", DataType::Utf8, false)]));
        let parquet_schema = ArrowSchemaConverter::new().convert(&schema).unwrap();
        let descr = parquet_schema.column(0);
        let error = encode_string_column(descr, &[Some("a"), None]).err().expect("an error");
        assert!(error.to_string().contains("null value in required column \"address\""), "{error}");
    }
}
