//! Email: trim, full Unicode lowercase, then the contract's five validity rules.

use crate::ascii::split_ascii;
use unicode_general_category::{get_general_category, GeneralCategory as G};

/// Writes the lowercase form of `trimmed` into `out`; returns whether it is a valid email.
///
/// The common case, ASCII and the Latin-1 letters À to ÿ (a third of the emails of a French
/// file), is validated in one pass over the bytes, no splitting and no Unicode tables.
pub(super) fn canonicalize(trimmed: &str, out: &mut String) -> bool {
    let start = out.len();
    if super::lowercase::push_lowercase(trimmed, out) {
        is_valid_latin1(&out.as_bytes()[start..])
    } else {
        is_valid(&out[start..])
    }
}

/// [`is_valid`] for a lowercase address of ASCII and U+00C0..=U+00FF (see
/// [`super::lowercase::push_lowercase`]), in a single pass without a branch per byte: lengths
/// are in bytes, and a two-byte letter is two bytes of class [`ATOM`] | [`LABEL`]. Each byte
/// only adds to what is wrong (a byte no rule allows, an empty atom or label, a dash at either
/// end of a label, a label over 63 bytes), so that the loops compile to flag arithmetic; the
/// separators' positions, which vary from address to address, no longer mispredict.
fn is_valid_latin1(address: &[u8]) -> bool {
    if address.len() > 254 {
        return false;
    }
    // Local part: atoms separated by dots, up to the first `@`.
    let Some(at) = address.iter().position(|&b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&address[..at], &address[at + 1..]);
    if local.is_empty() || local.len() > 64 || domain.is_empty() || domain.len() > 253 {
        return false;
    }
    // An empty atom is a dot first, last, or after a dot: "the previous byte was a dot" starts
    // true and is checked once more at the end.
    let mut wrong = false;
    let mut after_dot = true;
    for &b in local {
        let dot = b == b'.';
        wrong |= !dot & (LATIN1_CLASSES[usize::from(b)] & ATOM == 0);
        wrong |= dot & after_dot;
        after_dot = dot;
    }
    if wrong | after_dot {
        return false;
    }
    // Domain: labels separated by dots; a second `@` has no class, so it fails. `previous`
    // starts as a dot, so that a first label is checked like any other.
    let mut labels = 1usize;
    let mut label_len = 0usize;
    let mut previous = b'.';
    let mut all_digits = true;
    for &b in domain {
        let dot = b == b'.';
        wrong |= !dot & (LATIN1_CLASSES[usize::from(b)] & LABEL == 0);
        // A label that ends here is empty or ends with a dash; one that starts here starts
        // with a dash; one that goes on grows past 63 bytes.
        wrong |= dot & ((label_len == 0) | (previous == b'-'));
        wrong |= (previous == b'.') & (b == b'-');
        wrong |= !dot & (label_len == 63);
        labels += usize::from(dot);
        label_len = if dot { 0 } else { label_len + 1 };
        all_digits = dot | (all_digits & b.is_ascii_digit());
        previous = b;
    }
    !wrong && labels >= 2 && label_len > 0 && previous != b'-' && !all_digits
}

/// Validity of an already lowercased address: the contract's five rules, in one pass over the
/// bytes of each part. The splits and `char` walks of the plain statement of the rules (kept in
/// the tests as the reference) cost a tenth of a whole run.
pub(crate) fn is_valid(address: &str) -> bool {
    if address.len() > 254 {
        return false;
    }
    let Some(at) = address.bytes().position(|b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&address[..at], &address[at + 1..]);
    if local.is_empty() || local.len() > 64 || domain.is_empty() || domain.len() > 253 {
        return false;
    }
    split_ascii(local, |b| b == b'.').all(|atom| !atom.is_empty() && all_allowed(atom, ATOM)) && is_domain(domain)
}

/// Dot-separated labels, at least two, the last not all ASCII digits. A second `@` is not a
/// label character, so it fails here.
fn is_domain(domain: &str) -> bool {
    let mut labels = 0usize;
    let mut last = "";
    for label in split_ascii(domain, |b| b == b'.') {
        let bytes = label.as_bytes();
        let fits = !bytes.is_empty()
            && bytes.len() <= 63
            && bytes[0] != b'-'
            && bytes[bytes.len() - 1] != b'-'
            && all_allowed(label, LABEL);
        if !fits {
            return false;
        }
        labels += 1;
        last = label;
    }
    labels >= 2 && !last.bytes().all(|b| b.is_ascii_digit())
}

