//! `suppress analyze`: the delivery analysis.

use std::path::PathBuf;

use anyhow::anyhow;
use suppress_analyze::{human_bytes, parse_as_of, parse_instant, render_table, Config, Plan};
use suppress_model::pressure::Cap;
use suppress_model::{Canonicalizer, Channel, CountryCode};

use crate::engine::{run_cluster, run_datafusion, Engine};
use crate::limits::memory_limit;
use crate::progress::{Spinners, Tracked};
use crate::{alloc, column_names, inputs, lock_output, with_threads, Failure};

const ABOUT: &str = "Decide for every target row whether the message goes out, or the first reason it does not.";

const LONG_ABOUT: &str = "\
Decide for every target row whether the message goes out, or the first reason it does not.

INPUTS (each a Parquet file, or a directory of Parquet files read as one table, with hive
KEY=VALUE folders as columns; --inputs DIR finds each as DIR/NAME.parquet or DIR/NAME/)
  --profiles       profile_id (required, unique), optout, optout_email, optout_sms, optout_phone,
                   optout_fax, optout_push, optout_direct_mail, and the address columns email,
                   mobile_phone, phone, fax, push_token, postal_address. Only the columns of the
                   channels your deliveries use are read.
  --targets        delivery_id (string or integer), profile_id, channel (omit with --channel).
  --quarantine     address, channel, status (denylisted, quarantined, allowlisted, valid and their
                   aliases), expires_at (optional timestamp or date; null never expires).
  --deliveries     delivery_id; optional service (its subscribers only), weight, contact_date,
                   control_percent. Any bad row here fails the run, even with --skip-bad-rows.
  --subscriptions  profile_id, service, expires_at (optional): who is subscribed, as exported.
  --consent        profile_id, at, action (opt_out, opt_in and aliases such as unsubscribe, stop,
                   subscribe, start), channel and service (optional: the event's scope).
  --history        profile_id, channel, sent_at: the messages already sent (with --cap).
  Strings may be any Arrow string type, ids any integer type, flags Boolean or integer
  (0 = false, null = false). Other columns are ignored. Rename with --map or --preset.

CONSENT: events after --as-of, and at or before --exported-at, are ignored; per profile and
scope the latest event decides (opt_out on a tie). Without --exported-at a deciding opt_in is
ignored (it cannot be told from one the export already overruled): give --exported-at.

RULES (first that applies): unknown_profile, optout_all, optout_channel, not_subscribed,
missing_address, invalid_address, optout_address (--propagate-optout only), denylisted,
quarantined, duplicate (per delivery, the smallest profile_id of one canonical address is
kept), pressure (--cap only), control_group. Opt-outs and subscriptions are the exports' as
changed by the consent events.

PRESSURE: --cap email:3/7d --cap all:10/30d. A profile's rows still kept are ranked (weight,
then earlier contact_date, then delivery_id, then channel) and admitted in that order unless a
cap's count, its --history rows and already admitted rows within the period of the contact,
reaches N. CONTROL GROUPS: a delivery's control_percent of its remaining rows, chosen by a hash
of (delivery_id, channel, profile_id): the same rows on every run.

OUTPUTS in --out DIR, written atomically: recipients.parquet (delivery_id, channel, profile_id,
address), exclusions.parquet (... reason, address), summary.json; a table on stderr.

SAFETY NETS
  One run at a time per --out DIR: a second run fails at once naming the first one's pid
  (--wait: wait for it). Before decoding anything, the run estimates its peak memory from the
  files' footers and refuses when that exceeds --memory-limit or the cgroup's limit. Out of
  memory, SIGTERM or Ctrl-C: one line, temporary files removed, previous outputs untouched
  (exit 1, 143, 130).";

const EXAMPLE: &str = "\
EXAMPLES
  suppress analyze --inputs data/ --default-country 33 --as-of 2026-11-01T00:00:00Z \\
      --exported-at 2026-10-31T22:00:00Z --out out/

  suppress analyze --profiles data/profiles.parquet --targets data/targets.parquet \\
      --quarantine data/quarantine.parquet --default-country 33 --out out/

  suppress analyze --profiles crm/ --targets todays_list.parquet --channel email \\
      --preset adobe --map targets.profile_id=recipient_id --out out/

Exit codes: 0 success, 1 data error, 2 usage error.";

