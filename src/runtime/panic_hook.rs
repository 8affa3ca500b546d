//! A panic names its coroutine. Rust's panic message names the thread (`offshoot-worker-0`),
//! which says nothing about which of the worker's coroutines panicked; Go's names the goroutine.
//! So the hook in place when the first coroutine is spawned is wrapped: in a coroutine, a line naming it
//! comes first, then the previous hook runs as before (the default prints the message and the
//! location).
//!
//! ```text
//! offshoot: coroutine 17 "fetcher" panicked; its JoinHandle's join() returns the payload
//! thread 'offshoot-worker-0' panicked at src/main.rs:9:13:
//! connection refused
//! ```
//!
//! A hook the program sets after the runtime started replaces this one, as any `set_hook` does.

use std::panic::{self, PanicHookInfo};
use std::sync::atomic::{AtomicBool, Ordering};

use super::context;

/// Wraps the current panic hook, once per process. Put off while this thread is panicking (a
/// `Drop` run by an unwinding panic may spawn the first coroutine), where `set_hook` itself
/// would panic: the next spawn from a plain thread installs it.
pub(crate) fn install() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.load(Ordering::Acquire) || std::thread::panicking() {
        return;
    }
    if INSTALLED.swap(true, Ordering::AcqRel) {
        return; // another thread got there first
    }
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
        name_the_coroutine();
        previous(info);
    }));
}

fn name_the_coroutine() {
    let task = context::current_task();
    // SAFETY: a non-null current task is the one running on this thread, and the worker holds
    // an `Arc` to it for the whole `resume`; the hook runs inside that resume.
    let Some(task) = (unsafe { task.as_ref() }) else {
        return;
    };
    match task.name() {
        Some(name) => eprintln!(
            "offshoot: coroutine {} {name:?} panicked; its JoinHandle's join() returns the payload",
            task.id()
        ),
        None => eprintln!(
            "offshoot: coroutine {} panicked; its JoinHandle's join() returns the payload",
            task.id()
        ),
    }
}
