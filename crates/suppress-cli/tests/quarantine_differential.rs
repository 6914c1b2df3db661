//! `suppress quarantine` against a deliberately simple reference: the contract's rules written
//! out again, one address at a time, with plain maps and loops and nothing of the engine but
//! the names and canonical forms of `suppress-model`. Two nights on `gen` data (the second
//! reads the first's output, with every state column), several seeds, 1 and 2 threads: every
//! row and every column of both outputs.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Int32Type, TimestampMicrosecondType};
use common::{p, stderr, suppress};
use suppress_model::{AddressState, Canonicalizer, Channel, CountryCode, Outcome, QuarantineStatus};
use suppress_testkit::read_batches;

const H: i64 = 3_600_000_000;
const D: i64 = 24 * H;
/// 2026-11-01T00:00:00Z, the pivot of `gen`'s data.
const PIVOT: i64 = 1_793_491_200_000_000;

fn rfc3339(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros).unwrap().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

fn text(batch: &RecordBatch, name: &str, i: usize) -> Option<String> {
    let column = batch.column_by_name(name)?;
    let column = column.as_string::<i32>();
    column.is_valid(i).then(|| column.value(i).to_string())
}

fn time(batch: &RecordBatch, name: &str, i: usize) -> Option<i64> {
    let column = batch.column_by_name(name)?;
    let column = column.as_primitive::<TimestampMicrosecondType>();
    column.is_valid(i).then(|| column.value(i))
}

fn count(batch: &RecordBatch, i: usize) -> Option<i64> {
    let column = batch.column_by_name("error_count")?;
    match column.data_type() {
        DataType::Int32 => {
            let c = column.as_primitive::<Int32Type>();
            c.is_valid(i).then(|| i64::from(c.value(i)))
        }
        other => panic!("error_count of type {other}"),
    }
}

/// One address's state in the reference: status ("" for none), count, last error, updated,
/// expires, reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
struct State {
    status: &'static str,
    count: i64,
    last_error: Option<i64>,
    updated: Option<i64>,
    expires: Option<i64>,
    reason: Option<String>,
}

/// Both outputs: the table's rows (channel, address, state) and the changes' rows.
type Outputs = (Vec<(String, String, State)>, Vec<[String; 6]>);
/// A log row: at, outcome, reason.
type Event = (i64, Outcome, Option<String>);

struct Night {
    as_of: i64,
    since: Option<i64>,
}

