//! `JoinHandle`: waiting for a coroutine's result.
//!
//! The coroutine and its handle share a slot. The coroutine fills it when its body returns or
//! panics, then wakes the joiner if one is waiting; the joiner checks the slot, registers itself
//! and parks, under the slot's lock, so the result cannot arrive unseen between check and park.

use std::fmt;
use std::thread;

use super::park::{self, Unparker};
use crate::loom::sync::atomic::{AtomicBool, Ordering};
use crate::loom::sync::{Arc, Mutex};

/// An owned permission to wait for a coroutine's end and take its result.
///
/// Dropping the handle detaches the coroutine: it runs on, and its result is dropped when it ends.
pub struct JoinHandle<T> {
    shared: Arc<JoinShared<T>>,
}

/// What a coroutine and its handle share.
pub(crate) struct JoinShared<T> {
    /// The coroutine's name, if it was given one.
    name: Option<String>,
    /// Set, with release, after `slot.result` is filled.
    finished: AtomicBool,
    slot: Mutex<Slot<T>>,
}

struct Slot<T> {
    result: Option<thread::Result<T>>,
    /// The joiner, while it waits.
    waiter: Option<Unparker>,
}

impl<T> JoinShared<T> {
    pub(crate) fn new(name: Option<String>) -> Arc<JoinShared<T>> {
        Arc::new(JoinShared {
            name,
            finished: AtomicBool::new(false),
            slot: Mutex::new(Slot {
                result: None,
                waiter: None,
            }),
        })
    }

    /// Called by the coroutine as its last act: stores the result and wakes the joiner.
    pub(crate) fn complete(&self, result: thread::Result<T>) {
        let waiter = {
            let mut slot = self.slot.lock();
            slot.result = Some(result);
            self.finished.store(true, Ordering::Release);
            slot.waiter.take()
        };
        if let Some(waiter) = waiter {
            waiter.unpark_owned();
        }
    }
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(shared: Arc<JoinShared<T>>) -> JoinHandle<T> {
        JoinHandle { shared }
    }

    /// Waits for the coroutine to end and returns its result, or the payload of its panic as
    /// `Err`, like [`std::thread::JoinHandle::join`]. From a coroutine this parks only the caller.
    pub fn join(self) -> thread::Result<T> {
        loop {
            {
                let mut slot = self.shared.slot.lock();
                if let Some(result) = slot.result.take() {
                    return result;
                }
                slot.waiter = Some(park::current());
            }
            park::park();
        }
    }

    /// True once the coroutine has ended (returned or panicked); `join` will not wait then.
    pub fn is_finished(&self) -> bool {
        self.shared.finished.load(Ordering::Acquire)
    }

    /// The coroutine's name, if [`Builder::name`](crate::Builder::name) gave it one.
    pub fn name(&self) -> Option<&str> {
        self.shared.name.as_deref()
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("name", &self.name())
            .field("finished", &self.is_finished())
            .finish()
    }
}
