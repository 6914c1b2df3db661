//! `suppress gen`: deterministic synthetic exports.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::anyhow;
use suppress_gen::{generate, GenConfig, IdShape, TargetOrder};

use crate::{with_threads, Failure};

#[derive(clap::Args)]
#[command(
    about = "Write synthetic profiles, quarantine, targets, deliveries, subscriptions, consent and delivery log Parquet files (deterministic).",
    long_about = "Write synthetic profiles.parquet, quarantine.parquet, targets.parquet, deliveries.parquet, \
subscriptions.parquet, consent.parquet, history.parquet (30 days of messages sent, for --cap) and log.parquet (the delivery log for `suppress quarantine`) into DIR.\n\n\
The data has the dirt real exports have: mixed case and stray whitespace, invalid and missing \
addresses, national and international phone formats (use --default-country 33 when analyzing), \
addresses shared by two profiles, null and integer flags, unknown and repeated target rows, \
expired, allowlisted and denylisted quarantine entries, eight deliveries over all six channels \
(about 2.2 target rows per profile), and a night's delivery log before 2026-11-01 with bounces, \
late bounces, complaints, STOP and START replies in every outcome spelling; services for three \
deliveries with about 1.2 subscriptions per profile (some expired), and consent events for about 5% of \
profiles around the export (use --exported-at 2026-10-31T00:00:00Z). Targets come in hash order, as a \
warehouse join writes them (--target-order sorted for delivery and profile order). The same --profiles and --seed always give the same files; \
rows stream to disk, so 50M profiles fit in little memory.",
    after_help = "Example:\n  suppress gen --out /tmp/gen --profiles 1000000 --seed 7\n  suppress analyze --inputs /tmp/gen --default-country 33 --as-of 2026-11-01T00:00:00Z \\\n      --exported-at 2026-10-31T00:00:00Z --out /tmp/out\n  suppress quarantine --quarantine /tmp/gen/quarantine.parquet --log /tmp/gen/log.parquet \\\n      --default-country 33 --as-of 2026-11-01T00:00:00Z --out /tmp/q"
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
    /// Order of the target rows: shuffled (hash order, as a warehouse join writes them) or
    /// sorted (by delivery, then profile).
    #[arg(long, value_name = "ORDER", default_value = "shuffled")]
    target_order: String,
    /// How profile ids are spread: dense (a CRM sequence), sparse (about 7 ids per profile,
    /// what deletions leave) or random63 (hashed 63-bit keys).
    #[arg(long, value_name = "SHAPE", default_value = "dense")]
    id_shape: String,
    /// Worker threads (0: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let started = Instant::now();
    let target_order = TargetOrder::parse(&args.target_order)
        .ok_or_else(|| Failure::Usage(anyhow!("--target-order {:?}: use shuffled or sorted", args.target_order)))?;
    let id_shape = IdShape::parse(&args.id_shape)
        .ok_or_else(|| Failure::Usage(anyhow!("--id-shape {:?}: use dense, sparse or random63", args.id_shape)))?;
    let config = GenConfig { profiles: args.profiles, seed: args.seed, target_order, id_shape };
    let out = args.out.clone();
    crate::signals::writing_in_place(out.clone());
    let report = with_threads(args.threads, move || generate(&out, &config))?.map_err(|e| Failure::Data(anyhow!(e)))?;
    eprintln!(
        "wrote {}: {} profiles, {} quarantine rows, {} target rows, {} deliveries, {} subscriptions, {} consent \
         events, {} history rows, {} log rows in {:.2}s",
        args.out.display(),
        report.profiles,
        report.quarantine,
        report.targets,
        report.deliveries,
        report.subscriptions,
        report.consent,
        report.history,
        report.log,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
