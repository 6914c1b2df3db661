//! The load phases: the opened input tables become the indexes of one run, in this order.
//!
//! 1. targets (delivery_id, profile_id, channel): the deliveries, and the channels in use;
//!    then the deliveries table: each delivery's properties, and the services in use;
//! 2. profile ids and the opt-out flags of those channels;
//! 3. the subscriptions to those services and the consent events (at the same time), then the
//!    events applied: the effective opt-outs and subscriptions that the rules read;
//! 4. each target row resolved to its profile row and the rows ordered by it, then the
//!    targeted profile rows of each channel, marked in a dense bitset;
//! 5. with caps, the targeted profiles' send history; every table that names profiles by id
//!    is then resolved, and the id → row map is freed;
//! 6. the address columns of those channels, canonicalized, keeping only the targeted rows
//!    (and, with `--propagate-optout`, the effectively opted-out profiles' addresses), at the
//!    same time as
//! 7. the quarantine, reduced to the addresses active entries exclude per channel.

use rayon::prelude::*;
use suppress_index::{
    AddressBook, ConsentEvents, ConsentStats, DeliveryProperties, DeliveryTable, DenseBits, HistoryFilter,
    OptoutAddresses, ProfileIndex, ProfileOptions, QuarantineIndex, SendHistory, ServiceSubscriptions, TargetList,
    UNKNOWN_PROFILE,
};
use suppress_model::Channel;

use suppress_load::phases::{rows, Clock};

use crate::indexes::NO_SERVICE;
use crate::plan::{self, Plan};
use crate::{AnalyzeError, Indexes};

/// The indexes of one run, owned.
pub(crate) struct Loaded {
    pub targets: TargetList,
    /// The channels some delivery uses, in first-use order.
    pub channels: Vec<Channel>,
    pub profiles: ProfileIndex,
    pub addresses: AddressBook,
    /// Empty unless `--propagate-optout`.
    pub optout_addresses: OptoutAddresses,
    pub quarantine: Option<QuarantineIndex>,
    /// Per delivery (in `targets.deliveries` order): its properties.
    pub properties: Vec<DeliveryProperties>,
    /// Per delivery: its slot in `subscriptions`, or [`NO_SERVICE`].
    pub service_slot: Vec<u16>,
    /// What the deliveries table held, when given.
    pub deliveries_read: Option<DeliveriesRead>,
    /// The effective subscriptions to the services in use.
    pub subscriptions: ServiceSubscriptions,
    /// What the consent events did, when `--consent` is given.
    pub consent: Option<ConsentStats>,
    /// With `--cap` and `--history`: the targeted profiles' history that can count.
    pub history: Option<SendHistory>,
}

