//! Canonical profile addresses, per channel, for the rows deliveries target.

use ahash::HashSet;
use rayon::prelude::*;
use suppress_load::{ColumnNames, ColumnSpec, LoadError, Table, TableKind};
use suppress_model::{AddressState, Canonicalizer, Channel};

use crate::profiles::{channel_bit, ACCEPTED, OPTOUT_ALL};
use crate::{DenseBits, FingerprintMap, ProfileIndex};

const MISSING: u8 = 1;
const INVALID: u8 = 2;
const VALID: u8 = 3;

/// A profile's address for one channel, as the analysis sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressEntry<'a> {
    /// The row is not targeted on this channel, so its address was not kept.
    NotLoaded,
    Missing,
    /// The canonical form that failed validation.
    Invalid(&'a str),
    Valid(&'a str),
}

/// One scanned batch of one channel's address column, canonicalized, holding only the rows
/// the run loaded: a bit per row says which, and the loaded rows' states and canonical forms
/// follow in row order. Most rows of a channel's column are not targeted on that channel
/// (a profile with an email and a phone is often sent only one of them): a state and an
/// offset for every row cost 5 bytes per profile and channel, 300 MB at 10M profiles.
#[derive(Debug, Default)]
struct Chunk {
    /// Table row of the chunk's first row.
    start: u64,
    /// Rows in the chunk, loaded or not.
    rows: usize,
    /// Bit `i % 64` of word `i / 64`: row `i` is loaded.
    loaded: Vec<u64>,
    /// Per word of `loaded`: the loaded rows before it.
    rank: Vec<u32>,
    /// Per loaded row, in row order.
    state: Vec<u8>,
    /// `bytes[offsets[k]..offsets[k + 1]]` is loaded row k's canonical form (empty when missing).
    offsets: Vec<u32>,
    bytes: Vec<u8>,
}

impl Chunk {
    fn new(start: u64, rows: usize, reserve_bytes: usize) -> Chunk {
        let words = rows.div_ceil(64);
        Chunk {
            start,
            rows,
            loaded: vec![0; words],
            rank: Vec::with_capacity(words),
            state: Vec::new(),
            offsets: vec![0],
            bytes: Vec::with_capacity(reserve_bytes),
        }
    }

    /// Appends row `i`'s state and canonical form; rows come in ascending order.
    fn load(&mut self, i: usize, state: u8, canonical: &str) {
        self.loaded[i / 64] |= 1 << (i % 64);
        self.state.push(state);
        self.bytes.extend_from_slice(canonical.as_bytes());
        self.offsets.push(u32::try_from(self.bytes.len()).expect("a batch holds under 4 GiB of addresses"));
    }

    /// Once every row is in: the ranks, and the spare capacity back.
    fn finish(&mut self) {
        let mut before = 0u32;
        for word in &self.loaded {
            self.rank.push(before);
            before += word.count_ones();
        }
        self.state.shrink_to_fit();
        self.offsets.shrink_to_fit();
        self.bytes.shrink_to_fit();
    }

    #[inline]
    fn entry(&self, i: usize) -> AddressEntry<'_> {
        let (word, bit) = (self.loaded[i / 64], 1u64 << (i % 64));
        if word & bit == 0 {
            return AddressEntry::NotLoaded;
        }
        let k = self.rank[i / 64] as usize + (word & (bit - 1)).count_ones() as usize;
        let text = || {
            let range = self.offsets[k] as usize..self.offsets[k + 1] as usize;
            // SAFETY: `bytes` only ever grows by whole `&str` values (`Chunk::load`) and
            // `offsets` records the boundaries between them, so every range is exactly one
            // complete UTF-8 string. Checking it again here cost ~7% of a whole run: this is
            // read for every row, three times.
            unsafe { std::str::from_utf8_unchecked(&self.bytes[range]) }
        };
        match self.state[k] {
            MISSING => AddressEntry::Missing,
            INVALID => AddressEntry::Invalid(text()),
            _ => AddressEntry::Valid(text()),
        }
    }
}

