//! One run, in the order the native engine runs it: the inputs registered and checked, the
//! deliveries and channels in use, the views of every table, the outcomes computed once into
//! a staging directory, then the outputs and `summary.json` derived from them and committed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use datafusion::config::TableParquetOptions;
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::prelude::SessionContext;
use suppress_model::{Channel, Reason};

use crate::error::{engine, io, ClusterError};
use crate::plan::{self, Shape};
use crate::summary::{DeliveryLine, Summary};
use crate::tables::{self, Input};
use crate::{functions, pressure, Options};

/// The names of the outputs, as the native engine writes them.
pub const RECIPIENTS: &str = "recipients.parquet";
pub const EXCLUSIONS: &str = "exclusions.parquet";
pub const SUMMARY: &str = "summary.json";

/// Every function the plan calls.
pub fn all_functions() -> Vec<datafusion::logical_expr::ScalarUDF> {
    let mut all = functions::all();
    all.push(pressure::udf());
    all
}

/// Registers every function the plan calls on `ctx`.
pub fn register_functions(ctx: &SessionContext) {
    for udf in all_functions() {
        ctx.register_udf(udf);
    }
}

/// How the outputs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputLayout {
    /// One file per output, as the native engine writes (the engine runs in this process).
    SingleFile,
    /// A directory of part files per output, written by the cluster's executors.
    PartFiles,
}

