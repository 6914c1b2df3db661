//! Exclusion reasons, in the order the contract tries them.

/// Why a target row is not sent. Variants are declared in contract order, so comparing two
/// reasons tells which one applies first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    UnknownProfile = 1,
    OptoutAll = 2,
    OptoutChannel = 3,
    NotSubscribed = 4,
    MissingAddress = 5,
    InvalidAddress = 6,
    OptoutAddress = 7,
    Denylisted = 8,
    Quarantined = 9,
    Duplicate = 10,
    Pressure = 11,
    ControlGroup = 12,
}

impl Reason {
    /// How many reasons there are: outcome codes run from 0 (kept) to `COUNT`.
    pub const COUNT: usize = Reason::ALL.len();

    /// Every reason, in contract order.
    pub const ALL: [Reason; 12] = [
        Reason::UnknownProfile,
        Reason::OptoutAll,
        Reason::OptoutChannel,
        Reason::NotSubscribed,
        Reason::MissingAddress,
        Reason::InvalidAddress,
        Reason::OptoutAddress,
        Reason::Denylisted,
        Reason::Quarantined,
        Reason::Duplicate,
        Reason::Pressure,
        Reason::ControlGroup,
    ];

    /// The name written in `exclusions.parquet` and `summary.json`.
    pub fn name(self) -> &'static str {
        match self {
            Reason::UnknownProfile => "unknown_profile",
            Reason::OptoutAll => "optout_all",
            Reason::OptoutChannel => "optout_channel",
            Reason::NotSubscribed => "not_subscribed",
            Reason::MissingAddress => "missing_address",
            Reason::InvalidAddress => "invalid_address",
            Reason::OptoutAddress => "optout_address",
            Reason::Denylisted => "denylisted",
            Reason::Quarantined => "quarantined",
            Reason::Duplicate => "duplicate",
            Reason::Pressure => "pressure",
            Reason::ControlGroup => "control_group",
        }
    }

    /// The contract's number, 1 to 12.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The reason with contract number `number`.
    pub fn from_number(number: u8) -> Option<Reason> {
        Reason::ALL.get(usize::from(number).checked_sub(1)?).copied()
    }

    /// Whether exclusion rows for this reason carry an address (reasons 6 to 12 do).
    pub fn has_address(self) -> bool {
        self >= Reason::InvalidAddress
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_contract_order() {
        for (i, r) in Reason::ALL.iter().enumerate() {
            assert_eq!(usize::from(r.number()), i + 1);
            assert_eq!(Reason::from_number(r.number()), Some(*r));
        }
        assert_eq!(Reason::from_number(0), None);
        assert_eq!(Reason::from_number(13), None);
        assert!(Reason::UnknownProfile < Reason::Duplicate);
        assert_eq!(Reason::NotSubscribed.number(), 4);
        assert_eq!(Reason::Duplicate.number(), 10);
    }

    #[test]
    fn only_reasons_six_to_twelve_carry_an_address() {
        let with: Vec<_> = Reason::ALL.iter().filter(|r| r.has_address()).map(|r| r.name()).collect();
        assert_eq!(
            with,
            [
                "invalid_address",
                "optout_address",
                "denylisted",
                "quarantined",
                "duplicate",
                "pressure",
                "control_group"
            ]
        );
    }
}
