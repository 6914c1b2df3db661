//! Faults around a run: two runs into one directory, too little memory, a write that fails, a
//! cancelled run. Each must end with one line, the right exit code, no temporary file, and
//! either the previous output set untouched or one run's complete set.

mod common;

use std::collections::BTreeMap;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{gen_inputs, p, stderr, suppress};

const AS_OF: &str = "2026-11-01T00:00:00Z";

/// Generates `profiles` profiles with `seed` into `dir`; returns the analyze flags for them.
fn generated(dir: &Path, profiles: u32, seed: u32) -> Vec<String> {
    let gen = suppress(&["gen", "--out", p(dir), "--profiles", &profiles.to_string(), "--seed", &seed.to_string()]);
    assert!(gen.status.success(), "{}", stderr(&gen));
    let mut args = gen_inputs(dir);
    args.extend(["--as-of".into(), AS_OF.into(), "-q".into()]);
    args
}

fn analyze(inputs: &[String], out: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_suppress"));
    command.arg("analyze").args(inputs).args(["--out", p(out)]).args(extra);
    command.stdout(Stdio::null()).stderr(Stdio::piped());
    command
}

/// Every file in `dir` with its bytes (none when there is no `dir`).
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else { return BTreeMap::new() };
    entries
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().into_string().unwrap(), std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// The files of `dir` that make an output set (the lock file is not one).
fn output_set(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = snapshot(dir);
    files.remove(".suppress.lock");
    files
}

fn temporaries(dir: &Path) -> Vec<String> {
    snapshot(dir).into_keys().filter(|name| name.ends_with(".tmp")).collect()
}

fn one_line(text: &str) -> &str {
    let text = text.strip_suffix('\n').unwrap_or(text);
    assert!(!text.contains('\n') && !text.is_empty(), "not one line: {text:?}");
    text
}

/// Holds the lock of `dir` as another run would, with `pid` written in it.
fn hold_lock(dir: &Path, pid: u32) -> File {
    std::fs::create_dir_all(dir).unwrap();
    let file =
        File::options().read(true).write(true).create(true).truncate(true).open(dir.join(".suppress.lock")).unwrap();
    // SAFETY: flock on a descriptor we own, open for the call.
    assert_eq!(unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) }, 0);
    std::fs::write(dir.join(".suppress.lock"), format!("{pid}\n")).unwrap();
    file
}

#[test]
fn a_locked_directory_fails_at_once_naming_the_other_run_and_wait_waits_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = generated(&dir.path().join("data"), 2000, 1);
    let out = dir.path().join("out");
    let first = analyze(&inputs, &out, &[]).output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    let previous = output_set(&out);

    let lock = hold_lock(&out, 4242);
    let started = Instant::now();
    let refused = analyze(&inputs, &out, &[]).output().unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        one_line(&stderr(&refused)),
        format!(
            "suppress: error: {}: another suppress run (pid 4242) is writing to this output directory; \
             nothing was read or written (pass --wait to wait for it)",
            out.display()
        )
    );
    assert!(started.elapsed() < Duration::from_secs(10), "it waited");
    assert_eq!(output_set(&out), previous);

    // A missing input is not read before the lock: the lock's message comes first.
    let mut missing = inputs.clone();
    missing[1] = p(&dir.path().join("nowhere.parquet")).to_string();
    let refused = analyze(&missing, &out, &[]).output().unwrap();
    assert!(stderr(&refused).contains("another suppress run (pid 4242)"), "{}", stderr(&refused));

    let mut waiting = analyze(&inputs, &out, &["--wait"]).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(waiting.try_wait().unwrap().is_none(), "--wait did not wait for the lock");
    assert_eq!(output_set(&out), previous);
    drop(lock);
    let waited = waiting.wait_with_output().unwrap();
    assert!(waited.status.success(), "{}", stderr(&waited));
    assert_eq!(output_set(&out).keys().collect::<Vec<_>>(), previous.keys().collect::<Vec<_>>());
}

/// The rows `summary.json` says a set has, and the rows its Parquet files have.
fn counts_match(dir: &Path) {
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    let rows = |name: &str| -> u64 {
        suppress_testkit::read_batches(&dir.join(name)).iter().map(|b| b.num_rows() as u64).sum()
    };
    let kept = summary["totals"]["kept"].as_u64().unwrap();
    let targeted = summary["totals"]["targeted"].as_u64().unwrap();
    assert_eq!(rows("recipients.parquet"), kept);
    assert_eq!(rows("exclusions.parquet"), targeted - kept);
}

