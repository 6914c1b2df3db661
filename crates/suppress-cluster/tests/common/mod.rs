//! What the tests of this crate share: the native engine's `Config` of a run as this crate's
//! `Options`, the conversion `suppress analyze --engine datafusion` makes (`suppress-cli`'s
//! `engine.rs`), so that every test runs both engines on one run's settings; and the
//! comparison of their summaries.

use suppress_analyze::Config;
use suppress_load::TableKind;

pub fn options(config: &Config) -> suppress_cluster::Options {
    let mut options =
        suppress_cluster::Options::new(config.profiles.clone(), config.targets.clone(), config.as_of_micros());
    options.quarantine = config.quarantine.clone();
    options.deliveries = config.deliveries.clone();
    options.subscriptions = config.subscriptions.clone();
    options.consent = config.consent.clone();
    options.history = config.history.clone();
    options.exported_at = config.exported_at_micros();
    options.caps = config.caps.clone();
    options.channel = config.channel;
    options.default_country = config.canonicalizer.default_country;
    options.propagate_optout = config.propagate_optout;
    options.skip_bad_rows = config.skip_bad_rows;
    options.allow_missing_optout = config.allow_missing_optout;
    for table in TableKind::ALL {
        for name in table.columns() {
            let source = config.names.source(table, name);
            if source != *name {
                options.columns.insert((table.name().to_string(), name.to_string()), source.to_string());
            }
        }
    }
    options
}

/// The two engines' `summary.json` say the same: every input figure, the options, the
/// warnings, the consent section, the caps, the totals and every delivery's line. Only the
/// engine's name, the thread count, the timings and the order of the deliveries (the cluster
/// lists them by id) may differ.
pub fn assert_same_summary(native: &serde_json::Value, cluster: &serde_json::Value) {
    for key in ["inputs", "warnings", "consent", "pressure", "totals", "suppress_version"] {
        assert_eq!(native[key], cluster[key], "summary.json: {key}");
    }
    let options = |s: &serde_json::Value| {
        let mut o = s["options"].clone();
        o.as_object_mut().unwrap().remove("threads");
        o
    };
    assert_eq!(options(native), options(cluster), "summary.json: options");
    let lines = |s: &serde_json::Value| -> std::collections::BTreeMap<(String, String), serde_json::Value> {
        s["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| ((d["delivery_id"].as_str().unwrap().into(), d["channel"].as_str().unwrap().into()), d.clone()))
            .collect()
    };
    assert_eq!(lines(native), lines(cluster), "summary.json: deliveries");
    assert_eq!(cluster["engine"], "datafusion");
}
