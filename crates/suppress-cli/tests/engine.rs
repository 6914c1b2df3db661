//! `suppress analyze --engine datafusion`: the same rows and counts as the native engine, from
//! the command line, on the committed sample (every table) and on bad input. Built and run
//! with `--features datafusion` (as `.ci/run` does).
#![cfg(feature = "datafusion")]

use std::path::Path;

use suppress_testkit::{i64s, read_outputs, utf8, write_table};

mod common;

use common::{p, stderr, suppress};

fn data() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data").to_str().unwrap().to_string()
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

fn lines(summary: &serde_json::Value) -> Vec<serde_json::Value> {
    let mut lines = summary["deliveries"].as_array().unwrap().clone();
    lines.sort_by_key(|d| (d["delivery_id"].to_string(), d["channel"].to_string()));
    lines
}

#[test]
fn the_sample_night_gives_the_native_rows_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    for extra in [&[][..], &["--propagate-optout", "--cap", "email:1/7d", "--cap", "all:2/30d"][..]] {
        let (native, datafusion) = (dir.path().join("native"), dir.path().join("datafusion"));
        for (out, engine) in [(&native, "native"), (&datafusion, "datafusion")] {
            let data = data();
            let mut args = vec![
                "analyze",
                "--inputs",
                &data,
                "--default-country",
                "33",
                "--as-of",
                "2026-11-01T00:00:00Z",
                "--exported-at",
                "2026-10-31T00:00:00Z",
                "--engine",
                engine,
                "-q",
                "--out",
                p(out),
            ];
            args.extend_from_slice(extra);
            let run = suppress(&args);
            assert!(run.status.success(), "{engine} {extra:?}: {}", stderr(&run));
        }
        assert_eq!(read_outputs(&native), read_outputs(&datafusion), "{extra:?}");
        let (n, d) = (summary(&native), summary(&datafusion));
        assert_eq!(lines(&n), lines(&d), "{extra:?}");
        for key in ["totals", "inputs", "consent", "warnings", "pressure"] {
            assert_eq!(n[key], d[key], "{extra:?}: {key}");
        }
        assert_eq!(d["engine"], "datafusion");
        assert!(
            !std::fs::read_dir(&datafusion).unwrap().any(|e| e.unwrap().file_name().to_string_lossy().starts_with('.')),
            "no staging directory is left behind"
        );
    }
}

#[test]
fn bad_rows_fail_with_the_file_column_row_and_value_or_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profiles.parquet");
    let targets = dir.path().join("targets.parquet");
    write_table(
        &profiles,
        vec![
            ("profile_id", i64s(&[1, 2, 3])),
            ("optout", suppress_testkit::bools(&[Some(false), None, Some(false)])),
            ("optout_email", suppress_testkit::bools(&[None, None, None])),
            ("email", utf8(&[Some("a@b.co"), Some("c@d.co"), Some("A@B.CO")])),
        ],
        1024,
    );
    write_table(
        &targets,
        vec![
            ("delivery_id", utf8(&[Some("d"), Some("d"), Some("d"), None])),
            ("profile_id", i64s(&[1, 2, 3, 1])),
            ("channel", utf8(&[Some("email"), Some("Email "), Some("mail"), Some("email")])),
        ],
        1024,
    );
    let out = dir.path().join("out");
    let args = ["analyze", "--profiles", p(&profiles), "--targets", p(&targets), "--engine", "datafusion", "-q"];
    let run = suppress(&[&args[..], &["--out", p(&out)]].concat());
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let message = stderr(&run);
    assert!(
        message.contains(&format!("{}: column `channel`, row 3: unknown channel \"mail\"", p(&targets))),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(!out.join("summary.json").exists(), "no output on failure");

    let run = suppress(&[&args[..], &["--skip-bad-rows", "--out", p(&out)]].concat());
    assert!(run.status.success(), "{}", stderr(&run));
    let s = summary(&out);
    assert_eq!(s["inputs"]["targets"]["bad_rows"]["channel: unknown_channel"], 1);
    assert_eq!(s["inputs"]["targets"]["bad_rows"]["delivery_id: null"], 1);
    let rows = read_outputs(&out);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r.3 == "kept"), "{rows:?}");
}
