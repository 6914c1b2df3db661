//! Hive partitioning: the `KEY=VALUE` folders of a directory table (as Spark, DuckDB and Polars
//! write them) give every row of the files below them a string column `KEY`.

use std::path::Path;

use crate::LoadError;

/// One partition column of a file: its name and value (`None` for
/// `__HIVE_DEFAULT_PARTITION__`, Spark's null).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub key: String,
    pub value: Option<String>,
}

const NULL_VALUE: &str = "__HIVE_DEFAULT_PARTITION__";

/// The partition columns of `file`, a file below the table directory `root`: one per folder
/// between them named `KEY=VALUE` (a deeper folder wins over a shallower one of the same key).
/// File names are never partitions.
pub fn partitions_of(root: &Path, file: &Path) -> Result<Vec<Partition>, LoadError> {
    let Ok(relative) = file.strip_prefix(root) else { return Ok(Vec::new()) };
    let mut folders: Vec<_> = relative.components().collect();
    folders.pop(); // the file name
    let mut found: Vec<Partition> = Vec::new();
    let mut so_far = root.to_path_buf();
    for folder in folders {
        so_far.push(folder);
        let raw = folder.as_os_str().as_encoded_bytes();
        let Some(eq) = raw.iter().position(|&b| b == b'=') else { continue };
        if eq == 0 {
            continue;
        }
        let not_utf8 = || LoadError::Partition {
            path: so_far.clone(),
            message: "the partition folder's name is not UTF-8 once its %XX escapes are decoded".into(),
        };
        let key = String::from_utf8(decode_escapes(&raw[..eq])).map_err(|_| not_utf8())?;
        let value_raw = &raw[eq + 1..];
        let value = if value_raw == NULL_VALUE.as_bytes() {
            None
        } else {
            Some(String::from_utf8(decode_escapes(value_raw)).map_err(|_| not_utf8())?)
        };
        found.retain(|p| p.key != key);
        found.push(Partition { key, value });
    }
    Ok(found)
}

/// Decodes `%XX` escapes (hex digits of either case); an invalid escape and `+` stay as written.
fn decode_escapes(raw: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' && i + 2 < raw.len() {
            if let (Some(h), Some(l)) = (hex(raw[i + 1]), hex(raw[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(path: &str) -> Vec<(String, Option<String>)> {
        partitions_of(Path::new("/t"), Path::new(path)).unwrap().into_iter().map(|p| (p.key, p.value)).collect()
    }

    #[test]
    fn key_value_folders_with_escapes_empty_and_null() {
        assert_eq!(
            of("/t/delivery_id=black%20friday/channel=EMAIL/part-0.parquet"),
            [("delivery_id".into(), Some("black friday".into())), ("channel".into(), Some("EMAIL".into()))]
        );
        assert_eq!(of("/t/k=a%2fb%2Fc/x.parquet"), [("k".into(), Some("a/b/c".into()))]);
        assert_eq!(of("/t/k=/x.parquet"), [("k".into(), Some(String::new()))]);
        assert_eq!(of("/t/k=__HIVE_DEFAULT_PARTITION__/x.parquet"), [("k".into(), None)]);
        assert_eq!(of("/t/k=a+b%zz%4/x.parquet"), [("k".into(), Some("a+b%zz%4".into()))]);
        assert_eq!(of("/t/k=a=b/x.parquet"), [("k".into(), Some("a=b".into()))]);
        assert_eq!(of("/t/k=1/k=2/x.parquet"), [("k".into(), Some("2".into()))]);
        assert_eq!(of("/t/plain/=v/k=v.parquet"), []);
        assert_eq!(of("/t/x.parquet"), []);
    }

    #[test]
    fn a_value_that_is_not_utf8_once_decoded_is_a_data_error() {
        let err = partitions_of(Path::new("/t"), Path::new("/t/k=%ff/x.parquet")).unwrap_err();
        assert!(err.to_string().starts_with("/t/k=%ff: "), "{err}");
        assert!(err.to_string().contains("not UTF-8"), "{err}");
    }
}
