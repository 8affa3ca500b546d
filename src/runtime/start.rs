//! Starting the runtime: the one scheduler of the process, made on first use (like Go's), its
//! worker threads and its monitor thread.
//!
//! This is the top of the runtime's layers (see `mod.rs`): it knows the scheduler, the workers
//! and the monitor's watch, and only the surface (`go`, `park`, timers, sockets, the blocking
//! call) calls [`get`]. Nothing below it starts the runtime or reaches the scheduler through a
//! global: the parts the scheduler owns get it passed in, and a woken coroutine reaches it
//! through `unparker.rs`, where it registers here.

use std::sync::OnceLock;

use super::config;
use super::scheduler::Scheduler;
use super::unparker;
use super::watch;
use super::worker;
use crate::loom::thread;

static SCHEDULER: OnceLock<&'static Scheduler> = OnceLock::new();

/// The runtime, started on first call.
pub(crate) fn get() -> &'static Scheduler {
    SCHEDULER.get_or_init(start)
}

fn start() -> &'static Scheduler {
    let settings = config::take_settings();
    let (sched, queues) = Scheduler::new(&settings);
    let sched: &'static Scheduler = Box::leak(Box::new(sched));
    unparker::set_scheduler(sched);
    for (index, queue) in queues.into_iter().enumerate() {
        thread::Builder::new()
            .name(format!("offshoot-worker-{index}"))
            .spawn(move || worker::run(sched, index, queue))
            .expect("offshoot: cannot start a worker thread");
    }
    thread::Builder::new()
        .name("offshoot-monitor".into())
        .spawn(move || watch::run(sched))
        .expect("offshoot: cannot start the monitor thread");
    sched
}