impl Loaded {
    /// Runs the load phases of `plan`, each timed on `clock`.
    pub fn load(plan: &Plan, clock: &mut Clock) -> Result<Loaded, AnalyzeError> {
        let config = &plan.config;
        let targets = clock.time("load_targets", &rows(plan.targets.num_rows()), || {
            TargetList::load(&plan.targets, &config.names, &plan::target_options(config))
        })?;
        let channels = targets.channels();
        let (properties, deliveries_read) = delivery_properties(plan, &targets)?;
        let mut services: Vec<String> = properties.iter().filter_map(|p| p.service.clone()).collect();
        services.sort();
        services.dedup();
        if let Some((d, p)) = targets.deliveries.iter().zip(&properties).find(|(_, p)| p.service.is_some()) {
            if plan.subscriptions.is_none() && plan.consent.is_none() {
                let deliveries = plan.deliveries.as_ref().expect("a service comes from the deliveries table");
                return Err(AnalyzeError::Data(format!(
                    "{}: delivery {:?} goes to the subscribers of service {:?}, but neither --subscriptions nor \
                     --consent is given: nothing says who is subscribed",
                    deliveries.path.display(),
                    d.id,
                    p.service.as_deref().unwrap_or_default()
                )));
            }
        }
        let profile_options = ProfileOptions {
            channels: channels.clone(),
            allow_missing_optout: config.allow_missing_optout,
            skip_bad_rows: config.skip_bad_rows,
        };
        let mut profiles = clock.time("load_profiles", &rows(plan.profiles.num_rows()), || {
            ProfileIndex::load(&plan.profiles, &config.names, &profile_options)
        })?;
        let (mut subscriptions, consent) = load_consent(plan, &profiles, services, clock)?;
        let consent = consent.map(|mut events| {
            events.apply(&mut profiles, &mut subscriptions, config.exported_at.is_some());
            events.stats
        });
        let service_slot = properties
            .iter()
            .map(|p| p.service.as_deref().and_then(|s| subscriptions.slot(s)).unwrap_or(NO_SERVICE))
            .collect();
        let mut targets = targets;
        clock.time("order_targets", &rows(targets.len() as u64), || targets.order_by_profile(&profiles));
        let targeted =
            clock.time("mark_targeted", &rows(targets.len() as u64), || targeted_rows(&targets, &profiles, &channels));
        let history = match &plan.history {
            Some(table) => {
                let filter = HistoryFilter {
                    targeted: &union(&targeted, profiles.len()),
                    channels: Channel::ALL.map(|c| config.caps.iter().any(|cap| cap.covers(c))),
                    window: history_window(config, &properties),
                };
                Some(clock.time("load_history", &rows(table.num_rows()), || {
                    SendHistory::load(table, &config.names, &profiles, &filter, config.skip_bad_rows)
                })?)
            }
            None => None,
        };
        // The last table that names profiles by id is read: the rest of the run goes by row.
        profiles.release_ids();
        let load_addresses = || {
            AddressBook::load(
                &plan.profiles,
                &config.names,
                &profiles,
                &targeted,
                &config.canonicalizer,
                config.propagate_optout,
            )
        };
        let address_detail = format!("{} channels", channels.len());
        let ((addresses, optout_addresses), quarantine) = match &plan.quarantine {
            None => (clock.time("load_addresses", &address_detail, load_addresses)?, None),
            Some(table) => {
                // The quarantine does not depend on the profiles: it loads while the addresses
                // do, which keeps both threads busy when it is one row group (one thread).
                let load_quarantine = || {
                    QuarantineIndex::load(
                        table,
                        &config.names,
                        &channels,
                        &config.canonicalizer,
                        config.as_of_micros(),
                        config.skip_bad_rows,
                    )
                };
                let (addresses, quarantine) = clock.time_both(
                    ("load_addresses", &address_detail, load_addresses),
                    ("load_quarantine", &rows(table.num_rows()), load_quarantine),
                );
                (addresses?, Some(quarantine?))
            }
        };
        Ok(Loaded {
            targets,
            channels,
            profiles,
            addresses,
            optout_addresses,
            quarantine,
            properties,
            service_slot,
            deliveries_read,
            subscriptions,
            consent,
            history,
        })
    }

    /// The indexes as the rules and the outputs read them.
    pub fn indexes(&self, propagate_optout: bool) -> Indexes<'_> {
        Indexes {
            targets: &self.targets,
            profiles: &self.profiles,
            addresses: &self.addresses,
            optout_addresses: propagate_optout.then_some(&self.optout_addresses),
            quarantine: self.quarantine.as_ref(),
            service_slot: &self.service_slot,
            subscriptions: &self.subscriptions,
            properties: &self.properties,
            history: self.history.as_ref(),
        }
    }
}

/// The deliveries table's rows, and how many of them no target row uses.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeliveriesRead {
    pub rows: u64,
    pub unused: u64,
}

/// Per delivery of `targets`, its properties from the deliveries table (or the defaults), and
/// the table's row count with how many of its rows no target row uses.
fn delivery_properties(
    plan: &Plan,
    targets: &TargetList,
) -> Result<(Vec<DeliveryProperties>, Option<DeliveriesRead>), AnalyzeError> {
    let Some(table) = &plan.deliveries else {
        return Ok((vec![DeliveryProperties::default(); targets.deliveries.len()], None));
    };
    let deliveries = DeliveryTable::load(table, &plan.config.names)?;
    let properties = targets.deliveries.iter().map(|d| deliveries.properties(&d.id)).collect();
    let used: std::collections::HashSet<&str> = targets.deliveries.iter().map(|d| d.id.as_str()).collect();
    let unused = deliveries.by_id.keys().filter(|id| !used.contains(id.as_str())).count() as u64;
    Ok((properties, Some(DeliveriesRead { rows: deliveries.rows_read, unused })))
}

