//! `suppress gen`: deterministic synthetic exports.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::anyhow;
use suppress_gen::{generate, GenConfig};

use crate::{with_threads, Failure};

#[derive(clap::Args)]
#[command(
    about = "Write synthetic profiles, quarantine, targets and delivery log Parquet files (deterministic).",
    long_about = "Write synthetic profiles.parquet, quarantine.parquet, targets.parquet and log.parquet (the \
delivery log for `suppress quarantine`) into DIR.\n\n\
The data has the dirt real exports have: mixed case and stray whitespace, invalid and missing \
addresses, national and international phone formats (use --default-country 33 when analyzing), \
addresses shared by two profiles, null and integer flags, unknown and repeated target rows, \
expired, allowlisted and denylisted quarantine entries, eight deliveries over all six channels \
(about 2.2 target rows per profile), and a night's delivery log before 2026-11-01 with bounces, \
late bounces, complaints, STOP and START replies in every outcome spelling. The same --profiles and --seed always give the same files; \
rows stream to disk, so 50M profiles fit in little memory.",
    after_help = "Example:\n  suppress gen --out /tmp/gen --profiles 1000000 --seed 7\n  suppress analyze --profiles /tmp/gen/profiles.parquet --targets /tmp/gen/targets.parquet \\\n      --quarantine /tmp/gen/quarantine.parquet --default-country 33 --as-of 2026-11-01T00:00:00Z --out /tmp/out\n  suppress quarantine --quarantine /tmp/gen/quarantine.parquet --log /tmp/gen/log.parquet \\\n      --default-country 33 --as-of 2026-11-01T00:00:00Z --out /tmp/q"
)]
pub struct Args {
    /// Directory to write into (created if needed).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Number of profiles.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    profiles: u64,
    /// Random seed.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Worker threads (0: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let started = Instant::now();
    let config = GenConfig { profiles: args.profiles, seed: args.seed };
    let out = args.out.clone();
    crate::signals::writing_in_place(out.clone());
    let report = with_threads(args.threads, move || generate(&out, &config))?.map_err(|e| Failure::Data(anyhow!(e)))?;
    eprintln!(
        "wrote {}: {} profiles, {} quarantine rows, {} target rows, {} log rows in {:.2}s",
        args.out.display(),
        report.profiles,
        report.quarantine,
        report.targets,
        report.log,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
