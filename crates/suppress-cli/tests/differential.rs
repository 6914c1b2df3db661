//! The engine against a deliberately simple reference, on `suppress gen` data.
//!
//! The reference is written from the contract alone, single-threaded, with plain maps and
//! no indexes, fingerprints, bitsets or sorting tricks. It shares only the address
//! canonicalizers with the engine (they have their own unit tests in suppress-model).
//! Every output row is compared, for several seeds, sizes, options and thread counts, with and
//! without the deliveries, subscriptions and consent tables and `--exported-at`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType};
use suppress_analyze::{parse_as_of, Config, Plan};
use suppress_gen::{generate, GenConfig};
use suppress_model::{AddressState, Canonicalizer, Channel, CountryCode, QuarantineStatus};
use suppress_testkit::{read_batches, read_outputs, OutRow};

const AS_OF: &str = "2026-11-01T00:00:00Z";
const EXPORTED_AT: &str = "2026-10-31T00:00:00Z";

/// The consent inputs of one comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Consent {
    /// No deliveries, subscriptions or consent table.
    None,
    /// All three, without `--exported-at`.
    Tables,
    /// All three, with `--exported-at`.
    TablesExportedAt,
}

/// Trim as the contract defines it (six ASCII spaces), written out again here.
fn trim(text: &str) -> &str {
    text.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0B' | '\x0C'))
}

fn service(text: Option<String>) -> Option<String> {
    text.map(|t| trim(&t).to_ascii_lowercase()).filter(|t| !t.is_empty())
}

fn micros(batch: &RecordBatch, name: &str, i: usize) -> Option<i64> {
    let col = batch.column_by_name(name).unwrap().as_primitive::<TimestampMicrosecondType>();
    col.is_valid(i).then(|| col.value(i))
}

/// A consent event's scope: ("all"), ("channel", name) or ("service", name).
fn scope(channel: Option<String>, service_cell: Option<String>) -> (String, String) {
    if let Some(s) = service(service_cell) {
        return ("service".into(), s);
    }
    match channel.map(|c| trim(&c).to_ascii_lowercase()) {
        None => ("all".into(), String::new()),
        Some(c) if c.is_empty() || c == "all" => ("all".into(), String::new()),
        Some(c) => ("channel".into(), Channel::parse(&c).expect("gen writes channel names").name().into()),
    }
}

fn is_opt_out(action: &str) -> bool {
    let a = trim(action).to_ascii_lowercase();
    match a.as_str() {
        "opt_out" | "optout" | "opt-out" | "unsubscribe" | "unsubscribed" | "stop" => true,
        "opt_in" | "optin" | "opt-in" | "subscribe" | "subscribed" | "start" => false,
        other => panic!("gen writes known actions, not {other:?}"),
    }
}

fn text(batch: &RecordBatch, name: &str, i: usize) -> Option<String> {
    let col = batch.column_by_name(name).unwrap().as_string::<i32>();
    col.is_valid(i).then(|| col.value(i).to_string())
}

fn flag(batch: &RecordBatch, name: &str, i: usize) -> bool {
    let col = batch.column_by_name(name).unwrap();
    if col.is_null(i) {
        return false;
    }
    match col.data_type() {
        DataType::Boolean => col.as_boolean().value(i),
        DataType::Int8 => col.as_primitive::<Int8Type>().value(i) != 0,
        DataType::Int32 => col.as_primitive::<Int32Type>().value(i) != 0,
        other => panic!("unexpected flag type {other}"),
    }
}

struct Profile {
    optout: bool,
    channel_optout: HashMap<Channel, bool>,
    address: HashMap<Channel, Option<String>>,
    subscribed: HashSet<String>,
}

/// The contract, applied row by row.
/// The caps of the runs with pressure rules: (scope, N, period in hours), as `--cap` texts too.
const CAPS: [(Option<Channel>, usize, i64); 2] = [(Some(Channel::Email), 2, 7 * 24), (None, 6, 30 * 24)];
const CAP_TEXTS: [&str; 2] = ["email:2/7d", "all:6/30d"];
const HOUR: i64 = 3_600_000_000;

