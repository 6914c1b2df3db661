//! One test per rule of the contract's "Exclusion reasons" and quarantine sections, each on
//! small Parquet files written here and run through the library's plan and execute.

use arrow::array::ArrayRef;
use suppress_analyze::{parse_as_of, AnalyzeError, Config, Plan, Summary};
use suppress_model::{Canonicalizer, CountryCode};
use suppress_testkit::{bools, i64s, read_outputs, utf8, write_table, OutRow};

/// A profiles table: (id, optout, optout_email, optout_sms, email, mobile_phone).
type Profile<'a> = (i64, bool, bool, bool, Option<&'a str>, Option<&'a str>);

fn profiles(rows: &[Profile]) -> Vec<(&'static str, ArrayRef)> {
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let flag = |f: fn(&Profile) -> bool| bools(&rows.iter().map(|r| Some(f(r))).collect::<Vec<_>>());
    let mut columns = vec![
        ("profile_id", i64s(&ids)),
        ("optout", flag(|r| r.1)),
        ("optout_email", flag(|r| r.2)),
        ("optout_sms", flag(|r| r.3)),
        ("email", utf8(&rows.iter().map(|r| r.4).collect::<Vec<_>>())),
        ("mobile_phone", utf8(&rows.iter().map(|r| r.5).collect::<Vec<_>>())),
    ];
    for name in ["optout_phone", "optout_fax", "optout_push", "optout_direct_mail"] {
        columns.push((name, bools(&vec![Some(false); rows.len()])));
    }
    for name in ["phone", "fax", "push_token", "postal_address"] {
        columns.push((name, utf8(&vec![None; rows.len()])));
    }
    columns
}

/// Quarantine rows: (address, channel, status, expires_at as RFC 3339 or null).
type QRow<'a> = (&'a str, &'a str, &'a str, Option<&'a str>);

/// A targets table of (delivery_id, profile_id, channel).
fn targets(rows: &[(&str, i64, &str)]) -> Vec<(&'static str, ArrayRef)> {
    vec![
        ("delivery_id", utf8(&rows.iter().map(|r| Some(r.0)).collect::<Vec<_>>())),
        ("profile_id", i64s(&rows.iter().map(|r| r.1).collect::<Vec<_>>())),
        ("channel", utf8(&rows.iter().map(|r| Some(r.2)).collect::<Vec<_>>())),
    ]
}

/// A quarantine table of (address, channel, status, expires_at as RFC 3339 or null).
fn quarantine(rows: &[(&str, &str, &str, Option<&str>)]) -> Vec<(&'static str, ArrayRef)> {
    let expires: Vec<Option<i64>> =
        rows.iter().map(|r| r.3.map(|t| parse_as_of(t).unwrap().timestamp_nanos_opt().unwrap())).collect();
    vec![
        ("address", utf8(&rows.iter().map(|r| Some(r.0)).collect::<Vec<_>>())),
        ("channel", utf8(&rows.iter().map(|r| Some(r.1)).collect::<Vec<_>>())),
        ("status", utf8(&rows.iter().map(|r| Some(r.2)).collect::<Vec<_>>())),
        ("expires_at", std::sync::Arc::new(arrow::array::TimestampNanosecondArray::from(expires).with_timezone("UTC"))),
    ]
}

const AS_OF: &str = "2026-11-01T00:00:00Z";

struct Run {
    rows: Vec<OutRow>,
    summary: Summary,
}

fn run_with(
    profile_rows: &[Profile],
    target_rows: &[(&str, i64, &str)],
    quarantine_rows: Option<&[QRow]>,
    tweak: impl FnOnce(&mut Config),
) -> Result<Run, AnalyzeError> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("profiles.parquet");
    let t = dir.path().join("targets.parquet");
    let q = dir.path().join("quarantine.parquet");
    write_table(&p, profiles(profile_rows), 2);
    write_table(&t, targets(target_rows), 3);
    let mut config = Config::new(p, t);
    config.as_of = parse_as_of(AS_OF).unwrap();
    if let Some(rows) = quarantine_rows {
        write_table(&q, quarantine(rows), 2);
        config.quarantine = Some(q);
    }
    tweak(&mut config);
    let out = dir.path().join("out");
    let analysis = Plan::open(config)?.execute(Some(&out))?;
    Ok(Run { rows: read_outputs(&out), summary: analysis.summary })
}

