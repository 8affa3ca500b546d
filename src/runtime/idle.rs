//! Idle workers: how they go to sleep, and how work wakes them without a lost wake-up.
//!
//! This is Go's spinning-thread protocol (`proc.go`, "Worker thread parking/unparking"),
//! simplified. Two counters describe the workers that are not running tasks:
//! - `searching`: looking for work to steal; such a worker will find work queued anywhere, so
//!   while one searches nobody needs to be woken;
//! - `sleeping`: parked on its OS thread until someone pops it from `sleepers`.
//!
//! # The protocol
//!
//! 1. A thread that makes work available where a sleeping worker could take it (the global
//!    queue, or a run queue that may be stolen from) publishes the work, issues a `SeqCst`
//!    fence, then calls [`Idle::wake_one`]. That wakes a sleeper only if none is searching, and
//!    counts the woken one as searching on its behalf, so a burst of work wakes one worker, not
//!    all of them.
//! 2. A worker that found no work stops searching (`searching -= 1`), adds itself to `sleepers`
//!    (`sleeping += 1`), issues a `SeqCst` fence, and looks at every stealable queue once more.
//!    If it finds work it takes itself off `sleepers` again; otherwise it parks.
//! 3. A searching worker that finds work stops searching; if it was the last searcher and more
//!    work is visible, it wakes another (ramp-up, as Go's `resetspinning`).
//!
//! One sleeper may be *polling*: instead of parking its thread it waits in the net poller (see
//! `poller.rs`), and a waker ends that wait with the poller's `notify` instead of an unpark. It
//! may also end its sleep by itself, when the poller hands it sockets that became ready or timers
//! fall due; it then takes itself off `sleepers` as in step 2's re-check.
//!
//! A started coroutine handed back to its home worker's inbox from another thread (see `inbox.rs`)
//! must wake that worker if it sleeps: [`Idle::wake_worker`] takes it off `sleepers` directly,
//! and the worker's re-check in step 2 looks at its own inbox and `runnext`, with the same fences.
//!
//! Why no wake-up is lost: the fences in 1 and 2 are ordered one way or the other. If the waker's
//! fence comes first, the sleeper's re-check in 2 sees the work. If the sleeper's comes first, the
//! waker sees `sleeping > 0` and `searching` already decremented, and wakes someone. Either way
//! the work is found.

use crate::loom::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering};
use crate::loom::sync::Mutex;
use crate::loom::thread::{self, Thread};

/// The sleep/wake state of all workers.
#[derive(Debug)]
pub(crate) struct Idle {
    /// Workers looking for work to steal, including those woken and not yet running.
    searching: AtomicUsize,
    /// Workers in `sleepers`.
    sleeping: AtomicUsize,
    /// Indices of sleeping workers. The lock orders sleepers against wakers.
    sleepers: Mutex<Vec<usize>>,
    /// One per worker, by index.
    workers: Box<[Sleeper]>,
}

#[derive(Debug, Default)]
struct Sleeper {
    /// True from the moment the worker is in `sleepers` until a waker takes it out (under the
    /// lock). The worker parks while it is true.
    asleep: AtomicBool,
    /// The worker's thread, to unpark. Set when the thread starts (again, for a spare worker's
    /// slot that a new thread takes up).
    thread: Mutex<Option<Thread>>,
    /// True while it sleeps in the net poller rather than parked.
    polling: AtomicBool,
}

impl Idle {
    pub(crate) fn new(workers: usize) -> Idle {
        Idle {
            searching: AtomicUsize::new(0),
            sleeping: AtomicUsize::new(0),
            sleepers: Mutex::new(Vec::with_capacity(workers)),
            workers: (0..workers).map(|_| Sleeper::default()).collect(),
        }
    }

    /// Records the calling thread as worker `index`. Called once by each worker thread.
    pub(crate) fn register(&self, index: usize) {
        *self.workers[index].thread.lock() = Some(thread::current());
    }

    /// Workers asleep now.
    pub(crate) fn sleeping(&self) -> usize {
        self.sleeping.load(Ordering::SeqCst)
    }

