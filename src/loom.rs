//! The one place the crate takes its synchronization primitives from.
//!
//! Everything that coordinates threads (atomics, locks, thread parking) is imported from here
//! rather than from `std` or `parking_lot` directly, so that a model-checking build can swap in
//! `loom`'s instrumented versions in one place, the way tokio's `src/loom/` does. In a normal
//! build these are plain re-exports and cost nothing.
//!
//! Under `RUSTFLAGS="--cfg loom"` they are loom's, and the runtime is replaced by
//! `runtime/modelled.rs` (a coroutine becomes a loom thread), so channels, select, `sync` and
//! `JoinHandle` run inside `loom::model` with every interleaving explored. The scheduler's
//! queues (`crossbeam-deque`), the coroutine switch (`corosensei`) and the poller cannot be
//! modelled by loom; they, and the modules built on them (`time`, `net`, `fs`, `blocking`), stay
//! out of the loom build.

#[cfg(not(loom))]
pub(crate) mod sync {
    pub(crate) use parking_lot::{Condvar, Mutex, MutexGuard};
    pub(crate) use std::sync::Arc;

    pub(crate) mod atomic {
        pub(crate) use std::sync::atomic::{
            fence, AtomicBool, AtomicIsize, AtomicPtr, AtomicU64, AtomicU8, AtomicUsize, Ordering,
        };
    }
}

/// A cell shared between threads under a protocol the code argues (a lock, a release/acquire
/// hand-over), reached through `with`/`with_mut` closures as loom's is, so that under loom every
/// access is checked against that protocol.
#[cfg(not(loom))]
pub(crate) mod cell {
    /// `std::cell::UnsafeCell` with loom's access API.
    #[derive(Debug, Default)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> UnsafeCell<T> {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

        /// Calls `f` with a pointer for reading.
        #[inline]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Calls `f` with a pointer for writing.
        #[inline]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

#[cfg(loom)]
pub(crate) mod cell {
    pub(crate) use loom::cell::UnsafeCell;
}

#[cfg(not(loom))]
pub(crate) mod thread {
    pub(crate) use std::thread::{current, park, yield_now, Builder, Thread};
}

// The facade offers the same names in both builds, whether or not the loom build uses them all.
#[cfg(loom)]
#[allow(unused_imports, dead_code)]
pub(crate) mod sync {
    pub(crate) use loom::sync::Arc;
    pub(crate) use modelled_mutex::{Mutex, MutexGuard};

    pub(crate) mod atomic {
        pub(crate) use loom::sync::atomic::{
            fence, AtomicBool, AtomicIsize, AtomicPtr, AtomicU64, AtomicU8, AtomicUsize, Ordering,
        };
    }

    /// parking_lot's `Mutex` API over loom's: a guard from `lock()` with no poisoning, plus the
    /// two raw operations a select's all-locks snapshot uses (`data_ptr`, `force_unlock`).
    mod modelled_mutex {
        use std::cell::UnsafeCell;
        use std::ops::{Deref, DerefMut};

        /// A mutual-exclusion lock whose locking loom models.
        #[derive(Debug, Default)]
        pub(crate) struct Mutex<T> {
            /// The guard of a lock taken by `lock` and then forgotten (`forget` of our guard),
            /// kept so `force_unlock` can release it. Declared before `lock` so that, should a
            /// mutex be dropped still locked, the guard goes before the lock it borrows.
            forgotten: UnsafeCell<Option<loom::sync::MutexGuard<'static, ()>>>,
            lock: loom::sync::Mutex<()>,
            data: UnsafeCell<T>,
        }

        // SAFETY: as for std's Mutex: the data is reached only by the lock's holder, and the
        // forgotten guard only by the thread that holds the lock.
        unsafe impl<T: Send> Send for Mutex<T> {}
        // SAFETY: as above.
        unsafe impl<T: Send> Sync for Mutex<T> {}

        /// The holder's access to a [`Mutex`]'s data.
        #[derive(Debug)]
        pub(crate) struct MutexGuard<'a, T> {
            mutex: &'a Mutex<T>,
            guard: Option<loom::sync::MutexGuard<'a, ()>>,
        }

        impl<T> Mutex<T> {
            pub(crate) fn new(value: T) -> Mutex<T> {
                Mutex {
                    forgotten: UnsafeCell::new(None),
                    lock: loom::sync::Mutex::new(()),
                    data: UnsafeCell::new(value),
                }
            }

            pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
                let guard = self.lock.lock().expect("a modelled lock is never poisoned");
                MutexGuard {
                    mutex: self,
                    guard: Some(guard),
                }
            }

            pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
                let guard = self.lock.try_lock().ok()?;
                Some(MutexGuard {
                    mutex: self,
                    guard: Some(guard),
                })
            }

            pub(crate) fn get_mut(&mut self) -> &mut T {
                self.data.get_mut()
            }

            pub(crate) fn into_inner(self) -> T {
                self.data.into_inner()
            }

            /// The data, for a holder of a lock whose guard was forgotten.
            pub(crate) fn data_ptr(&self) -> *mut T {
                self.data.get()
            }

            /// Releases a lock whose guard was forgotten.
            ///
            /// # Safety
            /// The calling thread holds the lock through a forgotten guard.
            pub(crate) unsafe fn force_unlock(&self) {
                // SAFETY: the caller holds the lock, so nobody else touches `forgotten`.
                let guard = unsafe { (*self.forgotten.get()).take() };
                drop(guard.expect("force_unlock of a lock that was not forgotten"));
            }
        }

        impl<T> Drop for MutexGuard<'_, T> {
            fn drop(&mut self) {
                drop(self.guard.take());
            }
        }

        impl<T> MutexGuard<'_, T> {
            /// What `mem::forget(guard)` does to a parking_lot guard: keep the lock held. The
            /// modelled lock's own guard is parked in the mutex for `force_unlock`.
            pub(crate) fn forget(mut self) {
                let guard = self.guard.take().expect("a live guard");
                // The guard borrows `self.mutex`, which the forgotten slot is part of, and
                // `force_unlock` drops it before the lock can be taken again (or the mutex's own
                // drop, before `lock`); so the `'static` is never observed beyond the mutex's life.
                // SAFETY: as just argued for the lifetime; we hold the lock, so nobody else
                // touches the slot.
                unsafe {
                    *self.mutex.forgotten.get() = Some(std::mem::transmute::<
                        loom::sync::MutexGuard<'_, ()>,
                        loom::sync::MutexGuard<'static, ()>,
                    >(guard));
                }
            }
        }

        impl<T> Deref for MutexGuard<'_, T> {
            type Target = T;

            fn deref(&self) -> &T {
                // SAFETY: the guard holds the lock.
                unsafe { &*self.mutex.data.get() }
            }
        }

        impl<T> DerefMut for MutexGuard<'_, T> {
            fn deref_mut(&mut self) -> &mut T {
                // SAFETY: the guard holds the lock.
                unsafe { &mut *self.mutex.data.get() }
            }
        }
    }
}

#[cfg(loom)]
#[allow(unused_imports)]
pub(crate) mod thread {
    pub(crate) use loom::thread::{current, park, yield_now, Thread};
}
