//! The per-delivery table that `analyze` prints on stderr.

use suppress_model::Reason;

use crate::{Counts, Summary};

/// The per-delivery table printed on stderr.
pub fn render_table(summary: &Summary) -> String {
    const SHORT: [&str; Reason::COUNT] = [
        "unknown", "opt_all", "opt_chan", "unsubd", "missing", "invalid", "opt_addr", "denylist", "quarant", "dup",
        "pressure", "control",
    ];
    // The service column only when some delivery has one: most runs have none.
    let services = summary.deliveries.iter().any(|d| d.service.is_some());
    let left = if services { 3 } else { 2 };
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut header = vec!["delivery".to_string(), "channel".into()];
    if services {
        header.push("service".into());
    }
    header.extend(["targeted".to_string(), "kept".into()]);
    header.extend(SHORT.iter().map(|s| s.to_string()));
    rows.push(header);
    let line = |id: &str, channel: &str, service: Option<&str>, c: &Counts| {
        let mut row = vec![id.to_string(), channel.to_string()];
        if services {
            row.push(service.unwrap_or("").to_string());
        }
        row.extend([c.targeted().to_string(), c.kept().to_string()]);
        row.extend(Reason::ALL.iter().map(|r| c.excluded(*r).to_string()));
        row
    };
    for d in &summary.deliveries {
        rows.push(line(&d.delivery_id, &d.channel, d.service.as_deref(), &d.counts));
    }
    rows.push(line("TOTAL", "", None, &summary.totals));
    let widths: Vec<usize> =
        (0..rows[0].len()).map(|k| rows.iter().map(|r| r[k].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for (n, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(
                |(k, cell)| {
                    if k < left {
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
    if let Some(consent) = &summary.consent {
        out.push_str(&consent_lines(consent));
    }
    if let Some(caps) = summary.pressure.as_ref().and_then(|p| p["caps"].as_array()) {
        let caps: Vec<String> = caps
            .iter()
            .map(|c| format!("{} excluded {}", c["cap"].as_str().unwrap_or(""), c["excluded"].as_u64().unwrap_or(0)))
            .collect();
        out.push_str(&format!("pressure: {}\n", caps.join(", ")));
    }
    out
}

/// `consent: 1200 events: 900 applied, 250 superseded, ignored 30 future, ...` and the
/// profiles whose effective state changed, per scope.
fn consent_lines(consent: &serde_json::Value) -> String {
    let events = &consent["events"];
    let n = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
    let ignored: Vec<String> = events["ignored"]
        .as_object()
        .map(|m| m.iter().map(|(why, count)| format!("{} {why}", n(count))).collect())
        .unwrap_or_default();
    let changed: Vec<String> = consent["profiles_changed"]
        .as_object()
        .map(|m| m.iter().map(|(scope, count)| format!("{scope} {}", n(count))).collect())
        .unwrap_or_default();
    format!(
        "consent: {} events: {} applied, {} superseded, {} bad; ignored: {}\nprofiles changed by consent: {}\n",
        n(&events["read"]),
        n(&events["applied"]),
        n(&events["superseded"]),
        n(&events["bad_rows"]),
        ignored.join(", "),
        if changed.is_empty() { "none".to_string() } else { changed.join(", ") }
    )
}
