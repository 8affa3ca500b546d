//! The channel: Go's `hchan`, one small lock around a ring buffer and two wait queues.
//!
//! # Two lifetimes, one channel
//!
//! Every channel runs the same algorithm below; what differs is what ends it ([`Lifetime`]).
//! A Go channel (`chan`) ends only at `close`: its handles are counted for nothing but the
//! timer hook, and an operation that can never complete simply waits, as in Go. A crossbeam
//! channel (`bounded`, `unbounded`) is closed when its last sender goes, and fails its sends
//! (waking the parked ones and dropping what is buffered) when its last receiver goes. An
//! unbounded channel is a buffer with no limit: a send never parks.
//!
//! # Algorithm (Go's `chan.go`, plus reservations for select)
//!
//! Send, in order:
//! 1. closed, or (crossbeam's lifetime) no receiver left: fail, handing the message back;
//! 2. a receiver is parked: hand the message straight to it (the buffer is empty then) and make
//!    it runnable, on this processor's `runnext` when the sender is a coroutine;
//! 3. the buffer has room: append;
//! 4. otherwise park in `sendq` with the message, until a receiver takes it or the channel closes
//!    (or, with crossbeam's lifetime, loses its last receiver).
//!
//! Receive, in order:
//! 1. the buffer holds a value: take the oldest; if a sender is parked (the buffer was full),
//!    move its message to the back of the buffer and wake it;
//! 2. a sender is parked (unbuffered): take its message and wake it;
//! 3. closed: report it (values buffered before the close were all received by now);
//! 4. otherwise park in `recvq` until a sender fills our slot or the channel closes.
//!
//! # Two-phase operations for select
//!
//! `select` first decides which case can proceed, then completes it, and a send case's message
//! is only produced once its case is chosen (crossbeam's `select!` and `Select` both work so).
//! So each operation also comes as `start_*`, which *reserves* the operation under the lock and
//! returns a [`Token`], and `finish_*`, which completes it. A reservation is a counted buffer slot
//! (`send_reserved`), a claimed parked peer, or, for a receive, the buffered value itself: taken
//! at once, so values stay bound to receivers in FIFO order (a mere count would let another
//! receiver take the reserved value and leave a later one behind).
//! Reserved slots count as taken for everyone else. A reserved slot promises room, not success: the send takes effect when it is
//! completed (that is when its message exists), so if the channel closed in between, it fails
//! and hands its message back, as any send after a close does. A claimed peer is committed to
//! the operation, so that completes whatever happens meanwhile.
//!
//! A select that parks with a send case queues an entry with no message (a *lazy* send). A
//! receiver that claims it hands it a packet, an entry of the receiver's own to fill, and waits;
//! one that frees a buffer slot reserves the slot for it. The select then produces its message
//! and completes.
//!
//! # Invariants (under `state`'s lock)
//! - `buf.len() <= cap`, `buf.len() + send_reserved <= cap`;
//! - a receiver parks only if no value is buffered, and a sender only if no unreserved slot is
//!   free: so a parked receiver and a parked sender are never both claimable, except the
//!   two cases of one select (which never pair with each other).

use std::collections::VecDeque;
use std::ptr;
use std::time::Instant;

use super::error::{RecvTimeoutError, SendTimeoutError};
use super::waiter::{Claimed, Entry, Outcome, Selection, WaitQueue};
use crate::loom::sync::atomic::AtomicUsize;
#[cfg(not(loom))]
use crate::loom::sync::atomic::Ordering;
use crate::loom::sync::Mutex;
use crate::runtime::park::{Unparker, WaitReason};

/// What ends a channel besides `close`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Lifetime {
    /// Go's channel: nothing. Dropping every sender or every receiver changes nothing; an
    /// operation that can never complete waits.
    UntilClosed,
    /// crossbeam-channel's: the last sender to go closes it (receivers drain, then fail); the
    /// last receiver to go makes every send fail and drops the buffer.
    WhileConnected,
}

/// Slots an unbounded channel's buffer keeps however far it drains.
const UNBOUNDED_KEEP: usize = 4096;