/// Byte classes of ASCII characters.
const ATOM: u8 = 1;
const LABEL: u8 = 2;

/// Per ASCII byte: whether it may appear in a local-part atom and in a domain label.
const CLASSES: [u8; 128] = {
    let mut classes = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        classes[b] = if c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' {
            ATOM | LABEL
        } else if matches!(
            c,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'/'
                | b'='
                | b'?'
                | b'^'
                | b'_'
                | b'`'
                | b'{'
                | b'|'
                | b'}'
                | b'~'
        ) {
            ATOM
        } else {
            0
        };
        b += 1;
    }
    classes
};

/// [`CLASSES`] over every byte of the UTF-8 of ASCII and the Latin-1 letters: the lead byte
/// 0xC3 and the continuation bytes are letters, except the second bytes of `×` (0x97) and `÷`
/// (0xB7). Only for text whose non-ASCII characters are all U+00C0..U+00FF.
const LATIN1_CLASSES: [u8; 256] = {
    let mut classes = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        classes[b] = if b < 128 {
            CLASSES[b]
        } else if b == 0xC3 || (b >= 0x80 && b <= 0xBF && b != 0x97 && b != 0xB7) {
            ATOM | LABEL
        } else {
            0
        };
        b += 1;
    }
    classes
};

/// Whether every character of `part` may appear in it: an ASCII character when its class has
/// `class`, any other when it is a letter, mark or number.
fn all_allowed(part: &str, class: u8) -> bool {
    let bytes = part.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if let Some(&classes) = CLASSES.get(usize::from(b)) {
            if classes & class == 0 {
                return false;
            }
            i += 1;
        } else {
            // `i` only ever moves by whole characters, so it is on a character boundary.
            let Some(c) = part[i..].chars().next() else { return false };
            if !is_letter_mark_or_number(c) {
                return false;
            }
            i += c.len_utf8();
        }
    }
    true
}

