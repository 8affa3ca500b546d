//! Blocking calls: run on a pool of OS threads while the calling coroutine is parked.
//!
//! A coroutine must never stall its worker, so a call that may block in the kernel (a file
//! read, a DNS lookup, a foreign library) is handed to this pool, as offset does. The coroutine
//! parks; a pool thread runs the call and stores its result (or its panic); the wake-up then sends
//! the coroutine back to its home worker (the only one it may run on), which runs it first, as
//! soon as the current coroutine there suspends, on a cache that still holds its stack.
//!
//! # The pool
//!
//! Calls wait in one FIFO queue. A call finds a thread in this order: the spinning thread, if one
//! is looking for work already; an idle thread, woken by the condition variable; else a new
//! thread, while fewer than the cap run; else it waits in the queue for the next thread that
//! finishes. A thread that has had nothing to do for the keep-alive time exits. `idle` counts
//! threads waiting on the condition variable and `notified` those already woken for a call but
//! not yet running, so a burst of calls wakes one thread per call rather than one in total.
//!
//! Short calls often come in a stream (a coroutine per file, each reading one). A futex wake per
//! call and a futex sleep after it would cost more than the call, so a thread that runs out of
//! calls first spins for [`SPIN`] (one thread at a time, as Go limits its spinning threads). A
//! call made meanwhile is left to the spinner; the spinner, once it finds work, finds takers for
//! any further calls that arrived in its window, so a burst of long calls still spreads over
//! threads at once.
//!
//! # When no thread can be started
//!
//! A call fails only when the system refuses a new thread while the pool has none (none running,
//! none being started): then nothing would ever take the queue, so every queued call is taken
//! back out of it and *refused*: its job is called with the error instead of being run, and
//! reports the failure to its caller (see [`blocking`]). Taking it out under the lock is what
//! makes a failure final: a refused call can never run later, when some thread does start. While
//! any thread is running or starting, a failed start fails nothing: the queue waits for that
//! thread, as it waits at the cap.

use std::any::Any;
use std::collections::VecDeque;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use super::context;
use super::park::{self, Unparker, WaitReason};
use super::scheduler;
use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::{Arc, Condvar, Mutex, MutexGuard};
use crate::loom::thread;

/// A queued call. A pool thread calls it with `Ok(())` to run it; if no thread can be started
/// for it, it is called with the error instead, and must then report the failure without
/// running the call (see the module's doc).
type Job = Box<dyn FnOnce(Result<(), &io::Error>) + Send>;

/// How long a thread that ran out of calls looks for the next before it sleeps.
const SPIN: Duration = Duration::from_micros(50);
/// Threads spinning at once.
const MAX_SPINNING: usize = 1;

/// The pool of threads that run blocking calls.
#[derive(Debug)]
pub(crate) struct BlockingPool {
    state: Mutex<PoolState>,
    /// The queue's length, for spinners to watch without the lock.
    queued: AtomicUsize,
    work: Condvar,
    max_threads: usize,
    keep_alive: Duration,
    /// Starts a pool thread: [`spawn_thread`], or a stand-in in tests of thread-start failure.
    spawn: fn(&'static BlockingPool) -> io::Result<()>,
}

#[derive(Default)]
struct PoolState {
    queue: VecDeque<Job>,
    /// Threads alive.
    threads: usize,
    /// Threads waiting for work.
    idle: usize,
    /// Idle threads notified for a queued call that have not woken yet.
    notified: usize,
    /// Threads spinning for the next call.
    spinning: usize,
}

impl std::fmt::Debug for PoolState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolState")
            .field("queued", &self.queue.len())
            .field("threads", &self.threads)
            .field("idle", &self.idle)
            .finish()
    }
}

impl BlockingPool {
    pub(crate) fn new(max_threads: usize, keep_alive: Duration) -> BlockingPool {
        BlockingPool::with_spawner(max_threads, keep_alive, spawn_thread)
    }

