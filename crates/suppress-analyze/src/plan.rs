//! The plan of a run: its inputs opened and checked before any decoding starts.

use suppress_index::{QuarantineIndex, TargetList, TargetOptions};
use suppress_load::Table;

use crate::{AnalyzeError, Config};

/// The opened inputs of one run. Opening maps every file and reads every footer, so a wrong
/// path, a file that is not Parquet or a missing targets column fails before any decoding.
pub struct Plan {
    pub config: Config,
    pub profiles: Table,
    pub targets: Table,
    pub quarantine: Option<Table>,
}

impl Plan {
    pub fn open(config: Config) -> Result<Plan, AnalyzeError> {
        let targets = Table::open(&config.targets)?;
        targets.check_columns(&TargetList::columns(&config.names, &target_options(&config)))?;
        let profiles = Table::open(&config.profiles)?;
        let quarantine = match &config.quarantine {
            Some(path) => {
                let table = Table::open(path)?;
                table.check_columns(&QuarantineIndex::columns(&config.names))?;
                Some(table)
            }
            None => None,
        };
        Ok(Plan { config, profiles, targets, quarantine })
    }
}

pub(crate) fn target_options(config: &Config) -> TargetOptions {
    TargetOptions { channel: config.channel, skip_bad_rows: config.skip_bad_rows }
}
