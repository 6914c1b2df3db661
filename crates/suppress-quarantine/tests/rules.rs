//! The contract's quarantine rules, one test per rule and boundary.

use proptest::prelude::*;
use suppress_model::{Outcome, QuarantineStatus};
use suppress_quarantine::transition::{apply, cell, release, role, Cell, RowRole};
use suppress_quarantine::{
    merge, parse_duration, replay, CurrentRow, Entry, LogRow, Micros, Rules, Status, StatusChange, MAX_ERROR_COUNT,
};

const H: Micros = 3_600_000_000;
const D: Micros = 24 * H;
const T0: Micros = 1_800_000_000_000_000; // 2027-01-15

fn row(at: Micros, outcome: Outcome) -> LogRow {
    LogRow { at, outcome, reason: None }
}

fn because(at: Micros, outcome: Outcome, reason: &str) -> LogRow {
    LogRow { at, outcome, reason: Some(reason.into()) }
}

fn entry(status: Status) -> Entry {
    Entry {
        status: Some(status),
        error_count: 2,
        last_error_at: Some(T0 - D),
        updated_at: Some(T0 - D),
        expires_at: Some(T0 + 30 * D),
        reason: Some("before".into()),
    }
}

const OUTCOMES: [Outcome; 7] = [
    Outcome::Delivered,
    Outcome::Start,
    Outcome::Ignored,
    Outcome::Soft,
    Outcome::Hard,
    Outcome::Complaint,
    Outcome::Stop,
];

#[test]
fn every_cell_of_the_transition_table() {
    use Cell::*;
    // Columns: delivered, start, ignored, soft, hard, complaint, stop.
    let table: [(Option<Status>, [Cell; 7]); 5] = [
        (None, [Gone, Gone, Unchanged, CountSoft, CountHard, Denylist, Denylist]),
        (Some(Status::Erroneous), [Gone, Gone, Unchanged, CountSoft, CountHard, Denylist, Denylist]),
        (Some(Status::Quarantined), [Unchanged, Gone, Unchanged, Unchanged, Unchanged, Denylist, Denylist]),
        (Some(Status::Denylisted), [Unchanged, Gone, Unchanged, Unchanged, Unchanged, Unchanged, Unchanged]),
        (Some(Status::Allowlisted), [Unchanged, Unchanged, Unchanged, Unchanged, Unchanged, Denylist, Denylist]),
    ];
    let rules = Rules::default();
    for (before, cells) in table {
        for (outcome, expected) in OUTCOMES.into_iter().zip(cells) {
            assert_eq!(cell(before, outcome), expected, "{before:?} {outcome:?}");
            // And what applying the row does to a whole entry.
            let start = before.map_or_else(Entry::default, entry);
            let mut after = start.clone();
            let changed = apply(&mut after, &because(T0, outcome, "now"), &rules);
            assert_eq!(changed, after.status != start.status);
            match expected {
                Unchanged => assert_eq!(after, start, "{before:?} {outcome:?}"),
                Gone => assert_eq!(after, Entry::default(), "{before:?} {outcome:?}"),
                Denylist => {
                    assert_eq!(after.status, Some(Status::Denylisted));
                    assert_eq!(
                        (after.reason.as_deref(), after.expires_at, after.updated_at),
                        (Some("now"), None, Some(T0))
                    );
                    assert_eq!((after.error_count, after.last_error_at), (start.error_count, start.last_error_at));
                }
                CountHard => {
                    assert_eq!(after.status, Some(Status::Quarantined));
                    assert_eq!(after.error_count, start.error_count + 1);
                    assert_eq!(after.last_error_at, Some(T0));
                    assert_eq!((after.reason.as_deref(), after.expires_at), (Some("now"), None));
                }
                CountSoft => assert!(matches!(after.status, Some(Status::Erroneous | Status::Quarantined))),
            }
        }
    }
}

fn soft_on(last: Option<Micros>, count: i32, t: Micros, rules: &Rules) -> Entry {
    let mut e = Entry { status: Some(Status::Erroneous), error_count: count, last_error_at: last, ..Entry::default() };
    apply(&mut e, &row(t, Outcome::Soft), rules);
    e
}

