//! Channels: Go's `chan` and crossbeam-channel's `bounded` and `unbounded`, with `select!` and
//! `Select`.

mod case;
mod channel;
mod error;
mod make;
mod receiver;
mod select;
mod select_macro;
mod sender;
mod waiter;

pub use error::{
    ReadyTimeoutError, RecvError, RecvTimeoutError, SelectTimeoutError, SendError,
    SendTimeoutError, TryReadyError, TryRecvError, TrySelectError, TrySendError,
};
pub use make::{bounded, chan, never, never_sender, unbounded};
pub use receiver::{IntoIter, Iter, Receiver, TryIter};
pub use select::{Select, SelectedOperation};
pub use sender::Sender;

/// What the `select!` macro's expansion uses. Not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use super::case::{recv_case, select, send_case, wait_for, Case, RecvCase, SendCase, Wait};
}
