//! Every canonicalizer on arbitrary text: no panic, and canonical forms are fixed points
//! (the canonical form of a canonical form is itself, with the same validity), which is what
//! makes a quarantine address and a profile address comparable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use suppress_model::{AddressKind, AddressState, Canonicalizer, CountryCode};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for country in [None, Some(CountryCode::parse("33").unwrap()), Some(CountryCode::parse("1").unwrap())] {
        let c = Canonicalizer::new(country);
        for kind in [AddressKind::Email, AddressKind::Phone, AddressKind::Token, AddressKind::Postal] {
            let (state, canonical) = c.canonicalize(kind, Some(text));
            if state == AddressState::Missing {
                assert!(canonical.is_empty());
                continue;
            }
            let (again_state, again) = c.canonicalize(kind, Some(&canonical));
            if state == AddressState::Valid {
                assert_eq!(again, canonical, "{kind:?} not idempotent on {text:?}");
                assert_eq!(again_state, AddressState::Valid, "{kind:?} {text:?}");
            }
        }
    }
});
