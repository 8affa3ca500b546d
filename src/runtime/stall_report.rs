//! The stall report: a worker held by one coroutine for long, while others wait for it.
//!
//! A started coroutine keeps its thread (see `task.rs`), so when one computes for long, or
//! blocks its thread in a call the runtime was not told about (`std::thread::sleep`, a blocking
//! driver), the coroutines homed on the same worker cannot run anywhere else: they wait. The
//! monitor moves what may move (coroutines not started yet go to other workers, see
//! `monitor.rs`) and reports the rest here, once per stall, naming the coroutine and saying how
//! to fix it:
//!
//! ```text
//! offshoot: worker 0 has been running coroutine 17 "crunch" (started at src/main.rs:10:5) for
//! 120 ms without parking; 12 coroutines are waiting for it. ...
//! ```
//!
//! Every look is the monitor's: the worker itself publishes only which coroutine it runs and
//! since when (`Processor::running`), two relaxed stores per switch.

use std::time::Duration;

use super::scheduler::Scheduler;
use super::wait;

/// Per worker: the stall reported last (the coroutine and when it was resumed), and when the
/// waiting coroutines were last counted for the current one.
#[derive(Debug)]
pub(crate) struct StallReports {
    after: Option<Duration>,
    reported: Vec<(u64, u32)>,
    counted: Vec<(u64, u32, u32)>,
}

impl StallReports {
    /// Reports stalls longer than `after` (never if `None`) on `workers` workers.
    pub(crate) fn new(after: Option<Duration>, workers: usize) -> StallReports {
        StallReports {
            after,
            reported: vec![(0, 0); workers],
            counted: vec![(0, 0, 0); workers],
        }
    }

    /// One look at every worker; prints a report for each new stall with coroutines waiting.
    pub(crate) fn look(&mut self, sched: &Scheduler) {
        let Some(after) = self.after else { return };
        let after_ms = after.as_millis().min(u128::from(u32::MAX)) as u32;
        let now = wait::precise_now();
        for (index, processor) in sched.processors.iter().enumerate() {
            let (id, since) = processor.running();
            let held_for = now.wrapping_sub(since);
            if id == 0 || held_for < after_ms || self.reported[index] == (id, since) {
                continue;
            }
            // Counting walks the registry: at most once per `after` for one stall.
            let (last_id, last_since, last_count) = self.counted[index];
            if (last_id, last_since) == (id, since) && now.wrapping_sub(last_count) < after_ms {
                continue;
            }
            self.counted[index] = (id, since, now);
            if let Some(text) = stall_text(sched, index, id, held_for) {
                self.reported[index] = (id, since);
                eprintln!("{text}");
            }
        }
    }
}

/// The report for worker `index` held by coroutine `id` for `held_for` ms, or `None` if no
/// coroutine waits for that worker (or the coroutine has moved on).
fn stall_text(sched: &Scheduler, index: usize, id: u64, held_for: u32) -> Option<String> {
    // With one worker every runnable coroutine waits for it; with more, those homed on it (the
    // others, not started yet, go to other workers).
    let alone = sched.processors.len() == 1;
    let mut waiting = 0;
    let mut holder = None;
    sched.registry.for_each(|task| {
        if task.id() == id {
            holder = Some((task.name().map(str::to_owned), task.started_at()));
        } else if !task.is_parked() && (alone || task.home() == Some(index)) {
            waiting += 1;
        }
    });
    let (name, started_at) = holder?;
    if waiting == 0 || sched.processors[index].running().0 != id {
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
