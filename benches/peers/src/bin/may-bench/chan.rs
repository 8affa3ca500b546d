//! Go-style channels of a given capacity for may, whose own channels (`may::sync::mpsc`,
//! `mpmc`, `spsc`) are all unbounded: their sends never wait.
//!
//! Both flavors are may's `mpmc` channel plus one of may's counting semaphores:
//! - capacity N > 0: a semaphore of N free slots, shared by every handle. A send takes a slot
//!   (waiting while none is free) and then enqueues; a receive dequeues and then frees a slot.
//!   So at most N values are ever queued, as in a Go channel of capacity N.
//! - capacity 0, Go's unbuffered channel: the value travels with its sender's acknowledgement
//!   semaphore, which the receiver posts when it takes the value, and the send waits on it. So a
//!   send completes only once a receiver has its value: Go's rendezvous. It costs more than Go's
//!   does: the sender always waits once more, even when a receiver was already waiting, where
//!   Go hands the value straight to that receiver and the sender goes on.
//!
//! Closing is dropping every `Sender`, as with may's own channels: the receivers then drain
//! what is queued and get `Err`. This is a benchmark's emulation, not a general channel: a
//! value queued when the last receiver is dropped is dropped unacknowledged, and its sender
//! waits forever (as a Go send on a channel nobody receives from blocks forever).

use std::cell::Cell;
use std::marker::PhantomData;
use std::sync::mpsc::{RecvError, SendError};
use std::sync::Arc;

use may::sync::{mpmc, Semphore};

/// A new channel of capacity `cap` (0 for Go's unbuffered channel).
pub fn chan<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    let (queue_tx, queue_rx) = mpmc::channel();
    let slots = (cap > 0).then(|| Arc::new(Semphore::new(cap)));
    let tx = Sender {
        queue: queue_tx,
        flavor: match &slots {
            Some(slots) => Flavor::Buffered(slots.clone()),
            None => Flavor::Rendezvous(Arc::new(Semphore::new(0))),
        },
        not_sync: PhantomData,
    };
    (
        tx,
        Receiver {
            queue: queue_rx,
            slots,
        },
    )
}

/// A value on its way, with what its receiver must post on taking it.
struct Item<T> {
    value: T,
    /// The sender's acknowledgement, for capacity 0; `None` for a buffered channel.
    taken: Option<Arc<Semphore>>,
}

/// The sending half; clone it for each sending coroutine.
pub struct Sender<T> {
    queue: mpmc::Sender<Item<T>>,
    flavor: Flavor,
    /// A handle is not `Sync`: a rendezvous handle's acknowledgements are its own, which is
    /// right only while one coroutine at a time sends through it.
    not_sync: PhantomData<Cell<()>>,
}

/// What a send waits for.
enum Flavor {
    /// A free slot in the buffer; shared by every handle of the channel.
    Buffered(Arc<Semphore>),
    /// This handle's acknowledgement, posted once for each value a receiver takes. At most one
    /// is ever pending, because the handle's send waits for it.
    Rendezvous(Arc<Semphore>),
}

impl<T> Sender<T> {
    /// Sends `value`, waiting while the buffer is full (capacity N) or until a receiver has
    /// taken it (capacity 0). Fails if every receiver is gone.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        match &self.flavor {
            Flavor::Buffered(slots) => {
                slots.wait();
                let item = Item { value, taken: None };
                self.queue.send(item).map_err(|e| SendError(e.0.value))
            }
            Flavor::Rendezvous(ack) => {
                let item = Item {
                    value,
                    taken: Some(ack.clone()),
                };
                self.queue.send(item).map_err(|e| SendError(e.0.value))?;
                ack.wait();
                Ok(())
            }
        }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        let flavor = match &self.flavor {
            Flavor::Buffered(slots) => Flavor::Buffered(slots.clone()),
            // A clone gets its own acknowledgements, so it never takes another handle's.
            Flavor::Rendezvous(_) => Flavor::Rendezvous(Arc::new(Semphore::new(0))),
        };
        Sender {
            queue: self.queue.clone(),
            flavor,
            not_sync: PhantomData,
        }
    }
}

/// The receiving half; clones share the queue, each value going to one of them.
pub struct Receiver<T> {
    queue: mpmc::Receiver<Item<T>>,
    /// The buffer's free slots, for capacity N; `None` for capacity 0.
    slots: Option<Arc<Semphore>>,
}

impl<T> Receiver<T> {
    /// The next value, waiting for one; `Err` once every sender is gone and the queue is empty.
    pub fn recv(&self) -> Result<T, RecvError> {
        let item = self.queue.recv()?;
        if let Some(taken) = item.taken {
            taken.post();
        }
        if let Some(slots) = &self.slots {
            slots.post();
        }
        Ok(item.value)
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        Receiver {
            queue: self.queue.clone(),
            slots: self.slots.clone(),
        }
    }
}
