//! The send history (`--history`): the messages already sent to the profiles a delivery
//! targets, grouped by profile row, for the pressure rules.

use suppress_load::{BadValue, ColumnNames, ColumnSpec, LoadError, Table, TableKind};
use suppress_model::Channel;

use crate::{BadRows, DenseBits, ProfileIndex, Spellings};

/// Per targeted profile row, its history rows that can count for some cap: `(channel,
/// sent_at)` packed in one `i64` each, grouped by row (offsets, then entries).
#[derive(Debug, Clone, Default)]
pub struct SendHistory {
    /// Per profile row `r`: its entries are `entries[offsets[r]..offsets[r + 1]]`.
    offsets: Vec<u32>,
    entries: Vec<i64>,
    pub stats: HistoryStats,
}

/// What the history table held, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryStats {
    pub rows_read: u64,
    pub bad_rows: BadRows,
    /// Rows of profile ids not in profiles (ignored, as the contract says).
    pub unknown_profile: u64,
    /// Rows that can count for no candidate: their profile is not targeted, no cap covers
    /// their channel, or they lie a whole period or more from every contact time.
    pub cannot_count: u64,
    /// Rows kept for the arbitration.
    pub kept: u64,
}

const PROFILE_ID: usize = 0;
const CHANNEL: usize = 1;
const SENT_AT: usize = 2;

/// Which history rows can count: those of targeted profiles, of a channel some cap covers,
/// with `sent_at` strictly inside `window` (the contact times widened by the longest period).
pub struct HistoryFilter<'a> {
    pub targeted: &'a DenseBits,
    pub channels: [bool; 6],
    pub window: (i64, i64),
}

/// `sent_at` and the channel in one `i64`: the time in the high 61 bits.
#[inline]
fn pack(channel: Channel, sent_at: i64) -> i64 {
    (sent_at.clamp(i64::MIN >> 3, i64::MAX >> 3) << 3) | channel.index() as i64
}

#[inline]
fn unpack(packed: i64) -> (Channel, i64) {
    (Channel::ALL[(packed & 7) as usize], packed >> 3)
}

impl SendHistory {
    pub fn columns(names: &ColumnNames) -> Vec<ColumnSpec> {
        let source = |name| names.source(TableKind::History, name);
        vec![
            ColumnSpec::required("profile_id", source("profile_id")),
            ColumnSpec::required("channel", source("channel")),
            ColumnSpec::required("sent_at", source("sent_at")),
        ]
    }

    pub fn load(
        table: &Table,
        names: &ColumnNames,
        profiles: &ProfileIndex,
        filter: &HistoryFilter,
        skip_bad_rows: bool,
    ) -> Result<SendHistory, LoadError> {
        let columns = SendHistory::columns(names);
        let skip = skip_bad_rows;
        let parts = table.scan(&columns, |batch| {
            let ids = batch.ids(PROFILE_ID)?.expect("required column");
            let channels = batch.strings(CHANNEL)?.expect("required column");
            let times = batch.times(SENT_AT)?.expect("required column");
            let mut stats = HistoryStats { rows_read: batch.num_rows as u64, ..HistoryStats::default() };
            let (mut rows, mut packed) = (Vec::new(), Vec::new());
            let mut spellings = Spellings::new(CHANNEL, Channel::parse, BadValue::UnknownChannel);
            for i in 0..batch.num_rows {
                let Some(id) = stats.bad_rows.id(skip, batch, PROFILE_ID, i, ids.get(i))? else { continue };
                let Some(channel) = spellings.read_in(&mut stats.bad_rows, skip, batch, i, &channels)? else {
                    continue;
                };
                let Some(sent_at) = times.micros(i) else {
                    stats.bad_rows.record(skip, batch, SENT_AT, i, BadValue::Null)?;
                    continue;
                };
                let Some(row) = profiles.row(id) else {
                    stats.unknown_profile += 1;
                    continue;
                };
                let useful = filter.channels[channel.index()]
                    && sent_at > filter.window.0
                    && sent_at < filter.window.1
                    && filter.targeted.get(row);
                if !useful {
                    stats.cannot_count += 1;
                    continue;
                }
                rows.push(row);
                packed.push(pack(channel, sent_at));
            }
            stats.kept = rows.len() as u64;
            Ok::<_, LoadError>((rows, packed, stats))
        })?;
        Ok(group(parts, profiles.len()))
    }

    /// The history of profile row `row` that can count, as `(channel, sent_at)`.
    pub fn of(&self, row: u32) -> impl Iterator<Item = (Channel, i64)> + '_ {
        let range = match (self.offsets.get(row as usize), self.offsets.get(row as usize + 1)) {
            (Some(&start), Some(&end)) => start as usize..end as usize,
            _ => 0..0,
        };
        self.entries[range].iter().map(|&p| unpack(p))
    }
}

/// Groups the rows by profile row with a counting sort: linear, and the same whatever the
/// thread count (rows of one profile keep table order).
fn group(parts: Vec<(Vec<u32>, Vec<i64>, HistoryStats)>, profile_rows: usize) -> SendHistory {
    let mut history = SendHistory::default();
    let mut counts = vec![0u32; profile_rows + 1];
    for (rows, _, stats) in &parts {
        for &row in rows {
            counts[row as usize + 1] += 1;
        }
        let total = &mut history.stats;
        total.rows_read += stats.rows_read;
        total.bad_rows.merge(&stats.bad_rows);
        total.unknown_profile += stats.unknown_profile;
        total.cannot_count += stats.cannot_count;
        total.kept += stats.kept;
    }
    for r in 1..counts.len() {
        counts[r] += counts[r - 1];
    }
    let mut next = counts.clone();
    let mut entries = vec![0i64; history.stats.kept as usize];
    for (rows, packed, _) in &parts {
        for (&row, &p) in rows.iter().zip(packed) {
            let slot = &mut next[row as usize];
            entries[*slot as usize] = p;
            *slot += 1;
        }
    }
    history.offsets = counts;
    history.entries = entries;
    history
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_keeps_the_channel_and_the_time() {
        for channel in Channel::ALL {
            for t in [0, 1, -1, 1_793_491_200_000_000, -62_135_596_800_000_000] {
                assert_eq!(unpack(pack(channel, t)), (channel, t));
            }
        }
    }

    #[test]
    fn rows_group_by_profile_in_table_order() {
        let parts = vec![
            (
                vec![2, 0],
                vec![pack(Channel::Sms, 5), pack(Channel::Email, 1)],
                HistoryStats { kept: 2, ..Default::default() },
            ),
            (vec![2], vec![pack(Channel::Push, 9)], HistoryStats { kept: 1, ..Default::default() }),
        ];
        let h = group(parts, 4);
        assert_eq!(h.of(0).collect::<Vec<_>>(), [(Channel::Email, 1)]);
        assert_eq!(h.of(1).count(), 0);
        assert_eq!(h.of(2).collect::<Vec<_>>(), [(Channel::Sms, 5), (Channel::Push, 9)]);
        assert_eq!(h.of(3).count(), 0);
        assert_eq!(h.of(99).count(), 0);
    }
}
