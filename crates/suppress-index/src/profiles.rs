//! Profile ids and opt-out flags.

use rayon::prelude::*;
use roaring::RoaringBitmap;
use suppress_load::column::IdValue;
use suppress_load::{BadValue, ColumnNames, ColumnSpec, LoadError, Table, TableKind};
use suppress_model::Channel;

use crate::{BadRows, IdMap};

/// How to read the profiles table.
#[derive(Debug, Clone, Default)]
pub struct ProfileOptions {
    /// Channels some delivery uses: their opt-out columns are read.
    pub channels: Vec<Channel>,
    /// `--allow-missing-optout`: a missing opt-out column reads as all false, with a warning.
    pub allow_missing_optout: bool,
    pub skip_bad_rows: bool,
}

/// Bit 0 of a row's flags: `optout`, no longer contact by any channel.
pub const OPTOUT_ALL: u8 = 1;
/// Bit 7 of a row's flags: the row is in the index (its id was valid and unique).
pub const ACCEPTED: u8 = 1 << 7;

/// The flag bit of a channel's opt-out column.
#[inline]
pub fn channel_bit(channel: Channel) -> u8 {
    2 << channel.index()
}

/// profile_id → dense row, and per-row opt-out flags. A dense row is the row's position in
/// the table, which is how the address book, read in a later scan, finds the same row.
#[derive(Debug, Clone)]
pub struct ProfileIndex {
    pub ids: IdMap,
    /// The channels whose opt-out columns were read (those some delivery uses).
    pub channels: Vec<Channel>,
    /// Per table row: [`OPTOUT_ALL`], one [`channel_bit`] per channel, [`ACCEPTED`].
    pub flags: Vec<u8>,
    /// Accepted rows that opted out of everything.
    pub optout_all: RoaringBitmap,
    /// Accepted rows that opted out of each channel read (empty for channels not read).
    pub optout_by_channel: [RoaringBitmap; 6],
    pub rows_read: u64,
    pub accepted: u64,
    pub bad_rows: BadRows,
    pub warnings: Vec<String>,
}

const PROFILE_ID: usize = 0;
const OPTOUT: usize = 1;
// Channel opt-out columns follow, in `options.channels` order.

struct Part {
    file: std::path::PathBuf,
    file_row: u64,
    /// -1 for a row rejected here; its position is kept so rows stay aligned with the table.
    ids: Vec<i64>,
    flags: Vec<u8>,
    bad_rows: BadRows,
}

impl ProfileIndex {
    /// The columns this load reads.
    pub fn columns(names: &ColumnNames, options: &ProfileOptions) -> Vec<ColumnSpec> {
        let flag = |name: &str| {
            let source = names.source(TableKind::Profiles, name);
            if options.allow_missing_optout {
                ColumnSpec::optional(name, source)
            } else {
                ColumnSpec::required(name, source)
            }
        };
        let mut columns = vec![ColumnSpec::required("profile_id", names.source(TableKind::Profiles, "profile_id"))];
        if !options.channels.is_empty() {
            columns.push(flag("optout"));
            columns.extend(options.channels.iter().map(|c| flag(c.optout_column())));
        }
        columns
    }

    pub fn load(table: &Table, names: &ColumnNames, options: &ProfileOptions) -> Result<ProfileIndex, LoadError> {
        let rows = table.num_rows();
        if rows >= u64::from(u32::MAX) {
            return Err(LoadError::TooManyRows { path: table.path.clone(), rows });
        }
        let columns = ProfileIndex::columns(names, options);
        let warnings = columns
            .iter()
            .skip(1)
            .filter(|c| !table.has_column(&c.source))
            .map(|c| format!("profiles: column `{}` is missing; read as all false (--allow-missing-optout)", c.source))
            .collect();
        let skip = options.skip_bad_rows;
        let parts = table.scan(&columns, |batch| {
            let ids = batch.ids(PROFILE_ID)?.expect("required column");
            let mut flag_columns = Vec::new();
            if !options.channels.is_empty() {
                if let Some(col) = batch.flags(OPTOUT)? {
                    flag_columns.push((OPTOUT_ALL, col));
                }
                for (k, &channel) in options.channels.iter().enumerate() {
                    if let Some(col) = batch.flags(OPTOUT + 1 + k)? {
                        flag_columns.push((channel_bit(channel), col));
                    }
                }
            }
            let mut part = Part {
                file: batch.file.to_path_buf(),
                file_row: batch.file_row,
                ids: Vec::with_capacity(batch.num_rows),
                flags: Vec::with_capacity(batch.num_rows),
                bad_rows: BadRows::default(),
            };
            for i in 0..batch.num_rows {
                let id = match ids.get(i) {
                    IdValue::Valid(id) => id,
                    IdValue::Null => {
                        part.bad_rows.record(skip, batch, PROFILE_ID, i, BadValue::Null)?;
                        -1
                    }
                    IdValue::OutOfRange(v) => {
                        part.bad_rows.record(skip, batch, PROFILE_ID, i, BadValue::OutOfRange(v.to_string()))?;
                        -1
                    }
                };
                let mut flags = if id >= 0 { ACCEPTED } else { 0 };
                for (bit, col) in &flag_columns {
                    if col.get(i) {
                        flags |= bit;
                    }
                }
                part.ids.push(id);
                part.flags.push(flags);
            }
            Ok::<_, LoadError>(part)
        })?;
        let id_source = columns[PROFILE_ID].source.clone();
        let mut index = build(parts, skip, &id_source)?;
        index.rows_read = rows;
        index.warnings = warnings;
        index.channels = options.channels.clone();
        // One pass over the flags per bitmap, the bitmaps in parallel.
        let bits: Vec<u8> =
            std::iter::once(OPTOUT_ALL).chain(options.channels.iter().map(|&c| channel_bit(c))).collect();
        let mut bitmaps = bits.par_iter().map(|&bit| bitmap_of(&index.flags, bit)).collect::<Vec<_>>().into_iter();
        index.optout_all = bitmaps.next().expect("the optout bitmap");
        for (&channel, bitmap) in options.channels.iter().zip(bitmaps) {
            index.optout_by_channel[channel.index()] = bitmap;
        }
        Ok(index)
    }

