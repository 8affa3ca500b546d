//! The coroutine dump: every live coroutine, what it does and where it was started (Go's
//! traceback of all goroutines, as `SIGQUIT` or a deadlock prints it).
//!
//! ```text
//! coroutine 1 "main" [chan receive, 1520 ms]:
//!     started at src/main.rs:10:5
//! coroutine 2 [running on worker 0]:
//!     started at src/main.rs:11:5
//! ```
//!
//! Each line is read from the registry (`registry.rs`) without stopping anything, so a coroutine
//! that changes state while the dump is taken may show either state. Coroutines that have not
//! started yet are not in the registry: the dump counts them on a last line. A waiting coroutine shows
//! what it waits for and for how long, to the coarse clock's precision (`wait.rs`).
//!
//! There is no backtrace of a parked coroutine: walking another coroutine's stack would need an
//! unwinder started from a saved register set, which neither std nor the `backtrace` crate
//! offers. The start location, the wait and the coroutine's name stand in for it.

use std::fmt::Write;
use std::panic::Location;

use super::scheduler::Scheduler;
use super::task::Task;
use super::wait::{self, WaitReason};

/// What a coroutine was doing when the dump read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// On worker `k`'s thread now.
    Running(usize),
    /// Queued to run.
    Runnable,
    /// Parked for the reason, since the coarse time given.
    Waiting(WaitReason, u32),
}

/// One coroutine as the dump saw it.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) id: u64,
    pub(crate) name: Option<String>,
    pub(crate) started_at: &'static Location<'static>,
    pub(crate) state: State,
}

/// The dump's text: every started coroutine, then a count of those not started yet.
pub(crate) fn text(sched: &Scheduler) -> String {
    let entries = entries(sched);
    let mut out = format(&entries);
    // A hint: both counts move while they are read.
    let unstarted = sched.stacks.live().saturating_sub(entries.len());
    if unstarted > 0 {
        let _ = writeln!(out, "and {unstarted} coroutine(s) not started yet");
    }
    out
}

/// Every started coroutine that has not ended, in id order: those listed in the registry, and
/// those running now that are not (see `registry.rs`).
fn entries(sched: &Scheduler) -> Vec<Entry> {
    let running: Vec<u64> = sched.processors.iter().map(|p| p.running()).collect();
    let mut entries = Vec::new();
    sched
        .registry
        .for_each(|task| entries.push(entry(task, &running)));
    for (worker, processor) in sched.processors.iter().enumerate() {
        let id = running[worker];
        let Some(started_at) = processor.progress.started_at() else {
            continue;
        };
        if id != 0 && !entries.iter().any(|e| e.id == id) {
            entries.push(Entry {
                id,
                name: None, // a named coroutine is always listed
                started_at,
                state: State::Running(worker),
            });
        }
    }
    entries.sort_by_key(|e| e.id);
    entries
}

fn entry(task: &Task, running: &[u64]) -> Entry {
    // Parked first: a coroutine parked in place (while unwinding) still holds its worker.
    let state = if task.is_parked() {
        let (reason, since) = task.last_wait();
        State::Waiting(reason, since)
    } else {
        match running.iter().position(|&id| id == task.id()) {
            Some(worker) => State::Running(worker),
            None => State::Runnable,
        }
    };
    Entry {
        id: task.id(),
        name: task.name().map(str::to_owned),
        started_at: task.started_at(),
        state,
    }
}

/// Writes `entries` in the dump's format.
pub(crate) fn format(entries: &[Entry]) -> String {
    let now = wait::precise_now();
    let mut out = String::new();
    for e in entries {
        let _ = write!(out, "coroutine {}", e.id);
        if let Some(name) = &e.name {
            let _ = write!(out, " {name:?}");
        }
        let _ = match e.state {
            State::Running(worker) => write!(out, " [running on worker {worker}]"),
            State::Runnable => write!(out, " [runnable]"),
            State::Waiting(reason, since) => {
                write!(out, " [{reason}, {}]", age(now.wrapping_sub(since)))
            }
        };
        let _ = writeln!(out, ":\n    started at {}", e.started_at);
    }
    out
}

/// A wait's length for people: milliseconds below ten seconds, then seconds, then minutes.
fn age(ms: u32) -> String {
    match ms {
        0..10_000 => format!("{ms} ms"),
        10_000..120_000 => format!("{} s", ms / 1000),
        _ => format!("{} minutes", ms / 60_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_naturally() {
        assert_eq!(age(7), "7 ms");
        assert_eq!(age(12_345), "12 s");
        assert_eq!(age(3 * 60_000), "3 minutes");
    }

    #[test]
    fn the_format_names_each_state() {
        let at = Location::caller();
        let since = wait::precise_now().saturating_sub(5);
        let entries = [
            Entry {
                id: 1,
                name: Some("main".into()),
                started_at: at,
                state: State::Waiting(WaitReason::Recv, since),
            },
            Entry {
                id: 2,
                name: None,
                started_at: at,
                state: State::Running(1),
            },
            Entry {
                id: 3,
                name: None,
                started_at: at,
                state: State::Runnable,
            },
        ];
        let text = format(&entries);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("coroutine 1 \"main\" [chan receive, "));
        assert!(lines[0].ends_with(" ms]:"));
        assert_eq!(lines[1], format!("    started at {at}"));
        assert_eq!(lines[2], "coroutine 2 [running on worker 1]:");
        assert_eq!(lines[4], "coroutine 3 [runnable]:");
    }
}
