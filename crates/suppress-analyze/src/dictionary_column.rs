//! Column chunks of the outputs' repeated strings (delivery_id, channel, reason), encoded from
//! small integer codes straight into Parquet dictionary pages.
//!
//! The Arrow writer would take a string per row and intern it in a hash table, compare it with
//! the running min and max, and compute levels: at 10M profiles a third of the whole write for
//! these three columns, whose values come from a set of a few known strings. Here a row is one
//! code; the chunk is a PLAIN dictionary page of the values the row group uses, then data pages
//! of their indexes in the RLE / bit-packing hybrid, Snappy-compressed, with the same
//! statistics (exact min and max, no nulls) and offset index the Arrow writer writes. What a
//! reader decodes is the same dictionary-encoded column.

use bytes::Bytes;
use parquet::basic::{Compression, Encoding, PageType};
use parquet::column::page::{CompressedPage, Page, PageWriteSpec, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::data_type::ByteArray;
use parquet::errors::ParquetError;
use parquet::file::metadata::{ColumnChunkMetaData, PageEncodingStats};
use parquet::file::page_index::offset_index::{OffsetIndexMetaData, PageLocation};
use parquet::file::statistics::Statistics;
use parquet::file::writer::{SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

/// Values per data page: the Arrow writer's default row limit, so that pages (and the offset
/// index) have the same granularity in every column.
const PAGE_VALUES: usize = 20_000;

/// An encoded column chunk, ready for `SerializedRowGroupWriter::append_column`.
pub struct DictionaryChunk {
    pub data: Bytes,
    pub close: ColumnCloseResult,
}

/// Encodes the required string column `descr` of one row group: row i's value is
/// `values[codes[i]]`. `values` must be distinct; codes must index it.
pub fn encode_dictionary_column(
    descr: ColumnDescPtr,
    values: &[&str],
    codes: &[u32],
) -> Result<DictionaryChunk, ParquetError> {
    // The dictionary holds only the values this row group uses, in code order.
    let mut counts = vec![0u64; values.len()];
    for &code in codes {
        counts[code as usize] += 1;
    }
    let mut index_of_code = vec![u32::MAX; values.len()];
    let mut dictionary: Vec<&str> = Vec::new();
    for (code, &count) in counts.iter().enumerate() {
        if count > 0 {
            index_of_code[code] = dictionary.len() as u32;
            dictionary.push(values[code]);
        }
    }
    let bit_width = bits_for(dictionary.len().saturating_sub(1) as u32).max(1);
    let mut sink = TrackedWrite::new(Vec::new());
    let mut pages = SerializedPageWriter::new(&mut sink);

    let mut plain = Vec::new();
    for value in &dictionary {
        plain.extend_from_slice(&(value.len() as u32).to_le_bytes());
        plain.extend_from_slice(value.as_bytes());
    }
    let dictionary_spec = pages.write_page(compressed(plain, |buf| Page::DictionaryPage {
        buf,
        num_values: dictionary.len() as u32,
        encoding: Encoding::PLAIN,
        is_sorted: false,
    })?)?;

    let mut data_specs: Vec<(PageWriteSpec, i64)> = Vec::new();
    let mut indexes = Vec::with_capacity(PAGE_VALUES);
    for (page, page_codes) in codes.chunks(PAGE_VALUES).enumerate() {
        indexes.clear();
        indexes.extend(page_codes.iter().map(|&code| index_of_code[code as usize]));
        let mut buf = vec![bit_width];
        rle_hybrid(&indexes, bit_width, &mut buf);
        let spec = pages.write_page(compressed(buf, |buf| Page::DataPage {
            buf,
            num_values: page_codes.len() as u32,
            encoding: Encoding::RLE_DICTIONARY,
            def_level_encoding: Encoding::RLE,
            rep_level_encoding: Encoding::RLE,
            statistics: None,
        })?)?;
        data_specs.push((spec, (page * PAGE_VALUES) as i64));
    }
    pages.close()?;
    let data = Bytes::from(sink.into_inner()?);

    let all_specs = std::iter::once(&dictionary_spec).chain(data_specs.iter().map(|(spec, _)| spec));
    let (compressed_size, uncompressed_size) = all_specs
        .fold((0i64, 0i64), |(c, u), spec| (c + spec.compressed_size as i64, u + spec.uncompressed_size as i64));
    let unencoded_bytes: u64 = counts.iter().zip(values).map(|(&count, value)| count * value.len() as u64).sum();
    let min = dictionary.iter().min().map(|v| ByteArray::from(v.as_bytes().to_vec()));
    let max = dictionary.iter().max().map(|v| ByteArray::from(v.as_bytes().to_vec()));
    let metadata = ColumnChunkMetaData::builder(descr)
        .set_compression(Compression::SNAPPY)
        .set_encodings(vec![Encoding::PLAIN, Encoding::RLE, Encoding::RLE_DICTIONARY])
        .set_page_encoding_stats(vec![
            PageEncodingStats { page_type: PageType::DICTIONARY_PAGE, encoding: Encoding::PLAIN, count: 1 },
            PageEncodingStats {
                page_type: PageType::DATA_PAGE,
                encoding: Encoding::RLE_DICTIONARY,
                count: data_specs.len() as i32,
            },
        ])
        .set_total_compressed_size(compressed_size)
        .set_total_uncompressed_size(uncompressed_size)
        .set_num_values(codes.len() as i64)
        .set_dictionary_page_offset(Some(dictionary_spec.offset as i64))
        .set_data_page_offset(data_specs.first().map_or(dictionary_spec.offset, |(spec, _)| spec.offset) as i64)
        .set_statistics(Statistics::new(min, max, None, Some(0), false))
        .set_unencoded_byte_array_data_bytes(Some(unencoded_bytes as i64))
        .build()?;
    let page_locations = data_specs
        .iter()
        .map(|(spec, first_row_index)| PageLocation {
            offset: spec.offset as i64,
            compressed_page_size: spec.bytes_written as i32,
            first_row_index: *first_row_index,
        })
        .collect();
    let close = ColumnCloseResult {
        bytes_written: data.len() as u64,
        rows_written: codes.len() as u64,
        metadata,
        bloom_filter: None,
        column_index: None,
        offset_index: Some(OffsetIndexMetaData { page_locations, unencoded_byte_array_data_bytes: None }),
    };
    Ok(DictionaryChunk { data, close })
}

/// `uncompressed` Snappy-compressed into the page `page` builds.
fn compressed(uncompressed: Vec<u8>, page: impl FnOnce(Bytes) -> Page) -> Result<CompressedPage, ParquetError> {
    let buf = snap::raw::Encoder::new().compress_vec(&uncompressed).map_err(|e| ParquetError::External(Box::new(e)))?;
    Ok(CompressedPage::new(page(Bytes::from(buf)), uncompressed.len()))
}

/// Bits needed to write `max`: 0 for 0.
fn bits_for(max: u32) -> u8 {
    (u32::BITS - max.leading_zeros()) as u8
}

/// Bit-packed runs hold at most this many groups of 8 values: a one-byte run header, as the
/// Arrow and Java writers do, which every reader accepts.
const MAX_GROUPS: usize = 63;

/// Appends `values`, each below 2^`bit_width`, to `out` in Parquet's RLE / bit-packing hybrid:
/// a run of 8 or more equal values as one RLE run, anything else bit-packed by groups of 8.
fn rle_hybrid(values: &[u32], bit_width: u8, out: &mut Vec<u8>) {
    let value_bytes = usize::from(bit_width).div_ceil(8);
    // Length of the run of equal values at `i`, counted up to `limit`.
    let run_at = |i: usize, limit: usize| values[i..].iter().take(limit).take_while(|&&v| v == values[i]).count();
    let mut i = 0;
    while i < values.len() {
        let run = run_at(i, usize::MAX);
        if run >= 8 {
            push_varint((run as u64) << 1, out);
            out.extend_from_slice(&values[i].to_le_bytes()[..value_bytes]);
            i += run;
            continue;
        }
        // Whole groups of 8 until one would start a run of 8 (or the values end); only the
        // last group of the page may be padded.
        let start = i;
        let mut groups = 0;
        loop {
            groups += 1;
            i += 8;
            if i >= values.len() || groups == MAX_GROUPS || run_at(i, 8) == 8 {
                break;
            }
        }
        i = i.min(values.len());
        push_varint(((groups as u64) << 1) | 1, out);
        bit_pack(&values[start..i], groups * 8, bit_width, out);
    }
}

/// `values`, padded with zeros to `count`, packed `bit_width` bits each, least significant
/// bit first.
fn bit_pack(values: &[u32], count: usize, bit_width: u8, out: &mut Vec<u8>) {
    let mut bits: u64 = 0;
    let mut pending = 0u32;
    for j in 0..count {
        bits |= u64::from(values.get(j).copied().unwrap_or(0)) << pending;
        pending += u32::from(bit_width);
        while pending >= 8 {
            out.push(bits as u8);
            bits >>= 8;
            pending -= 8;
        }
    }
    // count is a multiple of 8, so count * bit_width is whole bytes.
    debug_assert_eq!(pending, 0);
}

fn push_varint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::arrow::ArrowSchemaConverter;
    use parquet::file::properties::WriterProperties;
    use parquet::file::reader::FileReader;
    use parquet::file::serialized_reader::SerializedFileReader;
    use parquet::file::writer::SerializedFileWriter;

    use super::*;

    /// Writes a file of one column `name` from row groups of codes, then reads it back with
    /// the parquet crate's own Arrow reader; returns the values and the file.
    fn round_trip(values: &[&str], row_groups: &[Vec<u32>]) -> (Vec<String>, Bytes) {
        let schema = Arc::new(Schema::new(vec![Field::new("name", DataType::Utf8, false)]));
        let parquet_schema = ArrowSchemaConverter::new().convert(&schema).unwrap();
        let props = Arc::new(WriterProperties::builder().build());
        let mut file = SerializedFileWriter::new(Vec::new(), parquet_schema.root_schema_ptr(), props).unwrap();
        for codes in row_groups {
            let descr = file.schema_descr().column(0);
            let chunk = encode_dictionary_column(descr, values, codes).unwrap();
            let mut row_group = file.next_row_group().unwrap();
            row_group.append_column(&chunk.data, chunk.close).unwrap();
            row_group.close().unwrap();
        }
        let bytes = Bytes::from(file.into_inner().unwrap());
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes.clone()).unwrap().build().unwrap();
        let mut read = Vec::new();
        for batch in reader {
            let batch = batch.unwrap();
            let column = batch.column(0).as_string::<i32>();
            assert_eq!(column.null_count(), 0);
            read.extend(column.iter().map(|v| v.unwrap().to_string()));
        }
        (read, bytes)
    }

    fn expected(values: &[&str], row_groups: &[Vec<u32>]) -> Vec<String> {
        row_groups.iter().flatten().map(|&c| values[c as usize].to_string()).collect()
    }

    /// A small deterministic generator: the tests need patterns, not randomness.
    fn codes(seed: u64, len: usize, distinct: u32, mean_run: u64) -> Vec<u32> {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            let value = (next() % u64::from(distinct)) as u32;
            let run = 1 + next() % (2 * mean_run);
            out.extend(std::iter::repeat_n(value, run as usize));
        }
        out.truncate(len);
        out
    }

    #[test]
    fn reads_back_every_run_pattern_and_width() {
        let names: Vec<String> = (0..700).map(|i| format!("delivery-{i:04}")).collect();
        let values: Vec<&str> = names.iter().map(String::as_str).collect();
        // Widths 1 to 10; runs from alternating values to long RLE runs; lengths that end
        // inside a group, on a group, and across several pages.
        for (distinct, mean_run, len) in [
            (1, 1, 1),
            (2, 1, 7),
            (2, 1, 8),
            (3, 3, 9),
            (5, 20, 1000),
            (9, 1, 45_001),
            (700, 2, 20_000),
            (700, 40, 61_003),
        ] {
            let row_groups = vec![codes(distinct as u64, len, distinct, mean_run), codes(7, 100, distinct, 1)];
            let (read, _) = round_trip(&values[..distinct as usize], &row_groups);
            assert_eq!(read, expected(&values[..distinct as usize], &row_groups), "{distinct} {mean_run} {len}");
        }
    }

    #[test]
    fn bit_packed_runs_longer_than_one_header_byte_are_split() {
        // 63 groups is the largest one-byte header; 2,000 alternating values need several.
        let values = ["a", "b", "c"];
        let row_groups = vec![(0..2000).map(|i| i % 3).collect::<Vec<u32>>()];
        let (read, _) = round_trip(&values, &row_groups);
        assert_eq!(read, expected(&values, &row_groups));
    }

    #[test]
    fn statistics_and_dictionary_cover_only_the_values_used() {
        let values = ["sms", "email", "push", "fax"];
        let row_groups = vec![vec![1, 2, 1, 1, 2], vec![3, 3]];
        let (read, bytes) = round_trip(&values, &row_groups);
        assert_eq!(read, expected(&values, &row_groups));
        let reader = SerializedFileReader::new(bytes).unwrap();
        let first = reader.metadata().row_group(0).column(0);
        assert_eq!(first.num_values(), 5);
        assert_eq!(first.compression(), Compression::SNAPPY);
        let Some(Statistics::ByteArray(stats)) = first.statistics() else { panic!("byte array statistics") };
        assert_eq!(stats.min_opt().unwrap().as_utf8().unwrap(), "email");
        assert_eq!(stats.max_opt().unwrap().as_utf8().unwrap(), "push");
        assert_eq!(stats.null_count_opt(), Some(0));
        assert_eq!(first.unencoded_byte_array_data_bytes(), Some(3 * 5 + 2 * 4));
        let second = reader.metadata().row_group(1).column(0);
        let Some(Statistics::ByteArray(stats)) = second.statistics() else { panic!("byte array statistics") };
        assert_eq!(
            (stats.min_opt().unwrap().as_utf8().unwrap(), stats.max_opt().unwrap().as_utf8().unwrap()),
            ("fax", "fax")
        );
    }

    #[test]
    fn rle_hybrid_layout() {
        // Ten 5s: one RLE run (header 10 << 1, one byte of value).
        let mut out = Vec::new();
        rle_hybrid(&[5; 10], 3, &mut out);
        assert_eq!(out, vec![20, 5]);
        // 0..8 at width 3: one bit-packed group (header 1 << 1 | 1), 3 bytes.
        let mut out = Vec::new();
        rle_hybrid(&[0, 1, 2, 3, 4, 5, 6, 7], 3, &mut out);
        assert_eq!(out, vec![3, 0b1000_1000, 0b1100_0110, 0b1111_1010]);
        // Three values, padded to a group of 8.
        let mut out = Vec::new();
        rle_hybrid(&[1, 0, 1], 1, &mut out);
        assert_eq!(out, vec![3, 0b0000_0101]);
    }
}
