//! Parquet column chunks written by hand: Snappy-compressed pages, then the chunk's metadata and
//! offset index as the Arrow writer makes them, ready for `SerializedRowGroupWriter::append_column`.
//!
//! [`ChunkPages`] collects the pages of one chunk and [`ChunkPages::finish`] describes them;
//! [`rle_hybrid`] is Parquet's RLE / bit-packing hybrid, used for dictionary indexes and
//! definition levels. The encoders built on these are [`crate::dictionary_column`] and
//! [`crate::string_column`].

use bytes::Bytes;
use parquet::basic::{Compression, Encoding, PageType};
use parquet::column::page::{CompressedPage, Page, PageWriteSpec, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::errors::ParquetError;
use parquet::file::metadata::{ColumnChunkMetaData, PageEncodingStats};
use parquet::file::page_index::offset_index::{OffsetIndexMetaData, PageLocation};
use parquet::file::statistics::Statistics;
use parquet::file::writer::{SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

/// Values per data page: the Arrow writer's default row limit, so that pages (and the offset
/// index) have the same granularity in every column.
pub const PAGE_VALUES: usize = 20_000;

/// An encoded column chunk, ready for `SerializedRowGroupWriter::append_column`.
pub struct EncodedChunk {
    pub data: Bytes,
    pub close: ColumnCloseResult,
}

/// The pages of one column chunk, in the order they are written.
pub struct ChunkPages {
    sink: TrackedWrite<Vec<u8>>,
    dictionary: Option<PageWriteSpec>,
    /// Each data page and the index of its first row in the chunk.
    data: Vec<(PageWriteSpec, i64)>,
    rows: i64,
}

/// What [`ChunkPages::finish`] records about a chunk besides its pages.
pub struct ChunkFacts {
    /// Every encoding the chunk uses, levels included.
    pub encodings: Vec<Encoding>,
    /// The encoding of the data pages.
    pub data_encoding: Encoding,
    pub statistics: Option<Statistics>,
    /// The total length of the byte-array values, as if written without encoding.
    pub unencoded_bytes: i64,
}

impl ChunkPages {
    pub fn new(capacity: usize) -> ChunkPages {
        ChunkPages {
            sink: TrackedWrite::new(Vec::with_capacity(capacity)),
            dictionary: None,
            data: Vec::new(),
            rows: 0,
        }
    }

    /// Writes the dictionary page, which must come first: `plain` holds its `num_values`
    /// values, PLAIN-encoded.
    pub fn dictionary_page(&mut self, plain: &[u8], num_values: usize) -> Result<(), ParquetError> {
        debug_assert!(self.dictionary.is_none() && self.data.is_empty());
        let page = compressed(plain, |buf| Page::DictionaryPage {
            buf,
            num_values: num_values as u32,
            encoding: Encoding::PLAIN,
            is_sorted: false,
        })?;
        self.dictionary = Some(SerializedPageWriter::new(&mut self.sink).write_page(page)?);
        Ok(())
    }

    /// Writes a data page (version 1) of `rows` rows: `levels_and_values` holds the
    /// definition levels, if the column has any, then the values in `encoding`.
    pub fn data_page(&mut self, levels_and_values: &[u8], rows: usize, encoding: Encoding) -> Result<(), ParquetError> {
        let page = compressed(levels_and_values, |buf| Page::DataPage {
            buf,
            num_values: rows as u32,
            encoding,
            def_level_encoding: Encoding::RLE,
            rep_level_encoding: Encoding::RLE,
            statistics: None,
        })?;
        let spec = SerializedPageWriter::new(&mut self.sink).write_page(page)?;
        self.data.push((spec, self.rows));
        self.rows += rows as i64;
        Ok(())
    }

    /// The chunk of column `descr`: its bytes, metadata and offset index.
    pub fn finish(self, descr: ColumnDescPtr, facts: ChunkFacts) -> Result<EncodedChunk, ParquetError> {
        let data = Bytes::from(self.sink.into_inner()?);
        let all_specs = self.dictionary.iter().chain(self.data.iter().map(|(spec, _)| spec));
        let (compressed_size, uncompressed_size) = all_specs
            .fold((0i64, 0i64), |(c, u), spec| (c + spec.compressed_size as i64, u + spec.uncompressed_size as i64));
        let mut encoding_stats = Vec::new();
        if self.dictionary.is_some() {
            encoding_stats.push(PageEncodingStats {
                page_type: PageType::DICTIONARY_PAGE,
                encoding: Encoding::PLAIN,
                count: 1,
            });
        }
        encoding_stats.push(PageEncodingStats {
            page_type: PageType::DATA_PAGE,
            encoding: facts.data_encoding,
            count: self.data.len() as i32,
        });
        let first_offset = self.dictionary.as_ref().or(self.data.first().map(|(spec, _)| spec)).map_or(0, |s| s.offset);
        let metadata = ColumnChunkMetaData::builder(descr)
            .set_compression(Compression::SNAPPY)
            .set_encodings(facts.encodings)
            .set_page_encoding_stats(encoding_stats)
            .set_total_compressed_size(compressed_size)
            .set_total_uncompressed_size(uncompressed_size)
            .set_num_values(self.rows)
            .set_dictionary_page_offset(self.dictionary.as_ref().map(|spec| spec.offset as i64))
            .set_data_page_offset(self.data.first().map_or(first_offset, |(spec, _)| spec.offset) as i64)
            .set_unencoded_byte_array_data_bytes(Some(facts.unencoded_bytes));
        let metadata = match facts.statistics {
            Some(statistics) => metadata.set_statistics(statistics),
            None => metadata,
        }
        .build()?;
        let page_locations = self
            .data
            .iter()
            .map(|(spec, first_row_index)| PageLocation {
                offset: spec.offset as i64,
                compressed_page_size: spec.bytes_written as i32,
                first_row_index: *first_row_index,
            })
            .collect();
        let close = ColumnCloseResult {
            bytes_written: data.len() as u64,
            rows_written: self.rows as u64,
            metadata,
            bloom_filter: None,
            column_index: None,
            offset_index: Some(OffsetIndexMetaData { page_locations, unencoded_byte_array_data_bytes: None }),
        };
        Ok(EncodedChunk { data, close })
    }
}

/// `uncompressed` Snappy-compressed into the page `page` builds.
fn compressed(uncompressed: &[u8], page: impl FnOnce(Bytes) -> Page) -> Result<CompressedPage, ParquetError> {
    let buf = snap::raw::Encoder::new().compress_vec(uncompressed).map_err(|e| ParquetError::External(Box::new(e)))?;
    Ok(CompressedPage::new(page(Bytes::from(buf)), uncompressed.len()))
}

/// Bits needed to write `max`: 0 for 0.
pub fn bits_for(max: u32) -> u8 {
    (u32::BITS - max.leading_zeros()) as u8
}

/// Bit-packed runs hold at most this many groups of 8 values: a one-byte run header, as the
/// Arrow and Java writers do, which every reader accepts.
const MAX_GROUPS: usize = 63;

/// Appends `values`, each below 2^`bit_width`, to `out` in Parquet's RLE / bit-packing hybrid:
/// a run of 8 or more equal values as one RLE run, anything else bit-packed by groups of 8.
pub fn rle_hybrid(values: &[u32], bit_width: u8, out: &mut Vec<u8>) {
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

/// For the encoders' tests: a file of one string column from hand-encoded chunks, read back.
#[cfg(test)]
pub mod test_file {
    use std::sync::Arc;

    use arrow::array::AsArray;
    use arrow::datatypes::{DataType, Field, Schema};
    use bytes::Bytes;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::arrow::ArrowSchemaConverter;
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::types::ColumnDescPtr;

    use super::EncodedChunk;

    /// Writes a file of one Utf8 column `name` (nullable or not) with `row_groups` row groups,
    /// row group k being the chunk `encode(column, k)` makes, then reads it back with the
    /// parquet crate's Arrow reader; returns the values and the file.
    pub fn write_and_read(
        nullable: bool,
        row_groups: usize,
        encode: impl Fn(ColumnDescPtr, usize) -> EncodedChunk,
    ) -> (Vec<Option<String>>, Bytes) {
        let schema = Arc::new(Schema::new(vec![Field::new("name", DataType::Utf8, nullable)]));
        let parquet_schema = ArrowSchemaConverter::new().convert(&schema).unwrap();
        let props = Arc::new(WriterProperties::builder().build());
        let mut file = SerializedFileWriter::new(Vec::new(), parquet_schema.root_schema_ptr(), props).unwrap();
        for k in 0..row_groups {
            let chunk = encode(file.schema_descr().column(0), k);
            let mut row_group = file.next_row_group().unwrap();
            row_group.append_column(&chunk.data, chunk.close).unwrap();
            row_group.close().unwrap();
        }
        let bytes = Bytes::from(file.into_inner().unwrap());
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes.clone()).unwrap().build().unwrap();
        let mut read = Vec::new();
        for batch in reader {
            let batch = batch.unwrap();
            read.extend(batch.column(0).as_string::<i32>().iter().map(|v| v.map(str::to_string)));
        }
        (read, bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
