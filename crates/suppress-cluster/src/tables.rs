//! The input tables as the plan reads them: each registered file group by file group
//! ([`crate::files`]), its columns checked against the contract, its bad rows found, and a
//! view `NAME` of its good rows in the contract's terms (canonical names, Int64 ids,
//! microsecond times, checked addresses), defined here table by table ([`crate::view`]).

use std::collections::BTreeMap;
use std::path::PathBuf;

use datafusion::arrow::datatypes::DataType;
use datafusion::prelude::SessionContext;
use suppress_model::Channel;

use crate::error::{engine, ClusterError};
use crate::files::{self, Files};
use crate::sql::{collect_rows, text_literal};
use crate::view::{self, Class, View};
use crate::Options;

/// The tables of the contract, in the order they are read.
pub const TABLES: [&str; 7] =
    ["targets", "deliveries", "profiles", "subscriptions", "consent", "history", "quarantine"];

/// One input table, registered and checked.
pub struct Input {
    pub table: &'static str,
    pub path: PathBuf,
    pub files: Files,
    /// Rows skipped under `--skip-bad-rows`, by `column: cause`.
    pub bad_rows: BTreeMap<String, u64>,
}

/// Registers `table`'s file or files (from the footers: no data is read yet).
pub fn register(ctx: &SessionContext, options: &Options, table: &'static str) -> Result<Option<Input>, ClusterError> {
    let Some(path) = options.path(table) else { return Ok(None) };
    if !path.exists() {
        return Err(ClusterError::Usage(format!("--{table} {}: no such file or directory", path.display())));
    }
    let files = files::register(ctx, table, path)?;
    Ok(Some(Input { table, path: path.clone(), files, bad_rows: BTreeMap::new() }))
}

/// Defines the view `table` with `define` for each file group, counts its bad rows, and
/// without `skip` fails on the first of them, with its file, column and row.
async fn build<'a>(
    ctx: &SessionContext,
    input: &'a Input,
    options: &'a Options,
    skip: bool,
    define: impl Fn(&mut View<'a>) -> Result<(), ClusterError>,
) -> Result<(Vec<View<'a>>, BTreeMap<String, u64>), ClusterError> {
    let views = view::views(input.table, &input.files, options, define)?;
    let bad_rows = view::finish(ctx, input.table, &views).await?;
    if !skip && !bad_rows.is_empty() {
        return Err(crate::rows::first_bad_row(&input.files, &views)
            .await?
            .unwrap_or_else(|| ClusterError::Data(format!("{}: bad rows: {bad_rows:?}", input.path.display()))));
    }
    Ok((views, bad_rows))
}

/// The view `targets`: `delivery_id` (text), `profile_id`, `channel` (canonical).
pub async fn targets(ctx: &SessionContext, input: &mut Input, options: &Options) -> Result<(), ClusterError> {
    let (_, bad) = build(ctx, input, options, options.skip_bad_rows, |v| {
        let delivery = v.delivery_id()?;
        let profile = v.id("profile_id")?;
        let channel = match options.channel {
            Some(c) => text_literal(c.name()),
            None => v.name("channel", "suppress_channel", "unknown_channel")?,
        };
        v.select = vec![
            format!("{delivery} AS delivery_id"),
            format!("{profile} AS profile_id"),
            format!("{channel} AS channel"),
        ];
        Ok(())
    })
    .await?;
    input.bad_rows = bad;
    Ok(())
}