#[test]
fn soft_errors_count_once_per_spacing() {
    let rules = Rules::default();
    // Exactly the spacing after the last counted error: counted.
    let e = soft_on(Some(T0), 1, T0 + D, &rules);
    assert_eq!((e.error_count, e.last_error_at, e.updated_at), (2, Some(T0 + D), Some(T0 + D)));
    // 1 µs under: one error with the last; nothing changes, not even updated_at.
    let e = soft_on(Some(T0), 1, T0 + D - 1, &rules);
    assert_eq!((e.error_count, e.last_error_at, e.updated_at), (1, Some(T0), None));
    // Earlier than the last counted error: not counted either.
    let e = soft_on(Some(T0), 1, T0 - 3 * D, &rules);
    assert_eq!((e.error_count, e.last_error_at), (1, Some(T0)));
    // The first soft error of an address without an entry.
    let mut fresh = Entry::default();
    assert!(apply(&mut fresh, &because(T0, Outcome::Soft, "mailbox_full"), &rules));
    assert_eq!(fresh.status, Some(Status::Erroneous));
    assert_eq!((fresh.error_count, fresh.last_error_at, fresh.reason.as_deref()), (1, Some(T0), Some("mailbox_full")));
}

#[test]
fn a_quiet_gap_longer_than_error_reset_starts_the_count_again() {
    let rules = Rules::default();
    // A gap of exactly --error-reset: no reset.
    assert_eq!(soft_on(Some(T0), 3, T0 + 10 * D, &rules).error_count, 4);
    // 1 µs more: reset, then this error counts.
    assert_eq!(soft_on(Some(T0), 3, T0 + 10 * D + 1, &rules).error_count, 1);
    // A reset with nothing counted (a spacing longer than the reset): the count is 0 and the
    // entry changed.
    let odd = Rules { soft_limit: 5, soft_spacing: 20 * D, error_reset: 10 * D };
    let e = soft_on(Some(T0), 3, T0 + 11 * D, &odd);
    assert_eq!((e.error_count, e.last_error_at, e.updated_at), (0, Some(T0), Some(T0 + 11 * D)));
    assert_eq!(e.status, Some(Status::Erroneous));
}

#[test]
fn the_soft_limit_reached_exactly_quarantines() {
    let rules = Rules { soft_limit: 3, ..Rules::default() };
    let mut e = Entry::default();
    let mut statuses = Vec::new();
    for day in 0..3 {
        apply(&mut e, &because(T0 + day * D, Outcome::Soft, &format!("day {day}")), &rules);
        statuses.push(e.status);
    }
    assert_eq!(statuses, [Some(Status::Erroneous), Some(Status::Erroneous), Some(Status::Quarantined)]);
    assert_eq!((e.error_count, e.reason.as_deref()), (3, Some("day 2")));
    // A limit of 1: the first soft error quarantines.
    let mut e = Entry::default();
    apply(&mut e, &row(T0, Outcome::Soft), &Rules { soft_limit: 1, ..Rules::default() });
    assert_eq!(e.status, Some(Status::Quarantined));
}

#[test]
fn hard_errors_count_without_reset_and_keep_the_later_time() {
    let rules = Rules::default();
    let mut e = Entry { status: Some(Status::Erroneous), error_count: 4, last_error_at: Some(T0), ..Entry::default() };
    // Long after, and yet no reset; and a hard error older than the last keeps the last.
    apply(&mut e, &row(T0 - 50 * D, Outcome::Hard), &rules);
    assert_eq!((e.status, e.error_count, e.last_error_at), (Some(Status::Quarantined), 5, Some(T0)));
}

