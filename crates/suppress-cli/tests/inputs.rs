//! `--inputs DIR` and directory tables: hive partition folders, skipped `_`/`.` folders, each
//! file read with its own schema.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, DictionaryArray, Int32Array};
use arrow::datatypes::Int8Type;
use suppress_testkit::{bools, i64s, read_outputs, utf8, write_table};

mod common;

use common::{p, stderr, suppress};

fn profiles(path: &Path) {
    write_table(
        path,
        vec![
            ("profile_id", i64s(&[1, 2, 3])),
            ("optout", bools(&[Some(false), Some(false), Some(false)])),
            ("optout_email", bools(&[Some(false), Some(false), Some(false)])),
            ("email", utf8(&[Some("a@x.io"), Some("b@x.io"), Some("c@x.io")])),
        ],
        10,
    );
}

fn mkdir(path: &Path) -> &Path {
    std::fs::create_dir_all(path).unwrap();
    path
}

fn analyze(args: &[&str]) -> std::process::Output {
    let mut full = vec!["analyze"];
    full.extend_from_slice(args);
    suppress(&full)
}

/// Targets partitioned as Spark writes them: `delivery_id=.../channel=.../part-*.parquet`,
/// with Spark's and DuckDB's scratch folders next to them.
#[test]
fn hive_partitions_become_columns_and_scratch_folders_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("export");
    profiles(&mkdir(&inputs).join("profiles.parquet"));
    let targets = inputs.join("targets");
    let only_ids = |path: &Path, ids: &[i64]| write_table(path, vec![("profile_id", i64s(ids))], 10);
    only_ids(&mkdir(&targets.join("delivery_id=black%20friday/channel=EMAIL")).join("part-0.parquet"), &[1, 2]);
    only_ids(&mkdir(&targets.join("delivery_id=a%2fb%2F/channel=email")).join("part-0.parquet"), &[3]);
    only_ids(&mkdir(&targets.join("delivery_id=/channel=email")).join("part-0.parquet"), &[1]);
    only_ids(&mkdir(&targets.join("delivery_id=x+y%zz/channel=email")).join("part-0.parquet"), &[2]);
    // A partition column that a file holds itself: the file's column wins.
    write_table(
        &mkdir(&targets.join("delivery_id=ignored/channel=email")).join("part-0.parquet"),
        vec![("profile_id", i64s(&[3])), ("delivery_id", utf8(&[Some("own")]))],
        10,
    );
    for scratch in ["_temporary/0", ".staging", "delivery_id=d/_SUCCESS_dir"] {
        std::fs::write(mkdir(&targets.join(scratch)).join("part-9.parquet"), b"not parquet").unwrap();
    }
    std::fs::write(targets.join("_SUCCESS"), b"").unwrap();
    let out = dir.path().join("out");
    let run = analyze(&["--inputs", p(&inputs), "--out", p(&out)]);
    assert!(run.status.success(), "{}", stderr(&run));
    let ids: Vec<(String, String, i64)> = read_outputs(&out).into_iter().map(|r| (r.0, r.1, r.2)).collect();
    let row = |d: &str, id| (d.to_string(), "email".to_string(), id);
    let mut expected = vec![
        row("", 1),
        row("a/b/", 3),
        row("black friday", 1),
        row("black friday", 2),
        row("own", 3),
        row("x+y%zz", 2),
    ];
    expected.sort();
    assert_eq!(ids, expected);
}

#[test]
fn the_null_partition_is_a_null_value_and_a_partition_stands_for_an_id_column() {
    let dir = tempfile::tempdir().unwrap();
    profiles(&dir.path().join("profiles.parquet"));
    let targets = dir.path().join("targets");
    let write = |folder: &str| {
        write_table(
            &mkdir(&targets.join(folder)).join("part-0.parquet"),
            vec![("delivery_id", utf8(&[Some("d")])), ("channel", utf8(&[Some("email")]))],
            10,
        )
    };
    write("profile_id=2");
    write("profile_id=__HIVE_DEFAULT_PARTITION__");
    let out = dir.path().join("out");
    let profiles_path = dir.path().join("profiles.parquet");
    let args = ["--profiles", p(&profiles_path), "--targets", p(&targets), "--out", p(&out)];
    let run = analyze(&args);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let err = stderr(&run);
    assert!(
        err.contains("profile_id=__HIVE_DEFAULT_PARTITION__/part-0.parquet: column `profile_id`, row 1: null value"),
        "{err}"
    );
    let mut skipping = args.to_vec();
    skipping.push("--skip-bad-rows");
    let run = analyze(&skipping);
    assert!(run.status.success(), "{}", stderr(&run));
    let rows = read_outputs(&out);
    assert_eq!(rows.iter().map(|r| r.2).collect::<Vec<_>>(), [2]);
    // A partition value that is not digits cannot stand for an id.
    write("profile_id=abc");
    let run = analyze(&skipping);
    assert_eq!(run.status.code(), Some(1));
    let err = stderr(&run);
    assert!(
        err.contains("profile_id=abc/part-0.parquet: column `profile_id` has type a hive partition column"),
        "{err}"
    );
}