#[test]
fn two_runs_at_once_leave_one_runs_complete_set_and_the_loser_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let a = generated(&dir.path().join("a"), 20_000, 1);
    let b = generated(&dir.path().join("b"), 30_000, 2);
    // Each run's set alone, for reference (outputs do not depend on timing).
    let mut reference = Vec::new();
    for (k, inputs) in [&a, &b].into_iter().enumerate() {
        let out = dir.path().join(format!("alone-{k}"));
        let run = analyze(inputs, &out, &["--threads", "1"]).output().unwrap();
        assert!(run.status.success(), "{}", stderr(&run));
        counts_match(&out);
        reference.push(output_set(&out));
    }
    let parquet = |set: &BTreeMap<String, Vec<u8>>| {
        set.iter().filter(|(n, _)| n.ends_with(".parquet")).map(|(n, b)| (n.clone(), b.clone())).collect::<Vec<_>>()
    };
    let out = dir.path().join("shared");
    let mut refusals = 0;
    for round in 0..8 {
        let (first, second) = if round % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let one = analyze(first, &out, &["--threads", "1"]).spawn().unwrap();
        let two = analyze(second, &out, &["--threads", "1"]).spawn().unwrap();
        for run in [one.wait_with_output().unwrap(), two.wait_with_output().unwrap()] {
            if !run.status.success() {
                assert_eq!(run.status.code(), Some(1));
                assert!(one_line(&stderr(&run)).contains("is writing to this output directory"), "{}", stderr(&run));
                refusals += 1;
            }
        }
        assert!(temporaries(&out).is_empty(), "{:?}", temporaries(&out));
        let set = output_set(&out);
        assert!(
            reference.iter().any(|r| parquet(r) == parquet(&set)),
            "round {round}: the directory holds no single run's Parquet files"
        );
        counts_match(&out);
    }
    assert!(refusals > 0, "the two runs never overlapped: the test did not test the lock");
}

#[test]
fn a_memory_limit_below_the_estimate_refuses_before_decoding() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = generated(&dir.path().join("data"), 2000, 1);
    let out = dir.path().join("out");
    // A targets file whose second row is bad: decoding it would fail on that row.
    let targets = dir.path().join("bad-targets.parquet");
    suppress_testkit::write_table(
        &targets,
        vec![
            ("delivery_id", suppress_testkit::utf8(&[Some("d1"), Some("d1")])),
            ("profile_id", std::sync::Arc::new(arrow::array::Int64Array::from(vec![Some(1), None]))),
            ("channel", suppress_testkit::utf8(&[Some("email"), Some("email")])),
        ],
        10,
    );
    let mut args = inputs.clone();
    args[3] = p(&targets).to_string();
    let refused = analyze(&args, &out, &["--memory-limit", "1M"]).output().unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let line = one_line(&stderr(&refused)).to_string();
    assert!(line.starts_with("suppress: error: this run needs about "), "{line}");
    assert!(
        line.contains("(estimated from the inputs' footers), more than the 1 MB it may use (--memory-limit 1M)"),
        "{line}"
    );
    assert!(line.contains("targets ") && line.contains("profiles ") && line.contains("addresses "), "{line}");
    assert!(!line.contains("row 1"), "it decoded the targets: {line}");
    assert!(!out.exists(), "a refused run left its output directory behind");
    // With room, the same run goes on to decode, and finds the bad row.
    let decoded = analyze(&args, &out, &["--memory-limit", "8G"]).output().unwrap();
    assert!(stderr(&decoded).contains("profile_id"), "{}", stderr(&decoded));
    let bad_size = analyze(&inputs, &out, &["--memory-limit", "lots"]).output().unwrap();
    assert_eq!(bad_size.status.code(), Some(2), "{}", stderr(&bad_size));
}

/// Runs `command` with its address space limited to `bytes` (as `ulimit -v`).
fn with_address_space(command: &mut Command, bytes: u64) -> Output {
    with_limit(command, libc::RLIMIT_AS, bytes)
}

/// Runs `command` with the size of any file it writes limited to `bytes` (as `ulimit -f`), and
/// SIGXFSZ ignored, so that a write past the limit fails with EFBIG as a write to a full disk
/// fails with ENOSPC: no test without privileges can fill a disk.
fn with_file_size(command: &mut Command, bytes: u64) -> Output {
    // SAFETY: the closure runs in the child between fork and exec and only calls signal, which
    // is async-signal-safe; an ignored signal stays ignored across exec.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    with_limit(command, libc::RLIMIT_FSIZE, bytes)
}

