//! Park and unpark: the one blocking primitive that every waiting operation in offshoot uses
//! (channels, timers, `Mutex`, `WaitGroup`, `JoinHandle::join`).
//!
//! It works the same for a coroutine and for a plain OS thread, which is what lets every API be
//! called from outside the runtime:
//! - in a coroutine, `park` suspends only the coroutine (see `park_state.rs` for its state
//!   machine), and `unpark` makes it runnable again on its home worker: in `runnext` if the
//!   waker runs there, else through that worker's inbox (see `scheduler.rs`, reached through
//!   `unparker.rs`);
//! - on a plain thread, they are `std::thread::park` and `Thread::unpark`.
//!
//! The contract is `std::thread::park`'s: `unpark` leaves a single token, `park` consumes it or
//! waits for one, and `park` may return spuriously. The usual pattern is: register an
//! [`Unparker`] where the waker will find it, check the condition once more, then `park` in a
//! loop until the condition holds.

use std::time::Instant;

use super::context;
use super::start;
use super::task::{Switch, Task};
use super::thread_parker;
use super::timer::Action;
pub(crate) use super::unparker::Unparker;
pub(crate) use super::wait::WaitReason;
use super::worker;
use crate::loom::sync::Arc;
use crate::loom::thread;

/// A handle that wakes the caller: the current coroutine, or else the current thread.
pub(crate) fn current() -> Unparker {
    let task = context::current_task();
    if task.is_null() {
        return Unparker::Thread(thread_parker::current());
    }
    // SAFETY: the current task pointer came from `Arc::as_ptr` of an `Arc<Task>` that the
    // worker holds for as long as this coroutine runs, so the count is at least one and the
    // pointer is one `Arc::from_raw` accepts; we add the reference we are about to own.
    unsafe {
        Arc::increment_strong_count(task);
        Unparker::Task(Arc::from_raw(task))
    }
}

/// Blocks the caller, which waits for `why`, until it is unparked (or spuriously). Only the
/// coroutine parks; its worker goes on running others.
pub(crate) fn park(why: WaitReason) {
    match current_task() {
        Some(task) => {
            list(task);
            task.park(why);
        }
        None => thread_parker::park(),
    }
}

/// Like [`park`], but returns by `deadline` at the latest.
pub(crate) fn park_until(deadline: Instant, why: WaitReason) {
    if Instant::now() >= deadline {
        return;
    }
    match current_task() {
        Some(task) => {
            list(task);
            let sched = start::get();
            let timer = sched.add_timer(deadline, Action::Unpark(current()));
            task.park(why);
            sched.timers.cancel(&timer);
        }
        None => thread_parker::park_until(deadline),
    }
}

/// Parks the current coroutine until `deadline`, which must be in the future. Unlike
/// [`park_until`], a stray unpark does not end the wait, and nothing needs cancelling after:
/// the timer has always fired by the time this returns.
fn sleep_coroutine_until(task: &Task, deadline: Instant) {
    list(task);
    let timer = start::get().add_timer(deadline, Action::Unpark(current()));
    while !timer.fired() {
        task.park(WaitReason::Sleep);
    }
}

/// Puts the current coroutine (or thread) to sleep until `deadline`: `time::sleep_until`.
pub(crate) fn sleep_until(deadline: Instant) {
    let now = Instant::now();
    if deadline <= now {
        return;
    }
    match current_task() {
        Some(task) => sleep_coroutine_until(task, deadline),
        None => std::thread::sleep(deadline - now),
    }
}

/// Gives the rest of this turn to other coroutines (a coroutine goes to the back of its run
/// queue); on a plain thread, `std::thread::yield_now`.
pub fn yield_now() {
    match current_task() {
        // An unwinding coroutine must keep its thread (see `Task::park_in_place`).
        Some(task) if !task.must_stay() => {
            list(task);
            task.suspend(Switch::Yield);
        }
        _ => thread::yield_now(),
    }
}

/// Records that the running coroutine (if any) waits on a socket.
pub(crate) fn note_socket_wait() {
    if let Some(task) = current_task() {
        task.set_waited_on_socket();
    }
}

/// Lists `task`, the running coroutine, in the registry of coroutines before its first
/// suspension (see `registry.rs` for why then). A relaxed load when it is listed already.
#[inline]
fn list(task: &Task) {
    if !task.is_registered() {
        list_now();
    }
}

#[cold]
fn list_now() {
    let (Some(index), task) = (worker::current_index(), context::current_task()) else {
        return;
    };
    // SAFETY: the current task pointer came from `Arc::as_ptr` of the `Arc<Task>` its worker
    // holds for the whole resume, so the count is at least one and the pointer is one
    // `Arc::from_raw` accepts; we add the reference the registry will own.
    let task = unsafe {
        Arc::increment_strong_count(task);
        Arc::from_raw(task)
    };
    start::get().registry.insert(task, index);
}

/// The task of the running coroutine, or `None` on a plain thread.
fn current_task() -> Option<&'static Task> {
    let task = context::current_task();
    // SAFETY: a non-null current task runs this very code, and whoever resumes it holds an
    // `Arc<Task>` meanwhile, so it outlives every use inside the coroutine; the `'static` is
    // never observable, since callers keep the reference inside the coroutine.
    unsafe { task.as_ref() }
}
