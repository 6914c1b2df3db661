//! Row numbers for the error of a run that fails on a bad row, as the native engine gives them
//! (counted from 1 within each file). DataFusion's scans do not number rows, so only when a run
//! fails are the files read again, one at a time in the contract's order, by a session of one
//! partition: there a file's rows arrive in order and `row_number() OVER ()` is the row's
//! position in its file.

use crate::error::{engine, ClusterError};
use crate::files::{listing_table, Files};
use crate::sql::collect_rows;
use crate::view::View;

/// A one-partition session with each file of `files` whose group `wanted` registered as
/// `file_I` (I its index in the contract's order).
fn one_by_one(
    files: &Files,
    views: &[View<'_>],
    wanted: impl Fn(&View) -> bool,
) -> Result<(datafusion::prelude::SessionContext, Vec<usize>), ClusterError> {
    let local = crate::run::session(1);
    let mut registered = Vec::new();
    for (i, (file, group)) in files.order.iter().enumerate() {
        if !wanted(&views[*group]) {
            continue;
        }
        let table = listing_table(&local, std::slice::from_ref(file), views[*group].group.schema.clone())?;
        local.register_table(format!("file_{i}"), table).map_err(engine(file.display().to_string()))?;
        registered.push(i);
    }
    Ok((local, registered))
}

/// The error for the first bad row in the contract's order, if any: `FILE: column `C`, row N:
/// PROBLEM`.
pub async fn first_bad_row(files: &Files, views: &[View<'_>]) -> Result<Option<ClusterError>, ClusterError> {
    let (local, registered) = one_by_one(files, views, |v| !v.causes.is_empty())?;
    for i in registered {
        let (file, group) = &files.order[i];
        let view = &views[*group];
        let sql = format!(
            "SELECT min(rn), first_value(cause ORDER BY rn), first_value(value ORDER BY rn) FROM \
             (SELECT row_number() OVER () AS rn, {} AS cause, {} AS value FROM file_{i}) WHERE cause IS NOT NULL",
            view.cause_index(),
            view.cause_value()
        );
        let rows = collect_rows(&local, &sql, &file.display().to_string()).await?;
        let Some(row) = rows.first().filter(|r| !r[0].is_empty()) else { continue };
        let cause = &view.causes[row[1].parse::<usize>().unwrap_or(0)];
        return Ok(Some(ClusterError::Data(format!(
            "{}: column `{}`, row {}: {}",
            file.display(),
            cause.column,
            row[0],
            problem(cause.cause, &row[2])
        ))));
    }
    Ok(None)
}

/// The first row, in the contract's order, whose `key` (an expression over the view's good
/// rows) an earlier row has: its file, row number and key.
pub async fn first_repeat(
    files: &Files,
    views: &[View<'_>],
    key: impl Fn(&View) -> String,
) -> Result<Option<(std::path::PathBuf, u64, String)>, ClusterError> {
    let (local, registered) = one_by_one(files, views, |_| true)?;
    let rows: Vec<String> = registered
        .iter()
        .map(|&i| {
            let view = &views[files.order[i].1];
            format!(
                "SELECT CAST({i} AS BIGINT) AS fi, CAST(rn AS BIGINT) AS rn, key FROM (SELECT row_number() OVER () AS rn, {} AS key, \
                 {} AS bad FROM file_{i}) \
                 WHERE NOT bad",
                key(view),
                view.bad_condition()
            )
        })
        .collect();
    // A row whose key is repeated has, among its key's rows, rank 2 or more; the first such
    // row in table order has rank exactly 2 (the one of rank 2 comes before any later one).
    let sql = format!(
        "SELECT min(fi * 4294967296 + rn), first_value(CAST(key AS VARCHAR) ORDER BY fi, rn) FROM \
         (SELECT fi, rn, key, row_number() OVER (PARTITION BY key ORDER BY fi, rn) AS k FROM ({})) WHERE k = 2",
        rows.join(" UNION ALL ")
    );
    let found = collect_rows(&local, &sql, &files.order[0].0.display().to_string()).await?;
    let Some(row) = found.first().filter(|r| !r[0].is_empty()) else { return Ok(None) };
    let position: u64 = row[0].parse().unwrap_or(0);
    let file = files.order[(position >> 32) as usize].0.clone();
    Ok(Some((file, position & 0xffff_ffff, row[1].clone())))
}

/// What is wrong with a value, in the native engine's words.
fn problem(cause: &str, value: &str) -> String {
    match cause {
        "null" => "null value".into(),
        "empty" => "empty value".into(),
        "out_of_range" => format!("value {value} is outside 0..=9223372036854775807"),
        "unknown_channel" => format!("unknown channel {value:?}"),
        "unknown_status" => format!("unknown status {value:?}"),
        "unknown_action" => format!("unknown action {value:?}"),
        "bad_control_percent" => format!("control_percent {value} is not a number from 0 to 100"),
        "bad_weight" => format!("weight {value} is outside the 64-bit integer range"),
        other => format!("{other} {value:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn problems_read_as_the_native_engine_writes_them() {
        assert_eq!(problem("null", ""), "null value");
        assert_eq!(problem("unknown_channel", "fax2"), "unknown channel \"fax2\"");
        assert_eq!(problem("out_of_range", "-3"), "value -3 is outside 0..=9223372036854775807");
    }
}
