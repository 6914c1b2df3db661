//! The view of one input table in the contract's terms, built file group by file group
//! ([`crate::files`]): each contract column found in the group's files or partition folders
//! and checked for its class, each cause of a bad row as a condition, and the select list of
//! the good rows. The groups' views are then counted together and united into one view.

use std::collections::BTreeMap;

use datafusion::arrow::datatypes::DataType;
use datafusion::prelude::SessionContext;

use crate::error::{engine, ClusterError};
use crate::files::{Files, Group};
use crate::sql::{collect_rows, quote, text_literal};
use crate::Options;

/// What a contract column may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
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

/// A contract column as one group reads it: an expression and its type.
pub struct Column {
    /// A quoted column of the files, or a literal standing for a partition column.
    pub expr: String,
    pub data_type: DataType,
}

/// One way a row can be bad: the column named in messages, the cause, the condition, and the
/// value shown in the error.
pub struct Cause {
    pub column: String,
    pub cause: &'static str,
    pub condition: String,
    pub value: String,
}

impl Cause {
    /// The key it is counted under in the summary.
    pub fn key(&self) -> String {
        format!("{}: {}", self.column, self.cause)
    }
}

/// Builds the view of one file group: its checked columns, its causes of bad rows, its
/// select list.
pub struct View<'a> {
    pub table: &'static str,
    pub group: &'a Group,
    pub options: &'a Options,
    pub causes: Vec<Cause>,
    pub select: Vec<String>,
}

impl<'a> View<'a> {
    /// The source column of contract column `name`, checked for its class; `None` when absent
    /// and optional. A partition column stands for a string column, or for an id column when
    /// its value is ASCII digits; the files' own column of that name wins.
    pub fn column(&self, name: &str, class: Class, required: bool) -> Result<Option<Column>, ClusterError> {
        let source = self.source_name(name);
        let path = self.group.files[0].display();
        if let Some(t) = self.group.data_type(&source) {
            if !class.accepts(t) {
                return Err(ClusterError::Data(format!(
                    "{path}: column {source:?} is {t}, which is not {}",
                    class.describe()
                )));
            }
            return Ok(Some(Column { expr: quote(&source), data_type: t.clone() }));
        }
        let Some(partition) = self.group.partition(&source) else {
            return match required {
                true => {
                    Err(ClusterError::Data(format!("{path}: column {source:?} ({}.{name}) is missing", self.table)))
                }
                false => Ok(None),
            };
        };
        let unusable = |what: String| {
            ClusterError::Data(format!(
                "{path}: column {source:?} is a hive partition column {what}, which is not {}",
                class.describe()
            ))
        };
        match class {
            Class::Text | Class::DeliveryId => {
                let value = partition.value.as_deref().map_or("NULL".into(), text_literal);
                Ok(Some(Column { expr: format!("arrow_cast({value}, 'Utf8')"), data_type: DataType::Utf8 }))
            }
            Class::Id => match partition.id_value() {
                Some(value) => {
                    let value = value.map_or("NULL".into(), |v| text_literal(&v.to_string()));
                    Ok(Some(Column { expr: format!("arrow_cast({value}, 'UInt64')"), data_type: DataType::UInt64 }))
                }
                None => Err(unusable(format!(
                    "whose value {:?} is not ASCII digits",
                    partition.value.as_deref().unwrap_or_default()
                ))),
            },
            _ => Err(unusable("(a string)".into())),
        }
    }

    /// The expression selected as `name`.
    pub fn selected(&self, name: &str) -> &str {
        let suffix = format!(" AS {name}");
        self.select.iter().find_map(|s| s.strip_suffix(&suffix)).expect("a selected column")
    }

    pub fn source_name(&self, name: &str) -> String {
        self.options.column(self.table, name)
    }

    pub fn cause(&mut self, name: &str, cause: &'static str, condition: String, value: String) {
        self.causes.push(Cause { column: self.source_name(name), cause, condition, value });
    }

    /// A required id: null and out-of-range rows are bad.
    pub fn id(&mut self, name: &str) -> Result<String, ClusterError> {
        let c = self.column(name, Class::Id, true)?.expect("required").expr;
        self.cause(name, "null", format!("{c} IS NULL"), "'null'".into());
        self.cause(name, "out_of_range", format!("suppress_id({c}) < 0"), format!("CAST({c} AS VARCHAR)"));
        Ok(format!("suppress_id({c})"))
    }

