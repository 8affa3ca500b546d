//! The scheduler: the runtime's shared state, and where runnable tasks go.
//!
//! ```text
//!    plain threads, monitor                      coroutines on worker k      blocking pool
//!            |  go / unpark                              |  go / unpark             | call done
//!            v                                           v                          v
//!     +-------------+  steal batch      +------------------------------+
//!     |  injector   | ----------------> | processor k: runnext | queue |  <- steal half --+
//!     +-------------+  (every 61 ticks  +------------------------------+                  |
//!            |          and when idle)      | worker k runs one task at a time          other
//!            | wake one sleeper              v                                         workers
//!            +--------------------------> idle workers sleep (idle.rs): one of them in the
//!                                         net poller (poller.rs) until the next timer
//! ```
//!
//! There is one runtime per process, started on first use (like Go's). Where a task becomes
//! runnable decides how cheap the hand-off is:
//! - made runnable by a coroutine (a spawn, a channel wake-up, a join): into that worker's
//!   `runnext`, to run as soon as the current coroutine suspends, on the same core; the task it
//!   displaces moves to the back of the local queue and an idle worker is woken to steal it.
//!   Filling an empty `runnext` wakes nobody: that would cost a system call on every message of
//!   a ping-pong (the monitor rescues the task if its worker gets stuck, see `worker.rs`);
//! - made runnable elsewhere (a plain thread, the monitor): into the global injector, and one
//!   idle worker is woken at once;
//! - a coroutine whose blocking call finished: into `runnext` of the processor it ran on, and
//!   that processor's worker is woken if it sleeps (offset's requeue at the front).
//!
//! # Timers
//!
//! Timers are fired by whoever finds them due (see `timer.rs`): the worker sleeping in the
//! poller wakes at the earliest deadline; awake workers look every [`GLOBAL_QUEUE_INTERVAL`]
//! ticks and before they sleep; the monitor looks every few milliseconds while all workers are
//! busy. A timer set earlier than the poller's timeout notifies the poller; if nobody sleeps in
//! the poller, it wakes an idle worker, which will.
//!
//! [`GLOBAL_QUEUE_INTERVAL`]: super::worker

use std::sync::OnceLock;

use crossbeam_deque::{Injector, Steal, Worker as LocalQueue};

use std::time::Instant;

use super::blocking::BlockingPool;
use super::config;
use super::context;
use super::idle::Idle;
use super::monitor::Monitor;
use super::poller::NetPoller;
use super::processor::Processor;
use super::stack::StackPool;
use super::task::Task;
use super::timer::{Action, TimerHandle, Timers};
use super::worker;
use crate::loom::sync::Arc;
use crate::loom::thread;

/// The runtime's shared state. Lives for the rest of the process once started.
#[derive(Debug)]
pub(crate) struct Scheduler {
    /// Tasks made runnable outside the workers.
    pub(crate) injector: Injector<Arc<Task>>,
    /// One per worker, by index.
    pub(crate) processors: Box<[Processor]>,
    /// Sleeping and searching workers.
    pub(crate) idle: Idle,
    /// The stall watch.
    pub(crate) monitor: Monitor,
    /// Pending timers.
    pub(crate) timers: Timers,
    /// Sockets, and the idle worker waiting for them.
    pub(crate) poller: NetPoller,
    /// Threads for blocking calls.
    pub(crate) blocking: BlockingPool,
    /// Coroutine stacks.
    pub(crate) stacks: StackPool,
}

static SCHEDULER: OnceLock<&'static Scheduler> = OnceLock::new();

/// The runtime, started on first call.
pub(crate) fn get() -> &'static Scheduler {
    SCHEDULER.get_or_init(start)
}