/// A channel's shared state. The public `Sender` and `Receiver` hold it in an `Arc`.
pub(crate) struct Chan<T> {
    state: Mutex<State<T>>,
    /// Buffer size; 0 for an unbuffered channel, `usize::MAX` for an unbounded one. Fixed.
    cap: usize,
    /// Made by `unbounded()`: `capacity()` reports `None`.
    unbounded: bool,
    lifetime: Lifetime,
    /// Live `Sender`s (see `Lifetime` for what the last one's going does).
    pub(crate) senders: AtomicUsize,
    /// Live `Receiver`s (see `Lifetime`; the timer hook runs when the last one goes).
    pub(crate) receivers: AtomicUsize,
    /// Go's nil channel (`never`, `never_sender`): one end has no handle at all, so nothing
    /// ever arrives or is taken, and `close` does nothing.
    nil: bool,
}

struct State<T> {
    buf: VecDeque<T>,
    /// Buffer slots promised to selected senders that have not written yet.
    send_reserved: usize,
    /// No more sends: `close` was called, or (crossbeam's lifetime) every sender is gone.
    closed: bool,
    /// Every receiver is gone and the lifetime is crossbeam's: sends fail.
    receivers_gone: bool,
    /// Called once, outside the lock, when the last receiver goes: lets a channel's producer stop
    /// producing for nobody (a timer channel cancels its timer). `None` for ordinary channels.
    on_receivers_gone: Option<Box<dyn FnOnce() + Send>>,
    recvq: WaitQueue<T>,
    sendq: WaitQueue<T>,
    /// `Select::ready` callers waiting for any change, by id. Empty in normal use.
    observers: Vec<(u64, Unparker)>,
}

impl<T> State<T> {
    /// No send can succeed: closed, or (crossbeam's lifetime) every receiver is gone.
    fn sends_fail(&self) -> bool {
        self.closed || self.receivers_gone
    }

    /// Wakes the `ready` callers watching this channel: an operation may have become ready.
    /// Called under the lock at every change that can make one ready (a value or a parked peer
    /// arrives, room is freed, the channel closes); unparking takes no channel lock.
    fn changed(&mut self) {
        if !self.observers.is_empty() {
            for (_, observer) in self.observers.drain(..) {
                observer.unpark_owned();
            }
        }
    }
}

/// A reserved operation, from `start_send`/`start_recv`, to be completed by `finish_*`.
#[derive(Debug)]
pub(crate) enum Token<T> {
    /// Send: a buffer slot is reserved.
    Buffer,
    /// Receive: the value was taken already (from the buffer, in FIFO order).
    Value(T),
    /// A parked peer was claimed: a receiver to fill, or a sender to take from.
    Peer(Claimed<T>),
    /// The channel is closed (for a send on a crossbeam channel: or has no receiver left).
    Closed,
}

impl<T> Chan<T> {
    /// A channel with room for `cap` buffered values (0: unbuffered; `None`: unbounded).
    pub(crate) fn new(cap: Option<usize>, lifetime: Lifetime) -> Chan<T> {
        Chan::with_nil(cap, lifetime, false)
    }

    fn with_nil(cap: Option<usize>, lifetime: Lifetime, nil: bool) -> Chan<T> {
        Chan {
            state: Mutex::new(State {
                // Room for a bounded buffer up front (within reason); an unbounded one grows.
                buf: VecDeque::with_capacity(cap.unwrap_or(0).min(1024)),
                send_reserved: 0,
                closed: false,
                receivers_gone: false,
                on_receivers_gone: None,
                recvq: WaitQueue::default(),
                sendq: WaitQueue::default(),
                observers: Vec::new(),
            }),
            cap: cap.unwrap_or(usize::MAX),
            unbounded: cap.is_none(),
            lifetime,
            senders: AtomicUsize::new(1),
            receivers: AtomicUsize::new(1),
            nil,
        }
    }

    /// Go's nil channel: unbuffered, with one count of each end, only one of which the caller
    /// gives a handle to. The other count never drops, so the end without a handle stays
    /// "live" and operations on the other end wait forever; `close` does nothing.
    pub(crate) fn nil() -> Chan<T> {
        Chan::with_nil(Some(0), Lifetime::UntilClosed, true)
    }

