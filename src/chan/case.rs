//! One operation of a select: a receive or a send on one channel, and the loop that picks one.
//!
//! # The select loop (Go's `selectgo`, with crossbeam's two phases)
//!
//! 1. **Poll**: try every case once, in a random order (Go's `pollorder`: a shuffle, so every
//!    ready case is equally likely), and reserve the first that can proceed (see `channel.rs`
//!    for reservations). With `default`, stop here.
//! 2. **Park**: make one [`Selection`], queue an entry for every case, and park. A case that
//!    turns out ready while queueing means something arrived since the poll: abort the selection,
//!    take the entries back, and poll again. If the abort loses (a peer claimed a case first),
//!    that claimed case is the result.
//! 3. **Finish**: the claimed case's entry is ready; every entry is taken off its queue before
//!    the loop returns, and the claimed outcome becomes the case's reservation.
//!
//! The caller then completes the reservation (typed, so a send's message is produced only now).

use std::cell::{RefCell, UnsafeCell};
use std::ptr;
use std::time::{Duration, Instant};

use super::channel::{Chan, ChannelHandle, Token};
use super::error::{RecvError, SendError};
use super::receiver::Receiver;
use super::sender::Sender;
use super::waiter::{Claimed, Entry, Outcome, Selection};
use crate::runtime::park::{self, WaitReason};
use std::sync::atomic::{AtomicU64, Ordering};

/// An operation that can take part in a select. Object-safe, so a select over cases of
/// different element types is a slice of `&dyn Case`.
#[allow(private_interfaces)]
pub trait Case {
    /// Reserves the operation if it can proceed now.
    fn try_start(&self) -> bool;
    /// Queues an entry as case `index` of `sel`, unless the operation could proceed now (true).
    fn register(&self, sel: &Selection, index: usize) -> bool;
    /// Takes the entry off its queue if it is still there.
    fn unregister(&self);
    /// After `sel` was claimed for this case: waits for the claimer and keeps what it left.
    /// Returns false if the claimer abandoned it (the select must start over).
    fn accept(&self) -> bool;
    /// Completes now whatever part of the reserved operation needs no input from the caller (a
    /// receive: all of it). Returns false if the reserved peer abandoned it: the select must
    /// start over. Doing this inside the select loop is what lets a select with `default` (or a
    /// deadline) never block on a peer that gave up.
    fn settle(&self) -> bool {
        true
    }
    /// True if the operation would not block now.
    fn is_ready(&self) -> bool;
    /// The case's channel, for what does not depend on its element type.
    fn channel(&self) -> &dyn ChannelHandle;
    /// `try_start` with the channel already locked by the caller.
    ///
    /// # Safety
    /// The channel is locked by this caller's `lock_held`.
    unsafe fn try_start_held(&self) -> bool;
    /// `is_ready` with the channel already locked by the caller.
    ///
    /// # Safety
    /// The channel is locked by this caller's `lock_held`.
    unsafe fn is_ready_held(&self) -> bool;
}

/// Go's pass 1 under every lock at once: locks all the channels of `cases` (each once, in
/// address order, so two snapshots cannot deadlock; nothing else holds two channel locks), polls
/// in `order` with `probe`, and unlocks. Unlike a poll that locks one channel at a time, it sees
/// every channel at one moment, so a case that is ready at every moment is always found. Used
/// when the select will not park (`default`, `try_select`, an expired deadline), where nothing
/// else would catch such a case.
fn snapshot(
    cases: &[&dyn Case],
    order: &PollOrder,
    probe: unsafe fn(&dyn Case) -> bool,
) -> Option<usize> {
    let mut locks: Vec<(usize, usize)> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| (c.channel().id(), i))
        .collect();
    locks.sort_unstable();
    locks.dedup_by_key(|&mut (id, _)| id);
    for &(_, i) in &locks {
        cases[i].channel().lock_held();
    }
    // SAFETY: every channel of `cases` is locked, once, by the loop above, until the loop below.
    let found = order.iter().find(|&k| unsafe { probe(cases[k]) });
    for &(_, i) in locks.iter().rev() {
        // SAFETY: locked above by `lock_held`, not unlocked since.
        unsafe { cases[i].channel().unlock_held() };
    }
    found
}

