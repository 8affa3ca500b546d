//! The engine behind [`Timer`](super::Timer) and [`Ticker`](super::Ticker): a runtime timer that
//! sends the time on a channel, and can be stopped or re-armed without a stale value getting
//! through.
//!
//! Every arming has a generation number. The callback that fires an arming sends only if its
//! generation is still current, and does so under the alarm's lock; `stop` and `reset` move to a
//! new generation, cancel the runtime timer and drain the channel under the same lock. So once
//! they return, no value from an earlier arming is in the channel or on its way to it (Go 1.23's
//! guarantee). A ticker re-arms itself from its callback, keeping its phase, and skips the ticks
//! that are already past when it fires late.
//!
//! Once nobody can receive (the last receiver of the channel is dropped, which for
//! `after(d)` is when the `select!` that used it ends), the alarm cancels its runtime timer, as
//! Go 1.23 and later collect an unreferenced timer at once. The timer heap then drops the
//! cancelled entry at its next compaction, and with it the callback and the reference to the
//! alarm and its channel that the callback holds; without this, a loop selecting on
//! `after(60s)` kept every iteration's timer for a minute. The channel's hook holds the alarm
//! weakly: the alarm holds the channel's sender, and a strong reference back would keep both
//! alive for ever.

use std::time::{Duration, Instant};

use crate::chan::{chan, Receiver, Sender};
use crate::loom::sync::{Arc, Mutex};
use crate::runtime::start;
use crate::runtime::timer::{Action, TimerHandle};

/// A timer or ticker's shared state, held by its owner and by its pending callback.
#[derive(Debug)]
pub(crate) struct Alarm {
    tx: Sender<Instant>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The current arming; callbacks of older ones do nothing.
    generation: u64,
    /// The runtime timer of the current arming, while it has not fired.
    timer: Option<TimerHandle>,
    /// `Some` for a ticker.
    period: Option<Duration>,
}

impl Alarm {
    /// An alarm that first fires `first` from now, then every `period` if given.
    pub(crate) fn start(
        first: Duration,
        period: Option<Duration>,
    ) -> (Arc<Alarm>, Receiver<Instant>) {
        let (alarm, rx) = Self::unarmed(period);
        alarm.arm(&mut alarm.state.lock(), first);
        (alarm, rx)
    }

    /// An alarm that fires once, at `deadline` (at once if that has passed).
    pub(crate) fn start_at(deadline: Instant) -> (Arc<Alarm>, Receiver<Instant>) {
        let (alarm, rx) = Self::unarmed(None);
        alarm.arm_at(&mut alarm.state.lock(), deadline);
        (alarm, rx)
    }

    fn unarmed(period: Option<Duration>) -> (Arc<Alarm>, Receiver<Instant>) {
        // Go's channel: never closed, so a receive after the last value waits (crossbeam's timer
        // channels are never disconnected either).
        let (tx, rx) = chan(1);
        let alarm = Arc::new(Alarm {
            tx,
            state: Mutex::new(State {
                generation: 0,
                timer: None,
                period,
            }),
        });
        let weak = Arc::downgrade(&alarm);
        alarm.tx.on_receivers_gone(Box::new(move || {
            if let Some(alarm) = weak.upgrade() {
                alarm.abandon();
            }
        }));
        (alarm, rx)
    }

    /// Stops the alarm and re-arms it to fire `first` from now, then every `period` if given.
    /// Returns true if it was active: pending, or fired with the value not yet received.
    pub(crate) fn reset(
        self: &Arc<Self>,
        rx: &Receiver<Instant>,
        first: Duration,
        period: Option<Duration>,
    ) -> bool {
        let mut state = self.state.lock();
        let active = Self::disarm(&mut state, rx);
        state.period = period;
        self.arm(&mut state, first);
        active
    }

    /// Stops the alarm. Returns true if it was active (see [`reset`](Self::reset)).
    pub(crate) fn stop(&self, rx: &Receiver<Instant>) -> bool {
        Self::disarm(&mut self.state.lock(), rx)
    }

    /// Ends the current arming and drains what it sent.
    fn disarm(state: &mut State, rx: &Receiver<Instant>) -> bool {
        // Armed and not yet delivered: `fire` clears `timer` under this lock when it sends. If
        // the runtime timer fired but its callback is still waiting for the lock, the cancel
        // fails, yet nothing was delivered: the callback will find the new generation and drop
        // its value, so the timer counts as stopped while pending (Go 1.23's `isSending` case).
        let pending = Self::end_arming(state);
        let unreceived = rx.try_recv().is_ok();
        pending || unreceived
    }

    /// The channel's last receiver is gone: nothing this alarm sends can be received, so it
    /// stops for good (see the module's doc).
    fn abandon(&self) {
        Self::end_arming(&mut self.state.lock());
    }

    /// Moves to a new generation and cancels the runtime timer of the current one. Returns true
    /// if that timer was pending.
    fn end_arming(state: &mut State) -> bool {
        state.generation += 1;
        let pending = state.timer.take();
        if let Some(timer) = &pending {
            start::get().timers.cancel(timer);
        }
        pending.is_some()
    }

    /// Sets the runtime timer for the current generation, `after` from now. A delay past what
    /// `Instant` can hold never fires.
    fn arm(self: &Arc<Self>, state: &mut State, after: Duration) {
        if let Some(deadline) = Instant::now().checked_add(after) {
            self.arm_at(state, deadline);
        }
    }

    fn arm_at(self: &Arc<Self>, state: &mut State, deadline: Instant) {
        let alarm = self.clone();
        let generation = state.generation;
        let action = Action::call(move || alarm.fire(generation, deadline));
        state.timer = Some(start::get().add_timer(deadline, action));
    }

    /// The runtime timer's callback.
    fn fire(self: &Arc<Self>, generation: u64, due: Instant) {
        let mut state = self.state.lock();
        if state.generation != generation {
            return; // stopped or reset since this arming
        }
        state.timer = None;
        let now = Instant::now();
        // A full channel means the reader has not taken the last tick: drop this one (Go's
        // ticker does). The channel never closes (nobody else holds its sender); once nobody can
        // receive, the receivers' hook has stopped the alarm (`abandon`), not this send.
        let _ = self.tx.try_send(now);
        if let Some(period) = state.period {
            if let Some(next) = next_tick(due, period, now) {
                self.arm_at(&mut state, next);
            }
        }
    }
}

/// The first tick after `now` in the series `due + k * period`, keeping the phase when ticks
/// were missed.
fn next_tick(due: Instant, period: Duration, now: Instant) -> Option<Instant> {
    let late = now.saturating_duration_since(due).as_nanos();
    let missed = late / period.as_nanos();
    let skip = period.as_nanos().checked_mul(missed + 1)?;
    due.checked_add(Duration::from_nanos(u64::try_from(skip).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_tick_keeps_the_phase() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        assert_eq!(next_tick(t0, ms(10), t0), Some(t0 + ms(10)));
        assert_eq!(next_tick(t0, ms(10), t0 + ms(3)), Some(t0 + ms(10)));
        assert_eq!(next_tick(t0, ms(10), t0 + ms(25)), Some(t0 + ms(30)));
        assert_eq!(next_tick(t0, ms(10), t0 + ms(30)), Some(t0 + ms(40)));
    }
}
