//! Reason 11, `pressure`, only with `--cap`: among a profile's candidates (its target rows
//! still kept after reasons 1 to 10), ranked by weight, contact time, delivery_id and channel,
//! each is excluded when, for some cap covering its channel, the profile's history rows and
//! already admitted candidates of the cap's scope within the period of its contact time reach
//! the cap's limit (`suppress_model::pressure::arbitrate`, the rule itself).
//!
//! Profiles are independent: the kept rows are grouped by profile row (a sort of 8-byte
//! pairs), and the groups are arbitrated in parallel. The cost grows with the candidates and
//! the history rows of their profiles, which the loader already reduced to the rows that can
//! count (`suppress_index::SendHistory`).

use rayon::prelude::*;
use suppress_model::pressure::{arbitrate_into, rank, Candidate, Cap};
use suppress_model::{Channel, Reason};

use super::KEPT;
use crate::Indexes;

/// Marks pressure exclusions in `codes`; returns, per cap, the rows it excluded (a row counts
/// under the first cap that reached its limit).
pub fn mark_pressure(ix: &Indexes, codes: &mut [u8], caps: &[Cap], as_of: i64) -> Vec<u64> {
    // (profile row, target row) of every kept row, grouped by profile row.
    let mut candidates: Vec<(u32, u32)> = codes
        .par_iter()
        .enumerate()
        .filter(|(_, &code)| code == KEPT)
        .map(|(row, _)| (ix.targets.profile_row[row], row as u32))
        .collect();
    candidates.par_sort_unstable();
    let starts: Vec<usize> =
        (0..candidates.len()).filter(|&i| i == 0 || candidates[i].0 != candidates[i - 1].0).collect();
    let excluded: Vec<(u32, usize)> = starts
        .par_iter()
        .enumerate()
        .fold(
            || (Scratch::default(), Vec::new()),
            |(mut scratch, mut excluded), (g, &start)| {
                let end = starts.get(g + 1).copied().unwrap_or(candidates.len());
                scratch.decide(ix, &candidates[start..end], caps, as_of, &mut excluded);
                (scratch, excluded)
            },
        )
        .map(|(_, excluded)| excluded)
        .reduce(Vec::new, |mut a, b| {
            a.extend(b);
            a
        });
    let mut per_cap = vec![0u64; caps.len()];
    for (row, cap) in excluded {
        codes[row as usize] = Reason::Pressure.number();
        per_cap[cap] += 1;
    }
    per_cap
}

/// Buffers reused from one profile to the next (millions of profiles, a few rows each).
#[derive(Default)]
struct Scratch<'a> {
    ranked: Vec<(Candidate<'a>, u32)>,
    only: Vec<Candidate<'a>>,
    history: Vec<(Channel, i64)>,
    decisions: Vec<Option<usize>>,
}

impl<'a> Scratch<'a> {
    /// One profile's candidates (all of one profile row), decided: pushes the excluded target
    /// rows, with the cap that excluded each, onto `excluded`.
    fn decide(
        &mut self,
        ix: &Indexes<'a>,
        group: &[(u32, u32)],
        caps: &[Cap],
        as_of: i64,
        excluded: &mut Vec<(u32, usize)>,
    ) {
        self.ranked.clear();
        self.ranked.extend(group.iter().map(|&(_, row)| {
            let d = ix.targets.delivery[row as usize] as usize;
            let delivery = &ix.targets.deliveries[d];
            let properties = &ix.properties[d];
            let candidate = Candidate {
                channel: delivery.channel,
                weight: properties.weight,
                contact: properties.contact_date.unwrap_or(as_of),
                delivery_id: delivery.id.as_str(),
            };
            (candidate, row)
        }));
        self.ranked.sort_by(|a, b| rank(&a.0, &b.0).then(a.1.cmp(&b.1)));
        self.history.clear();
        if let Some(history) = ix.history {
            self.history.extend(history.of(group[0].0));
        }
        self.only.clear();
        self.only.extend(self.ranked.iter().map(|c| c.0));
        arbitrate_into(&self.only, &self.history, caps, &mut self.decisions);
        for (decision, &(_, row)) in self.decisions.iter().zip(&self.ranked) {
            if let Some(cap) = decision {
                excluded.push((row, *cap));
            }
        }
    }
}
