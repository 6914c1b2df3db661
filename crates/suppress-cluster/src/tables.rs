//! The input tables as the plan reads them: each registered as it is (`input_NAME`), its
//! columns checked against the contract, its bad rows found, and a view `NAME` of its good
//! rows in the contract's terms (canonical names, Int64 ids, microsecond times, checked
//! addresses).

use std::collections::BTreeMap;
use std::path::PathBuf;

use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::prelude::{ParquetReadOptions, SessionContext};
use suppress_model::Channel;

use crate::error::{engine, ClusterError};
use crate::sql::{collect_rows, quote, text_literal};
use crate::Options;

/// The tables of the contract, in the order they are read.
pub const TABLES: [&str; 7] =
    ["targets", "deliveries", "profiles", "subscriptions", "consent", "history", "quarantine"];

/// What a contract column may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Id,
    /// `delivery_id`: a string or an id.
    DeliveryId,
    Flag,
    Time,
    Text,
    Number,
}

impl Class {
    fn accepts(self, t: &DataType) -> bool {
        let text = matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
            || matches!(t, DataType::Dictionary(_, v) if v.is_string());
        match self {
            Class::Id => t.is_integer(),
            Class::DeliveryId => t.is_integer() || text,
            Class::Flag => t.is_integer() || *t == DataType::Boolean,
            Class::Time => matches!(t, DataType::Timestamp(..) | DataType::Date32 | DataType::Date64),
            Class::Text => text,
            Class::Number => {
                t.is_integer() || t.is_floating() || matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..))
            }
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Class::Id => "an integer id",
            Class::DeliveryId => "a string or an integer id",
            Class::Flag => "a Boolean or integer flag",
            Class::Time => "a timestamp or a date",
            Class::Text => "a string",
            Class::Number => "a number",
        }
    }
}

/// One input table, registered and checked.
pub struct Input {
    pub table: &'static str,
    pub path: PathBuf,
    pub schema: SchemaRef,
    pub rows: u64,
    /// Rows skipped under `--skip-bad-rows`, by `column: cause`.
    pub bad_rows: BTreeMap<String, u64>,
}

impl Input {
    fn data_type(&self, column: &str) -> Option<&DataType> {
        self.schema.field_with_name(column).ok().map(|f| f.data_type())
    }
}

/// Registers `table`'s file or directory as `input_TABLE` and counts its rows.
pub async fn register(
    ctx: &SessionContext,
    options: &Options,
    table: &'static str,
) -> Result<Option<Input>, ClusterError> {
    let Some(path) = options.path(table) else { return Ok(None) };
    if !path.exists() {
        return Err(ClusterError::Usage(format!("--{table} {}: no such file or directory", path.display())));
    }
    let location = path.to_str().ok_or_else(|| ClusterError::Usage(format!("{}: not UTF-8", path.display())))?;
    ctx.register_parquet(format!("input_{table}"), location, ParquetReadOptions::default())
        .await
        .map_err(engine(format!("{}: reading the Parquet footers", path.display())))?;
    let schema =
        ctx.table(format!("input_{table}")).await.map_err(engine(path.display().to_string()))?.schema().inner().clone();
    let rows = collect_rows(ctx, &format!("SELECT count(*) FROM input_{table}"), &path.display().to_string()).await?;
    let rows = rows.first().and_then(|r| r[0].parse().ok()).unwrap_or(0);
    Ok(Some(Input { table, path: path.clone(), schema, rows, bad_rows: BTreeMap::new() }))
}

/// One way a row can be bad: the column named in messages, the cause, the condition, and the
/// value shown in the error.
struct Cause {
    column: String,
    cause: &'static str,
    condition: String,
    value: String,
}

/// Builds the view of one table: its checked columns, its causes of bad rows, its select list.
struct View<'a> {
    input: &'a Input,
    options: &'a Options,
    causes: Vec<Cause>,
    select: Vec<String>,
}

