//! What is running on this OS thread: the current task (if a coroutine is running) and the
//! current worker (if this is a worker thread).
//!
//! # Thread-locals and migration
//!
//! A coroutine can suspend on one worker thread and resume on another, so a thread-local read
//! before a switch may describe the wrong thread after it. Two rules keep this module sound:
//! - every access is a separate `#[inline(never)]` function that copies a raw pointer out of
//!   the thread-local and returns, so no thread-local address outlives the call (LLVM may
//!   otherwise reuse a thread-local address across a call that switches stacks,
//!   llvm-project#98479);
//! - callers use what they read at once and never keep it across a park or yield: they ask
//!   again after the switch.

use std::cell::Cell;
use std::ptr;

use super::task::{Task, Yielder};
use super::worker::Worker;

thread_local! {
    /// The task whose coroutine runs on this thread now, or null. Set by the worker around each
    /// `resume`; the worker holds an `Arc<Task>` for at least that long.
    static TASK: Cell<*const Task> = const { Cell::new(ptr::null()) };
    /// The worker running on this thread, or null on other threads. The worker lives on this
    /// thread's stack for as long as the thread runs.
    static WORKER: Cell<*const Worker> = const { Cell::new(ptr::null()) };
}

/// The task running on this thread, or null outside a coroutine.
#[inline(never)]
pub(crate) fn current_task() -> *const Task {
    TASK.with(Cell::get)
}

/// Records the task the worker is about to resume (null once it has suspended).
#[inline(never)]
pub(crate) fn set_current_task(task: *const Task) {
    TASK.with(|t| t.set(task));
}

/// The worker of this thread, or null if this is not a worker thread.
#[inline(never)]
pub(crate) fn current_worker() -> *const Worker {
    WORKER.with(Cell::get)
}

/// Records this thread's worker. Called once, when the worker thread starts.
#[inline(never)]
pub(crate) fn set_current_worker(worker: *const Worker) {
    WORKER.with(|w| w.set(worker));
}

/// The index of this thread's worker (its processor), or `None` off the workers.
pub(crate) fn current_processor() -> Option<usize> {
    let worker = current_worker();
    // SAFETY: a non-null worker lives on this thread's stack for as long as the thread runs;
    // we read its index now, on this thread.
    unsafe { worker.as_ref() }.map(Worker::index)
}

/// True if the caller runs inside a coroutine.
pub(crate) fn in_coroutine() -> bool {
    !current_task().is_null()
}

/// Called by a coroutine's body when it first runs: remembers its suspend handle, and returns
/// the coroutine's own task.
pub(crate) fn bind_yielder(yielder: &Yielder) -> &Task {
    let task = current_task();
    assert!(!task.is_null(), "a coroutine started outside a worker");
    // SAFETY: a non-null current task runs this code, and whoever resumes it holds an
    // `Arc<Task>` meanwhile, so it outlives the body; the returned lifetime is the yielder's,
    // which lives on the coroutine's stack and so ends with the body.
    let task = unsafe { &*task };
    task.set_yielder(yielder);
    task
}
