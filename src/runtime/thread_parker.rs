//! How a plain thread (not a coroutine) parks in offshoot: `std::thread::park` with a count of
//! the threads parked with no deadline, for the deadlock rule (see `deadlock.rs`).
//!
//! Each thread has one token, like std's: `unpark` leaves it, `park` consumes it or waits. The
//! token lives in an atomic of our own rather than in std's (which cannot be read), with three
//! states:
//!
//! ```text
//!   EMPTY    --park, no deadline-->  PARKED   (counted in `parked_forever`)
//!   PARKED   --unpark-->              NOTIFIED (uncounted by the waker, in the same step)
//!   EMPTY    --unpark-->              NOTIFIED
//!   NOTIFIED --park-->                EMPTY    (the token is consumed; no wait)
//! ```
//!
//! The count may dip below the truth for a moment, never rise above it: the parker adds itself
//! only after its EMPTY -> PARKED swap succeeded, and a waker that finds PARKED takes it off
//! *before* its PARKED -> NOTIFIED swap (and puts it back if another waker won that swap). So a
//! thread that a waker has let go is never counted as parked, even if the waker is descheduled
//! right after, or the thread not yet scheduled. The deadlock rule relies on exactly that (an
//! over-count could report a deadlock that is not). A park with a deadline is not counted: it
//! ends by itself.
//!
//! `unpark` always unparks the std thread too (a thread in a timed park waits there without
//! publishing PARKED), so a std token may be left for the thread's next `std::thread::park`: a
//! spurious wake-up, which std's contract allows.
//!
//! A thread whose thread-locals are being destroyed (a `Drop` of a thread-local that sends on a
//! channel) may have lost its parker already: it then parks with std's own token, uncounted.

use std::sync::atomic::{AtomicIsize, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::thread::{self, Thread};
use std::time::Instant;

use crossbeam_utils::CachePadded;

const EMPTY: u8 = 0;
const PARKED: u8 = 1;
const NOTIFIED: u8 = 2;

/// Plain threads parked in offshoot with no deadline (may dip below the truth: module docs).
static PARKED_FOREVER: CachePadded<AtomicIsize> = CachePadded::new(AtomicIsize::new(0));

/// Wake-ups of plain threads parked with no deadline, ever: a count of progress for the deadlock
/// watch.
static WAKES: CachePadded<AtomicU64> = CachePadded::new(AtomicU64::new(0));

/// Wake-ups of plain threads parked with no deadline so far.
pub(crate) fn wakes() -> u64 {
    WAKES.load(Ordering::SeqCst)
}

/// Plain threads parked in offshoot with no deadline, as far as the count has caught up (never
/// more than the truth).
pub(crate) fn parked_forever() -> usize {
    PARKED_FOREVER.load(Ordering::SeqCst).max(0) as usize
}

/// One plain thread's token.
#[derive(Debug)]
pub(crate) struct ThreadParker {
    state: AtomicU8,
    thread: Thread,
}

thread_local! {
    static CURRENT: Arc<ThreadParker> = Arc::new(ThreadParker {
        state: AtomicU8::new(EMPTY),
        thread: thread::current(),
    });
}

/// The calling thread's parker; during the destruction of its thread-locals, a parker that
/// wakes it through std's token (see the module docs).
pub(crate) fn current() -> Arc<ThreadParker> {
    CURRENT.try_with(Arc::clone).unwrap_or_else(|_| {
        Arc::new(ThreadParker {
            state: AtomicU8::new(EMPTY),
            thread: thread::current(),
        })
    })
}

impl ThreadParker {
    /// Wakes the thread, or leaves it a token.
    pub(crate) fn unpark(&self) {
        // SeqCst throughout: the deadlock watch reads the count and the threads' progress in
        // one order.
        let mut state = self.state.load(Ordering::SeqCst);
        loop {
            let was_parked = state == PARKED;
            if was_parked {
                // Uncounted before it is let go (module docs).
                PARKED_FOREVER.fetch_sub(1, Ordering::SeqCst);
                WAKES.fetch_add(1, Ordering::SeqCst);
            }
            match self
                .state
                .compare_exchange(state, NOTIFIED, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => break,
                Err(now) => {
                    if was_parked {
                        PARKED_FOREVER.fetch_add(1, Ordering::SeqCst); // another waker won
                    }
                    state = now;
                }
            }
        }
        // Always: a thread in a timed park waits in std's park without publishing PARKED.
        self.thread.unpark();
    }

    /// Consumes the token if there is one.
    fn take_token(&self) -> bool {
        // Acquire pairs with the waker's swap: what it wrote before waking us is visible.
        self.state
            .compare_exchange(NOTIFIED, EMPTY, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }
}

/// Parks the calling thread until it is unparked (or spuriously).
pub(crate) fn park() {
    let parked = CURRENT.try_with(|me| {
        if me.take_token() {
            return;
        }
        if me
            .state
            .compare_exchange(EMPTY, PARKED, Ordering::SeqCst, Ordering::Relaxed)
            .is_err()
        {
            // A token came between the two steps.
            let _ = me.take_token();
            return;
        }
        PARKED_FOREVER.fetch_add(1, Ordering::SeqCst);
        while !me.take_token() {
            thread::park();
        }
    });
    if parked.is_err() {
        thread::park(); // thread-locals being destroyed: std's token, uncounted
    }
}

/// Parks the calling thread until it is unparked (or spuriously), or until `deadline`.
pub(crate) fn park_until(deadline: Instant) {
    let wait = || {
        let now = Instant::now();
        if now < deadline {
            thread::park_timeout(deadline - now);
        }
    };
    let parked = CURRENT.try_with(|me| {
        if me.take_token() {
            return;
        }
        wait();
        let _ = me.take_token();
    });
    if parked.is_err() {
        wait(); // thread-locals being destroyed: std's token
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_token_left_before_park_is_consumed_without_waiting() {
        let me = current();
        me.unpark();
        park(); // returns at once
        assert_eq!(me.state.load(Ordering::Relaxed), EMPTY);
    }

    #[test]
    fn a_parked_thread_is_counted_until_its_waker_lets_it_go() {
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = thread::spawn(move || {
            tx.send(current()).unwrap();
            park();
        });
        let parker = rx.recv().unwrap();
        // Other tests' threads may park too: wait until this one is counted, then wake it.
        while parker.state.load(Ordering::SeqCst) != PARKED {
            thread::sleep(Duration::from_millis(1));
        }
        assert!(parked_forever() >= 1);
        parker.unpark();
        waiter.join().unwrap();
    }

    #[test]
    fn a_timed_park_is_not_counted_and_an_unpark_ends_it() {
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = thread::spawn(move || {
            tx.send(current()).unwrap();
            park_until(Instant::now() + Duration::from_secs(600));
        });
        let parker = rx.recv().unwrap();
        thread::sleep(Duration::from_millis(20));
        assert_ne!(parker.state.load(Ordering::SeqCst), PARKED);
        parker.unpark();
        waiter.join().unwrap(); // well before the deadline
    }
}