    /// The buffer's size; `None` for an unbounded channel.
    pub(crate) fn capacity(&self) -> Option<usize> {
        (!self.unbounded).then_some(self.cap)
    }

    /// Buffered values not yet promised to a receiver.
    pub(crate) fn len(&self) -> usize {
        let state = self.state.lock();
        state.buf.len()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.state.lock().closed
    }

    /// Closed, or (crossbeam's lifetime) every receiver gone: no send can succeed.
    pub(crate) fn is_disconnected(&self) -> bool {
        self.state.lock().sends_fail()
    }

    /// The last `Sender` is gone.
    pub(crate) fn last_sender_gone(&self) {
        if self.lifetime == Lifetime::WhileConnected {
            self.close();
        }
    }

    /// The last `Receiver` is gone.
    pub(crate) fn last_receiver_gone(&self) {
        match self.lifetime {
            Lifetime::WhileConnected => self.disconnect_receivers(),
            Lifetime::UntilClosed => {
                let hook = self.state.lock().on_receivers_gone.take();
                if let Some(hook) = hook {
                    hook();
                }
            }
        }
    }

    /// Sends `msg`, parking until `deadline` (`None`: forever; a past deadline: not at all).
    pub(crate) fn send(
        &self,
        mut msg: T,
        deadline: Option<Instant>,
    ) -> Result<(), SendTimeoutError<T>> {
        loop {
            let mut state = self.state.lock();
            if state.sends_fail() {
                return Err(SendTimeoutError::Closed(msg));
            }
            if let Some(receiver) = state.recvq.claim_first(ptr::null()) {
                drop(state);
                receiver.put_slot(msg);
                receiver.finish(Outcome::Done).unpark_owned();
                return Ok(());
            }
            if state.buf.len() + state.send_reserved < self.cap {
                state.buf.push_back(msg);
                state.changed();
                return Ok(());
            }
            if deadline.is_some_and(|d| d <= Instant::now()) {
                return Err(SendTimeoutError::Timeout(msg));
            }
            let sel = Selection::new();
            let entry = Entry::new(&sel, 0, Some(msg));
            state.sendq.push(&entry);
            state.changed();
            drop(state);
            let Some(_) = sel.wait(deadline, WaitReason::Send) else {
                self.state.lock().sendq.remove(&entry);
                return Err(SendTimeoutError::Timeout(
                    entry.take_slot().expect("message kept"),
                ));
            };
            entry.wait_ready(WaitReason::Send);
            match entry.outcome() {
                Outcome::Done => return Ok(()),
                Outcome::Closed => {
                    return Err(SendTimeoutError::Closed(
                        entry.take_slot().expect("message kept"),
                    ))
                }
                // A select receiver claimed us, then gave up (see `cancel`): start over.
                Outcome::Abandoned => msg = entry.take_slot().expect("message kept"),
                other => unreachable!("a blocking send completed as {other:?}"),
            }
        }
    }

    /// Receives a value, parking until `deadline` (`None`: forever; a past deadline: not at all).
    pub(crate) fn recv(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        loop {
            let mut state = self.state.lock();
            if let Some(value) = self.take_buffered(&mut state) {
                let woken = self.refill(&mut state);
                state.changed();
                drop(state);
                if let Some(sender) = woken {
                    sender.unpark_owned();
                }
                return Ok(value);
            }
            if let Some(sender) = state.sendq.claim_first(ptr::null()) {
                drop(state);
                match self.take_from(sender) {
                    Some(value) => return Ok(value),
                    None => continue, // the select sender abandoned its case: try again
                }
            }
            if state.closed {
                return Err(RecvTimeoutError::Closed);
            }
            if deadline.is_some_and(|d| d <= Instant::now()) {
                return Err(RecvTimeoutError::Timeout);
            }
            let sel = Selection::new();
            let entry = Entry::new(&sel, 0, None);
            state.recvq.push(&entry);
            state.changed();
            drop(state);
            let Some(_) = sel.wait(deadline, WaitReason::Recv) else {
                self.state.lock().recvq.remove(&entry);
                return Err(RecvTimeoutError::Timeout);
            };
            entry.wait_ready(WaitReason::Recv);
            match entry.outcome() {
                Outcome::Done => return Ok(entry.take_slot().expect("a value was put")),
                Outcome::Closed => return Err(RecvTimeoutError::Closed),
                // A select sender claimed us, then gave up (see `cancel`): start over.
                Outcome::Abandoned => continue,
                other => unreachable!("a blocking recv completed as {other:?}"),
            }
        }
    }

