//! Both engines on hand-written tables in the shapes exporters write (integer delivery ids,
//! `--channel`, `--map`, missing opt-out columns, other time units, every kind of bad row):
//! the DataFusion engine must give the native engine's rows and bad-row counts, and fail
//! where it fails, with the file and the column.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Array, Int32Array, TimestampNanosecondArray, UInt64Array};
use suppress_analyze::{parse_as_of, Config, Plan};
use suppress_model::{Canonicalizer, Channel, CountryCode};
use suppress_testkit::{bools, i64s, read_outputs, utf8, write_table};

mod common;

const AS_OF: &str = "2026-11-01T00:00:00Z";

fn run_cluster(options: &suppress_cluster::Options, out: &Path) -> Result<serde_json::Value, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let ctx = suppress_cluster::session(2);
    runtime
        .block_on(suppress_cluster::analyze(&ctx, options, out, suppress_cluster::OutputLayout::SingleFile))
        .map(|s| s.json)
        .map_err(|e| e.to_string())
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// Runs both engines on `config`; when the native one succeeds, the DataFusion one must give
/// the same rows and the same summary (but for timings and the thread count); when it fails
/// (`expect_failure`, the file it names), the DataFusion one must fail with the same one-line
/// message: the file, the column, the row and the value. Returns the DataFusion summary or
/// error.
fn both(config: Config, expect_failure: Option<&Path>) -> Result<serde_json::Value, String> {
    let native = tempfile::tempdir().unwrap();
    let cluster = tempfile::tempdir().unwrap();
    let native_run = Plan::open(config.clone()).and_then(|plan| plan.execute(Some(native.path())));
    let got = run_cluster(&common::options(&config), cluster.path());
    match (native_run, expect_failure) {
        (Ok(_), None) => {
            let summary_df = got.clone().unwrap_or_else(|e| panic!("DataFusion failed where native did not: {e}"));
            assert_eq!(read_outputs(native.path()), read_outputs(cluster.path()));
            common::assert_same_summary(&summary(native.path()), &summary_df);
        }
        (Err(e), Some(file)) => {
            let message = got.clone().err().unwrap_or_else(|| panic!("DataFusion succeeded where native failed: {e}"));
            assert!(message.contains(&file.display().to_string()), "names the file: {message} (native: {e})");
            assert_eq!(message, e.to_string(), "the native engine's message");
            assert!(!cluster.path().join("summary.json").exists(), "no output");
        }
        (native, expected) => {
            panic!("native: {:?}, expected failure: {expected:?}", native.err().map(|e| e.to_string()))
        }
    }
    got
}

struct Tables {
    dir: tempfile::TempDir,
}

impl Tables {
    fn new() -> Tables {
        Tables { dir: tempfile::tempdir().unwrap() }
    }

    fn write(&self, name: &str, columns: Vec<(&str, ArrayRef)>) -> PathBuf {
        let path = self.dir.path().join(format!("{name}.parquet"));
        write_table(&path, columns, 3);
        path
    }

    fn profiles(&self) -> PathBuf {
        self.write(
            "profiles",
            vec![
                ("profile_id", i64s(&[1, 2, 3, 4, 5])),
                ("optout", bools(&[Some(false), None, Some(false), Some(true), None])),
                ("optout_email", Arc::new(Int32Array::from(vec![Some(0), None, Some(7), Some(0), Some(0)]))),
                ("optout_sms", bools(&[None, None, None, None, None])),
                ("email", utf8(&[Some(" A@B.CO"), Some("c@d.co"), Some("e@f.co"), Some("a@b.co"), Some("bad")])),
                (
                    "mobile_phone",
                    utf8(&[Some("06 12 34 56 78"), None, Some("+33 (0)6 12 34 56 79"), Some(""), Some("1")]),
                ),
            ],
        )
    }

