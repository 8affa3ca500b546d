//! `WaitGroup`: wait for a collection of coroutines to finish (Go's `sync.WaitGroup`).

use std::fmt;

use crate::loom::sync::{Arc, Mutex};
use crate::runtime::park::Signal;

/// Waits for a number of tasks to finish, as Go's `sync.WaitGroup`.
///
/// `add(n)` says `n` more tasks are to be waited for, each calls `done()` when finished, and
/// `wait()` parks until the count is back to zero. Clones are handles to the same group (Go passes
/// a `*sync.WaitGroup`); unlike crossbeam's `WaitGroup`, cloning does not add to the count.
///
/// ```
/// use offshoot::sync::WaitGroup;
/// let wg = WaitGroup::new();
/// for _ in 0..3 {
///     wg.add(1);
///     let wg = wg.clone();
///     offshoot::go(move || wg.done());
/// }
/// wg.wait();
/// ```
#[derive(Clone, Default)]
pub struct WaitGroup {
    inner: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    count: usize,
    /// Parked in `wait`, released when `count` reaches zero.
    waiters: Vec<Arc<Signal>>,
}

impl WaitGroup {
    /// A group with a count of zero.
    pub fn new() -> WaitGroup {
        WaitGroup::default()
    }

    /// Adds `delta`, which may be negative, to the count; waiters are released when it reaches
    /// zero.
    ///
    /// # Panics
    /// If the count would become negative, like Go's "sync: negative WaitGroup counter". The
    /// count is left unchanged then.
    pub fn add(&self, delta: isize) {
        let released = {
            let mut state = self.inner.lock();
            state.count = state
                .count
                .checked_add_signed(delta)
                .expect("offshoot::sync::WaitGroup: negative WaitGroup counter");
            if state.count > 0 {
                return;
            }
            std::mem::take(&mut state.waiters)
        };
        for waiter in released {
            waiter.notify();
        }
    }

    /// Subtracts one from the count: `add(-1)`.
    pub fn done(&self) {
        self.add(-1);
    }

    /// Parks until the count is zero. Returns at once if it already is.
    pub fn wait(&self) {
        let signal = {
            let mut state = self.inner.lock();
            if state.count == 0 {
                return;
            }
            let signal = Signal::for_current();
            state.waiters.push(signal.clone());
            signal
        };
        signal.wait();
    }
}

impl fmt::Debug for WaitGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitGroup")
            .field("count", &self.inner.lock().count)
            .finish()
    }
}
