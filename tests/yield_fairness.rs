//! `yield_now` and fairness: a yielding coroutine lets others run, also on one worker; a
//! coroutine spinning on `yield_now` sees a flag set by a plain thread; the global queue and the
//! local queue are served while coroutines ping-pong through `runnext`; every coroutine of a
//! yielding crowd gets a fair share.
//!
//! The runtime is one per process, so the tests of module `yielding` run twice: in this process
//! (under whatever `OFFSHOOT_WORKERS` the suite runs with) and again in a child process with one
//! worker, where a `yield_now` that does not let others run shows as a hang.

mod common;

#[test]
fn every_yielding_test_also_passes_on_one_worker() {
    common::rerun_with_one_worker("yielding::", 2 * common::WATCHDOG_SECS);
}

mod yielding {
    use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::common::{run_watched, wait_until, watchdog, WATCHDOG_SECS};

    /// Two coroutines that need each other's progress: the first yields until the second has
    /// counted to 1,000, then raises a flag; the second counts and yields until it sees the flag.
    /// If `yield_now` did not let the other run, one worker would spin forever.
    #[test]
    fn two_yielders_each_wait_for_the_others_progress() {
        let (first, second) = run_watched("two_yielders_each_wait_for_the_others_progress", || {
            let flag = Arc::new(AtomicBool::new(false));
            let second_count = Arc::new(AtomicU64::new(0));
            let (f, c) = (flag.clone(), second_count.clone());
            let first = offshoot::go(move || {
                let mut mine = 0_u64;
                while c.load(Ordering::SeqCst) < 1_000 {
                    mine += 1;
                    offshoot::yield_now();
                }
                f.store(true, Ordering::SeqCst);
                mine
            });
            let second = offshoot::go(move || {
                while !flag.load(Ordering::SeqCst) {
                    second_count.fetch_add(1, Ordering::SeqCst);
                    offshoot::yield_now();
                }
                second_count.load(Ordering::SeqCst)
            });
            (first.join().unwrap(), second.join().unwrap())
        });
        assert!(second >= 1_000, "the second stopped at {second}");
        // `first` may be 0 if the second got to 1,000 before the first ever ran (several workers).
        let _ = first;
    }

    /// A coroutine spins on `yield_now` until a plain thread sets a flag; meanwhile the thread
    /// starts a coroutine of its own (through the global queue) and joins it, which on one worker
    /// needs the spinner to give way to the global queue too.
    #[test]
    fn a_yield_spinner_sees_a_flag_set_by_a_plain_thread() {
        watchdog(
            "a_yield_spinner_sees_a_flag_set_by_a_plain_thread",
            WATCHDOG_SECS,
            || {
                let spinning = Arc::new(AtomicBool::new(false));
                let flag = Arc::new(AtomicBool::new(false));
                let (s, f) = (spinning.clone(), flag.clone());
                let spinner = offshoot::go(move || {
                    s.store(true, Ordering::SeqCst);
                    let mut spins = 0_u64;
                    while !f.load(Ordering::SeqCst) {
                        spins += 1;
                        offshoot::yield_now();
                    }
                    spins
                });
                assert!(
                    wait_until(Duration::from_secs(10), || spinning.load(Ordering::SeqCst)),
                    "the spinner never started"
                );
                // Runs while the spinner spins (on one worker, only if the spinner yields to it).
                assert_eq!(offshoot::go(|| 5 * 5).join().unwrap(), 25);
                std::thread::sleep(Duration::from_millis(20));
                flag.store(true, Ordering::SeqCst);
                let spins = spinner.join().unwrap();
                assert!(spins > 0, "the spinner returned without spinning");
            },
        );
    }