    fn config(&self, targets: PathBuf) -> Config {
        let mut config = Config::new(self.profiles(), targets);
        config.as_of = parse_as_of(AS_OF).unwrap();
        config.canonicalizer = Canonicalizer::new(Some(CountryCode::parse("33").unwrap()));
        config
    }
}

#[test]
fn integer_delivery_ids_one_channel_and_other_time_units() {
    let t = Tables::new();
    let targets = t.write(
        "targets",
        vec![
            ("delivery_id", Arc::new(Int32Array::from(vec![7, 7, 7, 7, 7, 8]))),
            ("profile_id", Arc::new(UInt64Array::from(vec![1, 2, 3, 4, 5, 9]))),
        ],
    );
    let mut config = t.config(targets);
    config.channel = Some(Channel::Email);
    config.deliveries = Some(t.write(
        "deliveries",
        vec![
            ("delivery_id", i64s(&[7, 8, 9])),
            ("control_percent", Arc::new(arrow::array::Float32Array::from(vec![Some(50.0), None, Some(100.0)]))),
        ],
    ));
    config.quarantine = Some(t.write(
        "quarantine",
        vec![
            ("address", utf8(&[Some("C@D.CO"), Some("e@f.co"), Some("a@b.co")])),
            ("channel", utf8(&[Some("EMAIL"), Some("email"), Some("email")])),
            ("status", utf8(&[Some("quarantine"), Some("blacklisted"), Some("allowlist")])),
            // In nanoseconds, one of them 1 ns after --as-of: still active.
            (
                "expires_at",
                Arc::new(
                    TimestampNanosecondArray::from(vec![None, Some(1_793_491_200_000_000_001), Some(0)])
                        .with_timezone("UTC"),
                ),
            ),
        ],
    ));
    both(config, None).unwrap();
}

#[test]
fn sms_with_dates_maps_and_a_missing_optout_column() {
    let t = Tables::new();
    let targets = t.write(
        "targets",
        vec![
            ("delivery_id", utf8(&[Some("s"), Some("s"), Some("s"), Some("s"), Some(" s")])),
            ("recipient", i64s(&[1, 2, 3, 5, 1])),
            ("channel", utf8(&[Some("sms"), Some(" SMS"), Some("sms"), Some("sms"), Some("sms")])),
        ],
    );
    let mut config = t.config(targets);
    config.names = suppress_load::ColumnNames::new(None, &["targets.profile_id=recipient".into()]).unwrap();
    config.quarantine = Some(t.write(
        "quarantine",
        vec![
            ("address", utf8(&[Some("0612345679"), Some("06.12.34.56.78")])),
            ("channel", utf8(&[Some("sms"), Some("sms")])),
            ("status", utf8(&[Some("denylisted"), Some("valid")])),
            ("expires_at", Arc::new(Date32Array::from(vec![Some(20_759), Some(20_758)]))),
        ],
    ));
    // optout_sms is there; drop it to read the flag as false under --allow-missing-optout.
    let profiles = t.write(
        "profiles",
        vec![
            ("profile_id", i64s(&[1, 2, 3, 5])),
            ("optout", bools(&[None, None, None, None])),
            ("mobile_phone", utf8(&[Some("06 12 34 56 78"), None, Some("+33 (0)6 12 34 56 79"), Some("1")])),
        ],
    );
    config.profiles = profiles.clone();
    let mut options = common::options(&config);
    let out = tempfile::tempdir().unwrap();
    let message = run_cluster(&options, out.path()).unwrap_err();
    assert!(message.contains(&profiles.display().to_string()) && message.contains("optout_sms"), "{message}");
    config.allow_missing_optout = true;
    options.allow_missing_optout = true;
    let native = tempfile::tempdir().unwrap();
    Plan::open(config).unwrap().execute(Some(native.path())).unwrap();
    let summary = run_cluster(&options, out.path()).unwrap();
    assert_eq!(read_outputs(native.path()), read_outputs(out.path()));
    assert_eq!(summary["warnings"].as_array().unwrap().len(), 1, "{summary}");
}

