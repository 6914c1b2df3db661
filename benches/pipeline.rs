//! Criterion benchmarks of each phase on `suppress gen` data.
//!
//! Size: `SUPPRESS_BENCH_PROFILES` profiles (default 100000, about 215000 target rows), written
//! once to a temporary directory. Run: `cargo bench -p suppress-benches`.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use suppress_analyze::{parse_as_of, Config, Plan};
use suppress_gen::{generate, GenConfig};
use suppress_index::{ProfileIndex, ProfileOptions, QuarantineIndex, TargetList, TargetOptions};
use suppress_load::{ColumnNames, Table};
use suppress_model::{AddressKind, Canonicalizer, Channel, CountryCode};

fn data() -> (tempfile_dir::Dir, u64) {
    let profiles = std::env::var("SUPPRESS_BENCH_PROFILES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let dir = tempfile_dir::Dir::new();
    generate(&dir.0, &GenConfig { profiles, seed: 7 }).expect("gen");
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

fn phases(c: &mut Criterion) {
    let (dir, _) = data();
    let names = ColumnNames::default();
    let targets_table = Table::open(&dir.0.join("targets.parquet")).unwrap();
    let profiles_table = Table::open(&dir.0.join("profiles.parquet")).unwrap();
    let quarantine_table = Table::open(&dir.0.join("quarantine.parquet")).unwrap();
    let mut group = c.benchmark_group("load");
    group.sample_size(10);

    group.throughput(Throughput::Elements(targets_table.num_rows()));
    group.bench_function("targets_rows", |b| {
        b.iter(|| TargetList::load(&targets_table, &names, &TargetOptions::default()).unwrap())
    });
    let options = ProfileOptions { channels: Channel::ALL.to_vec(), ..Default::default() };
    group.throughput(Throughput::Elements(profiles_table.num_rows()));
    group.bench_function("profile_index_rows", |b| {
        b.iter(|| ProfileIndex::load(&profiles_table, &names, &options).unwrap())
    });
    group.throughput(Throughput::Bytes(quarantine_table.num_bytes()));
    group.bench_function("quarantine_bytes", |b| {
        b.iter(|| {
            QuarantineIndex::load(&quarantine_table, &names, &Channel::ALL, &Canonicalizer::default(), 0, false)
                .unwrap()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("analyze");
    group.sample_size(10);
    group.throughput(Throughput::Elements(targets_table.num_rows()));
    let plan = Plan::open(config(&dir.0)).unwrap();
    group.bench_function("end_to_end_without_writing", |b| b.iter(|| plan.execute(None).unwrap()));
    let out: PathBuf = dir.0.join("out");
    group.bench_function("end_to_end_with_outputs", |b| b.iter(|| plan.execute(Some(&out)).unwrap()));
    group.finish();
}

criterion_group!(benches, canonicalize, phases);
criterion_main!(benches);
