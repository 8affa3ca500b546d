//! Spare workers: with a single worker held by a coroutine that never parks, coroutines that
//! have not started yet (and timers they wait on) are served by a spare thread meanwhile, and
//! the spare exits once it has nothing left. Each case runs in a child with one worker.

mod common;

use std::time::{Duration, Instant};

use common::{is_child, printed, run_ignored_in_child, spin_for, wait_until};

/// How long the spinner holds the only worker.
const SPIN: Duration = Duration::from_millis(1500);

fn process_threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

#[test]
#[ignore = "run as a child process by a_spare_serves_new_coroutines_behind_a_spinner"]
fn child_spins_on_the_only_worker() {
    if !is_child() {
        return;
    }
    let (waited, after_timer) = offshoot::run(|| {
        let (tx, rx) = offshoot::chan(2);
        let spinner = offshoot::go(|| spin_for(SPIN)); // runnext: runs as soon as main parks
        let spawned = Instant::now();
        let tx2 = tx.clone();
        // Queued behind the spinner: not started, so free to move.
        let new = offshoot::go(move || tx.send(spawned.elapsed()).unwrap());
        let timed = offshoot::go(move || {
            offshoot::time::after(Duration::from_millis(50))
                .recv()
                .unwrap();
            tx2.send(spawned.elapsed()).unwrap();
        });
        let waited: Duration = rx.recv().unwrap();
        let after_timer: Duration = rx.recv().unwrap();
        spinner.join().unwrap();
        new.join().unwrap();
        timed.join().unwrap();
        (waited, after_timer)
    });
    println!("WAITED {}", waited.as_millis());
    println!("TIMER {}", after_timer.as_millis());
    // The spare retires once it has nothing to run and no coroutine of its own.
    let baseline = 1 /* this thread */ + 1 /* libtest's main */ + 1 /* worker */ + 1 /* monitor */;
    let retired = wait_until(Duration::from_secs(10), || process_threads() <= baseline);
    println!("RETIRED {retired} ({} threads)", process_threads());
}

#[test]
fn a_spare_serves_new_coroutines_behind_a_spinner() {
    let out = run_ignored_in_child(
        "child_spins_on_the_only_worker",
        &[("OFFSHOOT_WORKERS", "1"), ("OFFSHOOT_STALL_REPORT", "0")],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let value = |key: &str| -> u128 { printed(&stdout, key).parse().unwrap() };
    // Without a spare both would wait for the whole spin (1,500 ms); a spare starts within a
    // monitor interval or two (10 ms each). Half the spin leaves room for a loaded machine.
    let half = SPIN.as_millis() / 2;
    assert!(value("WAITED") < half, "{stdout}");
    assert!(value("TIMER") < half, "{stdout}");
    assert!(stdout.contains("RETIRED true"), "{stdout}");
}
