//! `profiles.parquet`: ids with gaps, shared and dirty addresses, null and integer flags.
//!
//! About 3% of profiles share the addresses of a nearby profile (the same person twice);
//! emails come in mixed case, with stray whitespace, sometimes invalid or missing; phones in
//! international (`+33 6 ..`, `0033..`) and national (`06 ..`, valid only with
//! `--default-country 33`) formats; flags are booleans with nulls, two of them integers.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Int32Array, Int64Array, Int8Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};

use crate::rng::Rng;
use crate::write::{write_batches, BATCH_ROWS};
use crate::{GenConfig, GenError};

const TABLE: u64 = 1;

const FIRST: [&str; 12] =
    ["anna", "bruno", "chloé", "david", "emma", "farid", "gina", "hugo", "inès", "jules", "karl", "léa"];
const LAST: [&str; 10] =
    ["martin", "bernard", "dubois", "thomas", "robert", "petit", "durand", "leroy", "moreau", "simon"];
const DOMAINS: [&str; 8] =
    ["gmail.com", "yahoo.fr", "orange.fr", "hotmail.com", "free.fr", "example.org", "bücher.de", "mail.co.uk"];
const STREETS: [&str; 6] = [
    "rue de la Paix",
    "avenue Victor Hugo",
    "boulevard Haussmann",
    "place Bellecour",
    "chemin des Vignes",
    "allée des Tilleuls",
];
const CITIES: [&str; 5] = ["Paris", "Lyon", "Marseille", "Toulouse", "Bordeaux"];

/// The profile id of profile index `i` in the dense shape: ascending, with a gap every 51 ids
/// (`51 * m` is never a profile id, which is how targets get unknown ids).
pub fn profile_id(i: u64) -> i64 {
    (i + 1 + i / 50) as i64
}

/// How profile ids are spread, as real exports have them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdShape {
    /// A CRM sequence: ascending from 1, a gap every 51 ids.
    #[default]
    Dense,
    /// What is left after years of deletions: ascending, about 7 ids per profile.
    Sparse,
    /// Hashed keys or a CDP's 63-bit ids: unique, in no order, anywhere in `0..2^63`.
    Random63,
}

impl IdShape {
    pub fn parse(text: &str) -> Option<IdShape> {
        match text {
            "dense" => Some(IdShape::Dense),
            "sparse" => Some(IdShape::Sparse),
            "random63" => Some(IdShape::Random63),
            _ => None,
        }
    }

    /// The id of profile index `i`; distinct indexes have distinct ids.
    pub fn id(self, i: u64) -> i64 {
        match self {
            IdShape::Dense => profile_id(i),
            // 7i + 1 + (0..5): ascending and distinct.
            IdShape::Sparse => (7 * i + 1 + Rng::new(0, 900, i).below(5)) as i64,
            IdShape::Random63 => scramble63(i) as i64,
        }
    }
}

/// A bijection of `0..2^63` onto itself (odd multiplications and a xorshift, each invertible
/// modulo 2^63), so that ids are unique without a set to check them against.
fn scramble63(i: u64) -> u64 {
    const MASK: u64 = u64::MAX >> 1;
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) & MASK;
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9) & MASK;
    x ^ (x >> 32)
}

/// The index of the person whose addresses profile `i` uses: itself, or for ~3% a profile
/// just before it (one person, two profiles).
pub fn owner(seed: u64, i: u64) -> u64 {
    let mut rng = Rng::new(seed, TABLE + 100, i);
    if i > 0 && rng.chance(0.03) {
        i - 1 - rng.below(i.min(20))
    } else {
        i
    }
}

/// The clean email of person `j`.
pub fn base_email(seed: u64, j: u64) -> String {
    let mut rng = Rng::new(seed, TABLE + 200, j);
    format!("{}.{}.{j}@{}", rng.pick(&FIRST), rng.pick(&LAST), rng.pick(&DOMAINS))
}

/// The eight national digits after the leading 0 of person `j`'s number of `kind`.
pub fn base_number(seed: u64, j: u64, kind: u64) -> u64 {
    let mut rng = Rng::new(seed, TABLE + 300 + kind, j);
    let lead = match kind {
        0 => 6 + rng.below(2), // mobile: 06 or 07
        _ => 1 + rng.below(5), // landline or fax: 01 to 05
    };
    lead * 100_000_000 + rng.below(100_000_000)
}

