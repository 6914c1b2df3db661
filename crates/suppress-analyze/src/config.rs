//! What one run reads and how.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use suppress_load::ColumnNames;
use suppress_model::pressure::Cap;
use suppress_model::{Canonicalizer, Channel};

/// The inputs and options of `suppress analyze`.
#[derive(Debug, Clone)]
pub struct Config {
    pub profiles: PathBuf,
    pub targets: PathBuf,
    pub quarantine: Option<PathBuf>,
    /// `--deliveries`: each delivery's service, weight, contact date and control share.
    pub deliveries: Option<PathBuf>,
    /// `--subscriptions`: who is subscribed to which service, as exported.
    pub subscriptions: Option<PathBuf>,
    /// `--consent`: the opt-in and opt-out events since the exports.
    pub consent: Option<PathBuf>,
    /// `--exported-at`: when the profile and subscription exports were taken.
    pub exported_at: Option<DateTime<Utc>>,
    /// `--history`: the messages already sent (only with caps).
    pub history: Option<PathBuf>,
    /// `--cap`: the pressure rules, in command-line order.
    pub caps: Vec<Cap>,
    /// `--channel`: the channel of every target row.
    pub channel: Option<Channel>,
    /// `--as-of`: quarantine entries expiring at or before it are inactive.
    pub as_of: DateTime<Utc>,
    pub canonicalizer: Canonicalizer,
    pub propagate_optout: bool,
    pub skip_bad_rows: bool,
    pub allow_missing_optout: bool,
    pub names: ColumnNames,
}

impl Config {
    /// A configuration with the contract's defaults (as of now).
    pub fn new(profiles: PathBuf, targets: PathBuf) -> Config {
        Config {
            profiles,
            targets,
            quarantine: None,
            deliveries: None,
            subscriptions: None,
            consent: None,
            exported_at: None,
            history: None,
            caps: Vec::new(),
            channel: None,
            as_of: Utc::now(),
            canonicalizer: Canonicalizer::default(),
            propagate_optout: false,
            skip_bad_rows: false,
            allow_missing_optout: false,
            names: ColumnNames::default(),
        }
    }

    /// `--as-of` in whole microseconds since the epoch, truncated toward the past (as the
    /// contract reads every time).
    pub fn as_of_micros(&self) -> i64 {
        self.as_of.timestamp_micros()
    }

    /// `--exported-at` in whole microseconds, truncated toward the past.
    pub fn exported_at_micros(&self) -> Option<i64> {
        self.exported_at.map(|t| t.timestamp_micros())
    }
}

/// Parses `--as-of` as RFC 3339 (`2026-11-23T00:00:00Z`, `2026-11-23T01:00:00+01:00`).
pub fn parse_as_of(text: &str) -> Result<DateTime<Utc>, String> {
    parse_instant("--as-of", text)
}

/// Parses the RFC 3339 value of the time flag `flag`, for its usage error.
pub fn parse_instant(flag: &str, text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{flag} {text:?}: not an RFC 3339 instant such as 2026-11-23T00:00:00Z ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_is_rfc3339_with_offset() {
        let t = parse_as_of("2026-11-23T01:00:00+01:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-23T00:00:00+00:00");
        let mut config = Config::new("p".into(), "t".into());
        config.as_of = parse_as_of("1970-01-01T00:00:01.5000019Z").unwrap();
        assert_eq!(config.as_of_micros(), 1_500_001);
        config.as_of = parse_as_of("1969-12-31T23:59:59.9999995Z").unwrap();
        assert_eq!(config.as_of_micros(), -1, "toward the past");
        config.exported_at = Some(parse_instant("--exported-at", "1970-01-01T00:00:00.000001999Z").unwrap());
        assert_eq!(config.exported_at_micros(), Some(1));
        assert!(parse_instant("--exported-at", "x").unwrap_err().starts_with("--exported-at \"x\""));
        for bad in ["2026-11-23", "yesterday", "2026-11-23 00:00:00", ""] {
            assert!(parse_as_of(bad).is_err(), "{bad}");
        }
    }
}
