//! End-to-end: the `suppress` binary on Parquet files written here, in the physical types
//! that pyarrow, DuckDB, Spark and Polars produce.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, Date32Array, DictionaryArray, Int32Array, Int8Array, LargeStringArray, StringViewArray, UInt16Array,
};
use arrow::datatypes::Int32Type;
use suppress_testkit::{bools, i64s, read_outputs, utf8, write_table};

mod common;

use common::{gen_inputs, p, stderr, suppress};

/// Profiles with int32 ids, large strings, integer flags, a dictionary column.
fn write_exotic_profiles(path: &Path) {
    let ids: ArrayRef = Arc::new(Int32Array::from(vec![1, 2, 3, 4]));
    let emails: ArrayRef =
        Arc::new(LargeStringArray::from(vec![Some(" A@X.io"), Some("b@x.io"), Some("a@x.io"), None]));
    let mobiles: ArrayRef =
        Arc::new(StringViewArray::from(vec![Some("06 12 34 56 78"), None, None, Some("+33 7 00 00 00 01")]));
    let optout: ArrayRef = Arc::new(Int8Array::from(vec![Some(0), Some(0), None, Some(0)]));
    let optout_email: ArrayRef = Arc::new(UInt16Array::from(vec![0, 7, 0, 0]));
    let segment: ArrayRef =
        Arc::new(vec!["vip", "vip", "std", "std"].into_iter().collect::<DictionaryArray<Int32Type>>());
    write_table(
        path,
        vec![
            ("profile_id", ids),
            ("email", emails),
            ("mobile_phone", mobiles),
            ("optout", optout),
            ("optout_email", optout_email),
            ("optout_sms", bools(&[None, None, None, None])),
            ("segment", segment),
        ],
        2,
    );
}

