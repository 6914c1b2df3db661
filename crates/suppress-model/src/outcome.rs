//! Outcomes of the delivery log that `suppress quarantine` reads, and the order rows of one
//! instant are applied in.

use crate::ascii;

/// What the delivery log says happened to one message.
///
/// Declared in the order rows with the same `at` are applied: the most restrictive last, so
/// that on a tie the address ends up as the strictest row leaves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// The message was accepted.
    Delivered,
    /// The recipient replied START: lifts a quarantine or a denylisting.
    Start,
    /// A failure that says nothing about the address (out of office, ...).
    Ignored,
    /// A temporary failure (mailbox full, domain unreachable, ...).
    Soft,
    /// A permanent failure (user unknown, ...).
    Hard,
    /// The recipient reported the message as spam.
    Complaint,
    /// The recipient replied STOP to an SMS.
    Stop,
}

const SPELLINGS: [(&str, Outcome); 19] = [
    ("delivered", Outcome::Delivered),
    ("sent", Outcome::Delivered),
    ("success", Outcome::Delivered),
    ("ignored", Outcome::Ignored),
    ("ignore", Outcome::Ignored),
    ("soft", Outcome::Soft),
    ("soft_bounce", Outcome::Soft),
    ("soft_error", Outcome::Soft),
    ("hard", Outcome::Hard),
    ("hard_bounce", Outcome::Hard),
    ("hard_error", Outcome::Hard),
    ("complaint", Outcome::Complaint),
    ("spam", Outcome::Complaint),
    ("spam_complaint", Outcome::Complaint),
    ("abuse", Outcome::Complaint),
    ("stop", Outcome::Stop),
    ("unsubscribe_keyword", Outcome::Stop),
    ("start", Outcome::Start),
    ("unstop", Outcome::Start),
];

impl Outcome {
    /// Parses an outcome or one of its aliases, trimmed, ASCII letters lowercased.
    pub fn parse(text: &str) -> Option<Outcome> {
        SPELLINGS.iter().find(|(name, _)| ascii::name_matches(text, name)).map(|&(_, outcome)| outcome)
    }

    /// The canonical name, as `changes.parquet` writes it.
    pub fn name(self) -> &'static str {
        SPELLINGS.iter().find(|(_, o)| *o == self).map(|(name, _)| *name).expect("every outcome is spelled")
    }

    /// Every accepted spelling, for error messages.
    pub fn spellings() -> String {
        SPELLINGS.map(|(name, _)| name).join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_alias_of_the_contract_and_nothing_else() {
        let table = [
            ("delivered", ["sent", "success"].as_slice(), Outcome::Delivered),
            ("ignored", &["ignore"], Outcome::Ignored),
            ("soft", &["soft_bounce", "soft_error"], Outcome::Soft),
            ("hard", &["hard_bounce", "hard_error"], Outcome::Hard),
            ("complaint", &["spam", "spam_complaint", "abuse"], Outcome::Complaint),
            ("stop", &["unsubscribe_keyword"], Outcome::Stop),
            ("start", &["unstop"], Outcome::Start),
        ];
        for (name, aliases, outcome) in table {
            assert_eq!(outcome.name(), name);
            assert_eq!(Outcome::parse(name), Some(outcome));
            for alias in aliases {
                assert_eq!(Outcome::parse(alias), Some(outcome), "{alias}");
            }
        }
        assert_eq!(Outcome::parse(" Soft_Bounce\t"), Some(Outcome::Soft));
        for unknown in ["bounce", "soft bounce", "", "delivered!", "\u{212A}ill"] {
            assert_eq!(Outcome::parse(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn same_instant_order_is_the_contracts() {
        let mut all = [
            Outcome::Stop,
            Outcome::Complaint,
            Outcome::Hard,
            Outcome::Soft,
            Outcome::Ignored,
            Outcome::Start,
            Outcome::Delivered,
        ];
        all.sort();
        let names: Vec<_> = all.iter().map(|o| o.name()).collect();
        assert_eq!(names, ["delivered", "start", "ignored", "soft", "hard", "complaint", "stop"]);
    }
}
