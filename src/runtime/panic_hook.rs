//! A panic names its coroutine. Rust's panic message names the thread (`offshoot-worker-0`),
//! which says nothing about which of the worker's coroutines panicked; Go's names the goroutine.
//! So the runtime wraps the panic hook in place when it starts: in a coroutine, a line naming it
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

use super::context;

/// Wraps the current panic hook. Skipped while this thread is panicking (a `Drop` run by an
/// unwinding panic may start the runtime), where `set_hook` itself would panic.
pub(crate) fn install() {
    if std::thread::panicking() {
        return;
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