#[test]
fn exotic_types_and_integer_delivery_ids() {
    let dir = tempfile::tempdir().unwrap();
    let (pf, tf, qf, out) = (
        dir.path().join("p.parquet"),
        dir.path().join("t.parquet"),
        dir.path().join("q.parquet"),
        dir.path().join("out"),
    );
    write_exotic_profiles(&pf);
    let channels: ArrayRef =
        Arc::new(vec!["Email", "email", "email", "SMS", "sms"].into_iter().collect::<DictionaryArray<Int32Type>>());
    write_table(
        &tf,
        vec![
            ("delivery_id", Arc::new(Int32Array::from(vec![7, 7, 7, 8, 8])) as ArrayRef),
            ("profile_id", Arc::new(UInt16Array::from(vec![1, 2, 3, 1, 4])) as ArrayRef),
            ("channel", channels),
        ],
        2,
    );
    // Date expiry: 2026-11-02 is still active on 2026-11-01, 2026-11-01 is not (midnight = as-of).
    write_table(
        &qf,
        vec![
            ("address", utf8(&[Some("+33612345678"), Some("+33700000001")])),
            ("channel", utf8(&[Some("sms"), Some("sms")])),
            ("status", utf8(&[Some("quarantined"), Some("quarantined")])),
            ("expires_at", Arc::new(Date32Array::from(vec![20_759, 20_758])) as ArrayRef),
        ],
        10,
    );
    let run = suppress(&[
        "analyze",
        "--profiles",
        p(&pf),
        "--targets",
        p(&tf),
        "--quarantine",
        p(&qf),
        "--out",
        p(&out),
        "--default-country",
        "33",
        "--as-of",
        "2026-11-01T00:00:00Z",
        "--threads",
        "2",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let rows = read_outputs(&out);
    let s = |x: &str| x.to_string();
    assert_eq!(
        rows,
        vec![
            (s("7"), s("email"), 1, s("kept"), Some(s("a@x.io"))),
            (s("7"), s("email"), 2, s("optout_channel"), None),
            (s("7"), s("email"), 3, s("duplicate"), Some(s("a@x.io"))),
            (s("8"), s("sms"), 1, s("quarantined"), Some(s("+33612345678"))),
            (s("8"), s("sms"), 4, s("kept"), Some(s("+33700000001"))),
        ]
    );
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["totals"]["targeted"], 5);
    assert_eq!(summary["deliveries"].as_array().unwrap().len(), 2);
    assert_eq!(summary["inputs"]["quarantine"]["expired"], 1);
    assert!(stderr(&run).contains("TOTAL"));
}

#[test]
fn directory_input_and_channel_flag_without_channel_column() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profiles");
    std::fs::create_dir_all(profiles.join("part=1")).unwrap();
    std::fs::create_dir_all(profiles.join("part=2")).unwrap();
    std::fs::write(profiles.join("_SUCCESS"), b"").unwrap();
    for (part, ids, emails) in [("part=1", [1, 2], ["a@x.io", "b@x.io"]), ("part=2", [3, 4], ["c@x.io", "a@x.io"])] {
        write_table(
            &profiles.join(part).join("data_0.parquet"),
            vec![
                ("profile_id", i64s(&ids)),
                ("optout", bools(&[Some(false), None])),
                ("optout_email", bools(&[None, Some(false)])),
                ("email", utf8(&emails.map(Some))),
            ],
            1,
        );
    }
    let targets = dir.path().join("t.parquet");
    write_table(&targets, vec![("delivery_id", utf8(&[Some(" D1 "); 4])), ("profile_id", i64s(&[4, 3, 2, 1]))], 3);
    let out = dir.path().join("out");
    let run = suppress(&[
        "analyze",
        "--profiles",
        p(&profiles),
        "--targets",
        p(&targets),
        "--channel",
        " Email",
        "--out",
        p(&out),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let rows = read_outputs(&out);
    let kept: Vec<(i64, &str)> = rows.iter().map(|r| (r.2, r.3.as_str())).collect();
    assert_eq!(kept, vec![(1, "kept"), (2, "kept"), (3, "kept"), (4, "duplicate")]);
    // delivery_id strings are written unchanged, not trimmed.
    assert!(rows.iter().all(|r| r.0 == " D1 " && r.1 == "email"));
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["inputs"]["profiles"]["files"], 2);
    assert_eq!(summary["options"]["channel"], "email");
}

#[test]
fn column_mapping_and_adobe_preset() {
    let dir = tempfile::tempdir().unwrap();
    let pf = dir.path().join("recipients.parquet");
    write_table(
        &pf,
        vec![
            ("id", i64s(&[1, 2])),
            ("blackList", Arc::new(Int32Array::from(vec![0, 0])) as ArrayRef),
            ("blackListEmail", Arc::new(Int32Array::from(vec![0, 1])) as ArrayRef),
            ("EmailAddress", utf8(&[Some("a@x.io"), Some("b@x.io")])),
        ],
        10,
    );
    let tf = dir.path().join("t.parquet");
    write_table(
        &tf,
        vec![
            ("delivery_id", utf8(&[Some("d"), Some("d")])),
            ("recipient_id", i64s(&[1, 2])),
            ("channel", utf8(&[Some("email"); 2])),
        ],
        10,
    );
    let out = dir.path().join("out");
    let run = suppress(&[
        "analyze",
        "--profiles",
        p(&pf),
        "--targets",
        p(&tf),
        "--out",
        p(&out),
        "--preset",
        "adobe",
        "--map",
        "profiles.email=EmailAddress",
        "--map",
        "targets.profile_id=recipient_id",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let rows = read_outputs(&out);
    assert_eq!(rows.iter().map(|r| r.3.as_str()).collect::<Vec<_>>(), ["kept", "optout_channel"]);
}

#[test]
fn threads_do_not_change_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let gen = suppress(&["gen", "--out", p(&data), "--profiles", "20000", "--seed", "9"]);
    assert!(gen.status.success(), "{}", stderr(&gen));
    let mut results = Vec::new();
    for threads in ["1", "2", "3"] {
        let out = dir.path().join(format!("out{threads}"));
        let mut args = vec!["analyze"];
        let inputs = gen_inputs(&data);
        args.extend(inputs.iter().map(String::as_str));
        args.extend(["--default-country", "33", "--as-of", "2026-11-01T00:00:00Z", "--threads", threads]);
        args.extend(["--out", p(&out)]);
        let run = suppress(&args);
        assert!(run.status.success(), "{}", stderr(&run));
        results.push(read_outputs(&out));
    }
    assert!(results[0].len() > 40_000);
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);
}

#[test]
fn gen_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a", "b"] {
        let run = suppress(&[
            "gen",
            "--out",
            p(&dir.path().join(name)),
            "--profiles",
            "3000",
            "--seed",
            "5",
            "--threads",
            if name == "a" { "1" } else { "2" },
        ]);
        assert!(run.status.success(), "{}", stderr(&run));
    }
    for file in ["profiles.parquet", "quarantine.parquet", "targets.parquet"] {
        let a = std::fs::read(dir.path().join("a").join(file)).unwrap();
        let b = std::fs::read(dir.path().join("b").join(file)).unwrap();
        assert!(a == b, "{file} differs between runs");
    }
}

