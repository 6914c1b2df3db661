//! Properties of canonicalization over generated text (the CI-sized cousin of the
//! `canonicalize` fuzz target): a valid canonical form is a fixed point, every validity rule
//! holds of what is called valid, and nothing panics.

use proptest::prelude::*;
use suppress_model::ascii::is_space;
use suppress_model::{AddressKind, AddressState, Canonicalizer, CountryCode};

/// Text mixing the characters that matter: ASCII letters and digits, every contract
/// whitespace, phone punctuation, `@` and `.`, and a few non-ASCII letters, marks and spaces.
fn address_text() -> impl Strategy<Value = String> {
    let alphabet = prop::sample::select(vec![
        'a', 'Z', 'k', '0', '1', '9', '+', '-', '.', '(', ')', '/', '@', ' ', '\t', '\n', '\r', '\u{b}', '\u{c}',
        '\u{a0}', 'é', 'İ', 'Σ', '\u{301}', '\u{212a}', '_', '!',
    ]);
    prop::collection::vec(alphabet, 0..40).prop_map(|chars| chars.into_iter().collect())
}

const KINDS: [AddressKind; 4] = [AddressKind::Email, AddressKind::Phone, AddressKind::Token, AddressKind::Postal];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn valid_canonical_forms_are_fixed_points(text in address_text(), cc in prop::option::of("[0-9]{1,3}")) {
        let c = Canonicalizer::new(cc.map(|cc| CountryCode::parse(&cc).unwrap()));
        for kind in KINDS {
            let (state, canonical) = c.canonicalize(kind, Some(&text));
            if state == AddressState::Valid {
                prop_assert_eq!(c.canonicalize(kind, Some(&canonical)), (AddressState::Valid, canonical.clone()));
                // A valid canonical form never starts or ends with whitespace.
                prop_assert!(!canonical.bytes().next().is_some_and(is_space));
                prop_assert!(!canonical.bytes().last().is_some_and(is_space));
            }
            if state == AddressState::Missing {
                prop_assert!(canonical.is_empty());
            }
        }
    }

    #[test]
    fn valid_phones_match_the_pattern(text in address_text()) {
        let (state, canonical) = Canonicalizer::default().canonicalize(AddressKind::Phone, Some(&text));
        let pattern_ok = canonical.len() >= 9 && canonical.len() <= 16 && canonical.starts_with('+')
            && canonical[1..].bytes().all(|b| b.is_ascii_digit()) && !canonical[1..].starts_with('0');
        prop_assert_eq!(state == AddressState::Valid, pattern_ok);
    }

    #[test]
    fn valid_emails_have_one_at_and_two_labels(text in address_text()) {
        let (state, canonical) = Canonicalizer::default().canonicalize(AddressKind::Email, Some(&text));
        if state == AddressState::Valid {
            prop_assert_eq!(canonical.matches('@').count(), 1);
            let domain = canonical.split('@').nth(1).unwrap();
            prop_assert!(domain.split('.').count() >= 2);
            prop_assert!(!canonical.contains(".."));
            prop_assert_eq!(canonical.to_lowercase(), canonical.clone());
        }
    }
}
