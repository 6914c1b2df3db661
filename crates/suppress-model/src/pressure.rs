//! Pressure rules (fatigue caps), as the contract's "Pressure rules" section states them: the
//! caps, how a profile's candidates are ranked, and the arbitration of one profile.

use std::cmp::Ordering;

use crate::Channel;

/// One `--cap SCOPE:N/PERIOD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap {
    /// The channel it caps, or `None` for `all` (every channel).
    pub scope: Option<Channel>,
    /// The most messages of the scope in a span shorter than `period`; 0 blocks the scope.
    pub limit: u32,
    /// Whole microseconds, positive.
    pub period: i64,
}

const HOUR: i64 = 3_600_000_000;

impl Cap {
    /// Parses `SCOPE:N/PERIOD`: a lowercase channel name or `all`, a non-negative integer,
    /// a positive integer followed by `d` or `h`.
    pub fn parse(text: &str) -> Result<Cap, String> {
        let usage =
            |why: &str| format!("--cap {text:?}: {why}; expected SCOPE:N/PERIOD such as email:3/7d or all:10/30d");
        let (scope, rest) = text.split_once(':').ok_or_else(|| usage("no `:`"))?;
        let (limit, period) = rest.split_once('/').ok_or_else(|| usage("no `/PERIOD`"))?;
        let scope = match scope {
            "all" => None,
            name => Some(Channel::ALL.into_iter().find(|c| c.name() == name).ok_or_else(|| {
                usage(&format!("`{name}` is not `all` or a channel name in lowercase ({})", Channel::names()))
            })?),
        };
        if limit.is_empty() || !limit.bytes().all(|b| b.is_ascii_digit()) {
            return Err(usage(&format!("`{limit}` is not a whole number of messages (0 or more)")));
        }
        let limit: u32 = limit.parse().map_err(|_| usage(&format!("`{limit}` is too large")))?;
        let unit = match period.as_bytes().last() {
            Some(b'd') => 24 * HOUR,
            Some(b'h') => HOUR,
            _ => return Err(usage(&format!("`{period}` does not end in d (days) or h (hours)"))),
        };
        let count = &period[..period.len() - 1];
        let count: i64 = match count.parse() {
            Ok(n) if n > 0 && count.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => return Err(usage(&format!("`{period}` is not a positive number of days or hours"))),
        };
        let period = count.checked_mul(unit).ok_or_else(|| usage("the period is too long"))?;
        Ok(Cap { scope, limit, period })
    }

    /// Whether messages of `channel` count for this cap.
    #[inline]
    pub fn covers(&self, channel: Channel) -> bool {
        self.scope.is_none_or(|c| c == channel)
    }
}

/// `SCOPE:N/PERIOD`, the period in days when whole, else in hours.
impl std::fmt::Display for Cap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scope = self.scope.map_or("all", Channel::name);
        let day = 24 * HOUR;
        if self.period % day == 0 {
            write!(f, "{scope}:{}/{}d", self.limit, self.period / day)
        } else {
            write!(f, "{scope}:{}/{}h", self.limit, self.period / HOUR)
        }
    }
}

/// One candidate of a profile: a target row still kept after reasons 1–10.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate<'a> {
    pub channel: Channel,
    pub weight: i64,
    /// The contact time `c`, whole microseconds.
    pub contact: i64,
    pub delivery_id: &'a str,
}

/// The contract's rank: higher weight first, then earlier contact, then delivery_id text in
/// byte order, then canonical channel name in byte order.
pub fn rank(a: &Candidate, b: &Candidate) -> Ordering {
    b.weight
        .cmp(&a.weight)
        .then(a.contact.cmp(&b.contact))
        .then(a.delivery_id.as_bytes().cmp(b.delivery_id.as_bytes()))
        .then(a.channel.name().as_bytes().cmp(b.channel.name().as_bytes()))
}

/// Decides one profile's candidates, given in rank order, against its history (`(channel,
/// sent_at)`, any order) and `caps`. Returns, per candidate, `Some(k)` when cap `k` (the first
/// whose count reached its limit) excludes it, `None` when it is admitted.
pub fn arbitrate(ranked: &[Candidate], history: &[(Channel, i64)], caps: &[Cap]) -> Vec<Option<usize>> {
    let mut decisions = Vec::with_capacity(ranked.len());
    arbitrate_into(ranked, history, caps, &mut decisions);
    decisions
}

