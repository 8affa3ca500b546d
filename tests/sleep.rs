//! `time::sleep` and `time::sleep_until`: never early, not very late, in coroutines and on plain
//! threads; a sleeping coroutine parks instead of blocking its worker.
//!
//! The tests of module `sleeping` also run in a child process with one worker, where a sleep
//! that blocked the worker would stall everything else.

mod common;

#[test]
fn every_sleeping_test_also_passes_on_one_worker() {
    common::rerun_with_one_worker("sleeping::", 2 * common::WATCHDOG_SECS);
}

mod sleeping {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use offshoot::time::{sleep, sleep_until};

    use super::common::{run_watched, wait_until, watchdog, WATCHDOG_SECS};

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn sleep_never_returns_early_in_a_coroutine() {
        run_watched("sleep_never_returns_early_in_a_coroutine", || {
            let handles: Vec<_> = (0..100_u64)
                .map(|i| {
                    offshoot::go(move || {
                        let d = Duration::from_micros(i * 250); // 0 to 25 ms
                        let start = Instant::now();
                        sleep(d);
                        let slept = start.elapsed();
                        assert!(slept >= d, "asked {d:?}, slept {slept:?}");
                        let deadline = Instant::now() + Duration::from_micros(i * 130);
                        sleep_until(deadline);
                        let now = Instant::now();
                        assert!(now >= deadline, "woke {:?} early", deadline - now);
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
        });
    }

    #[test]
    fn sleep_never_returns_early_on_a_plain_thread() {
        watchdog(
            "sleep_never_returns_early_on_a_plain_thread",
            WATCHDOG_SECS,
            || {
                let threads: Vec<_> = (0..4_u64)
                    .map(|t| {
                        std::thread::spawn(move || {
                            for i in 0..10_u64 {
                                let d = Duration::from_micros(t * 1_000 + i * 700);
                                let start = Instant::now();
                                sleep(d);
                                let slept = start.elapsed();
                                assert!(slept >= d, "asked {d:?}, slept {slept:?}");
                                let deadline = Instant::now() + Duration::from_micros(i * 500);
                                sleep_until(deadline);
                                assert!(Instant::now() >= deadline);
                            }
                        })
                    })
                    .collect();
                for t in threads {
                    t.join().unwrap();
                }
            },
        );
    }

    #[test]
    fn sleep_is_not_very_late() {
        let (in_coroutine, on_thread) = watchdog("sleep_is_not_very_late", WATCHDOG_SECS, || {
            let coroutine = offshoot::go(|| {
                let start = Instant::now();
                sleep(ms(100));
                start.elapsed()
            });
            let start = Instant::now();
            sleep(ms(100));
            (coroutine.join().unwrap(), start.elapsed())
        });
        for slept in [in_coroutine, on_thread] {
            assert!(slept >= ms(100), "{slept:?}");
            assert!(slept < ms(1000), "a 100 ms sleep took {slept:?}");
        }
    }

    /// 10,000 coroutines sleeping 10 ms each at once take about 10 ms, not 10,000 x 10 ms: the
    /// sleeps park their coroutines and do not hold their workers.
    #[test]
    fn ten_thousand_sleepers_sleep_together() {
        const SLEEPERS: usize = 10_000;
        let (elapsed, slept) = run_watched("ten_thousand_sleepers_sleep_together", || {
            let start = Instant::now();
            let handles: Vec<_> = (0..SLEEPERS)
                .map(|_| {
                    offshoot::go(|| {
                        let start = Instant::now();
                        sleep(ms(10));
                        start.elapsed()
                    })
                })
                .collect();
            let slept: Vec<Duration> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            (start.elapsed(), slept)
        });
        assert_eq!(slept.len(), SLEEPERS);
        assert!(slept.iter().all(|&d| d >= ms(10)), "a sleep ended early");
        assert!(
            elapsed < Duration::from_secs(5),
            "{SLEEPERS} sleeps of 10 ms took {elapsed:?}: do they block the workers?"
        );
    }

    #[test]
    fn sleep_until_a_past_deadline_returns_at_once() {
        let (coroutine, thread) = watchdog(
            "sleep_until_a_past_deadline_returns_at_once",
            WATCHDOG_SECS,
            || {
                // A thousand calls with deadlines in the past: any real wait would add up.
                let past = || {
                    Instant::now()
                        .checked_sub(ms(500))
                        .unwrap_or_else(Instant::now)
                };
                let timed = move || {
                    let start = Instant::now();
                    for i in 0..1_000 {
                        sleep_until(past());
                        sleep_until(Instant::now());
                        if i % 2 == 0 {
                            sleep(Duration::ZERO);
                        }
                    }
                    start.elapsed()
                };
                let coroutine = offshoot::go(timed).join().unwrap();
                (coroutine, timed())
            },
        );
        assert!(coroutine < ms(500), "in a coroutine: {coroutine:?}");
        assert!(thread < ms(500), "on a thread: {thread:?}");
    }

    /// While one coroutine sleeps, another keeps running: a counter it advances by yielding
    /// moves on during the sleep.
    #[test]
    fn a_sleeping_coroutine_lets_others_run() {
        let (before, after) = run_watched("a_sleeping_coroutine_lets_others_run", || {
            let counter = Arc::new(AtomicU64::new(0));
            let stop = Arc::new(AtomicBool::new(false));
            let (c, s) = (counter.clone(), stop.clone());
            let busy = offshoot::go(move || {
                while !s.load(Ordering::SeqCst) {
                    c.fetch_add(1, Ordering::SeqCst);
                    offshoot::yield_now();
                }
            });
            // Handshake: the busy coroutine is running before the sleep starts.
            while counter.load(Ordering::SeqCst) == 0 {
                offshoot::yield_now();
            }
            let sleeper = offshoot::go(move || {
                let before = counter.load(Ordering::SeqCst);
                sleep(ms(50));
                (before, counter.load(Ordering::SeqCst))
            });
            let counts = sleeper.join().unwrap();
            stop.store(true, Ordering::SeqCst);
            busy.join().unwrap();
            counts
        });
        assert!(
            after >= before + 10,
            "the busy coroutine advanced only from {before} to {after} during a 50 ms sleep"
        );
    }

    /// A duration too long for `Instant` to hold sleeps (for ever) rather than panicking.
    #[test]
    fn an_endless_sleep_neither_returns_nor_panics() {
        watchdog(
            "an_endless_sleep_neither_returns_nor_panics",
            WATCHDOG_SECS,
            || {
                let endless = offshoot::go(|| sleep(Duration::MAX));
                assert!(
                    !wait_until(ms(100), || endless.is_finished()),
                    "sleep(Duration::MAX) returned or panicked"
                );
                // Left parked for the rest of the process, like a goroutine blocked for ever.
                drop(endless);
            },
        );
    }
}
