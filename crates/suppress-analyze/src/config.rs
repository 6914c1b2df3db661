//! What one run reads and how.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use suppress_load::ColumnNames;
use suppress_model::{Canonicalizer, Channel};

/// The inputs and options of `suppress analyze`.
#[derive(Debug, Clone)]
pub struct Config {
    pub profiles: PathBuf,
    pub targets: PathBuf,
    pub quarantine: Option<PathBuf>,
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
            channel: None,
            as_of: Utc::now(),
            canonicalizer: Canonicalizer::default(),
            propagate_optout: false,
            skip_bad_rows: false,
            allow_missing_optout: false,
            names: ColumnNames::default(),
        }
    }

    /// `as_of` in nanoseconds since the epoch, exact at any date.
    pub fn as_of_nanos(&self) -> i128 {
        i128::from(self.as_of.timestamp()) * 1_000_000_000 + i128::from(self.as_of.timestamp_subsec_nanos())
    }
}

/// Parses `--as-of` as RFC 3339 (`2026-11-23T00:00:00Z`, `2026-11-23T01:00:00+01:00`).
pub fn parse_as_of(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("--as-of {text:?}: not an RFC 3339 instant such as 2026-11-23T00:00:00Z ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_is_rfc3339_with_offset() {
        let t = parse_as_of("2026-11-23T01:00:00+01:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-23T00:00:00+00:00");
        let mut config = Config::new("p".into(), "t".into());
        config.as_of = parse_as_of("1970-01-01T00:00:01.5Z").unwrap();
        assert_eq!(config.as_of_nanos(), 1_500_000_000);
        for bad in ["2026-11-23", "yesterday", "2026-11-23 00:00:00", ""] {
            assert!(parse_as_of(bad).is_err(), "{bad}");
        }
    }
}
