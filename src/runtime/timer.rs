//! The timer queue: pending wake-ups ordered by deadline.
//!
//! A 4-ary min-heap of `(deadline, sequence)` entries; the sequence number keeps timers with
//! equal deadlines in the order they were set. Insertion and expiry cost O(log n), so 100,000
//! pending sleeps are cheap. A timer cancelled before its deadline stays in the heap (removing
//! from the middle of a heap is O(n)) but is marked cancelled and skipped when it expires; once
//! cancelled entries outnumber live ones the heap is rebuilt without them, so a program that sets
//! long timeouts and cancels them does not grow the heap without bound. What a cancelled timer
//! would have done (its action: a coroutine to wake, a callback and what it captured) is
//! released at once by the cancel, not when the entry leaves the heap: a timeout that did not
//! expire must not keep a finished coroutine, or its result, alive until its deadline.
//!
//! [`Timers`] shares one queue between all threads under a mutex, and keeps its earliest deadline
//! in an atomic so a scheduler can tell whether anything is due without taking the lock. Timers
//! are fired by whichever thread finds them due, as Go's are: the worker waiting in the poller
//! (whose timeout is the earliest deadline), a worker at a scheduling point or about to sleep,
//! and the monitor as a backstop while every worker is busy (see `scheduler.rs`).

use std::time::{Duration, Instant};

use super::unparker::{self, Unparker};
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use crate::loom::sync::{Arc, Mutex};

const PENDING: u8 = 0;
const FIRED: u8 = 1;
const CANCELLED: u8 = 2;

/// Heaps smaller than this are never compacted: the scan would cost more than it saves.
const COMPACT_MIN: usize = 1024;

/// A set timer, shared by its owner (to cancel it) and the queue (to fire it).
#[derive(Debug)]
pub(crate) struct TimerHandle {
    shared: Arc<TimerShared>,
}

#[derive(Debug)]
struct TimerShared {
    /// PENDING until exactly one of fire or cancel wins the CAS away from it.
    state: AtomicU8,
    /// What to do at the deadline. Taken out by whoever wins the CAS away from PENDING: the
    /// firing, to run it, or the cancel, to drop it. Nobody touches it before that.
    action: UnsafeCell<Option<Action>>,
}

// SAFETY: `state` is atomic; `action` is `Send` and reached only by the one thread that moved
// `state` away from PENDING (an AcqRel CAS, so it also sees the action as it was stored).
unsafe impl Sync for TimerShared {}

impl TimerShared {
    /// Takes the action out. The caller has just won the CAS away from PENDING.
    fn take_action(&self) -> Action {
        // SAFETY: only the winner of the CAS away from PENDING gets here, once (see the field).
        self.action
            .with_mut(|action| unsafe { (*action).take() })
            .expect("a timer's action is taken once")
    }
}

/// What a timer does when it fires.
pub(crate) enum Action {
    /// Wake a parked coroutine or thread (a sleep, a timeout).
    Unpark(Unparker),
    /// Call a function on whichever runtime thread fires the timer (Go's timer `f`, e.g. a
    /// channel send for `time::after`). It must be quick and must not block, and it and what it
    /// captures must not panic when dropped (a cancel may drop it on any thread): it is runtime
    /// code, never a user's closure.
    Call(Box<dyn FnOnce() + Send>),
}

impl Action {
    /// An action that calls `f`.
    pub(crate) fn call(f: impl FnOnce() + Send + 'static) -> Action {
        Action::Call(Box::new(f))
    }
}

impl std::fmt::Debug for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::Unpark(u) => f.debug_tuple("Unpark").field(u).finish(),
            Action::Call(_) => f.write_str("Call(..)"),
        }
    }
}

impl Action {
    /// Runs the action of a fired timer, outside the queue's lock. A panicking callback is reported and contained: it must not take a
    /// worker or the monitor down.
    pub(crate) fn run(self) {
        match self {
            Action::Unpark(unparker) => unparker.unpark_owned(),
            Action::Call(f) => {
                if std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err() {
                    eprintln!("offshoot: a timer callback panicked; the timer is dropped");
                }
            }
        }
    }
}

impl TimerHandle {
    /// True once the timer has fired (its action has been taken to run).
    pub(crate) fn fired(&self) -> bool {
        self.shared.state.load(Ordering::Acquire) == FIRED
    }

