//! An output set committed all or nothing: its files are written under temporary names in the
//! output directory, then renamed into place, the commit marker last.
//!
//! Whenever the marker exists, the set's files are one run's complete set: [`Staged::commit`]
//! first removes the old marker, then renames the other files, then the new marker. A run
//! killed between two renames leaves no marker, never a mix that looks complete. Temporary
//! files are removed when the [`Staged`] is dropped uncommitted, or by the process's cleanup
//! when a signal or an allocation failure stops it (`temporaries`); those of runs killed
//! outright (SIGKILL, a power cut) are removed by the next run into the same directory.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{temporaries, WriteError};

/// A staged file: its temporary path (for errors) and the file, open for writing.
pub type StagedFile = (PathBuf, File);

/// The files of one output set, by final name; the last is the commit marker (a small file
/// such as `summary.json`, written after the others).
pub type OutputSet = &'static [&'static str];

/// The temporary files of one output set, being written.
pub struct Staged {
    dir: PathBuf,
    set: OutputSet,
    /// (temporary path, final name) of every file staged so far and not yet renamed.
    temps: Vec<(PathBuf, &'static str)>,
}

/// The temporary name of `name` for the process `pid`: hidden, and telling which process owns it.
fn temp_name(name: &str, pid: u32) -> String {
    format!(".{name}.{pid}.tmp")
}

impl Staged {
    /// Creates `dir` if needed and removes the temporaries that dead runs left there.
    pub fn new(dir: &Path, set: OutputSet) -> Result<Staged, WriteError> {
        assert!(!set.is_empty(), "an output set has at least its commit marker");
        std::fs::create_dir_all(dir).map_err(|e| WriteError::io(dir, e))?;
        remove_stale_temps(dir, set);
        Ok(Staged { dir: dir.into(), set, temps: Vec::new() })
    }

    /// Creates the temporary file for final name `name` (one of the set); returns its path and
    /// the file, open for writing.
    pub fn create(&mut self, name: &'static str) -> Result<StagedFile, WriteError> {
        debug_assert!(self.set.contains(&name), "{name} is not in the output set");
        let path = self.dir.join(temp_name(name, std::process::id()));
        let file = temporaries::create(&path).map_err(|e| WriteError::io(&path, e))?;
        self.temps.push((path.clone(), name));
        Ok((path, file))
    }

    /// Stages the file `name` with `contents` (for small files such as the commit marker),
    /// synced to disk so that a committed marker is never empty after a crash.
    pub fn write_small_file(&mut self, name: &'static str, contents: &[u8]) -> Result<(), WriteError> {
        let (path, mut file) = self.create(name)?;
        file.write_all(contents).and_then(|()| file.sync_all()).map_err(|e| WriteError::io(&path, e))
    }

    /// Replaces the previous set in the directory, if any, by the staged files; the commit
    /// marker goes last. No cleanup of a stopping process runs in the middle: the set is
    /// either committed whole or left as it was.
    pub fn commit(mut self) -> Result<(), WriteError> {
        let marker_name = *self.set.last().expect("a marker");
        let marker = self.dir.join(marker_name);
        let mut temps = std::mem::take(&mut self.temps);
        temps.sort_by_key(|(_, name)| *name == marker_name);
        let (result, renamed) = temporaries::while_locked(|| {
            let mut renamed = 0;
            let result = (|| {
                match std::fs::remove_file(&marker) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(WriteError::io(&marker, e)),
                }
                for (temp, name) in &temps {
                    let target = self.dir.join(name);
                    std::fs::rename(temp, &target).map_err(|e| WriteError::io(target, e))?;
                    renamed += 1;
                }
                temporaries::mark_committed();
                Ok(())
            })();
            let done = temps[..renamed].iter().map(|(temp, _)| temp.as_path()).collect();
            ((result, renamed), done)
        });
        // What was not renamed goes back, so that Drop removes it.
        self.temps = temps.split_off(renamed);
        result
    }
}

/// Removes temporary files of `set` that runs killed before they could clean up left behind
/// (their process no longer exists). Best effort: anything that cannot be checked is left alone.
fn remove_stale_temps(dir: &Path, set: OutputSet) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        for output in set {
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
        temporaries::while_locked(|| {
            for (temp, _) in &self.temps {
                let _ = std::fs::remove_file(temp);
            }
            ((), self.temps.iter().map(|(temp, _)| temp.as_path()).collect())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SET: OutputSet = &["a.parquet", "b.parquet", "summary.json"];

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    }

    #[test]
    fn commit_replaces_the_set_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        for run in ["one", "two"] {
            let mut staged = Staged::new(dir.path(), SET).unwrap();
            for name in &SET[..2] {
                let (_, mut file) = staged.create(name).unwrap();
                file.write_all(format!("{run} {name}").as_bytes()).unwrap();
            }
            staged.write_small_file("summary.json", run.as_bytes()).unwrap();
            staged.commit().unwrap();
            assert_eq!(names(dir.path()), SET);
            assert_eq!(std::fs::read_to_string(dir.path().join("a.parquet")).unwrap(), format!("{run} a.parquet"));
            assert_eq!(std::fs::read_to_string(dir.path().join("summary.json")).unwrap(), run);
        }
    }

    #[test]
    fn dropped_uncommitted_removes_its_temporaries_and_keeps_the_previous_set() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("summary.json"), "previous").unwrap();
        {
            let mut staged = Staged::new(dir.path(), SET).unwrap();
            staged.create("a.parquet").unwrap().1.write_all(b"half").unwrap();
        }
        assert_eq!(names(dir.path()), ["summary.json"]);
        assert_eq!(std::fs::read_to_string(dir.path().join("summary.json")).unwrap(), "previous");
    }

    #[test]
    fn a_dead_runs_temporaries_go_and_a_live_ones_and_strangers_stay() {
        let dir = tempfile::tempdir().unwrap();
        // No process has a pid above Linux's pid_max (at most 2^22); our parent is alive.
        let dead = temp_name("a.parquet", u32::MAX - 1);
        let live_parent = temp_name("b.parquet", std::os::unix::process::parent_id());
        for name in [dead.as_str(), live_parent.as_str(), ".other.1.tmp", "keep.txt"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let _staged = Staged::new(dir.path(), SET).unwrap();
        let mut expected = vec![live_parent, ".other.1.tmp".to_string(), "keep.txt".to_string()];
        expected.sort();
        assert_eq!(names(dir.path()), expected);
    }
}
