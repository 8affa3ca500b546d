//! Stress on the park/unpark protocol and the scheduler's hand-offs: tokens relayed between
//! coroutines through a `Mutex` and one-shot `WaitGroup`s, between plain threads and coroutines,
//! long and short `JoinHandle` chains, plain threads and coroutines joining each other. Every
//! unit of work is counted, and must be done exactly once.
//!
//! At most about 10,000 coroutines are alive at once in this binary (see tests/common and
//! the notes on `vm.max_map_count`).

mod common;

use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use common::{run_watched, watchdog, WATCHDOG_SECS};
use offshoot::sync::{Mutex, WaitGroup};
use offshoot::JoinHandle;

/// One flag per unit of work; each must be raised exactly once.
struct Ledger {
    done: Vec<AtomicU8>,
}

impl Ledger {
    fn new(units: usize) -> Arc<Ledger> {
        Arc::new(Ledger {
            done: (0..units).map(|_| AtomicU8::new(0)).collect(),
        })
    }

    fn mark(&self, unit: usize) {
        self.done[unit].fetch_add(1, Ordering::SeqCst);
    }

    fn check(&self) {
        let missing: Vec<usize> = (0..self.done.len())
            .filter(|&u| self.done[u].load(Ordering::SeqCst) == 0)
            .take(10)
            .collect();
        let doubled: Vec<usize> = (0..self.done.len())
            .filter(|&u| self.done[u].load(Ordering::SeqCst) > 1)
            .take(10)
            .collect();
        assert!(
            missing.is_empty() && doubled.is_empty(),
            "of {} units, some were never done (first: {missing:?}) \
             or done twice (first: {doubled:?})",
            self.done.len()
        );
    }
}

/// A one-shot signal made of a fresh `WaitGroup` at count one.
fn one_shot() -> WaitGroup {
    let wg = WaitGroup::new();
    wg.add(1);
    wg
}

/// The tests of this file run one at a time: each stresses the whole runtime, and the races they
/// provoke depend on the workers having nothing else to do (going to sleep between hand-offs).
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Pairs of coroutines hand a token back and forth: hop `k` waits for hop `k - 1`'s signal,
/// checks the token behind the pair's `Mutex` reads `k`, writes `k + 1`, and signals hop `k + 1`.
/// Even hops belong to one coroutine, odd hops to the other, so every hop is a park and an
/// unpark across the pair (often across workers).
#[test]
fn coroutine_pairs_relay_a_token_through_mutex_and_wait_groups() {
    let _serial = serial();
    const PAIRS: usize = 200;
    const HOPS: usize = 100;
    const BATCHES: usize = 50;
    let ledger = Ledger::new(BATCHES * PAIRS * HOPS);
    let l = ledger.clone();
    run_watched(
        "coroutine_pairs_relay_a_token_through_mutex_and_wait_groups",
        move || {
            for batch in 0..BATCHES {
                let mut handles = Vec::new();
                for pair in 0..PAIRS {
                    let token = Arc::new(Mutex::new(0_usize));
                    let signals: Arc<Vec<WaitGroup>> =
                        Arc::new((0..HOPS).map(|_| one_shot()).collect());
                    let base = (batch * PAIRS + pair) * HOPS;
                    for side in 0..2 {
                        let (token, signals, l) = (token.clone(), signals.clone(), l.clone());
                        handles.push(offshoot::go(move || {
                            for k in (side..HOPS).step_by(2) {
                                if k > 0 {
                                    signals[k - 1].wait();
                                }
                                let mut t = token.lock();
                                assert_eq!(*t, k, "pair {pair} hop {k} ran out of turn");
                                if k % 7 == 0 {
                                    offshoot::yield_now(); // with the token's lock held
                                }
                                *t = k + 1;
                                drop(t);
                                l.mark(base + k);
                                signals[k].done();
                            }
                        }));
                    }
                }
                for h in handles {
                    h.join().unwrap();
                }
            }
        },
    );
    ledger.check();
}

/// A plain thread and a coroutine relay a token through fresh one-shot signals, thousands of
/// times: each hop wakes a coroutine from outside the runtime (the global queue, an idle
/// worker woken) or a thread from inside it. Workers often go to sleep between hops, so a lost
/// wake-up in the idle protocol shows as a hang.
#[test]
fn a_plain_thread_and_a_coroutine_relay_a_token() {
    let _serial = serial();
    const HOPS: usize = 20_000;
    let ledger = Ledger::new(HOPS);
    let l = ledger.clone();
    watchdog(
        "a_plain_thread_and_a_coroutine_relay_a_token",
        WATCHDOG_SECS,
        move || {
            let signals: Arc<Vec<WaitGroup>> = Arc::new((0..HOPS).map(|_| one_shot()).collect());
            let token = Arc::new(AtomicUsize::new(0));
            let hop = |k: usize, token: &AtomicUsize, signals: &[WaitGroup], l: &Ledger| {
                if k > 0 {
                    signals[k - 1].wait();
                }
                assert_eq!(token.load(Ordering::SeqCst), k, "hop {k} ran out of turn");
                token.store(k + 1, Ordering::SeqCst);
                l.mark(k);
                signals[k].done();
            };
            let (s, t, l2) = (signals.clone(), token.clone(), l.clone());
            let coroutine = offshoot::go(move || {
                for k in (1..HOPS).step_by(2) {
                    hop(k, &t, &s, &l2);
                }
            });
            for k in (0..HOPS).step_by(2) {
                hop(k, &token, &signals, &l);
            }
            coroutine.join().unwrap();
            assert_eq!(token.load(Ordering::SeqCst), HOPS);
        },
    );
    ledger.check();
}

