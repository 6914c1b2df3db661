//! The contract's "Pressure rules" and "Control groups" through the whole analysis, on small
//! Parquet files written here: ranking across deliveries, the history, caps of two scopes,
//! the history table's bad rows, and control groups after pressure.

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, TimestampMicrosecondArray};
use suppress_analyze::{parse_as_of, AnalyzeError, Config, Plan, Summary};
use suppress_model::pressure::Cap;
use suppress_testkit::{bools, i64s, read_outputs, utf8, write_table, OutRow};

const AS_OF: &str = "2026-11-01T00:00:00Z";
const DAY: i64 = 86_400_000_000;

fn t0() -> i64 {
    parse_as_of(AS_OF).unwrap().timestamp_micros()
}

fn times(values: &[Option<i64>]) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from(values.to_vec()).with_timezone("UTC"))
}

/// A deliveries row: (delivery_id, weight, contact_date, control_percent).
type DeliveryRow = (&'static str, Option<i64>, Option<i64>, Option<f64>);
/// A history row: (profile_id, channel, sent_at).
type HistoryRow = (Option<i64>, Option<&'static str>, Option<i64>);

struct Run {
    rows: Vec<OutRow>,
    summary: Summary,
}

/// Profiles 1..=n with an email and a mobile each; targets (delivery_id, profile_id, channel).
fn run(
    profiles: i64,
    targets: &[(&'static str, i64, &'static str)],
    deliveries: &[DeliveryRow],
    history: Option<&[HistoryRow]>,
    caps: &[&str],
    skip_bad_rows: bool,
) -> Result<Run, AnalyzeError> {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(format!("{name}.parquet"));
    let ids: Vec<i64> = (1..=profiles).collect();
    let emails: Vec<String> = ids.iter().map(|i| format!("p{i}@x.io")).collect();
    let phones: Vec<String> = ids.iter().map(|i| format!("+3361234{i:04}")).collect();
    let no = vec![Some(false); ids.len()];
    write_table(
        &path("profiles"),
        vec![
            ("profile_id", i64s(&ids)),
            ("optout", bools(&no)),
            ("optout_email", bools(&no)),
            ("optout_sms", bools(&no)),
            ("email", utf8(&emails.iter().map(|e| Some(e.as_str())).collect::<Vec<_>>())),
            ("mobile_phone", utf8(&phones.iter().map(|e| Some(e.as_str())).collect::<Vec<_>>())),
        ],
        3,
    );
    write_table(
        &path("targets"),
        vec![
            ("delivery_id", utf8(&targets.iter().map(|r| Some(r.0)).collect::<Vec<_>>())),
            ("profile_id", i64s(&targets.iter().map(|r| r.1).collect::<Vec<_>>())),
            ("channel", utf8(&targets.iter().map(|r| Some(r.2)).collect::<Vec<_>>())),
        ],
        4,
    );
    write_table(
        &path("deliveries"),
        vec![
            ("delivery_id", utf8(&deliveries.iter().map(|r| Some(r.0)).collect::<Vec<_>>())),
            ("weight", Arc::new(Int64Array::from(deliveries.iter().map(|r| r.1).collect::<Vec<_>>())) as ArrayRef),
            ("contact_date", times(&deliveries.iter().map(|r| r.2).collect::<Vec<_>>())),
            ("control_percent", Arc::new(Float64Array::from(deliveries.iter().map(|r| r.3).collect::<Vec<_>>()))),
        ],
        2,
    );
    let mut config = Config::new(path("profiles"), path("targets"));
    config.as_of = parse_as_of(AS_OF).unwrap();
    config.deliveries = Some(path("deliveries"));
    config.skip_bad_rows = skip_bad_rows;
    config.caps = caps.iter().map(|c| Cap::parse(c).unwrap()).collect();
    if let Some(rows) = history {
        write_table(
            &path("history"),
            vec![
                ("profile_id", Arc::new(Int64Array::from(rows.iter().map(|r| r.0).collect::<Vec<_>>())) as ArrayRef),
                ("channel", utf8(&rows.iter().map(|r| r.1).collect::<Vec<_>>())),
                ("sent_at", times(&rows.iter().map(|r| r.2).collect::<Vec<_>>())),
            ],
            3,
        );
        config.history = Some(path("history"));
    }
    let out = dir.path().join("out");
    let analysis = Plan::open(config)?.execute(Some(&out))?;
    Ok(Run { rows: read_outputs(&out), summary: analysis.summary })
}

/// (delivery_id, profile_id, outcome) of every row.
fn outcomes(run: &Run) -> Vec<(String, i64, String)> {
    run.rows.iter().map(|r| (r.0.clone(), r.2, r.3.clone())).collect()
}

fn o(rows: &[(&str, i64, &str)]) -> Vec<(String, i64, String)> {
    let mut v: Vec<_> = rows.iter().map(|&(d, p, r)| (d.to_string(), p, r.to_string())).collect();
    v.sort();
    v
}

#[test]
fn the_highest_ranked_go_and_ties_fall_to_contact_date_then_delivery_id_then_channel() {
    let t = t0();
    let deliveries = [
        ("heavy", Some(9), Some(t), None),
        ("light", Some(-1), Some(t), None), // weights may be negative
        ("early", Some(5), Some(t - DAY), None),
        ("late", None, Some(t), None), // weight null: 5
        ("B", Some(5), Some(t), None),
    ];
    // Profile 1: heavy beats light under email:1/7d.
    // Profile 2: early (same weight, earlier contact) beats late.
    // Profile 3: "B" < "late" in byte order.
    // Profile 4: same delivery on two channels: email before sms under all:1/7d.
    let targets = [
        ("light", 1, "email"),
        ("heavy", 1, "email"),
        ("late", 2, "email"),
        ("early", 2, "email"),
        ("late", 3, "email"),
        ("B", 3, "email"),
        ("B", 4, "sms"),
        ("B", 4, "email"),
    ];
    let run = run(4, &targets[..6], &deliveries, None, &["email:1/7d"], false).unwrap();
    assert_eq!(
        outcomes(&run),
        o(&[
            ("heavy", 1, "kept"),
            ("light", 1, "pressure"),
            ("early", 2, "kept"),
            ("late", 2, "pressure"),
            ("B", 3, "kept"),
            ("late", 3, "pressure"),
        ])
    );
    let caps = run.summary.pressure.as_ref().unwrap();
    assert_eq!(caps["caps"][0]["cap"], "email:1/7d");
    assert_eq!(caps["caps"][0]["excluded"], 3);
    let both = self::run(4, &targets[6..], &deliveries, None, &["all:1/7d"], false).unwrap();
    assert_eq!(outcomes(&both), o(&[("B", 4, "kept"), ("B", 4, "pressure")]));
    let email = both.rows.iter().find(|r| r.3 == "kept").unwrap();
    assert_eq!(email.1, "email", "`email` < `sms` in byte order");
}

#[test]
fn the_history_counts_at_the_period_boundary_after_as_of_and_twice_when_repeated() {
    let t = t0();
    let deliveries = [("d", None, Some(t), None)];
    let targets: Vec<(&str, i64, &str)> = (1..=5).map(|p| ("d", p, "email")).collect();
    let history: Vec<HistoryRow> = vec![
        (Some(1), Some("email"), Some(t - 7 * DAY)), // exactly the period: not counted
        (Some(2), Some("Email "), Some(t - 7 * DAY + 1)), // 1 us less: counted
        (Some(3), Some("email"), Some(t + 3 * DAY)), // after --as-of: counted
        (Some(4), Some("sms"), Some(t)),             // another channel
        (Some(5), Some("email"), Some(t - DAY)),     // counted ...
        (Some(99), Some("email"), Some(t)),          // unknown profile: ignored, counted
    ];
    let run = run(5, &targets, &deliveries, Some(&history), &["email:1/7d"], false).unwrap();
    assert_eq!(
        outcomes(&run),
        o(&[("d", 1, "kept"), ("d", 2, "pressure"), ("d", 3, "pressure"), ("d", 4, "kept"), ("d", 5, "pressure")])
    );
    assert_eq!(run.summary.inputs["history"].details["ignored"]["unknown_profile"], 1);
    // Two equal rows count twice: 2 rows against a limit of 2.
    let twice: Vec<HistoryRow> = vec![(Some(1), Some("push"), Some(t)), (Some(1), Some("push"), Some(t))];
    let run = self::run(1, &[("d", 1, "email")], &deliveries, Some(&twice), &["all:2/1d"], false).unwrap();
    assert_eq!(outcomes(&run), o(&[("d", 1, "pressure")]));
    let once = &twice[..1];
    let run = self::run(1, &[("d", 1, "email")], &deliveries, Some(once), &["all:2/1d"], false).unwrap();
    assert_eq!(outcomes(&run), o(&[("d", 1, "kept")]));
}

#[test]
fn zero_blocks_the_scope_and_a_candidate_excluded_by_one_cap_does_not_count_for_another() {
    let t = t0();
    let deliveries = [("e1", Some(9), Some(t), None), ("e2", Some(8), Some(t), None), ("s1", Some(7), Some(t), None)];
    let targets = [("e1", 1, "email"), ("e2", 1, "email"), ("s1", 1, "sms")];
    let run = run(1, &targets, &deliveries, None, &["email:1/7d", "all:2/7d"], false).unwrap();
    assert_eq!(outcomes(&run), o(&[("e1", 1, "kept"), ("e2", 1, "pressure"), ("s1", 1, "kept")]));
    let blocked = self::run(1, &targets, &deliveries, None, &["sms:0/1h"], false).unwrap();
    assert_eq!(outcomes(&blocked), o(&[("e1", 1, "kept"), ("e2", 1, "kept"), ("s1", 1, "pressure")]));
}

#[test]
fn the_chain_a_sent_b_excluded_c_sent() {
    let t = t0();
    let deliveries = [
        ("A", Some(9), Some(t), None),
        ("B", Some(8), Some(t + 6 * DAY), None),
        ("C", Some(7), Some(t + 12 * DAY), None),
    ];
    let targets = [("C", 1, "email"), ("B", 1, "email"), ("A", 1, "email")];
    let run = run(1, &targets, &deliveries, None, &["all:1/7d"], false).unwrap();
    assert_eq!(outcomes(&run), o(&[("A", 1, "kept"), ("B", 1, "pressure"), ("C", 1, "kept")]));
}

#[test]
fn bad_history_rows_fail_or_are_counted() {
    let t = t0();
    let deliveries = [("d", None, None, None)];
    for (row, message) in [
        ((None, Some("email"), Some(t)), "column `profile_id`, row 1: null value"),
        ((Some(-2), Some("email"), Some(t)), "column `profile_id`, row 1: value -2"),
        ((Some(1), None, Some(t)), "column `channel`, row 1: null value"),
        ((Some(1), Some("mail"), Some(t)), "column `channel`, row 1: unknown channel \"mail\""),
        ((Some(1), Some("email"), None), "column `sent_at`, row 1: null value"),
    ] {
        let history = [row, (Some(1), Some("email"), Some(t))];
        let err = run(1, &[("d", 1, "email")], &deliveries, Some(&history), &["email:1/1d"], false).err().unwrap();
        assert!(err.to_string().contains("history.parquet") && err.to_string().contains(message), "{err}");
        let skipped = run(1, &[("d", 1, "email")], &deliveries, Some(&history), &["email:1/1d"], true).unwrap();
        assert_eq!(outcomes(&skipped), o(&[("d", 1, "pressure")]));
        assert_eq!(skipped.summary.inputs["history"].bad_rows.values().sum::<u64>(), 1);
    }
}

#[test]
fn history_without_a_cap_is_a_usage_error() {
    let history = [(Some(1), Some("email"), Some(t0()))];
    let err = run(1, &[("d", 1, "email")], &[("d", None, None, None)], Some(&history), &[], false).err().unwrap();
    assert!(err.is_usage() && err.to_string().contains("--history is given without any --cap"), "{err}");
}

#[test]
fn control_groups_hold_out_the_formula_s_rows_after_pressure() {
    let profiles = 400;
    let targets: Vec<(&str, i64, &str)> =
        (1..=profiles).flat_map(|p| [("none", p, "email"), ("all", p, "email"), ("some", p, "sms")]).collect();
    let deliveries =
        [("none", Some(1), None, Some(0.0)), ("all", Some(9), None, Some(100.0)), ("some", Some(5), None, Some(12.5))];
    let run = run(profiles, &targets, &deliveries, None, &[], false).unwrap();
    let count = |d: &str, reason: &str| run.rows.iter().filter(|r| r.0 == d && r.3 == reason).count();
    assert_eq!(count("none", "kept"), 400);
    assert_eq!(count("all", "control_group"), 400);
    let expected: Vec<i64> = (1..=profiles)
        .filter(|&p| suppress_model::control_group::in_control_group("some", suppress_model::Channel::Sms, p, 12.5))
        .collect();
    let held: Vec<i64> = run.rows.iter().filter(|r| r.0 == "some" && r.3 == "control_group").map(|r| r.2).collect();
    assert_eq!(held, expected);
    assert!((30..70).contains(&held.len()), "{}", held.len());
    // A row held out still counts for pressure: "all" (weight 9, 100% held out) takes the
    // one email slot, so "none" is excluded by pressure, not sent.
    let capped = self::run(2, &targets[..6], &deliveries, None, &["email:1/7d"], false).unwrap();
    assert_eq!(
        outcomes(&capped),
        o(&[
            ("all", 1, "control_group"),
            ("all", 2, "control_group"),
            ("none", 1, "pressure"),
            ("none", 2, "pressure"),
            ("some", 1, if expected.contains(&1) { "control_group" } else { "kept" }),
            ("some", 2, if expected.contains(&2) { "control_group" } else { "kept" }),
        ])
    );
    let address = capped.rows.iter().find(|r| r.3 == "control_group").unwrap();
    assert!(address.4.is_some(), "reasons 11 and 12 carry the address");
}