fn run(profile_rows: &[Profile], target_rows: &[(&str, i64, &str)], quarantine_rows: Option<&[QRow]>) -> Vec<OutRow> {
    run_with(profile_rows, target_rows, quarantine_rows, |_| {}).unwrap().rows
}

/// The (profile_id, reason, address) of every output row of delivery `d`.
fn outcomes(rows: &[OutRow], d: &str) -> Vec<(i64, String, Option<String>)> {
    rows.iter().filter(|r| r.0 == d).map(|r| (r.2, r.3.clone(), r.4.clone())).collect()
}

fn o(id: i64, reason: &str, address: Option<&str>) -> (i64, String, Option<String>) {
    (id, reason.into(), address.map(String::from))
}

#[test]
fn each_reason_alone() {
    let rows = run(
        &[
            (1, true, false, false, Some("a@x.io"), None),
            (2, false, true, false, Some("b@x.io"), None),
            (3, false, false, false, None, None),
            (4, false, false, false, Some(" Bad@@X.io "), None),
            (5, false, false, false, Some("deny@x.io"), None),
            (6, false, false, false, Some("quar@x.io"), None),
            (7, false, false, false, Some(" Kept@X.IO"), None),
            (8, false, false, false, Some("kept@x.io"), None),
            (9, false, false, false, Some("\t"), None),
        ],
        &[
            ("d", 1, "email"),
            ("d", 2, "email"),
            ("d", 3, "email"),
            ("d", 4, "email"),
            ("d", 5, "email"),
            ("d", 6, "email"),
            ("d", 7, "email"),
            ("d", 8, "email"),
            ("d", 9, "email"),
            ("d", 10, "email"),
        ],
        Some(&[("DENY@x.io", "email", "denylisted", None), ("quar@x.io", "email", "quarantined", None)]),
    );
    assert_eq!(
        outcomes(&rows, "d"),
        vec![
            o(1, "optout_all", None),
            o(2, "optout_channel", None),
            o(3, "missing_address", None),
            o(4, "invalid_address", Some("bad@@x.io")),
            o(5, "denylisted", Some("deny@x.io")),
            o(6, "quarantined", Some("quar@x.io")),
            o(7, "kept", Some("kept@x.io")),
            o(8, "duplicate", Some("kept@x.io")),
            o(9, "missing_address", None),
            o(10, "unknown_profile", None),
        ]
    );
}

#[test]
fn the_first_reason_wins() {
    // Every profile meets all later reasons too.
    let rows = run(
        &[
            (1, true, true, false, None, None),
            (2, false, true, false, None, None),
            (3, false, false, false, Some("x@@x.io"), None),
            (4, false, false, false, Some("both@x.io"), None),
            (5, false, false, false, Some("both@x.io"), None),
        ],
        &[
            ("d", 1, "email"),
            ("d", 2, "email"),
            ("d", 3, "email"),
            ("d", 4, "email"),
            ("d", 5, "email"),
            ("d", 5, "email"),
        ],
        Some(&[("both@x.io", "email", "quarantined", None), ("both@x.io", "email", "blacklisted", None)]),
    );
    assert_eq!(
        outcomes(&rows, "d"),
        vec![
            o(1, "optout_all", None),
            o(2, "optout_channel", None),
            o(3, "invalid_address", Some("x@@x.io")),
            o(4, "denylisted", Some("both@x.io")),
            // Excluded rows do not take part in deduplication: each is denylisted.
            o(5, "denylisted", Some("both@x.io")),
            o(5, "denylisted", Some("both@x.io")),
        ]
    );
}

#[test]
fn channel_optout_applies_to_its_channel_only() {
    let rows = run(
        &[(1, false, true, false, Some("a@x.io"), Some("+33612345678"))],
        &[("e", 1, "email"), ("s", 1, "SMS ")],
        None,
    );
    assert_eq!(outcomes(&rows, "e"), vec![o(1, "optout_channel", None)]);
    assert_eq!(outcomes(&rows, "s"), vec![o(1, "kept", Some("+33612345678"))]);
}

