//! Channels: Go's `chan`, with `select!` and `Select`.

mod case;
mod channel;
mod error;
mod receiver;
mod select;
mod select_macro;
mod sender;
mod waiter;

pub use error::{
    ReadyTimeoutError, RecvError, RecvTimeoutError, SelectTimeoutError, SendError,
    SendTimeoutError, TryReadyError, TryRecvError, TrySelectError, TrySendError,
};
pub use receiver::{never, IntoIter, Iter, Receiver, TryIter};
pub use select::{Select, SelectedOperation};
#[cfg(not(loom))]
pub(crate) use sender::chan_never_closed;
pub use sender::{chan, never_sender, Sender};

/// What the `select!` macro's expansion uses. Not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use super::case::{recv_case, select, send_case, wait_for, Case, RecvCase, SendCase, Wait};
}
