//! The plan on Apache DataFusion Ballista (feature `ballista`): an in-process cluster for tests,
//! a client of a running cluster, and what our scheduler and executor binaries need.
//!
//! Ballista ships a call of a scalar function by its name, so every process that plans or
//! runs a stage must know our functions: the client registers them on its context, the
//! scheduler builds its sessions with them ([`session_state`]), and the executors look them up
//! in [`function_registry`]. The stock `ballista-scheduler` and `ballista-executor` images do
//! not know them; `suppress-scheduler` and `suppress-executor` are those binaries with them
//! ([`processes`]).

mod processes;

use std::sync::Arc;

use ballista::prelude::{SessionConfigExt, SessionContextExt};
use ballista_core::registry::BallistaFunctionRegistry;
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use datafusion::execution::FunctionRegistry;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::error::{engine, ClusterError};
use crate::run::{all_functions, register_functions};

pub use processes::{executor_main, scheduler_main};

/// The executors' registry: DataFusion's functions and ours.
pub fn function_registry() -> BallistaFunctionRegistry {
    let mut registry = BallistaFunctionRegistry::default();
    for udf in all_functions() {
        registry.scalar_functions.insert(udf.name().to_string(), Arc::new(udf));
    }
    registry
}

/// A session state with DataFusion's defaults and our functions, from `config`: the
/// scheduler's session builder, and the state of the in-process cluster.
pub fn session_state(config: SessionConfig) -> datafusion::common::Result<SessionState> {
    let mut state = SessionStateBuilder::new().with_config(config).with_default_features().build();
    for udf in all_functions() {
        state.register_udf(Arc::new(udf))?;
    }
    Ok(state)
}

/// The session settings of a run on `threads` task slots.
///
/// The static distributed planner, not the adaptive one: in Ballista 55 the adaptive planner
/// can give a sort a stage of no partitions (an empty input), the executor's reset of every
/// `SortExec` before a task then panics (`topk_emitter_count > 0`), and the job never ends.
/// Sort-merge joins stay (Ballista's default): its hash join does not spill.
fn session_config(threads: usize) -> SessionConfig {
    crate::run::configure(SessionConfig::new_with_ballista(), threads)
        .with_ballista_standalone_parallelism(threads.max(1))
        .set_bool("ballista.planner.adaptive.enabled", false)
}

/// A Ballista cluster in this process (one scheduler, one executor of `threads` task slots),
/// and a client context of it.
pub async fn standalone(threads: usize) -> Result<SessionContext, ClusterError> {
    let state = session_state(session_config(threads)).map_err(engine("building the session"))?;
    let ctx = SessionContext::standalone_with_state(state)
        .await
        .map_err(engine("starting the in-process Ballista cluster"))?;
    // The client context that standalone_with_state returns has lost our functions.
    register_functions(&ctx);
    Ok(ctx)
}

/// A client context of the running cluster whose scheduler is at `url` (`df://HOST:PORT`).
pub async fn remote(url: &str, threads: usize) -> Result<SessionContext, ClusterError> {
    if !url.starts_with("df://") {
        return Err(ClusterError::Usage(format!(
            "--cluster {url:?}: not a Ballista scheduler address such as df://localhost:50050"
        )));
    }
    let state = session_state(session_config(threads)).map_err(engine("building the session"))?;
    let ctx = SessionContext::remote_with_state(url, state)
        .await
        .map_err(engine(format!("connecting to the Ballista scheduler at {url}")))?;
    register_functions(&ctx);
    Ok(ctx)
}
