//! Canonical forms and validity of addresses, one file per address kind.
//!
//! [`Canonicalizer::canonicalize_into`] is the single entry point: it writes the canonical form
//! into a reusable buffer (so the hot loop allocates nothing) and says whether the address is
//! missing, invalid or valid. Quarantine addresses and profile addresses go through the same
//! function, which is what makes them comparable.

mod email;
mod lowercase;
mod phone;
mod postal;
mod token;

pub use phone::CountryCode;

/// How a channel's addresses are canonicalized and validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressKind {
    Email,
    Phone,
    Token,
    Postal,
}

/// The outcome of canonicalizing one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressState {
    /// Null, or empty after trimming. The buffer is left empty.
    Missing,
    /// Present, but the canonical form in the buffer breaks the kind's rules.
    Invalid,
    /// The canonical form in the buffer is a valid address.
    Valid,
}

/// Canonicalizes addresses of every kind under one set of options (the default country).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Canonicalizer {
    pub default_country: Option<CountryCode>,
}

impl Canonicalizer {
    pub fn new(default_country: Option<CountryCode>) -> Self {
        Canonicalizer { default_country }
    }

    /// Clears `out`, writes the canonical form of `raw` into it and classifies it.
    pub fn canonicalize_into(&self, kind: AddressKind, raw: &str, out: &mut String) -> AddressState {
        out.clear();
        let trimmed = crate::ascii::trim(raw);
        if trimmed.is_empty() {
            return AddressState::Missing;
        }
        let valid = match kind {
            AddressKind::Email => email::canonicalize(trimmed, out),
            AddressKind::Phone => phone::canonicalize(trimmed, self.default_country, out),
            AddressKind::Token => token::canonicalize(trimmed, out),
            AddressKind::Postal => postal::canonicalize(trimmed, out),
        };
        if valid {
            AddressState::Valid
        } else {
            AddressState::Invalid
        }
    }

    /// Convenience form for tests and cold paths: null is missing.
    pub fn canonicalize(&self, kind: AddressKind, raw: Option<&str>) -> (AddressState, String) {
        let mut out = String::new();
        let state = match raw {
            None => AddressState::Missing,
            Some(raw) => self.canonicalize_into(kind, raw, &mut out),
        };
        (state, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_and_blank_are_missing_for_every_kind() {
        let c = Canonicalizer::default();
        for kind in [AddressKind::Email, AddressKind::Phone, AddressKind::Token, AddressKind::Postal] {
            assert_eq!(c.canonicalize(kind, None), (AddressState::Missing, String::new()));
            assert_eq!(c.canonicalize(kind, Some("")).0, AddressState::Missing);
            assert_eq!(c.canonicalize(kind, Some(" \t\x0B\x0C\r\n")).0, AddressState::Missing);
            // A no-break space is an ordinary character, not whitespace.
            assert_ne!(c.canonicalize(kind, Some("\u{A0}")).0, AddressState::Missing);
        }
    }

    #[test]
    fn buffer_is_reused_cleanly() {
        let c = Canonicalizer::default();
        let mut buf = String::from("leftover");
        assert_eq!(c.canonicalize_into(AddressKind::Email, " A@B.CO ", &mut buf), AddressState::Valid);
        assert_eq!(buf, "a@b.co");
        assert_eq!(c.canonicalize_into(AddressKind::Email, "  ", &mut buf), AddressState::Missing);
        assert_eq!(buf, "");
    }
}
