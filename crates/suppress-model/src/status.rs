//! Quarantine statuses and how several entries for one address combine.

use crate::ascii;

/// The effect of one quarantine entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuarantineStatus {
    /// Excludes the address; nothing overrides it.
    Denylisted,
    /// Excludes the address unless it is also allowlisted.
    Quarantined,
    /// Sends to the address even if quarantined; never overrides a denylisting.
    Allowlisted,
    /// No effect.
    Valid,
}

const SPELLINGS: [(&str, QuarantineStatus); 12] = [
    ("denylisted", QuarantineStatus::Denylisted),
    ("denylist", QuarantineStatus::Denylisted),
    ("blacklisted", QuarantineStatus::Denylisted),
    ("blocklisted", QuarantineStatus::Denylisted),
    ("quarantined", QuarantineStatus::Quarantined),
    ("quarantine", QuarantineStatus::Quarantined),
    ("allowlisted", QuarantineStatus::Allowlisted),
    ("allowlist", QuarantineStatus::Allowlisted),
    ("whitelisted", QuarantineStatus::Allowlisted),
    ("valid", QuarantineStatus::Valid),
    ("with_errors", QuarantineStatus::Valid),
    ("erroneous", QuarantineStatus::Valid),
];

impl QuarantineStatus {
    /// Parses a status or one of its aliases, trimmed, ASCII letters lowercased.
    pub fn parse(text: &str) -> Option<QuarantineStatus> {
        SPELLINGS.iter().find(|(name, _)| ascii::name_matches(text, name)).map(|&(_, status)| status)
    }

    /// Every accepted spelling, for error messages.
    pub fn spellings() -> String {
        SPELLINGS.map(|(name, _)| name).join(", ")
    }
}

/// What all active entries of one (channel, canonical address) amount to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusSet {
    pub denylisted: bool,
    pub quarantined: bool,
    pub allowlisted: bool,
}

impl StatusSet {
    /// Adds one active entry.
    pub fn add(&mut self, status: QuarantineStatus) {
        match status {
            QuarantineStatus::Denylisted => self.denylisted = true,
            QuarantineStatus::Quarantined => self.quarantined = true,
            QuarantineStatus::Allowlisted => self.allowlisted = true,
            QuarantineStatus::Valid => {}
        }
    }

    /// The contract's precedence: any denylisted wins, then any allowlisted clears, then any
    /// quarantined excludes.
    pub fn verdict(self) -> Option<QuarantineStatus> {
        if self.denylisted {
            Some(QuarantineStatus::Denylisted)
        } else if self.allowlisted {
            None
        } else if self.quarantined {
            Some(QuarantineStatus::Quarantined)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use QuarantineStatus::*;

    #[test]
    fn every_alias_parses() {
        for (text, want) in [
            ("denylisted", Denylisted),
            ("DENYLIST", Denylisted),
            (" Blacklisted ", Denylisted),
            ("blocklisted\t", Denylisted),
            ("Quarantined", Quarantined),
            ("quarantine", Quarantined),
            ("AllowListed", Allowlisted),
            ("allowlist", Allowlisted),
            ("\x0Bwhitelisted", Allowlisted),
            ("valid", Valid),
            ("With_Errors", Valid),
            ("erroneous", Valid),
        ] {
            assert_eq!(QuarantineStatus::parse(text), Some(want), "{text:?}");
        }
    }

    #[test]
    fn near_spellings_are_unknown() {
        for text in ["with errors", "White Listed", "blacklist", "deny", "", "quarantine d"] {
            assert_eq!(QuarantineStatus::parse(text), None, "{text:?}");
        }
    }

    fn verdict_of(statuses: &[QuarantineStatus]) -> Option<QuarantineStatus> {
        let mut set = StatusSet::default();
        statuses.iter().for_each(|s| set.add(*s));
        set.verdict()
    }

    #[test]
    fn denylist_beats_allowlist_beats_quarantine() {
        assert_eq!(verdict_of(&[]), None);
        assert_eq!(verdict_of(&[Valid]), None);
        assert_eq!(verdict_of(&[Quarantined]), Some(Quarantined));
        assert_eq!(verdict_of(&[Quarantined, Allowlisted]), None);
        assert_eq!(verdict_of(&[Allowlisted, Denylisted]), Some(Denylisted));
        assert_eq!(verdict_of(&[Quarantined, Denylisted, Allowlisted]), Some(Denylisted));
        assert_eq!(verdict_of(&[Valid, Quarantined, Valid]), Some(Quarantined));
    }
}
