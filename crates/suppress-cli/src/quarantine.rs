//! `suppress quarantine`: the nightly quarantine maintenance.

use std::path::PathBuf;

use anyhow::anyhow;
use suppress_analyze::parse_as_of;
use suppress_model::{Canonicalizer, CountryCode};
use suppress_quarantine::{parse_duration, Job, JobConfig, Rules};

use crate::progress::{Spinners, Tracked};
use crate::{alloc, column_names, lock_output, with_threads, Failure};

const ABOUT: &str =
    "Write the next quarantine table from the current one and the delivery log (bounces, complaints, STOP).";

const LONG_ABOUT: &str = "\
Write the next quarantine table from the current one and the delivery log, by Adobe Campaign's
rules: a hard bounce quarantines at once; soft bounces count at most once per --soft-spacing and
quarantine at --soft-limit; --error-reset quiet days start the count again; a delivery clears an
erroneous address; a complaint or a STOP denylists; a START lifts a quarantine or a denylisting;
the cleanup at --as-of releases erroneous addresses with no recent error.

INPUTS (each a Parquet file, or a directory of Parquet files read as one table)
  --log         address, channel, at (timestamp or date), outcome (delivered, ignored, soft,
                hard, complaint, stop, start and their aliases), reason (optional string).
  --quarantine  the current table (optional; none means empty): address, channel, status,
                expires_at, and the optional error_count, last_error_at, updated_at, reason
                that this command writes.
  Addresses are canonicalized per channel as analyze does. Rename columns with --map log.NAME=COL
  or --map quarantine.NAME=COL.

OUTPUTS in --out DIR, written atomically: quarantine.parquet (the next table: analyze reads it as
it is), changes.parquet (every address whose status changed: old_status, new_status, at,
outcome), summary.json (rows read, applied and ignored by why, entries before and after by
status, changes by old -> new).";

const EXAMPLE: &str = "\
THE NIGHT
  suppress quarantine --quarantine q/day1/quarantine.parquet --log logs/day2/ \\
      --since 2026-11-23T00:00:00Z --as-of 2026-11-24T00:00:00Z --out q/day2/
  suppress analyze --profiles exports/day2/profiles/ --targets exports/day2/targets/ \\
      --quarantine q/day2/quarantine.parquet --out out/day2/

Run it with --since set to the previous run's --as-of: log rows at or before it were applied
then, and running the same night again changes nothing.

Exit codes: 0 success, 1 data error, 2 usage error; 143 / 130 when stopped by SIGTERM / SIGINT.";

#[derive(clap::Args)]
#[command(about = ABOUT, long_about = LONG_ABOUT, after_long_help = EXAMPLE, after_help = "Run with --help for the inputs, rules, outputs and the nightly run.")]
pub struct Args {
    /// The delivery log: a Parquet file or a directory of them.
    #[arg(long, value_name = "PATH")]
    log: PathBuf,
    /// The current quarantine table (optional: none means empty).
    #[arg(long, value_name = "PATH")]
    quarantine: Option<PathBuf>,
    /// Directory for quarantine.parquet, changes.parquet and summary.json (created if needed).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Now, for the rules: later log rows have not happened yet; current entries expiring at
    /// or before it are dropped; the cleanup runs at it (RFC 3339; default: now).
    #[arg(long, value_name = "RFC3339")]
    as_of: Option<String>,
    /// Log rows at or before this instant were applied by an earlier run (its --as-of).
    #[arg(long, value_name = "RFC3339")]
    since: Option<String>,
    /// Calling code (1 to 3 digits, e.g. 33) for phone numbers written without one.
    #[arg(long, value_name = "CC")]
    default_country: Option<String>,
    /// Counted soft errors that quarantine an address (at least 1).
    #[arg(long, value_name = "N", default_value_t = 5, allow_negative_numbers = true)]
    soft_limit: i64,
    /// Soft errors closer together than this count as one (e.g. 1d, 12h).
    #[arg(long, value_name = "DURATION", default_value = "1d", allow_hyphen_values = true)]
    soft_spacing: String,
    /// A quiet gap longer than this starts the count again and releases an erroneous address.
    #[arg(long, value_name = "DURATION", default_value = "10d", allow_hyphen_values = true)]
    error_reset: String,
    /// Skip and count bad rows (unknown channel, status or outcome, null time, negative
    /// error_count) instead of failing.
    #[arg(long)]
    skip_bad_rows: bool,
    /// Worker threads (0: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
    /// Read a contract column from another column name, e.g. log.at=event_time.
    #[arg(long = "map", value_name = "TABLE.NAME=COLUMN")]
    maps: Vec<String>,
    /// When another run is writing to --out, wait for it to end instead of failing.
    #[arg(long)]
    wait: bool,
    /// Print nothing but errors on stderr (no spinner per phase, no closing counts).
    #[arg(long, short)]
    quiet: bool,
}

