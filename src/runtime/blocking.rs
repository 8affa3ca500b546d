//! Blocking calls: run on a pool of OS threads while the calling coroutine is parked.
//!
//! A coroutine must never stall its worker, so a call that may block in the kernel (a file
//! read, a DNS lookup, a foreign library) is handed to this pool, as offset does. The coroutine
//! parks; a pool thread runs the call and stores its result (or its panic); the wake-up then sends
//! the coroutine back to its home worker (the only one it may run on), which runs it first, as
//! soon as the current coroutine there suspends, on a cache that still holds its stack.

//!
//! The pool itself, and what happens when it cannot start a thread, are in `blocking_pool.rs`.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

use super::blocking_pool::BlockingPool;
use super::context;
use super::park::{self, Unparker, WaitReason};
use super::start;
use crate::loom::sync::{Arc, Mutex};

/// Runs `f`, which may block, without blocking the worker: in a coroutine, `f` runs on the
/// blocking pool while the coroutine is parked. On a plain thread, `f` just runs.
///
/// A panic in `f` resumes in the caller, as if `f` had run there.
///
/// # Panics
/// If the pool has no thread and the system refuses to start one (threads or memory exhausted),
/// with a message saying so; `f` is then dropped without being run, now or later. This is what
/// `std::thread::spawn` does when it cannot start a thread, and Go's runtime dies outright
/// ("failed to create new OS thread"). Running `f` on the worker instead would hide the
/// exhaustion and stall every coroutine queued on that worker for as long as `f` blocks: with
/// one worker, an `f` that waits for another coroutine would never return.
///
/// ```
/// let len = offshoot::run(|| {
///     offshoot::blocking(|| std::fs::read("Cargo.toml").map(|bytes| bytes.len()))
/// });
/// assert!(len.unwrap() > 0);
/// ```
pub fn blocking<F, R>(f: F) -> R
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    // Only a coroutine has a worker to keep free (coroutines run on workers alone).
    if !context::in_coroutine() {
        return f();
    }
    run_on(&start::get().blocking, f)
}

/// Runs `f` on `pool` while the calling coroutine is parked; see [`blocking`].
fn run_on<F, R>(pool: &'static BlockingPool, f: F) -> R
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let call = Arc::new(Call {
        outcome: Mutex::new(None),
        waiter: park::current(),
    });
    let finished = call.clone();
    pool.submit(Box::new(move |start| {
        let outcome = match start {
            Ok(()) => Outcome::Ran(panic::catch_unwind(AssertUnwindSafe(f))),
            Err(err) => Outcome::Refused(format!(
                "offshoot: blocking: cannot start a blocking-pool thread ({err}) and none is \
                 running; the call was not run"
            )),
        };
        *finished.outcome.lock() = Some(outcome);
        finished.waiter.unpark();
    }));
    loop {
        let outcome = call.outcome.lock().take();
        match outcome {
            Some(Outcome::Ran(result)) => {
                return result.unwrap_or_else(|payload| panic::resume_unwind(payload))
            }
            Some(Outcome::Refused(message)) => panic!("{message}"),
            None => park::park(WaitReason::Blocking),
        }
    }
}

/// One blocking call in flight.
struct Call<R> {
    /// Set once, by the job, before it unparks the caller.
    outcome: Mutex<Option<Outcome<R>>>,
    /// The caller, parked until the outcome is set.
    waiter: Unparker,
}

