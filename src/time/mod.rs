//! Time: sleeping without blocking the worker, and timers as channels.
//!
//! A coroutine that sleeps parks on a timer; its worker runs other coroutines meanwhile, and the
//! runtime's monitor thread wakes it at the deadline. A plain thread just sleeps.
//!
//! [`Timer`] and [`Ticker`] are Go's: a channel `c` on which the runtime sends the time when the
//! timer expires or the ticker ticks, with `reset` and `stop`. [`after`] and [`tick`] are Go's
//! `time.After` and `time.Tick` (and crossbeam's `after` and `tick`), their channels alone. All
//! of them work in `select!`:
//!
//! ```
//! use std::time::Duration;
//! use offshoot::time::{after, Ticker};
//!
//! let ticker = Ticker::new(Duration::from_millis(5));
//! let timeout = after(Duration::from_millis(100));
//! let mut ticks = 0;
//! loop {
//!     offshoot::select! {
//!         recv(ticker.c) -> _ => ticks += 1,
//!         recv(timeout) -> _ => break,
//!     }
//! }
//! ticker.stop();
//! assert!(ticks > 0);
//! ```
//!
//! Timers fire from the runtime's timer heap (see the runtime's `timer.rs`): an idle runtime
//! waits for the earliest one in its net poller. A sleep or a timer never fires early; it may
//! fire a little late (the wake-up latency, typically well under a millisecond, plus the wait for
//! a free worker).
//!
//! Stopping and resetting follow Go 1.23 and later: once `stop` or `reset` returns, no value the
//! timer or ticker prepared before the call will be received, so there is no channel to drain
//! first.

use std::time::{Duration, Instant};

mod alarm;
mod ticker;
mod timer;

pub use ticker::Ticker;
pub use timer::Timer;

use crate::chan::Receiver;
use crate::runtime::park;

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
    park::sleep_until(deadline);
}

/// A channel that receives the time once, `duration` from now: Go's `time.After`.
///
/// The channel holds one value and never closes, so a second receive waits forever, as in Go.
/// Dropping the channel (and every clone of it) stops the timer at once, as Go 1.23 collects an
/// unreferenced timer, and its memory goes with the runtime's next sweep of stopped timers
/// rather than at its deadline: a loop that selects on a fresh `after(d)` every time round keeps
/// no memory for the timers it did not need.
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
    Timer::new(duration).c
}

/// A channel that receives one value at `when`, or at once if `when` has passed:
/// crossbeam-channel's `at`. Like [`after`], it holds one value, never closes, and stops its
/// timer when the last receiver is dropped. The value is the time of sending, which is `when`
/// or a little after.
///
/// ```
/// use std::time::{Duration, Instant};
/// let when = Instant::now() + Duration::from_millis(10);
/// let got = offshoot::time::at(when).recv().unwrap();
/// assert!(got >= when);
/// assert!(Instant::now() >= when);
/// ```
pub fn at(when: Instant) -> Receiver<Instant> {
    alarm::Alarm::start_at(when).1
}

/// A channel that receives the time every `period`: Go's `time.Tick`. A tick the reader has not
/// taken yet when the next is due is dropped, not queued, as Go's ticker does. The ticks stop as
/// soon as the receiver (and every clone of it) is dropped, and the ticker's memory goes soon
/// after, as for [`after`].
///
/// # Panics
/// If `period` is zero (Go's `NewTicker` panics on a non-positive interval).
pub fn tick(period: Duration) -> Receiver<Instant> {
    Ticker::new(period).c
}
