//! The stall report: a coroutine that holds its worker for long while others wait for it is
//! named on stderr, once per stall. Each case runs in a child with one worker, so the spinner's
//! worker is the only one and the waiting coroutine has nowhere else to go.

mod common;

use std::time::Duration;

use common::{is_child, run_ignored_in_child, spin_for};

/// How long the spinner holds its worker: several times the report's threshold (100 ms).
const SPIN: Duration = Duration::from_millis(600);

#[test]
#[ignore = "run as a child process by a_spinner_is_reported_once"]
fn child_spins_while_another_waits() {
    if !is_child() {
        return;
    }
    offshoot::run(|| {
        // A coroutine that sleeps 10 ms: its timer falls due while the spinner holds the worker.
        let sleeper = offshoot::Builder::new()
            .name("sleeper".into())
            .spawn(|| offshoot::time::sleep(Duration::from_millis(10)))
            .unwrap();
        offshoot::yield_now(); // let the sleeper start and park
        let spinner = offshoot::Builder::new()
            .name("spinner".into())
            .spawn(|| spin_for(SPIN))
            .unwrap();
        spinner.join().unwrap();
        sleeper.join().unwrap();
        // A second spin, after parking in between: a new stall, reported again. Its waiter
        // has started here too, so no spare can take it (one not started would move).
        let sleeper = offshoot::go(|| offshoot::time::sleep(Duration::from_millis(10)));
        offshoot::yield_now();
        let again = offshoot::Builder::new()
            .name("spinner again".into())
            .spawn(|| spin_for(SPIN))
            .unwrap();
        again.join().unwrap();
        sleeper.join().unwrap();
    });
    println!("CHILD DONE");
}

#[test]
fn a_spinner_is_reported_once() {
    let out = run_ignored_in_child(
        "child_spins_while_another_waits",
        &[("OFFSHOOT_WORKERS", "1")],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("CHILD DONE"), "{stdout}");
    let reports: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("offshoot: worker 0 has been running coroutine "))
        .collect();
    // Exactly one report per stall. (A loaded machine may stall another coroutine past the
    // threshold by descheduling its thread; such reports name other coroutines.)
    let naming = |name: &str| {
        let needle = format!("{name:?} (started at tests/stall_report.rs:");
        let found: Vec<&&str> = reports.iter().filter(|r| r.contains(&needle)).collect();
        assert_eq!(found.len(), 1, "one report for {name}: {stderr}");
        *found[0]
    };
    let reports = [naming("spinner"), naming("spinner again")];
    for report in &reports {
        assert!(report.contains(" ms without parking; 1 coroutine is waiting for it."));
        assert!(report.contains("offshoot::yield_now()") && report.contains("offshoot::blocking"));
    }
}

#[test]
#[ignore = "run as a child process by the_report_can_be_turned_off"]
fn child_spins_with_the_report_off() {
    if !is_child() {
        return;
    }
    child_spins_while_another_waits();
}

#[test]
fn the_report_can_be_turned_off() {
    let out = run_ignored_in_child(
        "child_spins_with_the_report_off",
        &[("OFFSHOOT_WORKERS", "1"), ("OFFSHOOT_STALL_REPORT", "0")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("has been running coroutine"), "{stderr}");
}