    /// Stops the timer, and drops its action. Returns true if it had not fired yet (and now
    /// never will).
    pub(crate) fn cancel(&self) -> bool {
        let won = self
            .shared
            .state
            .compare_exchange(PENDING, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok();
        if won {
            drop(self.shared.take_action());
        }
        won
    }
}

#[derive(Debug)]
struct Entry {
    /// The deadline, in nanoseconds since the queue's base.
    at: u64,
    seq: u64,
    shared: Arc<TimerShared>,
}

impl Entry {
    /// The heap order: earliest first, and in the order set for equal deadlines.
    fn key(&self) -> (u64, u64) {
        (self.at, self.seq)
    }
}

/// Children per heap node. A 4-ary heap is half as deep as a binary one and its children share
/// cache lines, which makes the pop of a timer (the hot operation: every sleep ends with one)
/// cheaper; Go's timer heaps are 4-ary for the same reason.
const ARITY: usize = 4;

/// Pending timers, earliest first: a 4-ary min-heap.
#[derive(Debug)]
pub(crate) struct TimerQueue {
    /// Deadlines are kept as nanoseconds since this instant, so comparing two is one integer
    /// comparison.
    base: Instant,
    heap: Vec<Entry>,
    next_seq: u64,
    /// Entries in `heap` whose timer was cancelled (an upper bound: counted at cancel time).
    cancelled: usize,
}

impl Default for TimerQueue {
    fn default() -> TimerQueue {
        TimerQueue::new(Instant::now())
    }
}

impl TimerQueue {
    /// An empty queue measuring deadlines from `base`.
    pub(crate) fn new(base: Instant) -> TimerQueue {
        TimerQueue {
            base,
            heap: Vec::new(),
            next_seq: 0,
            cancelled: 0,
        }
    }

    /// Sets a timer that runs `action` at `deadline`.
    #[cfg(test)]
    pub(crate) fn insert(&mut self, deadline: Instant, action: Action) -> TimerHandle {
        self.insert_at(nanos_since(self.base, deadline), action)
    }

    /// Sets a timer that runs `action` at `at` nanoseconds after the queue's base.
    pub(crate) fn insert_at(&mut self, at: u64, action: Action) -> TimerHandle {
        let shared = Arc::new(TimerShared {
            state: AtomicU8::new(PENDING),
            action: UnsafeCell::new(Some(action)),
        });
        self.next_seq += 1;
        self.heap.push(Entry {
            at,
            seq: self.next_seq,
            shared: shared.clone(),
        });
        self.sift_up(self.heap.len() - 1);
        TimerHandle { shared }
    }

    /// Notes that one entry was cancelled, and drops cancelled entries once they are the majority.
    pub(crate) fn note_cancelled(&mut self) {
        self.cancelled += 1;
        if self.heap.len() >= COMPACT_MIN && self.cancelled * 2 > self.heap.len() {
            self.heap
                .retain(|e| e.shared.state.load(Ordering::Acquire) == PENDING);
            for i in (0..self.heap.len().div_ceil(ARITY)).rev() {
                self.sift_down(i);
            }
            self.cancelled = 0;
        }
    }

    /// The earliest deadline, if any timer is set.
    #[cfg(test)]
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.next_at()
            .map(|at| self.base + Duration::from_nanos(at))
    }

    /// The earliest deadline in nanoseconds since the base, if any timer is set.
    pub(crate) fn next_at(&self) -> Option<u64> {
        self.heap.first().map(|e| e.at)
    }

    /// Removes up to `limit` timers due by `now`, and pushes the actions of those not cancelled.
    /// Returns true if more are due.
    pub(crate) fn expire(&mut self, now: Instant, limit: usize, fired: &mut Vec<Action>) -> bool {
        let now = nanos_since(self.base, now);
        let mut taken = 0;
        while self.heap.first().is_some_and(|e| e.at <= now) {
            if taken == limit {
                return true;
            }
            taken += 1;
            let entry = self.heap.swap_remove(0);
            self.sift_down(0);
            let won = entry.shared.state.compare_exchange(
                PENDING,
                FIRED,
                Ordering::AcqRel,
                Ordering::Acquire,
            );
            match won {
                Ok(_) => fired.push(entry.shared.take_action()),
                Err(_) => self.cancelled = self.cancelled.saturating_sub(1),
            }
        }
        false
    }

    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if self.heap[parent].key() <= self.heap[i].key() {
                break;
            }
            self.heap.swap(i, parent);
            i = parent;
        }
    }

    fn sift_down(&mut self, mut i: usize) {
        let len = self.heap.len();
        loop {
            let first = ARITY * i + 1;
            if first >= len {
                return;
            }
            let least = (first..(first + ARITY).min(len))
                .min_by_key(|&c| self.heap[c].key())
                .expect("at least one child");
            if self.heap[i].key() <= self.heap[least].key() {
                return;
            }
            self.heap.swap(i, least);
            i = least;
        }
    }

    /// Timers in the queue, cancelled ones included.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }
}

