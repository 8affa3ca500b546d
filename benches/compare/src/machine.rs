//! What the page says about the run: the machine, the toolchain, offshoot's commit, the date.
//!
//! Everything is read from /proc, from `rustc`/`git`, or computed from the system clock, with
//! nothing but std; whatever cannot be read is shown as `unknown`.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::systems::output;

/// The machine a comparison ran on.
#[derive(Debug)]
pub struct Machine {
    /// Processors this process may run on, as `nproc` counts them.
    pub cores: usize,
    /// The `model name` of /proc/cpuinfo.
    pub cpu: String,
    /// The kernel release.
    pub kernel: String,
    /// Total memory, from /proc/meminfo.
    pub memory: String,
    /// `rustc --version`.
    pub rustc: String,
}

impl Machine {
    /// Reads the machine's description.
    pub fn read() -> Machine {
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
        Machine {
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu: field(&cpuinfo, "model name").unwrap_or_else(|| "unknown CPU".into()),
            kernel: fs::read_to_string("/proc/sys/kernel/osrelease")
                .map_or_else(|_| "unknown".into(), |k| k.trim().to_string()),
            memory: field(&meminfo, "MemTotal").map_or_else(|| "unknown".into(), gib),
            rustc: output(Command::new("rustc").arg("--version"))
                .unwrap_or_else(|_| "unknown".into()),
        }
    }

    /// A short description for titles: `2 cores, AMD EPYC`.
    pub fn short(&self) -> String {
        format!("{} cores, {}", self.cores, self.cpu)
    }
}

/// The value of the first `key: value` line of a /proc file.
fn field(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_string())
    })
}

/// `16384256 kB` as `15.6 GiB`.
fn gib(kb: String) -> String {
    match kb.trim_end_matches("kB").trim().parse::<f64>() {
        Ok(kb) => format!("{:.1} GiB", kb / (1024.0 * 1024.0)),
        Err(_) => kb,
    }
}

/// offshoot's commit, `e23f969`, with `+ uncommitted changes` when tracked files (other than
/// the pages this runner writes) differ from it.
pub fn offshoot_commit(root: &Path) -> String {
    let git = |args: &[&str]| output(Command::new("git").args(args).current_dir(root));
    let Ok(commit) = git(&["rev-parse", "--short", "HEAD"]) else {
        return "(not a git checkout)".into();
    };
    let status = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no", "--", "."])
        .args([
            ":(exclude)docs/benchmarks.md",
            ":(exclude)docs/benchmarks.svg",
        ])
        .current_dir(root)
        .output();
    match status {
        Ok(s) if s.status.success() && !s.stdout.is_empty() => {
            format!("{commit} + uncommitted changes")
        }
        _ => commit,
    }
}

/// The current UTC time as `2026-11-23 17:29 UTC`.
pub fn now_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    )
}

/// Days since 1970-01-01 to (year, month, day), Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_780), (2026, 11, 23));
    }
}
