//! Time: sleeping without blocking the worker, and timers as channels.
//!
//! A coroutine that sleeps parks on a timer; its worker runs other coroutines meanwhile, and the
//! runtime's monitor thread wakes it at the deadline. A plain thread just sleeps.
//!
//! [`after`] and [`tick`] are Go's `time.After` and `time.Tick` (and crossbeam's `after` and
//! `tick`): channels on which the monitor thread sends the time, for use in `select!`.
//! A sleep never ends early; it may end a little late (the monitor's wake-up latency, typically
//! well under a millisecond, plus the wait for a free worker).

use std::time::{Duration, Instant};

use crate::chan::{chan_never_closed, Receiver, Sender, TrySendError};
use crate::runtime::{context, park, scheduler};

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

/// A channel that receives the time once, `duration` from now: Go's `time.After`.
///
/// The channel holds one value and never closes, so a second receive waits forever, as in Go.
///
/// ```
/// use std::time::Duration;
/// let (_tx, rx) = offshoot::chan::<i32>(0);
/// let timed_out = offshoot::select! {
///     recv(rx) -> _ => false,
///     recv(offshoot::time::after(Duration::from_millis(10))) -> _ => true,
/// };
/// assert!(timed_out);
/// ```
pub fn after(duration: Duration) -> Receiver<Instant> {
    let (tx, rx) = chan_never_closed(1);
    if let Some(deadline) = Instant::now().checked_add(duration) {
        scheduler::get().monitor.call_at(deadline, move || {
            let _ = tx.try_send(Instant::now());
        });
    }
    rx
}

/// A channel that receives the time every `period`: Go's `time.Tick`. A tick the reader has not
/// taken yet when the next is due is dropped, not queued, as Go's ticker does. The ticks stop
/// once the receiver is dropped.
///
/// # Panics
/// If `period` is zero (Go's `NewTicker` panics on a non-positive interval).
pub fn tick(period: Duration) -> Receiver<Instant> {
    assert!(
        !period.is_zero(),
        "offshoot::time::tick: the period must be positive"
    );
    let (tx, rx) = chan_never_closed(1);
    if let Some(first) = Instant::now().checked_add(period) {
        arm_tick(tx, first, period);
    }
    rx
}

/// Sets the timer for the tick due at `due`; each tick sets the next.
fn arm_tick(tx: Sender<Instant>, due: Instant, period: Duration) {
    scheduler::get().monitor.call_at(due, move || {
        let now = Instant::now();
        if let Err(TrySendError::Closed(_)) = tx.try_send(now) {
            return; // the receiver is gone
        }
        // Skip ticks that are already past (a stalled machine), keeping the phase.
        let mut next = due + period;
        while next <= now {
            next += period;
        }
        arm_tick(tx, next, period);
    });
}
