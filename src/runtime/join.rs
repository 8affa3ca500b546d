//! `JoinHandle`: waiting for a coroutine's result, which the coroutine leaves in its task's join
//! slot (`join_slot.rs`). The handle was created for exactly the type the body returns, so the
//! downcast of the type-erased result cannot fail.

use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::thread;

use super::park::{self, WaitReason};
use super::task::Task;
use super::worker;
use crate::loom::sync::Arc;

/// An owned permission to wait for a coroutine's end and take its result.
///
/// Dropping the handle detaches the coroutine: it runs on, and its result is dropped when it ends.
pub struct JoinHandle<T> {
    /// Taken out only by `Drop`.
    task: ManuallyDrop<Arc<Task>>,
    /// The type the coroutine's body returns (`fn() -> T`: the handle holds no `T` itself).
    marker: PhantomData<fn() -> T>,
}

impl<T: 'static> JoinHandle<T> {
    /// A handle to `task`, whose body returns a `T` into its slot.
    pub(crate) fn new(task: Arc<Task>) -> JoinHandle<T> {
        JoinHandle {
            task: ManuallyDrop::new(task),
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
            if let Some(result) = slot.take_or_wait(park::current) {
                break result;
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
        self.task.join_slot().is_finished()
    }

    /// The coroutine's name, if [`Builder::name`](crate::Builder::name) gave it one.
    pub fn name(&self) -> Option<&str> {
        self.task.join_slot().name.as_deref()
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        // Taken out first, so that a result whose `Drop` panics below does not leak the task.
        // SAFETY: `drop` runs once, and `self.task` is not used after this.
        let task = unsafe { ManuallyDrop::take(&mut self.task) };
        // Dropped here, by the handle's owner: see "Where a result is dropped".
        drop(task.join_slot().detach());
        // If the coroutine has ended and this was the last reference, the task goes back to
        // this worker for reuse (see `task_cache.rs`).
        let worker = worker::current();
        // SAFETY: a non-null current worker lives on this thread's stack while the thread runs;
        // we use it now, on this thread, and keep nothing.
        match unsafe { worker.as_ref() } {
            Some(worker) if task.join_slot().is_finished() => worker.recycle_task(task),
            _ => drop(task),
        }
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
