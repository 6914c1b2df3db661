//! How much memory this process may use: the tighter of `--memory-limit` and the cgroup's
//! limit (a container's or a systemd unit's); none known when neither is set.

use std::path::{Path, PathBuf};

/// A memory limit and where it comes from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryLimit {
    pub bytes: u64,
    pub source: String,
}

/// The tighter of `--memory-limit` and the limit of this process's cgroup and its parents: a
/// flag cannot give the run more than the kernel will.
pub fn memory_limit(flag: Option<&str>) -> Result<Option<MemoryLimit>, String> {
    let flag = match flag {
        Some(text) => {
            let bytes = parse_size(text).map_err(|e| format!("--memory-limit {text:?}: {e}"))?;
            Some(MemoryLimit { bytes, source: format!("--memory-limit {text}") })
        }
        None => None,
    };
    let cgroup = cgroup_limit(Path::new("/proc/self/cgroup"), Path::new("/sys/fs/cgroup"));
    Ok([flag, cgroup].into_iter().flatten().min_by_key(|limit| limit.bytes))
}

/// Parses `400M`, `2G`, `1.5GiB`, `512MB`, `1000000` (bytes). K, M, G and T are powers of
/// 1024 with or without `iB` (as `ulimit`, Docker and Kubernetes' `Mi`/`Gi` use them); `KB`,
/// `MB`, `GB`, `TB` are powers of 1000.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().map_err(|_| "not a size such as 400M, 2G or 1.5GiB".to_string())?;
    let scale: f64 = match unit.trim() {
        "" | "B" => 1.0,
        "K" | "k" | "Ki" | "KiB" => 1024.0,
        "M" | "Mi" | "MiB" => 1024.0 * 1024.0,
        "G" | "Gi" | "GiB" => 1024.0 * 1024.0 * 1024.0,
        "T" | "Ti" | "TiB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        "KB" | "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        other => return Err(format!("unknown unit {other:?}; use K, M, G or T (powers of 1024), or KB, MB, GB")),
    };
    let bytes = number * scale;
    if !(bytes >= 1.0 && bytes < 2f64.powi(63)) {
        return Err("must be at least one byte".into());
    }
    Ok(bytes as u64)
}

/// The tightest memory limit of the cgroup listed in `proc_cgroup` (`/proc/self/cgroup`) and
/// of its parents, under the cgroup file system mounted at `root`: `memory.max` (cgroup v2),
/// or `memory.limit_in_bytes` (cgroup v1, where "no limit" is a huge number).
pub fn cgroup_limit(proc_cgroup: &Path, root: &Path) -> Option<MemoryLimit> {
    let listing = std::fs::read_to_string(proc_cgroup).ok()?;
    let mut best: Option<MemoryLimit> = None;
    for line in listing.lines() {
        let mut fields = line.splitn(3, ':');
        let (_, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
        let (base, file): (PathBuf, &str) = if controllers.is_empty() {
            (root.to_path_buf(), "memory.max")
        } else if controllers.split(',').any(|c| c == "memory") {
            (root.join("memory"), "memory.limit_in_bytes")
        } else {
            continue;
        };
        let mut dir = base.join(path.trim_start_matches('/'));
        loop {
            let candidate = dir.join(file);
            if let Some(bytes) = std::fs::read_to_string(&candidate).ok().and_then(|t| t.trim().parse::<u64>().ok()) {
                // cgroup v1 writes "no limit" as the largest page-aligned i64.
                if bytes < (1 << 62) && best.as_ref().is_none_or(|b| bytes < b.bytes) {
                    best = Some(MemoryLimit { bytes, source: format!("the cgroup limit in {}", candidate.display()) });
                }
            }
            if dir == base || !dir.pop() {
                break;
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_the_units_people_write() {
        assert_eq!(parse_size("400M"), Ok(400 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size("512MB"), Ok(512_000_000));
        assert_eq!(parse_size("1000000"), Ok(1_000_000));
        for bad in ["", "M", "-1G", "0", "2X", "1.2.3G"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_tightest_cgroup_limit_of_the_process_and_its_parents() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("cgroup");
        let leaf = root.join("system.slice/job.service");
        std::fs::create_dir_all(&leaf).unwrap();
        std::fs::write(root.join("system.slice/memory.max"), "1073741824\n").unwrap();
        std::fs::write(leaf.join("memory.max"), "max\n").unwrap();
        let proc = dir.path().join("cgroup-list");
        std::fs::write(&proc, "0::/system.slice/job.service\n").unwrap();
        let limit = cgroup_limit(&proc, &root).unwrap();
        assert_eq!(limit.bytes, 1 << 30);
        assert!(limit.source.ends_with("system.slice/memory.max"), "{}", limit.source);

        // No limit anywhere ("max"), and cgroup v1's "no limit".
        std::fs::write(root.join("system.slice/memory.max"), "max\n").unwrap();
        assert_eq!(cgroup_limit(&proc, &root), None);
        let v1 = root.join("memory/job");
        std::fs::create_dir_all(&v1).unwrap();
        std::fs::write(v1.join("memory.limit_in_bytes"), "9223372036854771712\n").unwrap();
        std::fs::write(&proc, "4:memory:/job\n").unwrap();
        assert_eq!(cgroup_limit(&proc, &root), None);
        std::fs::write(v1.join("memory.limit_in_bytes"), "536870912\n").unwrap();
        assert_eq!(cgroup_limit(&proc, &root).map(|l| l.bytes), Some(512 << 20));
    }
}
