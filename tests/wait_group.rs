//! `sync::WaitGroup`: counting down from coroutines and plain threads, waiting at zero, reuse,
//! the negative-counter panic, and several waiters released together, none early.

mod common;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{panic_message, run_watched, wait_until, watchdog, WATCHDOG_SECS};
use offshoot::sync::WaitGroup;

/// Starts `n` coroutines that each do a little waiting, count themselves in `finished`, then
/// call `done`.
fn workers(wg: &WaitGroup, finished: &Arc<AtomicUsize>, n: usize) {
    for i in 0..n {
        wg.add(1);
        let (wg, finished) = (wg.clone(), finished.clone());
        drop(offshoot::go(move || {
            match i % 3 {
                0 => offshoot::yield_now(),
                1 => offshoot::time::sleep(Duration::from_millis(1)),
                _ => {}
            }
            finished.fetch_add(1, Ordering::SeqCst);
            wg.done();
        }));
    }
}

#[test]
fn a_thousand_coroutines_count_down_to_a_waiting_coroutine() {
    let seen = run_watched(
        "a_thousand_coroutines_count_down_to_a_waiting_coroutine",
        || {
            let wg = WaitGroup::new();
            let finished = Arc::new(AtomicUsize::new(0));
            workers(&wg, &finished, 1_000);
            wg.wait();
            finished.load(Ordering::SeqCst)
        },
    );
    assert_eq!(seen, 1_000, "wait returned before every done");
}

#[test]
fn coroutines_count_down_to_a_waiting_plain_thread() {
    let seen = watchdog(
        "coroutines_count_down_to_a_waiting_plain_thread",
        WATCHDOG_SECS,
        || {
            let wg = WaitGroup::new();
            let finished = Arc::new(AtomicUsize::new(0));
            workers(&wg, &finished, 1_000);
            wg.wait();
            finished.load(Ordering::SeqCst)
        },
    );
    assert_eq!(seen, 1_000, "wait returned before every done");
}

#[test]
fn plain_threads_count_down_to_coroutines_and_threads() {
    let seen = watchdog(
        "plain_threads_count_down_to_coroutines_and_threads",
        WATCHDOG_SECS,
        || {
            const THREADS: usize = 8;
            let wg = WaitGroup::new();
            wg.add(THREADS as isize);
            let finished = Arc::new(AtomicUsize::new(0));
            let waiters: Vec<_> = (0..4)
                .map(|_| {
                    let (wg, finished) = (wg.clone(), finished.clone());
                    offshoot::go(move || {
                        wg.wait();
                        finished.load(Ordering::SeqCst)
                    })
                })
                .collect();
            let threads: Vec<_> = (0..THREADS)
                .map(|i| {
                    let (wg, finished) = (wg.clone(), finished.clone());
                    std::thread::spawn(move || {
                        std::thread::sleep(Duration::from_millis(i as u64));
                        finished.fetch_add(1, Ordering::SeqCst);
                        wg.done();
                    })
                })
                .collect();
            wg.wait();
            let mut seen = vec![finished.load(Ordering::SeqCst)];
            seen.extend(waiters.into_iter().map(|w| w.join().unwrap()));
            for t in threads {
                t.join().unwrap();
            }
            seen
        },
    );
    assert!(
        seen.iter().all(|&s| s == 8),
        "a waiter was released early: {seen:?}"
    );
}

#[test]
fn wait_at_zero_returns_at_once() {
    let (thread, coroutine) = watchdog("wait_at_zero_returns_at_once", WATCHDOG_SECS, || {
        let timed = || {
            let wg = WaitGroup::new();
            let start = Instant::now();
            for _ in 0..1_000 {
                wg.wait();
            }
            wg.add(3);
            wg.add(-3);
            wg.wait();
            start.elapsed()
        };
        let thread = timed();
        (thread, offshoot::go(timed).join().unwrap())
    });
    assert!(thread < Duration::from_millis(500), "{thread:?}");
    assert!(coroutine < Duration::from_millis(500), "{coroutine:?}");
}

#[test]
fn a_wait_group_is_reusable_after_reaching_zero() {
    run_watched("a_wait_group_is_reusable_after_reaching_zero", || {
        let wg = WaitGroup::new();
        let finished = Arc::new(AtomicUsize::new(0));
        for round in 1..=100 {
            workers(&wg, &finished, 10);
            wg.wait();
            assert_eq!(
                finished.load(Ordering::SeqCst),
                10 * round,
                "round {round} ended early"
            );
            assert!(format!("{wg:?}").contains("count: 0"), "{wg:?}");
        }
    });
}

#[test]
#[should_panic(expected = "negative WaitGroup counter")]
fn done_below_zero_panics() {
    watchdog("done_below_zero_panics", WATCHDOG_SECS, || {
        WaitGroup::new().done();
    });
}

#[test]
#[should_panic(expected = "negative WaitGroup counter")]
fn a_negative_add_below_zero_panics_in_a_coroutine() {
    run_watched("a_negative_add_below_zero_panics_in_a_coroutine", || {
        let wg = WaitGroup::new();
        wg.add(2);
        wg.add(-3);
    });
}