    /// A required delivery_id: its text; null (and, for an integer, out-of-range) rows are bad.
    pub fn delivery_id(&mut self) -> Result<String, ClusterError> {
        let Column { expr: c, data_type } = self.column("delivery_id", Class::DeliveryId, true)?.expect("required");
        self.cause("delivery_id", "null", format!("{c} IS NULL"), "'null'".into());
        if data_type.is_integer() {
            self.cause("delivery_id", "out_of_range", format!("suppress_id({c}) < 0"), format!("CAST({c} AS VARCHAR)"));
            Ok(format!("arrow_cast(CAST(suppress_id({c}) AS VARCHAR), 'Utf8')"))
        } else {
            Ok(format!("arrow_cast({c}, 'Utf8')"))
        }
    }

    /// A required name column parsed by `function`: null and unknown rows are bad.
    pub fn name(&mut self, name: &str, function: &str, unknown: &'static str) -> Result<String, ClusterError> {
        let c = self.column(name, Class::Text, true)?.expect("required").expr;
        self.cause(name, "null", format!("{c} IS NULL"), "'null'".into());
        self.cause(name, unknown, format!("{function}({c}) IS NULL"), c.clone());
        Ok(format!("{function}({c})"))
    }

    /// A required time: null rows are bad.
    pub fn time(&mut self, name: &str) -> Result<String, ClusterError> {
        let c = self.column(name, Class::Time, true)?.expect("required").expr;
        self.cause(name, "null", format!("{c} IS NULL"), "'null'".into());
        Ok(format!("suppress_micros({c})"))
    }

    /// `expires_at` (optional): whether the row is active at `--as-of`.
    pub fn active(&self) -> Result<String, ClusterError> {
        Ok(match self.column("expires_at", Class::Time, false)? {
            Some(c) => format!("({} IS NULL OR suppress_micros({}) > {})", c.expr, c.expr, self.options.as_of),
            None => "true".into(),
        })
    }

    /// Whether a row is bad: one of the causes holds.
    pub fn bad_condition(&self) -> String {
        match self.causes.is_empty() {
            true => "false".into(),
            // A condition on a null value is null, not false: the row is good unless one is true.
            false => {
                self.causes.iter().map(|c| format!("coalesce({}, false)", c.condition)).collect::<Vec<_>>().join(" OR ")
            }
        }
    }

    /// The index of a row's first cause (null for a good row).
    pub fn cause_index(&self) -> String {
        let arms: String =
            self.causes.iter().enumerate().map(|(i, c)| format!(" WHEN {} THEN {i}", c.condition)).collect();
        format!("CASE{arms} END")
    }

    /// The value shown for a row's first cause.
    pub fn cause_value(&self) -> String {
        let arms: String =
            self.causes.iter().map(|c| format!(" WHEN {} THEN CAST({} AS VARCHAR)", c.condition, c.value)).collect();
        format!("CASE{arms} END")
    }
}

/// The views of every group of `files`, each defined by `define`.
pub fn views<'a>(
    table: &'static str,
    files: &'a Files,
    options: &'a Options,
    define: impl Fn(&mut View<'a>) -> Result<(), ClusterError>,
) -> Result<Vec<View<'a>>, ClusterError> {
    let mut views = Vec::new();
    for group in &files.groups {
        let mut view = View { table, group, options, causes: Vec::new(), select: Vec::new() };
        define(&mut view)?;
        views.push(view);
    }
    Ok(views)
}

/// Counts the bad rows of `views` by `column: cause` (each row under its first cause), and
/// registers the view `table` of the good rows of every group.
pub async fn finish(
    ctx: &SessionContext,
    table: &'static str,
    views: &[View<'_>],
) -> Result<BTreeMap<String, u64>, ClusterError> {
    let path = views[0].group.files[0].display().to_string();
    let mut bad_rows = BTreeMap::new();
    let counted: Vec<String> = views
        .iter()
        .filter(|v| !v.causes.is_empty())
        .map(|v| {
            let keys: String = v
                .causes
                .iter()
                .enumerate()
                .map(|(i, c)| format!(" WHEN {i} THEN {}", text_literal(&c.key())))
                .collect();
            format!("SELECT CASE {}{keys} END AS cause FROM {}", v.cause_index(), v.group.name)
        })
        .collect();
    if !counted.is_empty() {
        let sql = format!(
            "SELECT cause, count(*) FROM ({}) WHERE cause IS NOT NULL GROUP BY cause ORDER BY cause",
            counted.join(" UNION ALL ")
        );
        for row in collect_rows(ctx, &sql, &path).await? {
            bad_rows.insert(row[0].clone(), row[1].parse().unwrap_or(0));
        }
    }
    let good: Vec<String> = views
        .iter()
        .map(|v| format!("SELECT {} FROM {} WHERE NOT ({})", v.select.join(", "), v.group.name, v.bad_condition()))
        .collect();
    let sql = format!("CREATE VIEW {table} AS {}", good.join(" UNION ALL "));
    ctx.sql(&sql).await.map_err(engine(format!("{path}: planning the view of {table}")))?;
    Ok(bad_rows)
}
