//! Work stealing's patience (`runtime/steal_patience.rs`): a thief leaves a short run queue to
//! its owner while the owner keeps picking tasks, but not to an owner that computes. This
//! checks the second half, the one a wrong rule would break silently (coroutines queued behind
//! a spinner would wait for the whole spin). Whether a consumer keeps the producers it spawns
//! depends on timing and is measured by the `select100` and `mpmc` benchmarks instead. The
//! case runs in a child with two workers, whatever the machine has.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{is_child, printed, run_ignored_in_child};

/// How many coroutines wait behind the spinner: fewer than a queue shared at once.
const QUEUED: usize = 3;

fn thread_name() -> String {
    std::thread::current().name().unwrap_or("?").to_string()
}

#[test]
#[ignore = "run as a child process by coroutines_queued_behind_a_spinner_run_on_the_other_worker"]
fn child_spawns_then_spins() {
    if !is_child() {
        return;
    }
    let (spinner, ran) = offshoot::run(|| {
        let started = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = offshoot::chan(QUEUED);
        for _ in 0..QUEUED {
            let (tx, started) = (tx.clone(), started.clone());
            offshoot::go(move || {
                tx.send(thread_name()).unwrap();
                started.fetch_add(1, Ordering::SeqCst);
            });
        }
        // Computes without parking until all have run, or for 10 s: only another worker can
        // run them meanwhile.
        let deadline = Instant::now() + Duration::from_secs(10);
        while started.load(Ordering::SeqCst) < QUEUED && Instant::now() < deadline {
            std::hint::spin_loop();
        }
        let ran: Vec<String> = (0..started.load(Ordering::SeqCst))
            .map(|_| rx.recv().unwrap())
            .collect();
        (thread_name(), ran)
    });
    println!("SPINNER {spinner}");
    println!("RAN {}", ran.join(","));
}

#[test]
fn coroutines_queued_behind_a_spinner_run_on_the_other_worker() {
    let out = run_ignored_in_child(
        "child_spawns_then_spins",
        &[("OFFSHOOT_WORKERS", "2"), ("OFFSHOOT_STALL_REPORT", "0")],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let spinner = printed(&stdout, "SPINNER ");
    let ran: Vec<&str> = printed(&stdout, "RAN ")
        .split(',')
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(
        ran.len(),
        QUEUED,
        "all ran while the spinner spun: {stdout}"
    );
    assert!(
        ran.iter().all(|name| *name != spinner),
        "none on the spinner's thread {spinner}: {ran:?}"
    );
}
