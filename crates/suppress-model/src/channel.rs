//! The six delivery channels and the profile columns each one reads.

use crate::address::AddressKind;
use crate::ascii;

/// A delivery channel. The discriminant orders channels as the contract lists them and is used
/// as an index into per-channel arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    Email = 0,
    Sms = 1,
    Phone = 2,
    Fax = 3,
    Push = 4,
    DirectMail = 5,
}

impl Channel {
    /// Every channel, in contract order.
    pub const ALL: [Channel; 6] =
        [Channel::Email, Channel::Sms, Channel::Phone, Channel::Fax, Channel::Push, Channel::DirectMail];

    /// The canonical lowercase name written in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Phone => "phone",
            Channel::Fax => "fax",
            Channel::Push => "push",
            Channel::DirectMail => "direct_mail",
        }
    }

    /// The profile column holding this channel's address.
    pub fn address_column(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "mobile_phone",
            Channel::Phone => "phone",
            Channel::Fax => "fax",
            Channel::Push => "push_token",
            Channel::DirectMail => "postal_address",
        }
    }

    /// The profile column holding this channel's opt-out flag.
    pub fn optout_column(self) -> &'static str {
        match self {
            Channel::Email => "optout_email",
            Channel::Sms => "optout_sms",
            Channel::Phone => "optout_phone",
            Channel::Fax => "optout_fax",
            Channel::Push => "optout_push",
            Channel::DirectMail => "optout_direct_mail",
        }
    }

    /// How addresses of this channel are canonicalized and validated.
    pub fn address_kind(self) -> AddressKind {
        match self {
            Channel::Email => AddressKind::Email,
            Channel::Sms | Channel::Phone | Channel::Fax => AddressKind::Phone,
            Channel::Push => AddressKind::Token,
            Channel::DirectMail => AddressKind::Postal,
        }
    }

    /// Position in [`Channel::ALL`].
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }

    /// Parses a channel name as found in input files: trimmed, ASCII letters lowercased, and
    /// only the canonical spellings accepted.
    pub fn parse(text: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| ascii::name_matches(text, c.name()))
    }

    /// The canonical names, for error messages.
    pub fn names() -> String {
        Channel::ALL.map(Channel::name).join(", ")
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_canonical_names_after_trim_and_ascii_lowercase() {
        assert_eq!(Channel::parse(" Email\t"), Some(Channel::Email));
        assert_eq!(Channel::parse("SMS"), Some(Channel::Sms));
        assert_eq!(Channel::parse("\x0Bdirect_MAIL\x0C"), Some(Channel::DirectMail));
        assert_eq!(Channel::parse("PUSH"), Some(Channel::Push));
        assert_eq!(Channel::parse("fax"), Some(Channel::Fax));
        assert_eq!(Channel::parse("phone"), Some(Channel::Phone));
    }

    #[test]
    fn rejects_other_spellings() {
        for text in ["direct mail", "directmail", "e-mail", "mobile", "", "\u{A0}email", "ſms"] {
            assert_eq!(Channel::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn columns_follow_the_contract_table() {
        assert_eq!(Channel::Sms.address_column(), "mobile_phone");
        assert_eq!(Channel::DirectMail.optout_column(), "optout_direct_mail");
        assert_eq!(Channel::Push.address_column(), "push_token");
        assert_eq!(Channel::Fax.address_kind(), AddressKind::Phone);
        for (i, c) in Channel::ALL.iter().enumerate() {
            assert_eq!(c.index(), i);
        }
    }
}