/// The failed `add` leaves the count as it was, and the group keeps working.
#[test]
fn a_negative_counter_panic_leaves_the_count_unchanged() {
    run_watched(
        "a_negative_counter_panic_leaves_the_count_unchanged",
        || {
            let wg = WaitGroup::new();
            wg.add(2);
            let err = panic::catch_unwind(AssertUnwindSafe(|| wg.add(-3)))
                .expect_err("going below zero panics");
            assert!(panic_message(&*err).contains("negative WaitGroup counter"));
            assert!(format!("{wg:?}").contains("count: 2"), "{wg:?}");
            let waiter = {
                let wg = wg.clone();
                offshoot::go(move || wg.wait())
            };
            wg.done();
            wg.done();
            waiter.join().unwrap();
        },
    );
}

/// Several coroutines and threads wait at once; none is released before the last `done`, all
/// are released by it.
#[test]
fn several_waiters_are_all_released_together() {
    const COROUTINES: usize = 10;
    const THREADS: usize = 3;
    watchdog(
        "several_waiters_are_all_released_together",
        WATCHDOG_SECS,
        || {
            let wg = WaitGroup::new();
            wg.add(1);
            let ready = WaitGroup::new();
            let released = Arc::new(AtomicUsize::new(0));
            let waiter = |wg: WaitGroup, ready: WaitGroup, released: Arc<AtomicUsize>| {
                move || {
                    ready.done();
                    wg.wait();
                    released.fetch_add(1, Ordering::SeqCst);
                }
            };
            ready.add((COROUTINES + THREADS) as isize);
            let coroutines: Vec<_> = (0..COROUTINES)
                .map(|_| offshoot::go(waiter(wg.clone(), ready.clone(), released.clone())))
                .collect();
            let threads: Vec<_> = (0..THREADS)
                .map(|_| std::thread::spawn(waiter(wg.clone(), ready.clone(), released.clone())))
                .collect();
            ready.wait();
            // Every waiter is in `wait` or about to be; give them time to park, then check that
            // none got through.
            std::thread::sleep(Duration::from_millis(20));
            assert_eq!(
                released.load(Ordering::SeqCst),
                0,
                "released before the count hit zero"
            );
            wg.done();
            assert!(
                wait_until(Duration::from_secs(10), || released.load(Ordering::SeqCst)
                    == COROUTINES + THREADS),
                "only {} of {} waiters were released",
                released.load(Ordering::SeqCst),
                COROUTINES + THREADS
            );
            for c in coroutines {
                c.join().unwrap();
            }
            for t in threads {
                t.join().unwrap();
            }
        },
    );
}

/// `WaitGroup::go` (Go 1.25's `wg.Go`) counts each coroutine from before it starts until it
/// ends: a thousand of them, from a coroutine, every one finished when `wait` returns, and the
/// count back at zero.
#[test]
fn go_counts_each_coroutine_until_it_ends() {
    const N: usize = 1000;
    run_watched("go_counts_each_coroutine_until_it_ends", || {
        let wg = WaitGroup::new();
        let finished = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..N)
            .map(|i| {
                let finished = finished.clone();
                wg.go(move || {
                    if i % 2 == 0 {
                        offshoot::yield_now();
                    }
                    finished.fetch_add(1, Ordering::SeqCst);
                    i
                })
            })
            .collect();
        wg.wait();
        assert_eq!(finished.load(Ordering::SeqCst), N);
        assert!(format!("{wg:?}").contains("count: 0"), "{wg:?}");
        let sum: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(sum, N * (N - 1) / 2);
    });
}

/// A coroutine started by `WaitGroup::go` that panics still takes its one back, so a waiter on a
/// plain thread is released; the panic reaches the coroutine's handle, not the group. With
/// `add(1)` and a `done()` at the end of the closure instead, the waiter would hang.
#[test]
fn go_takes_the_count_back_when_the_coroutine_panics() {
    watchdog(
        "go_takes_the_count_back_when_the_coroutine_panics",
        WATCHDOG_SECS,
        || {
            let wg = WaitGroup::new();
            let failing = wg.go(|| -> () { panic!("the task failed") });
            let parked = wg.go(|| offshoot::time::sleep(Duration::from_millis(5)));
            wg.wait();
            assert!(format!("{wg:?}").contains("count: 0"), "{wg:?}");
            let payload = failing.join().expect_err("the coroutine panicked");
            assert!(panic_message(&*payload).contains("the task failed"));
            parked.join().unwrap();
        },
    );
}

/// A panic in `WaitGroup::go`'s coroutine while the group is already short (user code called
/// `done` once too often) does not turn into a second panic during unwinding, which would abort
/// the process: the coroutine's own panic is what its handle reports.
#[test]
fn go_does_not_panic_twice_when_the_count_is_already_short() {
    run_watched(
        "go_does_not_panic_twice_when_the_count_is_already_short",
        || {
            let wg = WaitGroup::new();
            let short = wg.clone();
            let handle = wg.go(move || {
                short.done(); // the one `go` added, taken back too early
                panic!("after a misplaced done");
            });
            let payload = handle.join().expect_err("the coroutine panicked");
            assert!(panic_message(&*payload).contains("after a misplaced done"));
            assert!(format!("{wg:?}").contains("count: 0"), "{wg:?}");
        },
    );
}
