//! `Sender`: the sending end of a channel, and `chan`, which makes one.

use std::fmt;
use std::time::{Duration, Instant};

use super::channel::Chan;
use super::error::{SendError, SendTimeoutError, TrySendError};
use super::receiver::Receiver;
use crate::loom::sync::atomic::Ordering;
use crate::loom::sync::Arc;

/// Makes a channel with room for `cap` buffered values: Go's `make(chan T, cap)`.
///
/// With `cap == 0` the channel is unbuffered: a send completes only when a receiver takes the
/// value (a rendezvous). Both ends may be cloned; the channel closes when [`Sender::close`] is
/// called or the last sender is dropped.
///
/// ```
/// let (tx, rx) = offshoot::chan(0);
/// offshoot::go(move || tx.send("ping").unwrap());
/// assert_eq!(rx.recv(), Ok("ping"));
/// ```
pub fn chan<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(Chan::new(cap));
    (Sender { chan: chan.clone() }, Receiver::from_chan(chan))
}

/// A channel that never closes, not even when its last `Sender` is dropped (an extra sender
/// count has no `Sender`): `time::after` and `time::tick` deliver on these, as crossbeam's do,
/// so a receive after the last value waits instead of reporting a close.
#[cfg(not(loom))]
pub(crate) fn chan_never_closed<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = chan(cap);
    tx.chan.senders.fetch_add(1, Ordering::Relaxed);
    (tx, rx)
}

/// A sender that never sends anything: Go's nil channel on the sending side, to switch a
/// `select!` send case off until there is something to send (Go's `var out chan T`). A send on
/// it waits forever (with a timeout, it times out; `try_send` finds it full), and `close` does
/// nothing and returns false (where Go's `close` of a nil channel panics).
///
/// ```
/// use offshoot::{chan, never, never_sender, select, Receiver, Sender};
///
/// let (results, collected) = chan::<u32>(16);
/// let (jobs, incoming) = chan::<u32>(16);
/// for job in 1..=3 {
///     jobs.send(job).unwrap();
/// }
/// jobs.close();
/// // Go's loop with `var in, out chan int`: `in` is set while there is room for a job, `out`
/// // while a result is pending; a nil channel's case is never chosen.
/// let mut pending: Option<u32> = None;
/// let mut incoming = Some(incoming);
/// while incoming.is_some() || pending.is_some() {
///     let input: Receiver<u32> = match (&incoming, pending) {
///         (Some(rx), None) => rx.clone(),
///         _ => never(),
///     };
///     let out: Sender<u32> = if pending.is_some() { results.clone() } else { never_sender() };
///     select! {
///         recv(input) -> job => match job {
///             Ok(job) => pending = Some(job * 10),
///             Err(_) => incoming = None,
///         },
///         send(out, pending.unwrap_or_default()) -> sent => {
///             sent.unwrap();
///             pending = None;
///         },
///     }
/// }
/// let mut got: Vec<u32> = collected.try_iter().collect();
/// got.sort();
/// assert_eq!(got, [10, 20, 30]);
/// ```
pub fn never_sender<T>() -> Sender<T> {
    // Its receiver count starts at one and has no `Receiver` to drop: nothing is ever taken,
    // and sends never fail.
    Sender {
        chan: Arc::new(Chan::nil()),
    }
}

/// The sending end of a channel. `Clone` for more senders; dropping the last one closes it.
pub struct Sender<T> {
    pub(crate) chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
    /// Sends `msg`, parking while the channel is full (or, unbuffered, until a receiver takes
    /// it). Fails, handing `msg` back, if the channel is closed or every receiver is gone.
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

    /// Values in the buffer.
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// True if the buffer holds no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True if the buffer is full (always, for an unbuffered channel).
    pub fn is_full(&self) -> bool {
        self.len() == self.chan.capacity()
    }

    /// The buffer's size: `Some(cap)`. An `Option`, as crossbeam's, though offshoot's channels
    /// are always bounded.
    pub fn capacity(&self) -> Option<usize> {
        Some(self.chan.capacity())
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
            self.chan.close();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("Sender { .. }")
    }
}
