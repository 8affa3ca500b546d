//! An `after(d)` or `tick(d)` channel that nobody can receive from any more frees its timer at
//! once, as Go 1.23 and later collect an unreferenced timer, rather than holding it until its
//! deadline.
//!
//! The pattern is Go's timeout loop, `select { case v := <-c: ...; case <-time.After(60 *
//! time.Second): ... }`, where `c` is always ready: every iteration makes a timer that is never
//! needed. Issue 11 measured 2 million iterations growing the resident set by 778 MB. The heap
//! is measured here with a counting global allocator (net bytes allocated and not freed), so the
//! figure does not depend on the allocator returning pages to the kernel. This file holds this
//! one test only, so that no other test allocates meanwhile.

mod common;
mod common_alloc;

use std::time::{Duration, Instant};

use common::run_watched;
use offshoot::time::{after, tick};
use offshoot::{chan, select, Receiver};

#[global_allocator]
static ALLOCATOR: common_alloc::Counting = common_alloc::Counting;

/// Iterations measured.
const ITERATIONS: usize = 300_000;
/// Iterations before the measure, for the timer heap's vector and the runtime's caches to reach
/// their working size.
const WARM_UP: usize = 20_000;
/// Far past the test's end: a timer that is kept lives that long.
const FAR: Duration = Duration::from_secs(60);

/// Runs `ITERATIONS` selects between a channel that is always ready (closed) and a fresh timer
/// channel from `timer`; returns the heap's growth in bytes.
fn heap_growth(timer: fn(Duration) -> Receiver<Instant>) -> isize {
    let (tx, ready) = chan::<()>(0);
    tx.close();
    let selects = |n: usize| {
        for _ in 0..n {
            select! {
                recv(ready) -> v => assert!(v.is_err(), "the closed channel is ready"),
                recv(timer(FAR)) -> _ => panic!("a 60 s timer fired"),
            }
        }
    };
    selects(WARM_UP);
    let before = common_alloc::live_bytes();
    selects(ITERATIONS);
    common_alloc::live_bytes() - before
}

/// Issue 11: before the fix, 300,000 iterations kept every timer: the heap grew by 112.6 MB for
/// `after` and 113.4 MB for `tick` (about 375 bytes a timer: the channel, the alarm, the runtime
/// timer and its callback). After it, the growth is about zero (-11 KB in both cases): a dropped
/// timer is cancelled at once, and the runtime's timer heap compacts cancelled entries away once
/// they are the majority, so at most about a thousand (some 400 KB) wait at any time. The bound,
/// 4 MB, is a twenty-eighth of the unfixed figure and ten times that worst case.
#[test]
fn dropped_timer_channels_free_their_timers() {
    run_watched("dropped_timer_channels_free_their_timers", || {
        const BOUND: isize = 4 << 20;
        let after_grew = heap_growth(after);
        let tick_grew = heap_growth(tick);
        eprintln!(
            "{ITERATIONS} selects on a fresh timer: after grew the heap by {after_grew} bytes, \
             tick by {tick_grew}"
        );
        assert!(
            after_grew < BOUND,
            "{ITERATIONS} dropped after({FAR:?}) channels kept {after_grew} bytes"
        );
        assert!(
            tick_grew < BOUND,
            "{ITERATIONS} dropped tick({FAR:?}) channels kept {tick_grew} bytes"
        );
    });
}
