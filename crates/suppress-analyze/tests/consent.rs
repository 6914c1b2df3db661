//! The contract's "Consent: the state a delivery sees", reason 4 `not_subscribed`, and the
//! deliveries, subscriptions and consent tables, each rule alone and at its boundaries, on
//! small Parquet files written here.

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, TimestampMicrosecondArray};
use suppress_analyze::{parse_as_of, AnalyzeError, Config, Plan, Summary};
use suppress_testkit::{bools, i64s, read_outputs, utf8, write_table, OutRow};

const AS_OF: &str = "2026-11-01T00:00:00Z";
const EXPORTED_AT: &str = "2026-10-31T00:00:00Z";

fn t(text: &str) -> i64 {
    parse_as_of(text).unwrap().timestamp_micros()
}

fn times(values: &[Option<i64>]) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from(values.to_vec()).with_timezone("UTC"))
}

/// Profiles (id, optout, optout_email, optout_sms, email, mobile_phone); ids 1..=n.
type Profile = (i64, bool, bool, bool, Option<&'static str>, Option<&'static str>);

fn profiles(rows: &[Profile]) -> Vec<(&'static str, ArrayRef)> {
    let flag = |f: fn(&Profile) -> bool| bools(&rows.iter().map(|r| Some(f(r))).collect::<Vec<_>>());
    vec![
        ("profile_id", i64s(&rows.iter().map(|r| r.0).collect::<Vec<_>>())),
        ("optout", flag(|r| r.1)),
        ("optout_email", flag(|r| r.2)),
        ("optout_sms", flag(|r| r.3)),
        ("email", utf8(&rows.iter().map(|r| r.4).collect::<Vec<_>>())),
        ("mobile_phone", utf8(&rows.iter().map(|r| r.5).collect::<Vec<_>>())),
    ]
}