fn start() -> &'static Scheduler {
    let settings = config::take_settings();
    let queues: Vec<LocalQueue<Arc<Task>>> = (0..settings.workers)
        .map(|_| LocalQueue::new_fifo())
        .collect();
    let sched: &'static Scheduler = Box::leak(Box::new(Scheduler {
        injector: Injector::new(),
        processors: queues.iter().map(|q| Processor::new(q.stealer())).collect(),
        idle: Idle::new(settings.workers),
        monitor: Monitor::default(),
        timers: Timers::default(),
        poller: NetPoller::new().expect("offshoot: cannot create the net poller"),
        blocking: BlockingPool::new(settings.blocking_threads, settings.blocking_keep_alive),
        stacks: StackPool::new(
            settings.stack_size,
            settings.max_coroutines,
            settings.workers,
        ),
    }));
    for (index, queue) in queues.into_iter().enumerate() {
        thread::Builder::new()
            .name(format!("offshoot-worker-{index}"))
            .spawn(move || worker::run(sched, index, queue))
            .expect("offshoot: cannot start a worker thread");
    }
    thread::Builder::new()
        .name("offshoot-monitor".into())
        .spawn(move || sched.monitor.run(sched))
        .expect("offshoot: cannot start the monitor thread");
    sched
}

impl Scheduler {
    /// Makes `task` runnable: on this worker's processor if called on a worker, else globally.
    pub(crate) fn schedule(&self, task: Arc<Task>) {
        let worker = context::current_worker();
        if worker.is_null() {
            self.injector.push(task);
            self.wake_worker();
        } else {
            // SAFETY: a non-null current worker lives on this thread's stack for as long as the
            // thread runs (see `context.rs`); we use it now, on this thread, and keep nothing.
            unsafe { (*worker).push_runnext(task) };
        }
    }

    /// Makes many tasks runnable at once, in order: at the back of this worker's queue (or the
    /// global one off the workers), with one wake-up for the lot.
    pub(crate) fn schedule_all(&self, tasks: Vec<Arc<Task>>) {
        let worker = context::current_worker();
        if worker.is_null() {
            for task in tasks {
                self.injector.push(task);
            }
            self.wake_worker();
        } else {
            // SAFETY: as in `schedule`.
            unsafe { (*worker).push_all(tasks) };
        }
    }

    /// Makes `task` runnable next on processor `index`, from any thread. The task it displaces
    /// goes to the global queue (only the owner pushes to a processor's own queue).
    pub(crate) fn schedule_to(&self, index: usize, task: Arc<Task>) {
        if let Some(old) = self.processors[index].runnext.put(task) {
            self.injector.push(old);
            self.wake_worker();
        }
        if self.idle.wake_worker(index, || self.poller.notify()) {
            self.monitor.worker_woke();
        }
    }

    /// Wakes an idle worker if none is searching. Call after publishing stealable work.
    pub(crate) fn wake_worker(&self) {
        if self.idle.wake_one(|| self.poller.notify()) {
            self.monitor.worker_woke();
        }
    }

    /// Sets a timer, and makes sure someone will fire it: see the module docs.
    pub(crate) fn add_timer(&self, deadline: Instant, action: Action) -> TimerHandle {
        let (timer, earliest) = self.timers.insert(deadline, action);
        if earliest {
            if self.poller.is_blocked() {
                self.poller.notify();
            } else {
                self.wake_worker();
            }
        }
        timer
    }

    /// True if a sleeping worker could find something to run: the global queue or any
    /// processor's run queue holds a task. (`runnext` slots are left to the monitor: a thief
    /// takes them only from a stuck processor.)
    pub(crate) fn has_stealable_work(&self) -> bool {
        !self.injector.is_empty() || self.processors.iter().any(|p| !p.stealer.is_empty())
    }

    /// Takes a task from the global queue, moving a batch more into `queue`.
    pub(crate) fn take_global(&self, queue: &LocalQueue<Arc<Task>>) -> Option<Arc<Task>> {
        loop {
            match self.injector.steal_batch_and_pop(queue) {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => std::hint::spin_loop(),
            }
        }
    }
}
