//! Starting the runtime: the one scheduler of the process, made on first use (like Go's), its
//! worker threads and its monitor thread.
//!
//! This is the top of the runtime's layers (see `mod.rs`): it knows the scheduler, the workers
//! and the monitor's watch, and only the surface (`go`, `park`, timers, sockets, the blocking
//! call) calls [`get`]. Nothing below it starts the runtime or reaches the scheduler through a
//! global: the parts the scheduler owns get it passed in, and a woken coroutine reaches it
//! through `unparker.rs`, where it registers here.

use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

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

/// How long the first use waits for the worker threads to come up (see [`start`]); a worker
/// later than that joins when it comes.
const STARTUP_WAIT: Duration = Duration::from_secs(1);

/// Makes the scheduler and starts its threads. Returns once every worker is ready to run and
/// steal (or after [`STARTUP_WAIT`]): a coroutine stays where it starts (see `task.rs`), and a
/// worker thread that came up late (3 ms after the other, now and then, on this busy machine)
/// found every coroutine of a program's first burst started on the other worker, for good.
/// Eight coroutines that compute and yield then shared one core instead of two.
fn start() -> &'static Scheduler {
    let settings = config::take_settings();
    let (sched, queues) = Scheduler::new(&settings);
    let sched: &'static Scheduler = Box::leak(Box::new(sched));
    unparker::set_scheduler(sched);
    let workers = queues.len();
    let started = std::sync::Arc::new(Started::default());
    for (index, queue) in queues.into_iter().enumerate() {
        let started = started.clone();
        thread::Builder::new()
            .name(format!("offshoot-worker-{index}"))
            .spawn(move || worker::run(sched, index, queue, &|| started.one_more()))
            .expect("offshoot: cannot start a worker thread");
    }
    started.wait_for(workers, STARTUP_WAIT);
    thread::Builder::new()
        .name("offshoot-monitor".into())
        .spawn(move || watch::run(sched))
        .expect("offshoot: cannot start the monitor thread");
    sched
}

/// Worker threads ready so far, for [`start`] to wait on.
#[derive(Default)]
struct Started {
    count: Mutex<usize>,
    changed: Condvar,
}

impl Started {
    fn one_more(&self) {
        *self.count.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.changed.notify_all();
    }

    /// Waits until `n` are ready, or for `limit` at most.
    fn wait_for(&self, n: usize, limit: Duration) {
        let deadline = Instant::now() + limit;
        let mut count = self.count.lock().unwrap_or_else(|e| e.into_inner());
        while *count < n {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return;
            };
            count = self
                .changed
                .wait_timeout(count, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}