/// `at` as nanoseconds since `base` (0 for earlier instants), saturating far in the future.
fn nanos_since(base: Instant, at: Instant) -> u64 {
    let since = at.saturating_duration_since(base).as_nanos();
    since.min(u128::from(u64::MAX - 1)) as u64
}

/// Timers taken off the heap per lock hold when firing.
const FIRE_CHUNK: usize = 64;

/// Runs fired actions, emptying `fired`. Woken coroutines are scheduled together: one wake-up of
/// an idle worker for the lot, not one per timer.
fn run_fired(fired: &mut Vec<Action>) {
    let mut runnable = Vec::new();
    for action in fired.drain(..) {
        match action {
            Action::Unpark(Unparker::Task(task)) => {
                if task.unpark() {
                    runnable.push(task);
                }
            }
            other => other.run(),
        }
    }
    if !runnable.is_empty() {
        unparker::ready_all(runnable);
    }
}

/// No timer set: the value of [`Timers::next`] then.
const NONE: u64 = u64::MAX;

/// The runtime's timers, shared by every thread.
#[derive(Debug)]
pub(crate) struct Timers {
    queue: Mutex<TimerQueue>,
    /// The queue's earliest deadline in nanoseconds since `base`, or [`NONE`]. Written under the
    /// lock; read without it, as a hint that is never later than the truth. `SeqCst`, for the
    /// poller's protocol with timer setters (see `PollOwner::poll_until`).
    next: AtomicU64,
    base: Instant,
    /// Threads firing timers now: taken off the heap, their actions not yet all run. For the
    /// deadlock watch, which must not mistake a timer on its way for no timer at all.
    firing: AtomicUsize,
}

impl Default for Timers {
    fn default() -> Timers {
        let base = Instant::now();
        Timers {
            queue: Mutex::new(TimerQueue::new(base)),
            next: AtomicU64::new(NONE),
            base,
            firing: AtomicUsize::new(0),
        }
    }
}

impl Timers {
    /// Sets a timer. Returns its handle, and true if it is now the earliest one (whoever waits for
    /// the earliest deadline must then be told).
    pub(crate) fn insert(&self, deadline: Instant, action: Action) -> (TimerHandle, bool) {
        let at = self.nanos(deadline);
        let mut queue = self.queue.lock();
        let handle = queue.insert_at(at, action);
        let earliest = at < self.next.load(Ordering::Relaxed);
        if earliest {
            self.next.store(at, Ordering::SeqCst);
        }
        (handle, earliest)
    }

    /// Cancels a timer. Returns true if it had not fired (and now never will).
    pub(crate) fn cancel(&self, timer: &TimerHandle) -> bool {
        let cancelled = timer.cancel();
        if cancelled {
            self.queue.lock().note_cancelled();
        }
        cancelled
    }

