//! `num_coroutines`: counts live coroutines and returns to its earlier level once they end.
//!
//! A file of its own holding a single test, so no other test's coroutines move the count.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{wait_until, watchdog, WATCHDOG_SECS};
use offshoot::sync::WaitGroup;

const N: usize = 200;

/// Starts `N` coroutines with `spawn`, each checking in on `started` then waiting on `gate`.
fn start_parked<F>(started: &WaitGroup, gate: &WaitGroup, spawn: F) -> Vec<offshoot::JoinHandle<()>>
where
    F: Fn(Box<dyn FnOnce() + Send>) -> offshoot::JoinHandle<()>,
{
    (0..N)
        .map(|_| {
            started.add(1);
            let (s, g) = (started.clone(), gate.clone());
            spawn(Box::new(move || {
                s.done();
                g.wait();
            }))
        })
        .collect()
}

fn settles_at(level: usize) -> bool {
    wait_until(Duration::from_secs(10), || {
        offshoot::num_coroutines() == level
    })
}

#[test]
fn num_coroutines_counts_live_coroutines_and_returns_to_its_level() {
    watchdog(
        "num_coroutines_counts_live_coroutines_and_returns_to_its_level",
        WATCHDOG_SECS,
        || {
            let before = offshoot::num_coroutines();

            // Parked coroutines on pooled stacks and on stacks of their own size are all counted.
            let started = WaitGroup::new();
            let gate = WaitGroup::new();
            gate.add(1);
            let mut handles = start_parked(&started, &gate, offshoot::go);
            handles.extend(start_parked(&started, &gate, |f| {
                offshoot::Builder::new()
                    .stack_size(512 * 1024)
                    .spawn(f)
                    .expect("a 512 KiB stack")
            }));
            started.wait();
            assert_eq!(offshoot::num_coroutines(), before + 2 * N);
            gate.done();
            for h in handles {
                h.join().unwrap();
            }
            assert!(
                settles_at(before),
                "after joining, num_coroutines is {} instead of {before}",
                offshoot::num_coroutines()
            );

            // Coroutines that panic are released too.
            let failing: Vec<_> = (0..N)
                .map(|i| offshoot::go(move || panic!("coroutine {i} fails")))
                .collect();
            for h in failing {
                assert!(h.join().is_err());
            }
            assert!(
                settles_at(before),
                "after panics, num_coroutines is {} instead of {before}",
                offshoot::num_coroutines()
            );

            // Detached coroutines are counted until they end.
            let ended = Arc::new(AtomicUsize::new(0));
            let started = WaitGroup::new();
            let gate = WaitGroup::new();
            gate.add(1);
            for _ in 0..N {
                started.add(1);
                let (s, g, e) = (started.clone(), gate.clone(), ended.clone());
                drop(offshoot::go(move || {
                    s.done();
                    g.wait();
                    e.fetch_add(1, Ordering::SeqCst);
                }));
            }
            started.wait();
            assert_eq!(offshoot::num_coroutines(), before + N);
            gate.done();
            assert!(wait_until(Duration::from_secs(10), || ended
                .load(Ordering::SeqCst)
                == N));
            assert!(
                settles_at(before),
                "after detached coroutines, num_coroutines is {} instead of {before}",
                offshoot::num_coroutines()
            );
        },
    );
}
