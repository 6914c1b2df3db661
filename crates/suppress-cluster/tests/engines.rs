//! The DataFusion engine against the native one on `suppress gen` data, every output row and
//! the whole summary, with every table, with and without `--exported-at`,
//! `--propagate-optout` and caps, on several seeds and id shapes.

use std::path::Path;

use serde_json::Value;
use suppress_analyze::{parse_as_of, parse_instant, Config, Plan};
use suppress_cluster::OutputLayout;
use suppress_gen::{generate, GenConfig, IdShape, TargetOrder};
use suppress_model::pressure::Cap;
use suppress_model::{Canonicalizer, CountryCode};
use suppress_testkit::read_outputs;

mod common;

const AS_OF: &str = "2026-11-01T00:00:00Z";
const EXPORTED_AT: &str = "2026-10-31T00:00:00Z";

/// One comparison's options.
#[derive(Debug, Clone, Default)]
struct Case {
    seed: u64,
    profiles: u64,
    random_ids: bool,
    /// Deliveries, subscriptions and consent given.
    consent: bool,
    exported_at: bool,
    propagate: bool,
    caps: &'static [&'static str],
    threads: usize,
}

fn native_config(dir: &Path, case: &Case) -> Config {
    let mut config = Config::new(dir.join("profiles.parquet"), dir.join("targets.parquet"));
    config.quarantine = Some(dir.join("quarantine.parquet"));
    if case.consent {
        config.deliveries = Some(dir.join("deliveries.parquet"));
        config.subscriptions = Some(dir.join("subscriptions.parquet"));
        config.consent = Some(dir.join("consent.parquet"));
    }
    if case.exported_at {
        config.exported_at = Some(parse_instant("--exported-at", EXPORTED_AT).unwrap());
    }
    config.caps = case.caps.iter().map(|c| Cap::parse(c).unwrap()).collect();
    if !case.caps.is_empty() {
        config.history = Some(dir.join("history.parquet"));
    }
    config.as_of = parse_as_of(AS_OF).unwrap();
    config.canonicalizer = Canonicalizer::new(Some(CountryCode::parse("33").unwrap()));
    config.propagate_optout = case.propagate;
    config
}

fn summary(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// Where the plan runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    /// DataFusion in this process.
    DataFusion,
    /// An in-process Ballista cluster (a scheduler and an executor, over gRPC).
    #[cfg(feature = "ballista")]
    Standalone,
}

fn compare(case: Case) {
    compare_on(case, Engine::DataFusion)
}

fn compare_on(case: Case, engine: Engine) {
    let data = tempfile::tempdir().unwrap();
    let mut gen = GenConfig::new(case.profiles, case.seed);
    if case.random_ids {
        gen.id_shape = IdShape::Random63;
        gen.target_order = TargetOrder::Shuffled;
    }
    generate(data.path(), &gen).unwrap();
    let config = native_config(data.path(), &case);
    let native = tempfile::tempdir().unwrap();
    Plan::open(config.clone()).unwrap().execute(Some(native.path())).unwrap();
    let cluster = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let options = common::options(&config);
    runtime
        .block_on(async {
            match engine {
                Engine::DataFusion => {
                    let ctx = suppress_cluster::session(case.threads);
                    suppress_cluster::analyze(&ctx, &options, cluster.path(), OutputLayout::SingleFile).await
                }
                #[cfg(feature = "ballista")]
                Engine::Standalone => {
                    let ctx = suppress_cluster::ballista::standalone(case.threads).await?;
                    suppress_cluster::analyze(&ctx, &options, cluster.path(), OutputLayout::PartFiles).await
                }
            }
        })
        .unwrap_or_else(|e| panic!("{case:?} on {engine:?}: {e}"));

    let (expected, got) = (read_outputs(native.path()), read_outputs(cluster.path()));
    assert_eq!(expected.len(), got.len(), "{case:?}: row count");
    for (e, g) in expected.iter().zip(&got) {
        assert_eq!(e, g, "{case:?}: first differing row");
    }
    let (expected, got) = (summary(native.path()), summary(cluster.path()));
    common::assert_same_summary(&expected, &got);
    assert!(expected["totals"]["kept"].as_u64().unwrap() > 0, "the data keeps rows");
}

#[test]
fn every_table_with_exported_at() {
    compare(Case { seed: 1, profiles: 3000, consent: true, exported_at: true, threads: 2, ..Case::default() });
}

#[test]
fn consent_without_exported_at_and_random_ids() {
    compare(Case { seed: 2, profiles: 2500, random_ids: true, consent: true, threads: 3, ..Case::default() });
}

#[test]
fn propagated_optouts_and_caps_with_history() {
    compare(Case {
        seed: 3,
        profiles: 3000,
        consent: true,
        exported_at: true,
        propagate: true,
        caps: &["email:1/7d", "all:3/30d", "sms:0/1h"],
        threads: 2,
        ..Case::default()
    });
}

#[test]
fn quarantine_only_one_partition() {
    compare(Case { seed: 4, profiles: 2000, propagate: true, caps: &["all:2/2d"], threads: 1, ..Case::default() });
}

/// The in-process Ballista cluster gives the same rows: every table, two seeds, with and
/// without `--propagate-optout` and caps.
#[cfg(feature = "ballista")]
#[test]
fn a_standalone_ballista_cluster_gives_the_native_rows() {
    compare_on(
        Case { seed: 5, profiles: 2000, consent: true, exported_at: true, threads: 2, ..Case::default() },
        Engine::Standalone,
    );
    compare_on(
        Case {
            seed: 6,
            profiles: 2000,
            random_ids: true,
            consent: true,
            propagate: true,
            caps: &["email:1/7d", "all:3/30d"],
            threads: 2,
            ..Case::default()
        },
        Engine::Standalone,
    );
}
