//! `offshoot::blocking`: a call that may block runs on the blocking pool while its coroutine is
//! parked, so the worker goes on running other coroutines; the coroutine then resumes where it
//! left off. From a plain thread (a pool thread included) the call runs inline. A panic in the
//! call resumes in the caller with its payload.
//!
//! The tests of module `one_worker` also run in a child process with one worker, where a call
//! that held its worker would stall every other coroutine.

mod common;

#[test]
fn every_one_worker_test_also_passes_on_one_worker() {
    common::rerun_with_one_worker("one_worker::", 2 * common::WATCHDOG_SECS);
}

/// Tests whose point is that a blocking call does not hold the worker: meaningful on one worker,
/// where nothing else could run if it did.
mod one_worker {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::{mpsc, Arc};
    use std::time::{Duration, Instant};

    use super::common::run_watched;

    /// The headline: 64 coroutines each in a 100 ms blocking call finish together, in
    /// about 100 ms rather than 6.4 s, while a coroutine ticking every 5 ms keeps ticking.
    #[test]
    fn sixty_four_slow_calls_overlap_while_a_ticker_keeps_ticking() {
        const CALLS: usize = 64;
        const CALL: Duration = Duration::from_millis(100);
        const PERIOD: Duration = Duration::from_millis(5);
        let (elapsed, ticks) = run_watched(
            "sixty_four_slow_calls_overlap_while_a_ticker_keeps_ticking",
            || {
                let ticks = Arc::new(AtomicU64::new(0));
                let stop = Arc::new(AtomicBool::new(false));
                let (t, s) = (ticks.clone(), stop.clone());
                let ticker = offshoot::go(move || {
                    while !s.load(Ordering::SeqCst) {
                        offshoot::time::sleep(PERIOD);
                        t.fetch_add(1, Ordering::SeqCst);
                    }
                });
                // Handshake: the ticker is running before the window opens.
                while ticks.load(Ordering::SeqCst) == 0 {
                    offshoot::time::sleep(Duration::from_millis(1));
                }
                let before = ticks.load(Ordering::SeqCst);
                let start = Instant::now();
                let calls: Vec<_> = (0..CALLS)
                    .map(|i| {
                        offshoot::go(move || {
                            offshoot::blocking(move || {
                                std::thread::sleep(CALL);
                                i
                            })
                        })
                    })
                    .collect();
                for (i, call) in calls.into_iter().enumerate() {
                    assert_eq!(call.join().unwrap(), i);
                }
                let elapsed = start.elapsed();
                let ticks_in_window = ticks.load(Ordering::SeqCst) - before;
                stop.store(true, Ordering::SeqCst);
                ticker.join().unwrap();
                (elapsed, ticks_in_window)
            },
        );
        assert!(
            elapsed >= CALL,
            "{CALLS} calls of {CALL:?} took only {elapsed:?}"
        );
        assert!(
            elapsed < Duration::from_secs(3),
            "{CALLS} blocking calls of {CALL:?} took {elapsed:?} (ideal about 0.1 s, \
             serial 6.4 s): do they run one at a time, or on the workers?"
        );
        let ideal = elapsed.as_nanos() / PERIOD.as_nanos();
        assert!(
            u128::from(ticks) * 3 >= ideal,
            "the 5 ms ticker ticked {ticks} times in {elapsed:?} (ideal {ideal}): \
             the blocking calls held the worker"
        );
    }

    /// A coroutine held in a long blocking call does not stop another from running and finishing
    /// a channel exchange: the call is released only after the exchange, so a call that held the
    /// (only) worker would have to time out instead.
    #[test]
    fn a_long_blocking_call_does_not_stop_a_channel_exchange() {
        let released = run_watched(
            "a_long_blocking_call_does_not_stop_a_channel_exchange",
            || {
                let (entered_tx, entered_rx) = offshoot::chan::<()>(0);
                let (release_tx, release_rx) = mpsc::channel::<()>();
                let blocked = offshoot::go(move || {
                    offshoot::blocking(move || {
                        // Sent from the pool thread, a plain thread.
                        entered_tx.send(()).unwrap();
                        // True if released, false if the release never came (the worker was held).
                        release_rx.recv_timeout(Duration::from_secs(5)).is_ok()
                    })
                });
                entered_rx.recv().unwrap();
                // The blocking call is now in progress: run an exchange between two coroutines.
                let (ping_tx, ping_rx) = offshoot::chan::<u32>(0);
                let (pong_tx, pong_rx) = offshoot::chan::<u32>(0);
                let echo = offshoot::go(move || {
                    for v in ping_rx.iter() {
                        pong_tx.send(v * 2).unwrap();
                    }
                });
                for v in 0..100 {
                    ping_tx.send(v).unwrap();
                    assert_eq!(pong_rx.recv().unwrap(), v * 2);
                }
                ping_tx.close();
                echo.join().unwrap();
                // Only now let the blocking call return (it may have given up already: ignore that).
                let _ = release_tx.send(());
                blocked.join().unwrap()
            },
        );
        assert!(
            released,
            "the blocking call timed out waiting for its release: while it ran, the other \
             coroutines could not complete their exchange"
        );
    }
}

