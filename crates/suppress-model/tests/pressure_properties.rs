//! The pressure arbitration against its two promises, on random profiles:
//! - safety: every span of time shorter than a cap's period that holds an admitted candidate
//!   of the cap's scope holds at most N messages of that scope (history plus admitted);
//! - the choice: it equals a plain reference written from the contract's sentences, one
//!   candidate at a time, that rebuilds the list of messages sent so far at each step.
//!
//! Strategy: 1 to 8 candidates and 0 to 12 history rows on three channels, times on a grid of
//! hours over 10 days (so ties and exact-period distances are common), weights from 3 values
//! (so ranks often fall through to contact time, delivery_id and channel), 1 or 2 caps with
//! limits 0 to 3 and periods of 1 to 72 hours, scope one channel or all.

use proptest::prelude::*;
use suppress_model::pressure::{arbitrate, rank, Candidate, Cap};
use suppress_model::Channel;

const HOUR: i64 = 3_600_000_000;
const CHANNELS: [Channel; 3] = [Channel::Email, Channel::Sms, Channel::Push];
const IDS: [&str; 4] = ["a", "b", "B", "ab"];

fn channel() -> impl Strategy<Value = Channel> {
    (0..3usize).prop_map(|k| CHANNELS[k])
}

fn cap() -> impl Strategy<Value = Cap> {
    (prop::option::of(channel()), 0u32..4, 1i64..73).prop_map(|(scope, limit, hours)| Cap {
        scope,
        limit,
        period: hours * HOUR,
    })
}

/// (channel, weight, contact hour, delivery id index)
fn candidates() -> impl Strategy<Value = Vec<(Channel, i64, i64, usize)>> {
    prop::collection::vec((channel(), 4i64..7, 0i64..240, 0usize..4), 1..9)
}

fn history() -> impl Strategy<Value = Vec<(Channel, i64)>> {
    prop::collection::vec((channel(), 0i64..240).prop_map(|(c, h)| (c, h * HOUR)), 0..13)
}

/// The contract read literally: candidates in rank order; for each, for each cap whose scope
/// includes its channel, the messages so far (every history row, every admitted candidate)
/// of the cap's scope with |t - c| < PERIOD; excluded when that count reaches N for some cap.
fn reference(ranked: &[Candidate], history: &[(Channel, i64)], caps: &[Cap]) -> Vec<bool> {
    let mut sent: Vec<(Channel, i64)> = history.to_vec();
    let mut excluded = Vec::new();
    for x in ranked {
        let blocked = caps.iter().any(|cap| {
            let in_scope = |c: Channel| cap.scope.is_none() || cap.scope == Some(c);
            in_scope(x.channel)
                && sent.iter().filter(|(c, t)| in_scope(*c) && (t - x.contact).abs() < cap.period).count()
                    >= cap.limit as usize
        });
        if !blocked {
            sent.push((x.channel, x.contact));
        }
        excluded.push(blocked);
    }
    excluded
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn admitted_messages_never_break_a_cap_and_match_the_reference(
        raw in candidates(), history in history(), caps in prop::collection::vec(cap(), 1..3)
    ) {
        let mut ranked: Vec<Candidate> = raw
            .iter()
            .map(|&(channel, weight, hour, id)| Candidate { channel, weight, contact: hour * HOUR, delivery_id: IDS[id] })
            .collect();
        ranked.sort_by(rank);
        // One delivery and channel is one candidate per profile (duplicates are reason 10).
        ranked.dedup_by(|a, b| a.delivery_id == b.delivery_id && a.channel == b.channel);
        let decisions = arbitrate(&ranked, &history, &caps);
        let excluded: Vec<bool> = decisions.iter().map(Option::is_some).collect();
        prop_assert_eq!(&excluded, &reference(&ranked, &history, &caps));

        for cap in &caps {
            let in_scope = |c: Channel| cap.scope.is_none() || cap.scope == Some(c);
            let admitted: Vec<i64> = ranked.iter().zip(&excluded)
                .filter(|(x, e)| !**e && in_scope(x.channel)).map(|(x, _)| x.contact).collect();
            let mut messages: Vec<i64> = history.iter().filter(|(c, _)| in_scope(*c)).map(|(_, t)| *t).collect();
            messages.extend(&admitted);
            // Every span shorter than the period can be moved to start at its first message:
            // [t, t + period - 1 us].
            for &start in &messages {
                let end = start + cap.period - 1;
                if admitted.iter().any(|&c| (start..=end).contains(&c)) {
                    let inside = messages.iter().filter(|&&t| (start..=end).contains(&t)).count();
                    prop_assert!(inside <= cap.limit as usize, "{} messages in [{start}, {end}] under {cap}", inside);
                }
            }
        }
    }
}
