//! A worker thread: runs the tasks of one processor, steals when it has none, sleeps when
//! nobody has any.
//!
//! # Where runnable tasks wait
//!
//! A started coroutine runs only on its home worker (see `task.rs`), so a processor keeps its
//! runnable tasks in places of two kinds:
//! - *stealable*: the run queue (`queue`, a crossbeam-deque FIFO other workers steal from), which
//!   holds only tasks that may run anywhere (not started yet, or migrating);
//! - *this worker's own*: `woken` (started coroutines woken by other threads, taken from the
//!   inbox, and by timers fired here) and `pinned` (started coroutines that yielded, or were
//!   displaced from `runnext`). No other thread ever sees these.
//!
//! `runnext` may hold either kind. A thief takes it only from a stuck processor, and gives a
//! started coroutine straight back through the victim's inbox.
//!
//! # Picking the next task
//!
//! 0. Every round: take the inbox into `woken`, and fire due timers (one atomic load when none
//!    is set), so a coroutine woken by a timer or by another thread runs as soon as the current
//!    one suspends, as Go's `schedule` runs `checkTimers` each round and readies what it wakes
//!    as `runnext`.
//! 1. Every [`GLOBAL_QUEUE_INTERVAL`] ticks, the global queue first, so tasks injected from
//!    outside cannot starve behind a busy local queue (Go checks every 61 ticks). A poll the
//!    monitor asked for happens here too.
//! 2. `runnext`, then `woken`, unless these have won [`RUNNEXT_STREAK`] times in a row while the
//!    queues waited: two coroutines ping-ponging through `runnext` would otherwise shut out the
//!    rest (Go gets the same effect by making `runnext` inherit the time slice).
//! 3. `pinned` and the run queue, taking turns: either kind gets at least every other pick.
//! 4. The global queue, taking a batch.
//! 5. Due timers, and sockets that became ready (a poll that does not wait), whose coroutines
//!    land on their home workers (Go's `findrunnable` polls the same way).
//! 6. Stealing: up to [`SEARCH_ROUNDS`] passes over the other processors in a random order,
//!    taking half of a victim's queue, if the victim is not seen to keep up with it: the queue
//!    is long, or the victim picked no task for a while (`steal_patience.rs`: a stolen
//!    coroutine never comes back, so a thief waits until it is needed). A victim's `runnext` is
//!    taken only in the last pass and only if the victim picked no task since the first pass: it
//!    is probably about to run it.
//! 7. Linger: keep looking, with backoff, for [`LINGER`] more (Go's spinning M), since new work
//!    often comes within microseconds and a searching worker takes it without a wake-up.
//! 8. Sleep (see `idle.rs`): in the net poller, until the next timer, if coroutines wait on
//!    sockets or timers are set and no other worker is there already (Go's blocking `netpoll`);
//!    otherwise parked. A push to the inbox wakes the worker (`Idle::wake_worker`). Short run
//!    queues of other workers that keep up with them do not keep it awake once it has watched
//!    them long enough (`steal_patience.rs`).
//!
//! # Running a task
//!
//! The worker resumes the task's coroutine until it yields (back of `pinned`, or of the run
//! queue if it may run anywhere), parks (released; whoever unparks it sends it home) or returns
//! (its stack goes back to the pool).
//!
//! # When other workers are woken
//!
//! A task made runnable by a coroutine on its own home goes to `runnext` and wakes nobody: it will
//! run as soon as the current coroutine suspends, which for a channel hand-off is within
//! nanoseconds, far sooner than a woken thread could take it. A task it displaces from `runnext`
//! goes to `pinned` if it has started (nobody else could run it), else to the queue, where it
//! could wait behind a long-running coroutine, so that push wakes an idle worker (if none is
//! searching already) to steal it. A yielding coroutine goes back without waking anyone, as in
//! Go: it asked to wait its turn, not for another core. What is left, a new task in `runnext`
//! behind a coroutine that runs for long, the monitor's stall watch hands to a thief.
//!
//! Two kinds of worker do not keep the coroutines they spawn (`push_new`): one that holds
//! clearly more coroutines than another, when the spawner has waited on a socket (an accept
//! loop: each new one is homed on the other at once and sent through its inbox), and one the
//! monitor found saturated (it never ran out of tasks over a whole interval: each new one goes
//! to the `runnext` of a worker that is not, woken if it sleeps).
//!
//! # Ownership
//!
//! A `Worker` lives on its thread's stack and is reached from coroutines through a thread-local
//! raw pointer (see `context.rs`), so every method takes `&self`, per-worker counters are
//! `Cell`s, and the local queues are `RefCell`s borrowed only inside one method, never across a
//! `resume`: the worker loop never holds a borrow that a running coroutine could alias.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crossbeam_deque::{Steal, Worker as LocalQueue};