/// The view `deliveries`: `delivery_id`, `service` (or null), `weight`, `contact`,
/// `control_percent`, defaults applied. Its bad rows always fail the run, and so does a
/// `delivery_id` listed twice.
pub async fn deliveries(ctx: &SessionContext, input: &mut Input, options: &Options) -> Result<(), ClusterError> {
    let (views, _) = build(ctx, input, options, false, |v| {
        let delivery = v.delivery_id()?;
        let service = match v.column("service", Class::Text, false)? {
            Some(c) => format!("suppress_service({})", c.expr),
            None => "arrow_cast(NULL, 'Utf8')".into(),
        };
        let weight = match v.column("weight", Class::Id, false)? {
            Some(c) => {
                if c.data_type == DataType::UInt64 {
                    v.cause(
                        "weight",
                        "bad_weight",
                        format!("suppress_id({}) < 0", c.expr),
                        format!("CAST({} AS VARCHAR)", c.expr),
                    );
                }
                format!("coalesce(CAST({} AS BIGINT), 5)", c.expr)
            }
            None => "CAST(5 AS BIGINT)".into(),
        };
        let contact = match v.column("contact_date", Class::Time, false)? {
            Some(c) => format!("coalesce(suppress_micros({}), {})", c.expr, options.as_of),
            None => format!("CAST({} AS BIGINT)", options.as_of),
        };
        let percent = match v.column("control_percent", Class::Number, false)? {
            Some(c) => {
                v.cause(
                    "control_percent",
                    "bad_control_percent",
                    // A function, not comparisons: the scan prunes row groups by their statistics,
                    // which leave NaN out, so `> 100` would never see a NaN.
                    format!("NOT suppress_is_percent({})", c.expr),
                    format!("CAST({} AS VARCHAR)", c.expr),
                );
                format!("coalesce(CAST({} AS DOUBLE), 0.0)", c.expr)
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
        Ok(())
    })
    .await?;
    let path = input.path.display().to_string();
    let duplicate = collect_rows(
        ctx,
        // No LIMIT: Ballista 55's executors panic in TopK on this plan (the job then never ends).
        "SELECT count(*) FROM (SELECT delivery_id FROM deliveries GROUP BY delivery_id HAVING count(*) > 1)",
        &path,
    )
    .await?;
    if duplicate.first().is_some_and(|r| r[0] != "0") {
        let key = |v: &View| v.selected("delivery_id").to_string();
        if let Some((file, row, id)) = crate::rows::first_repeat(&input.files, &views, key).await? {
            return Err(ClusterError::Data(format!(
                "{}: column `{}`, row {row}: duplicate delivery_id {id:?}",
                file.display(),
                options.column("deliveries", "delivery_id"),
            )));
        }
    }
    Ok(())
}

/// The view `profiles`: `profile_id`, the flags `optout` and `optout_CHANNEL` and the checked
/// addresses `address_CHANNEL` of the channels in use; then `profiles_once`, without every
/// row of a duplicated id.
pub async fn profiles(
    ctx: &SessionContext,
    input: &mut Input,
    options: &Options,
    channels: &[Channel],
    warnings: &mut Vec<String>,
) -> Result<(), ClusterError> {
    let missing = std::cell::RefCell::new(Vec::new());
    let (views, mut bad) = build(ctx, input, options, options.skip_bad_rows, |v| {
        let profile = v.id("profile_id")?;
        let mut select = vec![format!("{profile} AS profile_id")];
        let flag_columns = std::iter::once("optout").chain(channels.iter().map(|c| c.optout_column()));
        for name in flag_columns {
            let flag = match v.column(name, Class::Flag, !options.allow_missing_optout)? {
                Some(c) => format!("suppress_flag({})", c.expr),
                None => {
                    missing.borrow_mut().push(v.source_name(name));
                    "false".into()
                }
            };
            select.push(format!("{flag} AS {name}"));
        }
        let country = text_literal(options.default_country.as_ref().map_or("", |c| c.as_str()));
        for channel in channels {
            let c = v.column(channel.address_column(), Class::Text, true)?.expect("required").expr;
            select.push(format!(
                "suppress_checked_address({}, {c}, {country}) AS address_{}",
                text_literal(channel.name()),
                channel.name()
            ));
        }
        v.select = select;
        Ok(())
    })
    .await?;
    // Each missing column once, in the order they are read, as the native engine warns.
    let missing = missing.into_inner();
    for name in std::iter::once("optout").chain(channels.iter().map(|c| c.optout_column())) {
        let column = options.column("profiles", name);
        if missing.contains(&column) {
            warnings
                .push(format!("profiles: column `{column}` is missing; read as all false (--allow-missing-optout)"));
        }
    }
    let path = input.path.display().to_string();
    let duplicated = collect_rows(
        ctx,
        "SELECT count(*), sum(n) FROM (SELECT count(*) AS n FROM profiles GROUP BY profile_id HAVING count(*) > 1)",
        &path,
    )
    .await?;
    let rows: u64 = duplicated.first().and_then(|r| r[1].parse().ok()).unwrap_or(0);
    if rows > 0 {
        if !options.skip_bad_rows {
            let key = |v: &View| v.selected("profile_id").to_string();
            if let Some((file, row, id)) = crate::rows::first_repeat(&input.files, &views, key).await? {
                return Err(ClusterError::Data(format!(
                    "{}: column `{}`, row {row}: duplicate profile_id {id}",
                    file.display(),
                    options.column("profiles", "profile_id")
                )));
            }
        }
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
    drop(views);
    input.bad_rows = bad;
    Ok(())
}

/// The view `subscriptions`: `profile_id`, `service`, `active`.
pub async fn subscriptions(ctx: &SessionContext, input: &mut Input, options: &Options) -> Result<(), ClusterError> {
    let (_, bad) = build(ctx, input, options, options.skip_bad_rows, |v| {
        let profile = v.id("profile_id")?;
        let c = v.column("service", Class::Text, true)?.expect("required").expr;
        v.cause("service", "null", format!("{c} IS NULL"), "'null'".into());
        v.cause("service", "empty", format!("suppress_service({c}) IS NULL"), c.clone());
        let active = v.active()?;
        v.select = vec![
            format!("{profile} AS profile_id"),
            format!("suppress_service({c}) AS service"),
            format!("{active} AS active"),
        ];
        Ok(())
    })
    .await?;
    input.bad_rows = bad;
    Ok(())
}

/// The view `consent`: `profile_id`, `at`, `action` (`opt_out`, `opt_in`), and the scope:
/// `scope` (`all` or a channel name) or, for a service, `service`.
pub async fn consent(ctx: &SessionContext, input: &mut Input, options: &Options) -> Result<(), ClusterError> {
    let (_, bad) = build(ctx, input, options, options.skip_bad_rows, |v| {
        let profile = v.id("profile_id")?;
        let at = v.time("at")?;
        let action = v.name("action", "suppress_action", "unknown_action")?;
        let service = v.column("service", Class::Text, false)?.map(|c| format!("suppress_service({})", c.expr));
        let channel_scope = match v.column("channel", Class::Text, false)? {
            Some(c) => {
                let c = c.expr;
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
        Ok(())
    })
    .await?;
    input.bad_rows = bad;
    Ok(())
}

/// The view `history`: `profile_id`, `channel`, `sent_at`.
pub async fn history(ctx: &SessionContext, input: &mut Input, options: &Options) -> Result<(), ClusterError> {
    let (_, bad) = build(ctx, input, options, options.skip_bad_rows, |v| {
        let profile = v.id("profile_id")?;
        let channel = v.name("channel", "suppress_channel", "unknown_channel")?;
        let sent_at = v.time("sent_at")?;
        v.select =
            vec![format!("{profile} AS profile_id"), format!("{channel} AS channel"), format!("{sent_at} AS sent_at")];
        Ok(())
    })
    .await?;
    input.bad_rows = bad;
    Ok(())
}

/// The view `quarantine`: `channel`, `status`, `checked` (address), `active`.
pub async fn quarantine(ctx: &SessionContext, input: &mut Input, options: &Options) -> Result<(), ClusterError> {
    let (_, bad) = build(ctx, input, options, options.skip_bad_rows, |v| {
        let channel = v.name("channel", "suppress_channel", "unknown_channel")?;
        let status = v.name("status", "suppress_status", "unknown_status")?;
        let address = v.column("address", Class::Text, true)?.expect("required").expr;
        let active = v.active()?;
        let country = text_literal(options.default_country.as_ref().map_or("", |c| c.as_str()));
        v.select = vec![
            format!("{channel} AS channel"),
            format!("{status} AS status"),
            format!("suppress_checked_address({channel}, {address}, {country}) AS checked"),
            format!("{active} AS active"),
        ];
        Ok(())
    })
    .await?;
    input.bad_rows = bad;
    Ok(())
}