#[test]
fn error_count_saturates() {
    let rules = Rules::default();
    let mut hard = Entry { status: Some(Status::Erroneous), error_count: MAX_ERROR_COUNT, ..Entry::default() };
    apply(&mut hard, &row(T0, Outcome::Hard), &rules);
    assert_eq!(hard.error_count, MAX_ERROR_COUNT);
    let soft = soft_on(Some(T0), MAX_ERROR_COUNT, T0 + D, &Rules { soft_limit: i32::MAX, ..rules });
    assert_eq!((soft.error_count, soft.status), (MAX_ERROR_COUNT, Some(Status::Quarantined)));
}

#[test]
fn a_change_of_status_clears_expires_at_and_takes_the_rows_reason() {
    let rules = Rules::default();
    let mut e = entry(Status::Quarantined);
    apply(&mut e, &because(T0, Outcome::Complaint, "abuse desk"), &rules);
    assert_eq!((e.status, e.expires_at, e.reason.as_deref()), (Some(Status::Denylisted), None, Some("abuse desk")));
    // A change of status by a row without a reason: the reason becomes null.
    let mut e = entry(Status::Erroneous);
    apply(&mut e, &row(T0, Outcome::Hard), &rules);
    assert_eq!((e.reason, e.expires_at), (None, None));
    // A counted soft error that keeps the status changes the counters and updated_at only.
    let mut e = entry(Status::Erroneous);
    apply(&mut e, &because(T0, Outcome::Soft, "new"), &rules);
    assert_eq!((e.error_count, e.updated_at), (3, Some(T0)));
    assert_eq!((e.reason.as_deref(), e.expires_at), (Some("before"), Some(T0 + 30 * D)));
}

#[test]
fn the_cleanup_releases_stale_erroneous_entries_at_as_of() {
    let rules = Rules::default();
    let erroneous = |last: Option<Micros>| Entry {
        status: Some(Status::Erroneous),
        error_count: 1,
        last_error_at: last,
        ..Entry::default()
    };
    let mut e = erroneous(Some(T0));
    assert!(!release(&mut e, T0 + 10 * D, &rules), "exactly --error-reset old stays");
    assert!(release(&mut e, T0 + 10 * D + 1, &rules));
    assert_eq!(e, Entry::default());
    assert!(release(&mut erroneous(None), T0, &rules), "no last error: released");
    for status in [Status::Quarantined, Status::Denylisted, Status::Allowlisted] {
        let mut e = Entry { status: Some(status), ..Entry::default() };
        assert!(!release(&mut e, T0 + 100 * D, &rules), "{status:?}");
    }
    let night = replay(erroneous(Some(T0)), &mut [], T0 + 11 * D, &rules);
    assert_eq!((night.old_status, night.entry.status), (Some(Status::Erroneous), None));
    assert_eq!(night.change, Some(StatusChange::Released { at: T0 + 11 * D }));
    assert_eq!(night.change.unwrap().outcome_name(), "released");
}

#[test]
fn rows_of_one_instant_apply_in_the_contracts_order_then_by_reason() {
    let rules = Rules::default();
    let at = |rows: &[LogRow]| replay(Entry::default(), &mut rows.to_vec(), T0 + D, &rules);
    // Every pair of outcomes at one instant, in either order: the later one in the contract's
    // order is applied last.
    for (i, &first) in OUTCOMES.iter().enumerate() {
        for &second in &OUTCOMES[i + 1..] {
            let expected = {
                let mut e = Entry::default();
                apply(&mut e, &row(T0, first), &rules);
                apply(&mut e, &row(T0, second), &rules);
                e
            };
            let night = at(&[row(T0, second), row(T0, first)]);
            let mut released = expected.clone();
            release(&mut released, T0 + D, &rules);
            assert_eq!(night.entry, released, "{first:?} then {second:?}");
        }
    }
    // A hard bounce and a delivery at one instant: delivered first, so the address ends quarantined.
    assert_eq!(at(&[row(T0, Outcome::Hard), row(T0, Outcome::Delivered)]).entry.status, Some(Status::Quarantined));
    // A STOP and a START at one instant: start first, so it ends denylisted.
    assert_eq!(at(&[row(T0, Outcome::Stop), row(T0, Outcome::Start)]).entry.status, Some(Status::Denylisted));
    // Same instant and outcome: by reason in byte order, null first. The first hard bounce
    // quarantines (taking its null reason); hard on quarantined is "unchanged".
    let night = at(&[because(T0, Outcome::Hard, "b"), because(T0, Outcome::Hard, "a"), row(T0, Outcome::Hard)]);
    assert_eq!((night.entry.reason, night.entry.error_count), (None, 1));
    let night = at(&[because(T0, Outcome::Complaint, "b"), because(T0, Outcome::Complaint, "a")]);
    assert_eq!(night.entry.reason.as_deref(), Some("a"));
    assert_eq!(night.change, Some(StatusChange::Row { at: T0, outcome: Outcome::Complaint }));
}

