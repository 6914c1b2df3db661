//! Push tokens: trim; valid when 1 to 4096 bytes with no ASCII whitespace inside.

use crate::ascii::contains_space;

#[inline]
pub(super) fn canonicalize(trimmed: &str, out: &mut String) -> bool {
    out.push_str(trimmed);
    trimmed.len() <= 4096 && !contains_space(trimmed.as_bytes())
}

#[cfg(test)]
mod tests {
    use crate::{AddressKind, AddressState, Canonicalizer};

    fn check(raw: &str) -> (AddressState, String) {
        Canonicalizer::default().canonicalize(AddressKind::Token, Some(raw))
    }

    #[test]
    fn trims_but_keeps_case() {
        assert_eq!(check("  AbC123:xyz\n"), (AddressState::Valid, "AbC123:xyz".into()));
    }

    #[test]
    fn whitespace_inside_is_invalid() {
        assert_eq!(check("ab cd"), (AddressState::Invalid, "ab cd".into()));
        assert_eq!(check("ab\x0Bcd").0, AddressState::Invalid);
        assert_eq!(check("ab\u{A0}cd").0, AddressState::Valid);
    }

    #[test]
    fn at_most_4096_bytes() {
        assert_eq!(check(&"x".repeat(4096)).0, AddressState::Valid);
        assert_eq!(check(&"x".repeat(4097)).0, AddressState::Invalid);
        assert_eq!(check(&"é".repeat(2048)).0, AddressState::Valid);
        assert_eq!(check(&format!("{}x", "é".repeat(2048))).0, AddressState::Invalid);
    }
}
