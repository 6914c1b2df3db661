//! Which files a table path stands for, and the hive partition columns their folders give
//! them: the contract's rules for reading "a Parquet file or a directory of Parquet files",
//! shared by every engine.
//!
//! - [`table_files`]: the file itself, or the `*.parquet` files anywhere below a directory, in
//!   byte order of their paths, skipping every file or folder whose name starts with `.` or `_`
//!   (Spark's `_SUCCESS`, `_temporary/`, a writer's `.staging/`).
//! - [`partitions_of`]: the `KEY=VALUE` folders between the table directory and a file.

use std::path::{Path, PathBuf};

/// A failure to list a table's files or to read a partition folder's name.
#[derive(Debug)]
pub enum LayoutError {
    /// The path does not exist or a directory cannot be read: a usage error.
    Open { path: PathBuf, source: std::io::Error },
    /// A directory holds no Parquet file: a usage error.
    EmptyDirectory { path: PathBuf },
    /// A partition folder's name is not UTF-8 once decoded: a data error.
    Partition { path: PathBuf, message: String },
}

impl std::fmt::Display for LayoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LayoutError::Open { path, source } => write!(f, "{}: {source}", path.display()),
            LayoutError::EmptyDirectory { path } => {
                write!(f, "{}: no Parquet files (*.parquet) in this directory", path.display())
            }
            LayoutError::Partition { path, message } => write!(f, "{}: {message}", path.display()),
        }
    }
}

impl std::error::Error for LayoutError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LayoutError::Open { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// One file of a table, with the partition columns of its folders (none when the table is
/// that one file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableFile {
    pub path: PathBuf,
    pub partitions: Vec<Partition>,
}

/// The files `path` stands for: itself when it is a file, or every Parquet file below it.
pub fn table_files(path: &Path) -> Result<Vec<TableFile>, LayoutError> {
    let meta = std::fs::metadata(path).map_err(|source| LayoutError::Open { path: path.into(), source })?;
    if !meta.is_dir() {
        return Ok(vec![TableFile { path: path.into(), partitions: Vec::new() }]);
    }
    let mut found = Vec::new();
    collect_parquet_files(path, &mut found)?;
    if found.is_empty() {
        return Err(LayoutError::EmptyDirectory { path: path.into() });
    }
    // Byte order of the paths, whatever order the directory lists them in.
    found.sort();
    found.into_iter().map(|file| Ok(TableFile { partitions: partitions_of(path, &file)?, path: file })).collect()
}

fn collect_parquet_files(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), LayoutError> {
    let entries = std::fs::read_dir(dir).map_err(|source| LayoutError::Open { path: dir.into(), source })?;
    for entry in entries {
        let entry = entry.map_err(|source| LayoutError::Open { path: dir.into(), source })?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type().map_err(|source| LayoutError::Open { path: path.clone(), source })?;
        let is_dir = kind.is_dir() || (kind.is_symlink() && path.is_dir());
        if is_dir {
            collect_parquet_files(&path, found)?;
        } else if name.to_ascii_lowercase().ends_with(".parquet") {
            found.push(path);
        }
    }
    Ok(())
}

/// One partition column of a file: its name and value (`None` for
/// `__HIVE_DEFAULT_PARTITION__`, Spark's null).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Partition {
    pub key: String,
    pub value: Option<String>,
}

impl Partition {
    /// The value read as an id, as the contract allows for a partition column standing for an
    /// id column: `Some(None)` for null, `Some(Some(v))` for ASCII digits (`u64::MAX` when
    /// they overflow, so that the id is out of range as in an unsigned column), `None` when
    /// the value is not ASCII digits (the column is of an unusable type).
    pub fn id_value(&self) -> Option<Option<u64>> {
        match &self.value {
            None => Some(None),
            Some(text) if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) => None,
            Some(text) => Some(Some(text.parse::<u64>().unwrap_or(u64::MAX))),
        }
    }
}

const NULL_VALUE: &str = "__HIVE_DEFAULT_PARTITION__";

/// The partition columns of `file`, a file below the table directory `root`: one per folder
/// between them named `KEY=VALUE` (a deeper folder wins over a shallower one of the same key).
/// File names are never partitions.
pub fn partitions_of(root: &Path, file: &Path) -> Result<Vec<Partition>, LayoutError> {
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
        let not_utf8 = || LayoutError::Partition {
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

    #[test]
    fn a_partition_stands_for_an_id_only_when_its_value_is_digits() {
        let p = |v: Option<&str>| Partition { key: "k".into(), value: v.map(str::to_string) };
        assert_eq!(p(Some("42")).id_value(), Some(Some(42)));
        assert_eq!(p(None).id_value(), Some(None));
        assert_eq!(p(Some("99999999999999999999")).id_value(), Some(Some(u64::MAX)));
        assert_eq!(p(Some("")).id_value(), None);
        assert_eq!(p(Some("-1")).id_value(), None);
        assert_eq!(p(Some("4a")).id_value(), None);
    }

    #[test]
    fn a_directory_lists_its_parquet_files_in_byte_order_skipping_hidden_names() {
        let dir = std::env::temp_dir().join(format!("suppress-layout-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for file in ["b=2/x.parquet", "a=1/z.PARQUET", "a=1/y.parquet", "_temporary/t.parquet", ".staging/s.parquet"]
            .iter()
            .chain(&["a=1/_SUCCESS", "a=1/notes.txt", "a=1/.x.parquet", "B/x.parquet"])
        {
            let path = dir.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, b"").unwrap();
        }
        let files = table_files(&dir).unwrap();
        let names: Vec<String> =
            files.iter().map(|f| f.path.strip_prefix(&dir).unwrap().display().to_string()).collect();
        assert_eq!(names, ["B/x.parquet", "a=1/y.parquet", "a=1/z.PARQUET", "b=2/x.parquet"]);
        assert_eq!(files[1].partitions, [Partition { key: "a".into(), value: Some("1".into()) }]);
        assert!(files[0].partitions.is_empty());
        let single = table_files(&dir.join("b=2/x.parquet")).unwrap();
        assert!(single[0].partitions.is_empty(), "a table that is one file has no partitions");
        std::fs::remove_dir_all(dir.join("B")).unwrap();
        std::fs::remove_dir_all(dir.join("a=1")).unwrap();
        std::fs::remove_dir_all(dir.join("b=2")).unwrap();
        assert!(matches!(table_files(&dir), Err(LayoutError::EmptyDirectory { .. })));
        assert!(matches!(table_files(&dir.join("none")), Err(LayoutError::Open { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
