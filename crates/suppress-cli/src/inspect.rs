//! `suppress inspect`: what a file holds and whether `analyze` will read it correctly.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::anyhow;
use arrow::array::new_empty_array;
use arrow::datatypes::DataType;
use suppress_analyze::MemoryEstimate;
use suppress_load::column::{
    DeliveryIdColumn, FlagColumn, IdColumn, IntegerColumn, NumberColumn, StrColumn, TimeColumn,
};
use suppress_load::{ColumnNames, Table, TableKind};

use crate::{column_names, Failure};

#[derive(clap::Args)]
#[command(
    about = "Show a Parquet export's schema, rows, row groups and compression, and which contract columns it has.",
    long_about = "Show a Parquet file's (or a directory's) schema, row count, row groups and compression, and, \
for one table kind, which contract columns were found (or mapped with --map/--preset), whether their \
types are accepted, and which are missing. Run it on a new export before the nightly job.\n\n\
Exits 1 when a column that every run needs is missing or has a type analyze cannot read.",
    after_help = "Examples:\n  suppress inspect data/profiles.parquet\n  suppress inspect exports/recipients/ --as profiles --preset adobe\n  suppress inspect todays_list.parquet --as targets --map targets.profile_id=recipient_id"
)]
pub struct Args {
    /// A Parquet file or a directory of Parquet files.
    path: PathBuf,
    /// Table kind: profiles, quarantine, targets, deliveries, subscriptions, consent, history or
    /// log (guessed from the columns when left out).
    #[arg(long = "as", value_name = "KIND")]
    kind: Option<String>,
    /// Read a contract column from another column name, e.g. profiles.email=EmailAddress.
    #[arg(long = "map", value_name = "TABLE.NAME=COLUMN")]
    maps: Vec<String>,
    /// Column names of a known export schema: adobe.
    #[arg(long, value_name = "NAME")]
    preset: Option<String>,
}

/// How a contract column is typed, and when a run needs it.
fn role(kind: TableKind, column: &str) -> (&'static str, &'static str) {
    match (kind, column) {
        (TableKind::Profiles, "profile_id") => ("id", "always"),
        (TableKind::Profiles, c) if c.starts_with("optout") => ("flag", "when a delivery uses its channel"),
        (TableKind::Profiles, _) => ("string", "when a delivery uses its channel"),
        (TableKind::Quarantine, "expires_at" | "last_error_at" | "updated_at") => ("expiry", "optional"),
        (TableKind::Quarantine, "error_count") => ("count", "optional"),
        (TableKind::Quarantine, "reason") => ("string", "optional"),
        (TableKind::Quarantine, _) => ("string", "always"),
        (TableKind::Targets, "delivery_id") => ("delivery", "always"),
        (TableKind::Targets, "profile_id") => ("id", "always"),
        (TableKind::Targets, _) => ("string", "unless --channel is given"),
        (TableKind::Log, "at") => ("expiry", "always"),
        (TableKind::Log, "reason") => ("string", "optional"),
        (TableKind::Log, _) => ("string", "always"),
        (TableKind::Deliveries, "delivery_id") => ("delivery", "always"),
        (TableKind::Deliveries, "service") => ("string", "optional"),
        (TableKind::Deliveries, "weight") => ("integer", "optional"),
        (TableKind::Deliveries, "contact_date") => ("expiry", "optional"),
        (TableKind::Deliveries, _) => ("number", "optional"),
        (TableKind::Subscriptions, "profile_id") => ("id", "always"),
        (TableKind::Subscriptions, "expires_at") => ("expiry", "optional"),
        (TableKind::Subscriptions, _) => ("string", "always"),
        (TableKind::Consent, "profile_id") => ("id", "always"),
        (TableKind::Consent, "at") => ("expiry", "always"),
        (TableKind::Consent, "action") => ("string", "always"),
        (TableKind::Consent, _) => ("string", "optional"),
        (TableKind::History, "profile_id") => ("id", "always"),
        (TableKind::History, "sent_at") => ("expiry", "always"),
        (TableKind::History, _) => ("string", "always"),
    }
}

/// Whether `analyze` accepts `data_type` for a column of `role`.
fn accepts(role: &str, data_type: &DataType) -> Result<(), &'static str> {
    let empty = new_empty_array(data_type);
    let result = match role {
        "id" => IdColumn::try_new(&empty).map(drop),
        "count" | "integer" => IntegerColumn::try_new(&empty).map(drop),
        "number" => NumberColumn::try_new(&empty).map(drop),
        "flag" => FlagColumn::try_new(&empty).map(drop),
        "expiry" => TimeColumn::try_new(&empty).map(drop),
        "delivery" => DeliveryIdColumn::try_new(&empty).map(drop),
        _ => StrColumn::try_new(&empty).map(drop),
    };
    result.map_err(|m| m.expected)
}

