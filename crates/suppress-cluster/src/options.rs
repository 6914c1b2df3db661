//! What one run reads and how: the flags of `suppress analyze`, with no Arrow type in them, so
//! that the command line (on arrow 60) hands them to this crate (on DataFusion's arrow).

use std::collections::BTreeMap;
use std::path::PathBuf;

use suppress_model::pressure::Cap;
use suppress_model::{Channel, CountryCode};

/// The inputs and options of one run.
#[derive(Debug, Clone)]
pub struct Options {
    pub profiles: PathBuf,
    pub targets: PathBuf,
    pub quarantine: Option<PathBuf>,
    pub deliveries: Option<PathBuf>,
    pub subscriptions: Option<PathBuf>,
    pub consent: Option<PathBuf>,
    pub history: Option<PathBuf>,
    /// `--as-of`, whole microseconds since the epoch.
    pub as_of: i64,
    /// `--exported-at`, whole microseconds since the epoch.
    pub exported_at: Option<i64>,
    pub caps: Vec<Cap>,
    pub channel: Option<Channel>,
    pub default_country: Option<CountryCode>,
    pub propagate_optout: bool,
    pub skip_bad_rows: bool,
    pub allow_missing_optout: bool,
    /// `--map TABLE.NAME=COLUMN` (and `--preset`): (table, contract name) → column read.
    pub columns: BTreeMap<(String, String), String>,
}

impl Options {
    /// The options of a run with the contract's defaults.
    pub fn new(profiles: PathBuf, targets: PathBuf, as_of: i64) -> Options {
        Options {
            profiles,
            targets,
            quarantine: None,
            deliveries: None,
            subscriptions: None,
            consent: None,
            history: None,
            as_of,
            exported_at: None,
            caps: Vec::new(),
            channel: None,
            default_country: None,
            propagate_optout: false,
            skip_bad_rows: false,
            allow_missing_optout: false,
            columns: BTreeMap::new(),
        }
    }

    /// The column that `table`'s contract column `name` is read from.
    pub fn column(&self, table: &str, name: &str) -> String {
        self.columns.get(&(table.to_string(), name.to_string())).cloned().unwrap_or_else(|| name.to_string())
    }

    /// The path of `table`, when given.
    pub fn path(&self, table: &str) -> Option<&PathBuf> {
        match table {
            "profiles" => Some(&self.profiles),
            "targets" => Some(&self.targets),
            "quarantine" => self.quarantine.as_ref(),
            "deliveries" => self.deliveries.as_ref(),
            "subscriptions" => self.subscriptions.as_ref(),
            "consent" => self.consent.as_ref(),
            "history" => self.history.as_ref(),
            _ => None,
        }
    }
}
