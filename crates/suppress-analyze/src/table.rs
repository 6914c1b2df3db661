//! The per-delivery table that `analyze` prints on stderr.

use suppress_model::Reason;

use crate::{Counts, Summary};

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
