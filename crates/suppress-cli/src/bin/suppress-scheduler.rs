//! `suppress-scheduler`: Ballista's scheduler with suppress's functions compiled in, taking the
//! flags of Ballista's own `ballista-scheduler` (`--help` lists them).

fn main() -> std::process::ExitCode {
    match suppress_cluster::ballista::scheduler_main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("suppress-scheduler: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