    /// True if worker `index` is asleep now (a hint: it may be waking).
    pub(crate) fn is_asleep(&self, index: usize) -> bool {
        self.workers[index].asleep.load(Ordering::Relaxed)
    }

    /// A worker with no local work starts looking elsewhere.
    pub(crate) fn start_searching(&self) {
        self.searching.fetch_add(1, Ordering::SeqCst);
    }

    /// A searching worker found work. Returns true if it was the last one searching.
    pub(crate) fn stop_searching(&self) -> bool {
        self.searching.fetch_sub(1, Ordering::SeqCst) == 1
    }

    /// Step 1 of the protocol: wakes one sleeping worker unless one is searching already.
    /// The caller has published the work; this issues the fence. Returns true if it woke one.
    /// `notify_poller` ends the wait of a worker sleeping in the poller.
    pub(crate) fn wake_one(&self, notify_poller: impl FnOnce()) -> bool {
        fence(Ordering::SeqCst);
        if self.searching.load(Ordering::SeqCst) != 0 || self.sleeping.load(Ordering::SeqCst) == 0 {
            return false;
        }
        // Claim the right to wake: only one waker at a time turns 0 searchers into 1.
        if self
            .searching
            .compare_exchange(0, 1, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            return false;
        }
        let mut sleepers = self.sleepers.lock();
        let Some(index) = sleepers.pop() else {
            drop(sleepers);
            self.searching.fetch_sub(1, Ordering::SeqCst);
            return false;
        };
        self.sleeping.fetch_sub(1, Ordering::SeqCst);
        self.workers[index].asleep.store(false, Ordering::Release);
        drop(sleepers);
        self.rouse(index, notify_poller);
        true
    }

    /// Wakes worker `index` if it sleeps, counting it as searching, for work put where only it
    /// looks (its inbox). The caller has published the work; this issues the fence. Returns
    /// true if it woke it.
    pub(crate) fn wake_worker(&self, index: usize, notify_poller: impl FnOnce()) -> bool {
        fence(Ordering::SeqCst);
        if !self.workers[index].asleep.load(Ordering::SeqCst) {
            return false;
        }
        let mut sleepers = self.sleepers.lock();
        let Some(pos) = sleepers.iter().position(|&i| i == index) else {
            return false;
        };
        sleepers.swap_remove(pos);
        self.searching.fetch_add(1, Ordering::SeqCst);
        self.sleeping.fetch_sub(1, Ordering::SeqCst);
        self.workers[index].asleep.store(false, Ordering::Release);
        drop(sleepers);
        self.rouse(index, notify_poller);
        true
    }

    /// Ends the wait of a worker just taken off `sleepers`.
    fn rouse(&self, index: usize, notify_poller: impl FnOnce()) {
        let sleeper = &self.workers[index];
        if sleeper.polling.load(Ordering::Acquire) {
            notify_poller();
        } else if let Some(thread) = sleeper.thread.lock().as_ref() {
            thread.unpark();
        }
    }

    /// Step 2 of the protocol, for worker `index`. `has_work` looks at every stealable queue and
    /// the worker's own `runnext`. With `poll`, the worker sleeps in it: `poll(asleep)` waits
    /// until `asleep` is cleared by a waker or it finds work itself (then returns true).
    /// Returns when the worker should look for work again: `Woken` if a waker counted it as
    /// searching, `Recheck` if it found work first.
    pub(crate) fn sleep(
        &self,
        index: usize,
        was_searching: bool,
        has_work: impl Fn() -> bool,
        poll: Option<&mut dyn FnMut(&AtomicBool) -> bool>,
    ) -> Wake {
        if was_searching {
            self.searching.fetch_sub(1, Ordering::SeqCst);
        }
        {
            let mut sleepers = self.sleepers.lock();
            sleepers.push(index);
            let sleeper = &self.workers[index];
            sleeper.polling.store(poll.is_some(), Ordering::Relaxed);
            sleeper.asleep.store(true, Ordering::Relaxed);
            self.sleeping.fetch_add(1, Ordering::SeqCst);
        }
        fence(Ordering::SeqCst);
        if has_work() && self.cancel_sleep(index) {
            return Wake::Recheck;
        }
        let asleep = &self.workers[index].asleep;
        if let Some(poll) = poll {
            if poll(asleep) && self.cancel_sleep(index) {
                return Wake::Recheck;
            }
            // The waker's notify may still be pending: harmless, the next poll returns early.
            return Wake::Woken;
        }
        // Acquire pairs with the waker's release: what it published before waking us is visible.
        while asleep.load(Ordering::Acquire) {
            thread::park();
        }
        Wake::Woken
    }

