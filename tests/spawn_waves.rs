//! Ten million coroutines started and finished in waves: every one runs exactly once, and every
//! task and stack comes back (finished tasks and stacks are reused, see
//! src/runtime/task_cache.rs and stack.rs), so neither the counts nor the memory grow from one
//! wave to the next.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use offshoot::sync::WaitGroup;

const PER_WAVE: u64 = 10_000;

/// 1,000 waves (ten million coroutines); 100 in a debug build; 3 under a sanitizer (see
/// `common::slowdown`), where memory grows with every coroutine started, ended or not: under
/// ASan (with its stack-use-after-return check) 100,000 coroutines took 4.3 GB, a million 21 GB.
fn waves() -> u64 {
    if common::slowdown() > 1 {
        3
    } else if cfg!(debug_assertions) {
        100
    } else {
        1_000
    }
}

/// What the pools keep at most once every coroutine has ended: 4096 tasks and 4096 stacks in the
/// shared pools, up to 64 of each in each worker's cache (regular workers, and spares: at most
/// one per worker, 4 in all), and the main coroutine's own.
fn kept_at_most() -> usize {
    let workers = std::env::var("OFFSHOOT_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    4096 + (workers + workers.min(4)) * 64 + 1
}

/// Resident memory that may come and go between two looks without calling it growth: the
/// allocator's own noise, and a cache's worth of stacks on another worker.
const RSS_SLACK: u64 = 16 << 20;

/// VmRSS of this process, in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .map(|v| v.trim().parse().unwrap())
        .expect("VmRSS in /proc/self/status");
    kb * 1024
}

/// One wave: half the coroutines detached (their worker finishes them last), half joined (their
/// handle does), every tenth parking once on the way, a few named (listed in the registry).
/// Each adds its number to `sum` and 1 to `runs`.
fn wave(wave: u64, sum: &Arc<AtomicU64>, runs: &Arc<AtomicU64>) {
    let wg = WaitGroup::new();
    let mut handles = Vec::with_capacity(PER_WAVE as usize / 2);
    for i in 0..PER_WAVE {
        let n = wave * PER_WAVE + i;
        let (sum, runs) = (sum.clone(), runs.clone());
        let body = move || {
            if n.is_multiple_of(10) {
                offshoot::yield_now();
            }
            sum.fetch_add(n, Ordering::Relaxed);
            runs.fetch_add(1, Ordering::Relaxed);
            n
        };
        if i.is_multiple_of(2) {
            let handle = if i.is_multiple_of(1000) {
                offshoot::Builder::new()
                    .name(format!("wave {wave} #{i}"))
                    .spawn(body)
                    .unwrap()
            } else {
                offshoot::go(body)
            };
            handles.push(handle);
        } else {
            let wg = wg.clone();
            wg.add(1);
            drop(offshoot::go(move || {
                body();
                wg.done();
            }));
        }
    }
    for handle in handles {
        std::hint::black_box(handle.join().unwrap());
    }
    wg.wait();
}

/// Waits until no coroutine is alive (a detached one may still be ending after `done`), then
/// lets the runtime go idle, when the monitor unmaps the stacks beyond the pool's size, until
/// the counts stop falling. Returns the tasks and stacks kept.
fn settle() -> (usize, usize) {
    // Polled with offshoot's sleep: a blocking sleep would hold the worker the last coroutines
    // may need to end on.
    for _ in 0..1000 {
        if offshoot::num_coroutines() <= 1 {
            break;
        }
        offshoot::time::sleep(Duration::from_millis(10));
    }
    assert!(
        offshoot::num_coroutines() <= 1,
        "coroutines still alive: {}",
        offshoot::num_coroutines()
    );
    let mut counts = offshoot::__resource_counts();
    for _ in 0..100 {
        offshoot::time::sleep(Duration::from_millis(50));
        let now = offshoot::__resource_counts();
        if now == counts && now.1 <= kept_at_most() {
            break;
        }
        counts = now;
    }
    counts
}

/// Fills the pools to their caps: 10,000 coroutines alive at once, then all ended.
fn warm_up() {
    let release = WaitGroup::new();
    release.add(1);
    let handles: Vec<_> = (0..PER_WAVE)
        .map(|_| {
            let release = release.clone();
            offshoot::go(move || release.wait())
        })
        .collect();
    release.done();
    for handle in handles {
        handle.join().unwrap();
    }
}

#[test]
fn ten_million_coroutines_in_waves_give_back_every_task_and_stack() {
    common::watchdog("ten_million_coroutines_in_waves", 300, || {
        offshoot::run(|| {
            let sum = Arc::new(AtomicU64::new(0));
            let runs = Arc::new(AtomicU64::new(0));
            warm_up();
            let (tasks_before, stacks_before) = settle();
            let rss_before = rss();
            let mut most_stacks = 0;
            for w in 0..waves() {
                wave(w, &sum, &runs);
                most_stacks = most_stacks.max(offshoot::__resource_counts().1);
            }
            let (tasks, stacks) = settle();
            let rss_after = rss();

            let total = waves() * PER_WAVE;
            assert_eq!(runs.load(Ordering::Relaxed), total, "each ran exactly once");
            assert_eq!(sum.load(Ordering::Relaxed), total * (total - 1) / 2);
            // Every task and stack came back: what exists now is what the pools keep.
            assert!(
                tasks <= kept_at_most(),
                "{tasks} tasks kept after the waves"
            );
            assert!(
                stacks <= kept_at_most(),
                "{stacks} stacks kept after the waves"
            );
            // While the load lasts, too: stacks are reused, not mapped anew while the last
            // wave's wait to be unmapped (at most a wave's worth beyond what is kept).
            assert!(
                most_stacks <= PER_WAVE as usize + kept_at_most(),
                "{most_stacks} stacks mapped after a wave"
            );
            // Not under a sanitizer: ASan holds freed memory in quarantine, TSan maps
            // shadow memory as it goes.
            assert!(
                common::slowdown() > 1 || rss_after <= rss_before + RSS_SLACK,
                "memory grew: {rss_before} bytes resident before the waves, {rss_after} \
                     after"
            );
            println!(
                "{tasks} tasks and {stacks} stacks kept after {} waves ({tasks_before} \
                     and {stacks_before} before, at most {most_stacks} stacks between waves); \
                     {rss_after} bytes resident ({rss_before} before)",
                waves()
            );
        });
    });
}
