//! `Unparker`: a handle that wakes one parked coroutine or plain thread, and the one way the
//! layers below the scheduler make a woken coroutine runnable.
//!
//! The timer heap, the net poller, the blocking pool and a coroutine's join slot all wake
//! whoever waits on them, but sit below the scheduler that owns them: they must not import it
//! (the runtime's layers, see `mod.rs`). So the scheduler registers itself here once, as a
//! [`Ready`], when the runtime starts, and an unparker that wins a parked coroutine's run right
//! hands the coroutine to it. No unparker of a coroutine can exist before the first coroutine,
//! and so before the registration.

use std::sync::OnceLock;

use super::task::Task;
use super::thread_parker::ThreadParker;
use crate::loom::sync::Arc;

/// Where a woken coroutine goes: the scheduler (see `Scheduler::ready`).
pub(crate) trait Ready: Sync {
    /// Makes `task`, whose run right the caller holds (it just won the task's unpark), runnable
    /// where it may run.
    fn ready(&self, task: Arc<Task>);
    /// Like `ready`, for many tasks woken together (timers that fired at once).
    fn ready_all(&self, tasks: Vec<Arc<Task>>);
}

/// The scheduler, once the runtime has started.
static SCHEDULER: OnceLock<&'static dyn Ready> = OnceLock::new();

/// Registers the scheduler. Called once, when the runtime starts, before any coroutine exists.
pub(crate) fn set_scheduler(scheduler: &'static dyn Ready) {
    let _ = SCHEDULER.set(scheduler);
}

/// The scheduler registered by [`set_scheduler`].
#[inline]
fn scheduler() -> &'static dyn Ready {
    *SCHEDULER
        .get()
        .expect("offshoot: a coroutine was woken before the runtime started")
}

/// Makes `tasks`, woken together by the caller (who holds their run rights), runnable.
#[inline]
pub(crate) fn ready_all(tasks: Vec<Arc<Task>>) {
    scheduler().ready_all(tasks);
}

/// A handle that wakes one parked coroutine or thread.
#[derive(Debug, Clone)]
pub(crate) enum Unparker {
    /// A coroutine.
    Task(Arc<Task>),
    /// A plain OS thread.
    Thread(Arc<ThreadParker>),
}

impl Unparker {
    /// Wakes the coroutine or thread, or leaves it a token if it is not parked.
    #[inline]
    pub(crate) fn unpark(&self) {
        match self {
            Unparker::Task(task) => {
                if task.unpark() {
                    scheduler().ready(task.clone());
                }
            }
            Unparker::Thread(thread) => thread.unpark(),
        }
    }

    /// True if both handles wake the same coroutine or thread.
    pub(crate) fn same(&self, other: &Unparker) -> bool {
        match (self, other) {
            (Unparker::Task(a), Unparker::Task(b)) => Arc::ptr_eq(a, b),
            (Unparker::Thread(a), Unparker::Thread(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// Like [`unpark`](Self::unpark), for a handle that is no longer needed.
    #[inline]
    pub(crate) fn unpark_owned(self) {
        match self {
            Unparker::Task(task) => {
                if task.unpark() {
                    scheduler().ready(task);
                }
            }
            Unparker::Thread(thread) => thread.unpark(),
        }
    }
}
