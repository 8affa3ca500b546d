//! The stall report: a worker held by one coroutine for long, while others wait for it.
//!
//! A started coroutine keeps its thread (see `task.rs`), so when one computes for long, or
//! blocks its thread in a call the runtime was not told about (`std::thread::sleep`, a blocking
//! driver), the coroutines homed on the same worker cannot run anywhere else: they wait. The
//! monitor moves what may move (coroutines not started yet go to other workers, see
//! `watch.rs`) and reports the rest here, once per stall, naming the coroutine and saying how
//! to fix it (once per coroutine, and at most a few times per process):
//!
//! ```text
//! offshoot: worker 0 has been running coroutine 17 "crunch" (started at src/main.rs:10:5) for
//! 120 ms without parking; 12 coroutines are waiting for it. ...
//! ```
//!
//! Every look is the monitor's: the worker itself publishes only which coroutine it runs
//! (`Processor::running`) and its tick count, relaxed stores it makes anyway at each switch;
//! the monitor times a stall from the first look that saw the same pair.

use std::io::Write;
use std::time::Duration;

use super::scheduler::Scheduler;
use super::wait;

/// What the monitor last saw of one worker.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Seen {
    /// The worker's tick count and running coroutine: a stall lasts while neither changes.
    ticks: u64,
    running: u64,
    /// When (`wait::precise_now`) the monitor first saw this pair.
    since: u32,
    /// When it last counted the coroutines waiting, during this stall.
    counted: Option<u32>,
    /// True once this stall is reported.
    reported: bool,
}

/// The most stall reports a process prints; the last says that no more will come. A program
/// that stalls its workers all the time is told enough by then, and stderr is not flooded.
const MOST_REPORTS: usize = 16;

/// The coroutines already reported that are remembered, so that one that stalls again (a long
/// computation that yields now and then) is not reported again.
const REMEMBERED: usize = 256;

/// The stall watch: what the monitor saw of each worker.
#[derive(Debug)]
pub(crate) struct StallReports {
    after: Option<Duration>,
    seen: Vec<Seen>,
    /// Coroutines reported, the latest last.
    reported: std::collections::VecDeque<u64>,
    /// Reports printed.
    printed: usize,
}

impl StallReports {
    /// Reports stalls longer than `after` (never if `None`) on `workers` workers.
    pub(crate) fn new(after: Option<Duration>, workers: usize) -> StallReports {
        StallReports {
            after: after.filter(|after| !after.is_zero()),
            seen: vec![Seen::default(); workers],
            reported: std::collections::VecDeque::new(),
            printed: 0,
        }
    }

    /// One look at every worker; prints a report for each new stall with coroutines waiting.
    /// A stall is timed from the first look that saw it, so it may have begun up to one
    /// monitor interval earlier.
    pub(crate) fn look(&mut self, sched: &Scheduler) {
        let Some(after) = self.after.filter(|_| self.printed < MOST_REPORTS) else {
            return;
        };
        let after_ms = after.as_millis().min(u128::from(u32::MAX)) as u32;
        let now = wait::precise_now();
        for (index, processor) in sched.processors.iter().enumerate() {
            let (ticks, running) = (processor.ticks(), processor.running());
            let seen = &mut self.seen[index];
            if (seen.ticks, seen.running) != (ticks, running) {
                *seen = Seen {
                    ticks,
                    running,
                    since: now,
                    ..Seen::default()
                };
                continue;
            }
            let held_for = now.wrapping_sub(seen.since);
            // Counting walks the registry: at most once per `after` for one stall.
            let counted_lately = seen
                .counted
                .is_some_and(|at| now.wrapping_sub(at) < after_ms);
            if running == 0 || seen.reported || held_for < after_ms || counted_lately {
                continue;
            }
            seen.counted = Some(now);
            if self.reported.contains(&running) {
                seen.reported = true;
                continue;
            }
            if let Some(mut text) = stall_text(sched, index, running, held_for) {
                seen.reported = true;
                if self.reported.len() == REMEMBERED {
                    self.reported.pop_front();
                }
                self.reported.push_back(running);
                self.printed += 1;
                if self.printed == MOST_REPORTS {
                    text.push_str("\noffshoot: no more stall reports will be printed.");
                }
                // Never `eprintln!`: it panics if stderr is closed, and this is the monitor.
                let _ = writeln!(std::io::stderr(), "{text}");
            }
        }
    }
}

/// The report for worker `index` held by coroutine `id` for `held_for` ms, or `None` if no
/// coroutine waits for that worker (or the coroutine has moved on).
fn stall_text(sched: &Scheduler, index: usize, id: u64, held_for: u32) -> Option<String> {
    // With one worker every runnable coroutine waits for it; with more, those homed on it (the
    // others, not started yet, go to other workers).
    let alone = sched.active_workers() == 1;
    let mut waiting = 0;
    let mut holder = None;
    sched.registry.for_each(|task| {
        if task.id() == id {
            holder = Some((task.name().map(str::to_owned), task.started_at()));
        } else if !task.is_parked() && (alone || task.home() == Some(index)) {
            waiting += 1;
        }
    });
    // Not listed: it has not suspended since it started, and has no name (`registry.rs`).
    let unlisted = || Some((None, sched.processors[index].progress.started_at()?));
    let (name, started_at) = holder.or_else(unlisted)?;
    if alone {
        // Coroutines not started yet wait for it too (with more workers, they move); those
        // in `runnext` are not counted, since it may hold a listed one, counted above.
        waiting += sched.processors[index].stealer.len() + sched.injector.len();
    }
    if waiting == 0 || sched.processors[index].running() != id {
        return None;
    }
    let name = name.map(|n| format!(" {n:?}")).unwrap_or_default();
    let plural = if waiting == 1 {
        "coroutine is"
    } else {
        "coroutines are"
    };
    Some(format!(
        "offshoot: worker {index} has been running coroutine {id}{name} (started at \
         {started_at}) for {held_for} ms without parking; {waiting} {plural} waiting for it. A \
         coroutine keeps its worker thread, so one that computes for long should call \
         offshoot::yield_now() now and then, and one that makes a blocking call (a \
         std::thread::sleep, a blocking driver) should make it inside offshoot::blocking(...)."
    ))
}