/// Unicode general category L (letters), M (marks) or N (numbers).
pub(crate) fn is_letter_mark_or_number(c: char) -> bool {
    matches!(
        get_general_category(c),
        G::UppercaseLetter
            | G::LowercaseLetter
            | G::TitlecaseLetter
            | G::ModifierLetter
            | G::OtherLetter
            | G::NonspacingMark
            | G::SpacingMark
            | G::EnclosingMark
            | G::DecimalNumber
            | G::LetterNumber
            | G::OtherNumber
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::{AddressKind, AddressState, Canonicalizer};

    /// The five rules as the contract states them, split by split: the reference for
    /// [`super::is_valid`].
    fn valid_by_the_rules(address: &str) -> bool {
        let Some((local, domain)) = address.split_once('@') else {
            return false;
        };
        if domain.contains('@') {
            return false;
        }
        if local.is_empty() || local.len() > 64 || domain.is_empty() || domain.len() > 253 {
            return false;
        }
        if address.len() > 254 {
            return false;
        }
        let letter_mark_or_number = |c: char| !c.is_ascii() && super::is_letter_mark_or_number(c);
        let is_atom = |atom: &str| {
            !atom.is_empty()
                && atom.chars().all(|c| match c {
                    'a'..='z' | '0'..='9' => true,
                    '!' | '#' | '$' | '%' | '&' | '\'' | '*' | '+' | '/' | '=' | '?' | '^' | '_' | '`' | '{' | '|'
                    | '}' | '~' | '-' => true,
                    c => letter_mark_or_number(c),
                })
        };
        let is_label = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-') || letter_mark_or_number(c))
        };
        let labels: Vec<&str> = domain.split('.').collect();
        local.split('.').all(is_atom)
            && labels.iter().all(|l| is_label(l))
            && labels.len() >= 2
            && !labels[labels.len() - 1].bytes().all(|b| b.is_ascii_digit())
    }

    /// Addresses near the rules' edges: atoms and labels that are empty, long (in bytes), dashed or
    /// all digits, zero to two `@`, and characters that no rule allows.
    fn near_valid_address() -> impl Strategy<Value = String> {
        // Mostly plain parts, so that most addresses break at most one rule; some non-ASCII
        // letters, marks and numbers, and characters of other categories.
        let atom = prop_oneof![
            24 => "[a-z0-9]{1,8}",
            1 => Just(String::new()),
            1 => "[!#+_~'`-]{1,2}",
            1 => "[a-z]{30,34}",
            1 => "[a-z]{62,65}",
            1 => "[ ,(\"A]",
            2 => "[a-zéü用٣]{1,4}",
            1 => "[a\u{301}\u{A0}\u{200B}€]{1,3}",
            1 => "é{31,33}",
        ];
        let label = prop_oneof![
            24 => "[a-z][a-z0-9]{0,7}",
            1 => Just(String::new()),
            1 => "-[a-z0-9]{0,2}",
            1 => "[a-z0-9]{0,2}-",
            1 => "[a-z]-[0-9]",
            1 => "[a-z0-9]{62,65}",
            1 => "[0-9]{1,3}",
            1 => "[_+A]",
            2 => "[a-zü例]{1,4}",
            1 => "[a\u{A0}٣]{1,2}",
            1 => "é{31,32}",
        ];
        (
            prop::collection::vec(atom, 1..4),
            prop_oneof![12 => Just("@"), 1 => Just(""), 1 => Just("@@"), 1 => Just("@a@")],
            prop::collection::vec(label, 1..6),
        )
            .prop_map(|(atoms, at, labels)| format!("{}{at}{}", atoms.join("."), labels.join(".")))
    }

    /// Addresses around the 253-byte domain and 254-byte address bounds.
    fn long_address() -> impl Strategy<Value = String> {
        ("[a-z]{1,3}", prop::collection::vec("[a-z]{59,63}", 4))
            .prop_map(|(local, labels)| format!("{local}@{}", labels.join(".")))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// The one-pass validation is the rules: they agree on strings made of the characters
        /// that matter to the rules, around every bound.
        #[test]
        fn one_pass_validation_agrees_with_the_rules(
            address in prop_oneof![near_valid_address(), long_address(), "[a-cA-C0-9@.\\-_+!~ \"(,\u{7f}]{0,12}"]
        ) {
            prop_assert_eq!(super::is_valid(&address), valid_by_the_rules(&address), "{}", address);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// The single-pass path agrees with the general one (full lowercase, then the rules
        /// split by split) on ASCII and Latin-1 text, around every bound and separator, and
        /// leaves everything else to it.
        #[test]
        fn latin1_path_agrees_with_the_general_one(
            address in prop_oneof![
                near_valid_address(),
                long_address(),
                "[a-cA-C0-9@.\\-_+!~ \"(,\u{7f}]{0,12}",
                "[a-zA-Z.@-]{0,80}",
                "[a-cA-C@.\u{80}-\u{17F}×÷ÀÉÞßàÿ]{0,16}",
                "[a-cA-C0-9@.×÷\u{C0}-\u{FF}-]{0,16}",
                "[a-zÀ-ÿ×÷]{1,8}@[a-zà-ÿ×÷-]{1,6}\\.[a-zé]{2,3}",
                "[éÉ]{30,34}@[a-z]{1,3}\\.[a-zÿ]{2}",
            ]
        ) {
            let general = address.to_lowercase();
            let mut fast = String::from("kept:");
            let valid = super::canonicalize(&address, &mut fast);
            prop_assert_eq!(&fast["kept:".len()..], general.as_str(), "{}", address);
            prop_assert_eq!(valid, super::is_valid(&general), "{}", general);
        }
    }

    fn check(raw: &str) -> (AddressState, String) {
        Canonicalizer::default().canonicalize(AddressKind::Email, Some(raw))
    }

    fn valid(raw: &str) -> bool {
        check(raw).0 == AddressState::Valid
    }

    #[test]
    fn trims_and_lowercases() {
        assert_eq!(check("  John.Doe@Example.COM\t"), (AddressState::Valid, "john.doe@example.com".into()));
        assert_eq!(check("\x0BA@B.CD\x0C").1, "a@b.cd");
        // No-break space is not trimmed, and makes the address invalid.
        assert_eq!(check("\u{A0}a@b.cd"), (AddressState::Invalid, "\u{A0}a@b.cd".into()));
    }

    #[test]
    fn lowercase_is_full_unicode() {
        assert_eq!(check("İ@B.CD").1, "i\u{307}@b.cd");
        assert_eq!(check("ΟΔΟΣ@B.CD").1, "οδος@b.cd");
        // `.` is case-ignorable, so the sigma before it is not final and the last one is.
        assert_eq!(check("ΣΑΣ.Σ@X.GR").1, "σασ.ς@x.gr");
        // The Kelvin sign lowercases to a plain k under the Unicode mapping.
        assert_eq!(check("\u{212A}@b.cd").1, "k@b.cd");
    }

    #[test]
    fn rule_one_exactly_one_at() {
        assert!(!valid("ab.cd"));
        assert!(!valid("a@b@c.de"));
        assert!(!valid("@b.cd"));
        assert!(!valid("a@"));
    }

    #[test]
    fn rule_two_lengths_in_bytes() {
        let local64 = "a".repeat(64);
        assert!(valid(&format!("{local64}@b.cd")));
        assert!(!valid(&format!("{}@b.cd", "a".repeat(65))));
        // é is two bytes: 32 of them are 64 bytes, 33 are 66.
        assert!(valid(&format!("{}@b.cd", "é".repeat(32))));
        assert!(!valid(&format!("{}@b.cd", "é".repeat(33))));
        let label = "a".repeat(63);
        // 4 labels of 63 + 3 dots = 255 bytes: domain too long.
        let long_domain = [label.as_str(); 4].join(".");
        assert!(!valid(&format!("a@{long_domain}")));
        // A 253-byte domain passes rule 2's domain bound but makes the whole address 255.
        let domain253 = format!("{label}.{label}.{label}.{}", "b".repeat(61));
        assert_eq!(domain253.len(), 253);
        assert!(!valid(&format!("a@{domain253}")));
        let domain252 = format!("{label}.{label}.{label}.{}", "b".repeat(60));
        assert!(valid(&format!("a@{domain252}")));
        assert!(!valid(&format!("ab@{domain252}")));
        assert!(!valid(&format!("a@{}.cd", "b".repeat(64))));
    }

    #[test]
    fn rule_three_local_part_atoms() {
        assert!(valid("a.b.c@x.io"));
        assert!(valid("!#$%&'*+/=?^_`{|}~-@x.io"));
        assert!(!valid(".a@x.io"));
        assert!(!valid("a.@x.io"));
        assert!(!valid("a..b@x.io"));
        assert!(!valid("a b@x.io"));
        assert!(!valid("a\"b@x.io"));
        assert!(!valid("a(b@x.io"));
        assert!(!valid("a,b@x.io"));
        assert!(valid("jürgen@x.de"));
        assert!(valid("用户@例子.中国"));
        assert!(valid("a\u{301}@x.io")); // combining mark, category M
        assert!(valid("٣@x.io")); // Arabic-Indic digit, category N
        assert!(!valid("a\u{A0}b@x.io")); // Zs
        assert!(!valid("a\u{200B}b@x.io")); // Cf
        assert!(!valid("a€b@x.io")); // Sc
    }

    #[test]
    fn rule_four_domain_labels() {
        assert!(!valid("a@localhost"));
        assert!(!valid("a@.x.io"));
        assert!(!valid("a@x..io"));
        assert!(!valid("a@x.io."));
        assert!(!valid("a@-x.io"));
        assert!(!valid("a@x-.io"));
        assert!(valid("a@x-y.io"));
        assert!(!valid("a@x_y.io"));
        assert!(!valid("a@x+y.io"));
        assert!(valid("a@bücher.de"));
        assert!(!valid("a@x.i\u{A0}o"));
        assert!(valid(&format!("a@{}.io", "b".repeat(63))));
    }

    #[test]
    fn rule_five_last_label_not_all_digits() {
        assert!(!valid("a@1.2.3.4"));
        assert!(!valid("a@x.123"));
        assert!(valid("a@x.1a"));
        assert!(valid("a@123.io"));
        // Non-ASCII digits are not ASCII digits.
        assert!(valid("a@x.٣٣"));
    }
}
