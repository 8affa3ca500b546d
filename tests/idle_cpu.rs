//! An idle runtime parks its workers and its monitor: it burns no CPU while nothing runs.

use std::time::{Duration, Instant};

/// CPU time used so far by every thread of this process, in nanoseconds (Linux schedstat: the
/// first field of each thread's `schedstat` is its time on a CPU).
fn process_cpu_ns() -> u64 {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

#[test]
fn an_idle_runtime_uses_under_one_percent_of_a_cpu() {
    // Start the runtime and give it some work, so every worker has been awake.
    let handles: Vec<_> = (0..1000).map(|i| offshoot::go(move || i * 2)).collect();
    let sum: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(sum, 999 * 1000);
    offshoot::run(|| offshoot::time::sleep(Duration::from_millis(30)));
    // Let the workers run out of work and go to sleep.
    std::thread::sleep(Duration::from_millis(200));

    let (cpu0, t0) = (process_cpu_ns(), Instant::now());
    std::thread::sleep(Duration::from_secs(2));
    let (cpu, wall) = (process_cpu_ns() - cpu0, t0.elapsed().as_nanos() as u64);
    let share = cpu as f64 / wall as f64;
    assert!(
        share < 0.01,
        "an idle runtime used {:.2}% of a CPU ({cpu} ns in {wall} ns)",
        share * 100.0
    );
}
