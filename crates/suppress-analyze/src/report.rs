//! `--report FILE.html`: one self-contained page for the person who reads the result in the
//! morning. No external assets, no JavaScript: a per-delivery table and a stacked bar chart
//! (inline SVG) of kept versus each exclusion reason.

use std::fmt::Write;

use suppress_model::Reason;

use crate::{Counts, Summary};

/// Kept, then one colour per reason in contract order (colour-blind-safe palette).
const COLOURS: [&str; Reason::COUNT + 1] = [
    "#2e7d32", "#6d6d6d", "#d55e00", "#e69f00", "#f0e442", "#b5b5b5", "#cc79a7", "#8c564b", "#000000", "#0072b2",
    "#56b4e9", "#882255", "#44aa99",
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn label(index: usize) -> &'static str {
    if index == 0 {
        "kept"
    } else {
        Reason::ALL[index - 1].name()
    }
}

/// `1234567` as `1,234,567`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "–".into()
    } else {
        format!("{:.1}%", 100.0 * part as f64 / whole as f64)
    }
}

/// Renders the report page.
pub fn render_html(summary: &Summary) -> String {
    let mut html = String::new();
    let as_of = summary.options["as_of"].as_str().unwrap_or("");
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Delivery analysis</title>\n<style>\n\
body{{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem;color:#222;max-width:1200px}}\n\
h1{{font-size:1.5rem;margin-bottom:.2rem}} .sub{{color:#666;margin-top:0}}\n\
table{{border-collapse:collapse;margin:1rem 0;font-size:.82rem}} th,td{{padding:.3rem .45rem;border-bottom:1px solid #ddd;text-align:right;font-variant-numeric:tabular-nums}}\n\
td.l{{white-space:nowrap}} th{{font-weight:600;vertical-align:bottom}}\n\
th{{background:#f4f4f4}} td.l,th.l{{text-align:left}} tr.total td{{font-weight:bold;border-top:2px solid #999}}\n\
.legend span{{display:inline-block;margin-right:1rem;font-size:.85rem}} .legend i{{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}}\n\
</style></head><body>\n<h1>Delivery analysis</h1>\n<p class=\"sub\">{} deliveries · {} target rows · {} kept ({}) · as of {}</p>\n",
        summary.deliveries.len(),
        grouped(summary.totals.targeted()),
        grouped(summary.totals.kept()),
        percent(summary.totals.kept(), summary.totals.targeted()),
        escape(as_of),
    );
    html.push_str(&chart(summary));
    html.push_str(&table(summary));
    if !summary.warnings.is_empty() {
        html.push_str("<h2>Warnings</h2><ul>");
        for w in &summary.warnings {
            let _ = write!(html, "<li>{}</li>", escape(w));
        }
        html.push_str("</ul>");
    }
    html.push_str("</body></html>\n");
    html
}

fn chart(summary: &Summary) -> String {
    const LABEL_W: usize = 260;
    const BAR_W: usize = 800;
    const ROW_H: usize = 28;
    let height = ROW_H * summary.deliveries.len() + 10;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" role=\"img\" aria-label=\"Kept and excluded rows per delivery\" font-size=\"12\">",
        LABEL_W + BAR_W + 10
    );
    for (row, d) in summary.deliveries.iter().enumerate() {
        let y = row * ROW_H + 4;
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{} · {}</text>",
            LABEL_W - 8,
            y + 15,
            escape(&d.delivery_id),
            d.channel
        );
        let total = d.counts.targeted();
        let mut x = LABEL_W as f64;
        for (k, &count) in d.counts.0.iter().enumerate() {
            if count == 0 || total == 0 {
                continue;
            }
            let w = BAR_W as f64 * count as f64 / total as f64;
            let _ = writeln!(
                svg,
                "<rect x=\"{x:.2}\" y=\"{y}\" width=\"{w:.2}\" height=\"{}\" fill=\"{}\"><title>{}: {} ({})</title></rect>",
                ROW_H - 8,
                COLOURS[k],
                label(k),
                grouped(count),
                percent(count, total)
            );
            x += w;
        }
    }
    svg.push_str("</svg>\n");
    let mut legend = String::from("<div class=\"legend\">");
    for (k, colour) in COLOURS.iter().enumerate() {
        let _ = write!(legend, "<span><i style=\"background:{colour}\"></i>{}</span>", label(k));
    }
    legend.push_str("</div>\n");
    legend + &svg
}

fn table(summary: &Summary) -> String {
    let mut t = String::from("<table>\n<tr><th class=\"l\">delivery</th><th class=\"l\">channel</th><th class=\"l\">service</th><th>targeted</th><th>kept</th><th>kept %</th>");
    for r in Reason::ALL {
        let _ = write!(t, "<th>{}</th>", r.name().replace('_', " "));
    }
    t.push_str("</tr>\n");
    let row = |t: &mut String, class: &str, id: &str, channel: &str, service: Option<&str>, c: &Counts| {
        let _ = write!(
            t,
            "<tr class=\"{class}\"><td class=\"l\">{}</td><td class=\"l\">{channel}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td>",
            escape(id),
            escape(service.unwrap_or("")),
            grouped(c.targeted()),
            grouped(c.kept()),
            percent(c.kept(), c.targeted())
        );
        for r in Reason::ALL {
            let _ = write!(t, "<td>{}</td>", grouped(c.excluded(r)));
        }
        t.push_str("</tr>\n");
    };
    for d in &summary.deliveries {
        row(&mut t, "", &d.delivery_id, &d.channel, d.service.as_deref(), &d.counts);
    }
    row(&mut t, "total", "Total", "", None, &summary.totals);
    t.push_str("</table>\n");
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::DeliverySummary;

    #[test]
    fn escapes_delivery_ids_and_lists_every_delivery() {
        let mut counts = Counts::default();
        counts.0[0] = 3;
        counts.0[10] = 1;
        counts.0[4] = 2;
        let delivery = |id: &str, channel: &str, service: Option<&str>| DeliverySummary {
            delivery_id: id.into(),
            channel: channel.into(),
            service: service.map(Into::into),
            weight: 5,
            contact_date: "2026-11-01T00:00:00Z".into(),
            control_percent: 0.0,
            counts,
        };
        let summary = Summary {
            suppress_version: "0",
            inputs: Default::default(),
            warnings: vec!["careful <b>".into()],
            options: serde_json::json!({"as_of": "2026-11-01T00:00:00Z"}),
            deliveries: vec![delivery("<script>", "email", Some("news&letter")), delivery("sms-1", "sms", None)],
            totals: counts,
            consent: None,
            pressure: None,
            timings_ms: vec![],
        };
        let html = render_html(&summary);
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"));
        assert!(html.contains("sms-1"));
        assert!(html.contains("careful &lt;b&gt;"));
        assert!(html.contains("<svg") && html.contains("duplicate: 1 (16.7%)"), "{html}");
        assert!(html.contains("not_subscribed: 2 (33.3%)") && html.contains("<th>not subscribed</th>"));
        assert!(html.contains("news&amp;letter"));
        assert_eq!(grouped(1234567), "1,234,567");
        assert_eq!(grouped(123), "123");
        assert_eq!(grouped(1000), "1,000");
        assert!(!html.contains("http://") || html.matches("http://").count() == 1, "only the SVG namespace");
    }
}
