//! Runs one benchmark process and reads its one result line.
//!
//! A run is the binary started with the workload's name as its only argument. It succeeds when
//! it exits with status 0 within [`TIME_LIMIT`] and prints `workload value unit` with the
//! expected unit; a peer may instead print `workload n/a reason` for a workload it cannot
//! express, and a binary that exits with status 2 saying `unknown workload` on stderr does not
//! have it (an older base revision): both are `n/a`. Anything else is a failed run, recorded with a short reason, and the comparison goes
//! on. The runner only waits: every binary times its own workload, so the polling below adds
//! nothing to the measurement.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::workloads::Workload;

/// A run that takes longer than this is killed and counted as failed (issue 6).
pub const TIME_LIMIT: Duration = Duration::from_secs(120);

/// How often a running child is checked for having exited.
const POLL: Duration = Duration::from_millis(5);

/// What one run produced.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The value as printed, in the workload's printed unit.
    Value(f64),
    /// The system cannot run this workload; the reason it gave.
    NotApplicable(String),
    /// The run failed or printed something unexpected; why.
    Failed(String),
    /// The run took longer than the time limit and was killed.
    TimedOut,
}

/// Runs `binary workload` once and returns what it produced.
pub fn run(binary: &Path, workload: &Workload) -> Outcome {
    let child = Command::new(binary)
        .arg(workload.name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    match child {
        Ok(child) => finish(child, workload, TIME_LIMIT),
        Err(e) => Outcome::Failed(format!("cannot start {}: {e}", binary.display())),
    }
}

/// Waits for `child` (killing it after `limit`) and parses its output.
fn finish(mut child: Child, workload: &Workload, limit: Duration) -> Outcome {
    // Both pipes are drained on threads of their own, so a chatty child never blocks on a full
    // pipe while we wait for it.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => thread::sleep(POLL),
            Err(e) => return Outcome::Failed(format!("wait: {e}")),
        }
    };
    // A killed run's pipes are not waited for: a process it started could hold them open.
    let Some(status) = status else {
        return Outcome::TimedOut;
    };
    let out = stdout.join().unwrap_or_default();
    let err = stderr.join().unwrap_or_default();
    match first_line(&err) {
        _ if status.success() => parse(&out, workload),
        // Every program says so for a workload it does not have (a base revision older than
        // the workload, say): that is no failure of a run.
        why if status.code() == Some(2) && why.starts_with("unknown workload") => {
            Outcome::NotApplicable(format!("this build has no such workload ({why})"))
        }
        why if why.is_empty() => Outcome::Failed(status.to_string()),
        why => Outcome::Failed(format!("{status}: {why}")),
    }
}

/// Reads a pipe to its end on a thread of its own.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    })
}

/// The first non-empty line of `text`, at most 120 characters; empty if there is none.
fn first_line(text: &str) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty());
    line.unwrap_or("").chars().take(120).collect()
}

/// Finds the line `workload value unit` (or `workload n/a reason`) in a run's stdout.
pub fn parse(stdout: &str, workload: &Workload) -> Outcome {
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.split_whitespace().next() == Some(workload.name));
    let Some(line) = line else {
        let seen = match first_line(stdout) {
            l if l.is_empty() => "nothing".to_string(),
            l => format!("`{l}`"),
        };
        return Outcome::Failed(format!(
            "printed no `{} VALUE UNIT` line, but {seen}",
            workload.name
        ));
    };
    let fields: Vec<&str> = line.split_whitespace().collect();
    match fields.as_slice() {
        [_, "n/a", reason @ ..] => Outcome::NotApplicable(reason.join(" ")),
        [_, value, unit] if *unit == workload.printed => match value.parse::<f64>() {
            Ok(v) if v.is_finite() => Outcome::Value(v),
            _ => Outcome::Failed(format!("not a number: {line}")),
        },
        _ => Outcome::Failed(format!(
            "expected `{} VALUE {}`, got: {line}",
            workload.name, workload.printed
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::find;

    fn sh(script: &str) -> Child {
        Command::new("sh")
            .args(["-c", script])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    #[test]
    fn results_and_failures() {
        let pingpong = find("pingpong").unwrap();
        let limit = Duration::from_secs(10);
        let ok = finish(
            sh("echo warming; echo pingpong 195.4 ns/op"),
            pingpong,
            limit,
        );
        assert!(matches!(ok, Outcome::Value(v) if v == 195.4), "{ok:?}");
        let na = finish(sh("echo pingpong n/a no such thing"), pingpong, limit);
        assert!(
            matches!(&na, Outcome::NotApplicable(why) if why == "no such thing"),
            "{na:?}"
        );
        let unit = finish(sh("echo pingpong 195.4 ms"), pingpong, limit);
        assert!(
            matches!(&unit, Outcome::Failed(why) if why.contains("expected")),
            "{unit:?}"
        );
        let status = finish(sh("echo boom >&2; exit 3"), pingpong, limit);
        assert!(
            matches!(&status, Outcome::Failed(why) if why.ends_with(": boom")),
            "{status:?}"
        );
        let unknown = finish(
            sh("echo 'unknown workload \"pingpong\"; expected one of [..]' >&2; exit 2"),
            pingpong,
            limit,
        );
        assert!(
            matches!(&unknown, Outcome::NotApplicable(why) if why.contains("no such workload")),
            "{unknown:?}"
        );
        let nan = finish(sh("echo pingpong NaN ns/op"), pingpong, limit);
        assert!(matches!(nan, Outcome::Failed(_)), "{nan:?}");
    }

    #[test]
    fn a_run_over_the_limit_is_killed() {
        let start = Instant::now();
        let late = finish(
            sh("exec sleep 30"),
            find("sieve").unwrap(),
            Duration::from_millis(200),
        );
        assert!(matches!(late, Outcome::TimedOut), "{late:?}");
        assert!(start.elapsed() < Duration::from_secs(5));
    }
}
