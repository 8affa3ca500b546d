//! The one place the crate takes its synchronization primitives from.
//!
//! Everything that coordinates threads (atomics, locks, condition variables, thread parking) is
//! imported from here rather than from `std` or `parking_lot` directly, so that a model-checking
//! build can swap in `loom`'s instrumented versions in one place, the way tokio's `src/loom/` does.
//! In a normal build these are plain re-exports and cost nothing.
//!
//! The scheduler's queues (`crossbeam-deque`) and the coroutine switch (`corosensei`) cannot be
//! modelled by loom; they stay outside this facade and outside the loom build.

pub(crate) mod sync {
    pub(crate) use parking_lot::{Condvar, Mutex, MutexGuard};
    pub(crate) use std::sync::Arc;

    pub(crate) mod atomic {
        pub(crate) use std::sync::atomic::{
            fence, AtomicBool, AtomicIsize, AtomicPtr, AtomicU64, AtomicU8, AtomicUsize, Ordering,
        };
    }
}

pub(crate) mod thread {
    pub(crate) use std::thread::{current, park, park_timeout, yield_now, Builder, Thread};
}