/// A delivery's properties as the reference reads them: (weight, contact time, control %).
fn delivery_properties(dir: &Path, as_of: i64) -> HashMap<String, (i64, i64, f64)> {
    let mut properties = HashMap::new();
    for batch in read_batches(&dir.join("deliveries.parquet")) {
        let weights = batch.column_by_name("weight").unwrap().as_primitive::<Int32Type>();
        let percents = batch.column_by_name("control_percent").unwrap().as_primitive::<arrow::datatypes::Float64Type>();
        for i in 0..batch.num_rows() {
            let weight = if weights.is_null(i) { 5 } else { i64::from(weights.value(i)) };
            let contact = micros(&batch, "contact_date", i).unwrap_or(as_of);
            let percent = if percents.is_null(i) { 0.0 } else { percents.value(i) };
            properties.insert(text(&batch, "delivery_id", i).unwrap(), (weight, contact, percent));
        }
    }
    properties
}

/// Reasons 11 and 12 on the rows still kept, as the contract states them.
fn pressure_and_control(dir: &Path, rows: &mut [OutRow], consent: Consent, caps: bool, as_of: i64) {
    let properties = if consent == Consent::None { HashMap::new() } else { delivery_properties(dir, as_of) };
    let props = |d: &str| properties.get(d).copied().unwrap_or((5, as_of, 0.0));
    if caps {
        let mut history: HashMap<i64, Vec<(Channel, i64)>> = HashMap::new();
        for batch in read_batches(&dir.join("history.parquet")) {
            let ids = batch.column_by_name("profile_id").unwrap().as_primitive::<Int64Type>();
            for i in 0..batch.num_rows() {
                let channel = Channel::parse(&text(&batch, "channel", i).unwrap()).unwrap();
                history.entry(ids.value(i)).or_default().push((channel, micros(&batch, "sent_at", i).unwrap()));
            }
        }
        let mut by_profile: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        for (k, r) in rows.iter().enumerate().filter(|(_, r)| r.3 == "kept") {
            by_profile.entry(r.2).or_default().push(k);
        }
        for (profile, mut candidates) in by_profile {
            // Higher weight, earlier contact, delivery_id bytes, channel name bytes.
            candidates.sort_by(|&a, &b| {
                let (wa, ca, _) = props(&rows[a].0);
                let (wb, cb, _) = props(&rows[b].0);
                wb.cmp(&wa)
                    .then(ca.cmp(&cb))
                    .then(rows[a].0.as_bytes().cmp(rows[b].0.as_bytes()))
                    .then(rows[a].1.cmp(&rows[b].1))
            });
            let mut sent: Vec<(Channel, i64)> = history.get(&profile).cloned().unwrap_or_default();
            for k in candidates {
                let channel = Channel::parse(&rows[k].1).unwrap();
                let c = props(&rows[k].0).1;
                let blocked = CAPS.iter().any(|&(scope, n, hours)| {
                    let in_scope = |ch: Channel| scope.is_none_or(|s| s == ch);
                    in_scope(channel)
                        && sent.iter().filter(|(ch, t)| in_scope(*ch) && (t - c).abs() < hours * HOUR).count() >= n
                });
                if blocked {
                    rows[k].3 = "pressure".into();
                } else {
                    sent.push((channel, c));
                }
            }
        }
    }
    for r in rows.iter_mut().filter(|r| r.3 == "kept") {
        let percent = props(&r.0).2;
        let mut bytes = r.0.as_bytes().to_vec();
        bytes.push(0);
        bytes.extend_from_slice(r.1.as_bytes());
        bytes.push(0);
        bytes.extend_from_slice(&r.2.to_le_bytes());
        if percent > 0.0 && xxhash_rust::xxh3::xxh3_64(&bytes) % 10_000 < (percent * 100.0 + 0.5).floor() as u64 {
            r.3 = "control_group".into();
        }
    }
}