/// Rows per window of [`ChannelAddresses::window_chunk`].
const WINDOW_SHIFT: u32 = 12;

/// One channel's chunks, which cover the table's rows in order without gaps.
#[derive(Debug, Default)]
struct ChannelAddresses {
    chunks: Vec<Chunk>,
    /// Per window of 2^WINDOW_SHIFT rows: the chunk holding the window's first row. A lookup
    /// starts there and moves on at most past the chunks that end inside the window, instead
    /// of a binary search over all chunks for each of the run's three reads of every row.
    window_chunk: Vec<u32>,
}

impl ChannelAddresses {
    fn new(chunks: Vec<Chunk>) -> ChannelAddresses {
        let rows = chunks.last().map_or(0, |c| c.start + c.rows as u64);
        let mut window_chunk = Vec::with_capacity((rows >> WINDOW_SHIFT) as usize + 1);
        let mut k = 0usize;
        for window in 0..rows.div_ceil(1 << WINDOW_SHIFT) {
            let first_row = window << WINDOW_SHIFT;
            while chunks[k].start + chunks[k].rows as u64 <= first_row {
                k += 1;
            }
            window_chunk.push(k as u32);
        }
        ChannelAddresses { chunks, window_chunk }
    }

    #[inline]
    fn entry(&self, row: u32) -> AddressEntry<'_> {
        let row = u64::from(row);
        let Some(&first) = self.window_chunk.get((row >> WINDOW_SHIFT) as usize) else {
            return AddressEntry::NotLoaded;
        };
        let mut k = first as usize;
        while let Some(chunk) = self.chunks.get(k) {
            let i = (row - chunk.start) as usize;
            if i < chunk.rows {
                return chunk.entry(i);
            }
            k += 1;
        }
        AddressEntry::NotLoaded
    }
}

/// Canonical addresses of targeted profiles, per channel.
#[derive(Debug, Default)]
pub struct AddressBook {
    channels: [Option<ChannelAddresses>; 6],
}

/// With `--propagate-optout`: per channel, the valid canonical addresses of every accepted
/// profile that opted out globally or of that channel.
#[derive(Debug, Default)]
pub struct OptoutAddresses {
    sets: [FingerprintMap<()>; 6],
}

impl OptoutAddresses {
    /// Whether `canonical`, whose [`crate::fingerprint`] is `fingerprint`, is in the set of
    /// `channel`.
    #[inline]
    pub fn contains(&self, channel: Channel, fingerprint: u64, canonical: &str) -> bool {
        self.sets[channel.index()].get(fingerprint, canonical).is_some()
    }

    pub fn len(&self, channel: Channel) -> usize {
        self.sets[channel.index()].len()
    }

    pub fn is_empty(&self) -> bool {
        self.sets.iter().all(FingerprintMap::is_empty)
    }
}

/// One channel's chunks, and with `--propagate-optout` its opted-out profiles' addresses.
struct ChannelScan {
    chunks: Vec<Chunk>,
    optout: Vec<Box<str>>,
}

impl AddressBook {
    /// The columns this load reads: the address column of each channel.
    pub fn columns(names: &ColumnNames, channels: &[Channel]) -> Vec<ColumnSpec> {
        channels
            .iter()
            .map(|c| ColumnSpec::required(c.address_column(), names.source(TableKind::Profiles, c.address_column())))
            .collect()
    }

