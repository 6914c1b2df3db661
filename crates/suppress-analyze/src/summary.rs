//! `summary.json`: what a run read, decided and how long it took, assembled from the indexes
//! and the outcome counts once the rules have run.

use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::json;
use suppress_index::{BadRows, ConsentStats};
use suppress_load::Table;
use suppress_model::Channel;

use crate::load::Loaded;
use crate::{Counts, Plan};

/// One delivery's line of the summary.
#[derive(Debug, Clone, Serialize)]
pub struct DeliverySummary {
    pub delivery_id: String,
    pub channel: String,
    /// The service whose subscribers it goes to (reason 4), if any.
    pub service: Option<String>,
    pub weight: i64,
    /// RFC 3339; `--as-of` when the deliveries table gives none.
    pub contact_date: String,
    pub control_percent: f64,
    #[serde(flatten)]
    pub counts: Counts,
}

/// What one input table contributed.
#[derive(Debug, Clone, Serialize)]
pub struct TableSummary {
    pub path: String,
    pub files: usize,
    pub bytes: u64,
    pub rows: u64,
    /// Rows skipped under `--skip-bad-rows`, by `column: cause`.
    pub bad_rows: BTreeMap<String, u64>,
    /// Table-specific figures (accepted profiles, expired quarantine entries, ...).
    #[serde(flatten)]
    pub details: BTreeMap<String, serde_json::Value>,
}

/// The whole `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub suppress_version: &'static str,
    pub inputs: BTreeMap<&'static str, TableSummary>,
    pub warnings: Vec<String>,
    pub options: serde_json::Value,
    pub deliveries: Vec<DeliverySummary>,
    pub totals: Counts,
    /// What the consent events did (with `--consent`): events applied and ignored, by why,
    /// and the profiles whose effective state differs from the export's, per scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent: Option<serde_json::Value>,
    /// With `--cap`: each cap and the rows it excluded (under the first cap that reached its
    /// limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pressure: Option<serde_json::Value>,
    /// Wall time of each phase in milliseconds, in the order they ran, then `total`.
    #[serde(serialize_with = "ordered_map")]
    pub timings_ms: Vec<(String, u64)>,
}

fn ordered_map<S: Serializer>(pairs: &[(String, u64)], serializer: S) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(pairs.len()))?;
    for (name, ms) in pairs {
        map.serialize_entry(name, ms)?;
    }
    map.end()
}

impl Summary {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("summary serializes") + "\n"
    }
}

