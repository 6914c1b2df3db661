//! Corrupt files found by fuzzing (`scripts/fuzz`) end in an error, never a panic.

use std::path::Path;

use suppress_load::{ColumnSpec, LoadError, Table};

/// Opens `file` and scans every column through every typed view.
fn scan_all(file: &Path) -> Result<(), LoadError> {
    let table = Table::open(file)?;
    let names: Vec<String> = table.files[0].schema().fields().iter().map(|f| f.name().clone()).collect();
    let specs: Vec<ColumnSpec> = names.iter().map(|n| ColumnSpec::optional(n, n)).collect();
    table.scan(&specs, |batch| {
        for k in 0..specs.len() {
            if let Ok(Some(col)) = batch.strings(k) {
                let _ = (0..batch.num_rows).filter_map(|i| col.get(i)).count();
            }
        }
        Ok::<_, LoadError>(())
    })?;
    Ok(())
}

#[test]
fn rle_shift_overflow_is_a_decode_error() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corrupt/rle-shift-overflow.parquet");
    // Test builds have overflow checks, like the fuzzer's, so this reproduces its panic.
    match scan_all(&file) {
        Err(LoadError::Decode { path, message, .. }) => {
            assert_eq!(path, file);
            assert!(message.contains("corrupt data"), "{message}");
        }
        Err(other) => panic!("expected a decode error, got {other}"),
        Ok(()) => {}
    }
}