/// Person `j`'s push token: 64 hex digits.
pub fn base_token(seed: u64, j: u64) -> String {
    let mut rng = Rng::new(seed, TABLE + 400, j);
    (0..4).map(|_| format!("{:016x}", rng.next_u64())).collect()
}

pub fn base_postal(seed: u64, j: u64) -> String {
    let mut rng = Rng::new(seed, TABLE + 500, j);
    // Wide enough that unrelated people rarely share an address, even at 50M profiles.
    format!(
        "{} {}, apt {} {:05} {}",
        1 + rng.below(300),
        rng.pick(&STREETS),
        1 + rng.below(400),
        10_000 + rng.below(90_000),
        rng.pick(&CITIES)
    )
}

/// Adds case and whitespace dirt a CRM export really has.
pub fn dirty(rng: &mut Rng, clean: &str) -> String {
    let mut text = match rng.below(10) {
        0 => clean.to_uppercase(),
        1 => clean
            .split('.')
            .map(|p| {
                let mut c = p.chars();
                c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
            })
            .collect::<Vec<String>>()
            .join("."),
        _ => clean.to_string(),
    };
    if rng.chance(0.08) {
        text = format!("{}{}{}", rng.pick(&[" ", "\t", "  "]), text, rng.pick(&["", " ", "\n", "\r\n"]));
    }
    text
}

fn email(seed: u64, i: u64, rng: &mut Rng) -> Option<String> {
    if rng.chance(0.04) {
        return None;
    }
    if rng.chance(0.02) {
        return Some(rng.pick(&["", "  ", "\t"]).to_string());
    }
    let clean = base_email(seed, owner(seed, i));
    if rng.chance(0.03) {
        let (local, domain) = clean.split_once('@').expect("base emails have one @");
        return Some(match rng.below(6) {
            0 => format!("{local}{domain}"),
            1 => format!("{local}@@{domain}"),
            2 => format!("{local}..x@{domain}"),
            3 => format!("{local} x@{domain}"),
            4 => format!("{local}@{}", domain.split('.').next().unwrap_or("x")),
            _ => format!("{local}@{domain}."),
        });
    }
    Some(dirty(rng, &clean))
}

/// A phone number in one of the formats exports mix.
pub fn format_number(rng: &mut Rng, national: u64) -> String {
    let d = format!("{national:09}");
    // The eight digits after the first, in pairs joined by `sep`.
    let pairs =
        |sep: &str| d.as_bytes()[1..].chunks(2).map(|c| String::from_utf8_lossy(c)).collect::<Vec<_>>().join(sep);
    match rng.below(6) {
        0 => format!("+33 {} {}", &d[..1], pairs(" ")),
        1 => format!("+33{d}"),
        2 => format!("0033{d}"),
        3 => format!("0{} {}", &d[..1], pairs(" ")),
        4 => format!("0{}-{}", &d[..1], pairs("-")),
        _ => format!("(0{}) {}.{}", &d[..1], &d[1..5], &d[5..]),
    }
}

fn number(seed: u64, i: u64, rng: &mut Rng, kind: u64, missing: f64) -> Option<String> {
    if rng.chance(missing) {
        return if rng.chance(0.2) { Some(" ".into()) } else { None };
    }
    if rng.chance(0.02) {
        return Some(rng.pick(&["12345", "+33 6 12", "n/a", "+0 123 456 789"]).to_string());
    }
    Some(format_number(rng, base_number(seed, owner(seed, i), kind)))
}

fn token(seed: u64, i: u64, rng: &mut Rng) -> Option<String> {
    if rng.chance(0.45) {
        return None;
    }
    let t = base_token(seed, owner(seed, i));
    if rng.chance(0.01) {
        return Some(format!("{} {}", &t[..32], &t[32..]));
    }
    Some(if rng.chance(0.05) { format!(" {t}\n") } else { t })
}

fn postal(seed: u64, i: u64, rng: &mut Rng) -> Option<String> {
    if rng.chance(0.08) {
        return None;
    }
    let clean = base_postal(seed, owner(seed, i));
    let spaced = if rng.chance(0.2) { clean.replace(' ', "  ").replacen("  ", "\n", 1) } else { clean };
    Some(dirty(rng, &spaced))
}