/// A consent event: (profile_id, at, action, channel, service).
type Event = (Option<i64>, Option<i64>, Option<&'static str>, Option<&'static str>, Option<&'static str>);

fn consent(rows: &[Event]) -> Vec<(&'static str, ArrayRef)> {
    vec![
        ("profile_id", Arc::new(Int64Array::from(rows.iter().map(|r| r.0).collect::<Vec<_>>())) as ArrayRef),
        ("at", times(&rows.iter().map(|r| r.1).collect::<Vec<_>>())),
        ("action", utf8(&rows.iter().map(|r| r.2).collect::<Vec<_>>())),
        ("channel", utf8(&rows.iter().map(|r| r.3).collect::<Vec<_>>())),
        ("service", utf8(&rows.iter().map(|r| r.4).collect::<Vec<_>>())),
    ]
}

/// A subscriptions row: (profile_id, service, expires_at).
type Subscription = (Option<i64>, Option<&'static str>, Option<i64>);
/// A deliveries row: (delivery_id, service).
type DeliveryRow = (Option<&'static str>, Option<&'static str>);

/// The inputs of one run; tables left `None` are not given.
#[derive(Default)]
struct Inputs {
    profiles: Vec<Profile>,
    /// (delivery_id, profile_id, channel)
    targets: Vec<(&'static str, i64, &'static str)>,
    /// (delivery_id, service)
    deliveries: Option<Vec<DeliveryRow>>,
    /// (profile_id, service, expires_at)
    subscriptions: Option<Vec<Subscription>>,
    consent: Option<Vec<Event>>,
    exported_at: Option<&'static str>,
    propagate: bool,
    skip_bad_rows: bool,
}

struct Run {
    rows: Vec<OutRow>,
    summary: Summary,
}

fn run(inputs: Inputs) -> Result<Run, AnalyzeError> {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(format!("{name}.parquet"));
    write_table(&path("profiles"), profiles(&inputs.profiles), 2);
    let targets = &inputs.targets;
    write_table(
        &path("targets"),
        vec![
            ("delivery_id", utf8(&targets.iter().map(|r| Some(r.0)).collect::<Vec<_>>())),
            ("profile_id", i64s(&targets.iter().map(|r| r.1).collect::<Vec<_>>())),
            ("channel", utf8(&targets.iter().map(|r| Some(r.2)).collect::<Vec<_>>())),
        ],
        3,
    );
    let mut config = Config::new(path("profiles"), path("targets"));
    config.as_of = parse_as_of(AS_OF).unwrap();
    config.exported_at = inputs.exported_at.map(|e| parse_as_of(e).unwrap());
    config.propagate_optout = inputs.propagate;
    config.skip_bad_rows = inputs.skip_bad_rows;
    if let Some(rows) = &inputs.deliveries {
        write_table(
            &path("deliveries"),
            vec![
                ("delivery_id", utf8(&rows.iter().map(|r| r.0).collect::<Vec<_>>())),
                ("service", utf8(&rows.iter().map(|r| r.1).collect::<Vec<_>>())),
            ],
            2,
        );
        config.deliveries = Some(path("deliveries"));
    }
    if let Some(rows) = &inputs.subscriptions {
        write_table(
            &path("subscriptions"),
            vec![
                ("profile_id", Arc::new(Int64Array::from(rows.iter().map(|r| r.0).collect::<Vec<_>>())) as ArrayRef),
                ("service", utf8(&rows.iter().map(|r| r.1).collect::<Vec<_>>())),
                ("expires_at", times(&rows.iter().map(|r| r.2).collect::<Vec<_>>())),
            ],
            2,
        );
        config.subscriptions = Some(path("subscriptions"));
    }
    if let Some(rows) = &inputs.consent {
        write_table(&path("consent"), consent(rows), 2);
        config.consent = Some(path("consent"));
    }
    let out = dir.path().join("out");
    let analysis = Plan::open(config)?.execute(Some(&out))?;
    Ok(Run { rows: read_outputs(&out), summary: analysis.summary })
}

/// (profile_id, outcome) of every row of delivery `d`, in profile order.
fn outcomes(run: &Run, d: &str) -> Vec<(i64, String)> {
    run.rows.iter().filter(|r| r.0 == d).map(|r| (r.2, r.3.clone())).collect()
}

fn o(pairs: &[(i64, &str)]) -> Vec<(i64, String)> {
    pairs.iter().map(|&(id, reason)| (id, reason.to_string())).collect()
}

fn emails(n: i64) -> Vec<Profile> {
    const ADDRESSES: [&str; 8] = ["a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io", "f@x.io", "g@x.io", "h@x.io"];
    (1..=n).map(|id| (id, false, false, false, Some(ADDRESSES[(id - 1) as usize]), Some("+33612345678"))).collect()
}

fn email_targets(n: i64) -> Vec<(&'static str, i64, &'static str)> {
    (1..=n).map(|id| ("d", id, "email")).collect()
}

fn ev(id: i64, at: i64, action: &'static str, channel: Option<&'static str>, service: Option<&'static str>) -> Event {
    (Some(id), Some(at), Some(action), channel, service)
}

#[test]
fn events_at_exported_at_are_ignored_and_at_as_of_apply() {
    let (as_of, exported) = (t(AS_OF), t(EXPORTED_AT));
    let run = run(Inputs {
        profiles: emails(4),
        targets: email_targets(4),
        consent: Some(vec![
            ev(1, exported, "opt_out", None, None),
            ev(2, exported + 1, "opt_out", None, None),
            ev(3, as_of, "optout", Some("email"), None),
            ev(4, as_of + 1, "opt_out", None, None),
        ]),
        exported_at: Some(EXPORTED_AT),
        ..Inputs::default()
    })
    .unwrap();
    assert_eq!(outcomes(&run, "d"), o(&[(1, "kept"), (2, "optout_all"), (3, "optout_channel"), (4, "kept")]));
    let consent = run.summary.consent.as_ref().unwrap();
    assert_eq!(consent["events"]["ignored"]["in_export"], 1);
    assert_eq!(consent["events"]["ignored"]["future"], 1);
    assert_eq!(consent["events"]["applied"], 2);
    assert_eq!(consent["profiles_changed"]["all"], 1);
    assert_eq!(consent["profiles_changed"]["email"], 1);
}

#[test]
fn the_latest_event_decides_and_opt_out_wins_a_tie() {
    let at = t("2026-10-31T12:00:00Z");
    let run = run(Inputs {
        profiles: emails(3),
        targets: email_targets(3),
        consent: Some(vec![
            ev(1, at, "opt_in", None, None),
            ev(1, at, " STOP ", None, None),
            ev(2, at, "opt_out", None, None),
            ev(2, at + 1, "Opt-In", None, None),
            ev(3, at + 1, "unsubscribe", None, None),
            ev(3, at, "subscribe", None, None),
        ]),
        exported_at: Some(EXPORTED_AT),
        ..Inputs::default()
    })
    .unwrap();
    assert_eq!(outcomes(&run, "d"), o(&[(1, "optout_all"), (2, "kept"), (3, "optout_all")]));
    assert_eq!(run.summary.consent.as_ref().unwrap()["events"]["superseded"], 3);
}

#[test]
fn a_deciding_opt_in_needs_exported_at() {
    let at = t("2026-10-31T12:00:00Z");
    let profiles = vec![(1, true, false, false, Some("a@x.io"), None), (2, false, true, false, Some("b@x.io"), None)];
    let events = vec![ev(1, at, "opt_in", Some("all"), None), ev(2, at, "opt_in", Some("Email"), None)];
    let with = |exported_at| {
        run(Inputs {
            profiles: profiles.clone(),
            targets: email_targets(2),
            consent: Some(events.clone()),
            exported_at,
            ..Inputs::default()
        })
        .unwrap()
    };
    let without = with(None);
    assert_eq!(outcomes(&without, "d"), o(&[(1, "optout_all"), (2, "optout_channel")]));
    let consent = without.summary.consent.as_ref().unwrap();
    assert_eq!(consent["events"]["ignored"]["opt_in_without_exported_at"], 2);
    assert_eq!(consent["events"]["applied"], 0);
    assert!(without.summary.warnings.iter().any(|w| w.contains("2 deciding opt_in") && w.contains("--exported-at")));
    let believed = with(Some(EXPORTED_AT));
    assert_eq!(outcomes(&believed, "d"), o(&[(1, "kept"), (2, "kept")]));
    assert!(believed.summary.warnings.is_empty(), "{:?}", believed.summary.warnings);
}

#[test]
fn an_exported_at_after_as_of_ignores_every_event_with_a_warning() {
    let run = run(Inputs {
        profiles: emails(2),
        targets: email_targets(2),
        consent: Some(vec![ev(1, t(AS_OF), "opt_out", None, None), ev(2, t(AS_OF) + 5, "opt_out", None, None)]),
        exported_at: Some("2026-11-02T00:00:00Z"),
        ..Inputs::default()
    })
    .unwrap();
    assert_eq!(outcomes(&run, "d"), o(&[(1, "kept"), (2, "kept")]));
    assert!(run.summary.warnings.iter().any(|w| w.contains("later than --as-of")), "{:?}", run.summary.warnings);
}

#[test]
fn a_global_opt_in_leaves_a_channel_opt_out_alone_and_scopes_are_independent() {
    let at = t("2026-10-31T12:00:00Z");
    let run = run(Inputs {
        profiles: vec![
            (1, true, true, false, Some("a@x.io"), Some("+33612345678")),
            (2, false, false, false, Some("b@x.io"), Some("+33612345679")),
        ],
        targets: vec![("d", 1, "email"), ("s", 1, "sms"), ("d", 2, "email"), ("s", 2, "sms")],
        consent: Some(vec![ev(1, at, "opt_in", None, None), ev(2, at, "stop", Some(" SMS"), None)]),
        exported_at: Some(EXPORTED_AT),
        ..Inputs::default()
    })
    .unwrap();
    assert_eq!(outcomes(&run, "d"), o(&[(1, "optout_channel"), (2, "kept")]));
    assert_eq!(outcomes(&run, "s"), o(&[(1, "kept"), (2, "optout_channel")]));
}

#[test]
fn subscriptions_active_expired_and_changed_by_service_events() {
    let (as_of, at) = (t(AS_OF), t("2026-10-31T12:00:00Z"));
    let run = run(Inputs {
        profiles: emails(6),
        targets: email_targets(6),
        deliveries: Some(vec![(Some("d"), Some(" NewsLetter "))]),
        subscriptions: Some(vec![
            (Some(1), Some("newsletter"), None),
            (Some(2), Some("NEWSLETTER\t"), Some(as_of)),
            (Some(3), Some("newsletter"), Some(as_of + 1)),
            (Some(4), Some("newsletter"), None),
            (Some(6), Some("other"), None),
            (Some(99), Some("newsletter"), None),
        ]),
        consent: Some(vec![
            ev(4, at, "unsubscribe", Some("email"), Some("Newsletter")),
            ev(5, at, "subscribe", Some("not a channel: not read"), Some(" newsletter")),
        ]),
        exported_at: Some(EXPORTED_AT),
        ..Inputs::default()
    })
    .unwrap();
    assert_eq!(
        outcomes(&run, "d"),
        o(&[
            (1, "kept"),
            (2, "not_subscribed"),
            (3, "kept"),
            (4, "not_subscribed"),
            (5, "kept"),
            (6, "not_subscribed")
        ])
    );
    let subscriptions = &run.summary.inputs["subscriptions"].details;
    assert_eq!(subscriptions["expired"], 1);
    assert_eq!(subscriptions["other_service"], 1);
    assert_eq!(subscriptions["ignored"]["unknown_profile"], 1);
    let consent = run.summary.consent.as_ref().unwrap();
    assert_eq!(consent["profiles_changed"]["service:newsletter"], 2);
    assert_eq!(run.summary.deliveries[0].service.as_deref(), Some("newsletter"));
}

#[test]
fn not_subscribed_comes_after_the_opt_outs_and_before_the_address() {
    let run = run(Inputs {
        profiles: vec![
            (1, true, false, false, Some("a@x.io"), None),
            (2, false, true, false, Some("b@x.io"), None),
            (3, false, false, false, None, None),
            (4, false, false, false, None, None),
        ],
        targets: vec![("d", 1, "email"), ("d", 2, "email"), ("d", 3, "email"), ("d", 4, "email"), ("d", 5, "email")],
        deliveries: Some(vec![(Some("d"), Some("news")), (Some("unused"), Some("other"))]),
        subscriptions: Some(vec![(Some(4), Some("news"), None)]),
        ..Inputs::default()
    })
    .unwrap();
    assert_eq!(
        outcomes(&run, "d"),
        o(&[
            (1, "optout_all"),
            (2, "optout_channel"),
            (3, "not_subscribed"),
            (4, "missing_address"),
            (5, "unknown_profile")
        ])
    );
    assert_eq!(run.summary.inputs["deliveries"].details["unused_by_targets"], 1);
}

#[test]
fn a_service_opt_in_subscribes_without_a_subscription_row_only_with_consent() {
    let at = t("2026-10-31T12:00:00Z");
    let run = run(Inputs {
        profiles: emails(2),
        targets: email_targets(2),
        deliveries: Some(vec![(Some("d"), Some("news"))]),
        consent: Some(vec![ev(1, at, "opt_in", None, Some("news"))]),
        exported_at: Some(EXPORTED_AT),
        ..Inputs::default()
    })
    .unwrap();
    assert_eq!(outcomes(&run, "d"), o(&[(1, "kept"), (2, "not_subscribed")]));
}

#[test]
fn a_delivery_with_a_service_needs_subscriptions_or_consent() {
    let err = run(Inputs {
        profiles: emails(1),
        targets: email_targets(1),
        deliveries: Some(vec![(Some("d"), Some(" News "))]),
        ..Inputs::default()
    })
    .err()
    .unwrap();
    assert!(!err.is_usage());
    let message = err.to_string();
    assert!(
        message.contains("deliveries.parquet") && message.contains("\"d\"") && message.contains("\"news\""),
        "{message}"
    );
    // A service that is empty after trimming is no service.
    let run = run(Inputs {
        profiles: emails(1),
        targets: email_targets(1),
        deliveries: Some(vec![(Some("d"), Some(" \t"))]),
        ..Inputs::default()
    })
    .unwrap();
    assert_eq!(outcomes(&run, "d"), o(&[(1, "kept")]));
}

#[test]
fn propagation_reads_the_consent_derived_opt_out() {
    let at = t("2026-10-31T12:00:00Z");
    let profiles =
        vec![(1, false, false, false, Some("same@x.io"), None), (2, false, false, false, Some(" SAME@x.io"), None)];
    let run = run(Inputs {
        profiles,
        targets: vec![("d", 2, "email")],
        consent: Some(vec![ev(1, at, "opt_out", Some("email"), None)]),
        propagate: true,
        ..Inputs::default()
    })
    .unwrap();
    assert_eq!(outcomes(&run, "d"), o(&[(2, "optout_address")]));
}

#[test]
fn bad_consent_rows_fail_or_are_counted() {
    let at = t("2026-10-31T12:00:00Z");
    let bad: Vec<(Event, &str)> = vec![
        ((None, Some(at), Some("opt_out"), None, None), "column `profile_id`, row 1: null value"),
        ((Some(-1), Some(at), Some("opt_out"), None, None), "column `profile_id`, row 1: value -1"),
        ((Some(1), None, Some("opt_out"), None, None), "column `at`, row 1: null value"),
        ((Some(1), Some(at), None, None, None), "column `action`, row 1: null value"),
        ((Some(1), Some(at), Some("maybe"), None, None), "column `action`, row 1: unknown action \"maybe\""),
        ((Some(1), Some(at), Some("opt_out"), Some("mail"), None), "column `channel`, row 1: unknown channel \"mail\""),
    ];
    for (event, message) in bad {
        let inputs = || Inputs {
            profiles: emails(2),
            targets: email_targets(2),
            consent: Some(vec![event, ev(2, at, "opt_out", None, None), ev(7, at, "opt_out", None, None)]),
            ..Inputs::default()
        };
        let err = run(inputs()).err().unwrap().to_string();
        assert!(err.contains("consent.parquet") && err.contains(message), "{err} / {message}");
        let skipped = run(Inputs { skip_bad_rows: true, ..inputs() }).unwrap();
        assert_eq!(outcomes(&skipped, "d"), o(&[(1, "kept"), (2, "optout_all")]));
        let consent = skipped.summary.consent.as_ref().unwrap();
        assert_eq!(consent["events"]["bad_rows"], 1);
        assert_eq!(consent["events"]["ignored"]["unknown_profile"], 1);
    }
}

#[test]
fn bad_subscription_rows_fail_or_are_counted() {
    let bad: Vec<(Subscription, &str)> = vec![
        ((None, Some("news"), None), "column `profile_id`, row 1: null value"),
        ((Some(-4), Some("news"), None), "column `profile_id`, row 1: value -4"),
        ((Some(1), None, None), "column `service`, row 1: null value"),
        ((Some(1), Some(" \x0B"), None), "column `service`, row 1: empty value"),
    ];
    for (row, message) in bad {
        let inputs = || Inputs {
            profiles: emails(2),
            targets: email_targets(2),
            deliveries: Some(vec![(Some("d"), Some("news"))]),
            subscriptions: Some(vec![row, (Some(2), Some("news"), None)]),
            ..Inputs::default()
        };
        let err = run(inputs()).err().unwrap().to_string();
        assert!(err.contains("subscriptions.parquet") && err.contains(message), "{err} / {message}");
        let skipped = run(Inputs { skip_bad_rows: true, ..inputs() }).unwrap();
        assert_eq!(outcomes(&skipped, "d"), o(&[(1, "not_subscribed"), (2, "kept")]));
        assert_eq!(skipped.summary.inputs["subscriptions"].bad_rows.values().sum::<u64>(), 1);
    }
}

#[test]
fn a_bad_deliveries_row_fails_even_with_skip_bad_rows() {
    let bad: Vec<(Vec<DeliveryRow>, &str)> = vec![
        (vec![(None, None)], "column `delivery_id`, row 1: null value"),
        (vec![(Some("d"), None), (Some("d"), Some("x"))], "column `delivery_id`, row 2: duplicate delivery_id \"d\""),
    ];
    for (rows, message) in bad {
        for skip_bad_rows in [false, true] {
            let err = run(Inputs {
                profiles: emails(1),
                targets: email_targets(1),
                deliveries: Some(rows.clone()),
                skip_bad_rows,
                ..Inputs::default()
            })
            .err()
            .unwrap()
            .to_string();
            assert!(err.contains("deliveries.parquet") && err.contains(message), "{err} / {message}");
        }
    }
}

#[test]
fn control_percent_outside_0_to_100_or_nan_fails_the_run() {
    for (value, ok) in [(0.0, true), (100.0, true), (12.5, true), (-0.1, false), (100.5, false), (f64::NAN, false)] {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(format!("{name}.parquet"));
        write_table(&path("profiles"), profiles(&emails(1)), 2);
        write_table(
            &path("targets"),
            vec![("delivery_id", utf8(&[Some("d")])), ("profile_id", i64s(&[1])), ("channel", utf8(&[Some("email")]))],
            2,
        );
        write_table(
            &path("deliveries"),
            vec![("delivery_id", utf8(&[Some("d")])), ("control_percent", Arc::new(Float64Array::from(vec![value])))],
            2,
        );
        let mut config = Config::new(path("profiles"), path("targets"));
        config.deliveries = Some(path("deliveries"));
        config.skip_bad_rows = true;
        let result = Plan::open(config).unwrap().execute(None);
        match (result, ok) {
            (Ok(analysis), true) => assert_eq!(analysis.summary.deliveries[0].control_percent, value),
            (Err(e), false) => assert!(e.to_string().contains("column `control_percent`, row 1"), "{e}"),
            (result, _) => panic!("{value}: {:?}", result.map(|a| a.summary.deliveries[0].control_percent)),
        }
    }
}

#[test]
fn a_delivery_s_service_applies_to_all_its_channels_and_unlisted_deliveries_get_none() {
    let as_of = t(AS_OF);
    let run = run(Inputs {
        profiles: emails(3),
        targets: vec![("d", 1, "email"), ("d", 1, "sms"), ("d", 2, " SMS"), ("other", 2, "email"), ("d", 3, "email")],
        deliveries: Some(vec![(Some("d"), Some("news"))]),
        // Rows of one (profile, service) may repeat: any active one subscribes.
        subscriptions: Some(vec![
            (Some(1), Some("news"), None),
            (Some(3), Some("news"), Some(as_of - 1)),
            (Some(3), Some(" NEWS"), Some(as_of + 1)),
            (Some(3), Some("news"), Some(as_of)),
        ]),
        ..Inputs::default()
    })
    .unwrap();
    let rows: Vec<(String, String, i64, String)> =
        run.rows.iter().map(|r| (r.0.clone(), r.1.clone(), r.2, r.3.clone())).collect();
    let row = |d: &str, c: &str, p: i64, r: &str| (d.to_string(), c.to_string(), p, r.to_string());
    assert_eq!(
        rows,
        [
            row("d", "email", 1, "kept"),
            row("d", "email", 3, "kept"),
            row("d", "sms", 1, "kept"),
            row("d", "sms", 2, "not_subscribed"),
            row("other", "email", 2, "kept"),
        ]
    );
}

/// deliveries rows are matched to targets by the delivery_id's text: an integer 7 in one table
/// is the string "7" in the other, and `007` is not `7`.
#[test]
fn deliveries_match_targets_by_the_delivery_id_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(format!("{name}.parquet"));
    write_table(&path("profiles"), profiles(&emails(2)), 2);
    write_table(
        &path("targets"),
        vec![
            ("delivery_id", utf8(&[Some("7"), Some("007")])),
            ("profile_id", i64s(&[1, 2])),
            ("channel", utf8(&[Some("email"), Some("email")])),
        ],
        2,
    );
    write_table(&path("deliveries"), vec![("delivery_id", i64s(&[7])), ("service", utf8(&[Some("news")]))], 2);
    write_table(&path("subscriptions"), vec![("profile_id", i64s(&[2])), ("service", utf8(&[Some("news")]))], 2);
    let mut config = Config::new(path("profiles"), path("targets"));
    config.deliveries = Some(path("deliveries"));
    config.subscriptions = Some(path("subscriptions"));
    let out = dir.path().join("out");
    let analysis = Plan::open(config).unwrap().execute(Some(&out)).unwrap();
    let rows: Vec<(String, i64, String)> = read_outputs(&out).into_iter().map(|r| (r.0, r.2, r.3)).collect();
    assert_eq!(rows, [("007".to_string(), 2, "kept".to_string()), ("7".to_string(), 1, "not_subscribed".to_string())]);
    let seven = analysis.summary.deliveries.iter().find(|d| d.delivery_id == "7").unwrap();
    assert_eq!((seven.service.as_deref(), seven.weight), (Some("news"), 5));
}
