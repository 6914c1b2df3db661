//! `suppress quarantine` end to end, on Parquet files the tests write: the night as users run
//! it, then `analyze` on its output; bad input.

mod common;

use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Int64Array, TimestampMicrosecondArray};
use arrow::datatypes::{Int32Type, TimestampMicrosecondType};
use common::{p, stderr, suppress};
use suppress_testkit::{read_batches, read_outputs, utf8, write_table};

const H: i64 = 3_600_000_000;
const D: i64 = 24 * H;
/// 2026-11-23T00:00:00Z.
const DAY1: i64 = 1_795_392_000_000_000;
const DAY1_TEXT: &str = "2026-11-23T00:00:00Z";
const DAY2_TEXT: &str = "2026-11-24T00:00:00Z";

fn times(values: &[Option<i64>]) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from(values.to_vec()).with_timezone("UTC"))
}

/// A log of (address, channel, at, outcome, reason).
fn write_log(path: &Path, rows: &[(&str, &str, i64, &str, Option<&str>)]) {
    let strings = |values: Vec<Option<&str>>| utf8(&values);
    write_table(
        path,
        vec![
            ("address", strings(rows.iter().map(|r| Some(r.0)).collect())),
            ("channel", strings(rows.iter().map(|r| Some(r.1)).collect())),
            ("at", times(&rows.iter().map(|r| Some(r.2)).collect::<Vec<_>>())),
            ("outcome", strings(rows.iter().map(|r| Some(r.3)).collect())),
            ("reason", strings(rows.iter().map(|r| r.4).collect())),
        ],
        3,
    );
}

/// One row of `quarantine.parquet`: (channel, address, status, error_count, reason).
type QuarantineRow = (String, String, String, i32, Option<String>);

/// The next quarantine in `dir`, sorted.
fn quarantine_rows(dir: &Path) -> Vec<QuarantineRow> {
    let mut rows = Vec::new();
    for batch in read_batches(&dir.join("quarantine.parquet")) {
        let s = |name: &str| batch.column_by_name(name).unwrap().as_string::<i32>().clone();
        let (address, channel, status, reason) = (s("address"), s("channel"), s("status"), s("reason"));
        let counts = batch.column_by_name("error_count").unwrap().as_primitive::<Int32Type>().clone();
        for i in 0..batch.num_rows() {
            rows.push((
                channel.value(i).to_string(),
                address.value(i).to_string(),
                status.value(i).to_string(),
                counts.value(i),
                reason.is_valid(i).then(|| reason.value(i).to_string()),
            ));
        }
    }
    rows.sort();
    rows
}

/// One row of `changes.parquet`: (channel, address, old, new, at, outcome).
type ChangeRow = (String, String, Option<String>, Option<String>, i64, String);

/// The changes in `dir`, sorted.
fn change_rows(dir: &Path) -> Vec<ChangeRow> {
    let mut rows = Vec::new();
    for batch in read_batches(&dir.join("changes.parquet")) {
        let s = |name: &str| batch.column_by_name(name).unwrap().as_string::<i32>().clone();
        let at = batch.column_by_name("at").unwrap().as_primitive::<TimestampMicrosecondType>().clone();
        let (address, channel, old, new, outcome) =
            (s("address"), s("channel"), s("old_status"), s("new_status"), s("outcome"));
        let opt = |c: &arrow::array::StringArray, i: usize| c.is_valid(i).then(|| c.value(i).to_string());
        for i in 0..batch.num_rows() {
            rows.push((
                channel.value(i).to_string(),
                address.value(i).to_string(),
                opt(&old, i),
                opt(&new, i),
                at.value(i),
                outcome.value(i).to_string(),
            ));
        }
    }
    rows.sort();
    rows
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap()
}

fn s(text: &str) -> String {
    text.to_string()
}