use super::context;
use super::idle::Wake;
use super::processor::Processor;
use super::scheduler::Scheduler;
use super::stack::{Stack, StackCache};
use super::stack_memory::StackMemory;
use super::steal_patience::{share_at_once, Patience, Seen};
use super::task::{Outcome, Task};
use super::task_cache::TaskCache;
use super::wait;
use crate::loom::sync::atomic::{AtomicBool, Ordering};
use crate::loom::sync::Arc;

/// Ticks between forced looks at the global queue (Go's figure: prime, so it does not fall into
/// step with patterns in the program).
const GLOBAL_QUEUE_INTERVAL: u64 = 61;
/// Consecutive `runnext` picks allowed while the local queue has tasks waiting.
const RUNNEXT_STREAK: u32 = 61;
/// Passes over the other processors before lingering (Go's `stealTries`).
const SEARCH_ROUNDS: usize = 4;

/// The most tasks one theft takes: half the victim's queue up to this, as Go's `runqsteal` takes
/// half of a run queue of 256. crossbeam's own batch stops at 32, which split a queue drained by
/// its owner and a thief at once into alternating runs of 32: a ring of coroutines started that
/// way crossed between threads every 32 hops (the `ring` benchmark, 220 ns a hop against 155).
const STEAL_MAX: usize = 128;
/// How long a worker that found nothing keeps looking before it sleeps. Long enough to cover a
/// channel round trip on another core, short enough to cost nothing measurable when the
/// runtime goes idle (it happens once per idle period, not per task).
const LINGER: Duration = Duration::from_micros(20);
/// How long it keeps looking if, since it last slept, other threads have handed its coroutines
/// back through its inbox: coroutines homed here talk to other threads, and the next hand-back
/// is likely within a round trip of theirs. Sleeping instead would make each one cost a futex
/// wake on both sides (a token ring spread over two workers ran 2.5 times slower with
/// [`LINGER`] alone).
const LINGER_AFTER_HANDBACK: Duration = Duration::from_micros(100);

/// The state a worker thread keeps for itself.
pub(crate) struct Worker {
    index: usize,
    sched: &'static Scheduler,
    /// `sched.processors[index]`, kept so the hot path does not index (and bounds-check) on
    /// every use.
    processor: &'static Processor,
    /// This processor's run queue of tasks that may run anywhere; only this thread pushes and
    /// pops, others steal.
    queue: LocalQueue<Arc<Task>>,
    /// Started coroutines of this worker woken by others (from the inbox) or by timers, oldest
    /// first.
    woken: RefCell<VecDeque<Arc<Task>>>,
    /// Started coroutines of this worker that yielded or were displaced from `runnext`.
    pinned: RefCell<VecDeque<Arc<Task>>>,
    /// Whose turn it is between `pinned` (true) and `queue`.
    pinned_turn: Cell<bool>,
    /// True if the inbox handed anything back since this worker last slept.
    handed_back: Cell<bool>,
    /// The worker this one homes its new coroutines on while it holds more than that one (see
    /// `start_elsewhere`).
    spilling_to: Cell<Option<usize>>,
    /// Tasks picked so far (mirrored to `Processor::ticks`).
    tick: Cell<u64>,
    /// Consecutive picks from `runnext`.
    streak: Cell<u32>,
    /// True while counted in `Idle::searching`.
    searching: Cell<bool>,
    /// xorshift state for the victim order.
    rng: Cell<u64>,
    /// Victims' ticks at the first search pass, to tell a stuck victim.
    seen_ticks: Box<[Cell<u64>]>,
    /// How the other workers keep up with their run queues: when this one may steal.
    patience: Patience,
    /// Stacks for coroutines started on this worker, and from those that end here.
    pub(crate) stacks: StackCache,
    /// Finished tasks for this worker's next spawns (see `task_cache.rs`).
    tasks: TaskCache,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("index", &self.index)
            .field("tick", &self.tick.get())
            .finish()
    }
}

