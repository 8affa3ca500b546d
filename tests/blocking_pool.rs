//! The blocking pool's size: it grows on demand up to its cap, queues calls beyond the cap rather
//! than failing them, and lets idle threads go after the keep-alive time.
//!
//! The pool is configured once per process, before the runtime's first use, so this binary holds
//! a single test that sets [`offshoot::Config`] first thing. Pool threads are counted from
//! `/proc/self/task/*/comm`, where the kernel keeps the first 15 bytes of the name
//! ("offshoot-blocking" shows as "offshoot-blocki").

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{wait_until, watchdog, WATCHDOG_SECS};

const MAX_THREADS: usize = 4;
const KEEP_ALIVE: Duration = Duration::from_millis(200);
const CALLS: usize = 40;
const CALL: Duration = Duration::from_millis(50);

/// Threads of this process whose name is the pool's (as truncated by the kernel).
fn pool_threads() -> usize {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|comm| comm.trim_end().starts_with("offshoot-block"))
        .count()
}

/// Samples [`pool_threads`] on a plain thread until stopped; returns the highest count seen.
struct Sampler {
    stop: Arc<AtomicBool>,
    thread: thread::JoinHandle<usize>,
}

impl Sampler {
    fn start() -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let thread = thread::spawn(move || {
            let mut max = 0;
            while !s.load(Ordering::SeqCst) {
                max = max.max(pool_threads());
                thread::sleep(Duration::from_millis(1));
            }
            max.max(pool_threads())
        });
        Sampler { stop, thread }
    }

    fn finish(self) -> usize {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.join().unwrap()
    }
}

#[test]
fn the_pool_queues_beyond_its_cap_and_shrinks_when_idle() {
    offshoot::Config::new()
        .blocking_threads(MAX_THREADS)
        .blocking_keep_alive(KEEP_ALIVE)
        .init()
        .expect("the runtime must not have started before this test");

    watchdog(
        "the_pool_queues_beyond_its_cap_and_shrinks_when_idle",
        WATCHDOG_SECS,
        || {
            // The pool starts threads on demand: none before the first call.
            offshoot::run(|| offshoot::time::sleep(Duration::from_millis(1)));
            assert_eq!(
                pool_threads(),
                0,
                "pool threads started before any blocking call"
            );

            let sampler = Sampler::start();
            let in_flight = Arc::new(AtomicUsize::new(0));
            let max_in_flight = Arc::new(AtomicUsize::new(0));
            let (f, m) = (in_flight.clone(), max_in_flight.clone());
            let (elapsed, ticks) = offshoot::run(move || {
                let ticks = Arc::new(AtomicUsize::new(0));
                let stop = Arc::new(AtomicBool::new(false));
                let (t, s) = (ticks.clone(), stop.clone());
                let ticker = offshoot::go(move || {
                    while !s.load(Ordering::SeqCst) {
                        offshoot::time::sleep(Duration::from_millis(5));
                        t.fetch_add(1, Ordering::SeqCst);
                    }
                });
                let start = Instant::now();
                let calls: Vec<_> = (0..CALLS)
                    .map(|i| {
                        let (f, m) = (f.clone(), m.clone());
                        offshoot::go(move || {
                            offshoot::blocking(move || {
                                let now = f.fetch_add(1, Ordering::SeqCst) + 1;
                                m.fetch_max(now, Ordering::SeqCst);
                                thread::sleep(CALL);
                                f.fetch_sub(1, Ordering::SeqCst);
                                i
                            })
                        })
                    })
                    .collect();
                for (i, call) in calls.into_iter().enumerate() {
                    assert_eq!(
                        call.join().unwrap(),
                        i,
                        "call {i} failed or lost its result"
                    );
                }
                let elapsed = start.elapsed();
                let ticks = ticks.load(Ordering::SeqCst);
                stop.store(true, Ordering::SeqCst);
                ticker.join().unwrap();
                (elapsed, ticks)
            });
            let max_threads = sampler.finish();

            assert!(
                max_threads <= MAX_THREADS,
                "{max_threads} pool threads seen at once, cap {MAX_THREADS}"
            );
            let max_in_flight = max_in_flight.load(Ordering::SeqCst);
            assert_eq!(
                max_in_flight, MAX_THREADS,
                "calls running at once: {max_in_flight}, cap {MAX_THREADS}"
            );
            // With at most 4 at a time, 40 calls of 50 ms need 10 rounds.
            let rounds = (CALLS / MAX_THREADS) as u32;
            assert!(
                elapsed >= CALL * rounds,
                "{CALLS} calls of {CALL:?} on {MAX_THREADS} threads took only {elapsed:?}"
            );
            assert!(
                elapsed < Duration::from_secs(3),
                "{CALLS} calls of {CALL:?} on {MAX_THREADS} threads took {elapsed:?} (ideal 0.5 s)"
            );
            let ideal_ticks = (elapsed.as_millis() / 5) as usize;
            assert!(
                ticks * 3 >= ideal_ticks,
                "a 5 ms ticker ticked {ticks} times in {elapsed:?} while the pool was full"
            );

            // Idle threads exit after the keep-alive.
            let idle_since = Instant::now();
            assert!(
                wait_until(KEEP_ALIVE + Duration::from_secs(5), || pool_threads() == 0),
                "{} pool threads still alive {:?} after the last call (keep-alive {KEEP_ALIVE:?})",
                pool_threads(),
                idle_since.elapsed()
            );

            // And the pool starts again on demand.
            let name =
                offshoot::run(|| offshoot::blocking(|| thread::current().name().map(String::from)));
            assert_eq!(name.as_deref(), Some("offshoot-blocking"));
            assert!(
                wait_until(KEEP_ALIVE + Duration::from_secs(5), || pool_threads() == 0),
                "the restarted pool thread did not exit"
            );

            // The settings were taken: the runtime refuses new ones now.
            assert_eq!(
                offshoot::Config::new().blocking_threads(8).init(),
                Err(offshoot::AlreadyStarted)
            );
        },
    );
}
