//! The timer queue: pending wake-ups ordered by deadline.
//!
//! A binary min-heap of `(deadline, sequence)` entries; the sequence number keeps timers with
//! equal deadlines in the order they were set. Insertion and expiry cost O(log n), so 100,000
//! pending sleeps are cheap. A timer cancelled before its deadline stays in the heap (removing
//! from the middle of a heap is O(n)) but is marked cancelled and skipped when it expires; once
//! cancelled entries outnumber live ones the heap is rebuilt without them, so a program that sets
//! long timeouts and cancels them does not grow the heap without bound.
//!
//! [`Timers`] shares one queue between all threads under a mutex, and keeps its earliest deadline
//! in an atomic so a scheduler can tell whether anything is due without taking the lock. Timers
//! are fired by whichever thread finds them due, as Go's are: the worker waiting in the poller
//! (whose timeout is the earliest deadline), a worker at a scheduling point or about to sleep,
//! and the monitor as a backstop while every worker is busy (see `scheduler.rs`).

use std::cmp::Ordering as CmpOrdering;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use super::park::Unparker;
use crate::loom::sync::atomic::{AtomicU64, AtomicU8, Ordering};
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
    /// What to do at the deadline.
    action: Action,
}

/// What a timer does when it fires.
pub(crate) enum Action {
    /// Wake a parked coroutine or thread (a sleep, a timeout).
    Unpark(Unparker),
    /// Call a function on whichever runtime thread fires the timer (Go's timer `f`, e.g. a
    /// channel send for `time::after`). It must be quick and must not block. Taken out by the
    /// firing.
    Call(Mutex<Option<Box<dyn FnOnce() + Send>>>),
}

impl Action {
    /// An action that calls `f`.
    pub(crate) fn call(f: impl FnOnce() + Send + 'static) -> Action {
        Action::Call(Mutex::new(Some(Box::new(f))))
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

/// An expired timer's action, to run outside the queue's lock.
pub(crate) enum Fired {
    Unpark(Unparker),
    Call(Box<dyn FnOnce() + Send>),
}

impl Fired {
    /// Runs the action. A panicking callback is reported and contained: it must not take a
    /// worker or the monitor down.
    pub(crate) fn run(self) {
        match self {
            Fired::Unpark(unparker) => unparker.unpark_owned(),
            Fired::Call(f) => {
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

    /// Stops the timer. Returns true if it had not fired yet (and now never will).
    pub(crate) fn cancel(&self) -> bool {
        self.shared
            .state
            .compare_exchange(PENDING, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

#[derive(Debug)]
struct Entry {
    deadline: Instant,
    seq: u64,
    shared: Arc<TimerShared>,
}

// Ordered so that `BinaryHeap`, a max-heap, yields the earliest deadline first.
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        (other.deadline, other.seq).cmp(&(self.deadline, self.seq))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.seq == other.seq
    }
}

impl Eq for Entry {}

/// Pending timers, earliest first.
#[derive(Debug, Default)]
pub(crate) struct TimerQueue {
    heap: BinaryHeap<Entry>,
    next_seq: u64,
    /// Entries in `heap` whose timer was cancelled (an upper bound: counted at cancel time).
    cancelled: usize,
}

impl TimerQueue {
    /// Sets a timer that runs `action` at `deadline`.
    pub(crate) fn insert(&mut self, deadline: Instant, action: Action) -> TimerHandle {
        let shared = Arc::new(TimerShared {
            state: AtomicU8::new(PENDING),
            action,
        });
        self.next_seq += 1;
        self.heap.push(Entry {
            deadline,
            seq: self.next_seq,
            shared: shared.clone(),
        });
        TimerHandle { shared }
    }

    /// Notes that one entry was cancelled, and drops cancelled entries once they are the majority.
    pub(crate) fn note_cancelled(&mut self) {
        self.cancelled += 1;
        if self.heap.len() >= COMPACT_MIN && self.cancelled * 2 > self.heap.len() {
            self.heap
                .retain(|e| e.shared.state.load(Ordering::Acquire) == PENDING);
            self.cancelled = 0;
        }
    }

    /// The earliest deadline, if any timer is set.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.heap.peek().map(|e| e.deadline)
    }

    /// Removes every timer due by `now`, and pushes the actions of those not cancelled.
    pub(crate) fn expire(&mut self, now: Instant, fired: &mut Vec<Fired>) {
        while self.heap.peek().is_some_and(|e| e.deadline <= now) {
            let entry = self.heap.pop().expect("peeked");
            let won = entry.shared.state.compare_exchange(
                PENDING,
                FIRED,
                Ordering::AcqRel,
                Ordering::Acquire,
            );
            match won {
                Ok(_) => fired.push(match &entry.shared.action {
                    Action::Unpark(unparker) => Fired::Unpark(unparker.clone()),
                    Action::Call(f) => Fired::Call(f.lock().take().expect("a callback fires once")),
                }),
                Err(_) => self.cancelled = self.cancelled.saturating_sub(1),
            }
        }
    }

    /// Timers in the queue, cancelled ones included.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
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
}

impl Default for Timers {
    fn default() -> Timers {
        Timers {
            queue: Mutex::default(),
            next: AtomicU64::new(NONE),
            base: Instant::now(),
        }
    }
}

impl Timers {
    /// Sets a timer. Returns its handle, and true if it is now the earliest one (whoever waits for
    /// the earliest deadline must then be told).
    pub(crate) fn insert(&self, deadline: Instant, action: Action) -> (TimerHandle, bool) {
        let mut queue = self.queue.lock();
        let handle = queue.insert(deadline, action);
        let at = self.nanos(deadline);
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
    pub(crate) fn is_due(&self, now: Instant) -> bool {
        self.next.load(Ordering::Acquire) <= self.nanos(now)
    }

    /// Fires every timer due now, outside the lock. Returns how many fired.
    pub(crate) fn fire_due(&self) -> usize {
        let now = Instant::now();
        if !self.is_due(now) {
            return 0;
        }
        let mut fired = Vec::new();
        {
            let mut queue = self.queue.lock();
            queue.expire(now, &mut fired);
            let next = queue.next_deadline().map_or(NONE, |d| self.nanos(d));
            self.next.store(next, Ordering::SeqCst);
        }
        let count = fired.len();
        for action in fired {
            action.run();
        }
        count
    }

    /// `at` as nanoseconds since `base`; the far future saturates just below [`NONE`].
    fn nanos(&self, at: Instant) -> u64 {
        let since = at.saturating_duration_since(self.base).as_nanos();
        since.min(u128::from(NONE - 1)) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn me() -> Action {
        Action::Unpark(Unparker::Thread(std::thread::current()))
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
        q.expire(t0 + Duration::from_millis(1500), &mut fired);
        assert_eq!(fired.len(), 1, "only the 1 s timer is due and live");
        assert!(!early.cancel(), "a fired timer cannot be cancelled");
        assert_eq!(q.next_deadline(), Some(t0 + Duration::from_secs(2)));
        assert!(late.cancel());
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
        assert!(next > t0 + Duration::from_millis(999), "next is the 1 s timer");
        assert!(!timers.is_due(Instant::now()));
    }
}
