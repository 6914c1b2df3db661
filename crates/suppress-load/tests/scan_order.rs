//! A scan's error is the first in table order, whatever the thread count and however fast
//! each row group fails: the error of a bad row names the table's first bad row.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use suppress_load::{BadValue, ColumnSpec, LoadError, Table};

#[test]
fn the_error_of_a_scan_is_its_first_in_table_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.parquet");
    let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(0..128));
    let batch = RecordBatch::try_from_iter([("id", ids)]).unwrap();
    let properties = WriterProperties::builder().set_max_row_group_row_count(Some(2)).build();
    let mut writer =
        ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), batch.schema(), Some(properties)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let table = Table::open(&path).unwrap();
    assert_eq!(table.files[0].metadata().num_row_groups(), 64);
    let specs = [ColumnSpec::required("id", "id")];
    let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
    for _ in 0..20 {
        // Every row group fails at its first row; the first one is the slowest to.
        let result = pool.install(|| {
            table.scan(&specs, |batch| {
                if batch.row_number(0) == 1 {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err::<(), LoadError>(batch.bad_row(0, 0, BadValue::Null))
            })
        });
        match result {
            Err(LoadError::BadRow { row, .. }) => assert_eq!(row, 1, "the first bad row of the table"),
            other => panic!("expected a bad row, got {other:?}"),
        }
    }
}