/// Runs `command` with `resource` limited to `bytes`.
fn with_limit(command: &mut Command, resource: libc::__rlimit_resource_t, bytes: u64) -> Output {
    // SAFETY: the closure runs in the child between fork and exec and only calls setrlimit,
    // which is async-signal-safe.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit { rlim_cur: bytes as libc::rlim_t, rlim_max: bytes as libc::rlim_t };
            if libc::setrlimit(resource, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.output().unwrap()
}

#[test]
fn running_out_of_memory_is_one_line_and_exit_1_with_the_previous_outputs_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = generated(&dir.path().join("data"), 100_000, 1);
    let out = dir.path().join("out");
    let first = analyze(&inputs, &out, &[]).output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    let previous = output_set(&out);
    let mut out_of_memory = 0;
    // Below the address space that loading the binary itself takes (its code and that of the
    // libraries it links, several times larger in a build with DataFusion), the loader fails
    // before suppress runs: start at the first limit where `--version` runs.
    let loads = (30..=1500)
        .step_by(30)
        .find(|mb| {
            with_address_space(Command::new(env!("CARGO_BIN_EXE_suppress")).arg("--version"), mb << 20).status.success()
        })
        .expect("the binary runs within 1.5 GB");
    // From too little to start the run to enough, in steps small enough not to jump over the
    // limits at which an allocation fails mid-run: every outcome on the way is clean.
    for mb in (loads..=loads + 900).step_by(10) {
        let run = with_address_space(&mut analyze(&inputs, &out, &["--threads", "2"]), mb << 20);
        let text = stderr(&run);
        assert!(!text.contains("panicked") && !text.contains("backtrace"), "{mb} MB: {text}");
        match run.status.code() {
            Some(0) => {
                counts_match(&out);
                break;
            }
            Some(1) => {
                let line = one_line(&text);
                assert!(line.starts_with("suppress: error: "), "{mb} MB: {line}");
                assert!(line.contains("memory") || line.contains("Cannot allocate"), "{mb} MB: {line}");
                if line.starts_with("suppress: error: out of memory while ") {
                    assert!(line.contains(" more bytes; ulimit -v is "), "{line}");
                    assert!(line.ends_with("no output was written, the previous outputs untouched"), "{line}");
                    out_of_memory += 1;
                }
                assert_eq!(output_set(&out), previous, "{mb} MB");
                assert!(temporaries(&out).is_empty(), "{mb} MB: {:?}", temporaries(&out));
            }
            other => panic!("{mb} MB: exit {other:?} (signal {:?}): {text}", run.status.signal()),
        }
    }
    assert!(out_of_memory > 0, "no limit made an allocation fail");
}

#[test]
fn a_write_that_fails_midway_is_one_line_and_exit_1_with_the_previous_outputs_untouched() {
    let dir = tempfile::tempdir().unwrap();
    // Enough profiles for outputs of several direct-write buffers (8 MiB each).
    let inputs = generated(&dir.path().join("data"), 800_000, 3);
    let out = dir.path().join("out");
    let first = analyze(&inputs, &out, &[]).output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    let previous = output_set(&out);
    let largest = previous.values().map(Vec::len).max().unwrap() as u64;
    assert!(largest > 16 << 20, "outputs of {largest} bytes: too small to need direct writes");
    // Inside the first buffer, at a buffer's end, inside a later buffer, inside the tail.
    for limit in [100_000, 8 << 20, (8 << 20) + 4096 * 3 + 1, largest - 1000] {
        let run = with_file_size(&mut analyze(&inputs, &out, &["--threads", "2"]), limit);
        let text = stderr(&run);
        assert_eq!(run.status.code(), Some(1), "limit {limit}: {text}");
        let line = one_line(&text);
        assert!(line.starts_with("suppress: error: "), "limit {limit}: {line}");
        // The error of the write itself, not of a thread that stopped because of it.
        assert!(line.contains(".tmp: cannot write: ") && line.contains("File too large"), "limit {limit}: {line}");
        assert_eq!(output_set(&out), previous, "limit {limit}");
        assert!(temporaries(&out).is_empty(), "limit {limit}: {:?}", temporaries(&out));
    }
}