thread_local! {
    /// The worker running on this thread, or null on other threads. The worker lives on this
    /// thread's stack for as long as the thread runs. Read and written only through the
    /// `#[inline(never)]` functions below, for the reason `context.rs` gives.
    static WORKER: Cell<*const Worker> = const { Cell::new(std::ptr::null()) };
}

/// The worker of this thread, or null if this is not a worker thread.
#[inline(never)]
pub(crate) fn current() -> *const Worker {
    WORKER.with(Cell::get)
}

/// Records this thread's worker. Called once, when the worker thread starts.
#[inline(never)]
fn set_current(worker: *const Worker) {
    WORKER.with(|w| w.set(worker));
}

/// The index of this thread's worker (its processor), or `None` off the workers.
pub(crate) fn current_index() -> Option<usize> {
    let worker = current();
    // SAFETY: a non-null worker lives on this thread's stack for as long as the thread runs;
    // we read its index now, on this thread.
    unsafe { worker.as_ref() }.map(Worker::index)
}

/// Body of worker thread `index`: calls `ready` once it can run and steal tasks. Never returns.
pub(crate) fn run(
    sched: &'static Scheduler,
    index: usize,
    queue: LocalQueue<Arc<Task>>,
    ready: &dyn Fn(),
) -> ! {
    let worker = Worker::start(sched, index, queue);
    set_current(&worker);
    ready();
    worker.work(false);
    unreachable!("a regular worker never retires")
}

/// Body of a spare worker's thread on slot `index` (see `spares.rs`): runs like a regular
/// worker until it has nothing to run and no coroutine of its own, then gives its slot back and
/// returns.
pub(crate) fn run_spare(sched: &'static Scheduler, index: usize, queue: LocalQueue<Arc<Task>>) {
    sched.spares.count(true);
    let worker = Worker::start(sched, index, queue);
    set_current(&worker);
    worker.work(true);
    worker.stop_searching();
    sched.hand_over_polling();
    set_current(std::ptr::null());
    let Worker {
        queue,
        stacks,
        tasks,
        ..
    } = worker;
    stacks.flush(&sched.stacks);
    tasks.flush(&sched.tasks);
    sched.spares.give_back(index, queue);
    sched.spares.count(false);
}