fn reference(dir: &Path, canon: &Canonicalizer, propagate: bool, consent: Consent, caps: bool) -> Vec<OutRow> {
    let mut profiles: HashMap<i64, Profile> = HashMap::new();
    for batch in read_batches(&dir.join("profiles.parquet")) {
        let ids = batch.column_by_name("profile_id").unwrap().as_primitive::<Int64Type>();
        for i in 0..batch.num_rows() {
            let profile = Profile {
                optout: flag(&batch, "optout", i),
                channel_optout: Channel::ALL.iter().map(|c| (*c, flag(&batch, c.optout_column(), i))).collect(),
                address: Channel::ALL.iter().map(|c| (*c, text(&batch, c.address_column(), i))).collect(),
                subscribed: HashSet::new(),
            };
            assert!(profiles.insert(ids.value(i), profile).is_none(), "gen writes unique ids");
        }
    }
    let as_of = parse_as_of(AS_OF).unwrap().timestamp_micros();
    let mut services: HashMap<String, String> = HashMap::new();
    if consent != Consent::None {
        for batch in read_batches(&dir.join("deliveries.parquet")) {
            for i in 0..batch.num_rows() {
                if let Some(s) = service(text(&batch, "service", i)) {
                    services.insert(text(&batch, "delivery_id", i).unwrap(), s);
                }
            }
        }
        for batch in read_batches(&dir.join("subscriptions.parquet")) {
            let ids = batch.column_by_name("profile_id").unwrap().as_primitive::<Int64Type>();
            for i in 0..batch.num_rows() {
                let active = micros(&batch, "expires_at", i).is_none_or(|t| t > as_of);
                if let (Some(p), true) = (profiles.get_mut(&ids.value(i)), active) {
                    p.subscribed.insert(service(text(&batch, "service", i)).unwrap());
                }
            }
        }
        let exported_at =
            (consent == Consent::TablesExportedAt).then(|| parse_as_of(EXPORTED_AT).unwrap().timestamp_micros());
        // Per (profile, scope): the deciding (at, is_opt_out), the greatest.
        let mut deciding: BTreeMap<(i64, (String, String)), (i64, bool)> = BTreeMap::new();
        for batch in read_batches(&dir.join("consent.parquet")) {
            let ids = batch.column_by_name("profile_id").unwrap().as_primitive::<Int64Type>();
            for i in 0..batch.num_rows() {
                let at = micros(&batch, "at", i).unwrap();
                if at > as_of || exported_at.is_some_and(|e| at <= e) || !profiles.contains_key(&ids.value(i)) {
                    continue;
                }
                let event = (at, is_opt_out(&text(&batch, "action", i).unwrap()));
                let key = (ids.value(i), scope(text(&batch, "channel", i), text(&batch, "service", i)));
                let entry = deciding.entry(key).or_insert(event);
                *entry = (*entry).max(event);
            }
        }
        for ((id, (kind, name)), (_, out)) in deciding {
            if !out && exported_at.is_none() {
                continue;
            }
            let p = profiles.get_mut(&id).unwrap();
            match kind.as_str() {
                "all" => p.optout = out,
                "channel" => *p.channel_optout.get_mut(&Channel::parse(&name).unwrap()).unwrap() = out,
                _ if out => {
                    p.subscribed.remove(&name);
                }
                _ => {
                    p.subscribed.insert(name);
                }
            }
        }
    }
    let canonical = |channel: Channel, raw: &Option<String>| canon.canonicalize(channel.address_kind(), raw.as_deref());

    let as_of_micros = as_of;
    let mut statuses: HashMap<(Channel, String), Vec<QuarantineStatus>> = HashMap::new();
    for batch in read_batches(&dir.join("quarantine.parquet")) {
        let expires = batch.column_by_name("expires_at").unwrap().as_primitive::<TimestampMicrosecondType>();
        for i in 0..batch.num_rows() {
            let channel = Channel::parse(&text(&batch, "channel", i).unwrap()).unwrap();
            let status = QuarantineStatus::parse(&text(&batch, "status", i).unwrap()).unwrap();
            let (state, address) = canonical(channel, &text(&batch, "address", i));
            let active = expires.is_null(i) || expires.value(i) > as_of_micros;
            if state == AddressState::Valid && active {
                statuses.entry((channel, address)).or_default().push(status);
            }
        }
    }

    let mut opted_out_addresses: HashSet<(Channel, String)> = HashSet::new();
    if propagate {
        for p in profiles.values() {
            for channel in Channel::ALL {
                if p.optout || p.channel_optout[&channel] {
                    let (state, address) = canonical(channel, &p.address[&channel]);
                    if state == AddressState::Valid {
                        opted_out_addresses.insert((channel, address));
                    }
                }
            }
        }
    }

    let mut rows: Vec<OutRow> = Vec::new();
    for batch in read_batches(&dir.join("targets.parquet")) {
        let ids = batch.column_by_name("profile_id").unwrap().as_primitive::<Int64Type>();
        for i in 0..batch.num_rows() {
            let delivery = text(&batch, "delivery_id", i).unwrap();
            let channel = Channel::parse(&text(&batch, "channel", i).unwrap()).unwrap();
            let id = ids.value(i);
            let row = |reason: &str, address: Option<String>| {
                (delivery.clone(), channel.name().to_string(), id, reason.to_string(), address)
            };
            let Some(p) = profiles.get(&id) else {
                rows.push(row("unknown_profile", None));
                continue;
            };
            if p.optout {
                rows.push(row("optout_all", None));
                continue;
            }
            if p.channel_optout[&channel] {
                rows.push(row("optout_channel", None));
                continue;
            }
            if services.get(&delivery).is_some_and(|s| !p.subscribed.contains(s)) {
                rows.push(row("not_subscribed", None));
                continue;
            }
            let (state, address) = canonical(channel, &p.address[&channel]);
            let reason = match state {
                AddressState::Missing => {
                    rows.push(row("missing_address", None));
                    continue;
                }
                AddressState::Invalid => "invalid_address",
                AddressState::Valid => {
                    let found = statuses.get(&(channel, address.clone())).cloned().unwrap_or_default();
                    if opted_out_addresses.contains(&(channel, address.clone())) {
                        "optout_address"
                    } else if found.contains(&QuarantineStatus::Denylisted) {
                        "denylisted"
                    } else if found.contains(&QuarantineStatus::Allowlisted) {
                        "kept"
                    } else if found.contains(&QuarantineStatus::Quarantined) {
                        "quarantined"
                    } else {
                        "kept"
                    }
                }
            };
            rows.push(row(reason, Some(address)));
        }
    }

    // Duplicates: per (delivery, channel, address), the kept row with the smallest id stays.
    let mut smallest: BTreeMap<(String, String, String), i64> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.3 == "kept") {
        let key = (r.0.clone(), r.1.clone(), r.4.clone().unwrap());
        let entry = smallest.entry(key).or_insert(r.2);
        *entry = (*entry).min(r.2);
    }
    let mut taken: HashSet<(String, String, String)> = HashSet::new();
    for r in rows.iter_mut().filter(|r| r.3 == "kept") {
        let key = (r.0.clone(), r.1.clone(), r.4.clone().unwrap());
        if smallest[&key] != r.2 || !taken.insert(key) {
            r.3 = "duplicate".into();
        }
    }
    pressure_and_control(dir, &mut rows, consent, caps, as_of);
    rows.sort();
    rows
}

