//! Postal addresses: trim, collapse ASCII whitespace runs to one space, lowercase. Always valid.

use super::lowercase::push_lowercase;
use crate::ascii::{is_space, split_ascii};

pub(super) fn canonicalize(trimmed: &str, out: &mut String) -> bool {
    if trimmed.is_ascii() {
        // One pass over the bytes: a run of whitespace becomes one space (`trimmed` has none
        // at either end, so a run is always followed by a word), letters lowercase.
        out.reserve(trimmed.len());
        let mut in_space = false;
        for &b in trimmed.as_bytes() {
            if is_space(b) {
                in_space = true;
            } else {
                if in_space {
                    out.push(' ');
                    in_space = false;
                }
                out.push(char::from(b.to_ascii_lowercase()));
            }
        }
        return true;
    }
    // Words are the runs between ASCII whitespace: all ASCII, so every cut falls on a
    // character boundary. `trimmed` has no whitespace at either end.
    // Lowercasing word by word is exact: the one contextual mapping, final sigma, looks past
    // case-ignorable characters only, and the space between two words is not one.
    let mut words = split_ascii(trimmed, is_space).filter(|w| !w.is_empty());
    if let Some(first) = words.next() {
        push_lowercase(first, out);
    }
    for word in words {
        out.push(' ');
        push_lowercase(word, out);
    }
    true
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::ascii::is_space;
    use crate::{AddressKind, AddressState, Canonicalizer};

    /// The rule as the contract states it: collapse, then lowercase the whole.
    fn canonical_by_the_rule(trimmed: &str) -> String {
        let mut collapsed = String::new();
        let mut in_space = false;
        for c in trimmed.chars() {
            if c.is_ascii() && is_space(c as u8) {
                in_space = true;
            } else {
                if in_space {
                    collapsed.push(' ');
                    in_space = false;
                }
                collapsed.push(c);
            }
        }
        collapsed.to_lowercase()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn word_by_word_agrees_with_the_rule(
            text in prop_oneof!["[aZ1 \t\n\x0B\x0C\r\u{A0}ÉΣσΟ.',]{0,14}", "[aZ1 \t\n\x0B\x0C\r.',]{0,14}"]
        ) {
            let (state, canonical) = Canonicalizer::default().canonicalize(AddressKind::Postal, Some(&text));
            let trimmed = crate::ascii::trim(&text);
            if trimmed.is_empty() {
                prop_assert_eq!(state, AddressState::Missing);
            } else {
                prop_assert_eq!(canonical, canonical_by_the_rule(trimmed));
            }
        }
    }

    fn check(raw: &str) -> (AddressState, String) {
        Canonicalizer::default().canonicalize(AddressKind::Postal, Some(raw))
    }

    #[test]
    fn collapses_and_lowercases() {
        assert_eq!(
            check("  12  Rue\t\tde la PAIX\r\n75002 Paris \x0B"),
            (AddressState::Valid, "12 rue de la paix 75002 paris".into())
        );
        assert_eq!(check("ÉCOLE\x0B\x0CΣ").1, "école σ");
        assert_eq!(check("ΟΔΟΣ 5").1, "οδος 5");
        // A no-break space is kept as it is.
        assert_eq!(check("A\u{A0} B").1, "a\u{A0} b");
        assert_eq!(check("x").0, AddressState::Valid);
    }
}
