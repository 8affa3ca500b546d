//! `JoinHandle`: waiting for a coroutine's result.
//!
//! The result slot lives inside the coroutine's [`Task`], so starting a coroutine allocates once
//! (the task), not twice. The result is stored type-erased, as `Box<dyn Any + Send>` (which
//! allocates nothing for `()`, the common case), and the typed handle downcasts it back: the
//! handle was created for exactly the type the body returns, so the downcast cannot fail.
//!
//! The coroutine fills the slot when its body returns or panics, then wakes the joiner if one is
//! waiting; the joiner checks the slot, registers itself and parks, under the slot's lock, so the
//! result cannot arrive unseen between the check and the park.
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
use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};
use std::thread;

use super::park::{self, Unparker, WaitReason};
use super::task::Task;
use crate::loom::sync::atomic::{AtomicBool, Ordering};
use crate::loom::sync::{Arc, Mutex};

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

    /// The handle is being dropped: returns the result if it arrived, for the caller to drop, or
    /// marks the slot so that the coroutine drops it.
    fn detach(&self) -> Option<ErasedResult> {
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

/// An owned permission to wait for a coroutine's end and take its result.
///
/// Dropping the handle detaches the coroutine: it runs on, and its result is dropped when it ends.
pub struct JoinHandle<T> {
    task: Arc<Task>,
    /// The type the coroutine's body returns (`fn() -> T`: the handle holds no `T` itself).
    marker: PhantomData<fn() -> T>,
}

impl<T: 'static> JoinHandle<T> {
    /// A handle to `task`, whose body returns a `T` into its slot.
    pub(crate) fn new(task: Arc<Task>) -> JoinHandle<T> {
        JoinHandle {
            task,
            marker: PhantomData,
        }
    }

    /// Waits for the coroutine to end and returns its result, or the payload of its panic as
    /// `Err`, like [`std::thread::JoinHandle::join`]. From a coroutine this parks only the caller.
    pub fn join(self) -> thread::Result<T> {
        match self.join_unless(|| None::<()>) {
            Ok(result) => result,
            Err(()) => unreachable!("never interrupted"),
        }
    }

    /// Like [`join`](Self::join), but gives up with `Err` when `interrupted`, asked after each
    /// wake-up, returns something (`run`'s deadlock report).
    pub(crate) fn join_unless<R>(
        self,
        mut interrupted: impl FnMut() -> Option<R>,
    ) -> Result<thread::Result<T>, R> {
        let slot = self.task.join_slot();
        let result = loop {
            {
                let mut inner = slot.inner.lock();
                if let Some(result) = inner.result.take() {
                    break result;
                }
                inner.waiter = Some(park::current());
            }
            if let Some(reason) = interrupted() {
                return Err(reason);
            }
            park::park(WaitReason::Join);
        };
        Ok(result.map(|value| match value.downcast::<T>() {
            Ok(value) => *value,
            Err(_) => unreachable!("a coroutine's result has the type its handle was made for"),
        }))
    }
}

impl<T> JoinHandle<T> {
    /// True once the coroutine has ended (returned or panicked); `join` will not wait then.
    pub fn is_finished(&self) -> bool {
        self.task.join_slot().finished.load(Ordering::Acquire)
    }

    /// The coroutine's name, if [`Builder::name`](crate::Builder::name) gave it one.
    pub fn name(&self) -> Option<&str> {
        self.task.join_slot().name.as_deref()
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        // Dropped here, by the handle's owner: see "Where a result is dropped".
        drop(self.task.join_slot().detach());
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("name", &self.name())
            .field("finished", &self.is_finished())
            .finish()
    }
}
