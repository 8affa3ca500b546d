//! `Receiver`: the receiving end of a channel, and its iterators.

use std::fmt;
use std::time::{Duration, Instant};

use super::channel::Chan;
use super::error::{RecvError, RecvTimeoutError, TryRecvError};
use crate::loom::sync::atomic::Ordering;
use crate::loom::sync::Arc;

/// The receiving end of a channel. `Clone` for more receivers (each value goes to one of them).
/// Dropping the last one of a [`bounded`](crate::bounded) or [`unbounded`](crate::unbounded)
/// channel makes sends fail and drops the buffered values; for a [`chan`](crate::chan) it changes
/// nothing (senders wait, as in Go).
pub struct Receiver<T> {
    pub(crate) chan: Arc<Chan<T>>,
}

impl<T> Receiver<T> {
    pub(crate) fn from_chan(chan: Arc<Chan<T>>) -> Receiver<T> {
        Receiver { chan }
    }

    /// Receives a value, parking until one arrives. Fails once the channel is closed and empty.
    pub fn recv(&self) -> Result<T, RecvError> {
        self.chan.recv(None).map_err(|_| RecvError)
    }

    /// Receives a value if one is there now.
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.chan
            .recv(Some(Instant::now()))
            .map_err(|err| match err {
                RecvTimeoutError::Timeout => TryRecvError::Empty,
                RecvTimeoutError::Closed => TryRecvError::Closed,
            })
    }

    /// Receives a value, waiting at most `timeout`.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        match Instant::now().checked_add(timeout) {
            Some(deadline) => self.recv_deadline(deadline),
            None => self.recv().map_err(RecvTimeoutError::from),
        }
    }

    /// Receives a value, waiting until `deadline` at the latest.
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.chan.recv(Some(deadline))
    }

    /// Receives until the channel is closed and drained: Go's `for v := range ch`.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { receiver: self }
    }

    /// Receives what is there now, without waiting.
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { receiver: self }
    }

    /// True if the channel is closed (values may still be buffered).
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// crossbeam-channel's word for [`is_closed`](Receiver::is_closed): no value will be sent
    /// any more (values may still be buffered).
    pub fn is_disconnected(&self) -> bool {
        self.chan.is_closed()
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

    /// True if both receivers belong to the same channel.
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.chan.receivers.fetch_add(1, Ordering::Relaxed);
        Receiver {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.chan.receivers.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.chan.last_receiver_gone();
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("Receiver { .. }")
    }
}

/// Blocking iterator over a channel's values; ends when it is closed and drained.
#[derive(Debug)]
pub struct Iter<'a, T> {
    receiver: &'a Receiver<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.receiver.recv().ok()
    }
}

/// Non-blocking iterator over the values there now.
#[derive(Debug)]
pub struct TryIter<'a, T> {
    receiver: &'a Receiver<T>,
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.receiver.try_recv().ok()
    }
}

/// Owning blocking iterator over a channel's values.
#[derive(Debug)]
pub struct IntoIter<T> {
    receiver: Receiver<T>,
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.receiver.recv().ok()
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;
    fn into_iter(self) -> IntoIter<T> {
        IntoIter { receiver: self }
    }
}