/// Runs the analysis of `options` on `ctx` and writes its outputs into `out`, all or nothing.
pub async fn analyze(
    ctx: &SessionContext,
    options: &Options,
    out: &Path,
    layout: OutputLayout,
) -> Result<Summary, ClusterError> {
    let started = Instant::now();
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &str, timings: &mut Vec<(String, u64)>| {
        timings.push((name.to_string(), clock.elapsed().as_millis() as u64));
        clock = Instant::now();
    };
    register_functions(ctx);
    if options.history.is_some() && options.caps.is_empty() {
        return Err(ClusterError::Usage(
            "--history is given without any --cap: the history only counts against a cap (--cap SCOPE:N/PERIOD)".into(),
        ));
    }
    let mut inputs: BTreeMap<&'static str, Input> = BTreeMap::new();
    for table in tables::TABLES {
        if let Some(input) = tables::register(ctx, options, table)? {
            inputs.insert(table, input);
        }
    }
    let mut warnings = Vec::new();

    // Targets first: the deliveries and channels in use decide which columns are read.
    tables::targets(ctx, inputs.get_mut("targets").expect("required"), options).await?;
    let targeted = crate::sql::collect_rows(
        ctx,
        "SELECT delivery_id, channel, count(*) FROM targets GROUP BY delivery_id, channel ORDER BY delivery_id, channel",
        "targets",
    )
    .await?;
    let mut channels: Vec<Channel> = targeted.iter().filter_map(|r| Channel::parse(&r[1])).collect();
    channels.sort_by_key(|c| c.index());
    channels.dedup();

    let mut properties: BTreeMap<String, DeliveryProperties> = BTreeMap::new();
    if let Some(input) = inputs.get_mut("deliveries") {
        tables::deliveries(ctx, input, options).await?;
        let rows = crate::sql::collect_rows(
            ctx,
            "SELECT delivery_id, service, weight, contact, control_percent FROM deliveries",
            "deliveries",
        )
        .await?;
        // The view's bad-row causes have already failed the run on an out-of-range percent.
        for row in rows {
            properties.insert(
                row[0].clone(),
                DeliveryProperties {
                    service: (!row[1].is_empty()).then(|| row[1].clone()),
                    weight: row[2].parse().unwrap_or(5),
                    contact: row[3].parse().unwrap_or(options.as_of),
                    control_percent: row[4].parse().unwrap_or(0.0),
                },
            );
        }
    }
    let used: std::collections::BTreeSet<&str> = targeted.iter().map(|r| r[0].as_str()).collect();
    let unused = properties.keys().filter(|d| !used.contains(d.as_str())).count();
    let mut services: Vec<String> =
        used.iter().filter_map(|d| properties.get(*d).and_then(|p| p.service.clone())).collect();
    services.sort();
    services.dedup();
    if let Some((d, p)) =
        used.iter().filter_map(|d| properties.get(*d).map(|p| (d, p))).find(|(_, p)| p.service.is_some())
    {
        if options.subscriptions.is_none() && options.consent.is_none() {
            let path = options.deliveries.as_ref().expect("a service comes from the deliveries table");
            return Err(ClusterError::Data(format!(
                "{}: delivery {d:?} goes to the subscribers of service {:?}, but neither --subscriptions nor --consent \
                 is given: nothing says who is subscribed",
                path.display(),
                p.service.as_deref().unwrap_or_default()
            )));
        }
    }
    tables::profiles(ctx, inputs.get_mut("profiles").expect("required"), options, &channels, &mut warnings).await?;
    if let Some(input) = inputs.get_mut("subscriptions") {
        tables::subscriptions(ctx, input, options).await?;
    }
    if let Some(input) = inputs.get_mut("consent") {
        tables::consent(ctx, input, options).await?;
    }
    if let Some(input) = inputs.get_mut("history") {
        tables::history(ctx, input, options).await?;
    }
    if let Some(input) = inputs.get_mut("quarantine") {
        tables::quarantine(ctx, input, options).await?;
    }
    lap("check_inputs", &mut timings);

    let shape = Shape {
        channels: &channels,
        services: &services,
        has_quarantine: inputs.contains_key("quarantine"),
        has_deliveries: inputs.contains_key("deliveries"),
        has_subscriptions: inputs.contains_key("subscriptions"),
        has_consent: inputs.contains_key("consent"),
        has_history: inputs.contains_key("history"),
    };
    let staging = Staging::new(out)?;
    let outcomes_dir = staging.path.join("outcomes");
    let outcomes = ctx.sql(&plan::outcomes(options, &shape)).await.map_err(engine("planning the analysis"))?;
    outcomes
        .write_parquet(path_text(&outcomes_dir)?, DataFrameWriteOptions::new(), Some(parquet_options()))
        .await
        .map_err(engine("running the analysis"))?;
    ctx.register_parquet("outcomes", path_text(&outcomes_dir)?, Default::default())
        .await
        .map_err(engine("reading the outcomes back"))?;
    lap("analyze", &mut timings);

    let single = layout == OutputLayout::SingleFile;
    let reason_name = reason_names();
    let writes = [
        (
            RECIPIENTS,
            "SELECT arrow_cast(delivery_id, 'Utf8') AS delivery_id, arrow_cast(channel, 'Utf8') AS channel, \
             profile_id, arrow_cast(address, 'Utf8') AS address FROM outcomes WHERE reason IS NULL"
                .to_string(),
        ),
        (
            EXCLUSIONS,
            format!(
                "SELECT arrow_cast(delivery_id, 'Utf8') AS delivery_id, arrow_cast(channel, 'Utf8') AS channel, \
                 profile_id, arrow_cast({reason_name}, 'Utf8') AS reason, arrow_cast(address, 'Utf8') AS address \
                 FROM outcomes WHERE reason IS NOT NULL"
            ),
        ),
    ];
    for (name, sql) in writes {
        let df = ctx.sql(&sql).await.map_err(engine(format!("planning {name}")))?;
        let path = staging.path.join(name);
        df.write_parquet(
            path_text(&path)?,
            DataFrameWriteOptions::new().with_single_file_output(single),
            Some(parquet_options()),
        )
        .await
        .map_err(engine(format!("writing {name}")))?;
    }
    lap("write", &mut timings);

    let counts = crate::sql::collect_rows(
        ctx,
        "SELECT delivery_id, channel, reason, cap, count(*) FROM outcomes GROUP BY delivery_id, channel, reason, cap",
        "counting the outcomes",
    )
    .await?;
    let mut lines: BTreeMap<(String, String), DeliveryLine> = BTreeMap::new();
    let mut excluded_per_cap = vec![0u64; options.caps.len()];
    for row in &counts {
        let n: u64 = row[4].parse().unwrap_or(0);
        let line = lines.entry((row[0].clone(), row[1].clone())).or_default();
        line.targeted += n;
        match row[2].parse::<u8>().ok().and_then(Reason::from_number) {
            None => line.kept += n,
            Some(reason) => *line.excluded.entry(reason.number()).or_default() += n,
        }
        if let Ok(cap) = row[3].parse::<usize>() {
            excluded_per_cap[cap] += n;
        }
    }
    let details = crate::details::count(ctx, options, &shape, inputs.get("consent")).await?;
    lap("summarize", &mut timings);
    timings.push(("total".into(), started.elapsed().as_millis() as u64));

    let run = crate::summary::Run {
        options,
        threads: ctx.state().config().target_partitions(),
        inputs: &inputs,
        warnings,
        details,
        properties: &properties,
        unused_deliveries: unused,
        excluded_per_cap: &excluded_per_cap,
        timings,
    };
    let summary = Summary::assemble(run, lines);
    std::fs::write(staging.path.join(SUMMARY), summary.to_json()).map_err(io(&staging.path.join(SUMMARY)))?;
    staging.commit(out, &[RECIPIENTS, EXCLUSIONS, SUMMARY])?;
    Ok(summary)
}