#[test]
fn the_night_as_users_run_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    // Day 1's log, in no particular order, with the spellings exports have.
    write_log(
        &path("log1.parquet"),
        &[
            (" A@X.io ", "email", DAY1 - 2 * H, "Hard_Bounce", Some("user_unknown")),
            ("b@x.io", "email", DAY1 - 20 * H, "soft", Some("mailbox_full")),
            ("c@x.io", "EMAIL", DAY1 - 3 * H, "spam", None),
            ("+33 (0)6 12 34 56 78", "sms", DAY1 - H, "STOP", None),
            ("not an address", "email", DAY1 - H, "hard", None),
            ("b@x.io", "email", DAY1 + H, "hard", None), // after --as-of: not happened yet
            ("e@x.io", "email", DAY1 - 5 * H, "delivered", None),
        ],
    );
    let day1 = path("day1");
    let run =
        suppress(&["quarantine", "--log", p(&path("log1.parquet")), "--as-of", DAY1_TEXT, "--out", p(&day1), "-q"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(
        quarantine_rows(&day1),
        [
            (s("email"), s("a@x.io"), s("quarantined"), 1, Some(s("user_unknown"))),
            (s("email"), s("b@x.io"), s("erroneous"), 1, Some(s("mailbox_full"))),
            (s("email"), s("c@x.io"), s("denylisted"), 0, None),
            (s("sms"), s("+33612345678"), s("denylisted"), 0, None),
        ]
    );
    assert_eq!(change_rows(&day1).len(), 4);
    let log = &summary(&day1)["inputs"]["log"];
    assert_eq!((log["rows"].as_u64(), log["applied"].as_u64()), (Some(7), Some(5)));
    assert_eq!(log["ignored"]["future"], 1);
    assert_eq!(log["ignored"]["invalid_address"], 1);

    // Day 2: the previous night's output and the day's log, --since the previous --as-of.
    write_log(
        &path("log2.parquet"),
        &[
            ("c@x.io", "email", DAY1 - 3 * H, "spam", None), // already applied on day 1
            ("b@x.io", "email", DAY1 + 2 * H, "delivered", None),
            ("+33612345678", "sms", DAY1 + 3 * H, "start", None),
            ("a@x.io", "email", DAY1 + 4 * H, "soft", None),
            ("d@x.io", "email", DAY1 + 5 * H, "hard", Some("no_such_user")),
        ],
    );
    let day2 = path("day2");
    let night2 = |out: &Path, quarantine: &Path, since: &str| {
        suppress(&[
            "quarantine",
            "--quarantine",
            p(quarantine),
            "--log",
            p(&path("log2.parquet")),
            "--since",
            since,
            "--as-of",
            DAY2_TEXT,
            "--out",
            p(out),
            "-q",
        ])
    };
    let run = night2(&day2, &day1.join("quarantine.parquet"), DAY1_TEXT);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(
        quarantine_rows(&day2),
        [
            (s("email"), s("a@x.io"), s("quarantined"), 1, Some(s("user_unknown"))),
            (s("email"), s("c@x.io"), s("denylisted"), 0, None),
            (s("email"), s("d@x.io"), s("quarantined"), 1, Some(s("no_such_user"))),
        ]
    );
    assert_eq!(
        change_rows(&day2),
        [
            (s("email"), s("b@x.io"), Some(s("erroneous")), None, DAY1 + 2 * H, s("delivered")),
            (s("email"), s("d@x.io"), None, Some(s("quarantined")), DAY1 + 5 * H, s("hard")),
            (s("sms"), s("+33612345678"), Some(s("denylisted")), None, DAY1 + 3 * H, s("start")),
        ]
    );
    assert_eq!(summary(&day2)["inputs"]["log"]["ignored"]["already_applied"], 1);

    // Day 2 again on its own output, --since its --as-of: nothing changes.
    let again = path("day2-again");
    let run = night2(&again, &day2.join("quarantine.parquet"), DAY2_TEXT);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(change_rows(&again).is_empty());
    assert_eq!(quarantine_rows(&again), quarantine_rows(&day2));
    assert_eq!(
        std::fs::read(again.join("quarantine.parquet")).unwrap(),
        std::fs::read(day2.join("quarantine.parquet")).unwrap(),
        "the same table, byte for byte"
    );

    // Then the analysis reads day 2's output as it is.
    write_table(
        &path("profiles.parquet"),
        vec![
            ("profile_id", Arc::new(Int64Array::from(vec![1, 2, 3, 4]))),
            ("optout", suppress_testkit::bools(&[None; 4])),
            ("optout_email", suppress_testkit::bools(&[None; 4])),
            ("email", utf8(&[Some("a@x.io"), Some("b@x.io"), Some("c@x.io"), Some("d@x.io")])),
        ],
        10,
    );
    write_table(
        &path("targets.parquet"),
        vec![
            ("delivery_id", utf8(&[Some("n1"); 4])),
            ("profile_id", Arc::new(Int64Array::from(vec![1, 2, 3, 4]))),
            ("channel", utf8(&[Some("email"); 4])),
        ],
        10,
    );
    let out = path("analysis");
    let run = suppress(&[
        "analyze",
        "--profiles",
        p(&path("profiles.parquet")),
        "--targets",
        p(&path("targets.parquet")),
        "--quarantine",
        p(&day2.join("quarantine.parquet")),
        "--as-of",
        DAY2_TEXT,
        "--out",
        p(&out),
        "-q",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let reasons: Vec<(i64, String)> = read_outputs(&out).into_iter().map(|r| (r.2, r.3)).collect();
    assert_eq!(reasons, [(1, s("quarantined")), (2, s("kept")), (3, s("denylisted")), (4, s("quarantined"))]);
}

#[test]
fn current_state_columns_merge_and_expired_entries_drop() {
    let dir = tempfile::tempdir().unwrap();
    let current = dir.path().join("current.parquet");
    write_table(
        &current,
        vec![
            ("address", utf8(&[Some("a@x.io"), Some(" A@x.io"), Some("old@x.io"), Some("")])),
            ("channel", utf8(&[Some("email"); 4])),
            ("status", utf8(&[Some("quarantined"), Some("with_errors"), Some("denylisted"), Some("quarantined")])),
            ("expires_at", times(&[None, None, Some(DAY1 - D), None])),
            ("error_count", Arc::new(Int64Array::from(vec![Some(1), Some(7), None, None]))),
            ("last_error_at", times(&[Some(DAY1 - 3 * D), Some(DAY1 - D), None, None])),
            ("updated_at", times(&[Some(DAY1 - 3 * D), Some(DAY1 - D), None, None])),
            ("reason", utf8(&[Some("bounces"), Some("later"), None, None])),
        ],
        10,
    );
    let log = dir.path().join("log.parquet");
    write_log(&log, &[]);
    let out = dir.path().join("out");
    let run = suppress(&[
        "quarantine",
        "--quarantine",
        p(&current),
        "--log",
        p(&log),
        "--as-of",
        DAY1_TEXT,
        "--out",
        p(&out),
        "-q",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    // One entry: quarantined (the status of precedence), the largest counters, its own reason.
    assert_eq!(quarantine_rows(&out), [(s("email"), s("a@x.io"), s("quarantined"), 7, Some(s("bounces")))]);
    let dropped = &summary(&out)["inputs"]["quarantine"]["dropped"];
    assert_eq!((dropped["inactive"].as_u64(), dropped["missing_address"].as_u64()), (Some(1), Some(1)));
    // An expired entry is gone before the log: not a change.
    assert!(change_rows(&out).is_empty());
    let last_error = read_batches(&out.join("quarantine.parquet"))[0]
        .column_by_name("last_error_at")
        .unwrap()
        .as_primitive::<TimestampMicrosecondType>()
        .value(0);
    assert_eq!(last_error, DAY1 - D);
}

#[test]
fn bad_input_is_one_line_or_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.parquet");
    write_log(&log, &[("a@x.io", "email", DAY1 - H, "hard", None), ("b@x.io", "email", DAY1 - H, "bounced", None)]);
    let out = dir.path().join("out");
    let run = suppress(&["quarantine", "--log", p(&log), "--as-of", DAY1_TEXT, "--out", p(&out)]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let line = stderr(&run);
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(line.contains("column `outcome`, row 2: unknown outcome \"bounced\""), "{line}");
    assert!(!out.exists(), "a failed run left its output directory");

    let run =
        suppress(&["quarantine", "--log", p(&log), "--as-of", DAY1_TEXT, "--out", p(&out), "--skip-bad-rows", "-q"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(summary(&out)["inputs"]["log"]["bad_rows"]["outcome: unknown_outcome"], 1);
    assert_eq!(quarantine_rows(&out).len(), 1);

    // A negative error_count in the current table.
    let current = dir.path().join("current.parquet");
    write_table(
        &current,
        vec![
            ("address", utf8(&[Some("a@x.io")])),
            ("channel", utf8(&[Some("email")])),
            ("status", utf8(&[Some("quarantined")])),
            ("error_count", Arc::new(Int64Array::from(vec![-1]))),
        ],
        10,
    );
    let run =
        suppress(&["quarantine", "--quarantine", p(&current), "--log", p(&log), "--out", p(&dir.path().join("o2"))]);
    assert_eq!(run.status.code(), Some(1));
    assert!(stderr(&run).contains("column `error_count`, row 1: negative error_count -1"), "{}", stderr(&run));

    // The command line.
    let o3 = dir.path().join("o3");
    for bad in [
        ["--soft-limit", "0"],
        ["--soft-spacing", "0d"],
        ["--soft-spacing", "5m"],
        ["--error-reset", "-1d"],
        ["--since", "yesterday"],
    ] {
        let mut args = vec!["quarantine", "--log", p(&log), "--out", p(&o3)];
        args.extend(bad);
        let run = suppress(&args);
        assert_eq!(run.status.code(), Some(2), "{bad:?}: {}", stderr(&run));
        assert!(stderr(&run).contains(bad[0]), "{bad:?}: {}", stderr(&run));
    }
}

#[test]
fn inspect_knows_a_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.parquet");
    write_log(&log, &[("a@x.io", "email", DAY1, "hard", None)]);
    for args in [vec!["inspect", p(&log)], vec!["inspect", p(&log), "--as", "log"]] {
        let run = suppress(&args);
        assert!(run.status.success(), "{}", stderr(&run));
        let shown = String::from_utf8_lossy(&run.stdout).into_owned();
        assert!(shown.contains("as log"), "{shown}");
        for column in ["address", "channel", "at", "outcome", "reason"] {
            assert!(
                shown.lines().any(|l| l.trim_start().starts_with(column) && l.contains("ok (")),
                "{column}: {shown}"
            );
        }
        assert!(!shown.contains("memory:"), "analyze does not read the log: {shown}");
    }
}

#[test]
fn the_night_on_the_committed_sample() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let dir = tempfile::tempdir().unwrap();
    let q = dir.path().join("q");
    let run = suppress(&[
        "quarantine",
        "--quarantine",
        p(&data.join("quarantine.parquet")),
        "--log",
        p(&data.join("log.parquet")),
        "--since",
        "2026-10-31T00:00:00Z",
        "--as-of",
        "2026-11-01T00:00:00Z",
        "--default-country",
        "33",
        "--out",
        p(&q),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(stderr(&run).contains("changes: "), "{}", stderr(&run));
    let mut args = vec!["analyze".to_string()];
    args.extend(common::gen_inputs(&data));
    let quarantine = args.iter().position(|a| a == "--quarantine").unwrap() + 1;
    args[quarantine] = p(&q.join("quarantine.parquet")).to_string();
    args.extend(["--as-of", "2026-11-01T00:00:00Z", "--default-country", "33", "-q", "--out"].map(String::from));
    args.push(p(&dir.path().join("out")).to_string());
    let run = suppress(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(run.status.success(), "{}", stderr(&run));
    let counts = summary(&dir.path().join("out"))["totals"]["excluded"].clone();
    assert!(counts["quarantined"].as_u64().unwrap() > 0 && counts["denylisted"].as_u64().unwrap() > 0, "{counts}");
}

/// A log row of [`night_of`]: address, channel, at, outcome.
type RawLogRow<'a> = (Option<&'a str>, Option<&'a str>, Option<i64>, &'a str);

/// Runs the job on `log` with `extra` flags; returns the summary's log counts and the table.
fn night_of(dir: &Path, log: &[RawLogRow], nanos: bool, extra: &[&str]) -> (serde_json::Value, Vec<QuarantineRow>) {
    let path = dir.join("log.parquet");
    // `at` in nanoseconds (the writer's unit) or microseconds.
    let at: ArrayRef = if nanos {
        Arc::new(
            arrow::array::TimestampNanosecondArray::from(log.iter().map(|r| r.2).collect::<Vec<_>>())
                .with_timezone("UTC"),
        )
    } else {
        times(&log.iter().map(|r| r.2).collect::<Vec<_>>())
    };
    write_table(
        &path,
        vec![
            ("address", utf8(&log.iter().map(|r| r.0).collect::<Vec<_>>())),
            ("channel", utf8(&log.iter().map(|r| r.1).collect::<Vec<_>>())),
            ("at", at),
            ("outcome", utf8(&log.iter().map(|r| Some(r.3)).collect::<Vec<_>>())),
        ],
        10,
    );
    let out = dir.join("out");
    let mut args = vec!["quarantine", "--log", p(&path), "--out", p(&out), "-q"];
    args.extend(extra);
    let run = suppress(&args);
    assert!(run.status.success(), "{}", stderr(&run));
    (summary(&out)["inputs"]["log"].clone(), quarantine_rows(&out))
}

#[test]
fn times_are_truncated_to_microseconds_toward_the_past() {
    let dir = tempfile::tempdir().unwrap();
    let ns = |micros: i64, extra: i64| Some(micros * 1000 + extra);
    // --as-of with a fraction of a microsecond reads as DAY1 exactly.
    let as_of = "2026-11-23T00:00:00.000000999Z";
    let (log, table) = night_of(
        dir.path(),
        &[
            // 999 ns after DAY1: truncated to DAY1, so at --as-of: applies.
            (Some("a@x.io"), Some("email"), ns(DAY1, 999), "hard"),
            // 1 µs after: not happened yet.
            (Some("b@x.io"), Some("email"), ns(DAY1 + 1, 0), "hard"),
            // Before the epoch, toward the past: -1 ns is -1 µs.
            (Some("c@x.io"), Some("email"), Some(-1), "hard"),
        ],
        true,
        &["--as-of", as_of],
    );
    assert_eq!((log["applied"].as_u64(), log["ignored"]["future"].as_u64()), (Some(2), Some(1)));
    let addresses: Vec<&str> = table.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(addresses, ["a@x.io", "c@x.io"]);
    let batch = &read_batches(&dir.path().join("out/quarantine.parquet"))[0];
    let last = batch.column_by_name("last_error_at").unwrap().as_primitive::<TimestampMicrosecondType>().clone();
    assert_eq!((last.value(0), last.value(1)), (DAY1, -1));
}

#[test]
fn stop_and_start_are_accepted_on_every_channel() {
    let addresses = [
        ("email", "a@x.io"),
        ("sms", "+33612345678"),
        ("phone", "+33612345679"),
        ("fax", "+33612345670"),
        ("push", "token-1"),
        ("direct_mail", "1 rue de la paix 75002 paris"),
    ];
    // A STOP on each channel denylists its address; a START an hour later lifts the second
    // half's (both aliases, spelled as an SMS gateway may).
    let mut rows = Vec::new();
    for (k, &(channel, address)) in addresses.iter().enumerate() {
        rows.push((
            Some(address),
            Some(channel),
            Some(DAY1 - 2 * H),
            if k % 2 == 0 { "stop" } else { "Unsubscribe_Keyword" },
        ));
        if k >= 3 {
            rows.push((Some(address), Some(channel), Some(DAY1 - H), if k % 2 == 0 { "start" } else { " UNSTOP" }));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let (log, table) = night_of(dir.path(), &rows, false, &["--as-of", DAY1_TEXT, "--default-country", "33"]);
    assert_eq!(log["applied"], 9);
    let denylisted: Vec<(&str, &str)> =
        table.iter().filter(|r| r.2 == "denylisted").map(|r| (r.0.as_str(), r.1.as_str())).collect();
    let mut expected: Vec<(&str, &str)> = addresses[..3].to_vec();
    expected.sort();
    assert_eq!(denylisted, expected);
    assert_eq!(table.len(), 3, "{table:?}");
}

#[test]
fn delivered_start_and_ignored_rows_are_counted_under_the_same_first_cause() {
    // `delivered` and `start` rows are counted by the log's second pass, `ignored` ones by the
    // first: each under the same first cause as any other row, and bad rows only once.
    for outcome in ["delivered", "sent", "start", "ignored"] {
        let dir = tempfile::tempdir().unwrap();
        let rows = [
            (Some("a@x.io"), None, Some(DAY1 - H), outcome),
            (Some("a@x.io"), Some("mail"), Some(DAY1 - H), outcome),
            (Some("a@x.io"), Some("email"), None, outcome),
            (Some("not valid"), Some("email"), Some(DAY1 + H), outcome),
            (None, Some("email"), Some(DAY1 - 2 * D), outcome),
            (Some("b@x.io"), Some("email"), Some(DAY1 - D), outcome),
            (Some("C@X.io "), Some("EMAIL"), Some(DAY1 - D + 1), outcome),
            (Some(" "), Some("email"), Some(DAY1 - H), outcome),
            (Some("x@"), Some("email"), Some(DAY1 - H), outcome),
        ];
        let since = "2026-11-22T00:00:00Z";
        let (log, table) =
            night_of(dir.path(), &rows, false, &["--as-of", DAY1_TEXT, "--since", since, "--skip-bad-rows"]);
        assert_eq!((log["rows"].as_u64(), log["applied"].as_u64()), (Some(9), Some(1)), "{outcome}");
        let ignored = &log["ignored"];
        let causes = ["bad_row", "future", "already_applied", "missing_address", "invalid_address"];
        assert_eq!(causes.map(|c| ignored[c].as_u64().unwrap()), [3, 1, 2, 1, 1], "{outcome}");
        assert_eq!(log["bad_rows"]["channel: null"], 1, "{outcome}");
        assert_eq!(log["bad_rows"]["channel: unknown_channel"], 1, "{outcome}");
        assert_eq!(log["bad_rows"]["at: null"], 1, "{outcome}");
        // None of these outcomes opens an entry.
        assert!(table.is_empty(), "{outcome}");
    }
}

#[test]
fn each_log_row_is_counted_under_the_first_cause_that_applies() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        (Some("a@x.io"), None, Some(DAY1 - H), "hard"), // null channel: bad row
        (Some("a@x.io"), Some("mail"), Some(DAY1 - H), "hard"), // unknown channel: bad row
        (Some("a@x.io"), Some("email"), None, "hard"),  // null at: bad row
        (Some("not valid"), Some("email"), Some(DAY1 + H), "hard"), // future before invalid
        (None, Some("email"), Some(DAY1 - 2 * D), "hard"), // already applied before missing
        (Some("b@x.io"), Some("email"), Some(DAY1 - D), "hard"), // exactly at --since: already applied
        (Some("c@x.io"), Some("email"), Some(DAY1 - D + 1), "hard"), // 1 µs after --since: applies
        (Some(" "), Some("email"), Some(DAY1 - H), "hard"), // empty after trimming: missing
        (Some("x@"), Some("email"), Some(DAY1 - H), "hard"), // invalid
    ];
    let since = "2026-11-22T00:00:00Z";
    let (log, table) = night_of(dir.path(), &rows, false, &["--as-of", DAY1_TEXT, "--since", since, "--skip-bad-rows"]);
    assert_eq!(log["rows"], 9);
    assert_eq!(log["applied"], 1);
    let ignored = &log["ignored"];
    assert_eq!(
        [
            &ignored["bad_row"],
            &ignored["future"],
            &ignored["already_applied"],
            &ignored["missing_address"],
            &ignored["invalid_address"]
        ],
        [3, 1, 2, 1, 1]
    );
    assert_eq!(log["bad_rows"]["channel: null"], 1);
    assert_eq!(log["bad_rows"]["channel: unknown_channel"], 1);
    assert_eq!(log["bad_rows"]["at: null"], 1);
    assert_eq!(table.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(), ["c@x.io"]);

    // Without --skip-bad-rows the first bad row stops the run, naming file, column and row.
    let run =
        suppress(&["quarantine", "--log", p(&dir.path().join("log.parquet")), "--out", p(&dir.path().join("o2"))]);
    assert_eq!(run.status.code(), Some(1));
    assert!(stderr(&run).contains("log.parquet: column `channel`, row 1: null value"), "{}", stderr(&run));

    // A --since later than --as-of is allowed: every row is then ignored.
    let later = tempfile::tempdir().unwrap();
    let (log, table) = night_of(later.path(), &rows[3..], false, &["--as-of", since, "--since", DAY1_TEXT]);
    assert_eq!(log["applied"], 0);
    assert!(table.is_empty());
}

#[test]
fn the_outputs_have_the_contracts_types() {
    let dir = tempfile::tempdir().unwrap();
    night_of(dir.path(), &[(Some("a@x.io"), Some("email"), Some(DAY1 - H), "hard")], false, &["--as-of", DAY1_TEXT]);
    let out = dir.path().join("out");
    let ts = "Timestamp(µs, \"UTC\")";
    let types = |file: &str| -> Vec<(String, String, bool)> {
        let batch = &read_batches(&out.join(file))[0];
        batch.schema().fields().iter().map(|f| (f.name().clone(), f.data_type().to_string(), f.is_nullable())).collect()
    };
    let t = |name: &str, ty: &str, nullable: bool| (name.to_string(), ty.to_string(), nullable);
    assert_eq!(
        types("quarantine.parquet"),
        [
            t("address", "Utf8", false),
            t("channel", "Utf8", false),
            t("status", "Utf8", false),
            t("error_count", "Int32", false),
            t("last_error_at", ts, true),
            t("expires_at", ts, true),
            t("updated_at", ts, true),
            t("reason", "Utf8", true),
        ]
    );
    assert_eq!(
        types("changes.parquet"),
        [
            t("address", "Utf8", false),
            t("channel", "Utf8", false),
            t("old_status", "Utf8", true),
            t("new_status", "Utf8", true),
            t("at", ts, false),
            t("outcome", "Utf8", false),
        ]
    );
}

/// The job keeps a `delivered` row only once it knows its address has an entry or a bounce:
/// the row must still count when the bounce comes later in the file (another row group), in
/// either order of time.
#[test]
fn a_delivery_listed_before_its_addresss_bounce_still_counts() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.parquet");
    write_log(
        &log,
        &[
            ("cleared@x.io", "email", DAY1 - 2 * H, "delivered", None),
            ("kept@x.io", "email", DAY1 - 8 * H, "delivered", None),
            ("quiet@x.io", "email", DAY1 - 8 * H, "ignored", None),
            ("only-delivered@x.io", "email", DAY1 - 8 * H, "sent", None),
            ("kept@x.io", "email", DAY1 - 5 * H, "soft", Some("mailbox_full")),
            ("cleared@x.io", "email", DAY1 - 5 * H, "soft", Some("mailbox_full")),
        ],
    );
    let out = dir.path().join("out");
    let run = suppress(&["quarantine", "--log", p(&log), "--as-of", DAY1_TEXT, "--out", p(&out), "-q"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(
        quarantine_rows(&out),
        vec![(s("email"), s("kept@x.io"), s("erroneous"), 1, Some(s("mailbox_full")))],
        "the soft after kept@'s delivery counts; cleared@'s later delivery clears it"
    );
    assert_eq!(
        change_rows(&out),
        vec![(s("email"), s("kept@x.io"), None, Some(s("erroneous")), DAY1 - 5 * H, s("soft"))]
    );
    assert_eq!(summary(&out)["inputs"]["log"]["applied"], 6);
}