#[test]
fn the_change_reported_is_the_last_row_that_changed_the_status() {
    let rules = Rules::default();
    let mut rows = vec![
        row(T0 + 2 * H, Outcome::Complaint),
        row(T0, Outcome::Hard),
        row(T0 + 3 * H, Outcome::Delivered), // changes nothing on a denylisting
    ];
    let night = replay(Entry::default(), &mut rows, T0 + D, &rules);
    assert_eq!(night.entry.status, Some(Status::Denylisted));
    assert_eq!(night.change, Some(StatusChange::Row { at: T0 + 2 * H, outcome: Outcome::Complaint }));
    // Back where it started: no change to report.
    let mut rows = vec![row(T0, Outcome::Start), row(T0 + H, Outcome::Stop)];
    let night = replay(entry(Status::Denylisted), &mut rows, T0 + D, &rules);
    assert_eq!(
        (night.old_status, night.entry.status, night.change),
        (Some(Status::Denylisted), Some(Status::Denylisted), None)
    );
}

fn current(status: QuarantineStatus) -> CurrentRow {
    CurrentRow { status, error_count: None, last_error_at: None, updated_at: None, expires_at: None, reason: None }
}

#[test]
fn current_rows_of_one_address_merge_into_one_entry() {
    use QuarantineStatus::*;
    let rows = [
        CurrentRow {
            error_count: Some(7),
            last_error_at: Some(T0 - D),
            reason: Some("bounces".into()),
            ..current(Quarantined)
        },
        CurrentRow {
            expires_at: Some(T0 + 5 * D),
            updated_at: Some(T0),
            reason: Some("late".into()),
            ..current(Denylisted)
        },
        CurrentRow {
            expires_at: Some(T0 + 9 * D),
            updated_at: Some(T0),
            reason: Some("first of the latest".into()),
            ..current(Denylisted)
        },
        CurrentRow {
            expires_at: Some(T0 + 2 * D),
            updated_at: Some(T0 - D),
            reason: Some("older".into()),
            ..current(Denylisted)
        },
        CurrentRow { error_count: Some(1 << 40), last_error_at: Some(T0 + H), ..current(Valid) },
    ];
    let e = merge(&rows);
    assert_eq!(e.status, Some(Status::Denylisted));
    // Counters: the largest of all rows, error_count read at most 2^31 - 1.
    assert_eq!((e.error_count, e.last_error_at, e.updated_at), (MAX_ERROR_COUNT, Some(T0 + H), Some(T0)));
    // expires_at: the latest of the denylisting rows only (the quarantine never expires).
    assert_eq!(e.expires_at, Some(T0 + 9 * D));
    // reason: the denylisting row of the latest updated_at, the first in table order on a tie.
    assert_eq!(e.reason.as_deref(), Some("late"));

    // One row of the status without expires_at: the entry never expires.
    let e = merge(&[CurrentRow { expires_at: Some(T0), ..current(Quarantined) }, current(Quarantined)]);
    assert_eq!(e.expires_at, None);
    // Precedence: allowlisted over quarantined over erroneous; valid reads as erroneous.
    assert_eq!(merge(&[current(Quarantined), current(Allowlisted)]).status, Some(Status::Allowlisted));
    assert_eq!(merge(&[current(Valid), current(Quarantined)]).status, Some(Status::Quarantined));
    assert_eq!(merge(&[current(Valid)]).status, Some(Status::Erroneous));
    // Null updated_at is the smallest: a row with one wins the reason.
    let e = merge(&[
        CurrentRow { reason: Some("no time".into()), ..current(Quarantined) },
        CurrentRow { updated_at: Some(T0), reason: Some("timed".into()), ..current(Quarantined) },
    ]);
    assert_eq!(e.reason.as_deref(), Some("timed"));
}