/// Waits until `dir` holds a temporary file of `child` (the write phase), or `limit` passes.
fn wait_for_temporaries(child: &Child, dir: &Path, limit: Duration) -> bool {
    let pid = format!(".{}.tmp", child.id());
    let start = Instant::now();
    while start.elapsed() < limit {
        if temporaries(dir).iter().any(|name| name.ends_with(&pid)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    false
}

#[test]
fn sigterm_and_sigint_remove_the_temporaries_and_keep_the_previous_set() {
    let dir = tempfile::tempdir().unwrap();
    let small = generated(&dir.path().join("small"), 2000, 1);
    // Big enough that a release build is still loading 300 ms in (the targets come in hash order,
    // and ordering them by profile made a 200,000-profile run finish in time).
    let big = generated(&dir.path().join("big"), 600_000, 2);
    let out: PathBuf = dir.path().join("out");
    let first = analyze(&small, &out, &[]).output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    let previous = output_set(&out);
    let mut during_write = 0;
    for (signal, name, code) in [(libc::SIGTERM, "SIGTERM", 143), (libc::SIGINT, "SIGINT", 130)] {
        // While opening and loading (after a delay), and while writing (temporaries present).
        for point in ["early", "loading", "writing"] {
            let child = analyze(&big, &out, &["--threads", "1"]).spawn().unwrap();
            match point {
                "early" => std::thread::sleep(Duration::from_millis(30)),
                "loading" => std::thread::sleep(Duration::from_millis(300)),
                _ => {
                    if wait_for_temporaries(&child, &out, Duration::from_secs(60)) {
                        during_write += 1;
                    }
                }
            }
            // SAFETY: kill sends a signal to our own child, which is alive until we wait.
            assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
            let run = child.wait_with_output().unwrap();
            let text = stderr(&run);
            assert!(temporaries(&out).is_empty(), "{name} {point}: {:?}", temporaries(&out));
            match run.status.code() {
                Some(c) if c == code => {
                    let line = one_line(&text);
                    if line.ends_with("after the outputs were committed") {
                        counts_match(&out);
                    } else {
                        assert!(
                            line.starts_with(&format!("suppress: stopped by {name}: no output was written (")),
                            "{line}"
                        );
                        assert!(line.ends_with("the previous outputs untouched)"), "{line}");
                        assert_eq!(output_set(&out), previous, "{name} {point}");
                    }
                }
                Some(0) => panic!("{name} {point}: the run finished before the signal; make the data bigger"),
                other => panic!("{name} {point}: exit {other:?} (signal {:?}): {text}", run.status.signal()),
            }
        }
    }
    assert_eq!(during_write, 2, "never caught a run while it wrote its outputs");
}

/// A child of this process's memory cgroup (v1 or v2) limited to `bytes`, when the test may
/// make one (root on a writable cgroup file system); removed on drop.
struct LimitedCgroup(PathBuf);

impl LimitedCgroup {
    fn make(bytes: u64) -> Option<LimitedCgroup> {
        let listing = std::fs::read_to_string("/proc/self/cgroup").ok()?;
        for line in listing.lines() {
            let mut fields = line.splitn(3, ':');
            let (_, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
            let (base, file) = if controllers.is_empty() {
                (PathBuf::from("/sys/fs/cgroup"), "memory.max")
            } else if controllers.split(',').any(|c| c == "memory") {
                (PathBuf::from("/sys/fs/cgroup/memory"), "memory.limit_in_bytes")
            } else {
                continue;
            };
            let dir = base.join(path.trim_start_matches('/')).join(format!("suppress-test-{}", std::process::id()));
            if std::fs::create_dir(&dir).is_ok() {
                if std::fs::write(dir.join(file), bytes.to_string()).is_ok() {
                    return Some(LimitedCgroup(dir));
                }
                let _ = std::fs::remove_dir(&dir);
            }
        }
        None
    }
}

impl Drop for LimitedCgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

#[test]
fn under_a_cgroup_limit_below_the_estimate_the_run_refuses_instead_of_being_killed() {
    let Some(cgroup) = LimitedCgroup::make(32 << 20) else {
        eprintln!("no memory cgroup can be made here (not root, or no writable cgroup fs): not checked");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let inputs = generated(&dir.path().join("data"), 2000, 1);
    let out = dir.path().join("out");
    // The shell joins the cgroup, then becomes suppress (same pid): no code runs in the child
    // between fork and exec.
    let procs = cgroup.0.join("cgroup.procs");
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("echo $$ > '{}' && exec \"$0\" \"$@\"", procs.display()))
        .arg(env!("CARGO_BIN_EXE_suppress"))
        .arg("analyze")
        .args(&inputs)
        .args(["--out", p(&out)]);
    let run = command.output().unwrap();
    assert_eq!(run.status.code(), Some(1), "signal {:?}: {}", run.status.signal(), stderr(&run));
    let line = one_line(&stderr(&run)).to_string();
    assert!(line.starts_with("suppress: error: this run needs about "), "{line}");
    assert!(
        line.contains(&format!("more than the 34 MB it may use (the cgroup limit in {}", cgroup.0.display())),
        "{line}"
    );
    assert!(!out.exists());
}

#[test]
fn ctrl_c_during_gen_says_its_files_are_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gen");
    let child = Command::new(env!("CARGO_BIN_EXE_suppress"))
        .args(["gen", "--out", p(&out), "--profiles", "5000000", "--seed", "1"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // SAFETY: kill sends a signal to our own child, which is alive until we wait.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) }, 0);
    let run = child.wait_with_output().unwrap();
    assert_eq!(run.status.code(), Some(130), "{}", stderr(&run));
    assert_eq!(
        one_line(&stderr(&run)),
        format!("suppress: stopped by SIGINT: the files being written in {} are incomplete", out.display())
    );
}