mod calls {
    use std::panic::{self, AssertUnwindSafe};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::thread;
    use std::time::Duration;

    use super::common::{panic_message, run_watched, watchdog, WATCHDOG_SECS};

    const POOL_THREAD: &str = "offshoot-blocking";

    /// 1,000 coroutines each make a blocking call at once: every call runs exactly once, on a
    /// pool thread, and every coroutine gets its own result back.
    #[test]
    fn a_thousand_concurrent_calls_each_run_once_with_their_own_result() {
        const CALLERS: usize = 1_000;
        let runs: Arc<Vec<AtomicUsize>> =
            Arc::new((0..CALLERS).map(|_| AtomicUsize::new(0)).collect());
        let seen = runs.clone();
        run_watched(
            "a_thousand_concurrent_calls_each_run_once_with_their_own_result",
            move || {
                let handles: Vec<_> = (0..CALLERS)
                    .map(|i| {
                        let runs = seen.clone();
                        offshoot::go(move || {
                            let (value, thread_name) = offshoot::blocking(move || {
                                runs[i].fetch_add(1, Ordering::SeqCst);
                                // A short real block, so that calls overlap.
                                if i % 10 == 0 {
                                    thread::sleep(Duration::from_millis(1));
                                }
                                (i as u64 * 7 + 3, thread::current().name().map(String::from))
                            });
                            assert_eq!(value, i as u64 * 7 + 3, "caller {i} got another's result");
                            assert_eq!(thread_name.as_deref(), Some(POOL_THREAD));
                            i
                        })
                    })
                    .collect();
                for (i, h) in handles.into_iter().enumerate() {
                    assert_eq!(h.join().unwrap(), i);
                }
            },
        );
        for (i, n) in runs.iter().enumerate() {
            assert_eq!(n.load(Ordering::SeqCst), 1, "call {i} ran {n:?} times");
        }
    }

    /// A payload type of our own, to check the very payload comes back, not a new panic.
    #[derive(Debug, PartialEq)]
    struct Payload(u64);

    /// A panic in the call resumes in the calling coroutine, payload intact, where
    /// `catch_unwind` catches it; the coroutine, the pool and the runtime go on working.
    #[test]
    fn a_panic_in_the_call_resumes_in_the_calling_coroutine() {
        run_watched(
            "a_panic_in_the_call_resumes_in_the_calling_coroutine",
            || {
                let caller = offshoot::go(|| {
                    let caught = panic::catch_unwind(|| {
                        offshoot::blocking(|| -> u32 { panic!("boom in the pool") })
                    });
                    let payload = caught.expect_err("the call's panic was lost");
                    assert_eq!(panic_message(&*payload), "boom in the pool");

                    let caught = panic::catch_unwind(|| {
                        offshoot::blocking(|| -> u32 { panic::panic_any(Payload(42)) })
                    });
                    let payload = caught.expect_err("the call's panic was lost");
                    assert_eq!(payload.downcast_ref::<Payload>(), Some(&Payload(42)));

                    // The same coroutine goes on: more calls, a sleep, a channel.
                    assert_eq!(offshoot::blocking(|| 7), 7);
                    offshoot::time::sleep(Duration::from_millis(1));
                    let (tx, rx) = offshoot::chan(1);
                    tx.send(offshoot::blocking(|| "after")).unwrap();
                    rx.recv().unwrap()
                });
                assert_eq!(caller.join().unwrap(), "after");

                // Not caught: the coroutine ends with the call's payload, as a panic of its own.
                let uncaught =
                    offshoot::go(|| offshoot::blocking(|| -> u32 { panic::panic_any(Payload(9)) }));
                let payload = uncaught
                    .join()
                    .expect_err("the coroutine should have panicked");
                assert_eq!(payload.downcast_ref::<Payload>(), Some(&Payload(9)));

                // The runtime still works: many more calls from fresh coroutines.
                let handles: Vec<_> = (0..50_u32)
                    .map(|i| offshoot::go(move || offshoot::blocking(move || i + 1)))
                    .collect();
                let sum: u32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
                assert_eq!(sum, (1..=50).sum());
            },
        );
    }

