//! The target rows of every delivery in one run.

use ahash::HashMap;
use rayon::prelude::*;
use suppress_load::{BadValue, ColumnNames, ColumnSpec, LoadError, Table, TableKind};
use suppress_model::Channel;

use crate::delivery_keys::DeliveryKeys;
use crate::BadRows;

/// One delivery: the pair (delivery_id as written in outputs, canonical channel).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Delivery {
    pub id: String,
    pub channel: Channel,
}

/// How to read the targets table.
#[derive(Debug, Clone, Default)]
pub struct TargetOptions {
    /// `--channel`: the channel of every row; the table's channel column is then not read.
    pub channel: Option<Channel>,
    pub skip_bad_rows: bool,
}

/// Every accepted target row: in table order as loaded, then in profile-row order
/// ([`TargetList::order_by_profile`]).
#[derive(Debug, Clone, Default)]
pub struct TargetList {
    /// Deliveries in order of first appearance.
    pub deliveries: Vec<Delivery>,
    /// Per row: index into `deliveries`.
    pub delivery: Vec<u32>,
    /// Per row: the profile id.
    pub profile_id: Vec<i64>,
    /// Per row, once ordered: the profile's dense row, or [`crate::UNKNOWN_PROFILE`]; empty
    /// before.
    pub profile_row: Vec<u32>,
    /// Rows in the files, bad ones included.
    pub rows_read: u64,
    pub bad_rows: BadRows,
}

const DELIVERY_ID: usize = 0;
const PROFILE_ID: usize = 1;
const CHANNEL: usize = 2;

/// One batch's rows, with deliveries numbered locally.
struct Part {
    deliveries: Vec<Delivery>,
    delivery: Vec<u32>,
    profile_id: Vec<i64>,
    rows: u64,
    bad_rows: BadRows,
}

impl TargetList {
    /// The columns this load reads, for `inspect` and error messages.
    pub fn columns(names: &ColumnNames, options: &TargetOptions) -> Vec<ColumnSpec> {
        let spec = |name| ColumnSpec::required(name, names.source(TableKind::Targets, name));
        let mut columns = vec![spec("delivery_id"), spec("profile_id")];
        if options.channel.is_none() {
            columns.push(spec("channel"));
        }
        columns
    }

    pub fn load(table: &Table, names: &ColumnNames, options: &TargetOptions) -> Result<TargetList, LoadError> {
        let columns = TargetList::columns(names, options);
        let parts = table.scan(&columns, |batch| {
            let delivery_ids = batch.delivery_ids(DELIVERY_ID)?.expect("required column");
            let profile_ids = batch.ids(PROFILE_ID)?.expect("required column");
            let channels = if options.channel.is_none() { batch.strings(CHANNEL)? } else { None };
            let mut part = Part {
                deliveries: Vec::new(),
                delivery: Vec::with_capacity(batch.num_rows),
                profile_id: Vec::with_capacity(batch.num_rows),
                rows: batch.num_rows as u64,
                bad_rows: BadRows::default(),
            };
            let mut local: HashMap<(String, Channel), u32> = HashMap::default();
            let mut last: Option<u32> = None;
            let mut last_channel: Option<(&str, Channel)> = None;
            // The (delivery id, channel) views of this batch's accepted rows, with their local
            // delivery, in whatever order the rows come (a warehouse join's hash order changes
            // delivery nearly every row). Plain-encoded long values have a view per row: they
            // only miss, at the cost of one probe each.
            let mut seen = DeliveryKeys::new();
            let skip = options.skip_bad_rows;
            for i in 0..batch.num_rows {
                let key = delivery_ids.key(i).zip(match &channels {
                    Some(channels) => channels.view(i),
                    None => Some(0),
                });
                if let Some((delivery_key, channel_key)) = key {
                    if let Some(code) = seen.get(delivery_key, channel_key) {
                        if let Some(id) = part.bad_rows.id(skip, batch, PROFILE_ID, i, profile_ids.get(i))? {
                            part.delivery.push(code);
                            part.profile_id.push(id);
                        }
                        continue;
                    }
                }
                let delivery_id = match delivery_ids.get(i) {
                    Ok(Some(id)) => id,
                    Ok(None) => {
                        part.bad_rows.record(skip, batch, DELIVERY_ID, i, BadValue::Null)?;
                        continue;
                    }
                    Err(v) => {
                        part.bad_rows.record(skip, batch, DELIVERY_ID, i, BadValue::OutOfRange(v.to_string()))?;
                        continue;
                    }
                };
                let Some(profile_id) = part.bad_rows.id(skip, batch, PROFILE_ID, i, profile_ids.get(i))? else {
                    continue;
                };
                let channel = match (&options.channel, &channels) {
                    (Some(channel), _) => *channel,
                    (None, Some(channels)) => {
                        // Channel values repeat in long runs: parse a spelling only when it
                        // differs from the previous row's.
                        let raw = channels.get(i);
                        match (raw, last_channel) {
                            (Some(raw), Some((last_raw, channel))) if raw == last_raw => channel,
                            _ => {
                                let parsed = part.bad_rows.parse_name(
                                    skip,
                                    batch,
                                    CHANNEL,
                                    i,
                                    raw,
                                    Channel::parse,
                                    BadValue::UnknownChannel,
                                )?;
                                let Some(channel) = parsed else { continue };
                                last_channel = raw.map(|raw| (raw, channel));
                                channel
                            }
                        }
                    }
                    (None, None) => unreachable!("channel column is required without --channel"),
                };
                // Targets come in long runs of one delivery: compare with the last one before
                // hashing, and allocate the key only for a delivery not seen in this batch.
                let is_this = |d: &Delivery| d.channel == channel && d.id == *delivery_id;
                let code = match last {
                    Some(code) if is_this(&part.deliveries[code as usize]) => code,
                    _ => {
                        // In hash order (a warehouse join's) the delivery changes nearly every
                        // row, and a batch holds a handful of deliveries: a scan finds them
                        // without allocating a key; the map takes over past 16.
                        let scanned = if part.deliveries.len() <= 16 {
                            part.deliveries.iter().position(is_this).map(|k| k as u32)
                        } else {
                            None
                        };
                        let code = scanned.unwrap_or_else(|| {
                            let next = part.deliveries.len() as u32;
                            *local.entry((delivery_id.clone().into_owned(), channel)).or_insert_with_key(
                                |(id, channel)| {
                                    part.deliveries.push(Delivery { id: id.clone(), channel: *channel });
                                    next
                                },
                            )
                        });
                        last = Some(code);
                        code
                    }
                };
                part.delivery.push(code);
                part.profile_id.push(profile_id);
                if let Some((delivery_key, channel_key)) = key {
                    seen.insert(delivery_key, channel_key, code);
                }
            }
            Ok::<_, LoadError>(part)
        })?;
        Ok(merge(parts))
    }

