//! Helpers for the channel semantics and stress tests: run a body on a plain thread or a
//! coroutine behind one handle, count drops, tally deliveries, and a small seeded generator.
//!
//! Each `tests/*.rs` file is its own binary and includes this module, so not every helper is
//! used by every binary.

#![allow(dead_code)]

use std::panic;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;

/// Where a party of a test runs: a plain OS thread or an offshoot coroutine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Thread,
    Coroutine,
}

/// Both sides, to loop over.
pub const SIDES: [Side; 2] = [Side::Thread, Side::Coroutine];

/// Every (first, second) pair of sides: thread/thread, thread/coroutine, and so on.
pub fn side_pairs() -> [(Side, Side); 4] {
    [
        (Side::Thread, Side::Thread),
        (Side::Thread, Side::Coroutine),
        (Side::Coroutine, Side::Thread),
        (Side::Coroutine, Side::Coroutine),
    ]
}

/// A handle to a body started by [`spawn`], on either side.
pub enum Joiner<T> {
    Thread(std::thread::JoinHandle<T>),
    Coroutine(offshoot::JoinHandle<T>),
}

impl<T: Send + 'static> Joiner<T> {
    /// Waits for the body and returns its value; a panic in it resumes here, payload unchanged.
    ///
    /// Call it from a plain thread: joining a thread from a coroutine would block its worker.
    pub fn join(self) -> T {
        let result = match self {
            Joiner::Thread(h) => h.join(),
            Joiner::Coroutine(h) => h.join(),
        };
        match result {
            Ok(value) => value,
            Err(payload) => panic::resume_unwind(payload),
        }
    }

    /// True once the body has ended.
    pub fn is_finished(&self) -> bool {
        match self {
            Joiner::Thread(h) => h.is_finished(),
            Joiner::Coroutine(h) => h.is_finished(),
        }
    }
}

/// Runs `f` on a new plain thread or a new coroutine.
pub fn spawn<T, F>(side: Side, f: F) -> Joiner<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match side {
        Side::Thread => Joiner::Thread(std::thread::spawn(f)),
        Side::Coroutine => Joiner::Coroutine(offshoot::go(f)),
    }
}

/// Time for a started party to reach its parking point: a path made likely, never assumed.
pub const SETTLE: std::time::Duration = std::time::Duration::from_millis(20);

/// Runs `f` on `side` after it says it has started; returns once it has, and has had
/// [`SETTLE`] to park (a handshake, then a short wait: see ../shared/notes/testing.md).
pub fn spawn_started<T, F>(side: Side, f: F) -> Joiner<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (ready_tx, ready_rx) = offshoot::chan::<()>(0);
    let party = spawn(side, move || {
        ready_tx.send(()).unwrap();
        f()
    });
    ready_rx.recv().unwrap();
    std::thread::sleep(SETTLE);
    party
}

/// Counts the live values of [`Counted`]: how many were made and how many dropped.
#[derive(Debug, Clone, Default)]
pub struct DropTally {
    made: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
}

impl DropTally {
    pub fn new() -> DropTally {
        DropTally::default()
    }

    /// A new counted value carrying `id`.
    pub fn make(&self, id: u64) -> Counted {
        self.made.fetch_add(1, Ordering::SeqCst);
        Counted {
            id,
            dropped: self.dropped.clone(),
        }
    }

    pub fn made(&self) -> usize {
        self.made.load(Ordering::SeqCst)
    }

    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }

    /// Values made and not yet dropped.
    pub fn live(&self) -> usize {
        self.made() - self.dropped()
    }
}

/// A value whose drop is counted by the [`DropTally`] that made it. Not `Clone`, not `Debug`:
/// a test that needs either has made a mistake.
pub struct Counted {
    pub id: u64,
    dropped: Arc<AtomicUsize>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// How many times each value in `0..n` was seen, shared between threads and coroutines.
#[derive(Debug, Clone)]
pub struct Ledger {
    counts: Arc<Vec<AtomicU32>>,
}

impl Ledger {
    pub fn new(n: usize) -> Ledger {
        Ledger {
            counts: Arc::new((0..n).map(|_| AtomicU32::new(0)).collect()),
        }
    }

    /// Records one sighting of `v`.
    pub fn record(&self, v: usize) {
        self.counts[v].fetch_add(1, Ordering::Relaxed);
    }

    pub fn count(&self, v: usize) -> u32 {
        self.counts[v].load(Ordering::Relaxed)
    }

    /// Panics, naming the first few offenders, unless every value was seen exactly once.
    pub fn assert_each_once(&self, what: &str) {
        let bad: Vec<(usize, u32)> = self
            .counts
            .iter()
            .enumerate()
            .map(|(v, c)| (v, c.load(Ordering::Relaxed)))
            .filter(|&(_, c)| c != 1)
            .collect();
        assert!(
            bad.is_empty(),
            "{what}: {} values not seen exactly once (value, times): {:?}",
            bad.len(),
            &bad[..bad.len().min(10)]
        );
    }
}

/// A small xorshift generator for test-side randomness (spins, choices); never zero.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform enough in `0..n` for tests (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        (self.next() >> 11) % n
    }
}

/// Busy-waits about `n` spin-loop hints: a short, variable delay that does not park.
pub fn spin(n: u64) {
    for _ in 0..n {
        std::hint::spin_loop();
    }
}

/// Yields the current coroutine `n` times (on a plain thread: the OS thread). Used to move a
/// racing party's step around without sleeping.
pub fn jitter(n: u64) {
    for _ in 0..n {
        offshoot::yield_now();
    }
}
