//! `runnext`: a processor's slot for the one task to run next (see `processor.rs`).
//!
//! Every operation is one atomic swap or compare-exchange on a pointer, so the slot hands each
//! task it holds to exactly one taker: its owning worker, a thief taking it from a stuck
//! processor, or a spawner on another worker that puts a new coroutine there and gets back what
//! it displaces (`Scheduler::hand_over`). The release half of each write publishes the task to
//! whoever takes it; the acquire half of each take sees it.

use crate::loom::sync::atomic::{AtomicPtr, Ordering};
use crate::loom::sync::Arc;

/// A slot for one task; any thread may put or take it. Holds an `Arc<T>` turned into a raw
/// pointer. (Generic so that loom can model it with a stand-in task: see `loom_wake.rs`.)
#[derive(Debug)]
pub(crate) struct RunNext<T> {
    slot: AtomicPtr<T>,
}

impl<T> Default for RunNext<T> {
    fn default() -> Self {
        RunNext {
            slot: AtomicPtr::new(std::ptr::null_mut()),
        }
    }
}

impl<T> RunNext<T> {
    /// Puts `task` in the slot and returns the task it displaces.
    pub(crate) fn put(&self, task: Arc<T>) -> Option<Arc<T>> {
        // AcqRel: release the new task to whoever takes it; acquire the one we displace.
        let old = self
            .slot
            .swap(Arc::into_raw(task).cast_mut(), Ordering::AcqRel);
        // SAFETY: a non-null slot value came from `Arc::into_raw` in this function, and the swap
        // gave us exclusive ownership of that reference.
        (!old.is_null()).then(|| unsafe { Arc::from_raw(old) })
    }

    /// Puts `task` in the slot if it is empty; else gives it back.
    pub(crate) fn put_if_empty(&self, task: Arc<T>) -> Result<(), Arc<T>> {
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
    pub(crate) fn take(&self) -> Option<Arc<T>> {
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

impl<T> Drop for RunNext<T> {
    fn drop(&mut self) {
        drop(self.take());
    }
}
