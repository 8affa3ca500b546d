//! `sync::Mutex`: exact counts and mutual exclusion under contention from coroutines and plain
//! threads, holding the lock across a sleep or a yield (waiters park, workers stay free),
//! `try_lock`, and unlocking when a holder panics.
//!
//! The tests of module `locking` also run in a child process with one worker, where a waiter
//! that blocked its worker instead of parking would deadlock with the holder.

mod common;

#[test]
fn every_locking_test_also_passes_on_one_worker() {
    common::rerun_with_one_worker("locking::", 2 * common::WATCHDOG_SECS);
}

mod locking {
    use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use offshoot::sync::{Mutex, WaitGroup};

    use super::common::{panic_message, run_watched, watchdog, WATCHDOG_SECS};

    /// Shared state of the exclusion tests: the counter behind the lock, and a flag raised
    /// while someone is inside the critical section.
    struct Guarded {
        lock: Mutex<u64>,
        inside: AtomicBool,
        overlaps: AtomicUsize,
    }

    impl Guarded {
        fn new() -> Arc<Guarded> {
            Arc::new(Guarded {
                lock: Mutex::new(0),
                inside: AtomicBool::new(false),
                overlaps: AtomicUsize::new(0),
            })
        }

        /// One increment as a read, an optional yield, and a write, with the `inside` check.
        fn increment(&self, yield_inside: bool) {
            let mut n = self.lock.lock();
            if self.inside.swap(true, Ordering::SeqCst) {
                self.overlaps.fetch_add(1, Ordering::SeqCst);
            }
            let read = *n;
            if yield_inside {
                offshoot::yield_now();
            }
            *n = read + 1;
            self.inside.store(false, Ordering::SeqCst);
        }

        fn check(&self, expected: u64) {
            assert_eq!(
                self.overlaps.load(Ordering::SeqCst),
                0,
                "two holders were inside the lock at once"
            );
            assert_eq!(*self.lock.lock(), expected, "increments were lost");
        }
    }

    #[test]
    fn a_hundred_coroutines_increment_a_thousand_times_each() {
        let g = Guarded::new();
        let shared = g.clone();
        run_watched(
            "a_hundred_coroutines_increment_a_thousand_times_each",
            move || {
                let handles: Vec<_> = (0..100)
                    .map(|c| {
                        let g = shared.clone();
                        offshoot::go(move || {
                            for i in 0..1_000 {
                                g.increment((i + c) % 50 == 0);
                            }
                        })
                    })
                    .collect();
                for h in handles {
                    h.join().unwrap();
                }
            },
        );
        g.check(100 * 1_000);
    }

    #[test]
    fn plain_threads_and_coroutines_share_a_lock() {
        let g = Guarded::new();
        let shared = g.clone();
        watchdog(
            "plain_threads_and_coroutines_share_a_lock",
            WATCHDOG_SECS,
            move || {
                let coroutines: Vec<_> = (0..20)
                    .map(|c| {
                        let g = shared.clone();
                        offshoot::go(move || {
                            for i in 0..1_000 {
                                g.increment((i + c) % 20 == 0);
                            }
                        })
                    })
                    .collect();
                let threads: Vec<_> = (0..4)
                    .map(|_| {
                        let g = shared.clone();
                        std::thread::spawn(move || {
                            for i in 0..1_000 {
                                // On a thread, yield_now is the OS's; the lock is held across it.
                                g.increment(i % 20 == 0);
                            }
                        })
                    })
                    .collect();
                for c in coroutines {
                    c.join().unwrap();
                }
                for t in threads {
                    t.join().unwrap();
                }
            },
        );
        g.check(24 * 1_000);
    }

    /// A holder sleeps, then yields many times, with the lock held while waiters queue up. The
    /// waiters park: a bystander coroutine keeps counting meanwhile, and everyone gets the lock
    /// in the end.
    #[test]
    fn holding_the_lock_across_sleep_and_yield_parks_the_waiters() {
        const WAITERS: usize = 10;
        let (during, order) = run_watched(
            "holding_the_lock_across_sleep_and_yield_parks_the_waiters",
            || {
                let lock = Arc::new(Mutex::new(Vec::new()));
                let counter = Arc::new(AtomicU64::new(0));
                let stop = Arc::new(AtomicBool::new(false));
                let (c, s) = (counter.clone(), stop.clone());
                let bystander = offshoot::go(move || {
                    while !s.load(Ordering::SeqCst) {
                        c.fetch_add(1, Ordering::SeqCst);
                        offshoot::yield_now();
                    }
                });

                let held = WaitGroup::new();
                held.add(1);
                let release = WaitGroup::new();
                release.add(1);
                let (l, h, r, c) = (lock.clone(), held.clone(), release.clone(), counter.clone());
                let holder = offshoot::go(move || {
                    let mut guard = l.lock();
                    guard.push("holder");
                    h.done();
                    r.wait(); // parks with the lock held until the waiters are on their way
                    let before = c.load(Ordering::SeqCst);
                    offshoot::time::sleep(Duration::from_millis(30));
                    let during = c.load(Ordering::SeqCst) - before;
                    for _ in 0..100 {
                        offshoot::yield_now();
                    }
                    during
                });
                held.wait();
                let coming = WaitGroup::new();
                let waiters: Vec<_> = (0..WAITERS)
                    .map(|_| {
                        coming.add(1);
                        let (l, coming) = (lock.clone(), coming.clone());
                        offshoot::go(move || {
                            coming.done();
                            l.lock().push("waiter");
                        })
                    })
                    .collect();
                coming.wait();
                release.done();
                let during = holder.join().unwrap();
                for w in waiters {
                    w.join().unwrap();
                }
                stop.store(true, Ordering::SeqCst);
                bystander.join().unwrap();
                let order = lock.lock().clone();
                (during, order)
            },
        );
        assert!(
            during >= 10,
            "the bystander advanced only {during} times while the lock holder slept 30 ms"
        );
        assert_eq!(order.len(), 1 + WAITERS);
        assert_eq!(
            order[0], "holder",
            "a waiter got in while the holder held the lock"
        );
    }