fn engine(
    dir: &Path,
    canon: &Canonicalizer,
    propagate: bool,
    consent: Consent,
    caps: bool,
    threads: usize,
) -> Vec<OutRow> {
    let mut config = Config::new(dir.join("profiles.parquet"), dir.join("targets.parquet"));
    config.quarantine = Some(dir.join("quarantine.parquet"));
    if consent != Consent::None {
        config.deliveries = Some(dir.join("deliveries.parquet"));
        config.subscriptions = Some(dir.join("subscriptions.parquet"));
        config.consent = Some(dir.join("consent.parquet"));
    }
    if consent == Consent::TablesExportedAt {
        config.exported_at = Some(parse_as_of(EXPORTED_AT).unwrap());
    }
    config.as_of = parse_as_of(AS_OF).unwrap();
    config.canonicalizer = *canon;
    config.propagate_optout = propagate;
    if caps {
        config.caps = CAP_TEXTS.iter().map(|c| suppress_model::pressure::Cap::parse(c).unwrap()).collect();
        config.history = Some(dir.join("history.parquet"));
    }
    let out = dir.join(format!("out-{threads}-{propagate}-{consent:?}-{caps}"));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| Plan::open(config).unwrap().execute(Some(&out)).unwrap());
    read_outputs(&out)
}

