//! `Signal`: a one-shot wake-up on top of park/unpark, shared by the real and modelled runtimes.

use super::park::{current, park, Unparker, WaitReason};
use crate::loom::sync::atomic::{AtomicBool, Ordering};
use crate::loom::sync::Arc;

/// A one-shot wake-up for one waiter: the waiter creates it, hands it to a waker, and waits until
/// the waker has notified it. Unlike a bare `park`, it cannot be fooled by a stale token.
#[derive(Debug)]
pub(crate) struct Signal {
    /// Set, with release, by `notify`.
    notified: AtomicBool,
    unparker: Unparker,
}

impl Signal {
    /// A signal that wakes the caller.
    pub(crate) fn for_current() -> Arc<Signal> {
        Arc::new(Signal {
            notified: AtomicBool::new(false),
            unparker: current(),
        })
    }

    /// Marks the signal and wakes its waiter.
    pub(crate) fn notify(&self) {
        self.notified.store(true, Ordering::Release);
        self.unparker.unpark();
    }

    /// Parks, waiting for `why`, until `notify` has been called.
    pub(crate) fn wait(&self, why: WaitReason) {
        while !self.notified.load(Ordering::Acquire) {
            park(why);
        }
    }
}
