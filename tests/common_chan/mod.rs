//! Helpers for the ports of Go's channel tests (`tests/go_*.rs`): the watchdog of
//! `tests/common`, plus the few pieces of Go the ports need (a nil send channel, `defer`,
//! "does this block?", a spawn that is either a coroutine or a thread).
//!
//! Each `tests/go_*.rs` file is its own binary and includes this module, so not every helper is
//! used by every binary.

#![allow(dead_code)]

#[path = "../common/mod.rs"]
mod base;

#[allow(unused_imports)]
pub use base::{panic_message, run_watched, watchdog, WATCHDOG_SECS};

use std::time::Duration;

use offshoot::{chan, RecvTimeoutError, Sender};

/// `n` milliseconds.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Go's nil channel, sending end: a send on it never proceeds, in a `select!` its case is never
/// chosen. (`offshoot::never()` is the receiving end.) The ports were written before the
/// library had one; now it is `offshoot::never_sender()`.
pub fn nil_sender<T>() -> Sender<T> {
    offshoot::never_sender()
}

/// Go's `defer`: runs the closure when dropped (also when unwinding).
pub struct Defer<F: FnOnce()>(Option<F>);

impl<F: FnOnce()> Drop for Defer<F> {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

/// `let _d = defer(|| ...);`
pub fn defer<F: FnOnce()>(f: F) -> Defer<F> {
    Defer(Some(f))
}

/// What [`blocks`] observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    /// `f` returned within the grace period.
    Returned,
    /// `f` was still running (parked) when the grace period ended. It is left behind, parked,
    /// as Go leaves its goroutine.
    StillBlocked,
}

/// Go's `select3.go` `testBlock`, with a handshake: runs `f` in a new coroutine and reports
/// whether it returned within `grace` of having started. A coroutine that never returns is
/// leaked (Go leaks it too).
///
/// "Blocks forever" cannot be observed; `StillBlocked` means "did not return within `grace`".
/// So callers use a short `grace` (Go's 100 ms) to claim "always blocks", and a long one (seconds)
/// to claim "never blocks", so that a slow machine cannot make a non-blocking call look blocked.
pub fn blocks<F>(grace: Duration, f: F) -> Blocked
where
    F: FnOnce() + Send + 'static,
{
    let (started_tx, started_rx) = chan::<()>(1);
    let (done_tx, done_rx) = chan::<()>(1);
    offshoot::go(move || {
        // Closed on the way out, also when `f` panics: then nothing was sent, and the
        // receive below sees the close.
        let closer = done_tx.clone();
        let _close = defer(move || {
            closer.close();
        });
        started_tx.send(()).unwrap();
        f();
        let _ = done_tx.send(());
    });
    started_rx
        .recv_timeout(Duration::from_secs(WATCHDOG_SECS))
        .expect("the coroutine under test never started");
    match done_rx.recv_timeout(grace) {
        Ok(()) => Blocked::Returned,
        Err(RecvTimeoutError::Timeout) => Blocked::StillBlocked,
        Err(RecvTimeoutError::Closed) => panic!("the function under test panicked"),
    }
}

/// Where a port runs its "goroutines": as offshoot coroutines, or as plain OS threads (every
/// channel operation must work from both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Coroutines,
    Threads,
}

/// A handle to a "goroutine" started by [`Mode::go`].
pub enum Joiner<T> {
    Coroutine(offshoot::JoinHandle<T>),
    Thread(std::thread::JoinHandle<T>),
}

impl<T: Send + 'static> Joiner<T> {
    /// Waits for it; re-raises its panic with the payload unchanged.
    pub fn join(self) -> T {
        let result = match self {
            Joiner::Coroutine(h) => h.join(),
            Joiner::Thread(h) => h.join(),
        };
        match result {
            Ok(v) => v,
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }
}

impl Mode {
    /// Starts `f` as a coroutine or a thread.
    pub fn go<T, F>(self, f: F) -> Joiner<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        match self {
            Mode::Coroutines => Joiner::Coroutine(offshoot::go(f)),
            Mode::Threads => Joiner::Thread(std::thread::spawn(f)),
        }
    }

    /// Runs a test body under the watchdog: for `Coroutines` as the main coroutine
    /// (`offshoot::run`), for `Threads` directly on the watchdog's thread.
    pub fn run_watched<T, F>(self, name: &str, f: F) -> T
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        match self {
            Mode::Coroutines => run_watched(name, f),
            Mode::Threads => watchdog(name, WATCHDOG_SECS, f),
        }
    }

    /// Go's `runtime.Gosched()`.
    pub fn yield_now(self) {
        match self {
            Mode::Coroutines => offshoot::yield_now(),
            Mode::Threads => std::thread::yield_now(),
        }
    }
}
