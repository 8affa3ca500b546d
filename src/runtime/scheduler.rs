//! The scheduler: the runtime's shared state, and where runnable tasks go.
//!
//! ```text
//!   plain threads, monitor              coroutines on worker k            other threads: pool,
//!          |  go                            |  go / wake one of k's          poller, monitor,
//!          v                                v                                other workers
//!   +-------------+  steal batch   +------------------------------------+        |  wake one
//!   |  injector   | -------------> | processor k: runnext | queue        | <- steal half of
//!   +-------------+  (every 61     |              inbox -> woken, pinned | <------+  queue
//!          |        ticks, idle)   +------------------------------------+  (k's own coroutines)
//!          | wake one sleeper            | worker k runs one task at a time
//!          +-------------------------> idle workers sleep (idle.rs): one of them in the
//!                                      net poller (poller.rs) until the next timer
//! ```
//!
//! There is one runtime per process, started on first use (like Go's). A coroutine that has
//! started runs only on its home worker (see `task.rs`); where a task becomes runnable decides
//! how cheap the hand-off is:
//! - a new coroutine (`go`) from a coroutine: into that worker's `runnext` if it is free, to run
//!   as soon as the current coroutine suspends, on the same core; else at the back of the run
//!   queue, and an idle worker is woken, which may take it before it starts (a new coroutine
//!   does not displace a woken one, which could run nowhere else). Filling an empty `runnext`
//!   wakes nobody: that would cost a system call on every spawn (the monitor rescues a new task
//!   if its worker gets stuck, see `worker.rs`). A coroutine stays where it starts, so this is
//!   where load spreads, in two cases: if the spawner has waited on a socket (an accept loop)
//!   and its worker holds clearly more coroutines than another (`emptier_worker`), the new one
//!   is homed on the other at once and sent through its inbox (`place`); else, if the monitor
//!   found that worker saturated, the new one goes to the `runnext` of one that is not, woken
//!   if it sleeps (`hand_over`);
//! - a new coroutine from elsewhere (a plain thread): into the global injector, and one idle
//!   worker is woken at once;
//! - a coroutine woken on its home worker (a channel peer, a joiner): into `runnext`, as above;
//! - a coroutine woken anywhere else (by a coroutine on another worker, a timer fired elsewhere,
//!   the poller, a finished blocking call, a plain thread): into its home worker's inbox, which
//!   that worker takes at its next scheduling round and runs right after `runnext` (offset's
//!   requeue at the front); the home worker is woken if it sleeps;
//! - a coroutine spawned with `Builder::allow_migration` has no home and goes where a new one
//!   would.
//!
//! # Timers
//!
//! Timers are fired by whoever finds them due (see `timer.rs`): the worker sleeping in the
//! poller wakes at the earliest deadline; awake workers look at every scheduling round and
//! before they sleep; the monitor looks every few milliseconds while all workers are busy. A
//! timer set earlier than the poller's timeout notifies the poller; if nobody sleeps in the
//! poller, it wakes an idle worker, which will.

use std::time::Instant;

use crossbeam_deque::{Injector, Steal, Worker as LocalQueue};

use super::blocking_pool::BlockingPool;
use super::config::Settings;
use super::idle::Idle;
use super::monitor::Monitor;
use super::poller::NetPoller;
use super::processor::Processor;
use super::registry::Registry;
use super::spares::Spares;
use super::stack::StackPool;
use super::steal_patience;
use super::task::Task;
use super::task_cache::TaskPool;
use super::timer::{Action, TimerHandle, Timers};
use super::unparker::Ready;
use super::worker;
use crate::loom::sync::Arc;

/// How many more coroutines a worker may hold than one that holds `population` before what an
/// accept loop spawns on it starts on the other (see `Scheduler::emptier_worker`): 8, or a
/// quarter of `population` if more.
fn balance_margin(population: usize) -> usize {
    8.max(population / 4)
}