    #[test]
    fn many_yielders_all_finish_with_the_right_counts() {
        const COROUTINES: u64 = 100;
        const YIELDS: u64 = 1_000;
        let counts = run_watched("many_yielders_all_finish_with_the_right_counts", || {
            let handles: Vec<_> = (0..COROUTINES)
                .map(|_| {
                    offshoot::go(|| {
                        let mut n = 0;
                        for _ in 0..YIELDS {
                            n += 1;
                            offshoot::yield_now();
                        }
                        n
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .collect::<Vec<u64>>()
        });
        assert_eq!(counts.len() as u64, COROUTINES);
        assert!(counts.iter().all(|&n| n == YIELDS), "{counts:?}");
    }

    /// Two coroutines hand a `Mutex` back and forth, each unlock waking the other into
    /// `runnext` and each lock parking: after the first round neither ever yields. A third
    /// coroutine, in the ordinary run queue, must still get turns: it counts to 200 yields and
    /// only then stops the ping-pong. On one worker, a `runnext` that always won would starve it
    /// forever.
    #[test]
    fn a_runnext_ping_pong_does_not_starve_the_run_queue() {
        let handoffs = run_watched("a_runnext_ping_pong_does_not_starve_the_run_queue", || {
            let lock = Arc::new(offshoot::sync::Mutex::new(()));
            let handoffs = Arc::new(AtomicU64::new(0));
            let stop = Arc::new(AtomicBool::new(false));
            let players: Vec<_> = (0..2)
                .map(|_| {
                    let (lock, handoffs, stop) = (lock.clone(), handoffs.clone(), stop.clone());
                    offshoot::go(move || {
                        let mut guard = lock.lock();
                        // Once, so the other player gets to queue up on the lock.
                        offshoot::yield_now();
                        while !stop.load(Ordering::SeqCst) {
                            handoffs.fetch_add(1, Ordering::SeqCst);
                            drop(guard); // hands the lock to the other, into runnext
                            guard = lock.lock(); // parks until it hands it back
                        }
                    })
                })
                .collect();
            while handoffs.load(Ordering::SeqCst) < 100 {
                offshoot::yield_now();
            }
            let s = stop.clone();
            let bystander = offshoot::go(move || {
                for _ in 0..200 {
                    offshoot::yield_now();
                }
                s.store(true, Ordering::SeqCst);
            });
            bystander.join().unwrap();
            for p in players {
                p.join().unwrap();
            }
            handoffs.load(Ordering::SeqCst)
        });
        assert!(handoffs >= 100);
    }

    /// A relay of coroutines, each starting the next (into `runnext`) and ending at once, must
    /// not starve a coroutine waiting in the run queue either.
    #[test]
    fn a_relay_of_spawns_does_not_starve_the_run_queue() {
        fn relay(stop: Arc<AtomicBool>, legs: Arc<AtomicU64>) {
            legs.fetch_add(1, Ordering::SeqCst);
            if !stop.load(Ordering::SeqCst) {
                drop(offshoot::go(move || relay(stop, legs)));
            }
        }
        run_watched("a_relay_of_spawns_does_not_starve_the_run_queue", || {
            let stop = Arc::new(AtomicBool::new(false));
            let legs = Arc::new(AtomicU64::new(0));
            let (s, l) = (stop.clone(), legs.clone());
            drop(offshoot::go(move || relay(s, l)));
            while legs.load(Ordering::SeqCst) < 100 {
                offshoot::yield_now();
            }
            let s = stop.clone();
            offshoot::go(move || {
                for _ in 0..200 {
                    offshoot::yield_now();
                }
                s.store(true, Ordering::SeqCst);
            })
            .join()
            .unwrap();
            // The relay winds down by itself once it sees the flag.
            let settled = legs.load(Ordering::SeqCst);
            offshoot::time::sleep(Duration::from_millis(20));
            assert!(
                legs.load(Ordering::SeqCst) <= settled + 1,
                "the relay did not stop"
            );
        });
    }

    /// K coroutines count and yield until a plain thread stops them; each gets at least
    /// 1/(4K) of all the turns.
    #[test]
    fn yielding_coroutines_get_fair_shares() {
        const K: usize = 8;
        let counters = watchdog("yielding_coroutines_get_fair_shares", WATCHDOG_SECS, || {
            let counters: Arc<Vec<AtomicU64>> =
                Arc::new((0..K).map(|_| AtomicU64::new(0)).collect());
            let stop = Arc::new(AtomicBool::new(false));
            let running = Arc::new(AtomicUsize::new(0));
            let handles: Vec<_> = (0..K)
                .map(|i| {
                    let (counters, stop, running) =
                        (counters.clone(), stop.clone(), running.clone());
                    offshoot::go(move || {
                        running.fetch_add(1, Ordering::SeqCst);
                        while !stop.load(Ordering::SeqCst) {
                            counters[i].fetch_add(1, Ordering::Relaxed);
                            offshoot::yield_now();
                        }
                    })
                })
                .collect();
            assert!(
                wait_until(Duration::from_secs(10), || running.load(Ordering::SeqCst)
                    == K),
                "not all {K} coroutines started"
            );
            let total = || {
                counters
                    .iter()
                    .map(|c| c.load(Ordering::Relaxed))
                    .sum::<u64>()
            };
            let start = Instant::now();
            wait_until(Duration::from_secs(5), || {
                start.elapsed() >= Duration::from_millis(100) && total() >= 200_000
            });
            stop.store(true, Ordering::SeqCst);
            for h in handles {
                h.join().unwrap();
            }
            counters
                .iter()
                .map(|c| c.load(Ordering::Relaxed))
                .collect::<Vec<u64>>()
        });
        let total: u64 = counters.iter().sum();
        let floor = total / (4 * K as u64);
        assert!(total > 0);
        for (i, &c) in counters.iter().enumerate() {
            assert!(
                c >= floor,
                "coroutine {i} got {c} of {total} turns, under 1/{} ({floor}): {counters:?}",
                4 * K
            );
        }
    }
}