/// How long a select may wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Not at all (`default`, `try_select`).
    Never,
    /// Until a deadline.
    Until(Instant),
    /// As long as it takes.
    Forever,
}

/// Runs the select loop over `cases` and returns the index of the one reserved, or `None` if
/// none became ready within `wait`. `biased`: poll in the given order, not from a random start.
pub fn select(cases: &[&dyn Case], wait: Wait, biased: bool) -> Option<usize> {
    select_with(cases, wait, biased, true)
}

/// The select loop. `settle`: complete a chosen receive before returning (`select!`, whose
/// expansion always completes its choice). `Select` passes false, so that a dropped
/// `SelectedOperation` can still give its reservation back (see `Chan::cancel`).
pub(crate) fn select_with(
    cases: &[&dyn Case],
    wait: Wait,
    biased: bool,
    settle: bool,
) -> Option<usize> {
    let settled = |k: usize| !settle || cases[k].settle();
    let n = cases.len();
    loop {
        let order = PollOrder::new(n, biased);
        if let Some(k) = order.iter().find(|&k| cases[k].try_start()) {
            if settled(k) {
                return Some(k);
            }
            continue; // the reserved peer abandoned: start over
        }
        let deadline = match wait {
            Wait::Until(d) if d > Instant::now() => Some(d),
            Wait::Forever => None,
            // Not parking: the answer must hold for one moment (see `snapshot`).
            Wait::Never | Wait::Until(_) => {
                // SAFETY: `snapshot` calls the probe with the case's channel locked by it.
                match snapshot(cases, &order, |c| unsafe { c.try_start_held() }) {
                    Some(k) if !settled(k) => continue,
                    found => return found,
                }
            }
        };
        if n == 0 {
            // Nothing can ever be ready: sleep out the deadline, like Go's empty select.
            sleep_until(deadline);
            return None;
        }
        let sel = Selection::new();
        // The cases queued are always a prefix of `order`: count them instead of listing them.
        let mut queued = 0;
        let mut registration = Registration::Parked;
        for k in order.iter() {
            if cases[k].register(&sel, k) {
                registration = match sel.try_abort() {
                    Ok(()) => Registration::Retry,
                    Err(claimed) => Registration::Claimed(claimed),
                };
                break;
            }
            queued += 1;
        }
        let chosen = match registration {
            Registration::Parked => sel.wait(deadline, WaitReason::Select),
            Registration::Claimed(k) => Some(k),
            Registration::Retry => None,
        };
        // Every entry leaves its queue before the cases can be touched again (waiter.rs, rule 3).
        for k in order.iter().take(queued) {
            cases[k].unregister();
        }
        match chosen {
            Some(k) if cases[k].accept() && settled(k) => return Some(k),
            Some(_) => continue, // the claimer abandoned: nothing happened, start over
            None if registration == Registration::Retry => continue,
            None => return None,
        }
    }
}

/// How pass 2 of the select loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Registration {
    /// Every case queued; park.
    Parked,
    /// A case became ready while queueing and the selection was aborted: poll again.
    Retry,
    /// A case became ready, but a peer claimed this case first.
    Claimed(usize),
}

/// Waits until one of `cases` looks ready, without performing it (`Select::ready`); returns its
/// index, or `None` if none did within `wait`. The answer may be stale by the time the caller
/// acts on it, as crossbeam's is: another party may take the operation first.
///
/// Watching works by observers: each channel unparks its observers at every change that could
/// make an operation ready, so the loop is: poll; register as observer everywhere; poll again
/// (a change may have slipped in); park; withdraw; repeat.
pub fn ready(cases: &[&dyn Case], wait: Wait, biased: bool) -> Option<usize> {
    static NEXT_ID: AtomicU64 = AtomicU64::new(0);
    let n = cases.len();
    let poll = || {
        PollOrder::new(n, biased)
            .iter()
            .find(|&k| cases[k].is_ready())
    };
    loop {
        if let Some(k) = poll() {
            return Some(k);
        }
        let deadline = match wait {
            Wait::Until(d) if d > Instant::now() => Some(d),
            Wait::Forever => None,
            // Not parking: the answer must hold for one moment (see `snapshot`).
            Wait::Never | Wait::Until(_) => {
                // SAFETY: `snapshot` calls the probe with the case's channel locked by it.
                return snapshot(cases, &PollOrder::new(n, biased), |c| unsafe {
                    c.is_ready_held()
                });
            }
        };
        if n == 0 {
            sleep_until(deadline);
            return None;
        }
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let me = park::current();
        for case in cases {
            case.channel().observe(id, me.clone());
        }
        let found = poll();
        if found.is_none() {
            match deadline {
                Some(deadline) => park::park_until(deadline, WaitReason::Select),
                None => park::park(WaitReason::Select),
            }
        }
        for case in cases {
            case.channel().unobserve(id);
        }
        if found.is_some() {
            return found;
        }
    }
}