#[test]
fn duplicates_keep_the_smallest_profile_id_per_delivery() {
    let rows = run(
        &[
            (30, false, false, false, Some("Same@x.io"), None),
            (10, false, false, false, Some(" same@X.io"), None),
            (20, false, false, false, Some("same@x.io"), None),
            (40, false, false, false, Some("solo@x.io"), None),
        ],
        &[
            ("d", 30, "email"),
            ("d", 20, "email"),
            ("d", 10, "email"),
            ("d", 40, "email"),
            ("d", 40, "email"),
            ("other", 30, "email"),
        ],
        None,
    );
    assert_eq!(
        outcomes(&rows, "d"),
        vec![
            o(10, "kept", Some("same@x.io")),
            o(20, "duplicate", Some("same@x.io")),
            o(30, "duplicate", Some("same@x.io")),
            // A profile listed twice is kept once.
            o(40, "duplicate", Some("solo@x.io")),
            o(40, "kept", Some("solo@x.io")),
        ]
    );
    // Deduplication is per delivery.
    assert_eq!(outcomes(&rows, "other"), vec![o(30, "kept", Some("same@x.io"))]);
}

#[test]
fn an_excluded_profile_does_not_shadow_a_kept_one() {
    // Profile 1 opted out, so profile 2 is the smallest kept row of the address.
    let rows = run(
        &[(1, true, false, false, Some("s@x.io"), None), (2, false, false, false, Some("s@x.io"), None)],
        &[("d", 1, "email"), ("d", 2, "email")],
        None,
    );
    assert_eq!(outcomes(&rows, "d"), vec![o(1, "optout_all", None), o(2, "kept", Some("s@x.io"))]);
}

#[test]
fn deliveries_are_delivery_id_and_canonical_channel() {
    let rows = run(
        &[(1, false, false, false, Some("a@x.io"), Some("+33612345678"))],
        &[("d", 1, " EMAIL "), ("d", 1, "email"), ("d", 1, "sms")],
        None,
    );
    assert_eq!(
        rows,
        vec![
            ("d".into(), "email".into(), 1, "duplicate".into(), Some("a@x.io".into())),
            ("d".into(), "email".into(), 1, "kept".into(), Some("a@x.io".into())),
            ("d".into(), "sms".into(), 1, "kept".into(), Some("+33612345678".into())),
        ]
    );
}

#[test]
fn quarantine_expiry_is_strictly_after_as_of() {
    let profiles_rows: Vec<Profile> = (1..=5).map(|i| (i, false, false, false, None, None)).collect();
    let emails = ["at@x.io", "after@x.io", "never@x.io", "before@x.io", "nano@x.io"];
    let profiles_rows: Vec<Profile> =
        profiles_rows.iter().zip(emails).map(|(p, e)| (p.0, p.1, p.2, p.3, Some(e), None)).collect();
    let rows = run(
        &profiles_rows,
        &[("d", 1, "email"), ("d", 2, "email"), ("d", 3, "email"), ("d", 4, "email"), ("d", 5, "email")],
        Some(&[
            ("at@x.io", "email", "quarantined", Some(AS_OF)),
            ("after@x.io", "email", "quarantined", Some("2026-11-01T00:00:00.000001Z")),
            // Times are truncated to whole microseconds when read: 1 ns after --as-of is at it.
            ("nano@x.io", "email", "quarantined", Some("2026-11-01T00:00:00.000000999Z")),
            ("never@x.io", "email", "quarantined", None),
            ("before@x.io", "email", "quarantined", Some("2026-10-31T23:59:59Z")),
        ]),
    );
    assert_eq!(
        outcomes(&rows, "d"),
        vec![
            o(1, "kept", Some("at@x.io")),
            o(2, "quarantined", Some("after@x.io")),
            o(3, "quarantined", Some("never@x.io")),
            o(4, "kept", Some("before@x.io")),
            o(5, "kept", Some("nano@x.io")),
        ]
    );
}

