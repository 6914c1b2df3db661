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
/// the same rows and bad-row counts; when it fails, the DataFusion one must fail too, naming
/// the file and one of `columns` (the native engine names the first bad row's column, the
/// DataFusion one the first cause in name order: it does not number rows). Returns the
/// DataFusion summary or error.
fn both(config: Config, expect_failure: Option<(&Path, &[&str])>) -> Result<serde_json::Value, String> {
    let native = tempfile::tempdir().unwrap();
    let cluster = tempfile::tempdir().unwrap();
    let native_run = Plan::open(config.clone()).and_then(|plan| plan.execute(Some(native.path())));
    let got = run_cluster(&common::options(&config), cluster.path());
    match (native_run, expect_failure) {
        (Ok(_), None) => {
            let summary_df = got.clone().unwrap_or_else(|e| panic!("DataFusion failed where native did not: {e}"));
            assert_eq!(read_outputs(native.path()), read_outputs(cluster.path()));
            let n = summary(native.path());
            for (table, input) in n["inputs"].as_object().unwrap() {
                assert_eq!(input["bad_rows"], summary_df["inputs"][table]["bad_rows"], "{table}");
                assert_eq!(input["rows"], summary_df["inputs"][table]["rows"], "{table}");
            }
            assert_eq!(n["totals"], summary_df["totals"]);
            assert_eq!(n["warnings"].as_array().unwrap().len(), summary_df["warnings"].as_array().unwrap().len());
        }
        (Err(e), Some((file, columns))) => {
            let message = got.clone().err().unwrap_or_else(|| panic!("DataFusion succeeded where native failed: {e}"));
            assert!(message.contains(&file.display().to_string()), "names the file: {message} (native: {e})");
            assert!(columns.iter().any(|c| message.contains(c)), "names one of {columns:?}: {message} (native: {e})");
            assert!(!message.contains('\n'), "one line: {message}");
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
    both(config, Some((&targets, &["delivery_id", "profile_id", "channel"]))).unwrap_err();
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
    both(config.clone(), Some((&deliveries, &["control_percent"]))).unwrap_err();
    let deliveries = t.write("deliveries", vec![("delivery_id", utf8(&[Some("a"), Some("a")]))]);
    config.deliveries = Some(deliveries.clone());
    both(config, Some((&deliveries, &["delivery_id"]))).unwrap_err();
}