    /// Takes the oldest buffered value. An unbounded buffer that a burst grew shrinks as it
    /// drains, so one burst does not hold its memory for the channel's life: once it is a
    /// quarter full, to twice what it holds. Each shrink moves at most a quarter of the slots
    /// and follows at least as many receives, so it costs O(1) per receive, as growing does.
    fn take_buffered(&self, state: &mut State<T>) -> Option<T> {
        let value = state.buf.pop_front()?;
        if self.unbounded
            && state.buf.capacity() > UNBOUNDED_KEEP
            && state.buf.len() < state.buf.capacity() / 4
        {
            let keep = (state.buf.len() * 2).max(UNBOUNDED_KEEP);
            state.buf.shrink_to(keep);
        }
        Some(value)
    }

    /// After a value left a full buffer: lets the first parked sender in. Returns whom to wake.
    fn refill(&self, state: &mut State<T>) -> Option<Unparker> {
        if state.buf.len() + state.send_reserved >= self.cap {
            return None;
        }
        let sender = state.sendq.claim_first(ptr::null())?;
        Some(match sender.take_slot() {
            Some(msg) => {
                state.buf.push_back(msg);
                sender.finish(Outcome::Done)
            }
            None => {
                // A select's lazy send case: keep the slot for its message.
                state.send_reserved += 1;
                sender.finish(Outcome::BufferSlot)
            }
        })
    }

    /// Takes the message of a claimed parked sender. A select's lazy send case is handed a packet
    /// of ours and we wait for it to be filled; `None` if that select dropped its case unfinished.
    fn take_from(&self, sender: Claimed<T>) -> Option<T> {
        if !sender.is_lazy_send() {
            let msg = sender.take_slot();
            sender.finish(Outcome::Done).unpark_owned();
            return msg;
        }
        let sel = Selection::new();
        let packet = Entry::new(&sel, 0, None);
        sender.set_packet(&packet);
        sender.finish(Outcome::Packet).unpark_owned();
        packet.wait_ready(WaitReason::Recv);
        match packet.outcome() {
            Outcome::Done => packet.take_slot(),
            _ => None,
        }
    }

    /// Closes the channel: wakes every parked receiver (closed) and sender (failed, message
    /// kept). Returns false if it was already closed.
    pub(crate) fn close(&self) -> bool {
        if self.nil {
            return false;
        }
        let (receivers, senders) = {
            let mut state = self.state.lock();
            if state.closed {
                return false;
            }
            state.closed = true;
            state.changed();
            (state.recvq.claim_all(), state.sendq.claim_all())
        };
        for waiter in receivers.into_iter().chain(senders) {
            waiter.finish(Outcome::Closed).unpark_owned();
        }
        true
    }

    /// The last receiver of a crossbeam channel is gone: sends fail from now on, parked senders
    /// are woken with their messages, buffered values are dropped and the `on_receivers_gone`
    /// hook is called (both outside the lock: a drop or the hook may do anything).
    pub(crate) fn disconnect_receivers(&self) {
        let (senders, buffered, hook) = {
            let mut state = self.state.lock();
            state.receivers_gone = true;
            state.changed();
            (
                state.sendq.claim_all(),
                std::mem::take(&mut state.buf),
                state.on_receivers_gone.take(),
            )
        };
        for sender in senders {
            sender.finish(Outcome::Closed).unpark_owned();
        }
        drop(buffered);
        if let Some(hook) = hook {
            hook();
        }
    }

