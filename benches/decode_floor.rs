//! The decode floor: the time to only decode, with the same loader and thread count as
//! `suppress analyze`, the columns an analysis reads, and nothing else.
//!
//! Usage: cargo run --release -p suppress-benches --bin decode-floor -- DIR [THREADS] [JOB]
//! [canonicalize] where DIR holds `suppress gen` output and JOB is `analyze` (default:
//! profiles, targets, quarantine) or `quarantine` (the log and the current quarantine, with
//! the columns `suppress quarantine` reads). Prints one line per table and the total; compare
//! with `timings_ms` of the job's `summary.json` on DIR.
//!
//! With `canonicalize` (job `quarantine` only), every row's address is also canonicalized
//! for its channel (default country 33), which the contract asks of every log row it counts:
//! the floor of any implementation that reads each row once.

use std::time::Instant;

use suppress_index::{
    AddressBook, BadRows, ProfileIndex, ProfileOptions, QuarantineIndex, Spellings, TargetList, TargetOptions,
};
use suppress_load::Batch;
use suppress_load::{BadValue, ColumnNames, ColumnSpec, LoadError, Table};
use suppress_model::{Canonicalizer, Channel, CountryCode};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().ok_or("usage: decode-floor DIR [THREADS]")?);
    let threads: usize = args.next().map(|t| t.parse()).transpose()?.unwrap_or(2);
    let job = args.next().unwrap_or_else(|| "analyze".into());
    let canonicalize = match args.next().as_deref() {
        None => false,
        Some("canonicalize") if job == "quarantine" => true,
        Some(other) => return Err(format!("unknown option {other:?}: use canonicalize, with job quarantine").into()),
    };
    let canonicalizer = Canonicalizer::new(Some(CountryCode::parse("33")?));
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
        let rows: usize = pool
            .install(|| {
                table.scan(&columns, |batch| {
                    if canonicalize {
                        canonicalize_addresses(batch, &canonicalizer)?;
                    }
                    Ok::<_, LoadError>(batch.num_rows)
                })
            })?
            .into_iter()
            .sum();
        let seconds = start.elapsed().as_secs_f64();
        total += seconds;
        println!("{name:<10} {rows:>12} rows  {:>2} columns  {:>8.0} ms", columns.len(), seconds * 1000.0);
    }
    println!("{:<10} {:>12}       {:>2}          {:>8.0} ms", "total", "", "", total * 1000.0);
    Ok(())
}

/// Canonicalizes every row's `address` (column 0) for its `channel` (column 1), as both
/// tables of `suppress quarantine` list them first.
fn canonicalize_addresses(batch: &Batch, canonicalizer: &Canonicalizer) -> Result<(), LoadError> {
    let addresses = batch.strings(0)?.expect("required column");
    let channels = batch.strings(1)?.expect("required column");
    let mut buffer = String::new();
    // The job's own reading of channels: each spelling parsed once, found again by its view.
    let mut spellings = Spellings::new(1, Channel::parse, BadValue::UnknownChannel);
    let mut bad_rows = BadRows::default();
    let mut valid = 0usize;
    for i in 0..batch.num_rows {
        let Some(channel) = spellings.read_in(&mut bad_rows, true, batch, i, &channels)? else { continue };
        let Some(address) = addresses.get(i) else { continue };
        let state = canonicalizer.canonicalize_into(channel.address_kind(), address, &mut buffer);
        valid += usize::from(state == suppress_model::AddressState::Valid);
    }
    std::hint::black_box(valid);
    Ok(())
}