/// A plain thread wakes a coroutine just as it parks, `rounds` times: the coroutine announces
/// the round it is about to wait for, the thread spins until it sees the announcement and then,
/// after `delay(round)` empty steps (a nanosecond or so each), signals it. A wake-up lost in the
/// window the delays sweep over hangs the coroutine; the thread then fails within 10 s.
fn race_wake_ups(name: &'static str, rounds: usize, delay: fn(usize) -> usize) {
    let ledger = Ledger::new(rounds);
    let l = ledger.clone();
    // A long test on a loaded machine, so twice the usual watchdog; a lost wake-up fails sooner.
    watchdog(name, 2 * WATCHDOG_SECS, move || {
        let signals: Arc<Vec<WaitGroup>> = Arc::new((0..rounds).map(|_| one_shot()).collect());
        let announced = Arc::new(AtomicUsize::new(usize::MAX));
        let (s, a) = (signals.clone(), announced.clone());
        let waiter = offshoot::go(move || {
            for k in 0..rounds {
                a.store(k, Ordering::SeqCst);
                s[k].wait();
                l.mark(k);
            }
        });
        for k in 0..rounds {
            // A round takes microseconds: ten seconds without progress is a lost wake-up
            // (failing here, not in the watchdog, also stops this thread spinning).
            let round_start = std::time::Instant::now();
            while announced.load(Ordering::SeqCst) != k {
                assert!(
                    round_start.elapsed() < Duration::from_secs(10),
                    "the waiter never got to round {k}: a wake-up was lost in round {}",
                    k.wrapping_sub(1)
                );
                std::hint::spin_loop();
            }
            // Empty steps, not `spin_loop`, whose pause is too coarse for these windows.
            for _ in 0..delay(k) {
                std::hint::black_box(());
            }
            signals[k].done();
        }
        waiter.join().unwrap();
    });
    ledger.check();
}

/// Wake-ups 0 to 63 steps after the announcement land in the park sequence itself: before the
/// waiter is queued, between its queueing and its suspension, while its worker marks it parked.
/// (Planting a wake-up dropped by `Task::finish_park` makes this fail, usually within a few
/// tens of thousands of rounds.)
#[test]
fn a_wake_up_racing_the_park_is_never_lost() {
    let _serial = serial();
    race_wake_ups("a_wake_up_racing_the_park_is_never_lost", 100_000, |k| {
        k % 64
    });
}

/// Wake-ups 0 to 511 steps after the announcement also land on the worker's way to sleep once
/// it has nothing left to run: searching, registering as asleep, re-checking the queues,
/// parking. (Planting the removal of the idle protocol's re-check before parking makes this
/// fail.)
#[test]
fn a_wake_up_racing_a_worker_going_to_sleep_is_never_lost() {
    let _serial = serial();
    race_wake_ups(
        "a_wake_up_racing_a_worker_going_to_sleep_is_never_lost",
        100_000,
        |k| (k * 7) % 512,
    );
}

/// 10,000 coroutines, each joining the one started before it and adding one to its result.
#[test]
fn a_chain_of_ten_thousand_coroutines_each_joining_the_previous() {
    let _serial = serial();
    const LENGTH: u64 = 10_000;
    let end = run_watched(
        "a_chain_of_ten_thousand_coroutines_each_joining_the_previous",
        || {
            let mut previous: JoinHandle<u64> = offshoot::go(|| 0);
            for i in 1..LENGTH {
                let before = previous;
                previous = offshoot::go(move || {
                    if i % 100 == 0 {
                        offshoot::yield_now();
                    }
                    before.join().unwrap() + 1
                });
            }
            previous.join().unwrap()
        },
    );
    assert_eq!(end, LENGTH - 1);
}

