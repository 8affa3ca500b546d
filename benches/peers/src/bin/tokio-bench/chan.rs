//! Go-style channels of a given capacity for tokio, including Go's unbuffered channel, which
//! tokio lacks: `tokio::sync::mpsc::channel(0)` and `async_channel::bounded(0)` both panic.
//!
//! Each channel is an enum of two flavors, dispatched on every send and receive:
//! - capacity N > 0: the library's bounded channel of capacity N, as is.
//! - capacity 0: a bounded channel of capacity 1 whose values travel with a `oneshot` sender.
//!   The receiver fires it when it takes the value, and the send waits for that. So a send
//!   completes only once a receiver has its value: Go's rendezvous. It costs more than Go's
//!   does: a oneshot is allocated per value, and the sending task always waits once more, even
//!   when a receiver was already waiting (Go hands the value straight over and the sender goes
//!   on).
//!
//! `channel` has one receiver, on `tokio::sync::mpsc`; `mpmc` has cloneable receivers, on
//! smol-rs's `async-channel`, because tokio has no channel with several receivers that each
//! take a different value. Either closes when every sender is dropped: the receivers then
//! drain what is queued and get `None`.

use tokio::sync::{mpsc, oneshot};

/// The send failed: every receiver is gone.
#[derive(Debug)]
pub struct Closed;

/// A value in a capacity-0 channel, with the means to tell its sender it was taken.
pub struct Handoff<T> {
    value: T,
    taken: oneshot::Sender<()>,
}

impl<T> Handoff<T> {
    /// A handoff of `value`, and what its sender waits on.
    fn new(value: T) -> (Self, oneshot::Receiver<()>) {
        let (taken, wait) = oneshot::channel();
        (Handoff { value, taken }, wait)
    }

    /// The value, telling its sender that it was taken.
    fn take(self) -> T {
        // The sender may be gone (its task ended); then nobody needs telling.
        let _ = self.taken.send(());
        self.value
    }
}

/// A channel of capacity `cap` with one receiver, on `tokio::sync::mpsc`.
pub fn channel<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    if cap == 0 {
        let (tx, rx) = mpsc::channel(1);
        (Sender::Rendezvous(tx), Receiver::Rendezvous(rx))
    } else {
        let (tx, rx) = mpsc::channel(cap);
        (Sender::Buffered(tx), Receiver::Buffered(rx))
    }
}

/// The sending half of `channel`.
pub enum Sender<T> {
    Buffered(mpsc::Sender<T>),
    Rendezvous(mpsc::Sender<Handoff<T>>),
}

impl<T> Sender<T> {
    /// Sends `value`, waiting while the buffer is full (capacity N) or until the receiver has
    /// taken it (capacity 0).
    pub async fn send(&self, value: T) -> Result<(), Closed> {
        match self {
            Sender::Buffered(tx) => tx.send(value).await.map_err(|_| Closed),
            Sender::Rendezvous(tx) => {
                let (handoff, taken) = Handoff::new(value);
                tx.send(handoff).await.map_err(|_| Closed)?;
                taken.await.map_err(|_| Closed)
            }
        }
    }
}

/// The receiving half of `channel`.
pub enum Receiver<T> {
    Buffered(mpsc::Receiver<T>),
    Rendezvous(mpsc::Receiver<Handoff<T>>),
}

impl<T> Receiver<T> {
    /// The next value; `None` once every sender is gone and the queue is empty. Cancel-safe,
    /// as `mpsc::Receiver::recv` is, so it can be a `tokio::select!` branch.
    pub async fn recv(&mut self) -> Option<T> {
        match self {
            Receiver::Buffered(rx) => rx.recv().await,
            Receiver::Rendezvous(rx) => rx.recv().await.map(Handoff::take),
        }
    }
}

/// A channel of capacity `cap` with cloneable receivers, on `async-channel`.
pub fn mpmc<T>(cap: usize) -> (MpmcSender<T>, MpmcReceiver<T>) {
    if cap == 0 {
        let (tx, rx) = async_channel::bounded(1);
        (MpmcSender::Rendezvous(tx), MpmcReceiver::Rendezvous(rx))
    } else {
        let (tx, rx) = async_channel::bounded(cap);
        (MpmcSender::Buffered(tx), MpmcReceiver::Buffered(rx))
    }
}

/// The sending half of `mpmc`.
pub enum MpmcSender<T> {
    Buffered(async_channel::Sender<T>),
    Rendezvous(async_channel::Sender<Handoff<T>>),
}

impl<T> MpmcSender<T> {
    /// Sends `value`, waiting while the buffer is full (capacity N) or until a receiver has
    /// taken it (capacity 0).
    pub async fn send(&self, value: T) -> Result<(), Closed> {
        match self {
            MpmcSender::Buffered(tx) => tx.send(value).await.map_err(|_| Closed),
            MpmcSender::Rendezvous(tx) => {
                let (handoff, taken) = Handoff::new(value);
                tx.send(handoff).await.map_err(|_| Closed)?;
                taken.await.map_err(|_| Closed)
            }
        }
    }
}

impl<T> Clone for MpmcSender<T> {
    fn clone(&self) -> Self {
        match self {
            MpmcSender::Buffered(tx) => MpmcSender::Buffered(tx.clone()),
            MpmcSender::Rendezvous(tx) => MpmcSender::Rendezvous(tx.clone()),
        }
    }
}

/// The receiving half of `mpmc`; each value goes to one of its clones.
pub enum MpmcReceiver<T> {
    Buffered(async_channel::Receiver<T>),
    Rendezvous(async_channel::Receiver<Handoff<T>>),
}

impl<T> MpmcReceiver<T> {
    /// The next value; `None` once every sender is gone and the queue is empty.
    pub async fn recv(&self) -> Option<T> {
        match self {
            MpmcReceiver::Buffered(rx) => rx.recv().await.ok(),
            MpmcReceiver::Rendezvous(rx) => rx.recv().await.ok().map(Handoff::take),
        }
    }
}

impl<T> Clone for MpmcReceiver<T> {
    fn clone(&self) -> Self {
        match self {
            MpmcReceiver::Buffered(rx) => MpmcReceiver::Buffered(rx.clone()),
            MpmcReceiver::Rendezvous(rx) => MpmcReceiver::Rendezvous(rx.clone()),
        }
    }
}
