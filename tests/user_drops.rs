//! User code, drops included, never runs on a runtime thread outside a catch (issue 11): a
//! detached coroutine whose result, or panic payload, panics when dropped used to kill the
//! worker that dropped it (with one worker the runtime then hung), and a result kept alive by a
//! cancelled timeout was dropped, and could panic, on the monitor thread.

mod common;

use std::fs;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use common::{run_watched, wait_until};
use offshoot::{chan, go};

/// One test at a time: each counts the runtime's threads.
static SERIAL: StdMutex<()> = StdMutex::new(());

/// Panics when dropped, after counting the drop and noting where it ran.
struct PanicsOnDrop {
    drops: Arc<AtomicUsize>,
    dropped_on: Arc<StdMutex<Vec<String>>>,
}

impl PanicsOnDrop {
    fn new(drops: &Arc<AtomicUsize>, dropped_on: &Arc<StdMutex<Vec<String>>>) -> PanicsOnDrop {
        PanicsOnDrop {
            drops: drops.clone(),
            dropped_on: dropped_on.clone(),
        }
    }
}

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        let thread = std::thread::current();
        self.dropped_on
            .lock()
            .unwrap()
            .push(thread.name().unwrap_or("?").to_string());
        self.drops.fetch_add(1, Ordering::SeqCst);
        panic!("PanicsOnDrop dropped");
    }
}

/// The runtime's threads alive now, by their name (the kernel keeps 15 bytes of it).
fn runtime_threads() -> (usize, usize) {
    let (mut workers, mut monitors) = (0, 0);
    for task in fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        match comm.trim() {
            "offshoot-worker" => workers += 1,
            "offshoot-monito" => monitors += 1,
            _ => {}
        }
    }
    (workers, monitors)
}

/// Starts the runtime and returns its thread counts once every worker has started.
fn runtime_started() -> (usize, usize) {
    run_watched("start", || ());
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = std::env::var("OFFSHOOT_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(workers);
    assert!(wait_until(Duration::from_secs(10), || runtime_threads()
        == (workers, 1)));
    (workers, 1)
}

/// Checks that no runtime thread died and that every worker still runs coroutines.
fn still_all_alive(expected: (usize, usize)) {
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(runtime_threads(), expected, "a runtime thread died");
    let sum = run_watched("afterwards", || {
        (0..200u64)
            .map(|i| go(move || i))
            .map(|h| h.join().unwrap())
            .sum::<u64>()
    });
    assert_eq!(sum, 199 * 200 / 2);
}

fn noted() -> (Arc<AtomicUsize>, Arc<StdMutex<Vec<String>>>) {
    (Arc::default(), Arc::default())
}

#[test]
fn detached_results_and_payloads_that_panic_when_dropped_kill_no_runtime_thread() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let expected = runtime_started();
    let (drops, dropped_on) = noted();
    const EACH: usize = 8;
    // The coroutines end only once every handle is gone, so each drops its own result.
    let (gate, wait) = chan::<()>(0);
    for _ in 0..EACH {
        let value = PanicsOnDrop::new(&drops, &dropped_on);
        let wait_here = wait.clone();
        drop(go(move || {
            let _ = wait_here.recv();
            value
        }));
        let payload = PanicsOnDrop::new(&drops, &dropped_on);
        let wait_here = wait.clone();
        drop(go(move || {
            let _ = wait_here.recv();
            std::panic::panic_any(payload) // a payload that panics when dropped
        }));
    }
    gate.close();
    assert!(
        wait_until(Duration::from_secs(20), || drops.load(Ordering::SeqCst)
            == 2 * EACH),
        "every detached result was dropped ({} of {})",
        drops.load(Ordering::SeqCst),
        2 * EACH
    );
    still_all_alive(expected);
}

#[test]
fn a_result_whose_handle_is_dropped_late_is_dropped_by_the_handles_owner() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let expected = runtime_started();
    let (drops, dropped_on) = noted();
    let value = PanicsOnDrop::new(&drops, &dropped_on);
    let handle = go(move || value);
    assert!(wait_until(Duration::from_secs(10), || handle.is_finished()));
    // The owner drops the handle inside a coroutine: the panic is that coroutine's.
    let owner = go(move || drop(handle));
    assert!(owner.join().is_err(), "the drop's panic went to the owner");
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    still_all_alive(expected);
}

#[test]
fn a_timeout_woken_early_does_not_keep_the_coroutine_until_its_deadline() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let expected = runtime_started();
    let (drops, dropped_on) = noted();
    let (tx, rx) = chan::<()>(0);
    let value = PanicsOnDrop::new(&drops, &dropped_on);
    let started = Instant::now();
    drop(go(move || {
        // Woken long before its 60 s deadline: the timer is cancelled.
        rx.recv_timeout(Duration::from_secs(60)).unwrap();
        value
    }));
    tx.send(()).unwrap();
    assert!(
        wait_until(Duration::from_secs(20), || drops.load(Ordering::SeqCst)
            == 1),
        "the result was not dropped until the cancelled timer's deadline"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    let on = dropped_on.lock().unwrap().clone();
    assert!(
        on.iter().all(|name| name != "offshoot-monitor"),
        "dropped on the monitor thread: {on:?}"
    );
    still_all_alive(expected);
}
