//! Timers and wake-ups from plain threads are not held up by coroutines that yield as advised
//! (issue 11): beside one coroutine per worker that computes for 1 ms and yields, a 10 ms sleep
//! used to end 50 ms late with one worker and up to 106 ms with two, because a busy worker
//! looked at its timers and the global queue only every 61 scheduling rounds.
//!
//! The target (2 ms median, 5 ms worst) is measured by `benches/lateness.sh`; these tests assert
//! only a bound generous enough for a loaded machine, which the old code still missed by far.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use common::run_watched;
use offshoot::{chan, go, JoinHandle};

/// The two tests one at a time: each loads every worker.
static SERIAL: StdMutex<()> = StdMutex::new(());

/// The median lateness allowed, against 30 to 60 ms before the change.
const BOUND: Duration = Duration::from_millis(15);
const SAMPLES: usize = 30;

fn workers() -> usize {
    std::env::var("OFFSHOOT_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Runs `measure` beside one coroutine per worker that computes for 1 ms, yields, and again,
/// and stops them once it returns.
fn beside_busy_coroutines<T>(measure: impl FnOnce() -> T) -> T {
    let stop = Arc::new(AtomicBool::new(false));
    let load: Vec<JoinHandle<()>> = (0..workers())
        .map(|_| {
            let stop = stop.clone();
            go(move || {
                while !stop.load(Ordering::Relaxed) {
                    let until = Instant::now() + Duration::from_millis(1);
                    while Instant::now() < until {
                        std::hint::spin_loop();
                    }
                    offshoot::yield_now();
                }
            })
        })
        .collect();
    let result = measure();
    stop.store(true, Ordering::Relaxed);
    load.into_iter().for_each(|h| h.join().unwrap());
    result
}

fn median(mut late: Vec<Duration>) -> Duration {
    late.sort();
    late[late.len() / 2]
}

#[test]
fn a_sleep_beside_yielding_coroutines_ends_nearly_on_time() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let late = run_watched("sleep lateness", || {
        beside_busy_coroutines(|| {
            (0..SAMPLES)
                .map(|_| {
                    let start = Instant::now();
                    offshoot::time::sleep(Duration::from_millis(10));
                    let slept = start.elapsed();
                    assert!(
                        slept >= Duration::from_millis(10),
                        "a sleep never ends early"
                    );
                    slept - Duration::from_millis(10)
                })
                .collect::<Vec<Duration>>()
        })
    });
    let median = median(late);
    assert!(median < BOUND, "median lateness {median:?}");
}

#[test]
fn a_value_from_a_plain_thread_reaches_a_coroutine_beside_yielding_ones_promptly() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let late = run_watched("send lateness", || {
        beside_busy_coroutines(|| {
            let (tx, rx) = chan::<Instant>(0);
            let sender = std::thread::spawn(move || {
                for _ in 0..SAMPLES {
                    std::thread::sleep(Duration::from_millis(5));
                    tx.send(Instant::now()).unwrap();
                }
            });
            let late: Vec<Duration> = (0..SAMPLES).map(|_| rx.recv().unwrap().elapsed()).collect();
            offshoot::blocking(move || sender.join()).unwrap();
            late
        })
    });
    let median = median(late);
    assert!(median < BOUND, "median delay {median:?}");
}
