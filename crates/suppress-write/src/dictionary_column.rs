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

use parquet::basic::Encoding;
use parquet::data_type::ByteArray;
use parquet::errors::ParquetError;
use parquet::file::statistics::Statistics;
use parquet::schema::types::ColumnDescPtr;

use crate::column_chunk::{bits_for, rle_hybrid, ChunkFacts, ChunkPages, EncodedChunk, PAGE_VALUES};

/// Encodes the required string column `descr` of one row group: row i's value is
/// `values[codes[i]]`. `values` must be distinct; codes must index it.
pub fn encode_dictionary_column(
    descr: ColumnDescPtr,
    values: &[&str],
    codes: &[u32],
) -> Result<EncodedChunk, ParquetError> {
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
    let mut pages = ChunkPages::new(1024);

    let mut plain = Vec::new();
    for value in &dictionary {
        plain.extend_from_slice(&(value.len() as u32).to_le_bytes());
        plain.extend_from_slice(value.as_bytes());
    }
    pages.dictionary_page(&plain, dictionary.len())?;

    let mut indexes = Vec::with_capacity(PAGE_VALUES);
    let mut buf = Vec::new();
    for page_codes in codes.chunks(PAGE_VALUES) {
        indexes.clear();
        indexes.extend(page_codes.iter().map(|&code| index_of_code[code as usize]));
        buf.clear();
        buf.push(bit_width);
        rle_hybrid(&indexes, bit_width, &mut buf);
        pages.data_page(&buf, page_codes.len(), Encoding::RLE_DICTIONARY)?;
    }

    let unencoded_bytes: u64 = counts.iter().zip(values).map(|(&count, value)| count * value.len() as u64).sum();
    let min = dictionary.iter().min().map(|v| ByteArray::from(v.as_bytes().to_vec()));
    let max = dictionary.iter().max().map(|v| ByteArray::from(v.as_bytes().to_vec()));
    pages.finish(
        descr,
        ChunkFacts {
            encodings: vec![Encoding::PLAIN, Encoding::RLE, Encoding::RLE_DICTIONARY],
            data_encoding: Encoding::RLE_DICTIONARY,
            statistics: Some(Statistics::new(min, max, None, Some(0), false)),
            unencoded_bytes: unencoded_bytes as i64,
        },
    )
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use parquet::basic::Compression;
    use parquet::file::reader::FileReader;
    use parquet::file::serialized_reader::SerializedFileReader;

    use super::*;
    use crate::column_chunk::test_file::write_and_read;

    /// Writes a file of one column from row groups of codes, then reads it back with the
    /// parquet crate's own Arrow reader; returns the values and the file.
    fn round_trip(values: &[&str], row_groups: &[Vec<u32>]) -> (Vec<String>, Bytes) {
        let (read, bytes) = write_and_read(false, row_groups.len(), |descr, k| {
            encode_dictionary_column(descr, values, &row_groups[k]).unwrap()
        });
        (read.into_iter().map(|v| v.expect("no nulls")).collect(), bytes)
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
}