/// A delivery's properties, from the deliveries table or the defaults.
#[derive(Debug, Clone)]
pub struct DeliveryProperties {
    pub service: Option<String>,
    pub weight: i64,
    pub contact: i64,
    pub control_percent: f64,
}

/// The SQL that names a reason number.
fn reason_names() -> String {
    let arms: String = (1..=12u8)
        .filter_map(Reason::from_number)
        .map(|r| format!(" WHEN {} THEN '{}'", r.number(), r.name()))
        .collect();
    format!("CASE reason{arms} END")
}

fn parquet_options() -> TableParquetOptions {
    let mut options = TableParquetOptions::default();
    options.global.compression = Some("snappy".into());
    options
}

fn path_text(path: &Path) -> Result<&str, ClusterError> {
    path.to_str().ok_or_else(|| ClusterError::Usage(format!("{}: not UTF-8", path.display())))
}

/// A directory in `out` that the outputs are written into, then renamed from: a failed run
/// leaves no partial output (the directory is removed when dropped).
struct Staging {
    path: PathBuf,
}

impl Staging {
    fn new(out: &Path) -> Result<Staging, ClusterError> {
        std::fs::create_dir_all(out).map_err(io(out))?;
        let path = out.join(format!(".suppress-datafusion-{}", std::process::id()));
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(io(&path))?;
        }
        std::fs::create_dir(&path).map_err(io(&path))?;
        Ok(Staging { path })
    }

    /// Renames `names` into `out`, in order (the summary last, so that its presence means the
    /// set is complete). An output that is a directory replaces the one before it.
    fn commit(self, out: &Path, names: &[&str]) -> Result<(), ClusterError> {
        for name in names {
            let from = self.path.join(name);
            let to = out.join(name);
            if to.is_dir() && from.is_dir() {
                let old = self.path.join(format!("{name}.old"));
                std::fs::rename(&to, &old).map_err(io(&to))?;
            } else if to.is_dir() {
                std::fs::remove_dir_all(&to).map_err(io(&to))?;
            } else if from.is_dir() && to.exists() {
                std::fs::remove_file(&to).map_err(io(&to))?;
            }
            std::fs::rename(&from, &to).map_err(io(&to))?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The session settings every run needs, on `threads` partitions.
///
/// Statistics are not collected: Parquet leaves NaN out of a float column's min and max, and
/// DataFusion 55 then takes a column whose min equals its max for a constant, so a NaN
/// `control_percent` would read as a number (apache/datafusion#24804 prevents pruning with
/// NaNs, open as of this release).
pub fn configure(config: datafusion::prelude::SessionConfig, threads: usize) -> datafusion::prelude::SessionConfig {
    config.with_target_partitions(threads.max(1)).with_collect_statistics(false)
}

/// A DataFusion session for one run on `threads` partitions, with the plan's functions.
pub fn session(threads: usize) -> SessionContext {
    let config = configure(datafusion::prelude::SessionConfig::new(), threads);
    let ctx = SessionContext::new_with_config(config);
    register_functions(&ctx);
    ctx
}