impl<'a> View<'a> {
    fn new(input: &'a Input, options: &'a Options) -> View<'a> {
        View { input, options, causes: Vec::new(), select: Vec::new() }
    }

    /// The quoted source column of contract column `name`, checked for its class; `None`
    /// when absent and optional.
    fn column(&self, name: &str, class: Class, required: bool) -> Result<Option<String>, ClusterError> {
        let source = self.options.column(self.input.table, name);
        let path = self.input.path.display();
        match self.input.data_type(&source) {
            None if required => {
                Err(ClusterError::Data(format!("{path}: column {source:?} ({}.{name}) is missing", self.input.table)))
            }
            None => Ok(None),
            Some(t) if !class.accepts(t) => {
                Err(ClusterError::Data(format!("{path}: column {source:?} is {t}, which is not {}", class.describe())))
            }
            Some(_) => Ok(Some(quote(&source))),
        }
    }

    fn source_name(&self, name: &str) -> String {
        self.options.column(self.input.table, name)
    }

    fn cause(&mut self, name: &str, cause: &'static str, condition: String, value: String) {
        self.causes.push(Cause { column: self.source_name(name), cause, condition, value });
    }

    /// A required id: null and out-of-range rows are bad.
    fn id(&mut self, name: &str) -> Result<String, ClusterError> {
        let c = self.column(name, Class::Id, true)?.expect("required");
        self.cause(name, "null", format!("{c} IS NULL"), "'null'".into());
        self.cause(name, "out_of_range", format!("suppress_id({c}) < 0"), format!("CAST({c} AS VARCHAR)"));
        Ok(format!("suppress_id({c})"))
    }

    /// A required delivery_id: its text; null (and, for an integer, out-of-range) rows are bad.
    fn delivery_id(&mut self) -> Result<String, ClusterError> {
        let c = self.column("delivery_id", Class::DeliveryId, true)?.expect("required");
        self.cause("delivery_id", "null", format!("{c} IS NULL"), "'null'".into());
        let integer = self.input.data_type(&self.source_name("delivery_id")).is_some_and(|t| t.is_integer());
        if integer {
            self.cause("delivery_id", "out_of_range", format!("suppress_id({c}) < 0"), format!("CAST({c} AS VARCHAR)"));
            Ok(format!("arrow_cast(CAST(suppress_id({c}) AS VARCHAR), 'Utf8')"))
        } else {
            Ok(format!("arrow_cast({c}, 'Utf8')"))
        }
    }

    /// A required name column parsed by `function`: null and unknown rows are bad.
    fn name(&mut self, name: &str, function: &str, unknown: &'static str) -> Result<String, ClusterError> {
        let c = self.column(name, Class::Text, true)?.expect("required");
        self.cause(name, "null", format!("{c} IS NULL"), "'null'".into());
        self.cause(name, unknown, format!("{function}({c}) IS NULL"), c.clone());
        Ok(format!("{function}({c})"))
    }

    /// A required time: null rows are bad.
    fn time(&mut self, name: &str) -> Result<String, ClusterError> {
        let c = self.column(name, Class::Time, true)?.expect("required");
        self.cause(name, "null", format!("{c} IS NULL"), "'null'".into());
        Ok(format!("suppress_micros({c})"))
    }

    /// `expires_at` (optional): whether the row is active at `--as-of`.
    fn active(&self) -> Result<String, ClusterError> {
        Ok(match self.column("expires_at", Class::Time, false)? {
            Some(c) => format!("({c} IS NULL OR suppress_micros({c}) > {})", self.options.as_of),
            None => "true".into(),
        })
    }

    fn bad_condition(&self) -> String {
        match self.causes.is_empty() {
            true => "false".into(),
            // A condition on a null value is null, not false: the row is good unless one is true.
            false => {
                self.causes.iter().map(|c| format!("coalesce({}, false)", c.condition)).collect::<Vec<_>>().join(" OR ")
            }
        }
    }

    /// Finds the bad rows: with `skip`, counts them by `column: cause` (each row under its first
    /// cause); without, fails with the first cause found. Then registers the view of the good
    /// rows as `NAME`.
    async fn finish(self, ctx: &SessionContext, skip: bool) -> Result<BTreeMap<String, u64>, ClusterError> {
        let table = self.input.table;
        let path = self.input.path.display().to_string();
        let mut bad_rows = BTreeMap::new();
        if !self.causes.is_empty() {
            let cause = self
                .causes
                .iter()
                .map(|c| format!("WHEN {} THEN {}", c.condition, text_literal(&format!("{}: {}", c.column, c.cause))))
                .collect::<Vec<_>>()
                .join(" ");
            let value = self
                .causes
                .iter()
                .map(|c| format!("WHEN {} THEN CAST({} AS VARCHAR)", c.condition, c.value))
                .collect::<Vec<_>>()
                .join(" ");
            let sql = format!(
                "SELECT cause, count(*), min(value) FROM (SELECT CASE {cause} END AS cause, CASE {value} END AS value \
                 FROM input_{table}) WHERE cause IS NOT NULL GROUP BY cause ORDER BY cause"
            );
            for row in collect_rows(ctx, &sql, &path).await? {
                if !skip {
                    return Err(ClusterError::Data(format!(
                        "{path}: {} in {} row(s), for example {:?} (--skip-bad-rows skips and counts them)",
                        row[0], row[1], row[2]
                    )));
                }
                bad_rows.insert(row[0].clone(), row[1].parse().unwrap_or(0));
            }
        }
        let sql = format!(
            "CREATE VIEW {table} AS SELECT {} FROM input_{table} WHERE NOT ({})",
            self.select.join(", "),
            self.bad_condition()
        );
        ctx.sql(&sql).await.map_err(engine(format!("{path}: planning the view of {table}")))?;
        Ok(bad_rows)
    }
}