    /// Sets the function called once the last receiver is gone (at once, if it is gone already).
    #[cfg(not(loom))]
    pub(crate) fn on_receivers_gone(&self, hook: Box<dyn FnOnce() + Send>) {
        let mut state = self.state.lock();
        debug_assert!(state.on_receivers_gone.is_none(), "one hook per channel");
        if self.receivers.load(Ordering::Acquire) > 0 {
            state.on_receivers_gone = Some(hook);
            return;
        }
        drop(state);
        hook();
    }

    // ---- two-phase operations, for select ----

    /// Reserves a receive if one can proceed now. `exclude` is the caller's own selection, if it
    /// has entries queued (a select never pairs with itself).
    pub(crate) fn start_recv(&self, exclude: *const Selection) -> Option<Token<T>> {
        self.start_recv_in(&mut self.state.lock(), exclude)
    }

    fn start_recv_in(&self, state: &mut State<T>, exclude: *const Selection) -> Option<Token<T>> {
        // A buffered value is taken at once, not merely counted: values stay bound to receivers
        // in FIFO order, so no receiver can get a sender's later value before its earlier one.
        if let Some(value) = self.take_buffered(state) {
            if let Some(sender) = self.refill(state) {
                sender.unpark_owned(); // takes no channel lock: safe under ours
            }
            state.changed();
            return Some(Token::Value(value));
        }
        if let Some(sender) = state.sendq.claim_first(exclude) {
            return Some(Token::Peer(sender));
        }
        state.closed.then_some(Token::Closed)
    }

    /// Completes a reserved receive. `None` only if a select sender abandoned the case it was
    /// selected for; the caller then starts over.
    pub(crate) fn finish_recv(&self, token: Token<T>) -> Option<Result<T, ()>> {
        match token {
            Token::Value(value) => Some(Ok(value)),
            Token::Buffer => unreachable!("a receive reserves no buffer slot"),
            Token::Peer(sender) => self.take_from(sender).map(Ok),
            Token::Closed => Some(Err(())),
        }
    }

    /// Reserves a send if one can proceed now (see `start_recv`).
    pub(crate) fn start_send(&self, exclude: *const Selection) -> Option<Token<T>> {
        self.start_send_in(&mut self.state.lock(), exclude)
    }

    fn start_send_in(&self, state: &mut State<T>, exclude: *const Selection) -> Option<Token<T>> {
        if state.sends_fail() {
            return Some(Token::Closed);
        }
        if let Some(receiver) = state.recvq.claim_first(exclude) {
            return Some(Token::Peer(receiver));
        }
        if state.buf.len() + state.send_reserved < self.cap {
            state.send_reserved += 1;
            return Some(Token::Buffer);
        }
        None
    }

    /// Completes a reserved send. On `Err` the message comes back.
    pub(crate) fn finish_send(&self, token: Token<T>, msg: T) -> Result<(), T> {
        match token {
            Token::Buffer => {
                let mut state = self.state.lock();
                state.send_reserved -= 1;
                // The send takes effect now, when its message exists: if the channel closed (or
                // lost its receivers) since the reservation, it fails like any later send. A
                // receiver may already have been told "closed and drained"; a value arriving
                // after that would contradict it.
                if state.sends_fail() {
                    state.changed();
                    return Err(msg);
                }
                // A receiver may have parked since the reservation (the slot looked empty to it).
                if let Some(receiver) = state.recvq.claim_first(ptr::null()) {
                    drop(state);
                    receiver.put_slot(msg);
                    receiver.finish(Outcome::Done).unpark_owned();
                } else {
                    state.buf.push_back(msg);
                    state.changed();
                }
                Ok(())
            }
            Token::Peer(receiver) => {
                receiver.put_slot(msg);
                receiver.finish(Outcome::Done).unpark_owned();
                Ok(())
            }
            Token::Closed => Err(msg),
            Token::Value(_) => unreachable!("a send takes no value"),
        }
    }