    /// Takes worker `index` back off `sleepers`, unless a waker already did (then it is counted
    /// as searching and must behave as woken). Returns true if this call took it off.
    fn cancel_sleep(&self, index: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        let Some(pos) = sleepers.iter().position(|&i| i == index) else {
            return false;
        };
        sleepers.swap_remove(pos);
        self.sleeping.fetch_sub(1, Ordering::SeqCst);
        self.workers[index].asleep.store(false, Ordering::Relaxed);
        true
    }
}

/// Why a sleeping worker returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wake {
    /// A waker took it off the sleepers and counted it as searching.
    Woken,
    /// Its own re-check found work; it is not counted as searching.
    Recheck,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn wake_one_wakes_a_sleeper_once() {
        let idle = Arc::new(Idle::new(2));
        let sleeper = {
            let idle = idle.clone();
            std::thread::spawn(move || {
                idle.register(0);
                idle.sleep(0, false, || false, None)
            })
        };
        while idle.sleeping() == 0 {
            std::thread::yield_now();
        }
        assert!(idle.wake_one(|| ()));
        assert_eq!(sleeper.join().unwrap(), Wake::Woken);
        assert!(
            !idle.wake_one(|| ()),
            "a searcher is counted: no second wake"
        );
        assert!(idle.stop_searching());
        assert!(!idle.wake_one(|| ()), "nobody left asleep");
    }

    #[test]
    fn a_recheck_that_finds_work_does_not_sleep() {
        let idle = Idle::new(1);
        idle.register(0);
        assert_eq!(idle.sleep(0, false, || true, None), Wake::Recheck);
        assert_eq!(idle.sleeping(), 0);
    }

    #[test]
    fn wake_worker_wakes_that_worker_only() {
        let idle = Arc::new(Idle::new(2));
        let sleeper = {
            let idle = idle.clone();
            std::thread::spawn(move || {
                idle.register(1);
                idle.sleep(1, false, || false, None)
            })
        };
        while idle.sleeping() == 0 {
            std::thread::yield_now();
        }
        assert!(!idle.wake_worker(0, || ()), "worker 0 is not asleep");
        assert!(idle.wake_worker(1, || ()));
        assert_eq!(sleeper.join().unwrap(), Wake::Woken);
        assert!(
            idle.stop_searching(),
            "the woken worker was counted as searching"
        );
    }

    #[test]
    fn a_polling_sleeper_is_woken_through_the_poller() {
        let idle = Arc::new(Idle::new(1));
        idle.register(0);
        let notified = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                while idle.sleeping() == 0 {
                    std::thread::yield_now();
                }
                assert!(idle.wake_one(|| notified.store(true, Ordering::SeqCst)));
            });
            let mut poll = |asleep: &AtomicBool| {
                while asleep.load(Ordering::Acquire) {
                    std::thread::yield_now();
                }
                false
            };
            assert_eq!(idle.sleep(0, false, || false, Some(&mut poll)), Wake::Woken);
        });
        assert!(
            notified.load(Ordering::SeqCst),
            "woken by notify, not unpark"
        );
    }

    #[test]
    fn a_polling_sleeper_that_finds_work_takes_itself_off() {
        let idle = Idle::new(1);
        idle.register(0);
        let mut poll = |_: &AtomicBool| true;
        assert_eq!(
            idle.sleep(0, false, || false, Some(&mut poll)),
            Wake::Recheck
        );
        assert_eq!(idle.sleeping(), 0);
    }
}
