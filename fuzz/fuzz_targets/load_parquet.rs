//! The loader on arbitrary bytes: opening and scanning every column must return Ok or an
//! error, never panic or crash.
//!
//! libfuzzer-sys's panic hook aborts on every panic, even one the loader catches on purpose
//! (it turns a panic of the Parquet decoder into a decode error). The hook is replaced by a
//! silent one: a panic that escapes the loader still reaches libfuzzer-sys's own
//! `catch_unwind` around this target, which aborts and reports it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use suppress_load::{ColumnSpec, LoadError, Table};

fuzz_target!(|data: &[u8]| {
    std::panic::set_hook(Box::new(|_| {}));
    let dir = std::env::temp_dir().join(format!("suppress-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("input.parquet");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let Ok(table) = Table::open(&path) else { return };
    let names: Vec<String> =
        table.files[0].schema().fields().iter().map(|f| f.name().clone()).collect();
    let specs: Vec<ColumnSpec> = names.iter().map(|n| ColumnSpec::optional(n, n)).collect();
    let _ = table.scan(&specs, |batch| {
        for k in 0..specs.len() {
            // Every typed view either accepts the column or reports its type.
            if let Ok(Some(col)) = batch.strings(k) {
                for i in 0..batch.num_rows {
                    let _ = col.get(i);
                }
            }
            if let Ok(Some(col)) = batch.ids(k) {
                for i in 0..batch.num_rows {
                    let _ = col.get(i);
                }
            }
            if let Ok(Some(col)) = batch.flags(k) {
                for i in 0..batch.num_rows {
                    let _ = col.get(i);
                }
            }
            if let Ok(Some(col)) = batch.expiry(k) {
                for i in 0..batch.num_rows {
                    let _ = col.get(i);
                }
            }
        }
        Ok::<_, LoadError>(())
    });
});