    /// A pool that starts its threads with `spawn`.
    fn with_spawner(
        max_threads: usize,
        keep_alive: Duration,
        spawn: fn(&'static BlockingPool) -> io::Result<()>,
    ) -> BlockingPool {
        BlockingPool {
            state: Mutex::default(),
            queued: AtomicUsize::new(0),
            work: Condvar::new(),
            max_threads: max_threads.max(1),
            keep_alive,
            spawn,
        }
    }

    /// Queues `job` to run on a pool thread. If no thread can be started for it, `job` and any
    /// other queued job are refused (called with the error) before this returns.
    pub(crate) fn submit(&'static self, job: Job) {
        let mut state = self.state.lock();
        state.queue.push_back(job);
        self.queued.store(state.queue.len(), Ordering::Release);
        if state.spinning == 0 {
            self.find_taker(state);
        }
    }

    /// Wakes an idle thread for a queued call, or starts one below the cap; otherwise the call
    /// waits its turn. Takes the lock guard to release it before starting a thread.
    fn find_taker(&'static self, mut state: MutexGuard<'_, PoolState>) {
        if state.idle > state.notified {
            state.notified += 1;
            self.work.notify_one();
        } else if state.threads < self.max_threads {
            state.threads += 1;
            drop(state);
            self.start_thread();
        }
    }

    /// Starts a thread, counted in `threads` already. If the system refuses it and no other
    /// thread runs or is starting, refuses every queued call.
    fn start_thread(&'static self) {
        let Err(err) = (self.spawn)(self) else {
            return;
        };
        let refused: Vec<Job> = {
            let mut state = self.state.lock();
            state.threads -= 1;
            if state.threads > 0 {
                return; // that thread will take the queue
            }
            let refused = state.queue.drain(..).collect();
            self.queued.store(0, Ordering::Release);
            refused
        };
        for job in refused {
            job(Err(&err));
        }
    }

    fn run_thread(&'static self) {
        let mut state = self.state.lock();
        loop {
            if let Some(job) = state.queue.pop_front() {
                self.queued.store(state.queue.len(), Ordering::Release);
                drop(state);
                // Jobs catch their own panics (see `blocking`); this keeps a stray one from
                // killing the thread with the count still including it.
                let _ = panic::catch_unwind(AssertUnwindSafe(|| job(Ok(()))));
                state = self.state.lock();
                continue;
            }
            if state.spinning < MAX_SPINNING {
                state = self.spin(state);
                if !state.queue.is_empty() {
                    continue;
                }
            }
            state.idle += 1;
            let timed_out = self.work.wait_for(&mut state, self.keep_alive).timed_out();
            state.idle -= 1;
            if !timed_out {
                state.notified -= 1;
            } else if state.queue.is_empty() {
                state.threads -= 1;
                return;
            }
        }
    }

    /// Looks for a call for up to [`SPIN`] without sleeping. Calls made meanwhile were left to
    /// this thread: it takes the first and finds takers for the rest.
    fn spin<'a>(&'static self, mut state: MutexGuard<'a, PoolState>) -> MutexGuard<'a, PoolState> {
        state.spinning += 1;
        drop(state);
        let until = Instant::now() + SPIN;
        while self.queued.load(Ordering::Acquire) == 0 && Instant::now() < until {
            for _ in 0..64 {
                std::hint::spin_loop();
            }
        }
        let mut state = self.state.lock();
        state.spinning -= 1;
        for _ in 1..state.queue.len() {
            if state.idle <= state.notified && state.threads >= self.max_threads {
                break;
            }
            self.find_taker(state);
            state = self.state.lock();
        }
        state
    }

    /// The pool's thread count if it is quiet: no call queued, and every thread idle or
    /// spinning for work. `None` while a call is queued or running.
    pub(crate) fn quiet_threads(&self) -> Option<usize> {
        let state = self.state.lock();
        let quiet = state.queue.is_empty() && state.idle + state.spinning == state.threads;
        quiet.then_some(state.threads)
    }

    /// Threads alive, for tests of growth and shrinking.
    #[cfg(test)]
    pub(crate) fn threads(&self) -> usize {
        self.state.lock().threads
    }
}

/// Starts a thread of `pool`, named for `/proc` and debuggers.
fn spawn_thread(pool: &'static BlockingPool) -> io::Result<()> {
    thread::Builder::new()
        .name("offshoot-blocking".into())
        .spawn(move || pool.run_thread())
        .map(drop)
}

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
    run_on(&scheduler::get().blocking, f)
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
    use std::sync::atomic::AtomicBool;
    use std::sync::mpsc;

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
        assert_eq!(pool.queued.load(Ordering::SeqCst), 0);
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
