//! The consent events, reduced to the one that decides each (profile, scope), and applied to
//! the exported state: the effective opt-outs ([`ProfileIndex`] flags) and subscriptions
//! ([`ServiceSubscriptions`]) that reasons 2, 3, 4 and 7 read.

use std::collections::BTreeMap;

use rayon::prelude::*;
use suppress_load::{BadValue, ColumnNames, ColumnSpec, LoadError, Table, TableKind};
use suppress_model::consent::{consent_scope, deciding_key, decision_applies, ignored_because, EventIgnored};
use suppress_model::{ConsentAction, ConsentScope};

use crate::{BadRows, ProfileIndex, ServiceSubscriptions};

/// One event still in the running after step 1: its profile row, scope, time and action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Event {
    row: u32,
    /// A service as its index in `ConsentEvents::services`.
    scope: ConsentScope<u32>,
    at: i64,
    action: ConsentAction,
}

/// The consent events of one run, read and reduced.
#[derive(Debug, Clone, Default)]
pub struct ConsentEvents {
    /// The deciding event of each (profile row, scope), sorted.
    deciding: Vec<Event>,
    /// Every service an event names, trimmed and ASCII-lowercased.
    services: Vec<String>,
    pub stats: ConsentStats,
}

/// What happened to the consent events, for the summary. Every row read is counted once:
/// bad, ignored (by why), superseded by a later event of its scope, or applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsentStats {
    pub rows_read: u64,
    pub bad_rows: BadRows,
    pub ignored: BTreeMap<EventIgnored, u64>,
    /// Events overruled by a later event of the same profile and scope (or by an `opt_out`
    /// at the same instant).
    pub superseded: u64,
    /// Deciding events that took effect.
    pub applied: u64,
    /// Of those, the ones whose scope no delivery of this run reads (a channel no delivery
    /// uses, a service no delivery goes to).
    pub applied_to_unused_scopes: u64,
    /// Per scope the run reads (`all`, a channel, `service:NAME`): the profiles whose
    /// effective state differs from the export's.
    pub profiles_changed: BTreeMap<String, u64>,
}

const PROFILE_ID: usize = 0;
const AT: usize = 1;
const ACTION: usize = 2;
const CHANNEL: usize = 3;
const SERVICE: usize = 4;

impl ConsentEvents {
    pub fn columns(names: &ColumnNames) -> Vec<ColumnSpec> {
        let source = |name| names.source(TableKind::Consent, name);
        vec![
            ColumnSpec::required("profile_id", source("profile_id")),
            ColumnSpec::required("at", source("at")),
            ColumnSpec::required("action", source("action")),
            ColumnSpec::optional("channel", source("channel")),
            ColumnSpec::optional("service", source("service")),
        ]
    }

    /// Reads the events, drops those step 1 of the contract ignores and those of unknown
    /// profiles (each counted), and keeps the deciding event of every (profile, scope).
    /// Times are whole microseconds.
    pub fn load(
        table: &Table,
        names: &ColumnNames,
        profiles: &ProfileIndex,
        as_of: i64,
        exported_at: Option<i64>,
        skip_bad_rows: bool,
    ) -> Result<ConsentEvents, LoadError> {
        let columns = ConsentEvents::columns(names);
        let skip = skip_bad_rows;
        let parts = table.scan(&columns, |batch| {
            let ids = batch.ids(PROFILE_ID)?.expect("required column");
            let times = batch.times(AT)?.expect("required column");
            let actions = batch.strings(ACTION)?.expect("required column");
            let channels = batch.strings(CHANNEL)?;
            let services = batch.strings(SERVICE)?;
            let mut part = Part { rows_read: batch.num_rows as u64, ..Part::default() };
            for i in 0..batch.num_rows {
                let Some(id) = part.bad_rows.id(skip, batch, PROFILE_ID, i, ids.get(i))? else { continue };
                let Some(at) = times.micros(i) else {
                    part.bad_rows.record(skip, batch, AT, i, BadValue::Null)?;
                    continue;
                };
                let action = part.bad_rows.parse_name(
                    skip,
                    batch,
                    ACTION,
                    i,
                    actions.get(i),
                    ConsentAction::parse,
                    BadValue::UnknownAction,
                )?;
                let Some(action) = action else { continue };
                let service = services.as_ref().and_then(|s| s.get(i));
                let channel = channels.as_ref().and_then(|c| c.get(i));
                let scope = match consent_scope(service, channel) {
                    Ok(scope) => scope,
                    Err(unknown) => {
                        part.bad_rows.record(skip, batch, CHANNEL, i, BadValue::UnknownChannel(unknown.0))?;
                        continue;
                    }
                };
                let why = ignored_because(at, as_of, exported_at)
                    .or_else(|| profiles.row(id).is_none().then_some(EventIgnored::UnknownProfile));
                if let Some(why) = why {
                    *part.ignored.entry(why).or_default() += 1;
                    continue;
                }
                let row = profiles.row(id).expect("known profile");
                let scope = match scope {
                    ConsentScope::AllChannels => ConsentScope::AllChannels,
                    ConsentScope::Channel(c) => ConsentScope::Channel(c),
                    ConsentScope::Service(name) => ConsentScope::Service(intern(&mut part.services, name)),
                };
                part.events.push(Event { row, scope, at, action });
            }
            Ok::<_, LoadError>(part)
        })?;
        Ok(reduce(parts))
    }

