//! `deliveries.parquet`: the eight deliveries' services, weights, contact dates and control
//! shares, with the spellings real configuration tables have, and one delivery no target
//! list uses.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int32Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};

use crate::quarantine::PIVOT_MICROS;
use crate::write::write_stream;
use crate::GenError;

const HOUR: i64 = 3_600_000_000;

/// One row: (delivery_id, service, weight, contact date relative to 2026-11-01T00:00Z in
/// hours, control percent); `None` is null.
pub type DeliveryRow = (&'static str, Option<&'static str>, Option<i32>, Option<i64>, Option<f64>);

pub const DELIVERY_PROPERTIES: [DeliveryRow; 9] = [
    ("2026-11-23-newsletter", Some(" NewsLetter "), Some(3), Some(8), None),
    ("2026-11-23-black-friday", None, Some(8), Some(9), Some(12.5)),
    ("sms-flash-sale", Some("SMS-Promos\t"), None, Some(10), Some(5.0)),
    ("sms-reminder", Some("  "), Some(2), None, None),
    ("phone-survey", None, Some(5), Some(14), Some(0.0)),
    ("fax-b2b-offer", None, None, None, None),
    ("push-app-update", None, Some(-1), Some(12), Some(2.0)),
    ("dm-winter-catalogue", Some("catalogue"), Some(4), Some(48), None),
    ("2026-12-advent-calendar", Some("newsletter"), Some(6), Some(720), Some(10.0)),
];

pub fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("delivery_id", DataType::Utf8, false),
        Field::new("service", DataType::Utf8, true),
        Field::new("weight", DataType::Int32, true),
        Field::new("contact_date", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), true),
        Field::new("control_percent", DataType::Float64, true),
    ]))
}

pub fn write(path: &Path) -> Result<u64, GenError> {
    let rows = &DELIVERY_PROPERTIES;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0))),
        Arc::new(StringArray::from_iter(rows.iter().map(|r| r.1))),
        Arc::new(Int32Array::from_iter(rows.iter().map(|r| r.2))),
        Arc::new(
            TimestampMicrosecondArray::from_iter(rows.iter().map(|r| r.3.map(|h| PIVOT_MICROS + h * HOUR)))
                .with_timezone("UTC"),
        ),
        Arc::new(Float64Array::from_iter(rows.iter().map(|r| r.4))),
    ];
    let batch = RecordBatch::try_new(schema(), columns).expect("columns match the schema");
    write_stream(path, schema(), std::iter::once(batch))
}
