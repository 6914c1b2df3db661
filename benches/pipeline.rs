//! Criterion benchmarks of each phase on `suppress gen` data: the canonicalizers (per
//! address), loading each table (rows/s and MB/s of file), building the address index, the
//! analyzer's per-row path (rows/s) and whole analyses.
//!
//! Size: `SUPPRESS_BENCH_PROFILES` profiles (default 100000, about 211000 target rows), written
//! once to a temporary directory; shape: `SUPPRESS_BENCH_ORDER` (`shuffled`, the default, as a
//! warehouse join writes targets, or `sorted`) and `SUPPRESS_BENCH_IDS` (`dense`, the default,
//! `sparse` or `random63`), as `suppress gen --target-order/--id-shape` take them. Run: `cargo
//! bench -p suppress-benches --bench pipeline`.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use suppress_analyze::rules::{classify_all, duplicate::mark_duplicates};
use suppress_analyze::Indexes;
use suppress_analyze::{parse_as_of, Config, Plan};
use suppress_gen::{generate, GenConfig, IdShape, TargetOrder};
use suppress_index::{
    AddressBook, DenseBits, ProfileIndex, ProfileOptions, QuarantineIndex, TargetList, TargetOptions, UNKNOWN_PROFILE,
};
use suppress_load::{ColumnNames, Table};
use suppress_model::{AddressKind, Canonicalizer, Channel, CountryCode};