    /// Scans the address columns of `channels` and keeps the canonical forms of the rows set
    /// in `targeted[channel]`; with `propagate`, also collects opted-out profiles' addresses.
    ///
    /// Each channel's column is scanned on its own: a unit of work is then one column of one
    /// row group instead of all of them, which keeps both threads busy to the end when the
    /// table has few row groups (a 2M-row export in 1M-row groups is two units otherwise) and
    /// the quarantine is loading at the same time.
    pub fn load(
        table: &Table,
        names: &ColumnNames,
        profiles: &ProfileIndex,
        targeted: &[(Channel, DenseBits)],
        canonicalizer: &Canonicalizer,
        propagate: bool,
    ) -> Result<(AddressBook, OptoutAddresses), LoadError> {
        let channels: Vec<Channel> = targeted.iter().map(|(c, _)| *c).collect();
        let columns = AddressBook::columns(names, &channels);
        // Every column checked before any scan starts, so that a missing one is reported the
        // same way whichever parallel scan would have met it first.
        table.check_columns(&columns)?;
        let scans: Vec<ChannelScan> = targeted
            .par_iter()
            .zip(&columns)
            .map(|((channel, wanted), column)| {
                scan_channel(table, column, *channel, wanted, profiles, canonicalizer, propagate)
            })
            .collect::<Result<_, _>>()?;
        let mut book = AddressBook::default();
        let mut optout_sets: [HashSet<Box<str>>; 6] = Default::default();
        for (channel, scan) in channels.iter().zip(scans) {
            optout_sets[channel.index()].extend(scan.optout);
            book.channels[channel.index()] = Some(ChannelAddresses::new(scan.chunks));
        }
        let optout = OptoutAddresses {
            sets: optout_sets.map(|set| FingerprintMap::from_distinct(set.into_iter().map(|a| (a, ())))),
        };
        Ok((book, optout))
    }

    /// The address of dense profile `row` on `channel`.
    #[inline]
    pub fn get(&self, channel: Channel, row: u32) -> AddressEntry<'_> {
        match &self.channels[channel.index()] {
            Some(addresses) => addresses.entry(row),
            None => AddressEntry::NotLoaded,
        }
    }
}

/// Scans `channel`'s address `column`: see [`AddressBook::load`].
fn scan_channel(
    table: &Table,
    column: &ColumnSpec,
    channel: Channel,
    wanted: &DenseBits,
    profiles: &ProfileIndex,
    canonicalizer: &Canonicalizer,
    propagate: bool,
) -> Result<ChannelScan, LoadError> {
    let kind = channel.address_kind();
    let optout_bits = OPTOUT_ALL | channel_bit(channel);
    let parts = table.scan(std::slice::from_ref(column), |batch| {
        let values = batch.strings(0)?.expect("required column");
        let mut canonical = String::new();
        // Canonical forms are rarely longer than the raw values: reserving all of the batch's
        // bytes once spares the copies of a growing buffer (2% of a run); what targeting
        // leaves unused goes back in `finish`.
        let mut chunk = Chunk::new(batch.table_row, batch.num_rows, values.value_bytes());
        let mut optout = Vec::new();
        for i in 0..batch.num_rows {
            let row = (batch.table_row + i as u64) as u32;
            let is_targeted = wanted.get(row);
            let feeds_propagation = propagate && {
                let flags = profiles.flags(row);
                flags & ACCEPTED != 0 && flags & optout_bits != 0
            };
            if !is_targeted && !feeds_propagation {
                continue;
            }
            let state = match values.get(i) {
                None => MISSING,
                Some(raw) => match canonicalizer.canonicalize_into(kind, raw, &mut canonical) {
                    AddressState::Missing => MISSING,
                    AddressState::Invalid => INVALID,
                    AddressState::Valid => VALID,
                },
            };
            if feeds_propagation && state == VALID {
                optout.push(canonical.as_str().into());
            }
            if is_targeted {
                chunk.load(i, state, if state == MISSING { "" } else { &canonical });
            }
        }
        chunk.finish();
        Ok::<_, LoadError>((chunk, optout))
    })?;
    let mut scan = ChannelScan { chunks: Vec::with_capacity(parts.len()), optout: Vec::new() };
    for (chunk, optout) in parts {
        scan.chunks.push(chunk);
        scan.optout.extend(optout);
    }
    Ok(scan)
}