/// How a blocking call ended.
enum Outcome<R> {
    /// The call ran: its result, or its panic.
    Ran(Result<R, Box<dyn Any + Send>>),
    /// No thread could be started for it, so it never ran: why.
    Refused(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::blocking_pool::{spawn_thread, Job};
    use std::io;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    /// Set while [`refusing_spawn`] refuses to start threads.
    static REFUSE: AtomicBool = AtomicBool::new(false);

    /// Starts pool threads, except while [`REFUSE`] is set: then fails as `thread::spawn` does
    /// when the system has no thread to give.
    fn refusing_spawn(pool: &'static BlockingPool) -> io::Result<()> {
        if REFUSE.load(Ordering::SeqCst) {
            return Err(io::Error::from_raw_os_error(libc::EAGAIN));
        }
        spawn_thread(pool)
    }

    /// Issue 11: a call whose pool thread could not be started was reported as failed (its
    /// caller panicked), yet it stayed queued and ran when the next call started a thread.
    #[test]
    fn a_call_that_fails_for_want_of_a_thread_never_runs() {
        let pool: &'static BlockingPool = Box::leak(Box::new(BlockingPool::with_spawner(
            1,
            Duration::from_millis(50),
            refusing_spawn,
        )));
        let ran = Arc::new(AtomicBool::new(false));
        REFUSE.store(true, Ordering::SeqCst);
        let flag = ran.clone();
        let failed = crate::run(move || {
            panic::catch_unwind(AssertUnwindSafe(|| {
                run_on(pool, move || flag.store(true, Ordering::SeqCst))
            }))
        });
        REFUSE.store(false, Ordering::SeqCst);
        let payload = failed.expect_err("the call fails when no thread can start");
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        assert!(
            message.contains("cannot start a blocking-pool thread"),
            "says why: {message:?}"
        );
        // A thread can start now: the next call runs, and the failed one must not run with it.
        let next = crate::run(move || run_on(pool, || 7));
        assert_eq!(next, 7);
        std::thread::sleep(Duration::from_millis(20));
        assert!(
            !ran.load(Ordering::SeqCst),
            "a call reported as failed ran later"
        );
    }

    /// Held by [`a_failed_start_refuses_the_calls_queued_behind_it`] to keep
    /// [`slow_failing_spawn`] waiting.
    static GATE: Mutex<()> = Mutex::new(());
    /// Set by [`slow_failing_spawn`] once it has been called.
    static ENTERED: AtomicBool = AtomicBool::new(false);

    /// Fails to start a thread, but only once [`GATE`] is free.
    fn slow_failing_spawn(_: &'static BlockingPool) -> io::Result<()> {
        ENTERED.store(true, Ordering::SeqCst);
        drop(GATE.lock());
        Err(io::Error::from_raw_os_error(libc::EAGAIN))
    }

    /// A call queued while the pool's only thread was being started (at the cap, so it starts
    /// none of its own) is refused too when that start fails, instead of waiting for ever.
    #[test]
    fn a_failed_start_refuses_the_calls_queued_behind_it() {
        let pool: &'static BlockingPool = Box::leak(Box::new(BlockingPool::with_spawner(
            1,
            Duration::from_millis(50),
            slow_failing_spawn,
        )));
        let (calls_tx, calls) = mpsc::channel();
        let job = |name: &'static str| -> Job {
            let calls_tx = calls_tx.clone();
            Box::new(move |start: Result<(), &io::Error>| {
                calls_tx.send((name, start.is_ok())).unwrap();
            })
        };
        let closed = GATE.lock();
        let first = job("first");
        let starter = std::thread::spawn(move || pool.submit(first));
        while !ENTERED.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        pool.submit(job("queued behind"));
        drop(closed);
        starter.join().unwrap();
        let mut seen: Vec<_> = calls.try_iter().collect();
        seen.sort();
        assert_eq!(
            seen,
            [("first", false), ("queued behind", false)],
            "both calls refused, neither run"
        );
        assert_eq!(pool.queued(), 0);
    }

    #[test]
    fn grows_to_the_cap_queues_beyond_it_and_shrinks_when_idle() {
        let pool: &'static BlockingPool =
            Box::leak(Box::new(BlockingPool::new(2, Duration::from_millis(50))));
        let (started_tx, started) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        let gate = Arc::new(Mutex::new(()));
        let closed = gate.lock();
        for i in 0..6 {
            let (started_tx, done_tx, gate) = (started_tx.clone(), done_tx.clone(), gate.clone());
            pool.submit(Box::new(move |_| {
                started_tx.send(i).unwrap();
                drop(gate.lock());
                done_tx.send(i).unwrap();
            }));
        }
        // Two calls run and hold their threads; the other four wait in the queue.
        started.recv().unwrap();
        started.recv().unwrap();
        assert_eq!(pool.threads(), 2, "the pool stops at its cap");
        assert!(started.try_recv().is_err(), "no third call runs at the cap");
        drop(closed);
        let mut finished: Vec<i32> = (0..6).map(|_| done.recv().unwrap()).collect();
        finished.sort();
        assert_eq!(
            finished,
            [0, 1, 2, 3, 4, 5],
            "queued calls all ran, once each"
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while pool.threads() > 0 {
            assert!(Instant::now() < deadline, "idle threads did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
