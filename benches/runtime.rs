//! Runtime micro-benchmarks, the same workloads as `benches/go/main.go`.
//!
//! `cargo bench --bench runtime -- WORKLOAD` prints one line, `workload value unit`; with no
//! workload it runs them all. Workloads:
//! - `spawn`: start 1,000,000 coroutines that each call `WaitGroup::done`, wait for all; ns each.
//! - `spawn_join`: 200,000 times in sequence, start a coroutine and join it; ns each.
//! - `yield`: two coroutines each calling `yield_now` 1,000,000 times; ns per call.
//! - `yield1`: one coroutine calling `yield_now` 1,000,000 times alone; ns per call.
//! - `parked`: resident memory added by 100,000 coroutines parked on a `WaitGroup`; bytes each.
//!   Needs `vm.max_map_count` above 200,000 (each stack is two mappings).
//! - `million`: the main coroutine starts 1,000,000 coroutines that each send one `u64` on one
//!   unbuffered channel to a collector, which sums them; total ms. `million_peak`: the same run,
//!   reporting the process's peak resident memory (VmHWM) in MiB instead.
//!
//! - `spinner_homed`: a coroutine that sleeps 10 ms on the worker where another then spins for
//!   300 ms without parking: how late it wakes, in ms (it cannot move: it has started there).
//! - `spinner_new`: a coroutine spawned behind that spinner: how long until it starts, in ms (it
//!   may move to another worker, if there is one). Run both with `OFFSHOOT_WORKERS=1` and `2`.
//!
//! Every workload runs inside `offshoot::run`, as Go's run inside `main`.

mod common;

use common::per_op;
use std::time::Instant;

use offshoot::sync::WaitGroup;
use offshoot::{go, yield_now};

fn main() {
    common::main_with(&[
        ("spawn", spawn),
        ("spawn_join", spawn_join),
        ("yield", yield_two),
        ("yield1", yield_one),
        ("parked", parked),
        ("million", || million().0),
        ("million_peak", || million().1),
        ("spinner_homed", spinner_homed),
        ("spinner_new", spinner_new),
    ]);
}

fn spawn() -> String {
    const N: u64 = 1_000_000;
    let wg = WaitGroup::new();
    let start = Instant::now();
    for _ in 0..N {
        wg.add(1);
        let wg = wg.clone();
        drop(go(move || wg.done()));
    }
    wg.wait();
    per_op("spawn", start, N)
}

fn spawn_join() -> String {
    const N: u64 = 200_000;
    let start = Instant::now();
    for _ in 0..N {
        go(|| ()).join().unwrap();
    }
    per_op("spawn_join", start, N)
}

fn yield_two() -> String {
    const N: u64 = 1_000_000;
    let start = Instant::now();
    let handles: Vec<_> = (0..2)
        .map(|_| {
            go(|| {
                for _ in 0..N {
                    yield_now();
                }
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
    per_op("yield", start, 2 * N)
}

fn yield_one() -> String {
    const N: u64 = 1_000_000;
    let start = Instant::now();
    go(|| {
        for _ in 0..N {
            yield_now();
        }
    })
    .join()
    .unwrap();
    per_op("yield1", start, N)
}

/// How long the spinner of `spinner_*` holds its worker.
const SPIN: std::time::Duration = std::time::Duration::from_millis(300);

fn spin() {
    let start = Instant::now();
    while start.elapsed() < SPIN {
        std::hint::spin_loop();
    }
}

fn spinner_homed() -> String {
    let (tx, rx) = offshoot::chan(1);
    let sleeper = go(move || {
        let start = Instant::now();
        offshoot::time::sleep(std::time::Duration::from_millis(10));
        tx.send(start.elapsed()).unwrap();
    });
    yield_now(); // the sleeper starts here, on this worker, and parks
    let spinner = go(spin); // in this worker's runnext: it runs as soon as we park
    let slept = rx.recv().unwrap();
    spinner.join().unwrap();
    sleeper.join().unwrap();
    format!("spinner_homed {:.1} ms", slept.as_secs_f64() * 1e3)
}

fn spinner_new() -> String {
    let (tx, rx) = offshoot::chan(1);
    let spinner = go(spin);
    let spawned = Instant::now();
    let new = go(move || tx.send(spawned.elapsed()).unwrap()); // queued behind the spinner
    let waited = rx.recv().unwrap();
    spinner.join().unwrap();
    new.join().unwrap();
    format!("spinner_new {:.1} ms", waited.as_secs_f64() * 1e3)
}

fn parked() -> String {
    const N: usize = 100_000;
    let release = WaitGroup::new();
    release.add(1);
    let started = WaitGroup::new();
    let before = resident_bytes();
    let handles: Vec<_> = (0..N)
        .map(|_| {
            let (release, started) = (release.clone(), started.clone());
            started.add(1);
            go(move || {
                started.done();
                release.wait();
            })
        })
        .collect();
    started.wait();
    offshoot::time::sleep(std::time::Duration::from_millis(100));
    let after = resident_bytes();
    release.done();
    handles.into_iter().for_each(|h| h.join().unwrap());
    format!(
        "parked {} bytes/coroutine",
        (after.saturating_sub(before)) / N as u64
    )
}

/// The `million` workload: its time line and its peak-memory line.
fn million() -> (String, String) {
    const N: u64 = 1_000_000;
    let (tx, rx) = offshoot::chan::<u64>(0);
    let start = Instant::now();
    let collector = go(move || (0..N).map(|_| rx.recv().unwrap()).sum::<u64>());
    for i in 0..N {
        let tx = tx.clone();
        drop(go(move || tx.send(i).unwrap()));
    }
    let sum = collector.join().unwrap();
    let ms = start.elapsed().as_secs_f64() * 1e3;
    assert_eq!(sum, N * (N - 1) / 2, "million: every value summed once");
    let peak = status_kib("VmHWM:") as f64 / 1024.0;
    (
        format!("million {ms:.1} ms"),
        format!("million_peak {peak:.1} MiB"),
    )
}

/// VmRSS of this process, in bytes.
fn resident_bytes() -> u64 {
    status_kib("VmRSS:") * 1024
}

/// The line of /proc/self/status that starts with `key`, in KiB.
fn status_kib(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{key} in /proc/self/status"))
}
