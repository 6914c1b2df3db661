//! Criterion benchmark of the quarantine maintenance's replay alone: many addresses, each with
//! a merged current entry or none and a few log rows, replayed with the contract's rules.
//!
//! Run: cargo bench -p suppress-benches --bench quarantine

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use suppress_model::Outcome;
use suppress_quarantine::{replay, Entry, LogRow, Rules, Status};

const H: i64 = 3_600_000_000;
const T0: i64 = 1_793_491_200_000_000;

/// 100,000 addresses of 1 to 4 rows, outcomes in a realistic mix, a tenth with an entry.
fn nights() -> Vec<(Entry, Vec<LogRow>)> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let outcomes =
        [Outcome::Delivered, Outcome::Soft, Outcome::Hard, Outcome::Ignored, Outcome::Complaint, Outcome::Stop];
    let weights = [860, 60, 30, 30, 10, 10];
    (0..100_000)
        .map(|_| {
            let entry = if next(10) == 0 {
                Entry {
                    status: Some(Status::Erroneous),
                    error_count: 2,
                    last_error_at: Some(T0 - 30 * H),
                    ..Entry::default()
                }
            } else {
                Entry::default()
            };
            let rows = (0..1 + next(4))
                .map(|_| {
                    let mut draw = next(1000);
                    let k = weights.iter().position(|&w| {
                        let hit = draw < w;
                        draw = draw.saturating_sub(w);
                        hit
                    });
                    LogRow {
                        at: T0 - (next(48) as i64) * H,
                        outcome: outcomes[k.unwrap_or(0)],
                        reason: (next(4) == 0).then(|| "mailbox_full".into()),
                    }
                })
                .collect();
            (entry, rows)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let nights = nights();
    let rows: usize = nights.iter().map(|(_, rows)| rows.len()).sum();
    let rules = Rules::default();
    let mut group = c.benchmark_group("quarantine");
    group.throughput(Throughput::Elements(rows as u64));
    group.bench_function("replay_100k_addresses", |b| {
        b.iter_batched(
            || nights.clone(),
            |nights| {
                nights
                    .into_iter()
                    .map(|(entry, mut rows)| replay(entry, &mut rows, T0, &rules))
                    .filter(|r| r.change.is_some())
                    .count()
            },
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
