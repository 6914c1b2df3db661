//! The decode floor: the time to only decode, with the same loader and thread count as
//! `suppress analyze`, the columns an analysis reads, and nothing else.
//!
//! Usage: cargo run --release -p suppress-benches --bin decode-floor -- DIR [THREADS] [JOB]
//! where DIR holds `suppress gen` output and JOB is `analyze` (default: profiles, targets,
//! quarantine) or `quarantine` (the log and the current quarantine, with the columns
//! `suppress quarantine` reads). Prints one line per table and the total; compare with
//! `timings_ms` of the job's `summary.json` on DIR.

use std::time::Instant;

use suppress_index::{AddressBook, ProfileIndex, ProfileOptions, QuarantineIndex, TargetList, TargetOptions};
use suppress_load::{ColumnNames, ColumnSpec, LoadError, Table};
use suppress_model::Channel;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().ok_or("usage: decode-floor DIR [THREADS]")?);
    let threads: usize = args.next().map(|t| t.parse()).transpose()?.unwrap_or(2);
    let job = args.next().unwrap_or_else(|| "analyze".into());
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let names = ColumnNames::default();
    let channels = Channel::ALL.to_vec();
    let profile_options = ProfileOptions { channels: channels.clone(), ..ProfileOptions::default() };
    let mut profile_columns = ProfileIndex::columns(&names, &profile_options);
    profile_columns.extend(AddressBook::columns(&names, &channels));
    let tables: Vec<(&str, Vec<ColumnSpec>)> = match job.as_str() {
        "analyze" => vec![
            ("targets", TargetList::columns(&names, &TargetOptions::default())),
            ("profiles", profile_columns),
            ("quarantine", QuarantineIndex::columns(&names)),
        ],
        "quarantine" => vec![
            ("log", suppress_quarantine::read::log_columns(&names)),
            ("quarantine", suppress_quarantine::read::current_columns(&names)),
        ],
        other => return Err(format!("unknown job {other:?}: use analyze or quarantine").into()),
    };
    let mut total = 0.0;
    for (name, columns) in tables {
        let table = Table::open(&dir.join(format!("{name}.parquet")))?;
        let start = Instant::now();
        // Touch every batch's row count so the scan cannot be optimized away.
        let rows: usize =
            pool.install(|| table.scan(&columns, |batch| Ok::<_, LoadError>(batch.num_rows)))?.into_iter().sum();
        let seconds = start.elapsed().as_secs_f64();
        total += seconds;
        println!("{name:<10} {rows:>12} rows  {:>2} columns  {:>8.0} ms", columns.len(), seconds * 1000.0);
    }
    println!("{:<10} {:>12}       {:>2}          {:>8.0} ms", "total", "", "", total * 1000.0);
    Ok(())
}
