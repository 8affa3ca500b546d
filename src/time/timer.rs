//! `Timer`: Go's `time.Timer`, one value on a channel after a delay.

use std::fmt;
use std::time::{Duration, Instant};

use super::alarm::Alarm;
use crate::chan::Receiver;
use crate::loom::sync::Arc;

/// A single event: the time, sent on [`c`](Timer::c) once the timer expires. Go's `time.Timer`.
///
/// ```
/// use std::time::Duration;
/// use offshoot::time::Timer;
///
/// let timer = Timer::new(Duration::from_millis(10));
/// let fired_at = timer.c.recv().unwrap();
///
/// let cancelled = Timer::new(Duration::from_secs(60));
/// assert!(cancelled.stop(), "stopped before it fired");
/// assert!(cancelled.c.try_recv().is_err());
/// # let _ = fired_at;
/// ```
///
/// The channel never closes. Dropping the `Timer` does not stop it: a clone of `c` still
/// receives the value (as `Timer::new(d).c` does in Go). Once the `Timer` and every clone of `c`
/// are gone, nothing can receive the value: the timer is stopped at once, and its memory freed
/// soon after rather than at its deadline (as Go 1.23 collects an unreferenced timer).
pub struct Timer {
    /// The channel the time is sent on (Go's `t.C`).
    pub c: Receiver<Instant>,
    alarm: Arc<Alarm>,
}

impl Timer {
    /// A timer that sends the current time on [`c`](Timer::c) after `duration`.
    pub fn new(duration: Duration) -> Timer {
        let (alarm, c) = Alarm::start(duration, None);
        Timer { c, alarm }
    }

    /// The channel the time is sent on: the same as [`c`](Timer::c).
    pub fn receiver(&self) -> &Receiver<Instant> {
        &self.c
    }

    /// Restarts the timer to expire `duration` from now. Returns true if it was active: not yet
    /// expired, or expired with the value not yet received (that value is discarded). Once this
    /// returns, the channel receives only the new expiry.
    pub fn reset(&self, duration: Duration) -> bool {
        self.alarm.reset(&self.c, duration, None)
    }

    /// Stops the timer. Returns true if it was active (as for [`reset`](Timer::reset)); once
    /// this returns, nothing more is received from this timer until it is reset.
    pub fn stop(&self) -> bool {
        self.alarm.stop(&self.c)
    }
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer").finish_non_exhaustive()
    }
}
