//! The quarantine state of one (channel, canonical address), and the settings of the rules.

use std::sync::Arc;

/// Times and durations are whole microseconds since the Unix epoch (the contract truncates
/// every time to microseconds when it is read).
pub type Micros = i64;

/// The status of an entry. No entry at all (the contract's *none*) is `Option::None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// Errors counted, not yet enough to quarantine (Adobe's "with errors").
    Erroneous,
    Quarantined,
    Denylisted,
    Allowlisted,
}

impl Status {
    /// The name `quarantine.parquet` and `changes.parquet` write.
    pub fn name(self) -> &'static str {
        match self {
            Status::Erroneous => "erroneous",
            Status::Quarantined => "quarantined",
            Status::Denylisted => "denylisted",
            Status::Allowlisted => "allowlisted",
        }
    }
}

/// `error_count` saturates here (2³¹ − 1, the output's Int32).
pub const MAX_ERROR_COUNT: i32 = i32::MAX;

/// One address's entry. [`Entry::default`] is *none*: no entry, no counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub status: Option<Status>,
    pub error_count: i32,
    pub last_error_at: Option<Micros>,
    pub updated_at: Option<Micros>,
    /// `None` never expires.
    pub expires_at: Option<Micros>,
    /// Shared with the row it came from: a few reasons repeat over millions of entries.
    pub reason: Option<Arc<str>>,
}

/// The settings of the rules (`--soft-limit`, `--soft-spacing`, `--error-reset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Counted soft errors that quarantine an address; at least 1.
    pub soft_limit: i32,
    /// Soft errors closer together than this count as one.
    pub soft_spacing: Micros,
    /// A quiet gap longer than this resets the count, and releases an erroneous address.
    pub error_reset: Micros,
}

const HOUR: Micros = 3_600_000_000;
const DAY: Micros = 24 * HOUR;

impl Default for Rules {
    /// The contract's defaults: 5 soft errors, 1 day apart, reset after 10 quiet days.
    fn default() -> Rules {
        Rules { soft_limit: 5, soft_spacing: DAY, error_reset: 10 * DAY }
    }
}

/// Parses a DURATION of the command line: a positive integer followed by `d` or `h`.
pub fn parse_duration(text: &str) -> Result<Micros, String> {
    let bad = || format!("{text:?} is not a duration such as 1d or 12h (a positive whole number of days or hours)");
    let (number, unit) = match text.strip_suffix('d') {
        Some(n) => (n, DAY),
        None => (text.strip_suffix('h').ok_or_else(bad)?, HOUR),
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: i64 = number.parse().map_err(|_| bad())?;
    match n.checked_mul(unit) {
        Some(micros) if n > 0 => Ok(micros),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_positive_days_or_hours() {
        assert_eq!(parse_duration("1d"), Ok(DAY));
        assert_eq!(parse_duration("10d"), Ok(10 * DAY));
        assert_eq!(parse_duration("36h"), Ok(36 * HOUR));
        for bad in ["0d", "5m", "-1d", "d", "1", "1.5d", "+1d", " 1d", "1D", "99999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