fn guess(table: &Table, names: &ColumnNames) -> TableKind {
    let has = |kind, name| table.has_column(names.source(kind, name));
    if has(TableKind::Targets, "delivery_id") && has(TableKind::Targets, "profile_id") {
        TableKind::Targets
    } else if has(TableKind::Deliveries, "delivery_id") {
        TableKind::Deliveries
    } else if has(TableKind::Consent, "action") && has(TableKind::Consent, "at") {
        TableKind::Consent
    } else if has(TableKind::History, "sent_at") {
        TableKind::History
    } else if has(TableKind::Subscriptions, "service") && has(TableKind::Subscriptions, "profile_id") {
        TableKind::Subscriptions
    } else if has(TableKind::Log, "outcome") && has(TableKind::Log, "at") {
        TableKind::Log
    } else if has(TableKind::Quarantine, "status") && has(TableKind::Quarantine, "address") {
        TableKind::Quarantine
    } else {
        TableKind::Profiles
    }
}

pub fn run(args: Args) -> Result<(), Failure> {
    let usage = |m: String| Failure::Usage(anyhow!(m));
    let names = column_names(args.preset.as_deref(), &args.maps).map_err(usage)?;
    let table = Table::open(&args.path).map_err(|e| {
        let usage = e.is_usage();
        Failure::new(e, usage)
    })?;
    let (kind, guessed) = match &args.kind {
        Some(k) => (
            TableKind::parse(k).ok_or_else(|| {
                let kinds: Vec<&str> = TableKind::ALL.iter().map(|t| t.name()).collect();
                usage(format!("--as {k:?}: use one of {}", kinds.join(", ")))
            })?,
            false,
        ),
        None => (guess(&table, &names), true),
    };

    let row_groups: usize = table.files.iter().map(|f| f.metadata().num_row_groups()).sum();
    let mut codecs = BTreeSet::new();
    for file in &table.files {
        for rg in file.metadata().row_groups() {
            for column in rg.columns() {
                codecs.insert(format!("{:?}", column.compression()));
            }
        }
    }
    println!("{}", table.path.display());
    println!(
        "  {} file(s), {} rows, {} row group(s), {} bytes, compression {}",
        table.files.len(),
        table.num_rows(),
        row_groups,
        table.num_bytes(),
        codecs.into_iter().collect::<Vec<_>>().join(", ")
    );
    let schema = table.files[0].schema();
    println!("\nschema ({}):", table.files[0].path.display());
    let width = schema.fields().iter().map(|f| f.name().len()).max().unwrap_or(0);
    for field in schema.fields() {
        println!("  {:<width$}  {}", field.name(), field.data_type());
    }

    println!("\nas {}{}:", kind.name(), if guessed { " (guessed; choose with --as)" } else { "" });
    let mut fatal = 0;
    for &column in kind.columns() {
        let source = names.source(kind, column);
        let (role, needed) = role(kind, column);
        let shown = if source == column { column.to_string() } else { format!("{column} <- {source}") };
        let field = table.files.iter().map(|f| f.schema().field_with_name(source).ok().cloned()).collect::<Vec<_>>();
        let partition = table.files.iter().all(|f| f.partition(source).is_some());
        let status = if partition {
            if matches!(role, "string" | "id" | "delivery") {
                "ok (hive partition column)".to_string()
            } else {
                fatal += 1;
                format!(
                    "UNUSABLE TYPE: a hive partition column is a string; expected {}",
                    accepts(role, &DataType::Utf8).unwrap_err()
                )
            }
        } else if field.iter().all(Option::is_none) {
            if needed == "always" {
                fatal += 1;
            }
            format!("MISSING (needed {needed})")
        } else if field.iter().any(Option::is_none) {
            fatal += usize::from(needed == "always");
            "MISSING in some files".to_string()
        } else {
            let data_type = field[0].as_ref().expect("present").data_type().clone();
            match accepts(role, &data_type) {
                Ok(()) => format!("ok ({data_type})"),
                Err(expected) => {
                    fatal += 1;
                    format!("UNUSABLE TYPE {data_type}; expected {expected}")
                }
            }
        };
        println!("  {shown:<36} {status}");
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    let estimate = MemoryEstimate::of_table(kind, &table, &names, threads);
    if estimate.bytes() > 0 {
        println!(
            "\nmemory: as {}, a run of analyze holds {} for this table on {threads} threads \
         (estimated from the footers; the run adds the other tables)",
            kind.name(),
            estimate.describe()
        );
    }
    if fatal > 0 {
        return Err(Failure::Data(anyhow!(
            "{}: {fatal} column(s) that every run needs are missing or unusable as {}",
            table.path.display(),
            kind.name()
        )));
    }
    Ok(())
}
