//! Email: trim, full Unicode lowercase, then the contract's five validity rules.

use unicode_general_category::{get_general_category, GeneralCategory as G};

/// Writes the lowercase form of `trimmed` into `out`; returns whether it is a valid email.
pub(super) fn canonicalize(trimmed: &str, out: &mut String) -> bool {
    if trimmed.is_ascii() {
        out.push_str(trimmed);
        out.make_ascii_lowercase();
    } else {
        // `str::to_lowercase` applies the full mapping, including final sigma in context.
        out.push_str(&trimmed.to_lowercase());
    }
    is_valid(out)
}

/// Validity of an already lowercased address.
pub(crate) fn is_valid(address: &str) -> bool {
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
    local.split('.').all(is_atom) && is_domain(domain)
}

fn is_atom(atom: &str) -> bool {
    !atom.is_empty()
        && atom.chars().all(|c| match c {
            'a'..='z' | '0'..='9' => true,
            '!' | '#' | '$' | '%' | '&' | '\'' | '*' | '+' | '/' | '=' | '?' | '^' | '_' | '`' | '{' | '|' | '}'
            | '~' | '-' => true,
            c if c.is_ascii() => false,
            c => is_letter_mark_or_number(c),
        })
}

fn is_domain(domain: &str) -> bool {
    let mut labels = 0usize;
    let mut last = "";
    for label in domain.split('.') {
        if !is_label(label) {
            return false;
        }
        labels += 1;
        last = label;
    }
    labels >= 2 && !last.bytes().all(|b| b.is_ascii_digit())
}

fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(|c| match c {
            'a'..='z' | '0'..='9' | '-' => true,
            c if c.is_ascii() => false,
            c => is_letter_mark_or_number(c),
        })
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
    use crate::{AddressKind, AddressState, Canonicalizer};

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
