//! The three output files, written to temporary names and renamed together at the end.

use std::path::{Path, PathBuf};

use crate::AnalyzeError;

pub use crate::write::{write_exclusions, write_recipients};

pub const RECIPIENTS: &str = "recipients.parquet";
pub const EXCLUSIONS: &str = "exclusions.parquet";
pub const SUMMARY: &str = "summary.json";

/// Temporary files in the output directory, removed on drop unless committed.
///
/// `summary.json` is the commit marker of a set: [`Staged::commit`] first removes the old
/// `summary.json`, then renames the Parquet files, then the new `summary.json`. Whenever a
/// `summary.json` exists, the three files are one run's complete set; a run killed between two
/// renames leaves no `summary.json`, never a mix that looks complete.
pub struct Staged {
    dir: PathBuf,
    temps: Vec<(PathBuf, &'static str)>,
}

/// The temporary name of `name` for the process `pid`.
fn temp_name(name: &str, pid: u32) -> String {
    format!(".{name}.{pid}.tmp")
}

impl Staged {
    pub fn new(dir: &Path) -> Result<Staged, AnalyzeError> {
        std::fs::create_dir_all(dir).map_err(|e| AnalyzeError::Write { path: dir.into(), message: e.to_string() })?;
        remove_stale_temps(dir);
        Ok(Staged { dir: dir.into(), temps: Vec::new() })
    }

    /// A temporary path in the output directory for final name `name`.
    pub fn temp_path(&mut self, name: &'static str) -> PathBuf {
        let path = self.dir.join(temp_name(name, std::process::id()));
        self.temps.push((path.clone(), name));
        path
    }

    /// Replaces the previous set, if any, by the staged files; `summary.json` goes last.
    pub fn commit(mut self) -> Result<(), AnalyzeError> {
        let marker = self.dir.join(SUMMARY);
        match std::fs::remove_file(&marker) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(AnalyzeError::Write { path: marker, message: e.to_string() }),
        }
        let mut temps = std::mem::take(&mut self.temps);
        // Summary last: it marks the set complete.
        temps.sort_by_key(|(_, name)| *name == SUMMARY);
        for (i, (temp, name)) in temps.iter().enumerate() {
            let target = self.dir.join(name);
            if let Err(e) = std::fs::rename(temp, &target) {
                // Put the rest back so that Drop removes them.
                self.temps = temps[i..].to_vec();
                return Err(AnalyzeError::Write { path: target, message: e.to_string() });
            }
        }
        Ok(())
    }
}

/// Removes temporary files that runs killed before they could clean up left behind (their
/// process no longer exists). Best effort: anything that cannot be checked is left alone.
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        for output in [RECIPIENTS, EXCLUSIONS, SUMMARY] {
            let pid = name
                .strip_prefix(&format!(".{output}."))
                .and_then(|rest| rest.strip_suffix(".tmp"))
                .and_then(|pid| pid.parse::<u32>().ok());
            if let Some(pid) = pid {
                let alive = Path::new("/proc").join(pid.to_string()).exists();
                if pid != std::process::id() && !alive && Path::new("/proc/self").exists() {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (temp, _) in &self.temps {
            let _ = std::fs::remove_file(temp);
        }
    }
}