/// Many short chains at once, started from plain threads, each link marking its unit.
#[test]
fn many_short_join_chains_from_plain_threads() {
    let _serial = serial();
    const THREADS: usize = 4;
    const CHAINS: usize = 100; // per thread
    const LENGTH: usize = 10;
    let ledger = Ledger::new(THREADS * CHAINS * LENGTH);
    let l = ledger.clone();
    watchdog(
        "many_short_join_chains_from_plain_threads",
        WATCHDOG_SECS,
        move || {
            let threads: Vec<_> = (0..THREADS)
                .map(|t| {
                    let l = l.clone();
                    std::thread::spawn(move || {
                        let ends: Vec<JoinHandle<usize>> = (0..CHAINS)
                            .map(|c| {
                                let base = (t * CHAINS + c) * LENGTH;
                                let l0 = l.clone();
                                let mut previous = offshoot::go(move || {
                                    l0.mark(base);
                                    1
                                });
                                for k in 1..LENGTH {
                                    let (before, l) = (previous, l.clone());
                                    previous = offshoot::go(move || {
                                        let n = before.join().unwrap();
                                        l.mark(base + k);
                                        n + 1
                                    });
                                }
                                previous
                            })
                            .collect();
                        for end in ends {
                            assert_eq!(end.join().unwrap(), LENGTH);
                        }
                    })
                })
                .collect();
            for t in threads {
                t.join().unwrap();
            }
        },
    );
    ledger.check();
}

/// Handles cross between plain threads and coroutines: coroutines started by plain threads are
/// joined by coroutines; coroutines started by a coroutine are joined by plain threads, which
/// report back through a `WaitGroup` (a coroutine must not block its worker on `thread::join`).
#[test]
fn plain_threads_and_coroutines_join_each_others_coroutines() {
    let _serial = serial();
    const THREADS: usize = 4;
    const PER_THREAD: usize = 250;
    const UNITS: usize = 2 * THREADS * PER_THREAD;
    let ledger = Ledger::new(UNITS);
    let sum = Arc::new(AtomicU64::new(0));
    let (l, s) = (ledger.clone(), sum.clone());
    watchdog(
        "plain_threads_and_coroutines_join_each_others_coroutines",
        WATCHDOG_SECS,
        move || {
            let work = |unit: usize, l: Arc<Ledger>| {
                move || {
                    match unit % 4 {
                        0 => offshoot::yield_now(),
                        1 => offshoot::time::sleep(Duration::from_micros(200)),
                        _ => {}
                    }
                    l.mark(unit);
                    unit as u64
                }
            };

            // 1. Plain threads start coroutines; coroutines started here join them.
            let started: Vec<Vec<JoinHandle<u64>>> = (0..THREADS)
                .map(|t| {
                    let l = l.clone();
                    std::thread::spawn(move || {
                        (0..PER_THREAD)
                            .map(|i| offshoot::go(work(t * PER_THREAD + i, l.clone())))
                            .collect()
                    })
                })
                .map(|thread| thread.join().unwrap())
                .collect();
            let joiners: Vec<JoinHandle<u64>> = started
                .into_iter()
                .map(|handles| {
                    offshoot::go(move || handles.into_iter().map(|h| h.join().unwrap()).sum())
                })
                .collect();

            // 2. A coroutine starts coroutines and hands their handles to plain threads.
            let (l2, s2) = (l.clone(), s.clone());
            let dispatcher = offshoot::go(move || {
                let wg = WaitGroup::new();
                let (tx, rx) = mpsc::channel::<JoinHandle<u64>>();
                let rx = Arc::new(std::sync::Mutex::new(rx));
                for _ in 0..THREADS {
                    wg.add(1);
                    let (wg, rx, s2) = (wg.clone(), rx.clone(), s2.clone());
                    std::thread::spawn(move || {
                        loop {
                            // The std lock is only taken on this plain thread.
                            let next = rx.lock().unwrap().recv();
                            match next {
                                Ok(h) => {
                                    s2.fetch_add(h.join().unwrap(), Ordering::SeqCst);
                                }
                                Err(_) => break,
                            }
                        }
                        wg.done();
                    });
                }
                for i in 0..THREADS * PER_THREAD {
                    let unit = THREADS * PER_THREAD + i;
                    tx.send(offshoot::go(work(unit, l2.clone()))).unwrap();
                }
                drop(tx);
                wg.wait();
            });

            for j in joiners {
                s.fetch_add(j.join().unwrap(), Ordering::SeqCst);
            }
            dispatcher.join().unwrap();
        },
    );
    ledger.check();
    assert_eq!(
        sum.load(Ordering::SeqCst),
        (0..UNITS as u64).sum::<u64>(),
        "a result was lost or counted twice"
    );
}

/// Bursts of coroutines started from a plain thread while the workers are going to sleep and
/// waking up: each burst must be picked up (no lost wake-up), with gaps that let every worker
/// fall asleep in between.
#[test]
fn bursts_from_a_plain_thread_wake_sleeping_workers() {
    let _serial = serial();
    const BURSTS: usize = 2_000;
    const SIZE: usize = 8;
    let ledger = Ledger::new(BURSTS * SIZE);
    let l = ledger.clone();
    watchdog(
        "bursts_from_a_plain_thread_wake_sleeping_workers",
        WATCHDOG_SECS,
        move || {
            for burst in 0..BURSTS {
                let wg = WaitGroup::new();
                for i in 0..SIZE {
                    wg.add(1);
                    let (wg, l) = (wg.clone(), l.clone());
                    drop(offshoot::go(move || {
                        l.mark(burst * SIZE + i);
                        wg.done();
                    }));
                }
                wg.wait();
                if burst % 10 == 0 {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        },
    );
    ledger.check();
}
