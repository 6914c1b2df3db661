//! Phone numbers (sms, phone, fax): drop the written trunk prefix `(0)`, strip punctuation,
//! international prefix, default country.

use crate::ascii::is_space;

/// A calling code of one to three ASCII digits, such as `33` or `1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountryCode {
    digits: [u8; 3],
    len: u8,
}

impl CountryCode {
    /// Parses `--default-country`: exactly 1 to 3 ASCII digits, nothing else (not `+33`).
    pub fn parse(text: &str) -> Result<CountryCode, String> {
        let bytes = text.as_bytes();
        if bytes.is_empty() || bytes.len() > 3 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(format!("`{text}` is not a calling code: give 1 to 3 digits without `+`, such as `33`"));
        }
        let mut digits = [0u8; 3];
        digits[..bytes.len()].copy_from_slice(bytes);
        Ok(CountryCode { digits, len: bytes.len() as u8 })
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.digits[..usize::from(self.len)]).expect("ASCII digits")
    }
}

impl std::fmt::Display for CountryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Spaces and the punctuation people write phone numbers with; all ASCII.
fn is_removed(byte: u8) -> bool {
    is_space(byte) || matches!(byte, b'-' | b'.' | b'(' | b')' | b'/')
}

/// The trunk prefix as people write it in an international number: `+33 (0)6 12 34 56 78`.
/// Every occurrence goes, in one left-to-right pass, before anything else is removed: left in,
/// its zero would make `+330612345678`, a different (and still valid-looking) number.
const WRITTEN_TRUNK_PREFIX: &str = "(0)";

pub(super) fn canonicalize(trimmed: &str, country: Option<CountryCode>, out: &mut String) -> bool {
    // `str::replace` is that one pass: non-overlapping matches from the left, so `((0)0)`
    // becomes `(0)` and is not looked at again.
    let without_trunk;
    let trimmed = if trimmed.contains(WRITTEN_TRUNK_PREFIX) {
        without_trunk = trimmed.replace(WRITTEN_TRUNK_PREFIX, "");
        without_trunk.as_str()
    } else {
        trimmed
    };
    let bytes = trimmed.as_bytes();
    // The prefix comes from the first two characters kept; `from` is where copying resumes.
    let mut kept = bytes.iter().enumerate().filter(|(_, &b)| !is_removed(b));
    let (first, second) = (kept.next(), kept.next());
    let from = match (first, second) {
        (Some((_, b'0')), Some((i, b'0'))) => {
            out.push('+');
            i + 1
        }
        (Some((_, b'+')), _) => 0,
        (first, _) => match country {
            Some(cc) => {
                out.push('+');
                out.push_str(cc.as_str());
                // One national trunk `0` goes.
                match first {
                    Some((i, b'0')) => i + 1,
                    _ => 0,
                }
            }
            None => 0,
        },
    };
    // The removed characters are all ASCII, so every cut falls on a character boundary.
    let rest = &trimmed[from..];
    if rest.is_ascii() {
        out.extend(rest.bytes().filter(|&b| !is_removed(b)).map(char::from));
    } else {
        let mut run_start = 0;
        for (i, &b) in rest.as_bytes().iter().enumerate() {
            if is_removed(b) {
                out.push_str(&rest[run_start..i]);
                run_start = i + 1;
            }
        }
        out.push_str(&rest[run_start..]);
    }
    is_valid(out)
}

