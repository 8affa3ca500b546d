//! `Sender`: the sending end of a channel.

use std::fmt;
use std::time::{Duration, Instant};

use super::channel::Chan;
use super::error::{SendError, SendTimeoutError, TrySendError};
use crate::loom::sync::atomic::Ordering;
use crate::loom::sync::Arc;

/// The sending end of a channel. `Clone` for more senders. Dropping the last one closes a
/// [`bounded`](crate::bounded) or [`unbounded`](crate::unbounded) channel, and does nothing to a
/// [`chan`](crate::chan) (Go's channel closes only through [`close`](Sender::close)).
pub struct Sender<T> {
    pub(crate) chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
    /// Sends `msg`, parking while the channel is full (or, unbuffered, until a receiver takes
    /// it). Fails, handing `msg` back, if the channel is closed, or (for `bounded` and
    /// `unbounded`) every receiver is gone.
    pub fn send(&self, msg: T) -> Result<(), SendError<T>> {
        self.chan
            .send(msg, None)
            .map_err(|err| SendError(err.into_inner()))
    }

    /// Sends `msg` if that can be done without waiting.
    pub fn try_send(&self, msg: T) -> Result<(), TrySendError<T>> {
        self.chan
            .send(msg, Some(Instant::now()))
            .map_err(|err| match err {
                SendTimeoutError::Timeout(msg) => TrySendError::Full(msg),
                SendTimeoutError::Closed(msg) => TrySendError::Closed(msg),
            })
    }

    /// Sends `msg`, waiting at most `timeout`.
    pub fn send_timeout(&self, msg: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        match Instant::now().checked_add(timeout) {
            Some(deadline) => self.send_deadline(msg, deadline),
            None => self.send(msg).map_err(SendTimeoutError::from),
        }
    }

    /// Sends `msg`, waiting until `deadline` at the latest.
    pub fn send_deadline(&self, msg: T, deadline: Instant) -> Result<(), SendTimeoutError<T>> {
        self.chan.send(msg, Some(deadline))
    }

    /// Closes the channel, Go's `close(ch)`: receivers get what is buffered, then
    /// [`RecvError`](crate::RecvError); sends fail. Returns true if this call closed it; closing
    /// a closed channel is not an error (Go would panic).
    pub fn close(&self) -> bool {
        self.chan.close()
    }

    /// True if the channel is closed (no more values will be sent).
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// crossbeam-channel's word: true if no send can succeed any more, because the channel is
    /// closed or (for `bounded` and `unbounded`) every receiver is gone.
    pub fn is_disconnected(&self) -> bool {
        self.chan.is_disconnected()
    }

    /// Values in the buffer.
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// True if the buffer holds no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True if the buffer is full (always, for an unbuffered channel; never, for an unbounded
    /// one).
    pub fn is_full(&self) -> bool {
        self.chan.capacity() == Some(self.len())
    }

    /// The buffer's size: `Some(cap)`, or `None` for an [`unbounded`](crate::unbounded) channel.
    pub fn capacity(&self) -> Option<usize> {
        self.chan.capacity()
    }

    /// True if both senders belong to the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// Sets a function to call once the last receiver is gone (at once, if it is gone already),
    /// outside the channel's lock: for a producer that should stop producing for nobody, as a
    /// timer channel cancels its timer.
    #[cfg(not(loom))]
    pub(crate) fn on_receivers_gone(&self, hook: Box<dyn FnOnce() + Send>) {
        self.chan.on_receivers_gone(hook);
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.senders.fetch_add(1, Ordering::Relaxed);
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // AcqRel: the last sender sees every other sender's sends before it closes.
        if self.chan.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.chan.last_sender_gone();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("Sender { .. }")
    }
}