    /// The earliest deadline, if any timer is set (possibly one since cancelled).
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        match self.next.load(Ordering::SeqCst) {
            NONE => None,
            at => Some(self.base + Duration::from_nanos(at)),
        }
    }

    /// True if some timer is due by `now`.
    fn is_due(&self, now: Instant) -> bool {
        self.next.load(Ordering::Acquire) <= self.nanos(now)
    }

    /// Fires every timer due now, outside the lock. Returns how many fired.
    pub(crate) fn fire_due(&self) -> usize {
        if self.next.load(Ordering::Relaxed) == NONE {
            return 0; // no timer at all: not worth reading the clock
        }
        self.fire_due_at(Instant::now())
    }

    /// [`fire_due`](Self::fire_due) for a caller that has just read the clock.
    pub(crate) fn fire_due_at(&self, now: Instant) -> usize {
        if !self.is_due(now) {
            return 0;
        }
        self.firing.fetch_add(1, Ordering::SeqCst);
        let count = self.fire_chunks(now);
        self.firing.fetch_sub(1, Ordering::SeqCst);
        count
    }

    /// True while some thread fires timers (see `firing`).
    pub(crate) fn is_firing(&self) -> bool {
        self.firing.load(Ordering::SeqCst) != 0
    }

    fn fire_chunks(&self, now: Instant) -> usize {
        let mut count = 0;
        let mut fired = Vec::with_capacity(FIRE_CHUNK);
        loop {
            // In chunks, releasing the lock in between: coroutines setting timers on other
            // workers are not held up behind a big batch, and the first woken can be stolen and
            // run while the rest are still being taken off the heap.
            let more = {
                let mut queue = self.queue.lock();
                let more = queue.expire(now, FIRE_CHUNK, &mut fired);
                self.next
                    .store(queue.next_at().unwrap_or(NONE), Ordering::SeqCst);
                more
            };
            count += fired.len();
            run_fired(&mut fired);
            if !more {
                return count;
            }
        }
    }

    /// `at` as nanoseconds since `base`; the far future saturates just below [`NONE`].
    fn nanos(&self, at: Instant) -> u64 {
        nanos_since(self.base, at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn me() -> Action {
        Action::Unpark(Unparker::Thread(crate::runtime::thread_parker::current()))
    }

    #[test]
    fn expires_in_deadline_order_and_skips_cancelled() {
        let mut q = TimerQueue::default();
        let t0 = Instant::now();
        let late = q.insert(t0 + Duration::from_secs(2), me());
        let early = q.insert(t0 + Duration::from_secs(1), me());
        let cancelled = q.insert(t0 + Duration::from_millis(500), me());
        assert!(cancelled.cancel());
        q.note_cancelled();
        assert_eq!(q.next_deadline(), Some(t0 + Duration::from_millis(500)));

        let mut fired = Vec::new();
        q.expire(t0 + Duration::from_millis(1500), usize::MAX, &mut fired);
        assert_eq!(fired.len(), 1, "only the 1 s timer is due and live");
        assert!(!early.cancel(), "a fired timer cannot be cancelled");
        assert_eq!(q.next_deadline(), Some(t0 + Duration::from_secs(2)));
        assert!(late.cancel());
    }

    #[test]
    fn a_cancel_releases_the_action_at_once() {
        let mut q = TimerQueue::default();
        let held = Arc::new(());
        let captured = held.clone();
        let timer = q.insert(
            Instant::now() + Duration::from_secs(3600),
            Action::call(move || drop(captured)),
        );
        assert_eq!(Arc::strong_count(&held), 2);
        assert!(timer.cancel());
        assert_eq!(
            Arc::strong_count(&held),
            1,
            "the cancelled timer's callback is dropped, though its entry is still in the heap"
        );
        assert_eq!(q.len(), 1);
        let mut fired = Vec::new();
        q.expire(
            Instant::now() + Duration::from_secs(7200),
            usize::MAX,
            &mut fired,
        );
        assert!(fired.is_empty(), "a cancelled timer does not fire");
    }

    #[test]
    fn many_timers_expire_in_order() {
        let mut q = TimerQueue::default();
        let t0 = Instant::now();
        // A scrambled order of deadlines, some equal.
        let order: Vec<u64> = (0..5_000u64).map(|i| (i * 7919) % 1_000).collect();
        for &ms in &order {
            q.insert(t0 + Duration::from_millis(ms), me());
        }
        let mut last = 0;
        for ms in 0..1_000 {
            let mut fired = Vec::new();
            // Two at a time, as `fire_due` takes them in chunks.
            while q.expire(t0 + Duration::from_millis(ms), 2, &mut fired) {}
            assert_eq!(fired.len(), 5, "five timers per millisecond, at {ms}");
            let next = q
                .next_deadline()
                .map_or(u128::MAX, |d| (d - t0).as_millis());
            assert!(
                next > ms as u128 && next >= last,
                "the heap keeps its order"
            );
            last = next;
        }
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn cancelled_majority_is_compacted() {
        let mut q = TimerQueue::default();
        let far = Instant::now() + Duration::from_secs(3600);
        let handles: Vec<_> = (0..2 * COMPACT_MIN).map(|_| q.insert(far, me())).collect();
        for h in &handles[..COMPACT_MIN + 1] {
            assert!(h.cancel());
            q.note_cancelled();
        }
        assert_eq!(q.len(), COMPACT_MIN - 1, "cancelled entries were dropped");
    }

    #[test]
    fn shared_timers_track_the_earliest_deadline() {
        let timers = Timers::default();
        let t0 = Instant::now();
        assert_eq!(timers.next_deadline(), None);
        let (_late, earliest) = timers.insert(t0 + Duration::from_secs(60), me());
        assert!(earliest);
        let (_soon, earliest) = timers.insert(t0 + Duration::from_millis(1), me());
        assert!(earliest);
        let (_mid, earliest) = timers.insert(t0 + Duration::from_secs(1), me());
        assert!(!earliest, "a later timer does not need anyone told");
        std::thread::sleep(Duration::from_millis(2));
        assert!(timers.is_due(Instant::now()));
        assert_eq!(timers.fire_due(), 1);
        let next = timers.next_deadline().expect("two left");
        assert!(
            next > t0 + Duration::from_millis(999),
            "next is the 1 s timer"
        );
        assert!(!timers.is_due(Instant::now()));
    }
}