/// Parks until `deadline`, or forever.
fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => park::sleep_until(deadline),
        None => loop {
            park::park(WaitReason::SelectNoCases);
        },
    }
}

/// The order a select polls its cases in: a uniformly random permutation (Go's `pollorder`), so
/// that each ready case is equally likely to be chosen, or the given order for a biased select.
/// Rotating from a random start would not do: a ready case right after a run of cases that are
/// not ready would win for every start in that run.
enum PollOrder {
    /// Up to 64 cases (every `select!`): no allocation.
    Small([u8; 64], usize),
    Large(Vec<usize>),
}

impl PollOrder {
    fn new(n: usize, biased: bool) -> PollOrder {
        let mut order = if n <= 64 {
            PollOrder::Small([0; 64], n)
        } else {
            PollOrder::Large(vec![0; n])
        };
        // Fisher-Yates, inside out: each prefix is a uniform permutation of its indices.
        for i in 0..n {
            let j = if biased { i } else { random_below(i + 1) };
            let moved = order.get(j);
            order.set(i, moved);
            order.set(j, i);
        }
        order
    }

    fn get(&self, i: usize) -> usize {
        match self {
            PollOrder::Small(a, _) => a[i] as usize,
            PollOrder::Large(v) => v[i],
        }
    }

    fn set(&mut self, i: usize, value: usize) {
        match self {
            PollOrder::Small(a, _) => a[i] = value as u8,
            PollOrder::Large(v) => v[i] = value,
        }
    }

    fn len(&self) -> usize {
        match self {
            PollOrder::Small(_, n) => *n,
            PollOrder::Large(v) => v.len(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// A uniformly random index below `n`, from a per-thread xorshift generator.
fn random_below(n: usize) -> usize {
    use std::cell::Cell;
    #[cfg(not(loom))]
    use std::hash::{BuildHasher, Hasher};
    #[cfg(not(loom))]
    thread_local! {
        // Seeded from std's per-process random hash keys; never zero (xorshift's fixed point).
        static STATE: Cell<u64> =
            Cell::new(std::collections::hash_map::RandomState::new().build_hasher().finish() | 1);
    }
    // Under loom, a fixed seed per modelled thread: every execution of a model must make the
    // same choices, or loom cannot replay it (std's thread-locals are shared between modelled
    // threads, loom's are not).
    #[cfg(loom)]
    loom::thread_local! {
        static STATE: Cell<u64> = Cell::new(0x9E37_79B9_7F4A_7C15);
    }
    let x = STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        x
    });
    // Multiply-shift: unbiased enough for fairness, and no division.
    (((x >> 32) * n as u64) >> 32) as usize
}

/// What a receive case holds between selection and completion.
#[derive(Debug)]
pub(crate) enum RecvReservation<T> {
    /// Reserved on the channel; complete with `finish_recv`.
    Token(Token<T>),
    /// A sender completed it while the select was parked: the value, or `Err` if closed.
    Received(Result<T, ()>),
}

/// A receive from `chan` as one case of a select.
pub struct RecvCase<'a, T> {
    pub(crate) chan: &'a Chan<T>,
    /// The queued entry while parked. Never moved while queued: the case is borrowed throughout.
    entry: UnsafeCell<Option<Entry<T>>>,
    pub(crate) reservation: RefCell<Option<RecvReservation<T>>>,
}

/// A send on `chan` as one case of a select; the message is supplied at completion.
pub struct SendCase<'a, T> {
    pub(crate) chan: &'a Chan<T>,
    entry: UnsafeCell<Option<Entry<T>>>,
    pub(crate) reservation: RefCell<Option<Token<T>>>,
}

