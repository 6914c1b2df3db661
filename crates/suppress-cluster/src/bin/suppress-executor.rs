//! `suppress-executor`: Ballista's executor with suppress's functions compiled in. It takes
//! the flags of Ballista's own `ballista-executor` (`--bind-port`, `--scheduler-host`,
//! `--scheduler-port`, `--work-dir`, ...), so that Ballista's deployment documentation applies
//! as it is; `--help` lists them.

use std::sync::Arc;

use ballista_executor::config::Config;
use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ballista_core::error::Result<()> {
    let opt = Config::parse();
    let mut config: ExecutorProcessConfig = opt.try_into()?;
    config.override_function_registry = Some(Arc::new(suppress_cluster::ballista::function_registry()));
    let filter = std::env::var(EnvFilter::DEFAULT_ENV).unwrap_or(config.special_mod_log_level.clone());
    tracing_subscriber::fmt()
        .with_ansi(false)
        .with_thread_names(config.print_thread_info)
        .with_env_filter(EnvFilter::new(filter))
        .init();
    start_executor_process(Arc::new(config)).await
}