    /// Gives back a reservation that will not be completed (a select abandoned after choosing:
    /// its send's message expression panicked, or a `SelectedOperation` was dropped). A reserved
    /// slot or value is uncounted; a claimed peer is told `Abandoned` and starts its operation
    /// over, as if it had never been claimed (never `Closed`, which would be a lie).
    pub(crate) fn cancel(&self, token: Token<T>, was_send: bool) {
        match token {
            Token::Buffer => {
                debug_assert!(was_send, "only a send reserves a buffer slot");
                let mut state = self.state.lock();
                state.send_reserved -= 1;
                state.changed();
            }
            Token::Value(value) => self.unreceive(value),
            Token::Peer(peer) => peer.finish(Outcome::Abandoned).unpark_owned(),
            Token::Closed => {}
        }
    }

    /// Puts back a value a receive took but will not deliver (its operation was dropped): to a
    /// parked receiver if there is one, else at the front of the buffer, where it was. The buffer
    /// may then hold one value more than its capacity for a while (senders wait meanwhile);
    /// that is better than losing the value.
    pub(crate) fn unreceive(&self, value: T) {
        let mut state = self.state.lock();
        if let Some(receiver) = state.recvq.claim_first(ptr::null()) {
            drop(state);
            receiver.put_slot(value);
            receiver.finish(Outcome::Done).unpark_owned();
            return;
        }
        state.buf.push_front(value);
        state.changed();
    }

    /// Pass 2 of a blocking select: queues `entry` unless a receive could proceed now (then
    /// returns true and queues nothing).
    pub(crate) fn register_recv(&self, entry: &Entry<T>, sel: &Selection) -> bool {
        let mut state = self.state.lock();
        if !state.buf.is_empty() || state.closed || state.sendq.has_claimable(sel) {
            return true;
        }
        state.recvq.push(entry);
        state.changed();
        false
    }

    /// As `register_recv`, for a lazy send entry.
    pub(crate) fn register_send(&self, entry: &Entry<T>, sel: &Selection) -> bool {
        let mut state = self.state.lock();
        if state.sends_fail()
            || state.buf.len() + state.send_reserved < self.cap
            || state.recvq.has_claimable(sel)
        {
            return true;
        }
        state.sendq.push(entry);
        state.changed();
        false
    }

    /// Takes an entry off the receive queue (if a claimer has not already).
    pub(crate) fn unregister_recv(&self, entry: &Entry<T>) {
        self.state.lock().recvq.remove(entry);
    }

    /// Takes an entry off the send queue (if a claimer has not already).
    pub(crate) fn unregister_send(&self, entry: &Entry<T>) {
        self.state.lock().sendq.remove(entry);
    }

    /// True if a receive would not block now.
    pub(crate) fn recv_ready(&self) -> bool {
        Self::recv_ready_in(&self.state.lock())
    }

    fn recv_ready_in(state: &State<T>) -> bool {
        !state.buf.is_empty() || state.closed || state.sendq.has_claimable(ptr::null())
    }

    /// True if a send would not block now.
    pub(crate) fn send_ready(&self) -> bool {
        self.send_ready_in(&self.state.lock())
    }

    fn send_ready_in(&self, state: &State<T>) -> bool {
        state.sends_fail()
            || state.buf.len() + state.send_reserved < self.cap
            || state.recvq.has_claimable(ptr::null())
    }

    // ---- with the lock held across several channels, for a select's atomic snapshot ----

    /// Runs `f` on the state of a channel locked by `lock_held`.
    ///
    /// # Safety
    /// The caller holds the lock through `lock_held` and has not unlocked it.
    unsafe fn with_held<R>(&self, f: impl FnOnce(&mut State<T>) -> R) -> R {
        // SAFETY: the caller holds the lock, so nobody else touches the state; the reference
        // lives only for this call.
        f(unsafe { &mut *self.state.data_ptr() })
    }

    /// `start_recv` on a channel the caller locked with `lock_held`.
    ///
    /// # Safety
    /// The caller holds the lock through `lock_held`.
    pub(crate) unsafe fn start_recv_held(&self) -> Option<Token<T>> {
        // SAFETY: the caller's contract.
        unsafe { self.with_held(|state| self.start_recv_in(state, ptr::null())) }
    }

    /// `start_send` on a channel the caller locked with `lock_held`.
    ///
    /// # Safety
    /// The caller holds the lock through `lock_held`.
    pub(crate) unsafe fn start_send_held(&self) -> Option<Token<T>> {
        // SAFETY: the caller's contract.
        unsafe { self.with_held(|state| self.start_send_in(state, ptr::null())) }
    }