fn data() -> (tempfile_dir::Dir, u64) {
    let profiles = std::env::var("SUPPRESS_BENCH_PROFILES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let mut config = GenConfig::new(profiles, 7);
    if let Ok(order) = std::env::var("SUPPRESS_BENCH_ORDER") {
        config.target_order = TargetOrder::parse(&order).expect("SUPPRESS_BENCH_ORDER: shuffled or sorted");
    }
    if let Ok(ids) = std::env::var("SUPPRESS_BENCH_IDS") {
        config.id_shape = IdShape::parse(&ids).expect("SUPPRESS_BENCH_IDS: dense, sparse or random63");
    }
    let dir = tempfile_dir::Dir::new();
    generate(&dir.0, &config).expect("gen");
    (dir, profiles)
}

/// A temporary directory removed on drop (std only, to keep bench dependencies small).
mod tempfile_dir {
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new() -> Dir {
            let path = std::env::temp_dir().join(format!("suppress-bench-{}", std::process::id()));
            std::fs::create_dir_all(&path).expect("temp dir");
            Dir(path)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn config(dir: &std::path::Path) -> Config {
    let mut config = Config::new(dir.join("profiles.parquet"), dir.join("targets.parquet"));
    config.quarantine = Some(dir.join("quarantine.parquet"));
    config.as_of = parse_as_of("2026-11-01T00:00:00Z").unwrap();
    config.canonicalizer = Canonicalizer::new(Some(CountryCode::parse("33").unwrap()));
    config
}

fn canonicalize(c: &mut Criterion) {
    let canon = Canonicalizer::new(Some(CountryCode::parse("33").unwrap()));
    let mut group = c.benchmark_group("canonicalize");
    let mut buf = String::new();
    for (name, kind, raw) in [
        ("email", AddressKind::Email, "  John.Doe.123456@Example.COM "),
        ("email_unicode", AddressKind::Email, "Jürgen.Müller@Bücher.DE"),
        ("phone", AddressKind::Phone, "06 12 34 56 78"),
        ("token", AddressKind::Token, "3f2a9c0d5e6b7a8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e"),
        ("postal", AddressKind::Postal, "12  Rue de la PAIX, apt 4\n75002 Paris"),
    ] {
        group.throughput(Throughput::Elements(1));
        group.bench_function(name, |b| b.iter(|| canon.canonicalize_into(kind, std::hint::black_box(raw), &mut buf)));
    }
    group.finish();
}

/// Rows and bytes of `table`: throughput in rows/s and MB/s (of Parquet file read) at once.
fn rows_and_bytes(table: &Table) -> Throughput {
    Throughput::ElementsAndBytes { elements: table.num_rows(), bytes: table.num_bytes() }
}

/// Per channel of the ordered targets, the profile rows some delivery targets (as the run
/// marks them).
fn targeted(targets: &TargetList, profiles: &ProfileIndex) -> Vec<(Channel, DenseBits)> {
    let channels = targets.channels();
    let mut bits: Vec<(Channel, DenseBits)> = channels.iter().map(|&c| (c, DenseBits::new(profiles.len()))).collect();
    for (&delivery, &row) in targets.delivery.iter().zip(&targets.profile_row) {
        let channel = targets.deliveries[delivery as usize].channel;
        if let (true, Some(k)) = (row != UNKNOWN_PROFILE, channels.iter().position(|&c| c == channel)) {
            bits[k].1.set(row);
        }
    }
    bits
}

fn phases(c: &mut Criterion) {
    let (dir, _) = data();
    let names = ColumnNames::default();
    let targets_table = Table::open(&dir.0.join("targets.parquet")).unwrap();
    let profiles_table = Table::open(&dir.0.join("profiles.parquet")).unwrap();
    let quarantine_table = Table::open(&dir.0.join("quarantine.parquet")).unwrap();
    let canonicalizer = Canonicalizer::new(Some(CountryCode::parse("33").unwrap()));

    // Loading each table: decoding its columns and the per-row work of each load.
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    group.throughput(rows_and_bytes(&targets_table));
    group.bench_function("targets", |b| {
        b.iter(|| TargetList::load(&targets_table, &names, &TargetOptions::default()).unwrap())
    });
    let targets = TargetList::load(&targets_table, &names, &TargetOptions::default()).unwrap();
    let options = ProfileOptions { channels: targets.channels(), ..Default::default() };
    group.throughput(rows_and_bytes(&profiles_table));
    group.bench_function("profiles", |b| b.iter(|| ProfileIndex::load(&profiles_table, &names, &options).unwrap()));
    group.throughput(rows_and_bytes(&quarantine_table));
    group.bench_function("quarantine", |b| {
        b.iter(|| QuarantineIndex::load(&quarantine_table, &names, &Channel::ALL, &canonicalizer, 0, false).unwrap())
    });
    group.finish();

    // Building the indexes the analysis probes: the targeted profiles' canonical addresses (a
    // second scan of the profiles' address columns), per profile row.
    let profiles = ProfileIndex::load(&profiles_table, &names, &options).unwrap();
    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    // Resolving every target row's profile and ordering the rows by it.
    group.throughput(Throughput::Elements(targets.len() as u64));
    group.bench_function("order_targets", |b| {
        b.iter_batched(|| targets.clone(), |mut t| t.order_by_profile(&profiles), criterion::BatchSize::LargeInput)
    });
    let mut targets = targets;
    targets.order_by_profile(&profiles);
    let targeted = targeted(&targets, &profiles);
    group.throughput(rows_and_bytes(&profiles_table));
    group.bench_function("address_book", |b| {
        b.iter(|| AddressBook::load(&profiles_table, &names, &profiles, &targeted, &canonicalizer, false).unwrap())
    });
    group.finish();

    // The analyzer's per-row path on ready indexes: reasons 1 to 9, then duplicates.
    let (addresses, _) =
        AddressBook::load(&profiles_table, &names, &profiles, &targeted, &canonicalizer, false).unwrap();
    let quarantine =
        QuarantineIndex::load(&quarantine_table, &names, &targets.channels(), &canonicalizer, 0, false).unwrap();
    let ix = Indexes {
        targets: &targets,
        profiles: &profiles,
        addresses: &addresses,
        optout_addresses: None,
        quarantine: Some(&quarantine),
        // No delivery has a service here: reason 4 costs one comparison per row.
        service_slot: &vec![suppress_analyze::NO_SERVICE; targets.deliveries.len()],
        subscriptions: &Default::default(),
        properties: &vec![Default::default(); targets.deliveries.len()],
        history: None,
    };
    let mut group = c.benchmark_group("analyze");
    group.sample_size(10);
    group.throughput(Throughput::Elements(targets.len() as u64));
    group.bench_function("classify_rows", |b| b.iter(|| classify_all(&ix)));
    group.bench_function("classify_and_deduplicate_rows", |b| {
        b.iter(|| {
            let (mut codes, kept) = classify_all(&ix);
            mark_duplicates(&ix, &mut codes, kept);
            codes
        })
    });

    // End to end: every phase, as `suppress analyze` runs them.
    group.throughput(Throughput::Elements(targets_table.num_rows()));
    let plan = Plan::open(config(&dir.0)).unwrap();
    group.bench_function("end_to_end_without_writing", |b| b.iter(|| plan.execute(None).unwrap()));
    let out: PathBuf = dir.0.join("out");
    group.bench_function("end_to_end_with_outputs", |b| b.iter(|| plan.execute(Some(&out)).unwrap()));
    group.finish();
}

criterion_group!(benches, canonicalize, phases);
criterion_main!(benches);