#[derive(clap::Args)]
#[command(about = ABOUT, long_about = LONG_ABOUT, after_long_help = EXAMPLE, after_help = "Run with --help for the input columns, rules, outputs and examples.")]
pub struct Args {
    /// A folder holding the tables as NAME.parquet or NAME/ (profiles, targets, quarantine,
    /// deliveries, subscriptions, consent); a flag naming a table wins over it.
    #[arg(long, value_name = "DIR")]
    inputs: Option<PathBuf>,
    /// Profiles table: a Parquet file or a directory of them.
    #[arg(long, value_name = "PATH")]
    profiles: Option<PathBuf>,
    /// Target lists of the deliveries: a Parquet file or a directory of them.
    #[arg(long, value_name = "PATH")]
    targets: Option<PathBuf>,
    /// Address quarantine table (optional): a Parquet file or a directory of them.
    #[arg(long, value_name = "PATH")]
    quarantine: Option<PathBuf>,
    /// Deliveries table (optional): each delivery's service, weight, contact date, control share.
    #[arg(long, value_name = "PATH")]
    deliveries: Option<PathBuf>,
    /// Subscriptions to services (optional): profile_id, service, expires_at.
    #[arg(long, value_name = "PATH")]
    subscriptions: Option<PathBuf>,
    /// Consent events since the exports (optional): profile_id, at, action, channel, service.
    #[arg(long, value_name = "PATH")]
    consent: Option<PathBuf>,
    /// When the profile and subscription exports were taken (RFC 3339): consent events at or
    /// before it are already in them, and only after it is a deciding opt_in believed.
    #[arg(long, value_name = "RFC3339")]
    exported_at: Option<String>,
    /// Messages already sent (profile_id, channel, sent_at), counted against the caps.
    #[arg(long, value_name = "PATH")]
    history: Option<PathBuf>,
    /// A fatigue cap: at most N messages of SCOPE (a channel or all) within PERIOD (7d, 12h)
    /// around each contact; repeatable, every cap applies.
    #[arg(long = "cap", value_name = "SCOPE:N/PERIOD")]
    caps: Vec<String>,
    /// Directory for recipients.parquet, exclusions.parquet and summary.json (created if needed).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Channel of every target row (email, sms, phone, fax, push, direct_mail); the targets
    /// table then needs no channel column, and one it has is not read.
    #[arg(long, value_name = "NAME")]
    channel: Option<String>,
    /// Quarantine entries expiring at or before this instant are inactive (RFC 3339; default: now).
    #[arg(long, value_name = "RFC3339")]
    as_of: Option<String>,
    /// Calling code (1 to 3 digits, e.g. 33) for phone numbers written without one.
    #[arg(long, value_name = "CC")]
    default_country: Option<String>,
    /// Also exclude an address that any opted-out profile has (one person, two profiles).
    #[arg(long)]
    propagate_optout: bool,
    /// Skip and count bad rows (null or negative ids, duplicate profile_id, unknown channel or
    /// status) instead of failing.
    #[arg(long)]
    skip_bad_rows: bool,
    /// Read a missing opt-out column as all false (recorded as a warning in the summary).
    #[arg(long)]
    allow_missing_optout: bool,
    /// Worker threads (0: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
    /// Read a contract column from another column name, e.g. profiles.email=EmailAddress.
    #[arg(long = "map", value_name = "TABLE.NAME=COLUMN")]
    maps: Vec<String>,
    /// Read an export with a known schema's column names: adobe (Adobe Campaign recipients).
    #[arg(long, value_name = "NAME")]
    preset: Option<String>,
    /// Also write a self-contained HTML report (table and chart per delivery) to FILE.
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
    /// When another run is writing to --out, wait for it to end instead of failing.
    #[arg(long)]
    wait: bool,
    /// Memory this run may use (400M, 2G, 1.5GiB); refuses before decoding when its estimate
    /// is larger. The cgroup's limit, when there is one, applies too.
    #[arg(long, value_name = "SIZE")]
    memory_limit: Option<String>,
    /// Print nothing but errors on stderr (no progress, no table).
    #[arg(long, short)]
    quiet: bool,
    /// The engine that runs the analysis: native, or datafusion (Apache DataFusion in this
    /// process; same rows, a build with --features datafusion).
    #[arg(long, value_enum, default_value_t = Engine::Native)]
    engine: Engine,
    /// Run on the Ballista cluster whose scheduler is at this address (df://HOST:PORT), started
    /// with suppress-scheduler and suppress-executor; inputs and --out on storage that every
    /// executor sees. The outputs are directories of part files (a build with --features ballista).
    #[arg(long, value_name = "df://HOST:PORT", conflicts_with = "engine")]
    cluster: Option<String>,
}

