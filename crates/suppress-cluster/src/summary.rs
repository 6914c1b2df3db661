//! `summary.json` of a DataFusion run: the native engine's keys and figures (inputs, options,
//! per-delivery outcomes, totals, consent, caps), plus `engine`.
//! Deliveries are listed in (delivery_id, channel) order: the cluster does not keep the order
//! in which the targets first named them.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use suppress_model::Reason;

use crate::details::Details;
use crate::run::DeliveryProperties;
use crate::tables::Input;
use crate::Options;

/// One delivery's outcome counts: kept, and excluded by reason number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryLine {
    pub targeted: u64,
    pub kept: u64,
    pub excluded: BTreeMap<u8, u64>,
}

impl DeliveryLine {
    fn add(&mut self, other: &DeliveryLine) {
        self.targeted += other.targeted;
        self.kept += other.kept;
        for (reason, n) in &other.excluded {
            *self.excluded.entry(*reason).or_default() += n;
        }
    }

    fn to_json(&self) -> Map<String, Value> {
        let excluded: Map<String, Value> = Reason::ALL
            .iter()
            .map(|r| (r.name().to_string(), json!(self.excluded.get(&r.number()).copied().unwrap_or(0))))
            .collect();
        let mut map = Map::new();
        map.insert("targeted".into(), json!(self.targeted));
        map.insert("kept".into(), json!(self.kept));
        map.insert("excluded".into(), Value::Object(excluded));
        map
    }
}

/// The whole summary, as JSON.
#[derive(Debug, Clone)]
pub struct Summary {
    pub json: Value,
    /// Per (delivery_id, channel): its outcome counts.
    pub deliveries: BTreeMap<(String, String), DeliveryLine>,
}

/// What a run hands the summary, besides its per-delivery counts.
pub(crate) struct Run<'a> {
    pub options: &'a Options,
    pub threads: usize,
    pub inputs: &'a BTreeMap<&'static str, Input>,
    pub warnings: Vec<String>,
    pub details: Details,
    pub properties: &'a BTreeMap<String, DeliveryProperties>,
    pub unused_deliveries: usize,
    pub excluded_per_cap: &'a [u64],
    pub timings: Vec<(String, u64)>,
}

/// The tables in the order the native engine lists `--map`'s columns (its `TableKind` order).
const MAP_ORDER: [&str; 8] =
    ["profiles", "quarantine", "targets", "deliveries", "subscriptions", "consent", "history", "log"];

impl Summary {
    pub(crate) fn assemble(run: Run, deliveries: BTreeMap<(String, String), DeliveryLine>) -> Summary {
        let Run {
            options,
            threads,
            inputs,
            mut warnings,
            mut details,
            properties,
            unused_deliveries,
            excluded_per_cap,
            timings,
        } = run;
        let mut tables = Map::new();
        for (name, input) in inputs {
            let mut table = Map::new();
            table.insert("path".into(), json!(input.path.display().to_string()));
            table.insert("files".into(), json!(input.files.order.len()));
            table.insert("bytes".into(), json!(input.files.bytes));
            table.insert("rows".into(), json!(input.files.rows));
            table.insert("bad_rows".into(), json!(input.bad_rows));
            match *name {
                "targets" => {
                    table.insert("deliveries".into(), json!(deliveries.len()));
                }
                "deliveries" => {
                    table.insert("unused_by_targets".into(), json!(unused_deliveries));
                }
                _ => {}
            }
            if let Some(figures) = details.tables.remove(name) {
                table.extend(figures);
            }
            tables.insert(name.to_string(), Value::Object(table));
        }
        warnings.append(&mut details.warnings);
        let column_map: Vec<String> = MAP_ORDER
            .iter()
            .flat_map(|t| {
                options
                    .columns
                    .iter()
                    .filter(move |((table, _), _)| table == t)
                    .map(|((t, n), c)| format!("{t}.{n}={c}"))
            })
            .collect();
        let mut totals = DeliveryLine::default();
        let lines: Vec<Value> = deliveries
            .iter()
            .map(|((delivery_id, channel), line)| {
                totals.add(line);
                let p = properties.get(delivery_id);
                let mut map = Map::new();
                map.insert("delivery_id".into(), json!(delivery_id));
                map.insert("channel".into(), json!(channel));
                map.insert("service".into(), json!(p.and_then(|p| p.service.clone())));
                map.insert("weight".into(), json!(p.map_or(5, |p| p.weight)));
                map.insert("contact_date".into(), json!(time_text(p.map_or(options.as_of, |p| p.contact))));
                map.insert("control_percent".into(), json!(p.map_or(0.0, |p| p.control_percent)));
                map.extend(line.to_json());
                Value::Object(map)
            })
            .collect();
        let mut json = json!({
            "suppress_version": env!("CARGO_PKG_VERSION"),
            "engine": "datafusion",
            "inputs": tables,
            "warnings": warnings,
            "options": {
                "as_of": time_text(options.as_of),
                "caps": options.caps.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
                "exported_at": options.exported_at.map(time_text),
                "channel": options.channel.map(|c| c.name()),
                "default_country": options.default_country.as_ref().map(|c| c.to_string()),
                "propagate_optout": options.propagate_optout,
                "skip_bad_rows": options.skip_bad_rows,
                "allow_missing_optout": options.allow_missing_optout,
                "column_map": column_map,
                "threads": threads,
            },
            "deliveries": lines,
            "totals": Value::Object(totals.to_json()),
        });
        if let Some(consent) = details.consent {
            json["consent"] = consent;
        }
        if !options.caps.is_empty() {
            let caps: Vec<Value> = options
                .caps
                .iter()
                .zip(excluded_per_cap)
                .map(|(cap, excluded)| json!({"cap": cap.to_string(), "excluded": excluded}))
                .collect();
            json["pressure"] = json!({"caps": caps, "history": options.history.is_some()});
        }
        let mut timing_map = Map::new();
        for (name, ms) in timings {
            timing_map.insert(name, json!(ms));
        }
        json["timings_ms"] = Value::Object(timing_map);
        Summary { json, deliveries }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.json).expect("a JSON value serializes") + "\n"
    }
}

/// Whole microseconds since the epoch as RFC 3339 UTC, as the native summary writes times.
pub(crate) fn time_text(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map_or_else(|| micros.to_string(), |t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_as_rfc3339_utc() {
        assert_eq!(time_text(0), "1970-01-01T00:00:00Z");
        assert_eq!(time_text(1_793_491_200_000_000), "2026-11-01T00:00:00Z");
        assert_eq!(time_text(1_500_000), "1970-01-01T00:00:01.500Z");
        assert_eq!(time_text(-1), "1969-12-31T23:59:59.999999Z");
        assert_eq!(time_text(951_782_400_000_000), "2000-02-29T00:00:00Z");
    }
}
