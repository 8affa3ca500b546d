//! A task's park state: whether its coroutine runs, waits for a wake-up, or holds one.
//!
//! One atomic byte that holds a single wake-up token like `std::thread::park` does:
//!
//! ```text
//!   RUNNING  --unpark-->  NOTIFIED          (woken while running: leave a token)
//!   NOTIFIED --park--->   RUNNING           (park consumes the token without switching)
//!   RUNNING  --park--->   [coroutine suspends]  --worker-->  PARKED
//!   PARKED   --unpark-->  RUNNING + scheduled   (exactly one unpark wins this CAS)
//!   RUNNING  --block-->   BLOCKED           (parked in place, see `Task::park_in_place`)
//!   BLOCKED  --unpark-->  RUNNING + the thread unparked
//! ```
//!
//! The step to `PARKED` is taken by the worker *after* the coroutine has suspended, never by the
//! coroutine itself: once a task is `PARKED` a waker may schedule it, so its stack must be
//! quiescent by then. An `unpark` that lands between the coroutine deciding to park and the
//! worker's CAS finds `RUNNING`, leaves a token, and the worker's CAS fails; the worker then
//! requeues the task instead of parking it. No wake-up is lost, and a task is never in two queues
//! at once: the *run right* (the right to resume the coroutine, or to queue it) is held by the
//! worker while the task runs, given up by `finish_park`, and taken by the one `unpark` that
//! moves the state from PARKED to RUNNING.
//!
//! "RUNNING" means "not parked": running, or queued to run. Wake-ups may be spurious (a token
//! left by an earlier, no longer wanted unpark), so every caller of `park` waits in a loop on its
//! own condition.

use crate::loom::sync::atomic::{AtomicU8, Ordering};

const RUNNING: u8 = 0;
const NOTIFIED: u8 = 1;
const PARKED: u8 = 2;
const BLOCKED: u8 = 3;

/// What an [`unpark`](ParkState::unpark) found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a task taken from PARKED must be scheduled, a BLOCKED one's thread unparked"]
pub(crate) enum Unparked {
    /// The task was parked: the caller now holds its run right and must schedule it.
    Parked,
    /// The task was parked in place: the caller must unpark the thread it blocks.
    Blocked,
    /// The task was not parked: a token is left for its next `park`.
    Token,
}

/// A task's park state (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct ParkState {
    state: AtomicU8,
}

impl ParkState {
    /// Consumes a token left while the coroutine ran. True if there was one: the coroutine then
    /// carries on without parking.
    pub(crate) fn take_token(&self) -> bool {
        // Acquire pairs with the unparker's release: what it wrote before waking us is visible.
        self.state
            .compare_exchange(NOTIFIED, RUNNING, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// The worker's half of a park, once the coroutine has suspended: publishes PARKED and gives
    /// up the run right, unless a wake-up came first. True if the task is now parked.
    pub(crate) fn finish_park(&self) -> bool {
        // Release: whoever wins the PARKED -> RUNNING CAS sees the coroutine as it suspended.
        match self
            .state
            .compare_exchange(RUNNING, PARKED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => true,
            Err(NOTIFIED) => {
                self.consume_late_token();
                false
            }
            Err(state) => unreachable!("task asked to park in state {state}"),
        }
    }

    /// Parks in place: RUNNING to BLOCKED. False if a token arrived first (it is consumed, and
    /// the caller carries on).
    pub(crate) fn block(&self) -> bool {
        // Release: what the caller published before (the thread to wake) is seen by the unparker.
        if self
            .state
            .compare_exchange(RUNNING, BLOCKED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            return true;
        }
        self.consume_late_token();
        false
    }

    /// True while parked in place.
    pub(crate) fn is_blocked(&self) -> bool {
        self.state.load(Ordering::Acquire) == BLOCKED
    }

    /// True while parked, in the scheduler or in place (a hint for the dump and the deadlock
    /// watch). Acquire: what the coroutine recorded before parking (its wait) is seen with it.
    pub(crate) fn is_parked(&self) -> bool {
        matches!(self.state.load(Ordering::Acquire), PARKED | BLOCKED)
    }

    /// A swap, not a store: it reads the newest token (another waker may have re-written it since
    /// the failed CAS) with acquire, so the coroutine sees what every waker wrote before waking it.
    fn consume_late_token(&self) {
        self.state.swap(RUNNING, Ordering::AcqRel);
    }

    /// Wakes the task, or leaves it a token. See [`Unparked`] for what the caller must do.
    pub(crate) fn unpark(&self) -> Unparked {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            let next = match state {
                RUNNING => NOTIFIED,
                // Even a token already there is re-written with a read-modify-write, never just
                // observed: a plain load could read a token the coroutine is consuming at this
                // moment, and reorder before the waker's store of its condition (store-load
                // reordering), so the coroutine would miss the condition and park for good.
                // The RMW orders this unpark against the coroutine's own CAS on `state`.
                NOTIFIED => NOTIFIED,
                PARKED | BLOCKED => RUNNING,
                _ => unreachable!("task state {state}"),
            };
            // AcqRel: release what the waker wrote before waking; acquire the parked coroutine.
            match self
                .state
                .compare_exchange_weak(state, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => {
                    return match state {
                        PARKED => Unparked::Parked,
                        BLOCKED => Unparked::Blocked,
                        _ => Unparked::Token,
                    }
                }
                Err(actual) => state = actual,
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_token_left_while_running_cancels_the_next_park() {
        let s = ParkState::default();
        assert_eq!(s.unpark(), Unparked::Token);
        assert_eq!(s.unpark(), Unparked::Token, "tokens do not add up");
        assert!(!s.finish_park(), "the token ends the park at once");
        assert!(!s.take_token(), "and it was consumed");
        assert!(s.finish_park());
        assert_eq!(s.unpark(), Unparked::Parked);
        assert_eq!(
            s.unpark(),
            Unparked::Token,
            "only one unpark takes a parked task"
        );
        assert!(s.take_token());
    }

    #[test]
    fn blocking_in_place() {
        let s = ParkState::default();
        assert!(s.block());
        assert!(s.is_blocked());
        assert_eq!(s.unpark(), Unparked::Blocked);
        assert!(!s.is_blocked());
        assert_eq!(s.unpark(), Unparked::Token);
        assert!(!s.block(), "a token ends a block at once");
    }
}