#[test]
fn bad_rows_of_every_table_are_counted_as_the_native_engine_counts_them() {
    let t = Tables::new();
    let targets = t.write(
        "targets",
        vec![
            ("delivery_id", utf8(&[Some("n"), None, Some("n"), Some("n"), Some("n"), Some("n")])),
            ("profile_id", Arc::new(Int32Array::from(vec![Some(1), Some(2), None, Some(-4), Some(3), Some(5)]))),
            (
                "channel",
                utf8(&[Some("email"), Some("email"), Some("email"), Some("email"), Some("mail"), Some("email")]),
            ),
        ],
    );
    let mut config = t.config(targets);
    config.skip_bad_rows = true;
    config.profiles = t.write(
        "profiles",
        vec![
            ("profile_id", Arc::new(Int32Array::from(vec![Some(1), Some(2), Some(2), None, Some(5)]))),
            ("optout", bools(&[None, None, None, None, None])),
            ("optout_email", bools(&[None, None, None, None, None])),
            ("email", utf8(&[Some("a@b.co"), Some("c@d.co"), Some("x@y.co"), Some("z@z.co"), Some("e@f.co")])),
        ],
    );
    config.quarantine = Some(t.write(
        "quarantine",
        vec![
            ("address", utf8(&[Some("a@b.co"), Some("e@f.co"), Some("e@f.co")])),
            ("channel", utf8(&[None, Some("email"), Some("email")])),
            ("status", utf8(&[Some("denylisted"), Some("with errors"), Some("quarantined")])),
        ],
    ));
    config.deliveries =
        Some(t.write("deliveries", vec![("delivery_id", utf8(&[Some("n")])), ("service", utf8(&[Some("news")]))]));
    config.subscriptions = Some(t.write(
        "subscriptions",
        vec![("profile_id", i64s(&[1, 5, 1])), ("service", utf8(&[Some("news"), Some(" "), None]))],
    ));
    let at = |v: Vec<Option<i64>>| -> ArrayRef {
        Arc::new(arrow::array::TimestampMicrosecondArray::from(v).with_timezone("UTC"))
    };
    config.consent = Some(t.write(
        "consent",
        vec![
            ("profile_id", i64s(&[5, 5, 1, 1])),
            ("at", at(vec![Some(1_793_400_000_000_000), None, Some(1_793_400_000_000_000), Some(1)])),
            ("action", utf8(&[Some("subscribe"), Some("stop"), Some("maybe"), Some("stop")])),
            ("channel", utf8(&[Some("email"), None, None, Some("fax machine")])),
            ("service", utf8(&[Some(" NEWS"), None, None, None])),
        ],
    ));
    config.exported_at = Some(parse_as_of("2026-10-01T00:00:00Z").unwrap());
    let summary = both(config.clone(), None).unwrap();
    assert!(summary["inputs"]["profiles"]["bad_rows"].as_object().unwrap().len() >= 2, "{summary}");

    // Without --skip-bad-rows, the first table with a bad row fails the run in both engines.
    config.skip_bad_rows = false;
    let targets = config.targets.clone();
    both(config, Some(&targets)).unwrap_err();
}

#[test]
fn a_bad_deliveries_table_fails_even_when_skipping() {
    let t = Tables::new();
    let targets = t.write(
        "targets",
        vec![
            ("delivery_id", utf8(&[Some("a"), Some("b")])),
            ("profile_id", i64s(&[1, 2])),
            ("channel", utf8(&[Some("email"), Some("email")])),
        ],
    );
    let mut config = t.config(targets);
    config.skip_bad_rows = true;
    let deliveries = t.write(
        "deliveries",
        vec![
            ("delivery_id", utf8(&[Some("a"), Some("b")])),
            ("control_percent", Arc::new(arrow::array::Float64Array::from(vec![Some(10.0), Some(f64::NAN)]))),
        ],
    );
    config.deliveries = Some(deliveries.clone());
    both(config.clone(), Some(&deliveries)).unwrap_err();
    let deliveries = t.write("deliveries", vec![("delivery_id", utf8(&[Some("a"), Some("a")]))]);
    config.deliveries = Some(deliveries.clone());
    both(config, Some(&deliveries)).unwrap_err();
}