/// The view `targets`: `delivery_id` (text), `profile_id`, `channel` (canonical).
pub async fn targets(ctx: &SessionContext, input: &mut Input, options: &Options) -> Result<(), ClusterError> {
    let mut v = View::new(input, options);
    let delivery = v.delivery_id()?;
    let profile = v.id("profile_id")?;
    let channel = match options.channel {
        Some(c) => text_literal(c.name()),
        None => v.name("channel", "suppress_channel", "unknown_channel")?,
    };
    v.select =
        vec![format!("{delivery} AS delivery_id"), format!("{profile} AS profile_id"), format!("{channel} AS channel")];
    let bad = v.finish(ctx, options.skip_bad_rows).await?;
    input.bad_rows = bad;
    Ok(())
}

/// The view `deliveries`: `delivery_id`, `service` (or null), `weight`, `contact`,
/// `control_percent`, defaults applied. Its bad rows always fail the run.
pub async fn deliveries(ctx: &SessionContext, input: &mut Input, options: &Options) -> Result<(), ClusterError> {
    let mut v = View::new(input, options);
    let delivery = v.delivery_id()?;
    let service = match v.column("service", Class::Text, false)? {
        Some(c) => format!("suppress_service({c})"),
        None => "arrow_cast(NULL, 'Utf8')".into(),
    };
    let weight = match v.column("weight", Class::Id, false)? {
        Some(c) => {
            if v.input.data_type(&v.source_name("weight")) == Some(&DataType::UInt64) {
                v.cause("weight", "bad_weight", format!("suppress_id({c}) < 0"), format!("CAST({c} AS VARCHAR)"));
            }
            format!("coalesce(CAST({c} AS BIGINT), 5)")
        }
        None => "CAST(5 AS BIGINT)".into(),
    };
    let contact = match v.column("contact_date", Class::Time, false)? {
        Some(c) => format!("coalesce(suppress_micros({c}), {})", options.as_of),
        None => format!("CAST({} AS BIGINT)", options.as_of),
    };
    let percent = match v.column("control_percent", Class::Number, false)? {
        Some(c) => {
            v.cause(
                "control_percent",
                "bad_control_percent",
                // A function, not comparisons: the scan prunes row groups by their statistics,
                // which leave NaN out, so `> 100` would never see a NaN.
                format!("NOT suppress_is_percent({c})"),
                format!("CAST({c} AS VARCHAR)"),
            );
            format!("coalesce(CAST({c} AS DOUBLE), 0.0)")
        }
        None => "CAST(0.0 AS DOUBLE)".into(),
    };
    v.select = vec![
        format!("{delivery} AS delivery_id"),
        format!("{service} AS service"),
        format!("{weight} AS weight"),
        format!("{contact} AS contact"),
        format!("{percent} AS control_percent"),
    ];
    v.finish(ctx, false).await?;
    let path = input.path.display().to_string();
    let duplicate = collect_rows(
        ctx,
        // No LIMIT: Ballista 55's executors panic in TopK on this plan (the job then never ends).
        "SELECT delivery_id, count(*) FROM deliveries GROUP BY delivery_id HAVING count(*) > 1 ORDER BY delivery_id",
        &path,
    )
    .await?;
    if let Some(row) = duplicate.first() {
        return Err(ClusterError::Data(format!(
            "{path}: delivery_id {:?} is listed {} times; the deliveries table is the campaign's configuration, so this \
             fails the run even with --skip-bad-rows",
            row[0], row[1]
        )));
    }
    Ok(())
}

