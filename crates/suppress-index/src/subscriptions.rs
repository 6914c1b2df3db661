//! Subscriptions to services: per service some delivery of the run uses, the profile rows
//! with an active subscription, as exported and then as the consent events leave them.

use suppress_load::{BadValue, ColumnNames, ColumnSpec, LoadError, Table, TableKind};
use suppress_model::ascii;

use crate::{BadRows, DenseBits, ProfileIndex};

/// The services the run's deliveries go to, and who is subscribed to each.
#[derive(Debug, Clone, Default)]
pub struct ServiceSubscriptions {
    /// Service names (trimmed, ASCII-lowercased), in slot order.
    pub services: Vec<String>,
    /// Per service slot: the profile rows subscribed to it.
    pub subscribed: Vec<DenseBits>,
    pub stats: SubscriptionStats,
}

/// What the subscriptions table held, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionStats {
    pub rows_read: u64,
    pub bad_rows: BadRows,
    /// Rows of profile ids not in profiles.
    pub unknown_profile: u64,
    /// Rows whose `expires_at` is at or before `--as-of`.
    pub expired: u64,
    /// Rows of services no delivery of this run uses.
    pub other_service: u64,
    /// Active rows of the services in use (repeats of one subscription included).
    pub active: u64,
}

const PROFILE_ID: usize = 0;
const SERVICE: usize = 1;
const EXPIRES_AT: usize = 2;

impl ServiceSubscriptions {
    /// No subscription to any of `services` (the state without `--subscriptions`).
    pub fn empty(services: Vec<String>, profile_rows: usize) -> ServiceSubscriptions {
        let subscribed = services.iter().map(|_| DenseBits::new(profile_rows)).collect();
        ServiceSubscriptions { services, subscribed, stats: SubscriptionStats::default() }
    }

    pub fn columns(names: &ColumnNames) -> Vec<ColumnSpec> {
        let source = |name| names.source(TableKind::Subscriptions, name);
        vec![
            ColumnSpec::required("profile_id", source("profile_id")),
            ColumnSpec::required("service", source("service")),
            ColumnSpec::optional("expires_at", source("expires_at")),
        ]
    }

    /// Reads the active subscriptions to `services` (trimmed, ASCII-lowercased names) of the
    /// profiles in `profiles`, as of `as_of` (whole microseconds).
    pub fn load(
        table: &Table,
        names: &ColumnNames,
        profiles: &ProfileIndex,
        services: Vec<String>,
        as_of: i64,
        skip_bad_rows: bool,
    ) -> Result<ServiceSubscriptions, LoadError> {
        let columns = ServiceSubscriptions::columns(names);
        let parts = table.scan(&columns, |batch| {
            let ids = batch.ids(PROFILE_ID)?.expect("required column");
            let names = batch.strings(SERVICE)?.expect("required column");
            let expiry = batch.times(EXPIRES_AT)?;
            let mut stats = SubscriptionStats { rows_read: batch.num_rows as u64, ..SubscriptionStats::default() };
            let mut rows: Vec<(u16, u32)> = Vec::new();
            // The previous row's spelling and its slot: services repeat in long runs.
            let mut last: Option<(&str, Option<u16>)> = None;
            for i in 0..batch.num_rows {
                let Some(id) = stats.bad_rows.id(skip_bad_rows, batch, PROFILE_ID, i, ids.get(i))? else { continue };
                let Some(raw) = names.get(i) else {
                    stats.bad_rows.record(skip_bad_rows, batch, SERVICE, i, BadValue::Null)?;
                    continue;
                };
                let trimmed = ascii::trim(raw);
                if trimmed.is_empty() {
                    stats.bad_rows.record(skip_bad_rows, batch, SERVICE, i, BadValue::Empty)?;
                    continue;
                }
                let slot = match last {
                    Some((text, slot)) if text == raw => slot,
                    _ => {
                        let slot = services.iter().position(|s| trimmed.eq_ignore_ascii_case(s)).map(|s| s as u16);
                        last = Some((raw, slot));
                        slot
                    }
                };
                let Some(row) = profiles.row(id) else {
                    stats.unknown_profile += 1;
                    continue;
                };
                let Some(slot) = slot else {
                    stats.other_service += 1;
                    continue;
                };
                if expiry.as_ref().and_then(|e| e.micros(i)).is_some_and(|t| t <= as_of) {
                    stats.expired += 1;
                    continue;
                }
                stats.active += 1;
                rows.push((slot, row));
            }
            Ok::<_, LoadError>((rows, stats))
        })?;
        let mut subscriptions = ServiceSubscriptions::empty(services, profiles.len());
        for (rows, stats) in parts {
            for (slot, row) in rows {
                subscriptions.subscribed[slot as usize].set(row);
            }
            let total = &mut subscriptions.stats;
            total.rows_read += stats.rows_read;
            total.bad_rows.merge(&stats.bad_rows);
            total.unknown_profile += stats.unknown_profile;
            total.expired += stats.expired;
            total.other_service += stats.other_service;
            total.active += stats.active;
        }
        Ok(subscriptions)
    }

    /// The slot of service `name` (trimmed, ASCII-lowercased), if a delivery uses it.
    pub fn slot(&self, name: &str) -> Option<u16> {
        self.services.iter().position(|s| s == name).map(|s| s as u16)
    }

    /// Whether profile row `row` is subscribed to the service in `slot`.
    #[inline]
    pub fn is_subscribed(&self, slot: u16, row: u32) -> bool {
        self.subscribed[slot as usize].get(row)
    }
}
