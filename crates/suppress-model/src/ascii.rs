//! ASCII whitespace exactly as the contract defines it.
//!
//! The contract's whitespace is space, tab, LF, CR, VT and FF. Rust's `u8::is_ascii_whitespace`
//! omits VT and `str::trim` strips every Unicode space, so neither can be used.

/// True for U+0020, U+0009, U+000A, U+000D, U+000B and U+000C.
#[inline]
pub fn is_space(byte: u8) -> bool {
    // Tab, LF, VT, FF and CR are 0x09..=0x0D; without short-circuits, so that a loop over
    // many bytes ([`contains_space`]) compiles to vector compares.
    (byte == b' ') | (byte.wrapping_sub(0x09) < 5)
}

/// Whether any byte of `bytes` is contract whitespace: every byte looked at, sixteen at a
/// time with no early exit, which compiles to vector compares (a push token is 64 bytes and a
/// log has millions).
#[inline]
pub fn contains_space(bytes: &[u8]) -> bool {
    let space = |b: u8| u8::from(b == b' ') | u8::from(b.wrapping_sub(0x09) < 5);
    let mut chunks = bytes.chunks_exact(16);
    let mut found = 0u8;
    for chunk in &mut chunks {
        found |= chunk.iter().fold(0u8, |lane, &b| lane | space(b));
    }
    found |= chunks.remainder().iter().fold(0u8, |lane, &b| lane | space(b));
    found != 0
}

/// Removes contract whitespace from both ends.
#[inline]
pub fn trim(text: &str) -> &str {
    let bytes = text.as_bytes();
    let start = bytes.iter().position(|&b| !is_space(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|&b| !is_space(b)).map_or(start, |i| i + 1);
    // Whitespace bytes are ASCII, so both cut points fall on character boundaries.
    &text[start..end]
}

/// The parts of `text` between the bytes that `is_separator` picks, which must be ASCII bytes
/// (so every cut falls on a character boundary); like `str::split`, without decoding
/// characters.
#[inline]
pub fn split_ascii(text: &str, is_separator: impl Fn(u8) -> bool) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.bytes().position(&is_separator) {
            Some(i) => {
                rest = Some(&current[i + 1..]);
                Some(&current[..i])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// True when `text` trimmed and with ASCII letters lowercased equals `lowercase_name`.
///
/// `lowercase_name` must already be lowercase ASCII. Only ASCII letters fold, so the Kelvin
/// sign never matches `k`.
#[inline]
pub fn name_matches(text: &str, lowercase_name: &str) -> bool {
    trim(text).eq_ignore_ascii_case(lowercase_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_are_exactly_the_six() {
        let spaces: Vec<u8> = (0..=255u8).filter(|&b| is_space(b)).collect();
        assert_eq!(spaces, vec![0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20]);
        for b in 0..=255u8 {
            let text = [b'a'; 40].iter().copied().chain([b]).chain([b'z'; 30]).collect::<Vec<u8>>();
            assert_eq!(contains_space(&text), is_space(b), "{b:#x}");
        }
        assert!(!contains_space(b""));
    }

    #[test]
    fn trims_exactly_the_six_ascii_spaces() {
        assert_eq!(trim(" \t\n\r\x0B\x0Cab c\x0B "), "ab c");
        assert_eq!(trim("\u{A0}x\u{A0}"), "\u{A0}x\u{A0}");
        assert_eq!(trim("\u{1C}x\u{1F}"), "\u{1C}x\u{1F}");
        assert_eq!(trim("\u{2003}x"), "\u{2003}x");
        assert_eq!(trim(" \x0B "), "");
        assert_eq!(trim(""), "");
    }

    #[test]
    fn names_fold_only_ascii_letters() {
        assert!(name_matches(" Email\t", "email"));
        assert!(name_matches("\x0BSMS\x0C", "sms"));
        assert!(!name_matches("\u{212A}", "k"));
        assert!(!name_matches("e mail", "email"));
    }
}
