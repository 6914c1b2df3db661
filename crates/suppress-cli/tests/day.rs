//! Fitting the data engineer's day: the HTML report, --quiet, progress only on a terminal,
//! and `inspect`.

use std::path::Path;
use std::process::Output;

use suppress_testkit::{i64s, utf8, write_table};

mod common;

use common::suppress;

fn sample(file: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data").join(file).to_str().unwrap().to_string()
}

fn analyze(out: &Path, extra: &[&str]) -> Output {
    let (p, t, q) = (sample("profiles.parquet"), sample("targets.parquet"), sample("quarantine.parquet"));
    let mut args = vec![
        "analyze",
        "--profiles",
        &p,
        "--targets",
        &t,
        "--quarantine",
        &q,
        "--default-country",
        "33",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    suppress(&args)
}

#[test]
fn report_is_one_self_contained_page_with_every_delivery() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    let run = analyze(&dir.path().join("out"), &["--report", report.to_str().unwrap()]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let html = std::fs::read_to_string(&report).unwrap();
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/summary.json")).unwrap()).unwrap();
    let deliveries = summary["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 8);
    for d in deliveries {
        let id = d["delivery_id"].as_str().unwrap();
        // Once in the chart, once in the table.
        assert!(html.matches(id).count() >= 2, "{id} missing from the report");
        let targeted = d["targeted"].as_u64().unwrap();
        let shown =
            if targeted >= 1000 { format!("{},{:03}", targeted / 1000, targeted % 1000) } else { targeted.to_string() };
        assert!(html.contains(&format!("<td>{shown}</td>")), "{id} count {shown} missing");
    }
    assert!(html.contains("<svg") && html.contains("</html>"));
    for external in ["<script", "<link", "src=", "url("] {
        assert!(!html.contains(external), "report refers to {external}");
    }
}

#[test]
fn quiet_prints_nothing_and_progress_needs_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let quiet = analyze(&dir.path().join("a"), &["--quiet"]);
    assert!(quiet.status.success());
    assert!(quiet.stderr.is_empty(), "{}", String::from_utf8_lossy(&quiet.stderr));
    assert!(dir.path().join("a/summary.json").exists());
    // stderr is a pipe here, not a terminal: the table, but no spinner or escape codes.
    let plain = analyze(&dir.path().join("b"), &[]);
    let err = String::from_utf8_lossy(&plain.stderr);
    assert!(err.contains("TOTAL"));
    assert!(!err.contains('\u{1b}') && !err.contains('✓'), "{err}");
    // Errors still show under --quiet.
    let failed = suppress(&["analyze", "--quiet", "--profiles", "/nope", "--targets", "/nope", "--out", "/tmp/x"]);
    assert_eq!(failed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("/nope"));
}

#[test]
fn inspect_reports_schema_and_contract_columns() {
    let run = suppress(&["inspect", &sample("quarantine.parquet")]);
    assert!(run.status.success());
    let text = String::from_utf8_lossy(&run.stdout);
    for needle in ["rows", "row group", "SNAPPY", "expires_at", "as quarantine (guessed", "status", "ok (Utf8)"] {
        assert!(text.contains(needle), "{needle} not in {text}");
    }

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("recipients.parquet");
    write_table(
        &file,
        vec![("id", i64s(&[1])), ("EmailAddress", utf8(&[Some("a@x.io")])), ("blackList", utf8(&[Some("no")]))],
        10,
    );
    let run = suppress(&[
        "inspect",
        file.to_str().unwrap(),
        "--as",
        "profiles",
        "--preset",
        "adobe",
        "--map",
        "profiles.email=EmailAddress",
    ]);
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(text.contains("profile_id <- id") && text.contains("email <- EmailAddress"), "{text}");
    assert!(text.contains("UNUSABLE TYPE Utf8"), "{text}");
    assert!(text.contains("optout_sms <- blackListMobile") && text.contains("MISSING"), "{text}");
    assert_eq!(run.status.code(), Some(1), "an unusable flag column fails the check");

    let bad = suppress(&["inspect", file.to_str().unwrap(), "--as", "people"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr)
        .contains("profiles, quarantine, targets, deliveries, subscriptions, consent, history, log"));
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    for sub in ["analyze", "gen", "inspect"] {
        let run = suppress(&[sub, "--help"]);
        assert!(run.status.success());
        let help = String::from_utf8_lossy(&run.stdout);
        assert!(help.contains("suppress ") && help.to_lowercase().contains("example"), "{sub}: {help}");
    }
}
