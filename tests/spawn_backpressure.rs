//! Back pressure in `go`: a coroutine that spawns in a loop and never parks cannot pile up
//! coroutines without bound, because `go` yields to them once its worker has more than 8,192
//! waiting to start. Before, the pile grew by as much as the spawner outran the workers.
//!
//! A file of its own holding a single test, so no other test's coroutines move the count.

mod common;

use std::time::{Duration, Instant};

use common::{watchdog, WATCHDOG_SECS};

const SPAWNED: usize = 100_000;

#[test]
fn a_spawning_loop_that_never_parks_keeps_the_coroutines_alive_bounded() {
    let most = watchdog(
        "a_spawning_loop_that_never_parks_keeps_the_coroutines_alive_bounded",
        WATCHDOG_SECS,
        || {
            offshoot::run(|| {
                let mut most = 0;
                for _ in 0..SPAWNED {
                    // Each takes longer than a `go`, so the spawner outruns every worker.
                    drop(offshoot::go(|| {
                        let start = Instant::now();
                        while start.elapsed() < Duration::from_micros(5) {}
                    }));
                    most = most.max(offshoot::num_coroutines());
                }
                most
            })
        },
    );
    // At most the 8,192 queued, plus what other workers took from the queue and a few running.
    assert!(
        most < 20_000,
        "{most} coroutines alive at once, of {SPAWNED} spawned by a loop that never parks"
    );
}
