//! Postal addresses: trim, collapse ASCII whitespace runs to one space, lowercase. Always valid.

use crate::ascii::is_space;

pub(super) fn canonicalize(trimmed: &str, out: &mut String) -> bool {
    // Collapse straight into `out`: no buffer per address.
    let mut in_space = false;
    for c in trimmed.chars() {
        if c.is_ascii() && is_space(c as u8) {
            in_space = true;
        } else {
            if in_space {
                out.push(' ');
                in_space = false;
            }
            out.push(c);
        }
    }
    if out.is_ascii() {
        out.make_ascii_lowercase();
    } else {
        // The full mapping looks at context (final sigma), so it needs the whole string.
        let lowercase = out.to_lowercase();
        out.clear();
        out.push_str(&lowercase);
    }
    true
}

#[cfg(test)]
mod tests {
    use crate::{AddressKind, AddressState, Canonicalizer};

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
