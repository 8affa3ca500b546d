//! The errors of channel operations and of selection.
//!
//! They follow crossbeam-channel's types one for one, with Go's word for a channel that will
//! deliver nothing more: *closed*. crossbeam's word, *disconnected*, is there too, so crossbeam
//! code compiles unchanged: `is_disconnected()` on every error, and `TryRecvError::Disconnected`
//! and `RecvTimeoutError::Disconnected` as constants equal to `Closed`, usable in patterns
//! (a `match` naming them is exhaustive). The send errors carry the message, and Rust cannot
//! give a variant with data a second name: there, match `Closed(msg)` (or test
//! `is_disconnected()`) where crossbeam code says `Disconnected(msg)`.
//!
//! A failed send always carries the message back, so nothing is lost.

use std::error::Error;
use std::fmt;

/// `send` failed because the channel is closed (or, for `bounded` and `unbounded`, every
/// receiver is gone). Holds the message.
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

/// `try_send` failed.
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum TrySendError<T> {
    /// The channel is full (for an unbuffered channel: no receiver is waiting). Holds the message.
    Full(T),
    /// The channel is closed (or, for `bounded` and `unbounded`, every receiver is gone). Holds
    /// the message.
    Closed(T),
}

/// `send_timeout` or `send_deadline` failed.
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum SendTimeoutError<T> {
    /// No room, or no receiver, before the deadline. Holds the message.
    Timeout(T),
    /// The channel is closed (or, for `bounded` and `unbounded`, every receiver is gone). Holds
    /// the message.
    Closed(T),
}

/// `recv` failed because the channel is closed and empty.
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub struct RecvError;

/// `try_recv` failed.
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub enum TryRecvError {
    /// Nothing to receive now.
    Empty,
    /// The channel is closed and empty.
    Closed,
}

/// `recv_timeout` or `recv_deadline` failed.
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub enum RecvTimeoutError {
    /// Nothing arrived before the deadline.
    Timeout,
    /// The channel is closed and empty.
    Closed,
}

/// `Select::try_select` found no operation ready.
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub struct TrySelectError;

/// `Select::select_timeout` or `select_deadline` found no operation ready in time.
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub struct SelectTimeoutError;

/// `Select::try_ready` found no operation ready.
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub struct TryReadyError;

/// `Select::ready_timeout` or `ready_deadline` found no operation ready in time.
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub struct ReadyTimeoutError;

impl<T> SendError<T> {
    /// The message that could not be sent.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> TrySendError<T> {
    /// The message that could not be sent.
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(v) | TrySendError::Closed(v) => v,
        }
    }

    /// True if the send failed because the channel was full.
    pub fn is_full(&self) -> bool {
        matches!(self, TrySendError::Full(_))
    }

    /// True if the send failed because the channel was closed.
    pub fn is_closed(&self) -> bool {
        matches!(self, TrySendError::Closed(_))
    }

    /// crossbeam-channel's word for [`is_closed`](TrySendError::is_closed).
    pub fn is_disconnected(&self) -> bool {
        self.is_closed()
    }
}

impl<T> SendTimeoutError<T> {
    /// The message that could not be sent.
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(v) | SendTimeoutError::Closed(v) => v,
        }
    }

    /// True if the send timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, SendTimeoutError::Timeout(_))
    }

    /// True if the send failed because the channel was closed.
    pub fn is_closed(&self) -> bool {
        matches!(self, SendTimeoutError::Closed(_))
    }

    /// crossbeam-channel's word for [`is_closed`](SendTimeoutError::is_closed).
    pub fn is_disconnected(&self) -> bool {
        self.is_closed()
    }
}

impl TryRecvError {
    /// crossbeam-channel's name for [`TryRecvError::Closed`], usable in patterns:
    ///
    /// ```
    /// use offshoot::{bounded, TryRecvError};
    /// let (tx, rx) = bounded::<i32>(1);
    /// drop(tx);
    /// match rx.try_recv() {
    ///     Ok(_) | Err(TryRecvError::Empty) => unreachable!(),
    ///     Err(TryRecvError::Disconnected) => {}
    /// }
    /// ```
    #[allow(non_upper_case_globals)]
    pub const Disconnected: TryRecvError = TryRecvError::Closed;

    /// True if nothing was there to receive.
    pub fn is_empty(&self) -> bool {
        matches!(self, TryRecvError::Empty)
    }

    /// True if the channel was closed and empty.
    pub fn is_closed(&self) -> bool {
        matches!(self, TryRecvError::Closed)
    }

    /// crossbeam-channel's word for [`is_closed`](TryRecvError::is_closed).
    pub fn is_disconnected(&self) -> bool {
        self.is_closed()
    }
}

impl RecvTimeoutError {
    /// crossbeam-channel's name for [`RecvTimeoutError::Closed`], usable in patterns.
    #[allow(non_upper_case_globals)]
    pub const Disconnected: RecvTimeoutError = RecvTimeoutError::Closed;

    /// True if the receive timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, RecvTimeoutError::Timeout)
    }

    /// True if the channel was closed and empty.
    pub fn is_closed(&self) -> bool {
        matches!(self, RecvTimeoutError::Closed)
    }

    /// crossbeam-channel's word for [`is_closed`](RecvTimeoutError::is_closed).
    pub fn is_disconnected(&self) -> bool {
        self.is_closed()
    }
}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(err: SendError<T>) -> Self {
        TrySendError::Closed(err.0)
    }
}

impl<T> From<SendError<T>> for SendTimeoutError<T> {
    fn from(err: SendError<T>) -> Self {
        SendTimeoutError::Closed(err.0)
    }
}

impl From<RecvError> for TryRecvError {
    fn from(_: RecvError) -> Self {
        TryRecvError::Closed
    }
}

impl From<RecvError> for RecvTimeoutError {
    fn from(_: RecvError) -> Self {
        RecvTimeoutError::Closed
    }
}

// Debug hides the message, as std's and crossbeam's do: `T` need not be `Debug`, and
// `send(..).unwrap()` must compile for any `T`.
impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError { .. }")
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            SendTimeoutError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

macro_rules! display {
    ($($ty:ty => $text:expr),* $(,)?) => {
        $(impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($text)
            }
        })*
    };
}

display! {
    RecvError => "receiving on a closed channel",
    TrySelectError => "all operations in select would block",
    SelectTimeoutError => "timed out waiting on select",
    TryReadyError => "all operations in select would block",
    ReadyTimeoutError => "timed out waiting on select",
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sending on a closed channel")
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TrySendError::Full(_) => "sending on a full channel",
            TrySendError::Closed(_) => "sending on a closed channel",
        })
    }
}

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SendTimeoutError::Timeout(_) => "timed out waiting on send operation",
            SendTimeoutError::Closed(_) => "sending on a closed channel",
        })
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryRecvError::Empty => "receiving on an empty channel",
            TryRecvError::Closed => "receiving on a closed channel",
        })
    }
}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecvTimeoutError::Timeout => "timed out waiting on receive operation",
            RecvTimeoutError::Closed => "channel is empty and closed",
        })
    }
}

impl<T> Error for SendError<T> {}
impl<T> Error for TrySendError<T> {}
impl<T> Error for SendTimeoutError<T> {}
impl Error for RecvError {}
impl Error for TryRecvError {}
impl Error for RecvTimeoutError {}
impl Error for TrySelectError {}
impl Error for SelectTimeoutError {}
impl Error for TryReadyError {}
impl Error for ReadyTimeoutError {}