    pub fn len(&self) -> usize {
        self.profile_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.profile_id.is_empty()
    }

    /// The channels some delivery uses.
    pub fn channels(&self) -> Vec<Channel> {
        let mut channels: Vec<Channel> = self.deliveries.iter().map(|d| d.channel).collect();
        channels.sort();
        channels.dedup();
        channels
    }
}

/// Concatenates the parts in order, numbering deliveries in order of first appearance.
fn merge(parts: Vec<Part>) -> TargetList {
    let mut list = TargetList::default();
    let mut global: HashMap<Delivery, u32> = HashMap::default();
    // Per part: its local delivery numbers → global ones. A part has one or two deliveries.
    let remaps: Vec<Vec<u32>> = parts
        .iter()
        .map(|part| {
            list.rows_read += part.rows;
            list.bad_rows.merge(&part.bad_rows);
            part.deliveries
                .iter()
                .map(|d| {
                    let next = list.deliveries.len() as u32;
                    *global.entry(d.clone()).or_insert_with_key(|d| {
                        list.deliveries.push(d.clone());
                        next
                    })
                })
                .collect()
        })
        .collect();
    // Copying the rows is most of the merge (12 bytes per row): each part fills its own
    // slice of the zeroed columns, in parallel, which also spreads their first-touch faults.
    let total: usize = parts.iter().map(|p| p.profile_id.len()).sum();
    list.delivery = vec![0; total];
    list.profile_id = vec![0; total];
    let mut destinations = Vec::with_capacity(parts.len());
    let (mut delivery, mut profile_id) = (list.delivery.as_mut_slice(), list.profile_id.as_mut_slice());
    for part in &parts {
        let (d, d_rest) = std::mem::take(&mut delivery).split_at_mut(part.delivery.len());
        let (p, p_rest) = std::mem::take(&mut profile_id).split_at_mut(part.profile_id.len());
        destinations.push((d, p));
        (delivery, profile_id) = (d_rest, p_rest);
    }
    parts.par_iter().zip(remaps).zip(destinations).for_each(|((part, remap), (delivery, profile_id))| {
        for (to, &local) in delivery.iter_mut().zip(&part.delivery) {
            *to = remap[local as usize];
        }
        profile_id.copy_from_slice(&part.profile_id);
    });
    list
}