fn flag(rng: &mut Rng, p_true: f64) -> Option<bool> {
    if rng.chance(0.03) {
        None
    } else {
        Some(rng.chance(p_true))
    }
}

pub fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("profile_id", DataType::Int64, false),
        Field::new("first_name", DataType::Utf8, true),
        Field::new("optout", DataType::Boolean, true),
        Field::new("optout_email", DataType::Boolean, true),
        Field::new("optout_sms", DataType::Int8, true),
        Field::new("optout_phone", DataType::Boolean, true),
        Field::new("optout_fax", DataType::Int32, true),
        Field::new("optout_push", DataType::Boolean, true),
        Field::new("optout_direct_mail", DataType::Boolean, true),
        Field::new("email", DataType::Utf8, true),
        Field::new("mobile_phone", DataType::Utf8, true),
        Field::new("phone", DataType::Utf8, true),
        Field::new("fax", DataType::Utf8, true),
        Field::new("push_token", DataType::Utf8, true),
        Field::new("postal_address", DataType::Utf8, true),
    ]))
}

fn batch(config: &GenConfig, b: u64) -> RecordBatch {
    let seed = config.seed;
    let rows = (b * BATCH_ROWS)..((b + 1) * BATCH_ROWS).min(config.profiles);
    let mut ids = Vec::new();
    let mut first = Vec::new();
    let mut bools: [Vec<Option<bool>>; 5] = Default::default();
    let (mut sms, mut fax) = (Vec::new(), Vec::new());
    let mut strings: [Vec<Option<String>>; 6] = Default::default();
    for i in rows {
        let mut rng = Rng::new(seed, TABLE, i);
        ids.push(config.profile_id(i));
        first.push(Some(rng.pick(&FIRST).to_string()));
        for (k, p) in [0.02, 0.05, 0.03, 0.06, 0.03].into_iter().enumerate() {
            bools[k].push(flag(&mut rng, p));
        }
        sms.push(flag(&mut rng, 0.04).map(i8::from));
        fax.push(flag(&mut rng, 0.02).map(|f| if f { 1 + rng.below(3) as i32 } else { 0 }));
        strings[0].push(email(seed, i, &mut rng));
        strings[1].push(number(seed, i, &mut rng, 0, 0.15));
        strings[2].push(number(seed, i, &mut rng, 1, 0.35));
        strings[3].push(number(seed, i, &mut rng, 2, 0.80));
        strings[4].push(token(seed, i, &mut rng));
        strings[5].push(postal(seed, i, &mut rng));
    }
    let b = |v: &Vec<Option<bool>>| Arc::new(BooleanArray::from(v.clone())) as ArrayRef;
    let s = |v: &Vec<Option<String>>| Arc::new(StringArray::from(v.clone())) as ArrayRef;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(ids)),
        Arc::new(StringArray::from(first)),
        b(&bools[0]),
        b(&bools[1]),
        Arc::new(Int8Array::from(sms)),
        b(&bools[2]),
        Arc::new(Int32Array::from(fax)),
        b(&bools[3]),
        b(&bools[4]),
        s(&strings[0]),
        s(&strings[1]),
        s(&strings[2]),
        s(&strings[3]),
        s(&strings[4]),
        s(&strings[5]),
    ];
    RecordBatch::try_new(schema(), columns).expect("columns match the schema")
}

pub fn write(path: &Path, config: &GenConfig) -> Result<u64, GenError> {
    write_batches(path, schema(), config.profiles.div_ceil(BATCH_ROWS), |b| batch(config, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_gives_distinct_non_negative_ids() {
        for shape in [IdShape::Dense, IdShape::Sparse, IdShape::Random63] {
            let ids: std::collections::HashSet<i64> = (0..200_000).map(|i| shape.id(i)).collect();
            assert_eq!(ids.len(), 200_000, "{shape:?}");
            assert!(ids.iter().all(|&id| id >= 0), "{shape:?}");
        }
        assert!((0..1000).map(|i| IdShape::Sparse.id(i)).collect::<Vec<_>>().windows(2).all(|w| w[0] < w[1]));
        let high = (0..1000).filter(|&i| IdShape::Random63.id(i) > i64::MAX / 2).count();
        assert!((400..600).contains(&high), "random63 ids spread over the whole range: {high}");
    }
}