/// The runtime's shared state. Lives for the rest of the process once started.
#[derive(Debug)]
pub(crate) struct Scheduler {
    /// Tasks made runnable outside the workers.
    pub(crate) injector: Injector<Arc<Task>>,
    /// One per worker, by index: the regular workers first, then the spare slots.
    pub(crate) processors: Box<[Processor]>,
    /// The number of regular workers (`Config::workers`).
    pub(crate) workers: usize,
    /// The spare slots, after the regular workers (`spares.rs`).
    pub(crate) spares: Spares,
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
    /// Finished tasks, for reuse.
    pub(crate) tasks: TaskPool,
    /// Every coroutine that has suspended, for the dump.
    pub(crate) registry: Registry,
    /// `Config::dump_on_sigquit`: installed with the first coroutine (`spawn.rs`).
    pub(crate) dump_on_sigquit: bool,
}

impl Scheduler {
    /// The runtime's state for `settings`, and the regular workers' run queues (index by index;
    /// the spare slots keep theirs). Starts nothing: `start.rs` does.
    pub(crate) fn new(settings: &Settings) -> (Scheduler, Vec<LocalQueue<Arc<Task>>>) {
        let slots = settings.workers + Spares::slots_for(settings.workers);
        let mut queues: Vec<LocalQueue<Arc<Task>>> =
            (0..slots).map(|_| LocalQueue::new_fifo()).collect();
        let processors = queues.iter().map(|q| Processor::new(q.stealer())).collect();
        let spare_queues = queues.split_off(settings.workers);
        let sched = Scheduler {
            injector: Injector::new(),
            processors,
            workers: settings.workers,
            spares: Spares::new(settings.workers, spare_queues),
            idle: Idle::new(slots),
            monitor: Monitor::new(settings.deadlock_report, settings.stall_report),
            timers: Timers::default(),
            poller: NetPoller::new().expect("offshoot: cannot create the net poller"),
            blocking: BlockingPool::new(settings.blocking_threads, settings.blocking_keep_alive),
            stacks: StackPool::new(settings.stack_size, settings.max_coroutines, slots),
            tasks: TaskPool::default(),
            registry: Registry::new(slots),
            dump_on_sigquit: settings.dump_on_sigquit,
        };
        (sched, queues)
    }
}

impl Ready for Scheduler {
    fn ready(&self, task: Arc<Task>) {
        Scheduler::ready(self, task);
    }

    fn ready_all(&self, tasks: Vec<Arc<Task>>) {
        Scheduler::ready_all(self, tasks);
    }
}

impl Scheduler {
    /// Makes `task`, which may run on any worker (a new coroutine, or one that migrates),
    /// runnable: on this worker's processor if called on a worker, else globally.
    pub(crate) fn schedule(&self, task: Arc<Task>) {
        let worker = worker::current();
        if worker.is_null() {
            self.injector.push(task);
            self.wake_worker();
        } else {
            // SAFETY: a non-null current worker lives on this thread's stack for as long as the
            // thread runs (see `context.rs`); we use it now, on this thread, and keep nothing.
            unsafe { (*worker).push_new(task) };
        }
    }

    /// Makes `task`, just woken by the caller (who holds its run right), runnable where it may
    /// run: on its home worker, or, without a home, as [`schedule`](Self::schedule) does.
    pub(crate) fn ready(&self, task: Arc<Task>) {
        let Some(home) = task.home() else {
            return self.schedule(task);
        };
        match self.worker_here(home) {
            Some(worker) => worker.push_runnext(task),
            None => self.send_home(home, task),
        }
    }

    /// Like [`ready`](Self::ready) for many tasks at once (timers that fired together): those
    /// of this worker go after its `runnext`, in order; each other home worker is woken once;
    /// tasks without a home go to the back of a stealable queue with one wake-up for the lot.
    pub(crate) fn ready_all(&self, tasks: Vec<Arc<Task>>) {
        let mut anywhere = Vec::new();
        let mut homes_to_wake: Vec<usize> = Vec::new();
        for task in tasks {
            let Some(home) = task.home() else {
                anywhere.push(task);
                continue;
            };
            if let Some(worker) = self.worker_here(home) {
                worker.push_woken(task);
                continue;
            }
            self.hand_to_inbox(home, task);
            if !homes_to_wake.contains(&home) {
                homes_to_wake.push(home);
            }
        }
        for home in homes_to_wake {
            self.wake_home(home);
        }
        if !anywhere.is_empty() {
            self.schedule_all(anywhere);
        }
    }

