//! The monitor thread's sleep and wake-up.
//!
//! The monitor (`watch.rs`) looks at the workers every few milliseconds while any is awake. When
//! every worker sleeps there is nothing to watch: one of them sleeps in the poller until the
//! next timer (see `scheduler.rs`). The monitor then sleeps until a worker wakes up and pokes it
//! (`worker_woke`), so an idle runtime costs no CPU. The dormant flag is set and checked under
//! the monitor's lock, and the poke takes the same lock before notifying, so a poke cannot slip
//! between the monitor's check and its wait. While someone waits in `run`, the sleep is bounded,
//! for the deadlock watch's next look.

use std::time::{Duration, Instant};

use crate::loom::sync::atomic::{AtomicBool, Ordering};
use crate::loom::sync::{Condvar, Mutex};

/// The monitor's sleep and wake-up, and its settings.
#[derive(Debug, Default)]
pub(crate) struct Monitor {
    lock: Mutex<()>,
    /// Notified when a worker wakes while the monitor is dormant.
    changed: Condvar,
    /// True while the monitor sleeps with no watch because all workers were asleep.
    dormant: AtomicBool,
    /// `Config::deadlock_report`.
    pub(crate) deadlock_report: bool,
    /// `Config::stall_report`.
    pub(crate) stall_report: Option<Duration>,
}

impl Monitor {
    /// A monitor with the deadlock report on or off, and the stall report after `stall_report`.
    pub(crate) fn new(deadlock_report: bool, stall_report: Option<Duration>) -> Monitor {
        Monitor {
            deadlock_report,
            stall_report,
            ..Monitor::default()
        }
    }

    /// Called after a worker wakes up: ends a dormant wait so the watch resumes.
    pub(crate) fn worker_woke(&self) {
        // SeqCst pairs with the monitor's store of `dormant` and load of the sleeping count.
        if self.dormant.load(Ordering::SeqCst) {
            let _lock = self.lock.lock();
            self.changed.notify_one();
        }
    }

    /// Sleeps until `until`; or, if `all_asleep()` (every worker sleeps), until a worker wakes,
    /// or for `look_after` at most if that is given.
    pub(crate) fn sleep(
        &self,
        all_asleep: impl Fn() -> bool,
        until: Instant,
        look_after: Option<Duration>,
    ) {
        let mut lock = self.lock.lock();
        self.dormant.store(true, Ordering::SeqCst);
        if !all_asleep() {
            self.dormant.store(false, Ordering::Relaxed);
            self.changed.wait_until(&mut lock, until);
        } else if let Some(look_after) = look_after {
            self.changed.wait_for(&mut lock, look_after);
            self.dormant.store(false, Ordering::Relaxed);
        } else {
            self.changed.wait(&mut lock);
            self.dormant.store(false, Ordering::Relaxed);
        }
    }
}
