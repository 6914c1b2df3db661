//! Control groups: which rows a delivery holds out, by the contract's formula alone.

use crate::Channel;

/// The bytes the contract hashes: `text(delivery_id) ‖ 0x00 ‖ channel name ‖ 0x00 ‖
/// profile_id as 8 bytes little-endian`.
pub fn hash_input(delivery_id: &str, channel: Channel, profile_id: i64) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(delivery_id.len() + channel.name().len() + 10);
    hash_input_into(&mut bytes, delivery_id, channel, profile_id);
    bytes
}

/// [`hash_input`] into a reused buffer (cleared first), for a pass over millions of rows.
pub fn hash_input_into(bytes: &mut Vec<u8>, delivery_id: &str, channel: Channel, profile_id: i64) {
    bytes.clear();
    bytes.extend_from_slice(delivery_id.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(channel.name().as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(&profile_id.to_le_bytes());
}

/// `floor(p × 100 + 0.5)` in f64: the number of the 10,000 hash buckets held out.
pub fn threshold(percent: f64) -> u64 {
    (percent * 100.0 + 0.5).floor() as u64
}

/// Whether the row (delivery_id, channel, profile_id) of a delivery with `control_percent`
/// `percent` is in its control group.
pub fn in_control_group(delivery_id: &str, channel: Channel, profile_id: i64, percent: f64) -> bool {
    percent > 0.0 && bucket(&hash_input(delivery_id, channel, profile_id)) < threshold(percent)
}

/// `xxh3_64(bytes) mod 10000` (XXH3 64-bit, seed 0).
#[inline]
pub fn bucket(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes) % 10_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_input_is_exactly_those_bytes() {
        assert_eq!(hash_input("d1", Channel::Sms, 258), b"d1\0sms\0\x02\x01\0\0\0\0\0\0");
        assert_eq!(hash_input("", Channel::DirectMail, 0), b"\0direct_mail\0\0\0\0\0\0\0\0\0");
    }

    #[test]
    fn the_hash_is_xxh3_64_with_seed_0_as_an_independent_implementation_computes_it() {
        let input = hash_input("2026-11-23-newsletter", Channel::Email, 42);
        let ours = xxhash_rust::xxh3::xxh3_64(&input);
        assert_eq!(ours, twox_hash::XxHash3_64::oneshot(&input));
        // The XXH3 reference value of the empty input, seed 0.
        assert_eq!(xxhash_rust::xxh3::xxh3_64(b""), 0x2D06_8005_38D3_94C2);
        assert_eq!(bucket(&input), ours % 10_000);
        for id in [0, 1, 7, i64::MAX] {
            let input = hash_input("sms-1", Channel::Sms, id);
            assert_eq!(xxhash_rust::xxh3::xxh3_64(&input), twox_hash::XxHash3_64::oneshot(&input));
        }
    }

    #[test]
    fn thresholds_round_half_up_in_f64() {
        assert_eq!(threshold(0.0), 0);
        assert_eq!(threshold(100.0), 10_000);
        assert_eq!(threshold(12.5), 1250);
        assert_eq!(threshold(0.005), 1, "0.5 rounds up");
        assert_eq!(threshold(0.004), 0);
        assert_eq!(threshold(33.333), 3333);
    }

    #[test]
    fn zero_holds_out_nothing_and_100_everything() {
        for id in 0..2000 {
            assert!(!in_control_group("d", Channel::Email, id, 0.0));
            assert!(in_control_group("d", Channel::Email, id, 100.0));
        }
        let held = (0..20_000).filter(|&id| in_control_group("d", Channel::Email, id, 12.5)).count();
        assert!((2200..2800).contains(&held), "{held} of 20000 at 12.5%");
    }
}
