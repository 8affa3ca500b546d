//! The monitor thread: fires timers, and rescues work stranded behind a stuck worker.
//!
//! Like Go's `sysmon`, one background thread outside the processors does the chores that
//! cannot wait for a worker to reach a scheduling point:
//! - **Timers.** It sleeps on a condition variable until the earliest deadline in the timer
//!   queue, then wakes the coroutines whose timers expired (they go to the global queue), or
//!   runs their callbacks (a channel send, for `time::after`). Setting an earlier timer notifies it.
//! - **Stall watch.** To keep channel hand-offs cheap, a coroutine made runnable by another goes
//!   to the waker's own processor without waking an idle worker (see `worker.rs`). If the worker
//!   then stays inside one coroutine for long (a long computation, a blocking system call), those
//!   tasks would wait. Every [`STALL_INTERVAL`] while some worker is busy, the monitor looks for a
//!   processor that has queued tasks and has not picked a new task since its last look, and wakes
//!   an idle worker to steal them.
//!
//! When every worker sleeps there is nothing to watch: the monitor then sleeps until the next
//! timer, and a worker that wakes up pokes it (`worker_woke`), so an idle runtime costs no CPU.
//! The dormant flag is set and checked under the timer lock, and the poke takes the same lock
//! before notifying, so a poke cannot slip between the monitor's check and its wait.

use std::time::{Duration, Instant};

use super::park::Unparker;
use super::scheduler::Scheduler;
use super::timer::{Action, Fired, TimerHandle, TimerQueue};
use crate::loom::sync::atomic::{AtomicBool, Ordering};
use crate::loom::sync::{Condvar, Mutex};

/// How often the stall watch looks, and so the longest a stranded task waits for a thief.
pub(crate) const STALL_INTERVAL: Duration = Duration::from_millis(10);

/// The monitor's state: the timer queue and its wake-up.
#[derive(Debug, Default)]
pub(crate) struct Monitor {
    timers: Mutex<TimerQueue>,
    /// Notified when an earlier timer is set or a worker wakes while the monitor is dormant.
    changed: Condvar,
    /// True while the monitor sleeps with no stall watch because all workers were asleep.
    dormant: AtomicBool,
}

impl Monitor {
    /// Sets a timer that unparks `unparker` at `deadline`.
    pub(crate) fn add_timer(&self, deadline: Instant, unparker: Unparker) -> TimerHandle {
        self.add(deadline, Action::Unpark(unparker))
    }

    /// Sets a timer that calls `f` on the monitor thread at `deadline`; `f` must not block.
    pub(crate) fn call_at(
        &self,
        deadline: Instant,
        f: impl FnOnce() + Send + 'static,
    ) -> TimerHandle {
        self.add(deadline, Action::Call(Mutex::new(Some(Box::new(f)))))
    }

    fn add(&self, deadline: Instant, action: Action) -> TimerHandle {
        let mut timers = self.timers.lock();
        let earliest = timers.next_deadline().is_none_or(|next| deadline < next);
        let handle = timers.insert(deadline, action);
        if earliest {
            self.changed.notify_one();
        }
        handle
    }

    /// Cancels a timer if it has not fired.
    pub(crate) fn cancel_timer(&self, timer: &TimerHandle) {
        if timer.cancel() {
            self.timers.lock().note_cancelled();
        }
    }

    /// Called after a worker wakes up: ends a dormant wait so the stall watch resumes.
    pub(crate) fn worker_woke(&self) {
        // SeqCst pairs with the monitor's store of `dormant` and load of the sleeping count.
        if self.dormant.load(Ordering::SeqCst) {
            let _timers = self.timers.lock();
            self.changed.notify_one();
        }
    }

    /// The monitor thread's loop. Never returns.
    pub(crate) fn run(&self, sched: &Scheduler) -> ! {
        let mut fired = Vec::new();
        let mut last_ticks = vec![0u64; sched.processors.len()];
        let mut next_watch = Instant::now() + STALL_INTERVAL;
        loop {
            self.wait(sched, next_watch, &mut fired);
            for action in fired.drain(..) {
                action.run();
            }
            let now = Instant::now();
            if now >= next_watch {
                watch_stalls(sched, &mut last_ticks);
                next_watch = now + STALL_INTERVAL;
            }
        }
    }

    /// Sleeps until the next timer, or `next_watch` while any worker is awake, then collects
    /// the timers that expired.
    fn wait(&self, sched: &Scheduler, next_watch: Instant, fired: &mut Vec<Fired>) {
        let mut timers = self.timers.lock();
        self.dormant.store(true, Ordering::SeqCst);
        let watching = sched.idle.sleeping() < sched.processors.len();
        if watching {
            self.dormant.store(false, Ordering::Relaxed);
        }
        let deadline = match (timers.next_deadline(), watching) {
            (Some(t), true) => Some(t.min(next_watch)),
            (Some(t), false) => Some(t),
            (None, true) => Some(next_watch),
            (None, false) => None,
        };
        match deadline {
            Some(deadline) if deadline > Instant::now() => {
                self.changed.wait_until(&mut timers, deadline);
            }
            Some(_) => {}
            None => self.changed.wait(&mut timers),
        }
        self.dormant.store(false, Ordering::Relaxed);
        timers.expire(Instant::now(), fired);
    }
}

/// Wakes a worker for every processor that holds queued tasks but has picked none since the last look.
fn watch_stalls(sched: &Scheduler, last_ticks: &mut [u64]) {
    for (processor, last) in sched.processors.iter().zip(last_ticks.iter_mut()) {
        let ticks = processor.ticks();
        if ticks == *last && processor.has_queued() {
            sched.wake_worker();
        }
        *last = ticks;
    }
}
