//! `summary.json` and its human-readable table.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use suppress_index::TargetList;
use suppress_model::Reason;

/// Outcome counts: index 0 is kept, index n is reason n.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts(pub [u64; 10]);

impl Counts {
    pub fn targeted(&self) -> u64 {
        self.0.iter().sum()
    }

    pub fn kept(&self) -> u64 {
        self.0[0]
    }

    pub fn excluded(&self, reason: Reason) -> u64 {
        self.0[usize::from(reason.number())]
    }

    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &Counts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }
}

/// Serializes as `{"targeted", "kept", "excluded": {reason: count, ...}}` in contract order.
impl Serialize for Counts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Reasons<'a>(&'a Counts);
        impl Serialize for Reasons<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(Reason::ALL.len()))?;
                for reason in Reason::ALL {
                    map.serialize_entry(reason.name(), &self.0.excluded(reason))?;
                }
                map.end()
            }
        }
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("targeted", &self.targeted())?;
        map.serialize_entry("kept", &self.kept())?;
        map.serialize_entry("excluded", &Reasons(self))?;
        map.end()
    }
}

/// Counts outcomes per delivery, in parallel.
pub fn count_by_delivery(targets: &TargetList, codes: &[u8]) -> Vec<Counts> {
    let deliveries = targets.deliveries.len();
    codes
        .par_chunks(1 << 16)
        .enumerate()
        .fold(
            || vec![Counts::default(); deliveries],
            |mut acc, (chunk, codes)| {
                let base = chunk << 16;
                for (i, &code) in codes.iter().enumerate() {
                    acc[targets.delivery[base + i] as usize].0[usize::from(code)] += 1;
                }
                acc
            },
        )
        .reduce(
            || vec![Counts::default(); deliveries],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| x.add(y));
                a
            },
        )
}

/// One delivery's line of the summary.
#[derive(Debug, Clone, Serialize)]
pub struct DeliverySummary {
    pub delivery_id: String,
    pub channel: String,
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

/// The per-delivery table printed on stderr.
pub fn render_table(summary: &Summary) -> String {
    const SHORT: [&str; 9] =
        ["unknown", "opt_all", "opt_chan", "missing", "invalid", "opt_addr", "denylist", "quarant", "dup"];
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut header = vec!["delivery".to_string(), "channel".into(), "targeted".into(), "kept".into()];
    header.extend(SHORT.iter().map(|s| s.to_string()));
    rows.push(header);
    let line = |id: &str, channel: &str, c: &Counts| {
        let mut row = vec![id.to_string(), channel.to_string(), c.targeted().to_string(), c.kept().to_string()];
        row.extend(Reason::ALL.iter().map(|r| c.excluded(*r).to_string()));
        row
    };
    for d in &summary.deliveries {
        rows.push(line(&d.delivery_id, &d.channel, &d.counts));
    }
    rows.push(line("TOTAL", "", &summary.totals));
    let widths: Vec<usize> =
        (0..rows[0].len()).map(|k| rows.iter().map(|r| r[k].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for (n, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(
                |(k, cell)| {
                    if k < 2 {
                        format!("{cell:<w$}", w = widths[k])
                    } else {
                        format!("{cell:>w$}", w = widths[k])
                    }
                },
            )
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if n == 0 || n == rows.len() - 2 {
            out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1)));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_serialize_in_contract_order() {
        let mut c = Counts::default();
        c.0[0] = 5;
        c.0[9] = 2;
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.starts_with(r#"{"targeted":7,"kept":5,"excluded":{"unknown_profile":0,"optout_all":0"#), "{json}");
        assert!(json.ends_with(r#""quarantined":0,"duplicate":2}}"#), "{json}");
    }
}