#[test]
fn each_file_is_read_with_its_own_schema() {
    let dir = tempfile::tempdir().unwrap();
    profiles(&dir.path().join("profiles.parquet"));
    let targets = mkdir(&dir.path().join("targets")).to_path_buf();
    write_table(
        &targets.join("a.parquet"),
        vec![
            ("delivery_id", utf8(&[Some("d")])),
            ("profile_id", Arc::new(Int32Array::from(vec![1])) as ArrayRef),
            ("channel", utf8(&[Some("email")])),
        ],
        10,
    );
    let channel: DictionaryArray<Int8Type> = vec!["EMAIL"].into_iter().collect();
    write_table(
        &targets.join("b.parquet"),
        vec![("delivery_id", i64s(&[7])), ("profile_id", i64s(&[2])), ("channel", Arc::new(channel) as ArrayRef)],
        10,
    );
    let out = dir.path().join("out");
    let profiles_path = dir.path().join("profiles.parquet");
    let args = ["--profiles", p(&profiles_path), "--targets", p(&targets), "--out", p(&out)];
    let run = analyze(&args);
    assert!(run.status.success(), "{}", stderr(&run));
    let rows: Vec<(String, i64)> = read_outputs(&out).into_iter().map(|r| (r.0, r.2)).collect();
    assert_eq!(rows, [("7".to_string(), 2), ("d".to_string(), 1)]);
    // A third file without the channel column: the error names that file.
    write_table(&targets.join("c.parquet"), vec![("delivery_id", utf8(&[Some("d")])), ("profile_id", i64s(&[3]))], 10);
    let run = analyze(&args);
    assert_eq!(run.status.code(), Some(1));
    let err = stderr(&run);
    assert!(err.contains("c.parquet: missing required column `channel`"), "{err}");
    assert!(!out.join("summary.json").exists() || std::fs::read(out.join("summary.json")).is_ok());
}

#[test]
fn inputs_finds_each_table_an_explicit_flag_wins_and_a_missing_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = mkdir(&dir.path().join("export")).to_path_buf();
    let out = dir.path().join("out");
    let run = analyze(&["--inputs", p(&inputs), "--out", p(&out)]);
    assert_eq!(run.status.code(), Some(2));
    let err = stderr(&run);
    assert!(err.contains("no profiles table") && err.contains("profiles.parquet"), "{err}");
    profiles(&inputs.join("profiles.parquet"));
    let targets = |path: &Path, id: i64| {
        write_table(
            path,
            vec![("delivery_id", utf8(&[Some("d")])), ("profile_id", i64s(&[id])), ("channel", utf8(&[Some("email")]))],
            10,
        )
    };
    targets(&inputs.join("targets.parquet"), 1);
    let other = dir.path().join("other.parquet");
    targets(&other, 2);
    let run = analyze(&["--inputs", p(&inputs), "--targets", p(&other), "--out", p(&out)]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(read_outputs(&out).iter().map(|r| r.2).collect::<Vec<_>>(), [2]);
    mkdir(&inputs.join("targets"));
    let run = analyze(&["--inputs", p(&inputs), "--out", p(&out)]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("both"), "{}", stderr(&run));
}

/// `inspect` knows the new tables: it guesses them from their columns and checks their types.
#[test]
fn inspect_reads_the_deliveries_subscriptions_and_consent_of_the_sample() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    for (table, columns) in [
        ("deliveries", &["delivery_id", "service", "weight", "contact_date", "control_percent"][..]),
        ("subscriptions", &["profile_id", "service", "expires_at"][..]),
        ("consent", &["profile_id", "at", "action", "channel", "service"][..]),
    ] {
        let file = data.join(format!("{table}.parquet"));
        let guessed = suppress(&["inspect", p(&file)]);
        let text = String::from_utf8_lossy(&guessed.stdout).into_owned();
        assert!(guessed.status.success(), "{table}: {text}{}", stderr(&guessed));
        assert!(text.contains(&format!("as {table} (guessed")), "{table}: {text}");
        for column in columns {
            assert!(
                text.lines().any(|l| l.trim_start().starts_with(column) && l.contains("ok (")),
                "{table}.{column}: {text}"
            );
        }
        let chosen = suppress(&["inspect", p(&file), "--as", table]);
        assert!(chosen.status.success(), "{}", stderr(&chosen));
    }
    // A consent table without `at` fails the check.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("consent.parquet");
    write_table(&file, vec![("profile_id", i64s(&[1])), ("action", utf8(&[Some("stop")]))], 10);
    let run = suppress(&["inspect", p(&file), "--as", "consent"]);
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stdout).contains("MISSING (needed always)"));
}
