//! `--inputs DIR`: every table a nightly export folder holds, as `NAME.parquet` or `NAME/`.

use std::path::{Path, PathBuf};

/// The path of table `name` in `dir`: `dir/NAME.parquet` (a file) or `dir/NAME/` (a directory
/// of Parquet files), `None` when it has neither; both at once is a usage error.
pub fn table_in(dir: &Path, name: &str) -> Result<Option<PathBuf>, String> {
    let file = dir.join(format!("{name}.parquet"));
    let folder = dir.join(name);
    match (file.is_file(), folder.is_dir()) {
        (true, true) => Err(format!(
            "--inputs {}: both {} and {}/ exist; which one is the {name} table? Name it with --{name}",
            dir.display(),
            file.display(),
            folder.display()
        )),
        (true, false) => Ok(Some(file)),
        (false, true) => Ok(Some(folder)),
        (false, false) => Ok(None),
    }
}

/// The path of table `name`: the explicit flag's when given (it wins), else the one in
/// `--inputs DIR`.
pub fn resolve(flag: Option<PathBuf>, inputs: Option<&Path>, name: &str) -> Result<Option<PathBuf>, String> {
    match (flag, inputs) {
        (Some(path), _) => Ok(Some(path)),
        (None, Some(dir)) => table_in(dir, name),
        (None, None) => Ok(None),
    }
}

/// A table the run cannot do without.
pub fn required(flag: Option<PathBuf>, inputs: Option<&Path>, name: &str) -> Result<PathBuf, String> {
    resolve(flag, inputs, name)?.ok_or_else(|| match inputs {
        Some(dir) => format!(
            "--inputs {}: no {name} table (expected {} or {}/); or give --{name} PATH",
            dir.display(),
            dir.join(format!("{name}.parquet")).display(),
            dir.join(name).display()
        ),
        None => format!("the {name} table is required: give --{name} PATH, or --inputs DIR holding {name}.parquet"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_or_a_folder_an_explicit_flag_winning() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("profiles.parquet"), b"").unwrap();
        std::fs::create_dir(dir.path().join("targets")).unwrap();
        let d = Some(dir.path());
        assert_eq!(resolve(None, d, "profiles").unwrap(), Some(dir.path().join("profiles.parquet")));
        assert_eq!(resolve(None, d, "targets").unwrap(), Some(dir.path().join("targets")));
        assert_eq!(resolve(None, d, "consent").unwrap(), None);
        assert_eq!(resolve(Some("x.parquet".into()), d, "profiles").unwrap(), Some(PathBuf::from("x.parquet")));
        let err = required(None, d, "consent").unwrap_err();
        assert!(err.contains("no consent table") && err.contains("consent.parquet"), "{err}");
        assert!(required(None, None, "profiles").unwrap_err().contains("--profiles PATH"));
        std::fs::create_dir(dir.path().join("profiles")).unwrap();
        assert!(resolve(None, d, "profiles").unwrap_err().contains("both"));
    }
}