    /// From a plain thread the call runs inline, on that very thread; a panic propagates as from
    /// any function.
    #[test]
    fn from_a_plain_thread_the_call_runs_inline() {
        watchdog(
            "from_a_plain_thread_the_call_runs_inline",
            WATCHDOG_SECS,
            || {
                let threads: Vec<_> = (0..4)
                    .map(|t| {
                        thread::spawn(move || {
                            let me = thread::current().id();
                            for i in 0..10 {
                                let (id, value) = offshoot::blocking(move || {
                                    (thread::current().id(), t * 100 + i)
                                });
                                assert_eq!(id, me, "the call left its plain thread");
                                assert_eq!(value, t * 100 + i);
                            }
                            let caught = panic::catch_unwind(|| {
                                offshoot::blocking(|| -> () { panic!("inline boom") })
                            });
                            assert_eq!(panic_message(&*caught.unwrap_err()), "inline boom");
                        })
                    })
                    .collect();
                for t in threads {
                    t.join().unwrap();
                }
            },
        );
    }

    /// A blocking call made inside a blocking call runs inline on the pool thread, which is a
    /// plain thread: no second trip to the pool, no deadlock.
    #[test]
    fn a_nested_call_runs_inline_on_the_pool_thread() {
        run_watched("a_nested_call_runs_inline_on_the_pool_thread", || {
            let handles: Vec<_> = (0..20_u32)
                .map(|i| {
                    offshoot::go(move || {
                        let caller = thread::current().id();
                        let (outer, inner, name, value) = offshoot::blocking(move || {
                            let outer = thread::current().id();
                            let (inner, value) =
                                offshoot::blocking(move || (thread::current().id(), i * 2));
                            (
                                outer,
                                inner,
                                thread::current().name().map(String::from),
                                value,
                            )
                        });
                        assert_ne!(outer, caller, "the outer call ran on the worker");
                        assert_eq!(inner, outer, "the nested call left the pool thread");
                        assert_eq!(name.as_deref(), Some(POOL_THREAD));
                        assert_eq!(value, i * 2);
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
        });
    }

    /// After each call the coroutine resumes where it left off: its locals (on its own stack)
    /// are intact, and it can park, yield, start and join coroutines as before.
    #[test]
    fn the_caller_resumes_with_its_stack_intact() {
        run_watched("the_caller_resumes_with_its_stack_intact", || {
            let handles: Vec<_> = (0..8_u64)
                .map(|seed| {
                    offshoot::go(move || {
                        let mut words = [0_u64; 256];
                        for (k, w) in words.iter_mut().enumerate() {
                            *w = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ k as u64;
                        }
                        let text = format!("coroutine {seed}");
                        let mut total = 0_u64;
                        for round in 0..50_u64 {
                            let expected = words[(round % 256) as usize];
                            let got = offshoot::blocking(move || expected + round);
                            assert_eq!(got, expected + round);
                            total += got;
                            for (k, w) in words.iter().enumerate() {
                                assert_eq!(
                                    *w,
                                    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ k as u64,
                                    "word {k} changed across a blocking call"
                                );
                            }
                            assert_eq!(text, format!("coroutine {seed}"));
                            if round % 10 == 0 {
                                offshoot::yield_now();
                                offshoot::time::sleep(Duration::from_micros(200));
                                assert_eq!(
                                    offshoot::go(move || round * 2).join().unwrap(),
                                    round * 2
                                );
                            }
                        }
                        total
                    })
                })
                .collect();
            for (seed, h) in handles.into_iter().enumerate() {
                let seed = seed as u64;
                let expected: u64 = (0..50_u64)
                    .map(|round| (seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (round % 256)) + round)
                    .sum();
                assert_eq!(h.join().unwrap(), expected);
            }
        });
    }

    /// A call whose result is large, or owns heap data, moves it back to the caller intact; one
    /// with no result works too.
    #[test]
    fn results_of_any_shape_come_back() {
        run_watched("results_of_any_shape_come_back", || {
            let v = offshoot::blocking(|| (0..100_000_u32).collect::<Vec<_>>());
            assert_eq!(v.len(), 100_000);
            assert!(v.iter().enumerate().all(|(i, &x)| x == i as u32));
            let big = offshoot::blocking(|| [7_u8; 16 * 1024]);
            assert!(big.iter().all(|&b| b == 7));
            let counter = Arc::new(AtomicUsize::new(0));
            let c = counter.clone();
            offshoot::blocking(move || {
                c.fetch_add(1, Ordering::SeqCst);
            });
            assert_eq!(counter.load(Ordering::SeqCst), 1);
            let r: Result<(), String> = offshoot::blocking(|| Err("no".to_string()));
            assert_eq!(r, Err("no".to_string()));
            // A `catch_unwind` around a call that does not panic changes nothing.
            assert_eq!(
                panic::catch_unwind(AssertUnwindSafe(|| offshoot::blocking(|| 5))).unwrap(),
                5
            );
        });
    }
}
