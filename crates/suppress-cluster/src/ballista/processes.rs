//! The `main`s of `suppress-scheduler` and `suppress-executor` (binaries of `suppress-cli`):
//! Ballista's own scheduler and executor processes with our functions compiled in. They parse
//! the flags of Ballista's `ballista-scheduler` and `ballista-executor` (`--bind-host`,
//! `--bind-port`, `--scheduler-host`, `--scheduler-port`, `--work-dir`, `--vcores`, ...) with
//! Ballista's own `Config` types, so that its deployment documentation applies as it is.

use std::sync::Arc;

use ballista_core::error::BallistaError;
use clap::Parser;
use tracing_subscriber::EnvFilter;

/// Logs to stderr as Ballista's binaries do: by `RUST_LOG` if set, else by the level the
/// process's flags give.
fn init_logging(default_filter: &str, thread_names: bool) {
    let filter = std::env::var(EnvFilter::DEFAULT_ENV).unwrap_or_else(|_| default_filter.to_string());
    tracing_subscriber::fmt()
        .with_ansi(false)
        .with_thread_names(thread_names)
        .with_env_filter(EnvFilter::new(filter))
        .init();
}

/// Runs the scheduler process until it is stopped.
pub fn scheduler_main() -> ballista_core::error::Result<()> {
    use ballista_scheduler::cluster::BallistaCluster;
    use ballista_scheduler::config::{Config, SchedulerConfig};
    use ballista_scheduler::scheduler_process::start_server;

    let opt = Config::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .enable_time()
        // Deep plans are planned recursively, as in Ballista's own binary.
        .thread_stack_size(32 * 1024 * 1024)
        .build()?;
    runtime.block_on(async {
        init_logging(&opt.log_level_setting, opt.print_thread_info);
        let addr = format!("{}:{}", opt.bind_host, opt.bind_port)
            .parse()
            .map_err(|e: std::net::AddrParseError| BallistaError::Configuration(e.to_string()))?;
        let config: SchedulerConfig = opt.try_into()?;
        let config = config.with_override_session_builder(Arc::new(super::session_state));
        let cluster = BallistaCluster::new_from_config(&config).await?;
        start_server(cluster, addr, Arc::new(config)).await?;
        Ok(())
    })
}

/// Runs the executor process until it is stopped.
pub fn executor_main() -> ballista_core::error::Result<()> {
    use ballista_executor::config::Config;
    use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};

    let opt = Config::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let mut config: ExecutorProcessConfig = opt.try_into()?;
        config.override_function_registry = Some(Arc::new(super::function_registry()));
        init_logging(&config.special_mod_log_level, config.print_thread_info);
        start_executor_process(Arc::new(config)).await
    })
}