#[test]
fn allowlist_clears_quarantine_but_never_denylist() {
    let p: Vec<Profile> = vec![
        (1, false, false, false, Some("q@x.io"), None),
        (2, false, false, false, Some("dq@x.io"), None),
        (3, false, false, false, Some("expired-allow@x.io"), None),
        (4, false, false, false, Some("valid@x.io"), None),
    ];
    let rows = run(
        &p,
        &[("d", 1, "email"), ("d", 2, "email"), ("d", 3, "email"), ("d", 4, "email")],
        Some(&[
            ("q@x.io", "email", "Quarantine", None),
            ("q@x.io", "email", " whitelisted", None),
            ("dq@x.io", "email", "allowlist", None),
            ("dq@x.io", "email", "BLOCKLISTED", None),
            ("expired-allow@x.io", "email", "quarantined", None),
            ("expired-allow@x.io", "email", "allowlisted", Some("2020-01-01T00:00:00Z")),
            ("valid@x.io", "email", "with_errors", None),
            ("valid@x.io", "email", "erroneous", None),
        ]),
    );
    assert_eq!(
        outcomes(&rows, "d"),
        vec![
            o(1, "kept", Some("q@x.io")),
            o(2, "denylisted", Some("dq@x.io")),
            o(3, "quarantined", Some("expired-allow@x.io")),
            o(4, "kept", Some("valid@x.io")),
        ]
    );
}

#[test]
fn quarantine_is_per_channel_and_canonical() {
    let run = run_with(
        &[(1, false, false, false, Some("a@x.io"), Some("06 12 34 56 78"))],
        &[("e", 1, "email"), ("s", 1, "sms")],
        Some(&[
            ("A@X.IO ", "sms", "denylisted", None),
            ("0033 6 12 34 56 78", "sms", "quarantined", None),
            ("", "email", "denylisted", None),
            ("not an email", "email", "denylisted", None),
        ]),
        |c| c.canonicalizer = Canonicalizer::new(Some(CountryCode::parse("33").unwrap())),
    )
    .unwrap();
    assert_eq!(outcomes(&run.rows, "e"), vec![o(1, "kept", Some("a@x.io"))]);
    assert_eq!(outcomes(&run.rows, "s"), vec![o(1, "quarantined", Some("+33612345678"))]);
    let q = &run.summary.inputs["quarantine"];
    // The email address on sms is invalid for its channel, so ignored, as are "" and the non-email.
    assert_eq!(q.details["ignored"], serde_json::json!({"missing_address": 1, "invalid_address": 2}));
}

#[test]
fn default_country_makes_national_numbers_valid() {
    let p: Vec<Profile> = vec![(1, false, false, false, None, Some("06 12 34 56 78"))];
    let t = [("s", 1, "sms")];
    let without = run(&p, &t, None);
    assert_eq!(outcomes(&without, "s"), vec![o(1, "invalid_address", Some("0612345678"))]);
    let with =
        run_with(&p, &t, None, |c| c.canonicalizer = Canonicalizer::new(Some(CountryCode::parse("33").unwrap())))
            .unwrap();
    assert_eq!(outcomes(&with.rows, "s"), vec![o(1, "kept", Some("+33612345678"))]);
}

