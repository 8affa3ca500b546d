//! The monitor thread's watch: rescues work stranded behind a stuck worker, and backs up timers and the
//! poller while every worker is busy.
//!
//! Like Go's `sysmon`, one background thread outside the processors does the chores that cannot
//! wait for a worker to reach a scheduling point. Every [`STALL_INTERVAL`] while some worker is
//! awake:
//! - **Stall watch.** To keep channel hand-offs cheap, a coroutine made runnable by another goes
//!   to the waker's own processor without waking an idle worker (see `worker.rs`). If the worker
//!   then stays inside one coroutine for long (a long computation, a blocking system call), those
//!   tasks would wait. The monitor looks for a processor that has queued tasks and has not picked
//!   a new task since its last look, and wakes an idle worker to steal them. Only coroutines that
//!   have not started can move (see `task.rs`); the started ones wait for their worker.
//! - **Spares.** If every worker thread is stuck so and work that may move waits, it starts a
//!   spare worker to take it (`spares.rs`).
//! - **Load.** It marks a processor *saturated* if its worker never ran out of tasks since the
//!   last look (Go's sysmon reads each P's `schedtick` the same way). A coroutine spawned on a
//!   saturated worker starts on another (see `scheduler.rs`).
//! - **Timers.** Workers fire due timers at scheduling points; a coroutine that computes for long
//!   delays that on its worker, so the monitor fires what is due too.
//! - **Sockets.** If coroutines wait on sockets and no worker sleeps in the poller, the monitor
//!   asks the next scheduling point to poll, so a busy runtime does not starve its network.
//! - **Stacks.** It unmaps the stacks the pool had no room for, off the workers' path: all at
//!   once when the runtime is idle, and while it is busy only a backlog beyond the pool's size,
//!   a few at a time (Go's scavenger returns memory gradually too).
//!
//! - **Stall report.** A worker held by one coroutine for longer than `Config::stall_report`
//!   while others wait for it is reported once (`stall_report.rs`).
//! - **Deadlocks.** While every worker sleeps and a caller of `run` waits, it looks every
//!   [`deadlock::CONFIRM`] (backing off to a few seconds while the process is plainly not
//!   quiet) for a process that can no longer make progress (`deadlock.rs`).
//!
//! When every worker sleeps there is nothing to watch, and the monitor sleeps until one wakes
//! (see `monitor.rs`), or, while someone waits in `run`, until the next look of the deadlock
//! watch.

use std::io::Write;
use std::time::Instant;

use super::deadlock;
use super::scheduler::Scheduler;
use super::stack::MAX_POOLED;
use super::stall_report::StallReports;
use super::wait;
use super::worker;
use crate::loom::sync::atomic::Ordering;
use crate::loom::thread;

/// How often the monitor looks, and so the longest a stranded task waits for a thief.
pub(crate) const STALL_INTERVAL: std::time::Duration = std::time::Duration::from_millis(10);

/// Stacks unmapped per watch while workers run and more than [`MAX_POOLED`] wait (6,400 a
/// second): few enough that the TLB flushes cost the workers little; the rest go as soon as the
/// runtime is idle.
const STACKS_FREED_PER_WATCH: usize = 64;

/// The monitor thread's loop. Never returns.
pub(crate) fn run(sched: &'static Scheduler) -> ! {
    let monitor = &sched.monitor;
    let workers = sched.processors.len();
    let all_asleep = || sched.all_asleep();
    let mut last_ticks = vec![0u64; workers];
    let mut last_run_outs = vec![0u64; workers];
    let mut deadlocks = deadlock::Watch::default();
    let mut stalls = StallReports::new(monitor.stall_report, workers);
    loop {
        if all_asleep() {
            sched.stacks.free_retired(0, usize::MAX);
        }
        // While everyone sleeps and `run` waits, look again after a while (`deadlock.rs`).
        let deadlock_look =
            (monitor.deadlock_report && deadlock::anyone_in_run()).then(|| deadlocks.interval());
        monitor.sleep(all_asleep, Instant::now() + STALL_INTERVAL, deadlock_look);
        wait::refresh_coarse_clock();
        if monitor.deadlock_report && all_asleep() {
            deadlocks.look(sched);
        } else {
            deadlocks.reset();
        }
        watch_stalls(sched, &mut last_ticks);
        start_spare_if_all_stuck(sched);
        stalls.look(sched);
        watch_load(sched, &mut last_run_outs);
        sched.timers.fire_due();
        sched
            .stacks
            .free_retired(MAX_POOLED, STACKS_FREED_PER_WATCH);
        if sched.poller.has_waiters() && !sched.poller.is_blocked() {
            sched.poller.request_poll();
        }
    }
}

/// Marks as stuck every processor whose worker is awake and has picked no task since the last
/// look although tasks wait for it, and wakes a worker for each that holds stealable ones.
/// (A worker idle in the poller picks nothing either, but nothing waits for it.)
fn watch_stalls(sched: &Scheduler, last_ticks: &mut [u64]) {
    let processors = sched.processors.iter().zip(last_ticks.iter_mut());
    for (index, (processor, last)) in processors.enumerate() {
        let ticks = processor.ticks();
        let picked_none = ticks == *last;
        let queued = processor.has_queued();
        let stuck =
            picked_none && (queued || !processor.inbox.is_empty()) && !sched.idle.is_asleep(index);
        processor.stuck.store(stuck, Ordering::Relaxed);
        if picked_none && queued {
            sched.wake_worker();
        }
        *last = ticks;
    }
}

/// Starts a spare worker (`spares.rs`) if some processor holds work that may move (a coroutine
/// not started yet, or that migrates, in its run queue or `runnext`; or the global queue holds
/// some) and every worker thread running is stuck, so that none will come for it. One spare per
/// look at most.
fn start_spare_if_all_stuck(sched: &'static Scheduler) {
    let running = |i: usize| i < sched.workers || sched.spares.in_use(i);
    let slots = 0..sched.processors.len();
    let all_stuck = slots
        .clone()
        .filter(|&i| running(i))
        .all(|i| sched.processors[i].is_stuck());
    if !all_stuck {
        return;
    }
    let movable = !sched.injector.is_empty()
        || slots
            .filter(|&i| running(i))
            .any(|i| sched.processors[i].has_queued());
    if !movable {
        return;
    }
    let Some((index, queue)) = sched.spares.take_slot() else {
        return; // every spare slot is in use
    };
    let started = thread::Builder::new()
        .name(format!("offshoot-spare-{index}"))
        .spawn(move || worker::run_spare(sched, index, queue));
    if let Err(err) = started {
        // The slot's queue went with the closure: one spare slot fewer from now on.
        let _ = writeln!(
            std::io::stderr(),
            "offshoot: cannot start a spare worker: {err}"
        );
    }
}

/// Marks as saturated every processor whose worker has not run out of tasks since the last look
/// and is awake now; clears the mark of the others.
fn watch_load(sched: &Scheduler, last_run_outs: &mut [u64]) {
    let processors = sched.processors.iter().zip(last_run_outs.iter_mut());
    for (index, (processor, last)) in processors.enumerate() {
        let run_outs = processor.run_outs.load(Ordering::Relaxed);
        let saturated = run_outs == *last && !sched.idle.is_asleep(index);
        processor.saturated.store(saturated, Ordering::Relaxed);
        *last = run_outs;
    }
}
