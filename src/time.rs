//! Time: sleeping without blocking the worker.
//!
//! A coroutine that sleeps parks on a timer; its worker runs other coroutines meanwhile, and the
//! runtime's monitor thread wakes it at the deadline. A plain thread just sleeps.
//! A sleep never ends early; it may end a little late (the monitor's wake-up latency, typically
//! well under a millisecond, plus the wait for a free worker).

use std::time::{Duration, Instant};

use crate::runtime::{context, park};

/// Puts the current coroutine (or thread) to sleep for at least `duration`.
///
/// ```
/// use std::time::{Duration, Instant};
/// let start = Instant::now();
/// offshoot::run(|| offshoot::time::sleep(Duration::from_millis(20)));
/// assert!(start.elapsed() >= Duration::from_millis(20));
/// ```
pub fn sleep(duration: Duration) {
    match Instant::now().checked_add(duration) {
        Some(deadline) => sleep_until(deadline),
        // A deadline past what Instant can hold: forever, as far as anyone can tell.
        None => loop {
            sleep(Duration::from_secs(60 * 60 * 24 * 365));
        },
    }
}

/// Puts the current coroutine (or thread) to sleep until `deadline`.
pub fn sleep_until(deadline: Instant) {
    if !context::in_coroutine() {
        let now = Instant::now();
        if deadline > now {
            std::thread::sleep(deadline - now);
        }
        return;
    }
    // park_until may return early (a stale wake-up token): wait until the deadline has passed.
    while Instant::now() < deadline {
        park::park_until(deadline);
    }
}
