//! The plan of a run: its inputs opened and checked before any decoding starts.

use suppress_index::{
    ConsentEvents, DeliveryTable, QuarantineIndex, SendHistory, ServiceSubscriptions, TargetList, TargetOptions,
};
use suppress_load::Table;

use crate::{AnalyzeError, Config};

/// The opened inputs of one run. Opening maps every file and reads every footer, so a wrong
/// path, a file that is not Parquet or a missing targets column fails before any decoding.
pub struct Plan {
    pub config: Config,
    pub profiles: Table,
    pub targets: Table,
    pub quarantine: Option<Table>,
    pub deliveries: Option<Table>,
    pub subscriptions: Option<Table>,
    pub consent: Option<Table>,
    pub history: Option<Table>,
}

impl Plan {
    pub fn open(config: Config) -> Result<Plan, AnalyzeError> {
        let targets = Table::open(&config.targets)?;
        targets.check_columns(&TargetList::columns(&config.names, &target_options(&config)))?;
        let profiles = Table::open(&config.profiles)?;
        let open = |path: &Option<std::path::PathBuf>, columns: Vec<suppress_load::ColumnSpec>| {
            path.as_ref()
                .map(|path| {
                    let table = Table::open(path)?;
                    table.check_columns(&columns)?;
                    Ok::<_, AnalyzeError>(table)
                })
                .transpose()
        };
        let names = &config.names;
        let quarantine = open(&config.quarantine, QuarantineIndex::columns(names))?;
        let deliveries = open(&config.deliveries, DeliveryTable::columns(names))?;
        let subscriptions = open(&config.subscriptions, ServiceSubscriptions::columns(names))?;
        let consent = open(&config.consent, ConsentEvents::columns(names))?;
        if config.history.is_some() && config.caps.is_empty() {
            return Err(AnalyzeError::Usage(
                "--history is given without any --cap: the history only counts against a cap (--cap SCOPE:N/PERIOD)"
                    .into(),
            ));
        }
        let history = open(&config.history, SendHistory::columns(names))?;
        Ok(Plan { config, profiles, targets, quarantine, deliveries, subscriptions, consent, history })
    }
}

pub(crate) fn target_options(config: &Config) -> TargetOptions {
    TargetOptions { channel: config.channel, skip_bad_rows: config.skip_bad_rows }
}