/// The subscriptions to `services` and the consent events, read at the same time.
fn load_consent(
    plan: &Plan,
    profiles: &ProfileIndex,
    services: Vec<String>,
    clock: &mut Clock,
) -> Result<(ServiceSubscriptions, Option<ConsentEvents>), AnalyzeError> {
    let config = &plan.config;
    let (as_of, exported_at) = (config.as_of_micros(), config.exported_at_micros());
    let subscriptions = |services: Vec<String>| match &plan.subscriptions {
        Some(table) => {
            ServiceSubscriptions::load(table, &config.names, profiles, services, as_of, config.skip_bad_rows)
        }
        None => Ok(ServiceSubscriptions::empty(services, profiles.len())),
    };
    let consent = |table: &suppress_load::Table| {
        ConsentEvents::load(table, &config.names, profiles, as_of, exported_at, config.skip_bad_rows)
    };
    match (&plan.subscriptions, &plan.consent) {
        (None, None) => Ok((subscriptions(services)?, None)),
        (Some(table), None) => {
            Ok((clock.time("load_subscriptions", &rows(table.num_rows()), || subscriptions(services))?, None))
        }
        (None, Some(events)) => {
            let consent = clock.time("load_consent", &rows(events.num_rows()), || consent(events))?;
            Ok((subscriptions(services)?, Some(consent)))
        }
        (Some(table), Some(events)) => {
            let (subscriptions, consent) = clock.time_both(
                ("load_subscriptions", &rows(table.num_rows()), move || subscriptions(services)),
                ("load_consent", &rows(events.num_rows()), || consent(events)),
            );
            Ok((subscriptions?, Some(consent?)))
        }
    }
}

/// The profile rows some delivery targets, on any channel.
fn union(targeted: &[(Channel, DenseBits)], profile_rows: usize) -> DenseBits {
    let mut all = DenseBits::new(profile_rows);
    targeted.iter().for_each(|(_, bits)| all.union_with(bits));
    all
}

/// The times a history row must lie strictly between to count for some candidate: every
/// contact time of the run's deliveries, widened on each side by the longest cap period.
fn history_window(config: &crate::Config, properties: &[DeliveryProperties]) -> (i64, i64) {
    let as_of = config.as_of_micros();
    let contacts = properties.iter().map(|p| p.contact_date.unwrap_or(as_of));
    let (low, high) = contacts.fold((i64::MAX, i64::MIN), |(lo, hi), c| (lo.min(c), hi.max(c)));
    let period = config.caps.iter().map(|c| c.period).max().unwrap_or(0);
    (low.saturating_sub(period), high.saturating_add(period))
}

/// Per channel used, the dense profile rows some delivery of that channel targets.
fn targeted_rows(targets: &TargetList, profiles: &ProfileIndex, channels: &[Channel]) -> Vec<(Channel, DenseBits)> {
    let slot_of_delivery: Vec<usize> = targets
        .deliveries
        .iter()
        .map(|d| channels.iter().position(|&c| c == d.channel).expect("channel listed"))
        .collect();
    let empty = || -> Vec<DenseBits> { channels.iter().map(|_| DenseBits::new(profiles.len())).collect() };
    // Each task marks its share of the targets in bitsets of its own; they are then unioned.
    let slice = targets.len().div_ceil(rayon::current_num_threads()).max(1 << 20);
    let bits = targets
        .delivery
        .par_chunks(slice)
        .zip(targets.profile_row.par_chunks(slice))
        .map(|(deliveries, profile_rows)| {
            let mut bits = empty();
            for (delivery, &row) in deliveries.iter().zip(profile_rows) {
                if row != UNKNOWN_PROFILE {
                    bits[slot_of_delivery[*delivery as usize]].set(row);
                }
            }
            bits
        })
        .reduce(empty, |mut a, b| {
            a.iter_mut().zip(&b).for_each(|(a, b)| a.union_with(b));
            a
        });
    channels.iter().copied().zip(bits).collect()
}