fn compare(profiles: u64, seed: u64) {
    compare_shaped(GenConfig::new(profiles, seed));
}

fn compare_shaped(config: GenConfig) {
    let (profiles, seed) = (config.profiles, config.seed);
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &config).unwrap();
    // (country, propagate, consent tables, caps)
    let variants = [
        (None, false, Consent::None, false),
        (Some("33"), false, Consent::Tables, true),
        (Some("33"), true, Consent::None, true),
        (Some("33"), true, Consent::TablesExportedAt, true),
        (Some("33"), false, Consent::TablesExportedAt, false),
    ];
    for (country, propagate, consent, caps) in variants {
        let canon = Canonicalizer::new(country.map(|c| CountryCode::parse(c).unwrap()));
        let want = reference(dir.path(), &canon, propagate, consent, caps);
        let what =
            format!("seed {seed}, {profiles} profiles, {country:?}, propagate {propagate}, {consent:?}, caps {caps}");
        for threads in [1, 2] {
            let got = engine(dir.path(), &canon, propagate, consent, caps, threads);
            assert_eq!(got.len(), want.len(), "{what}");
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g, w, "{what}, {threads} threads");
            }
        }
        // Every reason shows up, so the comparison exercises every rule.
        let reasons: HashSet<&str> = want.iter().map(|r| r.3.as_str()).collect();
        if profiles >= 5000 && country.is_some() {
            let mut expected = vec![
                "kept",
                "unknown_profile",
                "optout_all",
                "optout_channel",
                "missing_address",
                "invalid_address",
                "denylisted",
                "quarantined",
                "duplicate",
            ];
            if propagate {
                expected.push("optout_address");
            }
            if consent != Consent::None {
                expected.extend(["not_subscribed", "control_group"]);
            }
            if caps {
                expected.push("pressure");
            }
            for reason in expected {
                assert!(reasons.contains(reason), "no {reason} row for seed {seed}");
            }
        }
    }
}

#[test]
fn engine_matches_reference_small() {
    compare(300, 1);
    compare(1000, 2);
}

/// Every shape a real export has: targets sorted or in hash order, ids dense, sparse (the
/// profile index hashes them) or random 63-bit.
#[test]
fn engine_matches_reference_on_every_target_order_and_id_shape() {
    use suppress_gen::{IdShape, TargetOrder};
    for (order, shape, seed) in [
        (TargetOrder::Sorted, IdShape::Dense, 5),
        (TargetOrder::Shuffled, IdShape::Sparse, 6),
        (TargetOrder::Shuffled, IdShape::Random63, 7),
        (TargetOrder::Sorted, IdShape::Random63, 8),
    ] {
        compare_shaped(GenConfig { profiles: 6000, seed, target_order: order, id_shape: shape });
    }
}

#[test]
fn engine_matches_reference_medium() {
    compare(20_000, 3);
}

#[test]
fn engine_matches_reference_many_row_groups() {
    // Over a million rows of targets: several row groups per file and many batches.
    compare(250_000, 4);
}
