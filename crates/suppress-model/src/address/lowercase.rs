//! The contract's lowercase (Rust's `str::to_lowercase`), appended to a buffer without
//! allocating.

/// The capital letter sigma, the one character whose lowercase depends on its neighbours.
const CAPITAL_SIGMA: char = 'Σ';

/// Appends the lowercase of `text` to `out`, exactly as `text.to_lowercase()` would give it;
/// returns whether every character of `text` is ASCII or in U+00C0..=U+00FF (Latin-1 letters,
/// `×` and `÷`), whose lowercase is then in the same range and of the same length.
///
/// `str::to_lowercase` allocates a new string per call and looks every non-ASCII character up
/// in a table. Addresses are mostly ASCII and Latin-1 (`É` → `é`), which map by adding 32;
/// only other characters need the table, and only text with a capital sigma needs the whole
/// string's context (final sigma).
pub(crate) fn push_lowercase(text: &str, out: &mut String) -> bool {
    if text.is_ascii() {
        let start = out.len();
        out.push_str(text);
        out[start..].make_ascii_lowercase();
        return true;
    }
    let start = out.len();
    if push_latin1_lowercase(text.as_bytes(), out) {
        return true;
    }
    out.truncate(start);
    if text.contains(CAPITAL_SIGMA) {
        out.push_str(&text.to_lowercase());
        return false;
    }
    let mut latin1 = true;
    for c in text.chars() {
        match c {
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            // Latin-1 capitals À to Þ, except the multiplication sign, are their small
            // letter minus 32.
            '\u{C0}'..='\u{DE}' if c != '\u{D7}' => out.push(char::from(c as u8 + 32)),
            c if c.is_ascii() || ('\u{DF}'..='\u{FF}').contains(&c) || c == '\u{D7}' => out.push(c),
            c => {
                latin1 = false;
                out.extend(c.to_lowercase());
            }
        }
    }
    latin1
}

/// The lowercase of `bytes` (UTF-8) appended to `out` when every character is ASCII or in
/// U+00C0..=U+00FF, read byte by byte: such a character is the lead byte 0xC3 and a
/// continuation byte 0x80..=0xBF, and its capitals (À to Þ but ×) are continuations
/// 0x80..=0x9E but 0x97, whose small letter is 0x20 further. Returns false at the first other
/// character, having appended part of the text: the caller truncates it. A third of a French
/// file's emails take this path, where decoding and encoding each `char` cost a tenth of a
/// whole run of `suppress quarantine`.
fn push_latin1_lowercase(bytes: &[u8], out: &mut String) -> bool {
    out.reserve(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii() {
            out.push(char::from(b.to_ascii_lowercase()));
            i += 1;
        } else if b == 0xC3 {
            // A 0xC3 lead byte is always followed by one continuation byte in valid UTF-8.
            let Some(&c) = bytes.get(i + 1) else { return false };
            let small = if (0x80..=0x9E).contains(&c) && c != 0x97 { c + 0x20 } else { c };
            // U+00C0 + (small - 0x80): the character whose UTF-8 is 0xC3, `small`.
            out.push(char::from(0x40 + small));
            i += 2;
        } else {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn lowercase(text: &str) -> String {
        let mut out = String::from("kept:");
        let latin1 = push_lowercase(text, &mut out);
        assert_eq!(latin1, text.chars().all(|c| c.is_ascii() || ('\u{C0}'..='\u{FF}').contains(&c)), "{text}");
        out.strip_prefix("kept:").expect("appends").to_string()
    }

    #[test]
    fn matches_str_to_lowercase_on_the_hard_cases() {
        for text in ["ÀÉÎÕÜÞ×ÿß", "İSTANBUL", "ΟΔΟΣ", "ΣΑΣ.Σ", "\u{212A}elvin", "ǅ", "ẞ", "ＡＢＣ", "Ω"]
        {
            assert_eq!(lowercase(text), text.to_lowercase(), "{text}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn matches_str_to_lowercase(text in "[A-Za-z0-9 .@\\u{80}-\\u{24F}\\u{370}-\\u{3FF}\\u{400}-\\u{4FF}İK\\u{212A}ẞ]{0,16}|\\PC{0,16}") {
            prop_assert_eq!(lowercase(&text), text.to_lowercase());
        }
    }
}
