//! Outcome counts per delivery: kept, and each reason.

use rayon::prelude::*;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use suppress_index::TargetList;
use suppress_model::Reason;

/// Outcome counts: index 0 is kept, index n is reason n.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts(pub [u64; Reason::COUNT + 1]);

impl Counts {
    pub fn targeted(&self) -> u64 {
        self.0.iter().sum()
    }

    pub fn kept(&self) -> u64 {
        self.0[0]
    }

    pub fn excluded(&self, reason: Reason) -> u64 {
        self.0[usize::from(reason.number())]
    }

    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &Counts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }
}

/// Serializes as `{"targeted", "kept", "excluded": {reason: count, ...}}` in contract order.
impl Serialize for Counts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Reasons<'a>(&'a Counts);
        impl Serialize for Reasons<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(Reason::ALL.len()))?;
                for reason in Reason::ALL {
                    map.serialize_entry(reason.name(), &self.0.excluded(reason))?;
                }
                map.end()
            }
        }
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("targeted", &self.targeted())?;
        map.serialize_entry("kept", &self.kept())?;
        map.serialize_entry("excluded", &Reasons(self))?;
        map.end()
    }
}

/// Counts outcomes per delivery, in parallel.
pub fn count_by_delivery(targets: &TargetList, codes: &[u8]) -> Vec<Counts> {
    let deliveries = targets.deliveries.len();
    codes
        .par_chunks(1 << 16)
        .enumerate()
        .fold(
            || vec![Counts::default(); deliveries],
            |mut acc, (chunk, codes)| {
                let base = chunk << 16;
                for (i, &code) in codes.iter().enumerate() {
                    acc[targets.delivery[base + i] as usize].0[usize::from(code)] += 1;
                }
                acc
            },
        )
        .reduce(
            || vec![Counts::default(); deliveries],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| x.add(y));
                a
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_serialize_in_contract_order() {
        let mut c = Counts::default();
        c.0[0] = 5;
        c.0[10] = 2;
        c.0[4] = 1;
        c.0[12] = 3;
        let json = serde_json::to_string(&c).unwrap();
        assert!(
            json.starts_with(
                r#"{"targeted":11,"kept":5,"excluded":{"unknown_profile":0,"optout_all":0,"optout_channel":0,"not_subscribed":1,"missing_address":0"#
            ),
            "{json}"
        );
        assert!(json.ends_with(r#""quarantined":0,"duplicate":2,"pressure":0,"control_group":3}}"#), "{json}");
    }
}