/// The contract's rules, one address at a time.
fn reference(current: Option<&Path>, log: &Path, night: &Night) -> Outputs {
    let canon = Canonicalizer::new(Some(CountryCode::parse("33").unwrap()));
    let canonical =
        |channel: Channel, raw: Option<String>| match canon.canonicalize(channel.address_kind(), raw.as_deref()) {
            (AddressState::Valid, address) => Some(address),
            _ => None,
        };
    // (channel, address) -> (current rows in table order, log rows)
    type Current = (&'static str, i64, Option<i64>, Option<i64>, Option<i64>, Option<String>);
    let mut addresses: BTreeMap<(String, String), (Vec<Current>, Vec<Event>)> = BTreeMap::new();
    if let Some(current) = current {
        for batch in read_batches(current) {
            for i in 0..batch.num_rows() {
                let channel = Channel::parse(&text(&batch, "channel", i).unwrap()).unwrap();
                let status = match QuarantineStatus::parse(&text(&batch, "status", i).unwrap()).unwrap() {
                    QuarantineStatus::Denylisted => "denylisted",
                    QuarantineStatus::Allowlisted => "allowlisted",
                    QuarantineStatus::Quarantined => "quarantined",
                    QuarantineStatus::Valid => "erroneous",
                };
                let expires = time(&batch, "expires_at", i);
                if expires.is_some_and(|t| t <= night.as_of) {
                    continue;
                }
                let Some(address) = canonical(channel, text(&batch, "address", i)) else { continue };
                let row = (
                    status,
                    count(&batch, i).unwrap_or(0).min(i64::from(i32::MAX)),
                    time(&batch, "last_error_at", i),
                    time(&batch, "updated_at", i),
                    expires,
                    text(&batch, "reason", i),
                );
                addresses.entry((channel.name().to_string(), address)).or_default().0.push(row);
            }
        }
    }
    for batch in read_batches(log) {
        for i in 0..batch.num_rows() {
            let channel = Channel::parse(&text(&batch, "channel", i).unwrap()).unwrap();
            let outcome = Outcome::parse(&text(&batch, "outcome", i).unwrap()).unwrap();
            let at = time(&batch, "at", i).unwrap();
            if at > night.as_of || night.since.is_some_and(|s| at <= s) {
                continue;
            }
            let Some(address) = canonical(channel, text(&batch, "address", i)) else { continue };
            let reason = text(&batch, "reason", i);
            addresses.entry((channel.name().to_string(), address)).or_default().1.push((at, outcome, reason));
        }
    }
    let (limit, spacing, reset) = (5, D, 10 * D);
    let mut table = Vec::new();
    let mut changes = Vec::new();
    for ((channel, address), (current, mut rows)) in addresses {
        // Merge.
        let mut s = State::default();
        if !current.is_empty() {
            for status in ["denylisted", "allowlisted", "quarantined", "erroneous"] {
                if current.iter().any(|r| r.0 == status) {
                    s.status = status;
                    break;
                }
            }
            s.count = current.iter().map(|r| r.1).max().unwrap();
            s.last_error = current.iter().filter_map(|r| r.2).max();
            s.updated = current.iter().filter_map(|r| r.3).max();
            let mine: Vec<&Current> = current.iter().filter(|r| r.0 == s.status).collect();
            s.expires = if mine.iter().any(|r| r.4.is_none()) { None } else { mine.iter().filter_map(|r| r.4).max() };
            let mut best = mine[0];
            for r in &mine {
                if r.3 > best.3 {
                    best = r;
                }
            }
            s.reason = best.5.clone();
        }
        let old = s.status;
        // Replay, in the contract's order.
        rows.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
        let mut last_change: Option<(i64, &str)> = None;
        for (t, outcome, reason) in rows {
            let before = s.clone();
            let none_or_erroneous = s.status.is_empty() || s.status == "erroneous";
            let mut new_status = s.status;
            let mut gone = false;
            match outcome {
                Outcome::Delivered if none_or_erroneous => gone = true,
                Outcome::Start if s.status != "allowlisted" => gone = true,
                Outcome::Soft if none_or_erroneous => {
                    if s.last_error.is_none() || t - s.last_error.unwrap() > reset {
                        s.count = 0;
                    }
                    if s.last_error.is_none() || t >= s.last_error.unwrap() + spacing {
                        s.count = (s.count + 1).min(i64::from(i32::MAX));
                        s.last_error = Some(t);
                    }
                    new_status = if s.count >= limit { "quarantined" } else { "erroneous" };
                }
                Outcome::Hard if none_or_erroneous => {
                    s.count = (s.count + 1).min(i64::from(i32::MAX));
                    s.last_error = Some(s.last_error.map_or(t, |l| l.max(t)));
                    new_status = "quarantined";
                }
                Outcome::Complaint | Outcome::Stop if s.status != "denylisted" => new_status = "denylisted",
                _ => {}
            }
            if gone {
                s = State::default();
            } else {
                s.status = new_status;
                if (s.status, s.count, s.last_error) != (before.status, before.count, before.last_error) {
                    s.updated = Some(t);
                }
                if s.status != before.status {
                    s.reason = reason.clone();
                    s.expires = None;
                }
            }
            if s.status != before.status {
                last_change = Some((t, outcome.name()));
            }
        }
        // The cleanup.
        if s.status == "erroneous" && (s.last_error.is_none() || night.as_of - s.last_error.unwrap() > reset) {
            s = State::default();
            last_change = Some((night.as_of, "released"));
        }
        if s.status != old {
            let (at, outcome) = last_change.unwrap();
            changes.push([
                channel.clone(),
                address.clone(),
                old.to_string(),
                s.status.to_string(),
                at.to_string(),
                outcome.to_string(),
            ]);
        }
        if !s.status.is_empty() {
            table.push((channel, address, s));
        }
    }
    (table, changes)
}

/// The engine's outputs in `dir`, in the reference's shapes, sorted.
fn engine(dir: &Path) -> Outputs {
    let mut table = Vec::new();
    for batch in read_batches(&dir.join("quarantine.parquet")) {
        for i in 0..batch.num_rows() {
            let status = text(&batch, "status", i).unwrap();
            let status: &'static str = ["erroneous", "quarantined", "denylisted", "allowlisted"]
                .into_iter()
                .find(|s| *s == status)
                .expect("a known status");
            table.push((
                text(&batch, "channel", i).unwrap(),
                text(&batch, "address", i).unwrap(),
                State {
                    status,
                    count: count(&batch, i).unwrap(),
                    last_error: time(&batch, "last_error_at", i),
                    updated: time(&batch, "updated_at", i),
                    expires: time(&batch, "expires_at", i),
                    reason: text(&batch, "reason", i),
                },
            ));
        }
    }
    let mut changes = Vec::new();
    for batch in read_batches(&dir.join("changes.parquet")) {
        for i in 0..batch.num_rows() {
            changes.push([
                text(&batch, "channel", i).unwrap(),
                text(&batch, "address", i).unwrap(),
                text(&batch, "old_status", i).unwrap_or_default(),
                text(&batch, "new_status", i).unwrap_or_default(),
                time(&batch, "at", i).unwrap().to_string(),
                text(&batch, "outcome", i).unwrap(),
            ]);
        }
    }
    table.sort();
    changes.sort();
    (table, changes)
}

fn run_night(current: Option<&Path>, log: &Path, night: &Night, out: &Path, threads: &str) {
    let as_of = rfc3339(night.as_of);
    let since = night.since.map(rfc3339);
    let mut args = vec!["quarantine", "--log", p(log), "--default-country", "33", "--as-of", &as_of, "--out", p(out)];
    args.extend(["--threads", threads, "-q"]);
    if let Some(current) = current {
        args.extend(["--quarantine", p(current)]);
    }
    if let Some(since) = &since {
        args.extend(["--since", since]);
    }
    let run = suppress(&args);
    assert!(run.status.success(), "{}", stderr(&run));
}

#[test]
fn two_nights_match_the_simple_reference_row_for_row() {
    for (seed, profiles) in [(1, 5000), (2, 20000)] {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let gen =
            suppress(&["gen", "--out", p(&data), "--profiles", &profiles.to_string(), "--seed", &seed.to_string()]);
        assert!(gen.status.success(), "{}", stderr(&gen));
        let log = data.join("log.parquet");
        let first = Night { as_of: PIVOT, since: Some(PIVOT - D) };
        // The next night: only the rows dated after the first's --as-of apply, and twelve days
        // on, the cleanup releases what went quiet.
        let second = Night { as_of: PIVOT + 12 * D, since: Some(PIVOT) };
        let mut outputs = Vec::new();
        for threads in ["1", "2"] {
            let one = dir.path().join(format!("night1-{threads}"));
            run_night(Some(&data.join("quarantine.parquet")), &log, &first, &one, threads);
            let expected = reference(Some(&data.join("quarantine.parquet")), &log, &first);
            let got = engine(&one);
            assert!(expected.0.len() > 100 && !expected.1.is_empty(), "seed {seed}: too little to compare");
            assert_eq!(got.0, expected.0, "seed {seed}, {threads} threads: quarantine.parquet, night 1");
            assert_eq!(got.1, expected.1, "seed {seed}, {threads} threads: changes.parquet, night 1");

            let two = dir.path().join(format!("night2-{threads}"));
            run_night(Some(&one.join("quarantine.parquet")), &log, &second, &two, threads);
            let expected = reference(Some(&one.join("quarantine.parquet")), &log, &second);
            let got = engine(&two);
            assert!(expected.1.iter().any(|c| c[5] == "released"), "seed {seed}: no release to compare");
            assert_eq!(got.0, expected.0, "seed {seed}, {threads} threads: quarantine.parquet, night 2");
            assert_eq!(got.1, expected.1, "seed {seed}, {threads} threads: changes.parquet, night 2");
            outputs.push((
                std::fs::read(one.join("quarantine.parquet")).unwrap(),
                std::fs::read(two.join("changes.parquet")).unwrap(),
            ));
        }
        assert!(outputs[0] == outputs[1], "seed {seed}: the files depend on the thread count");
    }
}