impl Worker {
    /// Sets up worker `index` on the calling thread, which runs it from now on.
    fn start(sched: &'static Scheduler, index: usize, queue: LocalQueue<Arc<Task>>) -> Worker {
        #[cfg(not(miri))]
        super::signal_stack::ensure_alternate_stack();
        sched.idle.register(index);
        Worker {
            index,
            sched,
            processor: &sched.processors[index],
            queue,
            woken: RefCell::default(),
            pinned: RefCell::default(),
            pinned_turn: Cell::new(false),
            handed_back: Cell::new(false),
            spilling_to: Cell::new(None),
            tick: Cell::new(0),
            streak: Cell::new(0),
            searching: Cell::new(false),
            rng: Cell::new(
                0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03),
            ),
            seen_ticks: (0..sched.processors.len()).map(|_| Cell::new(0)).collect(),
            patience: Patience::new(sched.processors.len()),
            stacks: StackCache::new(index),
            tasks: TaskCache::default(),
        }
    }

    /// The worker loop: runs tasks, sleeps when there are none; returns only for a spare
    /// (`spare`) that may retire. One loop for both kinds, so that the hot path is compiled
    /// once (two copies cost a channel round trip a tenth more instructions, the compiler then
    /// inlining less into each).
    fn work(&self, spare: bool) {
        loop {
            match self.next_task() {
                Some(task) => self.run_task(task),
                None if spare && self.may_retire() => return,
                None => self.sleep(),
            }
        }
    }

    /// A worker that leaves while counted as searching (a spare retiring, perhaps woken to
    /// search by a waker that counted it) takes itself out of the count, as `sleep` does: a
    /// searcher that never stops would keep every waker from waking anyone. If it was the last
    /// searcher and work is visible, it wakes another.
    fn stop_searching(&self) {
        if self.searching.replace(false)
            && self.sched.idle.stop_searching()
            && self.sched.has_stealable_work()
        {
            self.sched.wake_worker();
        }
    }

    /// A spare with nothing to run and no coroutine homed on it may retire: nothing can be
    /// handed to its slot any more (see `spares.rs`).
    fn may_retire(&self) -> bool {
        self.sched.spares.is_spare(self.index)
            && self.processor().population() == 0
            && !self.has_local_work()
    }

    /// Counts a coroutine spawned on this worker and promises it a stack (see `stack.rs`).
    pub(crate) fn promise_stack(&self, size: usize) -> std::io::Result<Option<Stack>> {
        self.stacks.promise(&self.sched.stacks, size)
    }

    /// A blank task for a coroutine spawned on this worker, if a finished one is at hand.
    pub(crate) fn take_task(&self) -> Option<Arc<Task>> {
        self.tasks.take(&self.sched.tasks)
    }

    /// Keeps `task`, whose coroutine has finished, for reuse if the caller's reference is the
    /// last one; else just drops that reference.
    pub(crate) fn recycle_task(&self, task: Arc<Task>) {
        self.tasks.recycle(&self.sched.tasks, task);
    }

    /// Tasks waiting in this worker's run queue (not those pinned to it).
    pub(crate) fn backlog(&self) -> usize {
        self.queue.len()
    }

    /// This worker's processor index.
    pub(crate) fn index(&self) -> usize {
        self.index
    }

    fn processor(&self) -> &Processor {
        self.processor
    }

    /// Puts `task`, which may run here, in `runnext`. The task it displaces goes to the back
    /// of `pinned` if only this worker may run it; else to the back of the run queue, where
    /// other workers can steal it, so an idle worker is woken for it.
    pub(crate) fn push_runnext(&self, task: Arc<Task>) {
        if let Some(old) = self.processor().runnext.put(task) {
            if old.home().is_some() {
                self.pinned.borrow_mut().push_back(old);
            } else {
                self.queue.push(old);
                self.sched.wake_worker();
            }
        }
    }

    /// Places `task`, a coroutine that has not started (or migrates). If the spawner is an
    /// accept loop and this worker holds clearly more coroutines than another, or this worker
    /// is saturated (it never ran out of work over the monitor's last interval) and another is
    /// not, on that one: see [`start_elsewhere`](Self::start_elsewhere). Else here: in
    /// `runnext` if it is free, to run as soon as the current coroutine suspends; else at the
    /// back of the run queue, where an idle worker (woken for it) may take it before it starts.
    /// Unlike a wake-up, a new coroutine does not displace what `runnext` holds: that is a
    /// coroutine just woken here, which can run nowhere else, while the new one can (a token
    /// ring over two workers: 192 to 130 ns a hop).
    pub(crate) fn push_new(&self, task: Arc<Task>) {
        let Some(task) = self.start_elsewhere(task) else {
            return;
        };
        if let Err(task) = self.processor().runnext.put_if_empty(task) {
            self.queue.push(task);
            self.sched.wake_worker();
        }
    }

    /// Hands `task`, new, to a worker with fewer coroutines or more time to spare, if this one
    /// has clearly more or none. Returns what is left to place here.
    ///
    /// A coroutine stays where it starts, so this is where load spreads. Connections accepted
    /// in one coroutine, each started in the acceptor's `runnext`, would all live on the
    /// acceptor's worker: in the echo benchmark 95 of 100 typically did, and the busier worker
    /// set the pace (up to 1.5 times Go's time per round trip). So what a coroutine that has
    /// waited on a socket spawns is spread by the count of coroutines homed on each worker, to
    /// within a margin (`Scheduler::emptier_worker`). Only such spawners: a coroutine that
    /// spawns stages it talks to (the sieve's main loop) would get more crossings from the
    /// counts than from the saturation rule below, and lost 5 to 15%. A migrating task is left
    /// to work stealing.
    ///
    /// Any other spawner follows the saturation rule. A pipeline that spawns its next stage and
    /// parks at once (the prime sieve) would otherwise start every stage in the `runnext` of
    /// the one worker it keeps busy, while the other idles: the sieve ran 2.5 times slower than
    /// when coroutines could move. Handed over, stages start in runs on one worker then the
    /// other, as the monitor's marks change (a run of hundreds: few crossings per number), and
    /// the sieve is back to its speed before pinning. A worker that runs out of work even once
    /// in an interval keeps what it spawns, so a spawn and join in turn stays on one core.
    fn start_elsewhere(&self, task: Arc<Task>) -> Option<Arc<Task>> {
        if !task.migrates() && context::waited_on_socket() {
            // By the counts alone: a busy server's workers are all saturated, and the
            // saturation rule would keep every connection where it was accepted.
            return match self.spill_target() {
                Some(emptier) => {
                    self.sched.place(emptier, task);
                    None
                }
                None => Some(task),
            };
        }
        if !self.processor().is_saturated() {
            return Some(task);
        }
        match self.sched.spare_worker(self.index) {
            Some(spare) => self.sched.hand_over(spare, task),
            None => Some(task),
        }
    }

    /// The worker to home a new coroutine on instead of this one, if this one is crowded.
    ///
    /// Once this worker holds more than another by the margin, new coroutines go there until
    /// that one holds more than this one by the margin; then they stay here until this one
    /// passes the margin again. So coroutines spawned in a row start in runs of twice the
    /// margin on each worker, not alternately once near the margin: when this rule applied to
    /// every spawner, alternating made each value of the prime sieve cross threads at every
    /// stage, and the sieve ran 1.8 times slower.
    fn spill_target(&self) -> Option<usize> {
        let still = self
            .spilling_to
            .get()
            .filter(|&target| self.sched.takes_more(target, self.index));
        let target = still.or_else(|| self.sched.emptier_worker(self.index));
        self.spilling_to.set(target);
        target
    }

    /// Queues `task`, a started coroutine of this worker just woken, to run after `runnext`.
    pub(crate) fn push_woken(&self, task: Arc<Task>) {
        debug_assert_eq!(task.home(), Some(self.index));
        self.woken.borrow_mut().push_back(task);
    }

    /// Queues `tasks`, which may run anywhere, at the back of the run queue, and wakes an idle
    /// worker to share them.
    pub(crate) fn push_all(&self, tasks: Vec<Arc<Task>>) {
        for task in tasks {
            self.queue.push(task);
        }
        self.sched.wake_worker();
    }

    /// Puts a task that yielded at the back of its queue.
    fn requeue(&self, task: Arc<Task>) {
        if task.home().is_some() {
            self.pinned.borrow_mut().push_back(task);
        } else {
            self.queue.push(task);
        }
    }

    fn run_task(&self, task: Arc<Task>) {
        context::set_current_task(Arc::as_ptr(&task));
        // `task` came from one of this processor's queues, its inbox, its `runnext`, the injector
        // or a theft, which hand out each runnable task exactly once (see `park_state.rs`). Only
        // this worker's own places hold tasks whose home is this worker, and nothing here ever
        // holds a task homed elsewhere (`Scheduler::ready` sends those home, `steal_from` gives
        // them back).
        let homed_before = task.home().is_some();
        let progress = &self.processor().progress;
        progress.running.store(task.id(), Ordering::Relaxed);
        progress.set_started_at(task.started_at());
        // SAFETY: so this worker holds the task's run right, and this thread is its home or it
        // has none.
        let outcome = unsafe { task.resume(self.index, || self.take_stack()) };
        progress.running.store(0, Ordering::Relaxed);
        context::set_current_task(std::ptr::null());
        // Count the coroutines homed here: one more if it took this worker as its home just
        // now, one less if it ended (both: no change).
        let homed = task.home().is_some();
        let started_here = homed && !homed_before;
        if started_here != (homed && matches!(outcome, Outcome::Finished(_))) {
            self.processor().add_population(started_here);
        }
        match outcome {
            Outcome::Yielded => {
                self.processor().count_yield();
                self.requeue(task);
            }
            Outcome::Parked => drop(task),
            Outcome::Woken => self.push_runnext(task),
            Outcome::Finished(stack) => {
                self.recycle_task(task);
                self.stacks.recycle(&self.sched.stacks, stack);
            }
            // Not started: it may go anywhere. To the global queue, where it waits its turn
            // behind other work while the caches give their stacks back.
            Outcome::NoStack => self.sched.injector.push(task),
        }
    }

    /// A stack for a promised coroutine about to start here; `None` (reported once, the first
    /// time) if none can be had now.
    fn take_stack(&self) -> Option<StackMemory> {
        match self.stacks.take(&self.sched.stacks) {
            Ok(stack) => Some(stack),
            Err(err) => {
                static REPORTED: std::sync::Once = std::sync::Once::new();
                REPORTED.call_once(|| {
                    eprintln!("{err} (a coroutine waits to start until a stack comes back)")
                });
                None
            }
        }
    }

    fn next_task(&self) -> Option<Arc<Task>> {
        let tick = self.tick.get().wrapping_add(1);
        self.tick.set(tick);
        self.processor()
            .progress
            .ticks
            .store(tick, Ordering::Relaxed);
        if self.sched.poller.poll_requested() {
            self.poll_now();
        }
        self.take_inbox();
        self.sched.timers.fire_due();
        // Every GLOBAL_QUEUE_INTERVAL ticks the global queue goes first, so it cannot starve.
        let global_first = if tick.is_multiple_of(GLOBAL_QUEUE_INTERVAL) {
            self.sched.take_global(&self.queue)
        } else {
            None
        };
        let task = global_first
            .or_else(|| self.take_local())
            .or_else(|| self.sched.take_global(&self.queue))
            .or_else(|| self.take_timers_and_sockets())
            .or_else(|| self.search());
        if task.is_some() {
            self.found_work();
        }
        task
    }

    /// While searching: a coroutine of this worker that another thread woke meanwhile, or a new
    /// one handed over to its `runnext` (`Scheduler::hand_over`). Nobody wakes a worker that is
    /// awake for these, so a searching worker must look itself.
    fn take_handed_back(&self) -> Option<Arc<Task>> {
        let processor = self.processor();
        if processor.inbox.is_empty() && processor.runnext.is_empty() {
            return None;
        }
        self.take_inbox();
        self.take_local()
    }

    /// Moves what other threads handed back into `woken`.
    fn take_inbox(&self) {
        let inbox = &self.processor().inbox;
        if !inbox.is_empty() {
            self.woken.borrow_mut().extend(inbox.take_all());
            self.handed_back.set(true);
        }
    }

    fn take_local(&self) -> Option<Arc<Task>> {
        let runnext = &self.processor().runnext;
        if self.streak.get() < RUNNEXT_STREAK {
            let task = runnext
                .take()
                .or_else(|| self.woken.borrow_mut().pop_front());
            if task.is_some() {
                self.streak.set(self.streak.get() + 1);
                return task;
            }
        }
        self.streak.set(0);
        self.take_queued()
            .or_else(|| runnext.take())
            .or_else(|| self.woken.borrow_mut().pop_front())
    }

    /// The next task of `pinned` or the run queue, which take turns.
    fn take_queued(&self) -> Option<Arc<Task>> {
        let pinned_first = !self.pinned_turn.get();
        self.pinned_turn.set(pinned_first);
        let pinned = || self.pinned.borrow_mut().pop_front();
        if pinned_first {
            pinned().or_else(|| self.queue.pop())
        } else {
            self.queue.pop().or_else(pinned)
        }
    }

    /// Fires due timers and polls sockets without waiting; what they wake lands here.
    fn take_timers_and_sockets(&self) -> Option<Arc<Task>> {
        let fired = self.sched.timers.fire_due();
        let polled = if self.sched.poller.has_waiters() {
            self.poll_now()
        } else {
            0
        };
        if fired + polled == 0 {
            return None;
        }
        self.take_local()
    }

    /// Polls the sockets once without waiting, unless another thread holds the poller.
    fn poll_now(&self) -> usize {
        self.sched
            .poller
            .try_own()
            .map_or(0, |mut owner| owner.poll_now())
    }

    /// True if this processor has a task waiting.
    fn has_local_work(&self) -> bool {
        let processor = self.processor();
        !self.queue.is_empty()
            || !processor.runnext.is_empty()
            || !processor.inbox.is_empty()
            || !self.woken.borrow().is_empty()
            || !self.pinned.borrow().is_empty()
    }

    /// Steals from the global queue and the other processors; see the module docs.
    fn search(&self) -> Option<Arc<Task>> {
        let n = self.sched.searched();
        if n == 1 {
            return None; // a single worker, alone: nobody to steal from
        }
        if !self.searching.replace(true) {
            self.sched.idle.start_searching();
        }
        self.processor().ran_out();
        for round in 0..SEARCH_ROUNDS {
            if let Some(task) = self.take_handed_back() {
                return Some(task);
            }
            let start = self.next_random() as usize % n;
            for victim in (0..n).map(|k| (start + k) % n).filter(|&v| v != self.index) {
                if let Some(task) = self.steal_from(victim, round) {
                    return Some(task);
                }
            }
            if let Some(task) = self.sched.take_global(&self.queue) {
                return Some(task);
            }
            std::hint::spin_loop();
        }
        self.linger(n)
    }

    /// Before going to sleep, keeps looking for [`LINGER`], with backoff. Work often arrives
    /// within microseconds (a peer's reply, the next message), and a worker that is still
    /// searching takes it without the futex wake and sleep a parked worker would cost both sides
    /// (and, while it searches, wakers skip waking anyone). Go's spinning Ms do the same.
    fn linger(&self, n: usize) -> Option<Arc<Task>> {
        let linger = if self.handed_back.get() {
            LINGER_AFTER_HANDBACK
        } else {
            LINGER
        };
        let until = Instant::now() + linger;
        let mut spins = 1u32;
        loop {
            let now = Instant::now();
            if now >= until {
                return None;
            }
            for _ in 0..spins {
                std::hint::spin_loop();
            }
            spins = (spins * 2).min(256);
            if let Some(task) = self.take_handed_back() {
                return Some(task);
            }
            // A timer falling due while we linger is work too: fire it here rather than after
            // the linger and a trip through the poller.
            if self.sched.timers.fire_due_at(now) > 0 {
                if let Some(task) = self.take_local() {
                    return Some(task);
                }
            }
            // Only the stealable queues: `runnext` slots were looked at while searching, and
            // polling them here would pull the cache line of each busy worker's `runnext` away
            // from it between every two hand-offs it makes (a stuck worker's `runnext` is the
            // monitor's to rescue).
            if !self.sched.has_stealable_work() {
                continue;
            }
            let start = self.next_random() as usize % n;
            for victim in (0..n).map(|k| (start + k) % n).filter(|&v| v != self.index) {
                if let Some(task) = self.steal_queue(victim) {
                    return Some(task);
                }
            }
            if let Some(task) = self.sched.take_global(&self.queue) {
                return Some(task);
            }
        }
    }

    /// Takes half of `victim`'s run queue, or, in the last search round, its `runnext` if it
    /// has picked no task since the first round and is stuck or stalled (see
    /// `steal_patience.rs`: a producer just spawned there is most often about to run).
    fn steal_from(&self, victim: usize, round: usize) -> Option<Arc<Task>> {
        if let Some(task) = self.steal_queue(victim) {
            return Some(task);
        }
        let processor = &self.sched.processors[victim];
        let seen = &self.seen_ticks[victim];
        if round == 0 {
            seen.set(processor.ticks());
        } else if round == SEARCH_ROUNDS - 1
            && seen.get() == processor.ticks()
            && (processor.is_stuck()
                || self
                    .patience
                    .stalled(victim, processor.ticks(), Instant::now()))
        {
            let task = processor.runnext.take()?;
            if task.home().is_none() {
                return Some(task);
            }
            // A started coroutine keeps its thread: straight back to the victim. Taking it
            // from `runnext` gave us its run right, which the push hands on.
            self.sched.send_home(victim, task);
        }
        None
    }

    /// Takes half of `victim`'s run queue (at most [`STEAL_MAX`]), if it has any and is not
    /// seen to keep up with it (see `steal_patience.rs`).
    fn steal_queue(&self, victim: usize) -> Option<Arc<Task>> {
        let processor = &self.sched.processors[victim];
        let queued = processor.stealer.len();
        if queued == 0 {
            return None;
        }
        // A long queue, or the monitor's stuck mark, settles it at once (a spare worker, started
        // for a stuck one, must not retire before its patience runs out), without reading the
        // victim's progress: its owner writes that line at every pick, and a thief that polls
        // it pulls it away from its owner.
        if !share_at_once(queued, processor.is_stuck()) {
            let seen = Seen {
                queued,
                ticks: processor.ticks(),
                yields: processor.yields(),
            };
            if !self.patience.needs_help(victim, seen, Instant::now()) {
                return None;
            }
        }
        loop {
            match processor
                .stealer
                .steal_batch_with_limit_and_pop(&self.queue, STEAL_MAX)
            {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => std::hint::spin_loop(),
            }
        }
    }

    /// Step 3 of the idle protocol: a searching worker that found a task stops searching, and the
    /// last searcher wakes another if more work is visible.
    fn found_work(&self) {
        self.patience.found_work();
        if self.searching.replace(false)
            && self.sched.idle.stop_searching()
            && (!self.queue.is_empty() || !self.sched.injector.is_empty())
        {
            self.sched.wake_worker();
        }
    }

    fn sleep(&self) {
        self.handed_back.set(false);
        self.stacks.flush_if_wanted(&self.sched.stacks);
        let was_searching = self.searching.replace(false);
        let sched = self.sched;
        // Sleep in the poller only if it has something to wait for (sockets, timers), as Go's
        // `findrunnable` does: waking a worker out of the poller costs an `eventfd` write and
        // several system calls on its side, a parked one a single futex wake.
        let poll = sched.poller_needed();
        // A worker that wants to poll but finds the poller held sleeps without it, and counts on
        // the owner to poll. If the owner left meanwhile (a spare retiring, see `run_spare`), no
        // one would: so, checked after this worker is listed as asleep, an unowned poller is work.
        // The owner that leaves for good checks the sleepers after giving the poller up; one
        // of the two sees the other (both `SeqCst`, with the fences in `idle.rs`).
        // Queues this worker has left to owners that keep up for long enough do not keep it
        // awake (see `steal_patience.rs`); the global queue always does.
        let leave_queues = self.patience.watched_enough(Instant::now());
        let has_work = || {
            (if leave_queues {
                sched.has_urgent_work()
            } else {
                sched.has_stealable_work()
            }) || self.has_local_work()
                || (poll && !sched.poller.is_owned())
        };
        let wake = match poll.then(|| sched.poller.try_own()).flatten() {
            Some(mut owner) => {
                // Sleep in the poller until the next timer; come back for what it wakes here.
                let mut poll = |asleep: &AtomicBool| {
                    while asleep.load(Ordering::Acquire) {
                        owner.poll_until(|| sched.timers.next_deadline());
                        sched.timers.fire_due();
                        if self.has_local_work() {
                            return true;
                        }
                    }
                    false
                };
                sched
                    .idle
                    .sleep(self.index, was_searching, has_work, Some(&mut poll))
            }
            None => sched.idle.sleep(self.index, was_searching, has_work, None),
        };
        // Parks from here on are dated from now, not from when this worker fell asleep.
        wait::refresh_coarse_clock();
        if wake == Wake::Woken {
            self.patience.restart();
            self.searching.set(true);
        } else {
            self.sched.monitor.worker_woke();
        }
    }

    fn next_random(&self) -> u64 {
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng.set(x);
        x
    }
}
