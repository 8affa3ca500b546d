//! A processor's shared face: what other threads may touch of it.
//!
//! Each worker thread runs one processor (Go's P). Its run queue proper, a `crossbeam_deque`
//! FIFO, is owned by the worker (see `worker.rs`); this struct holds the parts that other
//! threads need:
//! - `runnext`, the one-task slot for the coroutine most recently made runnable by the running
//!   one (a channel peer, a joiner, a new coroutine). It runs next, ahead of the queue, so a
//!   ping-pong between two coroutines stays on one processor with warm caches. Other workers may
//!   take it too, but only from a processor that has been stuck on one task for a while, so a
//!   coroutine blocked in a long call cannot strand a new task it just spawned (a started one
//!   they give straight back: it may run only here). A saturated worker spawning a coroutine
//!   may put it here too, to start on this worker (see `saturated` below);
//! - the `stealer` of the run queue, for work stealing (the queue holds only tasks that may run
//!   on any worker: those not started yet, and those that migrate);
//! - the `inbox`, where other threads hand back this worker's own started coroutines when they
//!   wake them (see `inbox.rs`);
//! - `progress`: a count of tasks the worker has picked, which the monitor and thieves read to
//!   tell a processor that makes progress from one that is stuck, a count of the yields of its
//!   coroutines, which thieves read to tell one whose coroutines compute (`steal_patience.rs`),
//!   and the coroutine it runs now (its id and where it was started), for the stall report and
//!   the dump;
//! - `run_outs` and `saturated`: the worker counts the times it runs out of tasks, and the
//!   monitor marks it saturated if the count did not move over a whole interval. A coroutine
//!   spawned on a saturated worker starts on one that is not (`Scheduler::hand_over`): where a
//!   coroutine starts it stays, so this is the one chance to spread the load;
//! - `stuck`, set by the monitor when the worker picked no task over a whole interval while
//!   tasks waited for it;
//! - `population`, the worker's coroutines that have started and not finished (with the new
//!   ones in its queue, its `load`). A coroutine spawned by an accept loop on a worker that
//!   holds clearly more of them than another starts on the other (`Scheduler::emptier_worker`):
//!   connections would otherwise pile up where they were accepted.

use crossbeam_deque::Stealer;
use crossbeam_utils::CachePadded;

use super::inbox::Inbox;
use super::run_next::RunNext;
use super::task::Task;
use std::panic::Location;

use crate::loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use crate::loom::sync::Arc;

/// What a worker publishes of its progress, on one cache line that it alone writes.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    /// Tasks picked so far.
    pub(crate) ticks: AtomicU64,
    /// Yields of its coroutines so far (`yield_now`, and `go` past its backlog).
    pub(crate) yields: AtomicU64,
    /// The id of the coroutine running now, 0 if none.
    pub(crate) running: AtomicU64,
    /// Where the running coroutine was started: a `&'static Location` (so any value read is
    /// valid, if perhaps another coroutine's), null if none ran yet.
    started_at: AtomicPtr<Location<'static>>,
}