/// The view `profiles`: `profile_id`, the flags `optout` and `optout_CHANNEL` and the checked
/// addresses `address_CHANNEL` of the channels in use. Every row of a duplicated id is bad.
pub async fn profiles(
    ctx: &SessionContext,
    input: &mut Input,
    options: &Options,
    channels: &[Channel],
    warnings: &mut Vec<String>,
) -> Result<(), ClusterError> {
    let mut v = View::new(input, options);
    let profile = v.id("profile_id")?;
    let mut select = vec![format!("{profile} AS profile_id")];
    let flag_columns = std::iter::once("optout").chain(channels.iter().map(|c| c.optout_column()));
    for name in flag_columns {
        let flag = match v.column(name, Class::Flag, !options.allow_missing_optout)? {
            Some(c) => format!("suppress_flag({c})"),
            None => {
                warnings.push(format!(
                    "{}: column {:?} is missing: read as all false (--allow-missing-optout)",
                    input.path.display(),
                    v.source_name(name)
                ));
                "false".into()
            }
        };
        select.push(format!("{flag} AS {name}"));
    }
    let country = text_literal(options.default_country.as_ref().map_or("", |c| c.as_str()));
    for channel in channels {
        let c = v.column(channel.address_column(), Class::Text, true)?.expect("required");
        select.push(format!(
            "suppress_checked_address({}, {c}, {country}) AS address_{}",
            text_literal(channel.name()),
            channel.name()
        ));
    }
    v.select = select;
    let mut bad = v.finish(ctx, options.skip_bad_rows).await?;
    let path = input.path.display().to_string();
    let duplicated = collect_rows(
        ctx,
        "SELECT profile_id, count(*) FROM profiles GROUP BY profile_id HAVING count(*) > 1 ORDER BY profile_id",
        &path,
    )
    .await?;
    if let Some(row) = duplicated.first() {
        if !options.skip_bad_rows {
            return Err(ClusterError::Data(format!(
                "{path}: profile_id {} is listed {} times (--skip-bad-rows drops every row of a duplicated id)",
                row[0], row[1]
            )));
        }
        let rows: u64 = duplicated.iter().map(|r| r[1].parse::<u64>().unwrap_or(0)).sum();
        bad.insert(format!("{}: duplicate_id", options.column("profiles", "profile_id")), rows);
        ctx.sql(
            "CREATE VIEW profiles_once AS SELECT * FROM profiles p WHERE NOT EXISTS \
                 (SELECT 1 FROM (SELECT profile_id FROM profiles GROUP BY profile_id HAVING count(*) > 1) d \
                 WHERE d.profile_id = p.profile_id)",
        )
        .await
        .map_err(engine("planning the duplicated profiles"))?;
    } else {
        ctx.sql("CREATE VIEW profiles_once AS SELECT * FROM profiles")
            .await
            .map_err(engine("planning the profiles"))?;
    }
    input.bad_rows = bad;
    Ok(())
}

