//! The blocking pool: the threads that run `blocking` calls (see `blocking.rs`).
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
//! reports the failure to its caller (see `blocking`). Taking it out under the lock is what
//! makes a failure final: a refused call can never run later, when some thread does start. While
//! any thread is running or starting, a failed start fails nothing: the queue waits for that
//! thread, as it waits at the cap.

use std::collections::VecDeque;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::{Condvar, Mutex, MutexGuard};
use crate::loom::thread;

/// A queued call. A pool thread calls it with `Ok(())` to run it; if no thread can be started
/// for it, it is called with the error instead, and must then report the failure without
/// running the call (see the module's doc).
pub(crate) type Job = Box<dyn FnOnce(Result<(), &io::Error>) + Send>;

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
    pub(crate) fn with_spawner(
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

    /// Calls queued, for tests.
    #[cfg(test)]
    pub(crate) fn queued(&self) -> usize {
        self.queued.load(Ordering::SeqCst)
    }

    /// Threads alive, for tests of growth and shrinking.
    #[cfg(test)]
    pub(crate) fn threads(&self) -> usize {
        self.state.lock().threads
    }
}

/// Starts a thread of `pool`, named for `/proc` and debuggers.
pub(crate) fn spawn_thread(pool: &'static BlockingPool) -> io::Result<()> {
    thread::Builder::new()
        .name("offshoot-blocking".into())
        .spawn(move || pool.run_thread())
        .map(drop)
}