/// [`arbitrate`] into a reused `decisions` (cleared first), for callers that decide millions
/// of profiles.
pub fn arbitrate_into(
    ranked: &[Candidate],
    history: &[(Channel, i64)],
    caps: &[Cap],
    decisions: &mut Vec<Option<usize>>,
) {
    decisions.clear();
    for (i, x) in ranked.iter().enumerate() {
        let excluded_by = caps.iter().position(|cap| {
            if !cap.covers(x.channel) {
                return false;
            }
            let near = |t: i64| (i128::from(t) - i128::from(x.contact)).abs() < i128::from(cap.period);
            let sent = history.iter().filter(|&&(c, t)| cap.covers(c) && near(t)).count();
            let admitted = ranked[..i]
                .iter()
                .zip(decisions.iter())
                .filter(|(y, d)| d.is_none() && cap.covers(y.channel) && near(y.contact))
                .count();
            sent + admitted >= cap.limit as usize
        });
        decisions.push(excluded_by);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Channel::*;

    const DAY: i64 = 24 * HOUR;

    fn cand(channel: Channel, weight: i64, contact: i64, delivery_id: &str) -> Candidate<'_> {
        Candidate { channel, weight, contact, delivery_id }
    }

    #[test]
    fn caps_parse_and_usage_errors_say_why() {
        assert_eq!(Cap::parse("email:3/7d"), Ok(Cap { scope: Some(Email), limit: 3, period: 7 * DAY }));
        assert_eq!(Cap::parse("all:0/12h"), Ok(Cap { scope: None, limit: 0, period: 12 * HOUR }));
        assert_eq!(Cap::parse("direct_mail:10/30d").unwrap().scope, Some(DirectMail));
        for text in ["email:3/7d", "all:0/12h", "sms:1/36h", "push:2/2d"] {
            assert_eq!(Cap::parse(text).unwrap().to_string(), text);
        }
        for (bad, why) in [
            ("email:3", "no `/PERIOD`"),
            ("sms:-1/7d", "not a whole number"),
            ("Email:3/7d", "channel name in lowercase"),
            ("all:3/0d", "not a positive number"),
            ("all:3/7w", "does not end in d"),
            ("all:3/d", "not a positive number"),
            ("all:+3/7d", "not a whole number"),
            ("all:3/+7d", "not a positive number"),
            ("email3/7d", "no `:`"),
            ("all:99999999999/7d", "too large"),
        ] {
            let err = Cap::parse(bad).unwrap_err();
            assert!(err.contains(why) && err.starts_with("--cap"), "{bad}: {err}");
        }
    }

    #[test]
    fn rank_is_weight_then_contact_then_delivery_bytes_then_channel() {
        let mut c = [
            cand(Sms, 5, 10, "b"),
            cand(Email, 5, 10, "b"),
            cand(Email, 5, 10, "a"),
            cand(Email, 5, 9, "z"),
            cand(Push, 8, 99, "z"),
            cand(Email, 5, 10, "B"),
        ];
        c.sort_by(rank);
        let order: Vec<(Channel, i64, i64, &str)> =
            c.iter().map(|c| (c.channel, c.weight, c.contact, c.delivery_id)).collect();
        assert_eq!(
            order,
            [
                (Push, 8, 99, "z"),
                (Email, 5, 9, "z"),
                (Email, 5, 10, "B"),
                (Email, 5, 10, "a"),
                (Email, 5, 10, "b"),
                (Sms, 5, 10, "b")
            ]
        );
    }

    #[test]
    fn the_period_boundary_is_strict() {
        let cap = [Cap { scope: Some(Email), limit: 1, period: 7 * DAY }];
        let x = [cand(Email, 5, 10 * DAY, "d")];
        assert_eq!(arbitrate(&x, &[(Email, 3 * DAY)], &cap), [None], "exactly the period apart: not counted");
        assert_eq!(arbitrate(&x, &[(Email, 17 * DAY)], &cap), [None]);
        assert_eq!(arbitrate(&x, &[(Email, 3 * DAY + 1)], &cap), [Some(0)], "1 us less: counted");
        assert_eq!(arbitrate(&x, &[(Email, 17 * DAY - 1)], &cap), [Some(0)], "after c too");
        assert_eq!(arbitrate(&x, &[(Sms, 10 * DAY)], &cap), [None], "another channel");
    }

    #[test]
    fn zero_blocks_the_scope() {
        let cap = [Cap { scope: Some(Sms), limit: 0, period: DAY }];
        assert_eq!(arbitrate(&[cand(Sms, 5, 0, "a"), cand(Email, 5, 0, "b")], &[], &cap), [Some(0), None]);
    }

    #[test]
    fn an_excluded_candidate_does_not_count_for_later_ones() {
        // A 1/7d cap: A on day 0 sent, B on day 6 excluded, C on day 12 sent (B, had it been
        // counted, would block C).
        let cap = [Cap { scope: None, limit: 1, period: 7 * DAY }];
        let ranked = [cand(Email, 9, 0, "A"), cand(Email, 8, 6 * DAY, "B"), cand(Email, 7, 12 * DAY, "C")];
        assert_eq!(arbitrate(&ranked, &[], &cap), [None, Some(0), None]);
    }

    #[test]
    fn a_candidate_excluded_by_one_cap_does_not_count_for_another() {
        let caps =
            [Cap { scope: Some(Email), limit: 1, period: 7 * DAY }, Cap { scope: None, limit: 2, period: 7 * DAY }];
        // e1 admitted; e2 excluded by the email cap; s1 sees only e1 under `all`: admitted.
        let ranked = [cand(Email, 9, 0, "e1"), cand(Email, 8, 0, "e2"), cand(Sms, 7, 0, "s1")];
        assert_eq!(arbitrate(&ranked, &[], &caps), [None, Some(0), None]);
        // With e2 counted, s1 would have reached 2.
        let ranked = [cand(Email, 9, 0, "e1"), cand(Sms, 8, 0, "s0"), cand(Sms, 7, 0, "s1")];
        assert_eq!(arbitrate(&ranked, &[], &caps), [None, None, Some(1)]);
    }

    #[test]
    fn history_after_as_of_and_duplicated_rows_count() {
        let cap = [Cap { scope: None, limit: 2, period: DAY }];
        let x = [cand(Email, 5, 0, "d")];
        assert_eq!(arbitrate(&x, &[(Push, 5 * HOUR)], &cap), [None]);
        assert_eq!(arbitrate(&x, &[(Push, 5 * HOUR), (Push, 5 * HOUR)], &cap), [Some(0)], "two equal rows count twice");
    }
}
