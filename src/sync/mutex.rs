//! `Mutex`: mutual exclusion that parks the waiting coroutine, not its worker thread.
//!
//! # Algorithm
//!
//! `state` is UNLOCKED, LOCKED, or CONTENDED (locked, and waiters are queued). Locking is one CAS
//! when uncontended. Otherwise the locker takes the queue lock, marks the state CONTENDED, queues
//! a [`Signal`] and parks. Unlocking a CONTENDED mutex hands ownership straight to the first
//! waiter: the state never passes through UNLOCKED, so no newcomer can barge in, and waiters are
//! served in arrival order (Go's "starvation mode", used here always: simpler, and no waiter can
//! starve; the price is lower throughput under heavy contention, where Go lets a running
//! goroutine barge).
//!
//! Invariant, observed under the queue lock: CONTENDED if and only if the queue is not empty.
//! Both the step to CONTENDED (with the push) and the hand-off (with the pop) happen under the
//! queue lock, so an unlocker that sees CONTENDED always finds a waiter to hand to.

use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::fmt;
use std::ops::{Deref, DerefMut};

use crate::loom::sync::atomic::{AtomicU8, Ordering};
use crate::loom::sync::{Arc, Mutex as QueueLock};
use crate::runtime::park::WaitReason;
use crate::runtime::signal::Signal;

const UNLOCKED: u8 = 0;
const LOCKED: u8 = 1;
const CONTENDED: u8 = 2;

/// A mutual-exclusion lock for data shared by coroutines (Go's `sync.Mutex`, holding its data
/// like `std::sync::Mutex`). A coroutine that waits for it parks; its worker runs others.
///
/// Unlike `std::sync::Mutex` it has no poisoning: a panic while locked unlocks it.
/// It may be held across a park (a channel operation, a sleep), as it is not tied to a thread.
///
/// ```
/// use std::sync::Arc;
/// let counter = Arc::new(offshoot::sync::Mutex::new(0));
/// let handles: Vec<_> = (0..10)
///     .map(|_| {
///         let counter = counter.clone();
///         offshoot::go(move || *counter.lock() += 1)
///     })
///     .collect();
/// handles.into_iter().for_each(|h| h.join().unwrap());
/// assert_eq!(*counter.lock(), 10);
/// ```
pub struct Mutex<T: ?Sized> {
    /// UNLOCKED, LOCKED or CONTENDED.
    state: AtomicU8,
    /// Waiters in arrival order. Guards the step to CONTENDED and the hand-off.
    queue: QueueLock<VecDeque<Arc<Signal>>>,
    data: UnsafeCell<T>,
}

// SAFETY: the mutex hands out access to `data` to one holder at a time (the holder of LOCKED or
// CONTENDED), so sharing it between threads is sound when `T` may move between threads.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}
// SAFETY: moving the mutex moves `T`; the rest is `Send`.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}

/// Access to the data of a locked [`Mutex`]; unlocks when dropped.
#[must_use = "the mutex unlocks as soon as the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
}

// A guard is deliberately `Send` (the default for a reference to a `Sync` mutex): unlocking from
// another thread is fine, so a guard may be sent to another coroutine, or held by one that
// migrates (`Builder::allow_migration`).
// SAFETY: a guard gives `&T` (through `Deref`) to whoever holds `&MutexGuard`, so sharing it
// needs `T: Sync`.
unsafe impl<T: ?Sized + Sync> Sync for MutexGuard<'_, T> {}

impl<T> Mutex<T> {
    /// A new, unlocked mutex holding `value`.
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            state: AtomicU8::new(UNLOCKED),
            queue: QueueLock::new(VecDeque::new()),
            data: UnsafeCell::new(value),
        }
    }

    /// Consumes the mutex and returns its data.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, parking the caller until it is free.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        if let Some(guard) = self.try_lock() {
            return guard;
        }
        self.lock_slow()
    }

    /// Locks the mutex if it is free now.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        // Acquire: see what the previous holder wrote to `data`.
        self.state
            .compare_exchange(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| MutexGuard { mutex: self })
    }

    /// Returns a mutable reference to the data; no locking needed, the borrow proves exclusivity.
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    fn lock_slow(&self) -> MutexGuard<'_, T> {
        let signal = {
            let mut queue = self.queue.lock();
            loop {
                match self.state.load(Ordering::Relaxed) {
                    UNLOCKED => {
                        if let Some(guard) = self.try_lock() {
                            return guard;
                        }
                    }
                    LOCKED => {
                        if self
                            .state
                            .compare_exchange(
                                LOCKED,
                                CONTENDED,
                                Ordering::Relaxed,
                                Ordering::Relaxed,
                            )
                            .is_ok()
                        {
                            break;
                        }
                    }
                    _ => break,
                }
            }
            let signal = Signal::for_current();
            queue.push_back(signal.clone());
            signal
        };
        // The unlocker handed us the lock; the signal's release/acquire orders its writes to
        // `data` before ours.
        signal.wait(WaitReason::Mutex);
        MutexGuard { mutex: self }
    }

    fn unlock(&self) {
        // Release: our writes to `data` reach the next holder.
        if self
            .state
            .compare_exchange(LOCKED, UNLOCKED, Ordering::Release, Ordering::Relaxed)
            .is_ok()
        {
            return;
        }
        let next = {
            let mut queue = self.queue.lock();
            let next = queue.pop_front();
            let state = match (&next, queue.is_empty()) {
                (Some(_), false) => CONTENDED,
                (Some(_), true) => LOCKED,
                (None, _) => UNLOCKED,
            };
            self.state.store(state, Ordering::Release);
            next
        };
        if let Some(next) = next {
            next.notify();
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.try_lock() {
            Some(guard) => f.debug_struct("Mutex").field("data", &&*guard).finish(),
            None => f
                .debug_struct("Mutex")
                .field("data", &format_args!("<locked>"))
                .finish(),
        }
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while its holder owns the lock, so no other reference
        // to `data` is live.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only access through the guard.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.mutex.unlock();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
