//! A panic belongs to its coroutine: while one coroutine unwinds through a `Drop` that parks
//! (a sleep, a join, a `WaitGroup::wait`, a contended `Mutex::lock`), `std::thread::panicking()`
//! must stay false in every other coroutine and true in the unwinding one, wherever it resumes.
//!
//! std keeps its panic count in a thread-local. A runtime that switched away from, or migrated,
//! an unwinding coroutine would leave the count raised on the worker where it parked (every
//! coroutine run there meanwhile sees `panicking()`), and the unwinding coroutine, resumed on
//! another worker, would no longer see its own panic: a `Drop` that panics only
//! `if !std::thread::panicking()` (a common "drop bomb" guard) then panics during unwinding and
//! aborts the whole process. Both tests failed so before `Task::park_in_place`.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use common::{run_watched, wait_until, watchdog, WATCHDOG_SECS};

/// The two tests run one at a time: each one's panics would blur the other's observations.
static SERIAL: StdMutex<()> = StdMutex::new(());

/// Parks (sleeps) when dropped; raises `parked` first, so others know it is mid-unwind.
struct ParkOnDrop {
    parked: Arc<AtomicBool>,
    /// `std::thread::panicking()` as seen before and after the park.
    seen: Arc<StdMutex<Vec<(bool, bool)>>>,
    millis: u64,
}

impl Drop for ParkOnDrop {
    fn drop(&mut self) {
        let before = std::thread::panicking();
        self.parked.store(true, Ordering::SeqCst);
        offshoot::time::sleep(Duration::from_millis(self.millis));
        let after = std::thread::panicking();
        self.seen.lock().unwrap().push((before, after));
    }
}

/// While one coroutine is parked halfway through unwinding, 200 other coroutines (some on the
/// same worker, whatever the worker count) ask `std::thread::panicking()`: none may see true.
#[test]
fn other_coroutines_do_not_see_a_panic_parked_mid_unwind() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let wrongly_panicking = watchdog(
        "other_coroutines_do_not_see_a_panic_parked_mid_unwind",
        WATCHDOG_SECS,
        || {
            let parked = Arc::new(AtomicBool::new(false));
            let seen = Arc::new(StdMutex::new(Vec::new()));
            let guard = ParkOnDrop {
                parked: parked.clone(),
                seen,
                millis: 100,
            };
            let unwinding = offshoot::go(move || {
                let _guard = guard;
                panic!("unwinding through a park");
            });
            assert!(
                wait_until(Duration::from_secs(10), || parked.load(Ordering::SeqCst)),
                "the panicking coroutine never reached its Drop"
            );
            let wrong = Arc::new(AtomicUsize::new(0));
            let probes: Vec<_> = (0..200)
                .map(|_| {
                    let wrong = wrong.clone();
                    offshoot::go(move || {
                        for _ in 0..5 {
                            if std::thread::panicking() {
                                wrong.fetch_add(1, Ordering::SeqCst);
                            }
                            offshoot::yield_now();
                        }
                    })
                })
                .collect();
            for p in probes {
                p.join().unwrap();
            }
            let err = unwinding.join().expect_err("the coroutine panicked");
            assert_eq!(
                err.downcast_ref::<&str>(),
                Some(&"unwinding through a park")
            );
            wrong.load(Ordering::SeqCst)
        },
    );
    assert_eq!(
        wrongly_panicking, 0,
        "{wrongly_panicking} of 1000 checks by coroutines that never panicked saw \
         std::thread::panicking() == true while another coroutine's unwinding was parked"
    );
}

/// A coroutine unwinding through a `Drop` that parks still sees its own panic after the park,
/// on whichever worker it resumed (with several workers it often resumes on another).
#[test]
fn an_unwinding_coroutine_still_sees_its_panic_after_a_park() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    const ROUNDS: usize = 40;
    let seen = run_watched(
        "an_unwinding_coroutine_still_sees_its_panic_after_a_park",
        || {
            let seen = Arc::new(StdMutex::new(Vec::new()));
            for _ in 0..ROUNDS {
                // Busy neighbours, so that the sleeper tends to wake on another worker.
                let busy: Vec<_> = (0..4)
                    .map(|_| {
                        offshoot::go(|| {
                            for _ in 0..500 {
                                offshoot::yield_now();
                            }
                        })
                    })
                    .collect();
                let guard = ParkOnDrop {
                    parked: Arc::new(AtomicBool::new(false)),
                    seen: seen.clone(),
                    millis: 1,
                };
                let unwinding = offshoot::go(move || {
                    let _guard = guard;
                    panic!("unwinding through a park");
                });
                assert!(unwinding.join().is_err());
                for b in busy {
                    b.join().unwrap();
                }
            }
            let seen = seen.lock().unwrap().clone();
            seen
        },
    );
    assert_eq!(seen.len(), ROUNDS);
    let lost = seen
        .iter()
        .filter(|&&(before, after)| !(before && after))
        .count();
    assert_eq!(
        lost, 0,
        "in {lost} of {ROUNDS} rounds a coroutine unwinding through a Drop saw \
         std::thread::panicking() == false (before, after its park): {seen:?}"
    );
}
