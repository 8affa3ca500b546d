//! `WaitGroup`: wait for a collection of coroutines to finish (Go's `sync.WaitGroup`).
//!
//! The count is an atomic, so `add` and `done` are one atomic operation when nobody waits (a
//! group shared by a million coroutines must not serialize them on a lock). Waiters queue under
//! a lock, and the invariant that makes this safe is: a waiter checks the count and queues under
//! the lock, and whoever brings the count to zero takes the queue under the same lock, after the
//! count is zero. So a waiter either sees zero, or is queued before the queue is taken.
//!
//! A waiter queues its `Unparker` (a counted reference, no allocation) and notes the round it
//! queued in; each release ends a round, under the lock, and publishes the number of rounds
//! ended. The waiter parks until that number passes its round: a spurious or stale wake-up
//! (which `park` allows) finds it not passed and parks again, and a wake-up that comes after
//! the waiter has returned leaves a token that the next park of that coroutine absorbs, as any
//! park must allow. (It used to queue an `Arc<Signal>`, an allocation per waiter: 48 bytes of
//! each of 100,000 coroutines parked on one group in the `parked` benchmark.)

use std::fmt;

use crate::loom::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use crate::loom::sync::{Arc, Mutex};
use crate::runtime::join::JoinHandle;
use crate::runtime::park::{current, park, Unparker, WaitReason};

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
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Tasks not yet done.
    count: AtomicUsize,
    /// Rounds of waiters released so far (see the module docs). Written under `waiters`' lock.
    released: AtomicU64,
    /// Parked in `wait`, released when `count` reaches zero.
    waiters: Mutex<Waiters>,
}

#[derive(Default)]
struct Waiters {
    /// The round now queuing: the number of releases so far.
    round: u64,
    queued: Vec<Unparker>,
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
        if self.try_add(delta).is_err() {
            panic!("{NEGATIVE}");
        }
    }

    /// Subtracts one from the count: `add(-1)`.
    pub fn done(&self) {
        self.add(-1);
    }

    /// Starts `f` as a new coroutine counted by this group, as Go 1.25's `wg.Go(f)`: adds one
    /// to the count now, and takes it back when `f` returns or panics. Returns the coroutine's
    /// handle, which may be dropped.
    ///
    /// This is the safe spelling of Go's `wg.Add(1); go func() { defer wg.Done(); ... }()`: a
    /// `done()` called at the end of the closure is skipped if the closure panics, and the
    /// waiter then waits forever. A coroutine that never ends (parked on a channel nobody will
    /// use) never takes its one back, as in Go.
    ///
    /// # Panics
    /// If the coroutine cannot be started, as [`go`](fn@crate::go) does; the count is then
    /// already back where it was.
    ///
    /// ```
    /// use offshoot::sync::WaitGroup;
    /// let wg = WaitGroup::new();
    /// let ok = wg.go(|| 6 * 7);
    /// let failed = wg.go(|| -> u32 { panic!("a task that fails") });
    /// wg.wait(); // both are done, the panicking one too
    /// assert_eq!(ok.join().unwrap(), 42);
    /// assert!(failed.join().is_err());
    /// ```
    #[track_caller]
    pub fn go<F, T>(&self, f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.add(1);
        // Dropped when `f` returns or unwinds, or with the closure if the coroutine never
        // starts: the count comes back in every case.
        let done = DoneOnDrop(self.clone());
        crate::go(move || {
            let _done = done;
            f()
        })
    }

    /// Adds `delta` to the count, or fails (leaving it unchanged) if it would become negative.
    fn try_add(&self, delta: isize) -> Result<(), NegativeCount> {
        // AcqRel: a waiter that sees zero also sees everything done before each `done`. (A
        // loop of its own rather than `fetch_update`, which newer toolchains deprecate.)
        let count = &self.inner.count;
        let mut previous = count.load(Ordering::Acquire);
        loop {
            let next = previous.checked_add_signed(delta).ok_or(NegativeCount)?;
            match count.compare_exchange_weak(previous, next, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(actual) => previous = actual,
            }
        }
        if delta < 0 && previous == delta.unsigned_abs() {
            self.release_waiters();
        }
        Ok(())
    }

    /// Parks until the count is zero. Returns at once if it already is.
    pub fn wait(&self) {
        if self.inner.count.load(Ordering::Acquire) == 0 {
            return;
        }
        let round = {
            let mut waiters = self.inner.waiters.lock();
            if self.inner.count.load(Ordering::Acquire) == 0 {
                return;
            }
            waiters.queued.push(current());
            waiters.round
        };
        // Acquire: pairs with the release's store, which follows the last `done`.
        while self.inner.released.load(Ordering::Acquire) <= round {
            park(WaitReason::WaitGroup);
        }
    }

    /// Releases the waiters, if the count is still zero under the lock. If a new round's `add`
    /// got in first (Go calls that misuse: "WaitGroup is reused before previous Wait has
    /// returned"), they stay queued for the next zero rather than return while the count is not.
    fn release_waiters(&self) {
        let queued = {
            let mut waiters = self.inner.waiters.lock();
            if self.inner.count.load(Ordering::Acquire) != 0 {
                return;
            }
            waiters.round += 1;
            self.inner.released.store(waiters.round, Ordering::Release);
            std::mem::take(&mut waiters.queued)
        };
        for waiter in queued {
            waiter.unpark_owned();
        }
    }
}

/// What `add` reports when the count would go below zero.
const NEGATIVE: &str = "offshoot::sync::WaitGroup: negative WaitGroup counter";

#[derive(Debug)]
struct NegativeCount;

/// Takes back the one that [`WaitGroup::go`] added, when dropped.
struct DoneOnDrop(WaitGroup);

impl Drop for DoneOnDrop {
    fn drop(&mut self) {
        // The count can only be short here if user code called `done` once too often; say so
        // as `done` would, but never while unwinding, where a second panic would abort.
        if self.0.try_add(-1).is_err() && !std::thread::panicking() {
            panic!("{NEGATIVE}");
        }
    }
}

impl fmt::Debug for WaitGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitGroup")
            .field("count", &self.inner.count.load(Ordering::Relaxed))
            .finish()
    }
}
