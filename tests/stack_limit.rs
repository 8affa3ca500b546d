//! When no stack can be had, starting a coroutine fails with a clear error, nothing crashes, and
//! room comes back when coroutines finish.
//!
//! The configured limit (`Config::max_coroutines`) is tested in this process, which sets it
//! before the runtime starts. The kernel's limits are tested in child processes (this test
//! binary run again with one ignored test selected): one under `ulimit -v`, which makes `mmap`
//! fail the way an exhausted `vm.max_map_count` does, and one against `vm.max_map_count` itself
//! where it is low enough to reach quickly.

use std::panic;
use std::process::Command;
use std::sync::Once;

use offshoot::sync::WaitGroup;
use offshoot::{Builder, Config};

const LIMIT: usize = 64;

fn limited_runtime() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        Config::new()
            .max_coroutines(LIMIT)
            .init()
            .expect("runtime not started yet")
    });
}

/// Parks coroutines on `release` until `spawn` refuses one; returns the handles and the error.
fn fill(release: &WaitGroup) -> (Vec<offshoot::JoinHandle<()>>, std::io::Error) {
    let mut handles = Vec::with_capacity(200_000);
    loop {
        let release = release.clone();
        match Builder::new().spawn(move || release.wait()) {
            Ok(handle) => handles.push(handle),
            Err(err) => return (handles, err),
        }
        assert!(handles.len() < 200_000, "no limit was reached");
    }
}

#[test]
fn the_configured_limit_refuses_with_a_clear_error_and_recovers() {
    limited_runtime();
    let release = WaitGroup::new();
    release.add(1);
    let (handles, err) = fill(&release);
    assert_eq!(handles.len(), LIMIT);
    assert_eq!(err.kind(), std::io::ErrorKind::OutOfMemory);
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("{LIMIT} coroutines are alive")),
        "{msg}"
    );
    assert!(
        msg.contains("max_coroutines"),
        "says how to raise it: {msg}"
    );

    // `go` panics with the same message rather than failing silently.
    let panicked =
        panic::catch_unwind(|| offshoot::go(|| ())).expect_err("go must panic at the limit");
    let text = panicked
        .downcast_ref::<String>()
        .expect("a formatted message");
    assert!(text.contains("coroutines are alive"), "{text}");

    release.done();
    for handle in handles {
        handle.join().expect("parked coroutines finish normally");
    }
    // The finished coroutines made room again.
    let again: Vec<_> = (0..LIMIT).map(|i| offshoot::go(move || i)).collect();
    let sum: usize = again.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(sum, LIMIT * (LIMIT - 1) / 2);
}

/// Runs `child` in a new process of this test binary, through `sh -c` so a ulimit can be set.
fn run_child(child: &str, shell_prefix: &str) -> String {
    let exe = std::env::current_exe().unwrap();
    let script = format!(
        "{shell_prefix} exec \"$0\" --ignored --exact --nocapture --test-threads 1 {child}"
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(exe)
        .env("OFFSHOOT_WORKERS", "2")
        .output()
        .expect("run the child test");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "child {child} failed: {:?}\n{stdout}\n{stderr}",
        out.status
    );
    stdout
}

/// The child: fills the runtime until a stack mapping fails, prints the error, releases
/// everything, and checks a new coroutine can start.
fn child_fill_until_refused() {
    let release = WaitGroup::new();
    release.add(1);
    let (handles, err) = fill(&release);
    println!("REFUSED after {} coroutines: {err}", handles.len());
    release.done();
    for handle in handles {
        handle.join().unwrap();
    }
    assert_eq!(offshoot::go(|| 7).join().unwrap(), 7);
    println!("RECOVERED");
}

#[test]
#[ignore = "run as a child process by address_space_limit_gives_a_clear_error"]
fn child_address_space() {
    child_fill_until_refused();
}

#[test]
fn address_space_limit_gives_a_clear_error() {
    // 3 GiB of address space: room for the test harness and some thousands of 256 KiB stacks.
    let out = run_child("child_address_space", "ulimit -v 3145728 &&");
    assert!(out.contains("REFUSED after"), "{out}");
    assert!(
        out.contains("cannot allocate a 256 KiB coroutine stack"),
        "{out}"
    );
    assert!(out.contains("coroutines alive"), "{out}");
    assert!(out.contains("RECOVERED"), "{out}");
}

#[test]
#[ignore = "run as a child process by map_count_limit_names_vm_max_map_count"]
fn child_map_count() {
    child_fill_until_refused();
}

#[test]
fn map_count_limit_names_vm_max_map_count() {
    let max: usize = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .map(|s| s.trim().parse().unwrap())
        .unwrap_or(usize::MAX);
    if max > 262_144 {
        eprintln!("vm.max_map_count is {max}: reaching it would take too long; not run here");
        return;
    }
    let out = run_child("child_map_count", "");
    assert!(out.contains("REFUSED after"), "{out}");
    assert!(out.contains("vm.max_map_count"), "{out}");
    assert!(
        out.contains("sysctl -w vm.max_map_count="),
        "says how to raise it: {out}"
    );
    assert!(out.contains("RECOVERED"), "{out}");
}