/// The view `subscriptions`: `profile_id`, `service`, `active`.
pub async fn subscriptions(ctx: &SessionContext, input: &mut Input, options: &Options) -> Result<(), ClusterError> {
    let mut v = View::new(input, options);
    let profile = v.id("profile_id")?;
    let c = v.column("service", Class::Text, true)?.expect("required");
    v.cause("service", "null", format!("{c} IS NULL"), "'null'".into());
    v.cause("service", "empty", format!("suppress_service({c}) IS NULL"), c.clone());
    let active = v.active()?;
    v.select = vec![
        format!("{profile} AS profile_id"),
        format!("suppress_service({c}) AS service"),
        format!("{active} AS active"),
    ];
    input.bad_rows = v.finish(ctx, options.skip_bad_rows).await?;
    Ok(())
}

/// The view `consent`: `profile_id`, `at`, `action` (`opt_out`, `opt_in`), and the scope:
/// `scope` (`all` or a channel name) or, for a service, `service`.
pub async fn consent(ctx: &SessionContext, input: &mut Input, options: &Options) -> Result<(), ClusterError> {
    let mut v = View::new(input, options);
    let profile = v.id("profile_id")?;
    let at = v.time("at")?;
    let action = v.name("action", "suppress_action", "unknown_action")?;
    let service = v.column("service", Class::Text, false)?.map(|c| format!("suppress_service({c})"));
    let channel_scope = match v.column("channel", Class::Text, false)? {
        Some(c) => {
            let scope = format!(
                "CASE WHEN suppress_service({c}) IS NULL OR suppress_service({c}) = 'all' THEN 'all' \
                 ELSE suppress_channel({c}) END"
            );
            let ruled_out = service.as_ref().map_or("false".into(), |s| format!("{s} IS NOT NULL"));
            v.cause("channel", "unknown_channel", format!("NOT ({ruled_out}) AND ({scope}) IS NULL"), c.clone());
            scope
        }
        None => "'all'".into(),
    };
    // A service scope leaves the channel unread: `scope` is null and `service` names it.
    let (scope, service) = match &service {
        Some(s) => (format!("CASE WHEN {s} IS NULL THEN {channel_scope} END"), s.clone()),
        None => (channel_scope, "NULL".into()),
    };
    v.select = vec![
        format!("{profile} AS profile_id"),
        format!("{at} AS at"),
        format!("{action} AS action"),
        format!("arrow_cast({scope}, 'Utf8') AS scope"),
        format!("arrow_cast({service}, 'Utf8') AS service"),
    ];
    input.bad_rows = v.finish(ctx, options.skip_bad_rows).await?;
    Ok(())
}

/// The view `history`: `profile_id`, `channel`, `sent_at`.
pub async fn history(ctx: &SessionContext, input: &mut Input, options: &Options) -> Result<(), ClusterError> {
    let mut v = View::new(input, options);
    let profile = v.id("profile_id")?;
    let channel = v.name("channel", "suppress_channel", "unknown_channel")?;
    let sent_at = v.time("sent_at")?;
    v.select =
        vec![format!("{profile} AS profile_id"), format!("{channel} AS channel"), format!("{sent_at} AS sent_at")];
    input.bad_rows = v.finish(ctx, options.skip_bad_rows).await?;
    Ok(())
}

/// The view `quarantine`: `channel`, `status`, `checked` (address), `active`.
pub async fn quarantine(ctx: &SessionContext, input: &mut Input, options: &Options) -> Result<(), ClusterError> {
    let mut v = View::new(input, options);
    let channel = v.name("channel", "suppress_channel", "unknown_channel")?;
    let status = v.name("status", "suppress_status", "unknown_status")?;
    let address = v.column("address", Class::Text, true)?.expect("required");
    let active = v.active()?;
    let country = text_literal(options.default_country.as_ref().map_or("", |c| c.as_str()));
    v.select = vec![
        format!("{channel} AS channel"),
        format!("{status} AS status"),
        format!("suppress_checked_address({channel}, {address}, {country}) AS checked"),
        format!("{active} AS active"),
    ];
    input.bad_rows = v.finish(ctx, options.skip_bad_rows).await?;
    Ok(())
}
