//! The exclusion reasons, one module each, named as the contract names them, and the one place
//! that applies them in contract order.
//!
//! | # | reason            | decided in |
//! |---|-------------------|------------|
//! | 1 | `unknown_profile` | [`unknown_profile`] |
//! | 2 | `optout_all`      | [`optout_all`] |
//! | 3 | `optout_channel`  | [`optout_channel`] |
//! | 4 | `not_subscribed`  | [`not_subscribed`] |
//! | 5 | `missing_address` | [`missing_address`] |
//! | 6 | `invalid_address` | [`invalid_address`] |
//! | 7 | `optout_address`  | [`optout_address`] |
//! | 8 | `denylisted`      | [`denylisted`] |
//! | 9 | `quarantined`     | [`quarantined`] |
//! | 10 | `duplicate`      | [`duplicate`] |
//! | 11 | `pressure`       | [`pressure`] |
//! | 12 | `control_group`  | [`control_group`] |
//!
//! Reasons 2, 3, 4 and 7 read the *effective* state: the exports changed by the consent
//! events, which the index has already applied (`suppress_index::ConsentEvents::apply`).
//!
//! Reasons 1 to 9 look at one target row alone: [`first_row_reason`] tries them in order, and
//! [`classify_all`] runs it over every row in parallel, in one fused pass (the per-row path is
//! the hot loop of a run: each rule is an inlined function, so the order reads like the
//! contract and compiles like one function). Reasons 10, 11 and
//! 12 look at the rows still kept together, in that order, after the pass:
//! [`duplicate::mark_duplicates`] on the rows it collected, [`pressure::mark_pressure`] (only
//! with `--cap`) per profile, [`control_group::mark_control_groups`] per row.
//!
//! Adding a reason: a module here, a line in the table above, and a line where its place in
//! the order is ([`first_row_reason`] for a per-row rule, the pipeline in `execute.rs` for a rule
//! over the kept rows).

pub mod control_group;
pub mod denylisted;
pub mod duplicate;
pub mod invalid_address;
pub mod missing_address;
pub mod not_subscribed;
pub mod optout_address;
pub mod optout_all;
pub mod optout_channel;
pub mod pressure;
pub mod quarantined;
pub mod unknown_profile;

use rayon::prelude::*;
use suppress_index::fingerprint;
use suppress_model::Reason;

use self::duplicate::KeptRows;
use crate::Indexes;

/// The outcome code of a row that is still kept: 0. Other codes are [`Reason::number`].
pub const KEPT: u8 = 0;

/// Reasons 1 to 9 for target row `row`, in contract order: the first that applies, or the
/// fingerprint of the row's valid canonical address when none does.
#[inline]
pub fn first_row_reason(ix: &Indexes, row: usize) -> Result<u64, Reason> {
    let delivery = ix.targets.delivery[row] as usize;
    let channel = ix.targets.deliveries[delivery].channel;
    let profile = unknown_profile::check(ix.targets.profile_row[row])?;
    let flags = ix.profiles.flags(profile);
    optout_all::check(flags)?;
    optout_channel::check(flags, channel)?;
    not_subscribed::check(ix.subscriptions, ix.service_slot[delivery], profile)?;
    let address = ix.addresses.get(channel, profile);
    missing_address::check(address)?;
    let canonical = invalid_address::check(address)?;
    let fingerprint = fingerprint(canonical);
    optout_address::check(ix.optout_addresses, channel, fingerprint, canonical)?;
    let verdict = ix.quarantine.and_then(|q| q.verdict(channel, fingerprint, canonical));
    denylisted::check(verdict)?;
    quarantined::check(verdict)?;
    Ok(fingerprint)
}

/// Applies reasons 1 to 9 to every target row in parallel. Returns the codes in target row
/// order and, for [`duplicate`], the rows still kept, one [`KeptRows`] per slice of the rows.
pub fn classify_all(ix: &Indexes) -> (Vec<u8>, Vec<KeptRows>) {
    let rows = ix.targets.len();
    // A few slices per thread balance the load; each slice holds one set of hash buckets.
    let slice = rows.div_ceil(rayon::current_num_threads() * 4).max(64 * 1024);
    let bits = KeptRows::bucket_bits(rows);
    let mut codes = vec![KEPT; rows];
    let kept = codes
        .par_chunks_mut(slice)
        .enumerate()
        .map(|(k, out)| {
            let mut kept = KeptRows::new(bits, out.len());
            for (i, code) in out.iter_mut().enumerate() {
                let row = k * slice + i;
                match first_row_reason(ix, row) {
                    Ok(fingerprint) => kept.push(ix, row, fingerprint),
                    Err(reason) => *code = reason.number(),
                }
            }
            kept
        })
        .collect();
    (codes, kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table at the top of this file lists every reason, numbered and in contract order,
    /// each decided in a module of its own name: a reason added to `suppress_model::Reason`
    /// without its module and its row fails here.
    #[test]
    fn every_reason_has_its_row_and_its_module_in_contract_order() {
        let rows: Vec<(u8, String, String)> = include_str!("mod.rs")
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.strip_prefix("//! |")?.split('|').map(str::trim).collect();
                let number = cells.first()?.parse().ok()?;
                let name = cells.get(1)?.trim_matches('`').to_string();
                let module = cells.get(2)?.trim_matches(|c| c == '[' || c == ']' || c == '`').to_string();
                Some((number, name, module))
            })
            .collect();
        let expected: Vec<(u8, String, String)> =
            Reason::ALL.iter().map(|r| (r.number(), r.name().to_string(), r.name().to_string())).collect();
        assert_eq!(rows, expected);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        for reason in Reason::ALL {
            assert!(dir.join(format!("{}.rs", reason.name())).is_file(), "no module for {reason}");
        }
    }
}
