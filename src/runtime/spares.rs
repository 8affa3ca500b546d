//! Spare workers: threads that take over what may move when every worker is held by one
//! coroutine (Go hands a processor stuck in a system call to another thread).
//!
//! A started coroutine keeps its thread (`task.rs`), so a worker held by a long computation or
//! a blocking call it was not told about holds its started coroutines too: nothing can run them
//! elsewhere. What may move (coroutines not started yet, and those that migrate; the global
//! queue; timers and the poller, which any worker serves) goes to another worker, woken by the
//! monitor (`watch.rs`). When there is no other worker to wake (a single worker, or every one
//! held), the monitor starts a spare: a worker thread on a processor slot of its own beyond the
//! regular ones, which steals the stuck processor's movable work as any idle worker would.
//!
//! A coroutine that a spare starts stays on the spare's thread, so a spare lives until it has
//! nothing to run and no coroutine homed on it (its population is zero); then it retires: its
//! thread exits and its slot (with its run queue) waits for the next. Nothing is handed to a
//! spare's slot from outside except the wake-ups of its own coroutines (new coroutines are
//! placed and handed over only to regular workers, see `Scheduler::spare_worker`), so once it
//! has no coroutine and no work nothing can arrive: retiring loses nothing. The slots are few
//! ([`MAX_SPARES`], at most one per regular worker).

use crossbeam_deque::Worker as LocalQueue;

use super::task::Task;
use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::{Arc, Mutex};

/// A spare slot's run queue while the slot is free; `None` while a spare is starting or runs
/// on it.
type FreeQueue = Mutex<Option<LocalQueue<Arc<Task>>>>;

/// The most spare workers at once.
pub(crate) const MAX_SPARES: usize = 4;

/// The spare slots of a scheduler: processor indices `first..first + n`.
#[derive(Debug)]
pub(crate) struct Spares {
    /// The first spare slot's processor index (the number of regular workers).
    first: usize,
    /// Each slot's run queue while it is free.
    queues: Box<[FreeQueue]>,
    /// Spares running now (each counts itself when its thread starts and ends).
    running: AtomicUsize,
}

impl Spares {
    /// Spare slots numbered from `first`, one per queue given.
    pub(crate) fn new(first: usize, queues: Vec<LocalQueue<Arc<Task>>>) -> Spares {
        Spares {
            first,
            queues: queues.into_iter().map(|q| Mutex::new(Some(q))).collect(),
            running: AtomicUsize::new(0),
        }
    }

    /// How many spare slots there are for `workers` regular workers.
    pub(crate) fn slots_for(workers: usize) -> usize {
        workers.clamp(1, MAX_SPARES)
    }

    /// Takes a free slot: its processor index and run queue.
    pub(crate) fn take_slot(&self) -> Option<(usize, LocalQueue<Arc<Task>>)> {
        self.queues
            .iter()
            .enumerate()
            .find_map(|(i, slot)| slot.lock().take().map(|queue| (self.first + i, queue)))
    }

    /// True if slot `index` is in use (a spare starting or running on it).
    pub(crate) fn in_use(&self, index: usize) -> bool {
        self.queues[index - self.first].lock().is_none()
    }

    /// Gives a slot back, with its (empty) run queue.
    pub(crate) fn give_back(&self, index: usize, queue: LocalQueue<Arc<Task>>) {
        *self.queues[index - self.first].lock() = Some(queue);
    }

    /// True if `index` is a spare slot.
    pub(crate) fn is_spare(&self, index: usize) -> bool {
        index >= self.first
    }

    /// Spares running now.
    pub(crate) fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    /// Called by a spare's thread as it starts (`true`) and as it retires (`false`).
    pub(crate) fn count(&self, starting: bool) {
        if starting {
            self.running.fetch_add(1, Ordering::SeqCst);
        } else {
            self.running.fetch_sub(1, Ordering::SeqCst);
        }
    }
}