    /// Hands `task`, a started coroutine of worker `home`, to that worker from another thread,
    /// and wakes it if it sleeps. The caller holds the task's run right and gives it up.
    pub(crate) fn send_home(&self, home: usize, task: Arc<Task>) {
        self.hand_to_inbox(home, task);
        self.wake_home(home);
    }

    /// A worker other than `busy` with time to spare: asleep if one is, else one the monitor did
    /// not find saturated.
    /// Regular workers only: a spare may retire at any time (see `spares.rs`).
    pub(crate) fn spare_worker(&self, busy: usize) -> Option<usize> {
        let others = || (0..self.workers).filter(move |&i| i != busy);
        others()
            .find(|&i| self.idle.is_asleep(i))
            .or_else(|| others().find(|&i| !self.processors[i].is_saturated()))
    }

    /// A worker that is not stuck and holds clearly fewer coroutines than worker `crowded`
    /// (started, or queued to start: `Processor::load`), if there is one: fewer by more than
    /// the margin (`balance_margin` of its own count). The margin lets coroutines spawned in a
    /// row start in runs on one worker, few crossings between those that talk, while
    /// connections accepted on one worker still spread. Regular workers only, as for
    /// [`spare_worker`](Self::spare_worker).
    pub(crate) fn emptier_worker(&self, crowded: usize) -> Option<usize> {
        let own = self.processors[crowded].load();
        if own <= balance_margin(0) {
            return None; // no other worker can hold fewer by more than the margin
        }
        let (index, fewest) = (0..self.workers)
            .filter(|&i| i != crowded && !self.processors[i].is_stuck())
            .map(|i| (i, self.processors[i].load()))
            .min_by_key(|&(_, load)| load)?;
        (own > fewest + balance_margin(fewest)).then_some(index)
    }

    /// True if worker `target` is not stuck and holds fewer coroutines than worker `crowded`
    /// plus the margin: the end of a run of new coroutines homed on `target` (see
    /// `Worker::spill_target`).
    pub(crate) fn takes_more(&self, target: usize, crowded: usize) -> bool {
        let target = &self.processors[target];
        let crowded = self.processors[crowded].load();
        !target.is_stuck() && target.load() < crowded + balance_margin(crowded)
    }

    /// Makes worker `target` the home of `task`, a new coroutine that does not migrate, and
    /// hands it over through the inbox: it starts there after what `target` has already woken,
    /// and counts at once in `target`'s population, so that a burst of spawns spreads instead
    /// of following one stale count. A worker the monitor found stuck is never chosen: the
    /// coroutine could start nowhere else.
    pub(crate) fn place(&self, target: usize, task: Arc<Task>) {
        // SAFETY: the spawner holds the run right of its new task, which has not started and
        // does not migrate (checked by the caller).
        unsafe { task.set_home(target) };
        self.processors[target].add_population(true);
        self.send_home(target, task);
    }

    /// Gives `task`, a coroutine that may run anywhere, to worker `target` through its
    /// `runnext`, and wakes that worker if it sleeps. What it displaces from `runnext` stays
    /// with `target` if it started there (it runs right after, from the inbox); a task that may
    /// run anywhere is given back to the caller.
    pub(crate) fn hand_over(&self, target: usize, task: Arc<Task>) -> Option<Arc<Task>> {
        debug_assert!(task.home().is_none());
        let displaced = self.processors[target].runnext.put(task);
        let back = match displaced {
            Some(old) if old.home() == Some(target) => {
                self.hand_to_inbox(target, old);
                None
            }
            other => other,
        };
        self.wake_home(target);
        back
    }