impl Progress {
    /// Publishes where the coroutine about to run was started.
    #[inline]
    pub(crate) fn set_started_at(&self, at: &'static Location<'static>) {
        self.started_at
            .store(at as *const Location<'static> as *mut _, Ordering::Relaxed);
    }

    /// Where the running coroutine was started, if any has run.
    pub(crate) fn started_at(&self) -> Option<&'static Location<'static>> {
        let at = self.started_at.load(Ordering::Relaxed);
        // SAFETY: only `&'static Location` values are ever stored, so a non-null pointer is
        // one of them, valid for the rest of the program and never written through.
        unsafe { at.cast_const().as_ref() }
    }
}

/// The parts of a processor that other threads use. What the owning worker writes on every
/// switch (`runnext`, `ticks`) and what other threads write (`inbox`) sit on cache lines of
/// their own, so that an idle worker looking for work, or a thread handing a coroutine back,
/// does not slow the busy owner by pulling its lines away.
#[derive(Debug)]
pub(crate) struct Processor {
    /// The task to run next. Written by the owning worker or a spawner handing over a new
    /// coroutine; taken by the owner or a thief.
    pub(crate) runnext: CachePadded<RunNext<Task>>,
    /// Steals from the worker's run queue.
    pub(crate) stealer: Stealer<Arc<Task>>,
    /// This worker's started coroutines, woken by other threads.
    pub(crate) inbox: CachePadded<Inbox<Task>>,
    /// Tasks picked so far, and what runs now. Written (relaxed) by the owning worker only;
    /// read by others as hints.
    pub(crate) progress: CachePadded<Progress>,
    /// Times the worker ran out of tasks of its own. Written (relaxed) by the owning worker only;
    /// read by the monitor to tell a worker that never runs out.
    pub(crate) run_outs: AtomicU64,
    /// True if the worker never ran out of tasks during the monitor's last interval: it has no
    /// spare time, and new coroutines it spawns start better elsewhere. A hint, set by the
    /// monitor and cleared by the worker when it runs out.
    pub(crate) saturated: AtomicBool,
    /// True if the worker was awake but picked no task over the monitor's last interval while
    /// tasks waited for it: one coroutine holds it. A hint, set and cleared by the monitor.
    pub(crate) stuck: AtomicBool,
    /// Coroutines homed here that have not finished. Counted up by the owning worker when a
    /// coroutine starts here, or by a spawner that places one here; down by the owner when one
    /// ends. Read by spawners as a hint.
    population: CachePadded<AtomicUsize>,
}

impl Processor {
    pub(crate) fn new(stealer: Stealer<Arc<Task>>) -> Processor {
        Processor {
            runnext: CachePadded::default(),
            stealer,
            inbox: CachePadded::default(),
            progress: CachePadded::default(),
            run_outs: AtomicU64::new(0),
            saturated: AtomicBool::new(false),
            stuck: AtomicBool::new(false),
            population: CachePadded::new(AtomicUsize::new(0)),
        }
    }

    /// True if tasks wait here (in the queue or in `runnext`).
    pub(crate) fn has_queued(&self) -> bool {
        !self.stealer.is_empty() || !self.runnext.is_empty()
    }

    /// The tick count, as a progress hint.
    pub(crate) fn ticks(&self) -> u64 {
        self.progress.ticks.load(Ordering::Relaxed)
    }

    pub(crate) fn yields(&self) -> u64 {
        self.progress.yields.load(Ordering::Relaxed)
    }

    /// Counts a yield of one of this processor's coroutines. Called by its worker only.
    pub(crate) fn count_yield(&self) {
        let yields = &self.progress.yields;
        yields.store(
            yields.load(Ordering::Relaxed).wrapping_add(1),
            Ordering::Relaxed,
        );
    }

    /// The id of the coroutine the worker runs now (0 between coroutines). A hint.
    pub(crate) fn running(&self) -> u64 {
        self.progress.running.load(Ordering::Relaxed)
    }

    /// Called by the owning worker when it has no task of its own left.
    pub(crate) fn ran_out(&self) {
        let run_outs = self.run_outs.load(Ordering::Relaxed);
        self.run_outs
            .store(run_outs.wrapping_add(1), Ordering::Relaxed);
        self.saturated.store(false, Ordering::Relaxed);
    }

    /// Coroutines homed here that have not finished, and new ones queued here that may still
    /// start here: what a spawner weighs (a hint).
    pub(crate) fn load(&self) -> usize {
        self.population.load(Ordering::Relaxed) + self.stealer.len()
    }

    /// Coroutines homed here that have not finished (exact when read by the owning worker, which
    /// alone changes it for a spare slot).
    pub(crate) fn population(&self) -> usize {
        self.population.load(Ordering::Relaxed)
    }

    /// Called when a coroutine took this worker as its home (one more) or one homed here
    /// finished (one less).
    pub(crate) fn add_population(&self, more: bool) {
        if more {
            self.population.fetch_add(1, Ordering::Relaxed);
        } else {
            self.population.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// True if the monitor saw the worker held by one coroutine for a whole interval (a hint).
    pub(crate) fn is_stuck(&self) -> bool {
        self.stuck.load(Ordering::Relaxed)
    }

    /// True if the monitor saw the worker busy for a whole interval (a hint).
    pub(crate) fn is_saturated(&self) -> bool {
        self.saturated.load(Ordering::Relaxed)
    }
}
