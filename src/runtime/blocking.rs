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
//! finishes (the pool never fails a call). A thread that has had nothing to do for the
//! keep-alive time exits. `idle` counts threads waiting on the condition variable and `notified`
//! those already woken for a call but not yet running, so a burst of calls wakes one thread per
//! call rather than one in total.
//!
//! Short calls often come in a stream (a coroutine per file, each reading one). A futex wake per
//! call and a futex sleep after it would cost more than the call, so a thread that runs out of
//! calls first spins for [`SPIN`] (one thread at a time, as Go limits its spinning threads). A
//! call made meanwhile is left to the spinner; the spinner, once it finds work, finds takers for
//! any further calls that arrived in its window, so a burst of long calls still spreads over
//! threads at once.

use std::any::Any;
use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use super::context;
use super::park::{self, Unparker};
use super::scheduler;
use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::{Arc, Condvar, Mutex, MutexGuard};
use crate::loom::thread;

type Job = Box<dyn FnOnce() + Send>;

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
        BlockingPool {
            state: Mutex::default(),
            queued: AtomicUsize::new(0),
            work: Condvar::new(),
            max_threads: max_threads.max(1),
            keep_alive,
        }
    }

    /// Queues `job` to run on a pool thread.
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

    fn start_thread(&'static self) {
        let started = thread::Builder::new()
            .name("offshoot-blocking".into())
            .spawn(move || self.run_thread());
        if let Err(e) = started {
            let mut state = self.state.lock();
            state.threads -= 1;
            // With no thread at all the queue would never move: say why, loudly.
            assert!(
                state.threads > 0,
                "offshoot: cannot start a blocking-pool thread ({e}) and none is running"
            );
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
                let _ = panic::catch_unwind(AssertUnwindSafe(job));
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

    /// Threads alive, for tests of growth and shrinking.
    #[cfg(test)]
    pub(crate) fn threads(&self) -> usize {
        self.state.lock().threads
    }
}

/// Runs `f`, which may block, without blocking the worker: in a coroutine, `f` runs on the
/// blocking pool while the coroutine is parked, and the coroutine then resumes first on the
/// processor it left. On a plain thread, `f` just runs.
///
/// A panic in `f` resumes in the caller, as if `f` had run there.
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
    if context::current_processor().is_none() || !context::in_coroutine() {
        return f();
    }
    let call = Arc::new(Call {
        result: Mutex::new(None),
        waiter: park::current(),
    });
    let finished = call.clone();
    scheduler::get().blocking.submit(Box::new(move || {
        let result = panic::catch_unwind(AssertUnwindSafe(f));
        *finished.result.lock() = Some(result);
        finished.waiter.unpark();
    }));
    loop {
        if let Some(result) = call.result.lock().take() {
            return result.unwrap_or_else(|payload| panic::resume_unwind(payload));
        }
        park::park();
    }
}

/// One blocking call in flight.
struct Call<R> {
    result: Mutex<Option<Result<R, Box<dyn Any + Send>>>>,
    /// The caller, parked: a wake-up sends it back to its home worker, where it runs first.
    waiter: Unparker,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

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
            pool.submit(Box::new(move || {
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