#[test]
fn propagate_optout_excludes_addresses_of_opted_out_profiles() {
    let p: Vec<Profile> = vec![
        (1, false, true, false, Some("shared@x.io"), Some("+33612345678")), // email opt-out, not targeted
        (2, false, false, false, Some("SHARED@x.io"), Some("+33612345678")),
        (3, true, false, false, Some("all@x.io"), None), // global opt-out, not targeted
        (4, false, false, false, Some("all@x.io"), None),
        (5, false, false, true, Some("smsonly@x.io"), None), // sms opt-out does not touch email
        (6, false, false, false, Some("smsonly@x.io"), None),
    ];
    let t = [("e", 2, "email"), ("e", 4, "email"), ("e", 6, "email"), ("s", 2, "sms")];
    let plain = run(&p, &t, None);
    assert_eq!(
        outcomes(&plain, "e"),
        vec![o(2, "kept", Some("shared@x.io")), o(4, "kept", Some("all@x.io")), o(6, "kept", Some("smsonly@x.io"))]
    );
    let propagated =
        run_with(&p, &t, Some(&[("shared@x.io", "email", "denylisted", None)]), |c| c.propagate_optout = true).unwrap();
    assert_eq!(
        outcomes(&propagated.rows, "e"),
        vec![
            // optout_address comes before denylisted.
            o(2, "optout_address", Some("shared@x.io")),
            o(4, "optout_address", Some("all@x.io")),
            o(6, "kept", Some("smsonly@x.io")),
        ]
    );
    // Profile 1 opted out of email only, so its phone number is still reachable by sms.
    assert_eq!(outcomes(&propagated.rows, "s"), vec![o(2, "kept", Some("+33612345678"))]);
}

#[test]
fn a_duplicated_profile_id_fails_or_is_dropped_whole() {
    // Small ids go to the direct table, ids near 2^50 to the hashed one: both report the row
    // (in the second row group) and drop every row of the id.
    for base in [0i64, 1 << 50] {
        let p: Vec<Profile> = vec![
            (base + 1, false, false, false, Some("a@x.io"), None),
            (base + 2, false, false, false, Some("b@x.io"), None),
            (base + 1, false, false, false, Some("c@x.io"), None),
        ];
        let t = [("d", base + 1, "email"), ("d", base + 2, "email")];
        let err = run_with(&p, &t, None, |_| {}).err().expect("duplicate id fails");
        let message = err.to_string();
        assert!(
            message.contains("profiles.parquet")
                && message.contains("row 3")
                && message.contains(&format!("duplicate profile_id {}", base + 1)),
            "{message}"
        );
        let skipped = run_with(&p, &t, None, |c| c.skip_bad_rows = true).unwrap();
        assert_eq!(
            outcomes(&skipped.rows, "d"),
            vec![o(base + 1, "unknown_profile", None), o(base + 2, "kept", Some("b@x.io"))]
        );
        assert_eq!(skipped.summary.inputs["profiles"].bad_rows["profile_id: duplicate_id"], 2);
    }
}

#[test]
fn missing_optout_column_fails_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.parquet");
    let t = dir.path().join("t.parquet");
    write_table(
        &p,
        vec![("profile_id", i64s(&[1])), ("optout", bools(&[Some(false)])), ("email", utf8(&[Some("a@x.io")]))],
        10,
    );
    write_table(&t, targets(&[("d", 1, "email")]), 10);
    let config = Config::new(p.clone(), t.clone());
    let err = Plan::open(config).unwrap().execute(None).err().expect("missing optout_email");
    assert!(err.to_string().contains("missing required column `optout_email`"), "{err}");
    let mut config = Config::new(p, t);
    config.allow_missing_optout = true;
    let analysis = Plan::open(config).unwrap().execute(Some(&dir.path().join("out"))).unwrap();
    assert_eq!(analysis.summary.totals.kept(), 1);
    assert_eq!(analysis.summary.warnings.len(), 1);
    assert!(analysis.summary.warnings[0].contains("optout_email"));
}

#[test]
fn summary_counts_match_outputs() {
    let run = run_with(
        &[(1, false, false, false, Some("a@x.io"), None), (2, true, false, false, Some("b@x.io"), None)],
        &[("d", 1, "email"), ("d", 2, "email"), ("d", 3, "email")],
        None,
        |_| {},
    )
    .unwrap();
    let d = &run.summary.deliveries[0];
    assert_eq!((d.counts.targeted(), d.counts.kept()), (3, 1));
    let json: serde_json::Value = serde_json::from_str(&run.summary.to_json()).unwrap();
    assert_eq!(json["deliveries"][0]["excluded"]["optout_all"], 1);
    assert_eq!(json["deliveries"][0]["excluded"]["unknown_profile"], 1);
    assert_eq!(json["totals"]["targeted"], 3);
    assert_eq!(json["inputs"]["targets"]["rows"], 3);
}