fn config(args: &Args) -> Result<JobConfig, String> {
    let micros = |flag: &str, text: &str| {
        parse_as_of(text).map(|t| t.timestamp_micros()).map_err(|e| e.replacen("--as-of", flag, 1))
    };
    let as_of = match &args.as_of {
        Some(text) => micros("--as-of", text)?,
        None => chrono::Utc::now().timestamp_micros(),
    };
    let since = args.since.as_deref().map(|text| micros("--since", text)).transpose()?;
    if args.soft_limit < 1 || args.soft_limit > i64::from(i32::MAX) {
        return Err(format!("--soft-limit {}: must be a whole number from 1 to 2147483647", args.soft_limit));
    }
    let rules = Rules {
        soft_limit: args.soft_limit as i32,
        soft_spacing: parse_duration(&args.soft_spacing).map_err(|e| format!("--soft-spacing {e}"))?,
        error_reset: parse_duration(&args.error_reset).map_err(|e| format!("--error-reset {e}"))?,
    };
    let canonicalizer = match &args.default_country {
        Some(cc) => Canonicalizer::new(Some(CountryCode::parse(cc).map_err(|e| format!("--default-country {e}"))?)),
        None => Canonicalizer::default(),
    };
    Ok(JobConfig {
        log: args.log.clone(),
        quarantine: args.quarantine.clone(),
        as_of,
        since,
        rules,
        canonicalizer,
        skip_bad_rows: args.skip_bad_rows,
        names: column_names(None, &args.maps)?,
    })
}

pub fn run(args: Args) -> Result<(), Failure> {
    let config = config(&args).map_err(|e| Failure::Usage(anyhow!(e)))?;
    let out = args.out.clone();
    let quiet = args.quiet;
    // Held until the run has committed or failed: no other run writes into --out meanwhile.
    let _lock = lock_output(&out, args.wait, quiet)?;
    let spinners = Spinners::for_stderr(quiet);
    let summary = with_threads(args.threads, move || {
        alloc::set_phase("open");
        let job = Job::open(config)?;
        job.execute(&out, &Tracked(spinners.as_ref()))
    })?
    .map_err(|e| {
        let usage = e.is_usage();
        Failure::new(e, usage)
    })?;
    if !quiet {
        let log = &summary["inputs"]["log"];
        eprintln!("log: {} rows, {} applied, ignored {}", log["rows"], log["applied"], compact(&log["ignored"]));
        eprintln!("entries before: {}", compact(&summary["entries"]["before"]));
        eprintln!("entries after:  {}", compact(&summary["entries"]["after"]));
        eprintln!("changes: {}", compact(&summary["changes"]));
        eprintln!(
            "wrote {} in {:.2}s",
            args.out.display(),
            summary["timings_ms"]["total"].as_f64().unwrap_or(0.0) / 1000.0
        );
    }
    Ok(())
}

/// `{"a": 1, "b": 2}` as `a 1, b 2` (`none` when empty).
fn compact(value: &serde_json::Value) -> String {
    let parts: Vec<String> =
        value.as_object().map(|o| o.iter().map(|(k, v)| format!("{k} {v}")).collect()).unwrap_or_default();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}
