//! Bad input never costs data: every case gives one short line naming the file (and column,
//! row and value where they apply), the right exit code, and no output; `--skip-bad-rows`
//! skips and counts row-level cases; outputs are all or nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array};
use suppress_testkit::{bools, i64s, read_batches, utf8, write_table};

mod common;

use common::{gen_inputs, p, suppress};

/// A valid set of inputs that individual tests overwrite one table of.
struct Inputs {
    dir: tempfile::TempDir,
}

impl Inputs {
    fn new() -> Inputs {
        let inputs = Inputs { dir: tempfile::tempdir().unwrap() };
        inputs.profiles(vec![
            ("profile_id", i64s(&[1, 2, 3])),
            ("optout", bools(&[Some(false); 3])),
            ("optout_email", bools(&[Some(false); 3])),
            ("email", utf8(&[Some("a@x.io"), Some("b@x.io"), Some("c@x.io")])),
        ]);
        inputs.targets(vec![
            ("delivery_id", utf8(&[Some("d"); 3])),
            ("profile_id", i64s(&[1, 2, 3])),
            ("channel", utf8(&[Some("email"); 3])),
        ]);
        inputs.quarantine(vec![
            ("address", utf8(&[Some("c@x.io")])),
            ("channel", utf8(&[Some("email")])),
            ("status", utf8(&[Some("quarantined")])),
        ]);
        inputs
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn profiles(&self, columns: Vec<(&str, ArrayRef)>) {
        write_table(&self.path("profiles.parquet"), columns, 2);
    }

    fn targets(&self, columns: Vec<(&str, ArrayRef)>) {
        write_table(&self.path("targets.parquet"), columns, 2);
    }

    fn quarantine(&self, columns: Vec<(&str, ArrayRef)>) {
        write_table(&self.path("quarantine.parquet"), columns, 2);
    }

    fn out(&self) -> PathBuf {
        self.path("out")
    }

    fn run(&self, extra: &[&str]) -> Output {
        let (pf, tf, qf, out) =
            (self.path("profiles.parquet"), self.path("targets.parquet"), self.path("quarantine.parquet"), self.out());
        let mut args =
            vec!["analyze", "--profiles", p(&pf), "--targets", p(&tf), "--quarantine", p(&qf), "--out", p(&out)];
        args.extend_from_slice(extra);
        suppress(&args)
    }

    /// Runs and checks a failure: exit code, one line containing every needle, no outputs.
    fn fails(&self, extra: &[&str], code: i32, needles: &[&str]) -> String {
        let run = self.run(extra);
        let err = String::from_utf8_lossy(&run.stderr).into_owned();
        assert_eq!(run.status.code(), Some(code), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
        assert!(err.starts_with("suppress: error: "), "{err}");
        for needle in needles {
            assert!(err.contains(needle), "{needle:?} not in: {err}");
        }
        assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{err}");
        // The message says each thing once (a source error is not appended to a message that
        // already quotes it).
        let body = err.trim_start_matches("suppress: error: ").trim_end();
        let head: String = body.chars().take(40).collect();
        assert_eq!(body.matches(&head).count(), 1, "message repeats itself: {err}");
        // Shown with --nocapture: the exact lines users see, for docs and review.
        print!("exit {code}: {err}");
        if self.out().exists() {
            let left: Vec<_> = std::fs::read_dir(self.out()).unwrap().flatten().map(|e| e.file_name()).collect();
            assert!(left.is_empty(), "output left behind: {left:?}");
        }
        err
    }

    fn succeeds(&self, extra: &[&str]) -> serde_json::Value {
        let run = self.run(extra);
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        serde_json::from_slice(&std::fs::read(self.out().join("summary.json")).unwrap()).unwrap()
    }
}

#[test]
fn paths_that_are_not_parquet() {
    let inputs = Inputs::new();
    let pf = inputs.path("profiles.parquet");
    let valid = std::fs::read(&pf).unwrap();
    let empty_dir = inputs.path("empty");
    std::fs::create_dir(&empty_dir).unwrap();
    std::fs::write(empty_dir.join("notes.txt"), "x").unwrap();
    let run = suppress(&[
        "analyze",
        "--profiles",
        p(&empty_dir),
        "--targets",
        p(&inputs.path("targets.parquet")),
        "--out",
        p(&inputs.out()),
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("no Parquet files"));

    std::fs::write(&pf, b"").unwrap();
    inputs.fails(&[], 1, &["profiles.parquet", "not a readable Parquet file"]);
    std::fs::write(&pf, &valid[..valid.len() / 2]).unwrap();
    inputs.fails(&[], 1, &["profiles.parquet", "not a readable Parquet file"]);
    std::fs::write(&pf, b"profile_id,email\n1,a@x.io\n").unwrap();
    inputs.fails(&[], 1, &["profiles.parquet"]);
    // Footer intact, data pages garbled: a decode error naming the row group.
    let mut garbled = valid.clone();
    for byte in &mut garbled[4..valid.len() / 3] {
        *byte = 0xAB;
    }
    std::fs::write(&pf, &garbled).unwrap();
    inputs.fails(&[], 1, &["profiles.parquet"]);
    // A file on which the Parquet decoder itself panics (found by fuzzing).
    let corrupt =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../suppress-load/tests/corrupt/rle-shift-overflow.parquet");
    std::fs::write(&pf, &valid).unwrap();
    std::fs::copy(corrupt, inputs.path("quarantine.parquet")).unwrap();
    inputs.fails(&[], 1, &["quarantine.parquet", "row group 0"]);
}

#[test]
fn missing_required_columns() {
    let cases: Vec<(&str, &str, &[&str])> = vec![
        ("profiles", "profile_id", &[]),
        ("profiles", "optout", &[]),
        ("profiles", "optout_email", &[]),
        ("profiles", "email", &[]),
        ("targets", "delivery_id", &[]),
        ("targets", "profile_id", &[]),
        ("targets", "channel", &[]),
        ("quarantine", "address", &[]),
        ("quarantine", "channel", &[]),
        ("quarantine", "status", &[]),
    ];
    for (table, column, extra) in cases {
        let inputs = Inputs::new();
        let file = inputs.path(&format!("{table}.parquet"));
        let batch = &read_batches(&file)[0];
        let schema = batch.schema();
        let kept: Vec<(String, ArrayRef)> = schema
            .fields()
            .iter()
            .zip(batch.columns())
            .filter(|(f, _)| f.name() != column)
            .map(|(f, a)| (f.name().to_string(), a.clone()))
            .collect();
        write_table(&file, kept.iter().map(|(n, a)| (n.as_str(), a.clone())).collect(), 2);
        inputs.fails(extra, 1, &[&format!("{table}.parquet"), &format!("missing required column `{column}`")]);
    }
}

#[test]
fn channel_flag_makes_the_channel_column_optional_and_optout_can_be_allowed_missing() {
    let inputs = Inputs::new();
    inputs.targets(vec![("delivery_id", utf8(&[Some("d"); 2])), ("profile_id", i64s(&[1, 2]))]);
    inputs.profiles(vec![("profile_id", i64s(&[1, 2])), ("email", utf8(&[Some("a@x.io"), Some("b@x.io")]))]);
    inputs.fails(&["--channel", "email"], 1, &["missing required column `optout`"]);
    let summary = inputs.succeeds(&["--channel", "email", "--allow-missing-optout"]);
    assert_eq!(summary["totals"]["kept"], 2);
    assert_eq!(summary["warnings"].as_array().unwrap().len(), 2);
}

#[test]
fn columns_of_unusable_types_name_found_and_accepted() {
    let inputs = Inputs::new();
    inputs.profiles(vec![
        ("profile_id", utf8(&[Some("1"), Some("2"), Some("3")])),
        ("optout", bools(&[Some(false); 3])),
        ("optout_email", bools(&[Some(false); 3])),
        ("email", utf8(&[Some("a@x.io"); 3])),
    ]);
    inputs.fails(&[], 1, &["profiles.parquet", "`profile_id`", "type Utf8", "expected an integer"]);

    let inputs = Inputs::new();
    inputs.profiles(vec![
        ("profile_id", i64s(&[1, 2, 3])),
        ("optout", Arc::new(Float64Array::from(vec![0.0, 1.0, 0.0])) as ArrayRef),
        ("optout_email", bools(&[Some(false); 3])),
        ("email", utf8(&[Some("a@x.io"); 3])),
    ]);
    inputs.fails(&[], 1, &["`optout`", "type Float64", "Boolean or an integer"]);

    let inputs = Inputs::new();
    inputs.profiles(vec![
        ("profile_id", i64s(&[1, 2, 3])),
        ("optout", bools(&[Some(false); 3])),
        ("optout_email", utf8(&[Some("no"); 3])),
        ("email", utf8(&[Some("a@x.io"); 3])),
    ]);
    inputs.fails(&[], 1, &["`optout_email`", "type Utf8"]);

    let inputs = Inputs::new();
    inputs.targets(vec![
        ("delivery_id", Arc::new(Float64Array::from(vec![1.0, 1.0, 1.0])) as ArrayRef),
        ("profile_id", i64s(&[1, 2, 3])),
        ("channel", utf8(&[Some("email"); 3])),
    ]);
    inputs.fails(&[], 1, &["targets.parquet", "`delivery_id`", "Float64", "a string or an integer"]);

    let inputs = Inputs::new();
    inputs.quarantine(vec![
        ("address", utf8(&[Some("c@x.io")])),
        ("channel", utf8(&[Some("email")])),
        ("status", utf8(&[Some("quarantined")])),
        ("expires_at", utf8(&[Some("2027-01-01")])),
    ]);
    inputs.fails(&[], 1, &["quarantine.parquet", "`expires_at`", "type Utf8", "timestamp"]);
}

#[test]
fn bad_rows_fail_with_file_row_and_value_or_are_skipped_and_counted() {
    // (table, columns, error needles, summary bad_rows key)
    type Case = (&'static str, Vec<(&'static str, ArrayRef)>, Vec<&'static str>, &'static str);
    let cases: Vec<Case> = vec![
        (
            "profiles",
            vec![
                ("profile_id", Arc::new(Int64Array::from(vec![Some(1), None, Some(3)])) as ArrayRef),
                ("optout", bools(&[Some(false); 3])),
                ("optout_email", bools(&[Some(false); 3])),
                ("email", utf8(&[Some("a@x.io"), Some("b@x.io"), Some("c@x.io")])),
            ],
            vec!["profiles.parquet", "`profile_id`", "row 2", "null"],
            "profile_id: null",
        ),
        (
            "targets",
            vec![
                ("delivery_id", utf8(&[Some("d"); 3])),
                ("profile_id", i64s(&[1, -5, 3])),
                ("channel", utf8(&[Some("email"); 3])),
            ],
            vec!["targets.parquet", "`profile_id`", "row 2", "-5"],
            "profile_id: out_of_range",
        ),
        (
            "targets",
            vec![
                ("delivery_id", utf8(&[Some("d"); 3])),
                ("profile_id", i64s(&[1, 2, 3])),
                ("channel", utf8(&[Some("email"), Some("email"), Some("carrier pigeon")])),
            ],
            vec!["targets.parquet", "`channel`", "row 3", "unknown channel \"carrier pigeon\""],
            "channel: unknown_channel",
        ),
        (
            "targets",
            vec![
                ("delivery_id", utf8(&[None, Some("d"), Some("d")])),
                ("profile_id", i64s(&[1, 2, 3])),
                ("channel", utf8(&[Some("email"); 3])),
            ],
            vec!["targets.parquet", "`delivery_id`", "row 1", "null"],
            "delivery_id: null",
        ),
        (
            "quarantine",
            vec![
                ("address", utf8(&[Some("c@x.io"), Some("b@x.io")])),
                ("channel", utf8(&[Some("email"), Some("e-mail")])),
                ("status", utf8(&[Some("quarantined"), Some("quarantined")])),
            ],
            vec!["quarantine.parquet", "`channel`", "row 2", "unknown channel \"e-mail\""],
            "channel: unknown_channel",
        ),
        (
            "quarantine",
            vec![
                ("address", utf8(&[Some("c@x.io"), Some("b@x.io")])),
                ("channel", utf8(&[Some("email"), Some("email")])),
                ("status", utf8(&[Some("quarantined"), Some("White Listed")])),
            ],
            vec!["quarantine.parquet", "`status`", "row 2", "unknown status \"White Listed\""],
            "status: unknown_status",
        ),
        (
            "quarantine",
            vec![
                ("address", utf8(&[Some("c@x.io"), Some("b@x.io")])),
                ("channel", utf8(&[Some("email"), Some("email")])),
                ("status", utf8(&[Some("quarantined"), None])),
            ],
            vec!["quarantine.parquet", "`status`", "row 2", "null"],
            "status: null",
        ),
    ];
    for (table, columns, needles, key) in cases {
        let inputs = Inputs::new();
        write_table(&inputs.path(&format!("{table}.parquet")), columns, 2);
        inputs.fails(&[], 1, &needles);
        let summary = inputs.succeeds(&["--skip-bad-rows"]);
        assert_eq!(summary["inputs"][table]["bad_rows"][key], 1, "{table} {key}: {summary}");
    }
}

#[test]
fn duplicate_profile_id_skipped_drops_every_row_of_it() {
    let inputs = Inputs::new();
    inputs.profiles(vec![
        ("profile_id", i64s(&[1, 2, 1, 1])),
        ("optout", bools(&[Some(false); 4])),
        ("optout_email", bools(&[Some(false); 4])),
        ("email", utf8(&[Some("a@x.io"), Some("b@x.io"), Some("c@x.io"), Some("d@x.io")])),
    ]);
    inputs.fails(&[], 1, &["profiles.parquet", "row 3", "duplicate profile_id 1"]);
    let summary = inputs.succeeds(&["--skip-bad-rows"]);
    assert_eq!(summary["inputs"]["profiles"]["bad_rows"]["profile_id: duplicate_id"], 3);
    assert_eq!(summary["deliveries"][0]["excluded"]["unknown_profile"], 2); // ids 1 and 3
    assert_eq!(summary["deliveries"][0]["kept"], 1);
}

#[test]
fn usage_errors_exit_2() {
    let inputs = Inputs::new();
    inputs.fails(&["--as-of", "2026-13-01T00:00:00Z"], 2, &["--as-of"]);
    inputs.fails(&["--default-country", "3333"], 2, &["--default-country", "1 to 3 digits"]);
    inputs.fails(&["--channel", "carrier pigeon"], 2, &["--channel", "email, sms, phone, fax, push, direct_mail"]);
    inputs.fails(&["--preset", "salesforce"], 2, &["--preset"]);
    inputs.fails(&["--map", "profiles.mail=x"], 2, &["profile_id, optout"]);
}

#[test]
fn a_failed_run_keeps_the_previous_outputs_and_leaves_no_temporaries() {
    let inputs = Inputs::new();
    inputs.succeeds(&[]);
    let before: Vec<(PathBuf, Vec<u8>)> = ["recipients.parquet", "exclusions.parquet", "summary.json"]
        .iter()
        .map(|f| (inputs.out().join(f), std::fs::read(inputs.out().join(f)).unwrap()))
        .collect();
    let input_bytes = std::fs::read(inputs.path("targets.parquet")).unwrap();
    // A bad row in quarantine fails the run after targets and profiles were read.
    inputs.quarantine(vec![
        ("address", utf8(&[Some("c@x.io")])),
        ("channel", utf8(&[Some("email")])),
        ("status", utf8(&[Some("gone")])),
    ]);
    let run = inputs.run(&[]);
    assert_eq!(run.status.code(), Some(1));
    for (path, bytes) in &before {
        assert_eq!(&std::fs::read(path).unwrap(), bytes, "{} changed", path.display());
    }
    let names: Vec<String> = std::fs::read_dir(inputs.out())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    // Inputs are never touched.
    assert_eq!(std::fs::read(inputs.path("targets.parquet")).unwrap(), input_bytes);
}

/// Counts the rows of a Parquet output.
fn rows_of(path: &Path) -> u64 {
    read_batches(path).iter().map(|b| b.num_rows() as u64).sum()
}

#[test]
fn killed_runs_never_leave_a_set_that_looks_complete_but_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(suppress(&["gen", "--out", p(&data), "--profiles", "200000", "--seed", "3"]).status.success());
    let out = dir.path().join("out");
    let args = |channel: Option<&'static str>| {
        let mut a = vec!["analyze".to_string()];
        a.extend(gen_inputs(&data));
        a.extend(["--out", p(&out), "--default-country", "33"].map(String::from));
        if let Some(c) = channel {
            a.extend(["--channel".to_string(), c.to_string()]);
        }
        a
    };
    // A complete earlier set, from a run that reads every row as email.
    assert!(Command::new(env!("CARGO_BIN_EXE_suppress")).args(args(Some("email"))).status().unwrap().success());
    for delay_ms in [0u64, 20, 60, 120, 250, 400, 700] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_suppress"))
            .args(args(None))
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let summary_path = out.join("summary.json");
        if summary_path.exists() {
            // The marker exists: the three files must be one run's complete set.
            let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(&summary_path).unwrap()).unwrap();
            let targeted = summary["totals"]["targeted"].as_u64().unwrap();
            let kept = summary["totals"]["kept"].as_u64().unwrap();
            assert_eq!(rows_of(&out.join("recipients.parquet")), kept, "after {delay_ms} ms");
            assert_eq!(rows_of(&out.join("exclusions.parquet")), targeted - kept, "after {delay_ms} ms");
        }
    }
    // The next run removes what killed runs left and writes a complete set.
    assert!(Command::new(env!("CARGO_BIN_EXE_suppress")).args(args(None)).status().unwrap().success());
    let names: Vec<String> =
        std::fs::read_dir(&out).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
}

#[test]
fn sigbus_from_a_shrinking_input_is_a_one_line_error() {
    let inputs = Inputs::new();
    // A run that is still reading when the signal arrives: stdin-free, so we pause it with a
    // large generated input instead.
    let data = inputs.path("data");
    assert!(suppress(&["gen", "--out", p(&data), "--profiles", "300000", "--seed", "1"]).status.success());
    let child = Command::new(env!("CARGO_BIN_EXE_suppress"))
        .args([
            "analyze",
            "--profiles",
            p(&data.join("profiles.parquet")),
            "--targets",
            p(&data.join("targets.parquet")),
            "--out",
            p(&inputs.out()),
            "--threads",
            "1",
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(30));
    // SAFETY: sends a signal to our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGBUS) };
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("truncated or replaced while it was being read"), "{err}");
    assert!(!inputs.out().join("summary.json").exists());
}