fn config(args: &Args) -> Result<Config, String> {
    let dir = args.inputs.as_deref();
    if let Some(dir) = dir.filter(|d| !d.is_dir()) {
        return Err(format!("--inputs {}: not a directory", dir.display()));
    }
    let mut config = Config::new(
        inputs::required(args.profiles.clone(), dir, "profiles")?,
        inputs::required(args.targets.clone(), dir, "targets")?,
    );
    config.quarantine = inputs::resolve(args.quarantine.clone(), dir, "quarantine")?;
    config.deliveries = inputs::resolve(args.deliveries.clone(), dir, "deliveries")?;
    config.subscriptions = inputs::resolve(args.subscriptions.clone(), dir, "subscriptions")?;
    config.consent = inputs::resolve(args.consent.clone(), dir, "consent")?;
    config.caps = args.caps.iter().map(|c| Cap::parse(c)).collect::<Result<_, _>>()?;
    // From an export folder, the history is read when a cap needs it; named explicitly
    // without a cap, it is a usage error (Plan::open).
    config.history = match (&args.history, config.caps.is_empty()) {
        (Some(path), _) => Some(path.clone()),
        (None, false) => inputs::resolve(None, dir, "history")?,
        (None, true) => None,
    };
    if let Some(text) = &args.exported_at {
        config.exported_at = Some(parse_instant("--exported-at", text)?);
    }
    if let Some(name) = &args.channel {
        config.channel = Some(
            Channel::parse(name)
                .ok_or_else(|| format!("--channel {name:?}: unknown channel; use one of {}", Channel::names()))?,
        );
    }
    if let Some(text) = &args.as_of {
        config.as_of = parse_as_of(text)?;
    }
    if let Some(cc) = &args.default_country {
        config.canonicalizer =
            Canonicalizer::new(Some(CountryCode::parse(cc).map_err(|e| format!("--default-country {e}"))?));
    }
    config.names = column_names(args.preset.as_deref(), &args.maps)?;
    config.propagate_optout = args.propagate_optout;
    config.skip_bad_rows = args.skip_bad_rows;
    config.allow_missing_optout = args.allow_missing_optout;
    Ok(config)
}

/// Writes the HTML report next to its final name, then renames it into place.
fn write_report(path: &std::path::Path, summary: &suppress_analyze::Summary) -> anyhow::Result<()> {
    let html = suppress_analyze::report::render_html(summary);
    let name = path.file_name().ok_or_else(|| anyhow!("--report {}: not a file name", path.display()))?;
    let temp = path.with_file_name(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    std::fs::write(&temp, html).and_then(|()| std::fs::rename(&temp, path)).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        anyhow!("{}: cannot write the report: {e}", path.display())
    })
}

pub fn run(args: Args) -> Result<(), Failure> {
    let config = config(&args).map_err(|e| Failure::Usage(anyhow!(e)))?;
    let limit = memory_limit(args.memory_limit.as_deref()).map_err(|e| Failure::Usage(anyhow!(e)))?;
    let out = args.out.clone();
    // Held until the run has committed or failed: no other run writes into --out meanwhile.
    let _lock = lock_output(&out, args.wait, args.quiet)?;
    if args.engine == Engine::Datafusion || args.cluster.is_some() {
        let started = std::time::Instant::now();
        let engine = match &args.cluster {
            Some(url) => {
                run_cluster(&config, &out, args.threads, url)?;
                format!("Ballista cluster at {url}")
            }
            None => {
                run_datafusion(&config, &out, args.threads)?;
                "DataFusion engine".to_string()
            }
        };
        if !args.quiet {
            eprintln!("wrote {} in {:.2}s ({engine})", out.display(), started.elapsed().as_secs_f64());
        }
        return Ok(());
    }
    let spinners = Spinners::for_stderr(args.quiet);
    let analysis = with_threads(args.threads, move || {
        alloc::set_phase("open");
        let plan = Plan::open(config)?;
        if let Some(limit) = &limit {
            let estimate = plan.estimate_memory(rayon::current_num_threads() as u64);
            if estimate.bytes() > limit.bytes {
                return Err(anyhow!(
                    "this run needs {} of memory (estimated from the inputs' footers), more than the {} \
                     it may use ({}); nothing was decoded or written",
                    estimate.describe(),
                    human_bytes(limit.bytes),
                    limit.source
                ));
            }
        }
        plan.execute_with(Some(&out), &Tracked(spinners.as_ref())).map_err(anyhow::Error::from)
    })?
    .map_err(|e| {
        let usage = e.downcast_ref::<suppress_analyze::AnalyzeError>().is_some_and(|e| e.is_usage());
        Failure::new(e, usage)
    })?;
    let summary = &analysis.summary;
    if let Some(path) = &args.report {
        write_report(path, summary).map_err(Failure::Data)?;
    }
    if args.quiet {
        return Ok(());
    }
    eprint!("{}", render_table(summary));
    for warning in &summary.warnings {
        eprintln!("warning: {warning}");
    }
    for (name, input) in &summary.inputs {
        let skipped: u64 = input.bad_rows.values().sum();
        if skipped > 0 {
            let causes: Vec<String> = input.bad_rows.iter().map(|(cause, n)| format!("{cause} {n}")).collect();
            eprintln!("skipped {skipped} bad rows of {name} (--skip-bad-rows): {}", causes.join(", "));
        }
    }
    let total = summary.timings_ms.last().map_or(0, |t| t.1);
    eprintln!("wrote {} in {:.2}s", args.out.display(), total as f64 / 1000.0);
    Ok(())
}
