//! The deliveries table: what the campaign system knows of each delivery.

use ahash::HashMap;
use suppress_load::{BadValue, Batch, ColumnNames, ColumnSpec, LoadError, Table, TableKind};
use suppress_model::consent::service_name;

/// The weight of a delivery the table does not list, or whose weight is null.
pub const DEFAULT_WEIGHT: i64 = 5;

/// One delivery_id's properties; they apply to every channel of that delivery_id.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryProperties {
    /// The service whose subscribers the delivery goes to (trimmed, ASCII-lowercased).
    pub service: Option<String>,
    /// Priority under pressure rules: higher goes first.
    pub weight: i64,
    /// When the message is sent, in whole microseconds; `None` means `--as-of`.
    pub contact_date: Option<i64>,
    /// Share of the delivery held out as a control group, 0 to 100.
    pub control_percent: f64,
}

impl Default for DeliveryProperties {
    fn default() -> Self {
        DeliveryProperties { service: None, weight: DEFAULT_WEIGHT, contact_date: None, control_percent: 0.0 }
    }
}

/// The deliveries table, by delivery_id text.
#[derive(Debug, Clone, Default)]
pub struct DeliveryTable {
    pub by_id: HashMap<String, DeliveryProperties>,
    pub rows_read: u64,
}

const DELIVERY_ID: usize = 0;
const SERVICE: usize = 1;
const WEIGHT: usize = 2;
const CONTACT_DATE: usize = 3;
const CONTROL_PERCENT: usize = 4;

/// One row read, with where it came from (for the duplicate's message).
struct Row {
    id: String,
    properties: DeliveryProperties,
    file: std::path::PathBuf,
    row: u64,
}

impl DeliveryTable {
    pub fn columns(names: &ColumnNames) -> Vec<ColumnSpec> {
        let source = |name| names.source(TableKind::Deliveries, name);
        vec![
            ColumnSpec::required("delivery_id", source("delivery_id")),
            ColumnSpec::optional("service", source("service")),
            ColumnSpec::optional("weight", source("weight")),
            ColumnSpec::optional("contact_date", source("contact_date")),
            ColumnSpec::optional("control_percent", source("control_percent")),
        ]
    }

    /// Reads the table. It is the campaign's configuration: every bad row fails the run, with
    /// or without `--skip-bad-rows`.
    pub fn load(table: &Table, names: &ColumnNames) -> Result<DeliveryTable, LoadError> {
        let columns = DeliveryTable::columns(names);
        let parts = table.scan(&columns, read_batch)?;
        let mut deliveries = DeliveryTable { rows_read: table.num_rows(), ..DeliveryTable::default() };
        for row in parts.into_iter().flatten() {
            if deliveries.by_id.contains_key(&row.id) {
                return Err(LoadError::BadRow {
                    path: row.file,
                    column: columns[DELIVERY_ID].source.clone(),
                    row: row.row,
                    problem: BadValue::DuplicateDelivery(row.id),
                });
            }
            deliveries.by_id.insert(row.id, row.properties);
        }
        Ok(deliveries)
    }

    /// The properties of delivery_id `id`: its row's, or the defaults.
    pub fn properties(&self, id: &str) -> DeliveryProperties {
        self.by_id.get(id).cloned().unwrap_or_default()
    }
}

fn read_batch(batch: &Batch) -> Result<Vec<Row>, LoadError> {
    let ids = batch.delivery_ids(DELIVERY_ID)?.expect("required column");
    let services = batch.strings(SERVICE)?;
    let weights = batch.integers(WEIGHT)?;
    let dates = batch.times(CONTACT_DATE)?;
    let percents = batch.numbers(CONTROL_PERCENT)?;
    let mut rows = Vec::with_capacity(batch.num_rows);
    for i in 0..batch.num_rows {
        let id = match ids.get(i) {
            Ok(Some(id)) => id.into_owned(),
            Ok(None) => return Err(batch.bad_row(DELIVERY_ID, i, BadValue::Null)),
            Err(v) => return Err(batch.bad_row(DELIVERY_ID, i, BadValue::OutOfRange(v.to_string()))),
        };
        let weight = match weights.as_ref().and_then(|w| w.get(i)) {
            None => DEFAULT_WEIGHT,
            Some(w) => i64::try_from(w).map_err(|_| batch.bad_row(WEIGHT, i, BadValue::BadWeight(w.to_string())))?,
        };
        let control_percent = match percents.as_ref().and_then(|p| p.get(i)) {
            None => 0.0,
            Some(p) if (0.0..=100.0).contains(&p) => p,
            Some(p) => return Err(batch.bad_row(CONTROL_PERCENT, i, BadValue::BadPercent(p.to_string()))),
        };
        let properties = DeliveryProperties {
            service: services.as_ref().and_then(|s| s.get(i)).and_then(service_name),
            weight,
            contact_date: dates.as_ref().and_then(|d| d.micros(i)),
            control_percent,
        };
        rows.push(Row { id, properties, file: batch.file.to_path_buf(), row: batch.row_number(i) });
    }
    Ok(rows)
}
