//! `suppress`: a thin binary over the library crates. Each subcommand lives in its own file
//! with its own help; this file parses the command line, owns the thread pool, and turns
//! errors into one line on stderr and an exit code (0 success, 1 data error, 2 usage error).

mod alloc;
mod analyze;
mod engine;
mod gen;
mod inputs;
mod inspect;
mod limits;
mod malloc;
mod progress;
mod quarantine;
mod sigbus;
mod signals;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "suppress",
    version,
    about = "Decide, for every target row of a campaign's deliveries, whether the message goes out or why not.",
    long_about = "Decide, for every target row of a campaign's deliveries, whether the message goes out \
or why not: opted out, no or invalid address, denylisted or quarantined address, duplicate.\n\n\
Reads Parquet exports of profiles, the address quarantine table and the day's target lists; \
writes recipients.parquet, exclusions.parquet and summary.json.",
    after_help = "Run `suppress analyze --help` for the inputs, rules and outputs, and `suppress quarantine \
--help` for the nightly quarantine maintenance.\n\
Exit codes: 0 success, 1 data error (file contents), 2 usage error (command line, missing path)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    // Boxed: its many flags make it several times the size of the others.
    Analyze(Box<analyze::Args>),
    Gen(gen::Args),
    Inspect(inspect::Args),
    Quarantine(quarantine::Args),
}

/// The system allocator, exiting with one line when an allocation fails (`alloc.rs`).
#[global_allocator]
static ALLOCATOR: alloc::ExitOnFailure = alloc::ExitOnFailure;

/// The message of the last panic, kept by the panic hook for `main` to print.
static LAST_PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// How a failed run ends.
pub enum Failure {
    /// About the command line: exit code 2.
    Usage(anyhow::Error),
    /// About file contents or writing outputs: exit code 1.
    Data(anyhow::Error),
}

fn main() -> ExitCode {
    // First, before any other thread exists: every thread inherits the blocked signals.
    signals::install();
    // Panics are either caught where they are expected (the loader turns a decoder panic on a
    // corrupt file into a data error) or a bug; either way no backtrace reaches the user. The
    // hook only remembers the message; `main` prints it if the panic reaches it.
    std::panic::set_hook(Box::new(|info| {
        let message = suppress_load::panic_message(info.payload());
        let place = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!("{message}{place}"));
    }));
    sigbus::install();
    malloc::keep_freed_memory();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = e.exit_code();
            let _ = e.print();
            return ExitCode::from(code as u8);
        }
    };
    let result = std::panic::catch_unwind(|| match cli.command {
        Command::Analyze(args) => analyze::run(*args),
        Command::Gen(args) => gen::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Quarantine(args) => quarantine::run(args),
    });
    let Ok(result) = result else {
        let message = LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()).take().unwrap_or_default();
        eprintln!("suppress: internal error: {message} (please report this)");
        return ExitCode::from(1);
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(e)) => {
            eprintln!("suppress: error: {e}");
            ExitCode::from(2)
        }
        Err(Failure::Data(e)) => {
            eprintln!("suppress: error: {e}");
            ExitCode::from(1)
        }
    }
}

impl Failure {
    /// A usage failure when `usage`, a data failure otherwise.
    pub fn new(error: impl Into<anyhow::Error>, usage: bool) -> Failure {
        if usage {
            Failure::Usage(error.into())
        } else {
            Failure::Data(error.into())
        }
    }
}

/// The column names of `--preset` and `--map`, shared by every subcommand that reads tables.
pub fn column_names(preset: Option<&str>, maps: &[String]) -> Result<suppress_load::ColumnNames, String> {
    let preset = match preset {
        Some(name) => Some(
            suppress_load::Preset::parse(name)
                .ok_or_else(|| format!("--preset {name:?}: unknown preset; use adobe"))?,
        ),
        None => None,
    };
    suppress_load::ColumnNames::new(preset, maps)
}

/// Locks `out` for the whole run (`suppress_write::DirLock`): fails at once when another run
/// holds it, or with `wait` waits for it, saying so unless `quiet`.
pub fn lock_output(out: &std::path::Path, wait: bool, quiet: bool) -> Result<suppress_write::DirLock, Failure> {
    let when_locked = if wait { suppress_write::WhenLocked::Wait } else { suppress_write::WhenLocked::Fail };
    suppress_write::DirLock::acquire(out, when_locked, |pid| {
        if !quiet {
            let whose = pid.map(|p| format!(" (pid {p})")).unwrap_or_default();
            eprintln!("waiting for the other suppress run{whose} writing to {} (--wait)", out.display());
        }
    })
    .map_err(|e| Failure::Data(e.into()))
}

/// Runs `f` on a rayon pool of `threads` threads (0: one per core).
pub fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> Result<T, Failure> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("suppress-{i}"))
        .build()
        .map_err(|e| Failure::Usage(anyhow::anyhow!("--threads {threads}: {e}")))?;
    Ok(pool.install(f))
}
