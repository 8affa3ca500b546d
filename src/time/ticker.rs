//! `Ticker`: Go's `time.Ticker`, the time on a channel at a regular interval.

use std::fmt;
use std::time::{Duration, Instant};

use super::alarm::Alarm;
use crate::chan::Receiver;
use crate::loom::sync::Arc;

/// Sends the time on [`c`](Ticker::c) every period. Go's `time.Ticker`.
///
/// The channel holds one tick: a reader slower than the period misses ticks rather than falling
/// behind, and the ticker keeps its phase. The channel never closes; the ticks go on until
/// [`stop`](Ticker::stop), or until the `Ticker` and every clone of `c` are gone, which stops
/// it at once and frees its memory soon after (as Go 1.23 collects an unreferenced ticker).
///
/// ```
/// use std::time::Duration;
/// use offshoot::time::Ticker;
///
/// let ticker = Ticker::new(Duration::from_millis(2));
/// for _ in 0..3 {
///     ticker.c.recv().unwrap();
/// }
/// ticker.stop();
/// ```
pub struct Ticker {
    /// The channel the ticks are sent on (Go's `t.C`).
    pub c: Receiver<Instant>,
    alarm: Arc<Alarm>,
}

impl Ticker {
    /// A ticker whose first tick comes `period` from now.
    ///
    /// # Panics
    /// If `period` is zero, as Go's `NewTicker` panics on a non-positive interval.
    pub fn new(period: Duration) -> Ticker {
        assert_positive(period);
        let (alarm, c) = Alarm::start(period, Some(period));
        Ticker { c, alarm }
    }

    /// The channel the ticks are sent on: the same as [`c`](Ticker::c).
    pub fn receiver(&self) -> &Receiver<Instant> {
        &self.c
    }

    /// Stops the ticker and restarts it with a new period, the next tick `period` from now.
    /// A tick not yet received is discarded.
    ///
    /// # Panics
    /// If `period` is zero.
    pub fn reset(&self, period: Duration) {
        assert_positive(period);
        self.alarm.reset(&self.c, period, Some(period));
    }

    /// Stops the ticker: once this returns, no more ticks are received (a tick not yet received
    /// is discarded). The channel stays open, as in Go.
    pub fn stop(&self) {
        self.alarm.stop(&self.c);
    }
}

fn assert_positive(period: Duration) {
    assert!(
        !period.is_zero(),
        "offshoot::time::Ticker: the period must be positive"
    );
}

impl fmt::Debug for Ticker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ticker").finish_non_exhaustive()
    }
}
