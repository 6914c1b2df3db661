//! What the tests of this crate share: the native engine's `Config` of a run as this crate's
//! `Options`, the conversion `suppress analyze --engine datafusion` makes (`suppress-cli`'s
//! `engine.rs`), so that every test runs both engines on one run's settings.

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
