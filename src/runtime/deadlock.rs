//! The deadlock report: `run` panics with `all coroutines are asleep - deadlock!` and the
//! coroutine dump when nothing in the process can ever wake the coroutine it waits for, as Go's
//! runtime stops a program whose goroutines all wait.
//!
//! # The rule
//!
//! Go sees every goroutine and every thread that runs Go code, so it knows when none can run.
//! offshoot shares its process with plain threads it knows nothing of, which may send on a
//! channel at any time. So the monitor reports a deadlock only when it can account for every
//! thread of the process, and all of it is quiet. All of these must hold:
//! 1. a thread (or coroutine) waits in [`run`](crate::run) for its main coroutine: the report
//!    goes there, and a process with no `run` is never reported;
//! 2. every worker is asleep, every live coroutine has started, and every one is parked on
//!    something only another coroutine or thread can end (a channel, a lock, a wait group, a
//!    join);
//! 3. no timer is set (a sleep, a ticker, a timeout, even one nobody listens to) or being fired,
//!    no coroutine waits on a socket, and the blocking pool runs and queues nothing;
//! 4. the threads the kernel lists for the process (`/proc/self/task`) are exactly the workers
//!    (the spares running included, each counted only while its thread exists),
//!    the monitor, the blocking pool's idle threads, the `SIGQUIT` dumper if enabled, and the plain threads parked in offshoot
//!    with no deadline (`thread_parker.rs`, whose count never exceeds the truth). One thread
//!    more, whatever it is doing (computing, reading stdin, waiting on a std lock or the test
//!    harness's channel), could still act, and there is no report;
//! 5. all of the above held at two looks [`CONFIRM`] apart, with no task picked by any worker,
//!    no coroutine spawned and no plain thread woken in between, and nothing else changed.
//!
//! Each look reads its counters one after another, not at one instant; the second look, and the
//! counters of progress that only grow, are what make a torn first look harmless: anything that
//! was in motion during it picks a task, wakes a thread or changes a count before the second.
//!
//! The rule errs towards silence: a program whose other threads are idle forever outside
//! offshoot (a logger thread, the test harness's main thread) is never reported. Turn the
//! report off with `Config::deadlock_report(false)` or `OFFSHOOT_DEADLOCK_REPORT=0`.

use std::fmt::Write;
use std::time::Duration;

use super::dump;
use super::scheduler::Scheduler;
use super::thread_parker;
use super::unparker::Unparker;
use crate::loom::sync::{Arc, Mutex};

/// How long the runtime must stay quiet, between two looks, before it is reported.
pub(crate) const CONFIRM: Duration = Duration::from_millis(100);

/// The longest the watch waits between looks while every worker sleeps but the process is not
/// quiet (another thread exists, a timer is set): it backs off from [`CONFIRM`] to this, so an
/// idle server costs a wake-up every few seconds, not ten a second.
const LONGEST_LOOK_INTERVAL: Duration = Duration::from_millis(3200);

/// A caller of `run`, waiting for its main coroutine.
#[derive(Debug)]
pub(crate) struct RunWaiter {
    waker: Unparker,
    /// Set by the monitor, which then wakes the waiter.
    report: Mutex<Option<String>>,
}

/// The callers of `run` waiting now.
static RUN_WAITERS: Mutex<Vec<Arc<RunWaiter>>> = Mutex::new(Vec::new());

/// Registers a caller of `run`, whom `waker` wakes, as waiting until the returned guard drops.
pub(crate) fn waiting_in_run(waker: Unparker) -> RunGuard {
    let waiter = Arc::new(RunWaiter {
        waker,
        report: Mutex::new(None),
    });
    RUN_WAITERS.lock().push(waiter.clone());
    RunGuard(waiter)
}

/// A registration of `waiting_in_run`.
#[derive(Debug)]
pub(crate) struct RunGuard(Arc<RunWaiter>);

impl RunGuard {
    /// The deadlock report, if the monitor filed one for this caller.
    pub(crate) fn report(&self) -> Option<String> {
        self.0.report.lock().take()
    }
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        RUN_WAITERS.lock().retain(|w| !Arc::ptr_eq(w, &self.0));
    }
}

