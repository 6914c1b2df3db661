//! A real cluster on this machine: `suppress-scheduler` and two `suppress-executor` processes
//! on localhost, a run through the client (what `suppress analyze --cluster` does), the native
//! engine's rows; then the same run with one executor killed while it runs, which Ballista must
//! survive by running the lost tasks again.
#![cfg(feature = "ballista")]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use suppress_analyze::{parse_as_of, parse_instant, Config, Plan};
use suppress_cluster::OutputLayout;
use suppress_gen::{generate, GenConfig};
use suppress_model::{Canonicalizer, CountryCode};
use suppress_testkit::read_outputs;

mod common;

/// A free TCP port on localhost (free when asked; the processes bind it right after).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A child process killed when the test ends, however it ends.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(binary: &str, args: &[String], log: &Path) -> Process {
    let log = std::fs::File::create(log).unwrap();
    Process(
        Command::new(binary)
            .args(args)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{binary}: {e}")),
    )
}

fn wait_for_port(port: u16) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(60), "nothing listens on port {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

struct Cluster {
    scheduler_port: u16,
    executors: Vec<Process>,
    _scheduler: Process,
}

fn start_cluster(dir: &Path, executors: usize) -> Cluster {
    let scheduler_port = free_port();
    let scheduler = spawn(
        env!("CARGO_BIN_EXE_suppress-scheduler"),
        &["--bind-host".into(), "127.0.0.1".into(), "--bind-port".into(), scheduler_port.to_string()],
        &dir.join("scheduler.log"),
    );
    wait_for_port(scheduler_port);
    let executors = (0..executors)
        .map(|i| {
            let (port, grpc) = (free_port(), free_port());
            let work = dir.join(format!("executor-{i}"));
            std::fs::create_dir_all(&work).unwrap();
            let executor = spawn(
                env!("CARGO_BIN_EXE_suppress-executor"),
                &[
                    "--bind-host".into(),
                    "127.0.0.1".into(),
                    "--external-host".into(),
                    "127.0.0.1".into(),
                    "--bind-port".into(),
                    port.to_string(),
                    "--bind-grpc-port".into(),
                    grpc.to_string(),
                    "--scheduler-host".into(),
                    "127.0.0.1".into(),
                    "--scheduler-port".into(),
                    scheduler_port.to_string(),
                    "--work-dir".into(),
                    work.display().to_string(),
                    "--vcores".into(),
                    "1".into(),
                ],
                &dir.join(format!("executor-{i}.log")),
            );
            wait_for_port(port);
            executor
        })
        .collect();
    // Executors register with their first heartbeat.
    std::thread::sleep(Duration::from_secs(2));
    Cluster { scheduler_port, executors, _scheduler: scheduler }
}

fn config(data: &Path) -> Config {
    let mut config = Config::new(data.join("profiles.parquet"), data.join("targets.parquet"));
    config.quarantine = Some(data.join("quarantine.parquet"));
    config.deliveries = Some(data.join("deliveries.parquet"));
    config.subscriptions = Some(data.join("subscriptions.parquet"));
    config.consent = Some(data.join("consent.parquet"));
    config.exported_at = Some(parse_instant("--exported-at", "2026-10-31T00:00:00Z").unwrap());
    config.as_of = parse_as_of("2026-11-01T00:00:00Z").unwrap();
    config.canonicalizer = Canonicalizer::new(Some(CountryCode::parse("33").unwrap()));
    config.propagate_optout = true;
    config
}

/// Runs the analysis on the cluster at `port`, as `suppress analyze --cluster` does.
fn run_on_cluster(port: u16, options: &suppress_cluster::Options, out: &Path) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let ctx = suppress_cluster::ballista::remote(&format!("df://127.0.0.1:{port}"), 2)
            .await
            .map_err(|e| e.to_string())?;
        // A task that panics in an executor is never reported and its job never ends: fail
        // the test instead of hanging.
        let run = suppress_cluster::analyze(&ctx, options, out, OutputLayout::PartFiles);
        match tokio::time::timeout(Duration::from_secs(600), run).await {
            Ok(result) => result.map(|_| ()).map_err(|e| e.to_string()),
            Err(_) => Err("no result in 10 minutes".into()),
        }
    })
}

#[test]
fn a_scheduler_and_two_executors_give_the_native_rows_even_when_one_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    generate(&data, &GenConfig::new(20_000, 11)).unwrap();
    let config = config(&data);
    let native = dir.path().join("native");
    Plan::open(config.clone()).unwrap().execute(Some(&native)).unwrap();
    let expected = read_outputs(&native);

    let mut cluster = start_cluster(dir.path(), 2);
    let out = dir.path().join("cluster");
    run_on_cluster(cluster.scheduler_port, &common::options(&config), &out).unwrap();
    assert_eq!(read_outputs(&out), expected, "two executors");

    // Kill one executor as soon as the run has started (a second after the client connects):
    // its running and finished-but-unfetched tasks are lost, and the scheduler must run them
    // again on the other.
    let victim = cluster.executors.remove(0);
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        drop(victim);
    });
    let out = dir.path().join("cluster-after-kill");
    let result = run_on_cluster(cluster.scheduler_port, &common::options(&config), &out);
    killer.join().unwrap();
    let logs: String = ["scheduler.log", "executor-0.log", "executor-1.log"]
        .iter()
        .map(|f| format!("--- {f}\n{}", std::fs::read_to_string(dir.path().join(f)).unwrap_or_default()))
        .collect();
    result.unwrap_or_else(|e| {
        panic!("the run did not survive the killed executor: {e}\n{}", &logs[logs.len().saturating_sub(4000)..])
    });
    assert_eq!(read_outputs(&out), expected, "one executor killed mid-run");
}