impl<T> std::fmt::Debug for RecvCase<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad("RecvCase { .. }")
    }
}

impl<T> std::fmt::Debug for SendCase<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad("SendCase { .. }")
    }
}

impl<'a, T> RecvCase<'a, T> {
    pub(crate) fn new(chan: &'a Chan<T>) -> Self {
        RecvCase {
            chan,
            entry: UnsafeCell::new(None),
            reservation: RefCell::new(None),
        }
    }

    /// Completes the selected receive. `None` if it must be retried (see `Chan::finish_recv`).
    pub(crate) fn complete(&self) -> Option<Result<T, ()>> {
        match self
            .reservation
            .borrow_mut()
            .take()
            .expect("a selected case has a reservation")
        {
            RecvReservation::Received(result) => Some(result),
            RecvReservation::Token(token) => self.chan.finish_recv(token),
        }
    }

    fn queued_entry(&self) -> Option<&Entry<T>> {
        // SAFETY: the entry is written only in `register`, by the select loop running on this
        // thread, while no reference from `queued_entry` is alive (the loop uses them one at a time).
        unsafe { (*self.entry.get()).as_ref() }
    }
}

impl<'a, T> SendCase<'a, T> {
    pub(crate) fn new(chan: &'a Chan<T>) -> Self {
        SendCase {
            chan,
            entry: UnsafeCell::new(None),
            reservation: RefCell::new(None),
        }
    }

    /// Completes the selected send with `msg`; on `Err` the message comes back.
    pub(crate) fn complete(&self, msg: T) -> Result<(), T> {
        let token = self
            .reservation
            .borrow_mut()
            .take()
            .expect("a selected case has a reservation");
        self.chan.finish_send(token, msg)
    }

    fn queued_entry(&self) -> Option<&Entry<T>> {
        // SAFETY: as in `RecvCase::queued_entry`.
        unsafe { (*self.entry.get()).as_ref() }
    }
}

#[allow(private_interfaces)]
impl<T> Case for RecvCase<'_, T> {
    fn try_start(&self) -> bool {
        let token = self.chan.start_recv(ptr::null());
        let started = token.is_some();
        *self.reservation.borrow_mut() = token.map(RecvReservation::Token);
        started
    }

    fn register(&self, sel: &Selection, index: usize) -> bool {
        // SAFETY: no entry of this case is queued now (the loop unregisters before registering
        // again), so nobody else can be reading the old one, and no reference to it is held.
        let entry = unsafe { &mut *self.entry.get() }.insert(Entry::new(sel, index, None));
        self.chan.register_recv(entry, sel)
    }

    fn unregister(&self) {
        if let Some(entry) = self.queued_entry() {
            self.chan.unregister_recv(entry);
        }
    }

    fn accept(&self) -> bool {
        let entry = self.queued_entry().expect("the claimed case was queued");
        entry.wait_ready(WaitReason::Select);
        let result = match entry.outcome() {
            Outcome::Done => Ok(entry.take_slot().expect("a value was put")),
            Outcome::Closed => Err(()),
            Outcome::Abandoned => return false,
            other => unreachable!("a select receive completed as {other:?}"),
        };
        *self.reservation.borrow_mut() = Some(RecvReservation::Received(result));
        true
    }

    fn settle(&self) -> bool {
        let mut reservation = self.reservation.borrow_mut();
        match reservation.take() {
            Some(RecvReservation::Token(token)) => match self.chan.finish_recv(token) {
                Some(result) => {
                    *reservation = Some(RecvReservation::Received(result));
                    true
                }
                None => false,
            },
            other => {
                *reservation = other;
                true
            }
        }
    }

    fn is_ready(&self) -> bool {
        self.chan.recv_ready()
    }

    unsafe fn try_start_held(&self) -> bool {
        // SAFETY: the caller's contract: the channel is locked by its `lock_held`.
        let token = unsafe { self.chan.start_recv_held() };
        let started = token.is_some();
        *self.reservation.borrow_mut() = token.map(RecvReservation::Token);
        started
    }

    unsafe fn is_ready_held(&self) -> bool {
        // SAFETY: the caller's contract.
        unsafe { self.chan.recv_ready_held() }
    }

    fn channel(&self) -> &dyn ChannelHandle {
        self.chan
    }
}

