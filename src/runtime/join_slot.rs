//! A coroutine's join slot: where its result waits for its `JoinHandle`.
//!
//! The slot lives inside the coroutine's `Task`, so starting a coroutine allocates once (the
//! task), not twice. The result is stored type-erased, as `Box<dyn Any + Send>` (which
//! allocates nothing for `()`, the common case); the typed handle (`join.rs`) downcasts it back.
//!
//! The coroutine fills the slot when its body returns or panics, then wakes the joiner if one is
//! waiting; the joiner checks the slot and registers itself under the slot's lock, so the result
//! cannot arrive unseen between the check and the park.
//!
//! # Where a result is dropped
//!
//! A result is user code: its `Drop` may panic. It must never be dropped by a runtime thread
//! outside a catch (a worker's loop, the monitor, a pool thread, which could otherwise die of
//! it), so it is never left in a task for whoever drops the task's last reference. A handle
//! dropped before the result arrives marks the slot detached, and the coroutine drops its own
//! result, inside a catch; a handle dropped after it takes the result and drops it there, in the
//! code that dropped the handle.

use std::any::Any;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::thread;

use super::unparker::Unparker;
use crate::loom::sync::atomic::{AtomicBool, Ordering};
use crate::loom::sync::Mutex;

/// A finished coroutine's value, or its panic payload, type-erased.
pub(crate) type ErasedResult = thread::Result<Box<dyn Any + Send>>;

/// The result slot of a task, shared by the coroutine and its handle.
#[derive(Debug, Default)]
pub(crate) struct JoinSlot {
    /// The coroutine's name, if it was given one. Fixed at spawn.
    pub(crate) name: Option<String>,
    /// Set, with release, after the result is stored.
    finished: AtomicBool,
    inner: Mutex<SlotInner>,
}

#[derive(Default)]
struct SlotInner {
    result: Option<ErasedResult>,
    /// The joiner, while it waits.
    waiter: Option<Unparker>,
    /// The handle is gone: nobody will take the result.
    detached: bool,
}

impl fmt::Debug for SlotInner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlotInner")
            .field("has_result", &self.result.is_some())
            .finish()
    }
}

impl JoinSlot {
    pub(crate) fn new(name: Option<String>) -> JoinSlot {
        JoinSlot {
            name,
            ..JoinSlot::default()
        }
    }

    /// Empties the slot of a finished task for reuse (see `Task::reset`), whose result is gone.
    pub(crate) fn reset(&mut self) {
        self.name = None;
        *self.finished.get_mut() = false;
        let inner = self.inner.get_mut();
        debug_assert!(inner.result.is_none(), "a result left in a recycled task");
        inner.waiter = None;
        inner.detached = false;
    }

    /// Called by the coroutine as its last act: stores the result and wakes the joiner, or, if
    /// the handle is gone, drops the result here, in the coroutine.
    pub(crate) fn complete(&self, result: ErasedResult) {
        let mut inner = self.inner.lock();
        self.finished.store(true, Ordering::Release);
        if inner.detached {
            drop(inner);
            drop_guarded(result);
            return;
        }
        inner.result = Some(result);
        let waiter = inner.waiter.take();
        drop(inner);
        if let Some(waiter) = waiter {
            waiter.unpark_owned();
        }
    }

    /// The joiner's step: takes the result if it has arrived, or else leaves the waiter that
    /// `waiter` makes (only then) to be woken when it does.
    #[inline(always)]
    pub(crate) fn take_or_wait(&self, waiter: impl FnOnce() -> Unparker) -> Option<ErasedResult> {
        let mut inner = self.inner.lock();
        let result = inner.result.take();
        if result.is_none() {
            inner.waiter = Some(waiter());
        }
        result
    }

    /// True once the result is stored (acquire: the result is then visible).
    #[inline]
    pub(crate) fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }

    /// The handle is being dropped: returns the result if it arrived, for the caller to drop, or
    /// marks the slot so that the coroutine drops it.
    pub(crate) fn detach(&self) -> Option<ErasedResult> {
        let mut inner = self.inner.lock();
        inner.detached = true;
        inner.result.take()
    }
}

/// Drops a detached coroutine's result (or panic payload), keeping a panic of its `Drop` from
/// going further: the panic hook has reported it already. The payload of that second panic is
/// leaked rather than dropped, since its own `Drop` could panic again.
fn drop_guarded(result: ErasedResult) {
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(move || drop(result))) {
        std::mem::forget(payload);
        eprintln!("offshoot: the result of a detached coroutine panicked when dropped; ignored");
    }
}