/// `^\+[1-9][0-9]{7,14}$`
fn is_valid(canonical: &str) -> bool {
    let bytes = canonical.as_bytes();
    bytes.len() >= 9
        && bytes.len() <= 16
        && bytes[0] == b'+'
        && (b'1'..=b'9').contains(&bytes[1])
        && bytes[2..].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::{AddressKind, AddressState, Canonicalizer};

    /// The rule as the contract states it, character by character: the reference for
    /// [`canonicalize`].
    fn canonical_by_the_rule(trimmed: &str, country: Option<CountryCode>) -> String {
        // Every `(0)`, scanning left to right and resuming after each one removed.
        let chars: Vec<char> = trimmed.chars().collect();
        let mut without_trunk = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if chars[i..].starts_with(&['(', '0', ')']) {
                i += 3;
            } else {
                without_trunk.push(chars[i]);
                i += 1;
            }
        }
        let mut out = String::new();
        let mut kept = without_trunk.into_iter().filter(|&c| !(c.is_ascii() && is_removed(c as u8)));
        let first = kept.next();
        let second = kept.next();
        match (first, second) {
            (Some('0'), Some('0')) => out.push('+'),
            (Some('+'), _) => {
                out.push('+');
                out.extend(second);
            }
            _ => {
                match country {
                    Some(cc) => {
                        out.push('+');
                        out.push_str(cc.as_str());
                        if first != Some('0') {
                            out.extend(first);
                        }
                    }
                    None => out.extend(first),
                }
                out.extend(second);
            }
        }
        out.extend(kept);
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn byte_runs_agree_with_the_rule(
            text in "[0+ ().\\-/1-9\t\u{A0}٣x]{0,14}|([0+ ()1-9]|\\(0\\)){0,8}",
            country in prop::option::of("[0-9]{1,3}"),
        ) {
            let country = country.map(|c| CountryCode::parse(&c).unwrap());
            let mut out = String::new();
            let valid = canonicalize(&text, country, &mut out);
            prop_assert_eq!(&out, &canonical_by_the_rule(&text, country));
            prop_assert_eq!(valid, is_valid(&out));
        }
    }

    fn with(cc: Option<&str>, raw: &str) -> (AddressState, String) {
        let country = cc.map(|c| CountryCode::parse(c).unwrap());
        Canonicalizer::new(country).canonicalize(AddressKind::Phone, Some(raw))
    }

    #[test]
    fn the_written_trunk_prefix_goes_in_one_pass() {
        assert_eq!(with(None, " +33 (0)6-12.34/56 78 "), (AddressState::Valid, "+33612345678".into()));
        assert_eq!(with(None, "+44 (0)20 7946 0958"), (AddressState::Valid, "+442079460958".into()));
        // Every occurrence, each once: what one removal brings together stays.
        assert_eq!(with(None, "+33(0)6(0)12345678").1, "+33612345678");
        assert_eq!(with(None, "+33 ((0)0)612345678").1, "+330612345678");
        // Only those three characters together: a `( 0 )` with spaces is punctuation and a zero.
        assert_eq!(with(None, "+33 ( 0 ) 612345678").1, "+330612345678");
        // Before the prefix rules: `(0)06...` is a national number with a trunk zero.
        assert_eq!(with(Some("33"), "(0)06 12 34 56 78").1, "+33612345678");
        assert_eq!(with(None, "00(0)33612345678").1, "+33612345678");
    }

    #[test]
    fn strips_spaces_and_punctuation() {
        assert_eq!(with(None, "+33 6 12 34 56 78"), (AddressState::Valid, "+33612345678".into()));
        assert_eq!(with(None, "+1\x0B(415)\x0C555-0100"), (AddressState::Valid, "+14155550100".into()));
    }

    #[test]
    fn leading_double_zero_becomes_plus() {
        assert_eq!(with(None, "0033 6 12 34 56 78"), (AddressState::Valid, "+33612345678".into()));
        assert_eq!(with(Some("44"), "0033612345678").1, "+33612345678");
        assert_eq!(with(None, "0-0 33612345678").1, "+33612345678");
        assert_eq!(with(None, "000033612345678"), (AddressState::Invalid, "+0033612345678".into()));
    }

    #[test]
    fn without_default_country_national_numbers_stay_invalid() {
        assert_eq!(with(None, "06 12 34 56 78"), (AddressState::Invalid, "0612345678".into()));
        assert_eq!(with(None, "612345678"), (AddressState::Invalid, "612345678".into()));
    }

    #[test]
    fn default_country_drops_one_trunk_zero() {
        assert_eq!(with(Some("33"), "06 12 34 56 78"), (AddressState::Valid, "+33612345678".into()));
        assert_eq!(with(Some("33"), "612345678"), (AddressState::Valid, "+33612345678".into()));
        assert_eq!(with(Some("1"), "4155550100"), (AddressState::Valid, "+14155550100".into()));
        assert_eq!(with(Some("33"), "+44 20 7946 0958").1, "+442079460958");
        // A leading `00` is the international prefix, before any default country applies.
        assert_eq!(with(Some("39"), "0 0612345678").1, "+612345678");
        // Only one trunk zero is dropped.
        assert_eq!(with(Some("39"), "0-612345678").1, "+39612345678");
        assert_eq!(with(Some("39"), "0612345678").1, "+39612345678");
    }

    #[test]
    fn validity_pattern() {
        assert_eq!(with(None, "+12345678").0, AddressState::Valid); // 8 digits
        assert_eq!(with(None, "+1234567").0, AddressState::Invalid); // 7 digits
        assert_eq!(with(None, "+123456789012345").0, AddressState::Valid); // 15 digits
        assert_eq!(with(None, "+1234567890123456").0, AddressState::Invalid); // 16 digits
        assert_eq!(with(None, "+0123456789").0, AddressState::Invalid);
        assert_eq!(with(None, "+33 6x2345678").0, AddressState::Invalid);
        assert_eq!(with(None, "++33612345678").0, AddressState::Invalid);
        assert_eq!(with(None, "+33\u{A0}612345678").0, AddressState::Invalid);
        assert_eq!(with(None, "+３３612345678").0, AddressState::Invalid);
        assert_eq!(with(None, "--()"), (AddressState::Invalid, String::new()));
    }

    #[test]
    fn country_code_must_be_one_to_three_digits() {
        assert!(CountryCode::parse("1").is_ok());
        assert!(CountryCode::parse("353").is_ok());
        for bad in ["", "+33", "3333", "3a", " 33", "٣"] {
            assert!(CountryCode::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(CountryCode::parse("033").unwrap().to_string(), "033");
    }
}
