//! What is running on this OS thread: the current task, if a coroutine is running. (The current
//! worker, if this is a worker thread, is `worker.rs`'s.)
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

thread_local! {
    /// The task whose coroutine runs on this thread now, or null. Set by the worker around each
    /// `resume`; the worker holds an `Arc<Task>` for at least that long.
    static TASK: Cell<*const Task> = const { Cell::new(ptr::null()) };
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

/// True if the caller is a coroutine that has waited on a socket (an accept loop, a server's
/// connection handler).
pub(crate) fn waited_on_socket() -> bool {
    let task = current_task();
    // SAFETY: a non-null current task runs this very code, and its worker holds an `Arc<Task>`
    // meanwhile; we read one flag now.
    unsafe { task.as_ref() }.is_some_and(Task::waited_on_socket)
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
