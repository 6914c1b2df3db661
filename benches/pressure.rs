//! Criterion benchmark of the pressure arbitration alone: many profiles, each with the
//! candidates of a night's deliveries and a 30-day history, decided under two caps.
//!
//! Run: cargo bench -p suppress-benches --bench pressure

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use suppress_model::pressure::{arbitrate, rank, Candidate, Cap};
use suppress_model::Channel;

const H: i64 = 3_600_000_000;
const T0: i64 = 1_793_491_200_000_000;
const DELIVERIES: [&str; 8] = ["newsletter", "black-friday", "flash", "reminder", "survey", "b2b", "app", "catalogue"];

/// 100,000 profiles of 1 to 4 candidates (weights 1 to 9, contact within two days) and 0 to 11
/// history rows over 30 days on three channels, as `suppress gen` writes them.
/// One profile: its ranked candidates and its history.
type Profile = (Vec<Candidate<'static>>, Vec<(Channel, i64)>);

fn profiles() -> Vec<Profile> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let channels = [Channel::Email, Channel::Sms, Channel::Push];
    (0..100_000)
        .map(|_| {
            let mut candidates: Vec<Candidate> = (0..1 + next(4))
                .map(|k| Candidate {
                    channel: channels[next(3) as usize],
                    weight: 1 + next(9) as i64,
                    contact: T0 + next(48) as i64 * H,
                    delivery_id: DELIVERIES[k as usize],
                })
                .collect();
            candidates.sort_by(rank);
            let history = (0..next(12)).map(|_| (channels[next(3) as usize], T0 - next(30 * 24) as i64 * H)).collect();
            (candidates, history)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let profiles = profiles();
    let caps = [Cap::parse("email:2/7d").unwrap(), Cap::parse("all:6/30d").unwrap()];
    let candidates: u64 = profiles.iter().map(|(c, _)| c.len() as u64).sum();
    let mut group = c.benchmark_group("pressure");
    group.throughput(Throughput::Elements(candidates));
    group.bench_function("arbitrate_100k_profiles", |b| {
        b.iter(|| {
            profiles.iter().map(|(c, h)| arbitrate(c, h, &caps).iter().filter(|d| d.is_some()).count()).sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
