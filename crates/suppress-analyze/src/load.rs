//! The load phases: the opened input tables become the indexes of one run, in this order.
//!
//! 1. targets (delivery_id, profile_id, channel): the deliveries, and the channels in use;
//! 2. profile ids and the opt-out flags of those channels;
//! 3. the targeted profile rows of each channel, marked in a dense bitset;
//! 4. the address columns of those channels, canonicalized, keeping only the targeted rows
//!    (and, with `--propagate-optout`, the opted-out profiles' addresses), at the same time as
//! 5. the quarantine, reduced to the addresses active entries exclude per channel.

use rayon::prelude::*;
use suppress_index::{
    AddressBook, DenseBits, OptoutAddresses, ProfileIndex, ProfileOptions, QuarantineIndex, TargetList,
};
use suppress_model::Channel;

use crate::clock::{rows, Clock};

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
}

impl Loaded {
    /// Runs the load phases of `plan`, each timed on `clock`.
    pub fn load(plan: &Plan, clock: &mut Clock) -> Result<Loaded, AnalyzeError> {
        let config = &plan.config;
        let targets = clock.time("load_targets", &rows(plan.targets.num_rows()), || {
            TargetList::load(&plan.targets, &config.names, &plan::target_options(config))
        })?;
        let channels = targets.channels();
        let profile_options = ProfileOptions {
            channels: channels.clone(),
            allow_missing_optout: config.allow_missing_optout,
            skip_bad_rows: config.skip_bad_rows,
        };
        let profiles = clock.time("load_profiles", &rows(plan.profiles.num_rows()), || {
            ProfileIndex::load(&plan.profiles, &config.names, &profile_options)
        })?;
        let targeted =
            clock.time("mark_targeted", &rows(targets.len() as u64), || targeted_rows(&targets, &profiles, &channels));
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
                        config.as_of_nanos(),
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
        Ok(Loaded { targets, channels, profiles, addresses, optout_addresses, quarantine })
    }

    /// The indexes as the rules and the outputs read them.
    pub fn indexes(&self, propagate_optout: bool) -> Indexes<'_> {
        Indexes {
            targets: &self.targets,
            profiles: &self.profiles,
            addresses: &self.addresses,
            optout_addresses: propagate_optout.then_some(&self.optout_addresses),
            quarantine: self.quarantine.as_ref(),
        }
    }
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
        .zip(targets.profile_id.par_chunks(slice))
        .map(|(deliveries, profile_ids)| {
            let mut bits = empty();
            for (delivery, &profile_id) in deliveries.iter().zip(profile_ids) {
                if let Some(row) = profiles.row(profile_id) {
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