    /// The dense row of `profile_id`, if it is a known, unambiguous profile.
    #[inline]
    pub fn row(&self, profile_id: i64) -> Option<u32> {
        self.ids.get(profile_id)
    }

    /// Frees the id → row map once every table naming profiles by id is resolved: what the
    /// run keeps per profile from then on is indexed by row.
    pub fn release_ids(&mut self) {
        self.ids.release();
    }

    /// The dense row of each of `profile_ids` ([`ProfileIndex::row`]), `absent` for an unknown
    /// one, resolved in parallel.
    pub fn rows_of(&self, profile_ids: &[i64], absent: u32) -> Vec<u32> {
        self.ids.rows_of(profile_ids, absent)
    }

    /// Sets (`on`) or clears the opt-out of accepted row `row` for `channel` (`None`: the
    /// profile's `optout`, every channel), in its flags and in that opt-out's bitmap; returns
    /// whether it changed. This is how consent events make the export's state the effective one.
    pub fn set_optout(&mut self, row: u32, channel: Option<Channel>, on: bool) -> bool {
        let (bit, bitmap) = match channel {
            None => (OPTOUT_ALL, &mut self.optout_all),
            Some(c) => (channel_bit(c), &mut self.optout_by_channel[c.index()]),
        };
        let flags = &mut self.flags[row as usize];
        if (*flags & bit != 0) == on {
            return false;
        }
        *flags ^= bit;
        if on {
            bitmap.insert(row);
        } else {
            bitmap.remove(row);
        }
        true
    }

    #[inline]
    pub fn flags(&self, row: u32) -> u8 {
        self.flags[row as usize]
    }

    /// Rows in the table, accepted or not.
    pub fn len(&self) -> usize {
        self.flags.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flags.is_empty()
    }
}

fn bitmap_of(flags: &[u8], bit: u8) -> RoaringBitmap {
    let rows = flags.iter().enumerate().filter(|(_, &f)| f & ACCEPTED != 0 && f & bit != 0).map(|(row, _)| row as u32);
    RoaringBitmap::from_sorted_iter(rows).expect("rows ascend")
}

fn build(parts: Vec<Part>, skip: bool, id_column: &str) -> Result<ProfileIndex, LoadError> {
    let id_slices: Vec<&[i64]> = parts.iter().map(|p| p.ids.as_slice()).collect();
    let (ids, duplicates) = IdMap::build(&id_slices);
    if let (false, Some(first)) = (skip, duplicates.first()) {
        // The error names the first row, in table order, whose id an earlier row has.
        let mut row = u64::from(first.rows[1]);
        let part = parts
            .iter()
            .find(|p| {
                let inside = row < p.ids.len() as u64;
                if !inside {
                    row -= p.ids.len() as u64;
                }
                inside
            })
            .expect("a duplicate's row is in some part");
        return Err(LoadError::BadRow {
            path: part.file.clone(),
            column: id_column.into(),
            row: part.file_row + row + 1,
            problem: BadValue::DuplicateId(first.id),
        });
    }
    let mut flags = Vec::with_capacity(id_slices.iter().map(|s| s.len()).sum());
    let mut bad_rows = BadRows::default();
    for part in &parts {
        bad_rows.merge(&part.bad_rows);
        flags.extend_from_slice(&part.flags);
    }
    // Nothing is sent to an ambiguous profile: every row of the id goes.
    for duplicate in &duplicates {
        for &row in &duplicate.rows {
            flags[row as usize] &= !ACCEPTED;
        }
        bad_rows.add(id_column, BadValue::DuplicateId(duplicate.id).cause(), duplicate.rows.len() as u64);
    }
    let accepted = flags.iter().filter(|&&f| f & ACCEPTED != 0).count() as u64;
    Ok(ProfileIndex {
        ids,
        channels: Vec::new(),
        flags,
        optout_all: RoaringBitmap::new(),
        optout_by_channel: Default::default(),
        rows_read: 0,
        accepted,
        bad_rows,
        warnings: Vec::new(),
    })
}
