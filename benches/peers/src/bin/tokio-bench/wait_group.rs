//! Go's `sync.WaitGroup` for tokio tasks, which tokio lacks: a count of unfinished work and a
//! `Notify` that the last `done` fires.
//!
//! Only one task may `wait`: `notify_one` wakes one waiter, or leaves a permit for the next
//! `notified()` if nobody waits yet, which is what makes the check-then-wait race-free: a
//! `done` that lands between `wait`'s check and its `notified().await` leaves that permit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::Notify;

#[derive(Clone, Default)]
pub struct WaitGroup {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Work added and not yet done.
    count: AtomicUsize,
    /// Fired by the `done` that brings `count` to zero.
    zero: Notify,
}

impl WaitGroup {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `n` to the work to wait for; call it before starting the work, as in Go.
    pub fn add(&self, n: usize) {
        // Relaxed: the task that will call `done` is spawned after this, and spawning orders it.
        self.inner.count.fetch_add(n, Ordering::Relaxed);
    }

    /// Marks one piece of work done.
    pub fn done(&self) {
        // Release: what the task did before `done` is visible to the waiter's Acquire load.
        if self.inner.count.fetch_sub(1, Ordering::Release) == 1 {
            self.inner.zero.notify_one();
        }
    }

    /// Waits until every piece of work added is done.
    pub async fn wait(&self) {
        while self.inner.count.load(Ordering::Acquire) != 0 {
            self.inner.zero.notified().await;
        }
    }
}