    #[test]
    fn try_lock_fails_while_the_lock_is_held() {
        run_watched("try_lock_fails_while_the_lock_is_held", || {
            let lock = Arc::new(Mutex::new(5));
            let guard = lock.lock();
            assert!(lock.try_lock().is_none(), "try_lock by the holder itself");
            let l = lock.clone();
            assert!(
                offshoot::go(move || l.try_lock().is_none()).join().unwrap(),
                "try_lock from another coroutine"
            );
            let l = lock.clone();
            assert!(
                std::thread::spawn(move || l.try_lock().is_none())
                    .join()
                    .unwrap(),
                "try_lock from a plain thread"
            );
            assert!(format!("{lock:?}").contains("<locked>"), "{lock:?}");
            drop(guard);
            let mut again = lock.try_lock().expect("free after the guard is dropped");
            *again += 1;
            drop(again);
            assert!(format!("{lock:?}").contains('6'), "{lock:?}");
        });
    }

    /// A coroutine that panics while holding the lock, with waiters queued behind it, unlocks it
    /// as its guard drops during unwinding; its writes before the panic stay (no poisoning).
    #[test]
    fn a_panic_while_holding_the_lock_unlocks_it() {
        const WAITERS: usize = 5;
        let value = run_watched("a_panic_while_holding_the_lock_unlocks_it", || {
            let lock = Arc::new(Mutex::new(0_u64));
            let held = WaitGroup::new();
            held.add(1);
            let go_on = WaitGroup::new();
            go_on.add(1);
            let (l, h, g) = (lock.clone(), held.clone(), go_on.clone());
            let panicker = offshoot::go(move || {
                let mut guard = l.lock();
                *guard += 100;
                h.done();
                g.wait();
                // Give the waiters a moment to park on the lock (either way the test holds).
                offshoot::time::sleep(Duration::from_millis(10));
                if *guard > 0 {
                    panic!("failing with the lock held");
                }
            });
            held.wait();
            let coming = WaitGroup::new();
            let waiters: Vec<_> = (0..WAITERS)
                .map(|_| {
                    coming.add(1);
                    let (l, coming) = (lock.clone(), coming.clone());
                    offshoot::go(move || {
                        coming.done();
                        *l.lock() += 1;
                    })
                })
                .collect();
            coming.wait();
            go_on.done();
            let err = panicker.join().expect_err("the holder panicked");
            assert_eq!(panic_message(&*err), "failing with the lock held");
            for w in waiters {
                w.join().unwrap();
            }
            assert!(
                lock.try_lock().is_some(),
                "the lock stayed locked after the panic"
            );
            let v = *lock.lock();
            v
        });
        assert_eq!(value, 100 + WAITERS as u64);
    }

    /// The same on a plain thread, with no waiter at the time of the panic.
    #[test]
    fn a_panic_on_a_plain_thread_while_holding_the_lock_unlocks_it() {
        watchdog(
            "a_panic_on_a_plain_thread_while_holding_the_lock_unlocks_it",
            WATCHDOG_SECS,
            || {
                let lock = Arc::new(Mutex::new(String::from("before")));
                let l = lock.clone();
                let err = std::thread::spawn(move || {
                    let mut guard = l.lock();
                    guard.push_str(" and during");
                    panic!("thread fails with the lock held");
                })
                .join()
                .expect_err("the thread panicked");
                assert_eq!(panic_message(&*err), "thread fails with the lock held");
                let l = lock.clone();
                let text = offshoot::go(move || l.lock().clone()).join().unwrap();
                assert_eq!(text, "before and during");
            },
        );
    }

    #[test]
    fn get_mut_and_into_inner_need_no_locking() {
        let mut lock = Mutex::new(vec![1, 2]);
        lock.get_mut().push(3);
        assert_eq!(*lock.lock(), [1, 2, 3]);
        assert_eq!(lock.into_inner(), [1, 2, 3]);
    }
}
