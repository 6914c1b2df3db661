//! `suppress-executor`: Ballista's executor with suppress's functions compiled in, taking the
//! flags of Ballista's own `ballista-executor` (`--help` lists them).

fn main() -> std::process::ExitCode {
    match suppress_cluster::ballista::executor_main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("suppress-executor: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