#[test]
fn the_committed_sample_runs() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["analyze"];
    let inputs = gen_inputs(&data);
    args.extend(inputs.iter().map(String::as_str));
    args.extend(["--default-country", "33", "--out", p(dir.path())]);
    let run = suppress(&args);
    assert!(run.status.success(), "{}", stderr(&run));
    for file in ["recipients.parquet", "exclusions.parquet", "summary.json"] {
        assert!(dir.path().join(file).exists(), "{file}");
    }
}

/// The README's first command: the whole export folder with `--inputs`.
#[test]
fn the_readme_command_reads_every_table_of_the_sample() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let dir = tempfile::tempdir().unwrap();
    let run = suppress(&[
        "analyze",
        "--inputs",
        p(&data),
        "--default-country",
        "33",
        "--as-of",
        "2026-11-01T00:00:00Z",
        "--exported-at",
        "2026-10-31T00:00:00Z",
        "--out",
        p(dir.path()),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let err = stderr(&run);
    assert!(err.contains("unsubd") && err.contains("consent: ") && err.contains("newsletter"), "{err}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("summary.json")).unwrap()).unwrap();
    for table in ["profiles", "targets", "quarantine", "deliveries", "subscriptions", "consent"] {
        assert!(summary["inputs"][table]["rows"].as_u64().unwrap() > 0, "{table}");
    }
    assert!(summary["totals"]["excluded"]["not_subscribed"].as_u64().unwrap() > 0);
    let events = &summary["consent"]["events"];
    assert!(events["applied"].as_u64().unwrap() > 0 && events["ignored"]["future"].as_u64().unwrap() > 0);
    assert!(events["ignored"]["in_export"].as_u64().unwrap() > 0 && events["superseded"].as_u64().unwrap() > 0);
    let newsletter =
        summary["deliveries"].as_array().unwrap().iter().find(|d| d["delivery_id"] == "2026-11-23-newsletter");
    let newsletter = newsletter.unwrap();
    assert_eq!((newsletter["service"].as_str(), newsletter["weight"].as_i64()), (Some("newsletter"), Some(3)));
    assert_eq!(newsletter["contact_date"], "2026-11-01T08:00:00Z");
    assert!(summary["inputs"]["history"].is_null(), "the history is read only for a cap");
    assert!(summary["totals"]["excluded"]["control_group"].as_u64().unwrap() > 0);

    // With caps, --inputs reads the history too.
    let capped = tempfile::tempdir().unwrap();
    let run = suppress(&[
        "analyze",
        "--inputs",
        p(&data),
        "--default-country",
        "33",
        "--as-of",
        "2026-11-01T00:00:00Z",
        "--exported-at",
        "2026-10-31T00:00:00Z",
        "--cap",
        "email:2/7d",
        "--cap",
        "all:6/30d",
        "--out",
        p(capped.path()),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(stderr(&run).contains("pressure: email:2/7d excluded "), "{}", stderr(&run));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(capped.path().join("summary.json")).unwrap()).unwrap();
    assert!(summary["inputs"]["history"]["rows"].as_u64().unwrap() > 0);
    assert!(summary["totals"]["excluded"]["pressure"].as_u64().unwrap() > 0);
    assert_eq!(summary["options"]["caps"], serde_json::json!(["email:2/7d", "all:6/30d"]));
}

/// Usage and data errors: one line, the right exit code, and no output files.
#[test]
fn errors_are_one_line_with_exit_codes_and_leave_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let pf = dir.path().join("p.parquet");
    let tf = dir.path().join("t.parquet");
    write_table(
        &pf,
        vec![("profile_id", i64s(&[1])), ("optout", bools(&[Some(false)])), ("email", utf8(&[Some("a@x.io")]))],
        10,
    );
    write_table(
        &tf,
        vec![("delivery_id", utf8(&[Some("d")])), ("profile_id", i64s(&[1])), ("channel", utf8(&[Some("email")]))],
        10,
    );
    let text = dir.path().join("text.parquet");
    std::fs::write(&text, b"delivery_id,profile_id\n").unwrap();
    let out = dir.path().join("out");
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (vec!["--profiles", "/nonexistent/p.parquet", "--targets", p(&tf)], 2, "/nonexistent/p.parquet"),
        (vec!["--profiles", p(&pf), "--targets", p(&tf), "--as-of", "yesterday"], 2, "--as-of"),
        (vec!["--profiles", p(&pf), "--targets", p(&tf), "--default-country", "+33"], 2, "--default-country"),
        (vec!["--profiles", p(&pf), "--targets", p(&tf), "--channel", "mail"], 2, "--channel"),
        (vec!["--profiles", p(&pf), "--targets", p(&tf), "--map", "people.x=y"], 2, "unknown table"),
        (vec!["--profiles", p(&pf), "--targets", p(&tf), "--cap", "email:3"], 2, "--cap \"email:3\": no `/PERIOD`"),
        (vec!["--profiles", p(&pf), "--targets", p(&tf), "--cap", "sms:-1/7d"], 2, "not a whole number"),
        (vec!["--profiles", p(&pf), "--targets", p(&tf), "--cap", "Email:3/7d"], 2, "channel name in lowercase"),
        (vec!["--profiles", p(&pf), "--targets", p(&tf), "--cap", "all:3/0d"], 2, "not a positive number"),
        (
            vec!["--profiles", p(&pf), "--targets", p(&tf), "--history", p(&tf)],
            2,
            "--history is given without any --cap",
        ),
        (vec!["--profiles", p(&text), "--targets", p(&tf)], 1, "text.parquet"),
        (vec!["--profiles", p(&pf), "--targets", p(&tf)], 1, "missing required column `optout_email`"),
    ];
    for (args, code, needle) in cases {
        let mut full = vec!["analyze", "--out", p(&out)];
        full.extend(args);
        let run = suppress(&full);
        let err = stderr(&run);
        assert_eq!(run.status.code(), Some(code), "{full:?}: {err}");
        assert!(err.contains(needle), "{full:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{full:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!out.join("summary.json").exists() && !out.join("recipients.parquet").exists());
    }
}

#[test]
fn help_is_written_for_the_terminal() {
    let run = suppress(&["analyze", "--help"]);
    assert!(run.status.success());
    let help = String::from_utf8_lossy(&run.stdout);
    for needle in ["--profiles", "--propagate-optout", "profile_id", "recipients.parquet", "EXAMPLES"] {
        assert!(help.contains(needle), "{needle} missing from help");
    }
    let run = suppress(&["gen", "--help"]);
    assert!(String::from_utf8_lossy(&run.stdout).contains("--seed"));
}