/// A directory as Spark writes one: hive folders, escapes, `_SUCCESS`, `_temporary/` and
/// `.staging/` skipped, a nested plain folder, files of different schemas, a file's own column
/// winning over its folder's; then a bad row in the second file of a table, numbered in it.
#[test]
fn hive_partitioned_directories_and_the_row_of_a_bad_row() {
    let t = Tables::new();
    let dir = t.dir.path();
    let put = |relative: &str, columns: Vec<(&str, ArrayRef)>| {
        let path = dir.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        write_table(&path, columns, 2);
    };
    put("targets/delivery_id=black%20friday/channel=EMAIL/part-0.parquet", vec![("profile_id", i64s(&[1, 2, 3, 4]))]);
    put(
        "targets/delivery_id=d2/channel=sms/part-0.parquet",
        vec![("profile_id", Arc::new(Int32Array::from(vec![1, 3, 5])))],
    );
    put(
        "targets/more/delivery_id=d3/part-0.parquet",
        vec![
            ("delivery_id", utf8(&[Some("own"), Some("own")])),
            ("profile_id", i64s(&[2, 5])),
            ("channel", utf8(&[Some("email"), Some("email")])),
        ],
    );
    for junk in ["targets/_temporary/0/part-9.parquet", "targets/.staging/part-8.parquet"] {
        let path = dir.join(junk);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"not parquet").unwrap();
    }
    std::fs::write(dir.join("targets/delivery_id=d2/channel=sms/_SUCCESS"), b"").unwrap();
    put(
        "profiles/part-0.parquet",
        vec![
            ("profile_id", Arc::new(Int32Array::from(vec![1, 2, 3]))),
            ("optout", bools(&[None, Some(false), None])),
            ("optout_email", bools(&[None, None, None])),
            ("optout_sms", bools(&[None, None, Some(true)])),
            ("email", utf8(&[Some("a@b.co"), Some("c@d.co"), Some("A@B.CO")])),
            ("mobile_phone", utf8(&[Some("0612345678"), None, Some("0612345679")])),
        ],
    );
    // The second profiles file, with the ids `ids`.
    let second_profiles = |ids: ArrayRef| {
        put(
            "profiles/part-1.parquet",
            vec![
                ("profile_id", ids),
                ("optout", bools(&[None, None])),
                ("optout_email", bools(&[None, None])),
                ("optout_sms", bools(&[None, None])),
                ("email", utf8(&[Some("e@f.co"), None])),
                ("mobile_phone", utf8(&[Some("0612345670"), Some("06 12 34 56 71")])),
            ],
        )
    };
    second_profiles(i64s(&[4, 5]));
    let mut config = t.config(dir.join("targets"));
    config.profiles = dir.join("profiles");
    let summary = both(config.clone(), None).unwrap();
    assert_eq!(summary["inputs"]["targets"]["files"], 3, "{summary}");
    assert_eq!(summary["inputs"]["profiles"]["files"], 2, "{summary}");
    assert_eq!(summary["totals"]["targeted"], 9, "{summary}");
    let ids: Vec<String> =
        summary["deliveries"].as_array().unwrap().iter().map(|d| d["delivery_id"].as_str().unwrap().into()).collect();
    assert_eq!(ids, ["black friday", "d2", "own"], "the file's own delivery_id wins over its folder's");

    // A null id in row 2 of the second profiles file: both engines name that file and row.
    second_profiles(Arc::new(arrow::array::Int64Array::from(vec![Some(4), None])));
    let message = both(config.clone(), Some(&dir.join("profiles/part-1.parquet"))).unwrap_err();
    assert!(message.contains("row 2"), "{message}");

    // A profile_id listed again in the second file: the row that repeats it is named.
    second_profiles(i64s(&[4, 2]));
    let message = both(config.clone(), Some(&dir.join("profiles/part-1.parquet"))).unwrap_err();
    assert!(message.contains("row 2") && message.contains("duplicate profile_id 2"), "{message}");

    // A partition folder of digits stands for an id column; Spark's null partition is null (a
    // bad row, counted alike under --skip-bad-rows).
    std::fs::remove_file(dir.join("profiles/part-1.parquet")).unwrap();
    put("targets/profile_id=3/delivery_id=d4/channel=email/part-0.parquet", vec![("weight", i64s(&[1]))]);
    put(
        "targets/delivery_id=__HIVE_DEFAULT_PARTITION__/channel=email/part-0.parquet",
        vec![("profile_id", i64s(&[1, 2]))],
    );
    config.skip_bad_rows = true;
    let summary = both(config.clone(), None).unwrap();
    assert_eq!(summary["inputs"]["targets"]["bad_rows"]["delivery_id: null"], 2, "{summary}");
    assert!(summary["deliveries"].as_array().unwrap().iter().any(|d| d["delivery_id"] == "d4"), "{summary}");
    config.skip_bad_rows = false;
    std::fs::remove_dir_all(dir.join("targets/delivery_id=__HIVE_DEFAULT_PARTITION__")).unwrap();
    std::fs::remove_dir_all(dir.join("targets/profile_id=3")).unwrap();

    // A partition folder cannot stand for an id unless its value is digits, nor for a flag.
    put("targets/profile_id=x1/delivery_id=d4/channel=email/part-0.parquet", vec![("weight", i64s(&[1]))]);
    let out = tempfile::tempdir().unwrap();
    let message = run_cluster(&common::options(&config), out.path()).unwrap_err();
    assert!(
        message.contains("profile_id=x1") && message.contains("\"profile_id\"") && message.contains("digits"),
        "{message}"
    );
    assert!(
        Plan::open(config.clone()).and_then(|p| p.execute(Some(out.path()))).is_err(),
        "the native engine fails too"
    );
    std::fs::remove_dir_all(dir.join("targets/profile_id=x1")).unwrap();
    put(
        "profiles/optout_email=1/part-2.parquet",
        vec![
            ("profile_id", i64s(&[7])),
            ("optout", bools(&[None])),
            ("optout_sms", bools(&[None])),
            ("email", utf8(&[Some("g@h.co")])),
            ("mobile_phone", utf8(&[None])),
        ],
    );
    let message = run_cluster(&common::options(&config), out.path()).unwrap_err();
    assert!(message.contains("\"optout_email\" is a hive partition column"), "{message}");
    assert!(message.contains(&dir.join("profiles/optout_email=1/part-2.parquet").display().to_string()), "{message}");
    assert!(
        Plan::open(config.clone()).and_then(|p| p.execute(Some(out.path()))).is_err(),
        "the native engine fails too"
    );

    // Each file is read with its own schema: a required column missing from one names it.
    std::fs::remove_dir_all(dir.join("profiles/optout_email=1")).unwrap();
    let third = dir.join("profiles/part-2.parquet");
    put(
        "profiles/part-2.parquet",
        vec![
            ("profile_id", i64s(&[7])),
            ("optout", bools(&[None])),
            ("optout_email", bools(&[None])),
            ("optout_sms", bools(&[None])),
            ("mobile_phone", utf8(&[None])),
        ],
    );
    let message = run_cluster(&common::options(&config), out.path()).unwrap_err();
    assert!(message.starts_with(&third.display().to_string()) && message.contains("\"email\""), "{message}");
    let native = match Plan::open(config).and_then(|p| p.execute(Some(out.path()))) {
        Ok(_) => panic!("the native engine accepted a file without a required column"),
        Err(e) => e.to_string(),
    };
    assert!(native.starts_with(&third.display().to_string()), "the native engine names the same file: {native}");
}