    /// Pushes `task` to worker `home`'s inbox, without waking it. The caller holds the task's
    /// run right (it woke the task, or took it from `runnext`) and gives it up.
    fn hand_to_inbox(&self, home: usize, task: Arc<Task>) {
        // SAFETY: the caller holds the run right, so the task is in no queue or inbox, and
        // nobody else pushes it until `home` runs it.
        unsafe { self.processors[home].inbox.push(task) };
    }

    /// Wakes worker `home` if it sleeps, after a push to its inbox.
    fn wake_home(&self, home: usize) {
        if self.idle.wake_worker(home, || self.poller.notify()) {
            self.monitor.worker_woke();
        }
    }

    /// This thread's worker, if this thread is worker `index`.
    fn worker_here(&self, index: usize) -> Option<&worker::Worker> {
        let worker = worker::current();
        // SAFETY: a non-null current worker lives on this thread's stack for as long as the
        // thread runs (see `context.rs`); the reference is used by the caller at once, on this
        // thread, and not kept across a switch.
        unsafe { worker.as_ref() }.filter(|w| w.index() == index)
    }

    /// Makes many tasks that may run anywhere runnable at once, in order: at the back of this
    /// worker's queue (or the global one off the workers), with one wake-up for the lot.
    fn schedule_all(&self, tasks: Vec<Arc<Task>>) {
        let worker = worker::current();
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

    /// Wakes an idle worker if none is searching. Call after publishing stealable work.
    pub(crate) fn wake_worker(&self) {
        if self.idle.wake_one(|| self.poller.notify()) {
            self.monitor.worker_woke();
        }
    }

    /// Called by a worker thread that leaves for good (a spare retiring), which may have been the
    /// one waiting in the poller: if someone must poll, wakes a sleeping worker to take over,
    /// since the others may sleep without polling while the poller is held (see
    /// `Worker::sleep`). `wake_one`'s fence orders the owner's release of the poller before its
    /// look at the sleepers.
    pub(crate) fn hand_over_polling(&self) {
        if self.poller_needed() {
            self.wake_worker();
        }
    }

    /// True if someone must wait in the poller: a coroutine waits on a socket, or a timer is set.
    pub(crate) fn poller_needed(&self) -> bool {
        self.poller.has_waiters() || self.timers.next_deadline().is_some()
    }

    /// Worker threads running now: the regular ones and the spares.
    pub(crate) fn active_workers(&self) -> usize {
        self.workers + self.spares.running()
    }

    /// How many processors, from the first, a worker looks at for work to steal: the regular
    /// workers, and the spare slots too while any spare runs (a free slot's queue is empty).
    /// Searching the spare slots always cost a ring of coroutines a sixth of its speed.
    #[inline]
    pub(crate) fn searched(&self) -> usize {
        if self.spares.running() == 0 {
            self.workers
        } else {
            self.processors.len()
        }
    }

    /// True if every worker thread running sleeps.
    pub(crate) fn all_asleep(&self) -> bool {
        self.idle.sleeping() >= self.active_workers()
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

    /// True if a thief that leaves short queues to their owners should stay awake: the global
    /// queue holds a task, or a run queue is long enough to share at once, or belongs to a
    /// processor the monitor marked stuck (see `steal_patience.rs`).
    pub(crate) fn has_urgent_work(&self) -> bool {
        let searched = &self.processors[..self.searched()];
        !self.injector.is_empty()
            || searched
                .iter()
                .any(|p| steal_patience::share_at_once(p.stealer.len(), p.is_stuck()))
    }

    /// True if a sleeping worker could find something to run: the global queue or any
    /// processor's run queue holds a task. (`runnext` slots are left to the monitor: a thief
    /// takes them only from a stuck processor.)
    pub(crate) fn has_stealable_work(&self) -> bool {
        let searched = &self.processors[..self.searched()];
        !self.injector.is_empty() || searched.iter().any(|p| !p.stealer.is_empty())
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