#[test]
fn durations_of_the_command_line() {
    assert_eq!(parse_duration("1d"), Ok(D));
    assert_eq!(parse_duration("12h"), Ok(12 * H));
    for bad in ["0d", "5m", "-1d"] {
        assert!(parse_duration(bad).is_err(), "{bad}");
    }
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop::sample::select(OUTCOMES.to_vec())
}

/// The roles the job drops and keeps rows by, read off the table.
#[test]
fn ignored_changes_nothing_delivered_and_start_only_follow_an_entry_the_rest_open_one() {
    let expected = [
        (Outcome::Delivered, RowRole::Follows),
        (Outcome::Start, RowRole::Follows),
        (Outcome::Ignored, RowRole::Inert),
        (Outcome::Soft, RowRole::Opens),
        (Outcome::Hard, RowRole::Opens),
        (Outcome::Complaint, RowRole::Opens),
        (Outcome::Stop, RowRole::Opens),
    ];
    for (outcome, role_of) in expected {
        assert_eq!(role(outcome), role_of, "{outcome:?}");
    }
}

proptest! {
    /// What the job relies on to drop rows: an inert row never changes the night, and an
    /// address with no entry and no opening row ends the night with nothing to write.
    #[test]
    fn inert_rows_change_nothing_and_following_rows_alone_leave_nothing(
        rows in prop::collection::vec((0i64..40, outcome(), prop::option::of("[ab]")), 0..12),
        start in prop::option::of(prop::sample::select(vec![Status::Erroneous, Status::Quarantined, Status::Denylisted, Status::Allowlisted])),
    ) {
        let rules = Rules { soft_limit: 3, soft_spacing: 2 * H, error_reset: 10 * H };
        let log: Vec<LogRow> = rows.iter().map(|(h, o, r)| LogRow { at: T0 + h * H, outcome: *o, reason: r.as_deref().map(Into::into) }).collect();
        let begin = start.map_or_else(Entry::default, entry);
        let all = replay(begin.clone(), &mut log.clone(), T0 + 50 * H, &rules);
        let mut without_inert: Vec<LogRow> = log.iter().filter(|r| role(r.outcome) != RowRole::Inert).cloned().collect();
        prop_assert_eq!(&all, &replay(begin, &mut without_inert, T0 + 50 * H, &rules));
        if start.is_none() && log.iter().all(|r| role(r.outcome) != RowRole::Opens) {
            prop_assert_eq!(all.entry.status, None);
            prop_assert_eq!(all.change, None);
        }
    }

    /// The night does not depend on the order the log lists an address's rows in.
    #[test]
    fn replay_does_not_depend_on_the_logs_row_order(
        rows in prop::collection::vec((0i64..40, outcome(), prop::option::of("[ab]")), 0..12),
        seed in any::<u64>(),
        start in prop::option::of(prop::sample::select(vec![Status::Erroneous, Status::Quarantined, Status::Denylisted, Status::Allowlisted])),
    ) {
        let rules = Rules { soft_limit: 3, soft_spacing: 2 * H, error_reset: 10 * H };
        let log: Vec<LogRow> = rows.iter().map(|(h, o, r)| LogRow { at: T0 + h * H, outcome: *o, reason: r.as_deref().map(Into::into) }).collect();
        let begin = start.map_or_else(Entry::default, entry);
        let forward = replay(begin.clone(), &mut log.clone(), T0 + 50 * H, &rules);
        let mut shuffled = log.clone();
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(forward, replay(begin, &mut shuffled, T0 + 50 * H, &rules));
    }
}