    /// Applies the deciding events to the exported state. `profiles` has the opt-out columns
    /// of the channels the run reads; `subscriptions` the services its deliveries go to.
    /// Without `--exported-at` (`has_exported_at` false) a deciding `opt_in` is ignored.
    pub fn apply(
        &mut self,
        profiles: &mut ProfileIndex,
        subscriptions: &mut ServiceSubscriptions,
        has_exported_at: bool,
    ) {
        let stats = &mut self.stats;
        let mut changed: BTreeMap<String, u64> = BTreeMap::new();
        let scope_name = |scope: ConsentScope<u32>| -> String {
            match scope {
                ConsentScope::AllChannels => "all".into(),
                ConsentScope::Channel(c) => c.name().into(),
                ConsentScope::Service(s) => format!("service:{}", self.services[s as usize]),
            }
        };
        // Every scope the run reads is listed, changed or not.
        if !profiles.channels.is_empty() {
            changed.insert("all".into(), 0);
        }
        for channel in &profiles.channels {
            changed.insert(channel.name().into(), 0);
        }
        for service in &subscriptions.services {
            changed.insert(format!("service:{service}"), 0);
        }
        for event in &self.deciding {
            if !decision_applies(event.action, has_exported_at) {
                *stats.ignored.entry(EventIgnored::OptInWithoutExportedAt).or_default() += 1;
                continue;
            }
            stats.applied += 1;
            let on = event.action == ConsentAction::OptOut;
            // `None`: a scope no delivery of this run reads.
            let effect = match event.scope {
                ConsentScope::AllChannels => {
                    (!profiles.channels.is_empty()).then(|| profiles.set_optout(event.row, None, on))
                }
                ConsentScope::Channel(channel) => {
                    profiles.channels.contains(&channel).then(|| profiles.set_optout(event.row, Some(channel), on))
                }
                ConsentScope::Service(s) => {
                    let name = &self.services[s as usize];
                    subscriptions.slot(name).map(|slot| {
                        // A service opt_in subscribes, its opt_out unsubscribes.
                        let bits = &mut subscriptions.subscribed[slot as usize];
                        let before = bits.get(event.row);
                        if on {
                            bits.clear(event.row);
                        } else {
                            bits.set(event.row);
                        }
                        before == on
                    })
                }
            };
            match effect {
                None => stats.applied_to_unused_scopes += 1,
                Some(true) => *changed.entry(scope_name(event.scope)).or_default() += 1,
                Some(false) => {}
            }
        }
        stats.profiles_changed = changed;
    }
}

#[derive(Default)]
struct Part {
    rows_read: u64,
    bad_rows: BadRows,
    ignored: BTreeMap<EventIgnored, u64>,
    events: Vec<Event>,
    services: Vec<String>,
}

/// The index of `name` in `services`, added at the end when new.
fn intern(services: &mut Vec<String>, name: String) -> u32 {
    let k = services.iter().position(|s| *s == name).unwrap_or_else(|| {
        services.push(name);
        services.len() - 1
    });
    k as u32
}

/// Merges the parts (service names numbered across them) and keeps, per (row, scope), the
/// greatest [`deciding_key`].
fn reduce(parts: Vec<Part>) -> ConsentEvents {
    let mut out = ConsentEvents::default();
    let mut events = Vec::new();
    for part in parts {
        out.stats.rows_read += part.rows_read;
        out.stats.bad_rows.merge(&part.bad_rows);
        for (why, n) in part.ignored {
            *out.stats.ignored.entry(why).or_default() += n;
        }
        let remap: Vec<u32> = part.services.into_iter().map(|name| intern(&mut out.services, name)).collect();
        events.extend(part.events.into_iter().map(|mut e| {
            if let ConsentScope::Service(s) = e.scope {
                e.scope = ConsentScope::Service(remap[s as usize]);
            }
            e
        }));
    }
    events.par_sort_unstable_by_key(|e| (e.row, e.scope, deciding_key(e.at, e.action)));
    let total = events.len() as u64;
    // The last event of each (row, scope) group decides.
    events.dedup_by(|later, earlier| {
        if (later.row, later.scope) == (earlier.row, earlier.scope) {
            *earlier = *later;
            true
        } else {
            false
        }
    });
    out.stats.superseded = total - events.len() as u64;
    out.deciding = events;
    out
}