#[allow(private_interfaces)]
impl<T> Case for SendCase<'_, T> {
    fn try_start(&self) -> bool {
        let token = self.chan.start_send(ptr::null());
        let started = token.is_some();
        *self.reservation.borrow_mut() = token;
        started
    }

    fn register(&self, sel: &Selection, index: usize) -> bool {
        // SAFETY: as in `RecvCase::register`.
        let entry = unsafe { &mut *self.entry.get() }.insert(Entry::new(sel, index, None));
        self.chan.register_send(entry, sel)
    }

    fn unregister(&self) {
        if let Some(entry) = self.queued_entry() {
            self.chan.unregister_send(entry);
        }
    }

    fn accept(&self) -> bool {
        let entry = self.queued_entry().expect("the claimed case was queued");
        entry.wait_ready(WaitReason::Select);
        let token = match entry.outcome() {
            // SAFETY: the receiver that handed us its packet waits for it to be filled and does
            // not touch it until `ready` (it parked in `Chan::take_from`).
            Outcome::Packet => Token::Peer(unsafe { Claimed::packet(entry.packet()) }),
            Outcome::BufferSlot => Token::Buffer,
            Outcome::Closed => Token::Closed,
            Outcome::Abandoned => return false,
            other => unreachable!("a select send completed as {other:?}"),
        };
        *self.reservation.borrow_mut() = Some(token);
        true
    }

    fn is_ready(&self) -> bool {
        self.chan.send_ready()
    }

    unsafe fn try_start_held(&self) -> bool {
        // SAFETY: the caller's contract: the channel is locked by its `lock_held`.
        let token = unsafe { self.chan.start_send_held() };
        let started = token.is_some();
        *self.reservation.borrow_mut() = token;
        started
    }

    unsafe fn is_ready_held(&self) -> bool {
        // SAFETY: the caller's contract.
        unsafe { self.chan.send_ready_held() }
    }

    fn channel(&self) -> &dyn ChannelHandle {
        self.chan
    }
}

impl<T> Drop for RecvCase<'_, T> {
    fn drop(&mut self) {
        // A reservation not completed (a select abandoned by a panic in user code, or a
        // `SelectedOperation` dropped) is handed back: nothing is lost.
        match self.reservation.get_mut().take() {
            Some(RecvReservation::Token(token)) => self.chan.cancel(token, false),
            Some(RecvReservation::Received(Ok(value))) => self.chan.unreceive(value),
            _ => {}
        }
    }
}

impl<T> Drop for SendCase<'_, T> {
    fn drop(&mut self) {
        if let Some(token) = self.reservation.get_mut().take() {
            self.chan.cancel(token, true);
        }
    }
}

impl<'a, T> RecvCase<'a, T> {
    /// Completes the selected receive. For `select!` the loop settled it already (see
    /// `Case::settle`), so this only hands the result over. For `Select`, if the select sender it
    /// was paired with abandoned its case, it falls back to a plain receive on the same channel:
    /// the select has committed to this channel.
    pub fn complete_recv(&self) -> Result<T, RecvError> {
        match self.complete() {
            Some(result) => result.map_err(|()| RecvError),
            None => self.chan.recv(None).map_err(|_| RecvError),
        }
    }
}

impl<'a, T> SendCase<'a, T> {
    /// Completes the selected send as `select!` reports it.
    pub fn complete_send(&self, msg: T) -> Result<(), SendError<T>> {
        self.complete(msg).map_err(SendError)
    }
}

/// `select!`'s `recv(r)` case.
pub fn recv_case<T>(receiver: &Receiver<T>) -> RecvCase<'_, T> {
    RecvCase::new(&receiver.chan)
}

/// `select!`'s `send(s, _)` case.
pub fn send_case<T>(sender: &Sender<T>) -> SendCase<'_, T> {
    SendCase::new(&sender.chan)
}

/// `select!`'s `default(timeout)`.
pub fn wait_for(timeout: Duration) -> Wait {
    match Instant::now().checked_add(timeout) {
        Some(deadline) => Wait::Until(deadline),
        None => Wait::Forever,
    }
}