    /// `recv_ready` on a channel the caller locked with `lock_held`.
    ///
    /// # Safety
    /// The caller holds the lock through `lock_held`.
    pub(crate) unsafe fn recv_ready_held(&self) -> bool {
        // SAFETY: the caller's contract.
        unsafe { self.with_held(|state| Self::recv_ready_in(state)) }
    }

    /// `send_ready` on a channel the caller locked with `lock_held`.
    ///
    /// # Safety
    /// The caller holds the lock through `lock_held`.
    pub(crate) unsafe fn send_ready_held(&self) -> bool {
        // SAFETY: the caller's contract.
        unsafe { self.with_held(|state| self.send_ready_in(state)) }
    }
}

/// What a select needs of a channel whatever its element type: its identity, its lock, and its
/// observers.
pub(crate) trait ChannelHandle {
    /// The channel's identity, for locking several channels in one global order.
    fn id(&self) -> usize;
    /// Locks the channel and keeps it locked until `unlock_held`.
    fn lock_held(&self);
    /// Unlocks a channel locked by `lock_held`.
    ///
    /// # Safety
    /// The caller locked it with `lock_held` and has not unlocked it since.
    unsafe fn unlock_held(&self);
    /// Starts watching for changes, for `Select::ready`.
    fn observe(&self, id: u64, observer: Unparker);
    /// Stops watching (if a change has not already ended the watch).
    fn unobserve(&self, id: u64);
}

impl<T> ChannelHandle for Chan<T> {
    fn id(&self) -> usize {
        self as *const Chan<T> as usize
    }

    fn lock_held(&self) {
        let guard = self.state.lock();
        // Keep the lock held past the guard; `unlock_held` releases it.
        #[cfg(not(loom))]
        std::mem::forget(guard);
        #[cfg(loom)]
        guard.forget();
    }

    unsafe fn unlock_held(&self) {
        // SAFETY: the caller's contract: the lock is held, by a guard we forgot.
        unsafe { self.state.force_unlock() };
    }

    fn observe(&self, id: u64, observer: Unparker) {
        self.state.lock().observers.push((id, observer));
    }

    fn unobserve(&self, id: u64) {
        self.state.lock().observers.retain(|(i, _)| *i != id);
    }
}

impl<T> Drop for Chan<T> {
    fn drop(&mut self) {
        let state = self.state.get_mut();
        debug_assert_eq!(state.send_reserved, 0, "reservations outlived the channel");
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn buffer_capacity<T>(chan: &Chan<T>) -> usize {
        chan.state.lock().buf.capacity()
    }

    /// A burst grows an unbounded buffer; draining it gives the memory back, a quarter at a time,
    /// down to `UNBOUNDED_KEEP`, and never below what the values still buffered need.
    #[test]
    fn an_unbounded_buffer_shrinks_as_it_drains() {
        let chan = Chan::new(None, Lifetime::WhileConnected);
        for i in 0..100_000u32 {
            chan.send(i, None).unwrap();
        }
        let grown = buffer_capacity(&chan);
        assert!(grown >= 100_000);
        for i in 0..100_000u32 {
            assert_eq!(chan.recv(None), Ok(i));
            let (len, capacity) = (chan.len(), buffer_capacity(&chan));
            assert!(capacity >= len);
            assert!(
                capacity <= (4 * len).max(UNBOUNDED_KEEP) + 4 * 1024,
                "{capacity} slots kept for {len} values"
            );
        }
        assert!(buffer_capacity(&chan) <= 2 * UNBOUNDED_KEEP);
    }

    /// A bounded buffer keeps its room whatever passes through it.
    #[test]
    fn a_bounded_buffer_keeps_its_room() {
        let chan = Chan::new(Some(10_000), Lifetime::UntilClosed);
        for i in 0..10_000u32 {
            chan.send(i, None).unwrap();
        }
        let full = buffer_capacity(&chan);
        while chan.len() > 0 {
            chan.recv(None).unwrap();
        }
        assert_eq!(buffer_capacity(&chan), full);
    }
}