/// The summary of `plan`'s run on `loaded`, with `counts` per delivery (in
/// `TargetList::deliveries` order); its timings are filled in when the run ends.
pub(crate) fn assemble(plan: &Plan, loaded: &Loaded, counts: &[Counts], excluded_per_cap: &[u64]) -> Summary {
    let config = &plan.config;
    let Loaded { targets, channels, profiles, optout_addresses, quarantine, properties, subscriptions, .. } = loaded;
    let table = |t: &Table, rows: u64, bad: &BadRows, details: BTreeMap<String, serde_json::Value>| TableSummary {
        path: t.path.display().to_string(),
        files: t.files.len(),
        bytes: t.num_bytes(),
        rows,
        bad_rows: bad.counts.clone(),
        details,
    };
    let per_channel = |f: &dyn Fn(Channel) -> u64| {
        channels.iter().map(|c| (c.name().to_string(), json!(f(*c)))).collect::<serde_json::Map<_, _>>()
    };
    let mut inputs = BTreeMap::new();
    let mut profile_details = BTreeMap::from([
        ("accepted".into(), json!(profiles.accepted)),
        ("optout_all".into(), json!(profiles.optout_all.len())),
        ("optout_by_channel".into(), json!(per_channel(&|c| profiles.optout_by_channel[c.index()].len()))),
    ]);
    if config.propagate_optout {
        profile_details
            .insert("optout_addresses_by_channel".into(), json!(per_channel(&|c| optout_addresses.len(c) as u64)));
    }
    inputs.insert("profiles", table(&plan.profiles, profiles.rows_read, &profiles.bad_rows, profile_details));
    inputs.insert(
        "targets",
        table(
            &plan.targets,
            targets.rows_read,
            &targets.bad_rows,
            BTreeMap::from([("deliveries".into(), json!(targets.deliveries.len()))]),
        ),
    );
    if let (Some(t), Some(q)) = (&plan.quarantine, quarantine) {
        let s = &q.stats;
        inputs.insert(
            "quarantine",
            table(
                t,
                s.rows_read,
                &s.bad_rows,
                BTreeMap::from([
                    ("expired".into(), json!(s.expired)),
                    ("active".into(), json!(s.usable - s.expired)),
                    (
                        "ignored".into(),
                        json!({"missing_address": s.ignored_missing, "invalid_address": s.ignored_invalid}),
                    ),
                    ("excluded_addresses_by_channel".into(), json!(per_channel(&|c| q.excluded(c) as u64))),
                ]),
            ),
        );
    }
    if let (Some(t), Some(read)) = (&plan.deliveries, loaded.deliveries_read) {
        let details = BTreeMap::from([("unused_by_targets".into(), json!(read.unused))]);
        inputs.insert("deliveries", table(t, read.rows, &BadRows::default(), details));
    }
    if let Some(t) = &plan.subscriptions {
        let s = &subscriptions.stats;
        let details = BTreeMap::from([
            ("active".into(), json!(s.active)),
            ("expired".into(), json!(s.expired)),
            ("other_service".into(), json!(s.other_service)),
            ("ignored".into(), json!({"unknown_profile": s.unknown_profile})),
        ]);
        inputs.insert("subscriptions", table(t, s.rows_read, &s.bad_rows, details));
    }
    if let (Some(t), Some(h)) = (&plan.history, &loaded.history) {
        let s = &h.stats;
        let details = BTreeMap::from([
            ("kept".into(), json!(s.kept)),
            ("cannot_count".into(), json!(s.cannot_count)),
            ("ignored".into(), json!({"unknown_profile": s.unknown_profile})),
        ]);
        inputs.insert("history", table(t, s.rows_read, &s.bad_rows, details));
    }
    let pressure = (!config.caps.is_empty()).then(|| {
        let caps: Vec<serde_json::Value> = config
            .caps
            .iter()
            .zip(excluded_per_cap)
            .map(|(cap, excluded)| json!({"cap": cap.to_string(), "excluded": excluded}))
            .collect();
        json!({"caps": caps, "history": plan.history.is_some()})
    });
    let mut warnings = profiles.warnings.clone();
    let consent = match (&plan.consent, &loaded.consent) {
        (Some(t), Some(stats)) => {
            inputs.insert("consent", table(t, stats.rows_read, &stats.bad_rows, BTreeMap::new()));
            warnings.extend(consent_warnings(plan, stats));
            Some(consent_summary(plan, stats))
        }
        _ => None,
    };
    let as_of = time_text(config.as_of_micros());
    let deliveries: Vec<DeliverySummary> = targets
        .deliveries
        .iter()
        .zip(counts)
        .zip(properties)
        .map(|((d, c), p)| DeliverySummary {
            delivery_id: d.id.clone(),
            channel: d.channel.name().into(),
            service: p.service.clone(),
            weight: p.weight,
            contact_date: p.contact_date.map_or_else(|| as_of.clone(), time_text),
            control_percent: p.control_percent,
            counts: *c,
        })
        .collect();
    let mut totals = Counts::default();
    counts.iter().for_each(|c| totals.add(c));
    Summary {
        suppress_version: env!("CARGO_PKG_VERSION"),
        inputs,
        warnings,
        options: json!({
            "as_of": config.as_of.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            "caps": config.caps.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
            "exported_at": config.exported_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
            "channel": config.channel.map(Channel::name),
            "default_country": config.canonicalizer.default_country.map(|c| c.to_string()),
            "propagate_optout": config.propagate_optout,
            "skip_bad_rows": config.skip_bad_rows,
            "allow_missing_optout": config.allow_missing_optout,
            "column_map": config.names.describe(),
            "threads": rayon::current_num_threads(),
        }),
        deliveries,
        totals,
        consent,
        pressure,
        timings_ms: Vec::new(),
    }
}

/// Whole microseconds since the epoch as RFC 3339 UTC.
fn time_text(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map_or_else(|| micros.to_string(), |t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

/// The `consent` section: every event read counted once, and the changed profiles per scope.
fn consent_summary(plan: &Plan, stats: &ConsentStats) -> serde_json::Value {
    let ignored: serde_json::Map<String, serde_json::Value> = suppress_model::consent::EventIgnored::ALL
        .iter()
        .map(|why| (why.name().to_string(), json!(stats.ignored.get(why).copied().unwrap_or(0))))
        .collect();
    json!({
        "exported_at": plan.config.exported_at_micros().map(time_text),
        "events": {
            "read": stats.rows_read,
            "bad_rows": stats.bad_rows.total(),
            "ignored": ignored,
            "superseded": stats.superseded,
            "applied": stats.applied,
            "applied_to_unused_scopes": stats.applied_to_unused_scopes,
        },
        "profiles_changed": stats.profiles_changed,
    })
}

/// The warnings the contract names for consent.
fn consent_warnings(plan: &Plan, stats: &ConsentStats) -> Vec<String> {
    let config = &plan.config;
    let mut warnings = Vec::new();
    if let Some(exported_at) = config.exported_at_micros().filter(|&e| e > config.as_of_micros()) {
        warnings.push(format!(
            "consent: --exported-at {} is later than --as-of {}: every consent event is ignored",
            time_text(exported_at),
            time_text(config.as_of_micros())
        ));
    }
    let opt_ins = stats.ignored.get(&suppress_model::consent::EventIgnored::OptInWithoutExportedAt).copied();
    if let Some(n) = opt_ins.filter(|&n| n > 0) {
        warnings.push(format!(
            "consent: {n} deciding opt_in event(s) ignored: without --exported-at an opt_in cannot be told apart \
             from one the export has already overruled, so the export's state stands; give --exported-at (when \
             the profile and subscription exports were taken) to apply them"
        ));
    }
    warnings
}
