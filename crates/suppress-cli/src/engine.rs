//! `suppress analyze --engine datafusion`: the same analysis planned and run by Apache
//! DataFusion in this process (`suppress-cluster`), for comparing the engines and as the first
//! step to a cluster. Built with `--features datafusion`; the default build has only the native
//! engine, so that it compiles in a few minutes.

use std::path::Path;

use suppress_analyze::Config;

use crate::Failure;

/// Which engine runs `suppress analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// This crate's own engine: memory-mapped Parquet, roaring bitmaps, rayon.
    Native,
    /// Apache DataFusion in this process (build with --features datafusion).
    Datafusion,
}

/// The run's options in the DataFusion engine's terms.
#[cfg(feature = "datafusion")]
fn options(config: &Config) -> suppress_cluster::Options {
    use suppress_load::TableKind;
    let mut options =
        suppress_cluster::Options::new(config.profiles.clone(), config.targets.clone(), config.as_of_micros());
    options.quarantine = config.quarantine.clone();
    options.deliveries = config.deliveries.clone();
    options.subscriptions = config.subscriptions.clone();
    options.consent = config.consent.clone();
    options.history = config.history.clone();
    options.exported_at = config.exported_at_micros();
    options.caps = config.caps.clone();
    options.channel = config.channel;
    options.default_country = config.canonicalizer.default_country;
    options.propagate_optout = config.propagate_optout;
    options.skip_bad_rows = config.skip_bad_rows;
    options.allow_missing_optout = config.allow_missing_optout;
    for table in TableKind::ALL {
        for name in table.columns() {
            let source = config.names.source(table, name);
            if source != *name {
                options.columns.insert((table.name().to_string(), name.to_string()), source.to_string());
            }
        }
    }
    options
}

/// `--threads`: 0 is one per core.
#[cfg(feature = "datafusion")]
fn thread_count(threads: usize) -> usize {
    if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    }
}

#[cfg(feature = "datafusion")]
fn failure(e: suppress_cluster::ClusterError) -> Failure {
    let usage = matches!(e, suppress_cluster::ClusterError::Usage(_));
    Failure::new(anyhow::anyhow!(e), usage)
}

/// Runs `run` on a tokio runtime of `threads` workers.
#[cfg(feature = "datafusion")]
fn block_on<T>(threads: usize, run: impl std::future::Future<Output = Result<T, Failure>>) -> Result<T, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("suppress-datafusion")
        .enable_all()
        .build()
        .map_err(|e| Failure::Data(anyhow::anyhow!("cannot start the DataFusion runtime: {e}")))?;
    runtime.block_on(run)
}

/// Runs the analysis of `config` with DataFusion on `threads` threads (0: one per core) and
/// writes the outputs into `out`.
#[cfg(feature = "datafusion")]
pub fn run_datafusion(config: &Config, out: &Path, threads: usize) -> Result<(), Failure> {
    let threads = thread_count(threads);
    let options = options(config);
    block_on(threads, async {
        let ctx = suppress_cluster::session(threads);
        suppress_cluster::analyze(&ctx, &options, out, suppress_cluster::OutputLayout::SingleFile)
            .await
            .map_err(failure)
    })?;
    Ok(())
}

/// Runs the analysis of `config` on the Ballista cluster whose scheduler is at `url`, its
/// executors writing the outputs into `out` as directories of part files.
#[cfg(feature = "ballista")]
pub fn run_cluster(config: &Config, out: &Path, threads: usize, url: &str) -> Result<(), Failure> {
    let threads = thread_count(threads);
    let options = options(config);
    block_on(threads, async {
        let ctx = suppress_cluster::ballista::remote(url, threads).await.map_err(failure)?;
        suppress_cluster::analyze(&ctx, &options, out, suppress_cluster::OutputLayout::PartFiles).await.map_err(failure)
    })?;
    Ok(())
}

#[cfg(not(feature = "ballista"))]
pub fn run_cluster(_: &Config, _: &Path, _: usize, _: &str) -> Result<(), Failure> {
    Err(Failure::Usage(anyhow::anyhow!(
        "--cluster: this build of suppress has no Ballista client; build it with \
         `cargo build --release -p suppress-cli --features ballista`"
    )))
}

#[cfg(not(feature = "datafusion"))]
pub fn run_datafusion(_: &Config, _: &Path, _: usize) -> Result<(), Failure> {
    Err(Failure::Usage(anyhow::anyhow!(
        "--engine datafusion: this build of suppress has only the native engine; build it with \
         `cargo build --release -p suppress-cli --features datafusion`"
    )))
}
