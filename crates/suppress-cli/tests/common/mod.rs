//! Helpers shared by the binary's end-to-end tests. Each test file uses only some of them.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `suppress` binary built for these tests and waits for it.
pub fn suppress(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_suppress")).args(args).output().expect("run suppress")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `--profiles`, `--targets` and `--quarantine` for the three tables `suppress gen` wrote
/// into `dir` (or the committed sample in `data/`).
pub fn gen_inputs(dir: &Path) -> Vec<String> {
    ["profiles", "targets", "quarantine"]
        .iter()
        .flat_map(|table| [format!("--{table}"), p(&dir.join(format!("{table}.parquet"))).to_string()])
        .collect()
}
