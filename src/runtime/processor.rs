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
//!   they give straight back: it may run only here);
//! - the `stealer` of the run queue, for work stealing (the queue holds only tasks that may run
//!   on any worker: those not started yet, and those that migrate);
//! - the `inbox`, where other threads hand back this worker's own started coroutines when they
//!   wake them (see `inbox.rs`);
//! - `ticks`, a count of tasks the worker has picked, which the monitor and thieves read to tell
//!   a processor that makes progress from one that is stuck.

use crossbeam_deque::Stealer;

use super::inbox::Inbox;
use super::task::Task;
use crate::loom::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use crate::loom::sync::Arc;

/// The parts of a processor that other threads use.
#[derive(Debug)]
pub(crate) struct Processor {
    /// The task to run next. Written by the owning worker; taken by it or by a thief.
    pub(crate) runnext: RunNext,
    /// Steals from the worker's run queue.
    pub(crate) stealer: Stealer<Arc<Task>>,
    /// This worker's started coroutines, woken by other threads.
    pub(crate) inbox: Inbox<Task>,
    /// Tasks picked so far. Written (relaxed) by the owning worker only; read by others as a hint.
    pub(crate) ticks: AtomicU64,
}

impl Processor {
    pub(crate) fn new(stealer: Stealer<Arc<Task>>) -> Processor {
        Processor {
            runnext: RunNext::default(),
            stealer,
            inbox: Inbox::default(),
            ticks: AtomicU64::new(0),
        }
    }

    /// True if tasks wait here (in the queue or in `runnext`).
    pub(crate) fn has_queued(&self) -> bool {
        !self.stealer.is_empty() || !self.runnext.is_empty()
    }

    /// The tick count, as a progress hint.
    pub(crate) fn ticks(&self) -> u64 {
        self.ticks.load(Ordering::Relaxed)
    }
}

/// A slot for one task, any thread may take it. Holds an `Arc<Task>` turned into a raw pointer.
#[derive(Debug, Default)]
pub(crate) struct RunNext {
    slot: AtomicPtr<Task>,
}

impl RunNext {
    /// Puts `task` in the slot and returns the task it displaces.
    pub(crate) fn put(&self, task: Arc<Task>) -> Option<Arc<Task>> {
        // AcqRel: release the new task to whoever takes it; acquire the one we displace.
        let old = self
            .slot
            .swap(Arc::into_raw(task).cast_mut(), Ordering::AcqRel);
        // SAFETY: a non-null slot value came from `Arc::into_raw` in this function, and the swap
        // gave us exclusive ownership of that reference.
        (!old.is_null()).then(|| unsafe { Arc::from_raw(old) })
    }

    /// Puts `task` in the slot if it is empty; else gives it back.
    pub(crate) fn put_if_empty(&self, task: Arc<Task>) -> Result<(), Arc<Task>> {
        let raw = Arc::into_raw(task).cast_mut();
        // Release: the task goes to whoever takes it.
        match self.slot.compare_exchange(
            std::ptr::null_mut(),
            raw,
            Ordering::Release,
            Ordering::Relaxed,
        ) {
            Ok(_) => Ok(()),
            // SAFETY: `raw` came from `Arc::into_raw` just above and was not published.
            Err(_) => Err(unsafe { Arc::from_raw(raw) }),
        }
    }

    /// Takes the task in the slot, if any.
    pub(crate) fn take(&self) -> Option<Arc<Task>> {
        if self.is_empty() {
            return None;
        }
        let old = self.slot.swap(std::ptr::null_mut(), Ordering::AcqRel);
        // SAFETY: as in `put`: the value came from `Arc::into_raw`, and the swap made it ours.
        (!old.is_null()).then(|| unsafe { Arc::from_raw(old) })
    }

    /// True if the slot is empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.slot.load(Ordering::Relaxed).is_null()
    }
}

impl Drop for RunNext {
    fn drop(&mut self) {
        drop(self.take());
    }
}