/// True if some caller waits in `run` (the watch has someone to report to).
pub(crate) fn anyone_in_run() -> bool {
    !RUN_WAITERS.lock().is_empty()
}

/// What one look saw: every count that must not move between the two looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Look {
    ticks: u64,
    spawned: u64,
    thread_wakes: u64,
    coroutines: usize,
    threads: usize,
    parked_threads: usize,
    spares: usize,
}

/// The monitor's deadlock watch: the quiet look it saw last, if any, and how long to wait
/// before the next.
#[derive(Debug)]
pub(crate) struct Watch {
    last: Option<Look>,
    interval: Duration,
}

impl Default for Watch {
    fn default() -> Watch {
        Watch {
            last: None,
            interval: CONFIRM,
        }
    }
}

impl Watch {
    /// One look, called by the monitor while every worker sleeps and someone waits in `run`.
    /// Reports when two looks in a row, [`CONFIRM`] apart, are quiet and equal.
    pub(crate) fn look(&mut self, sched: &Scheduler) {
        let look = quiet_look(sched);
        let confirmed = look.is_some() && look == self.last;
        self.interval = if look.is_some() {
            CONFIRM
        } else {
            (self.interval * 2).min(LONGEST_LOOK_INTERVAL)
        };
        self.last = look;
        if confirmed {
            self.last = None;
            report(sched);
        }
    }

    /// Forgets the last look: the runtime is busy.
    pub(crate) fn reset(&mut self) {
        self.last = None;
        self.interval = CONFIRM;
    }

    /// How long the monitor may sleep before the next look.
    pub(crate) fn interval(&self) -> Duration {
        self.interval
    }
}

/// A look at the runtime, if it is quiet by rules 1 to 4.
fn quiet_look(sched: &Scheduler) -> Option<Look> {
    if !anyone_in_run() || !sched.all_asleep() {
        return None;
    }
    let workers = sched.active_workers();
    let ticks = sched.processors.iter().map(|p| p.ticks()).sum();
    let spares = sched.spares.running();
    let spawned = super::task::spawned();
    let thread_wakes = thread_parker::wakes();
    let timers = sched.timers.next_deadline().is_some() || sched.timers.is_firing();
    if timers || sched.poller.has_waiters() {
        return None;
    }
    let pool_threads = sched.blocking.quiet_threads()?;
    let mut coroutines = 0;
    let mut all_stuck = true;
    sched.registry.for_each(|task| {
        coroutines += 1;
        all_stuck &= task.is_parked() && task.last_wait().0.needs_a_peer();
    });
    let parked_threads = thread_parker::parked_forever();
    let threads = process_threads()?;
    let known = workers + 1 + super::sigquit::threads() + pool_threads + parked_threads;
    let all_listed = sched.stacks.live() == coroutines;
    let quiet = all_stuck && all_listed && threads == known && sched.all_asleep();
    quiet.then_some(Look {
        ticks,
        spawned,
        thread_wakes,
        coroutines,
        threads,
        parked_threads,
        spares,
    })
}

/// The threads the kernel lists for this process, or `None` if it cannot be read.
fn process_threads() -> Option<usize> {
    Some(std::fs::read_dir("/proc/self/task").ok()?.count())
}

/// Files the report with every caller of `run`, and wakes them.
fn report(sched: &Scheduler) {
    let mut text = String::from("all coroutines are asleep - deadlock!\n\n");
    text.push_str(&dump::text(sched));
    let threads = thread_parker::parked_forever();
    let _ = write!(
        text,
        "\nplain threads parked in offshoot with no deadline: {threads}\n(Config::deadlock_report \
         or OFFSHOOT_DEADLOCK_REPORT=0 turns this report off)"
    );
    let waiters = RUN_WAITERS.lock().clone();
    for waiter in waiters {
        *waiter.report.lock() = Some(text.clone());
        waiter.waker.unpark();
    }
}
