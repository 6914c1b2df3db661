//! A real cluster on this machine: `suppress-scheduler` and two `suppress-executor` processes
//! on localhost, and `suppress analyze --cluster df://127.0.0.1:PORT` giving the native
//! engine's rows and summary; then the same run with one executor killed while it runs, which
//! Ballista must survive by running the lost tasks again. Built and run with `--features
//! ballista` (as `.ci/run` does).
#![cfg(feature = "ballista")]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use suppress_testkit::read_outputs;

mod common;

use common::{p, stderr};

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

/// `suppress analyze` on every table `suppress gen` wrote into `data`, with `--exported-at` and
/// `--propagate-optout`, and `extra` (the engine).
fn analyze(data: &Path, out: &Path, extra: &[&str]) -> std::process::Child {
    let table = |name: &str| p(&data.join(format!("{name}.parquet"))).to_string();
    let mut args: Vec<String> = vec!["analyze".into()];
    for name in ["profiles", "targets", "quarantine", "deliveries", "subscriptions", "consent"] {
        args.extend([format!("--{name}"), table(name)]);
    }
    args.extend(
        ["--exported-at", "2026-10-31T00:00:00Z", "--as-of", "2026-11-01T00:00:00Z", "--default-country", "33"]
            .map(String::from),
    );
    args.extend(["--propagate-optout", "-q", "--threads", "2", "--out", p(out)].map(String::from));
    args.extend(extra.iter().map(|a| a.to_string()));
    Command::new(env!("CARGO_BIN_EXE_suppress"))
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run suppress")
}

/// Waits for `child`; a run that does not end in 10 minutes (a task that panics in a Ballista
/// 55 executor is never reported and its job never ends) is killed and fails the test.
fn finish(mut child: std::process::Child, what: &str) -> Result<(), String> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            return match status.success() {
                true => Ok(()),
                false => Err(format!("{what}: {status}: {}", stderr(&out))),
            };
        }
        if started.elapsed() > Duration::from_secs(600) {
            let _ = child.kill();
            return Err(format!("{what}: no result in 10 minutes"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn a_scheduler_and_two_executors_give_the_native_rows_even_when_one_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let gen = common::suppress(&["gen", "--out", p(&data), "--profiles", "20000", "--seed", "11"]);
    assert!(gen.status.success(), "{}", stderr(&gen));
    let native = dir.path().join("native");
    finish(analyze(&data, &native, &[]), "native").unwrap();
    let expected = read_outputs(&native);

    let mut cluster = start_cluster(dir.path(), 2);
    let url = format!("df://127.0.0.1:{}", cluster.scheduler_port);
    let out = dir.path().join("cluster");
    finish(analyze(&data, &out, &["--cluster", &url]), "--cluster").unwrap();
    assert!(out.join("recipients.parquet").exists() && out.join("exclusions.parquet").exists());
    assert_eq!(read_outputs(&out), expected, "two executors");
    let (n, c) = (summary(&native), summary(&out));
    for key in ["totals", "inputs", "consent", "warnings"] {
        assert_eq!(n[key], c[key], "summary.json: {key}");
    }

    // Kill one executor as soon as the run has started: its running and finished-but-unfetched
    // tasks are lost, and the scheduler must run them again on the other.
    let victim = cluster.executors.remove(0);
    let out = dir.path().join("cluster-after-kill");
    let run = analyze(&data, &out, &["--cluster", &url]);
    std::thread::sleep(Duration::from_millis(1500));
    drop(victim);
    let result = finish(run, "--cluster with an executor killed");
    let logs: String = ["scheduler.log", "executor-0.log", "executor-1.log"]
        .iter()
        .map(|f| format!("--- {f}\n{}", std::fs::read_to_string(dir.path().join(f)).unwrap_or_default()))
        .collect();
    result.unwrap_or_else(|e| {
        panic!("the run did not survive the killed executor: {e}\n{}", &logs[logs.len().saturating_sub(4000)..])
    });
    assert_eq!(read_outputs(&out), expected, "one executor killed mid-run");
}
