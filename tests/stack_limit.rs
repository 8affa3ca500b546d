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

/// Serialises the tests that use the limit: each needs all of it.
static LIMIT_USERS: std::sync::Mutex<()> = std::sync::Mutex::new(());

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
    let _serial = LIMIT_USERS.lock().unwrap_or_else(|e| e.into_inner());
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

/// A joined coroutine no longer counts against the limit, even if its worker has not switched
/// away from it yet: a full batch of joins makes room for a full batch of spawns at once.
#[test]
fn joined_coroutines_make_room_at_once() {
    let _serial = LIMIT_USERS.lock().unwrap_or_else(|e| e.into_inner());
    limited_runtime();
    for round in 0..200 {
        let handles: Vec<_> = (0..LIMIT)
            .map(|i| Builder::new().spawn(move || i * round).unwrap())
            .collect();
        for (i, handle) in handles.into_iter().enumerate() {
            assert_eq!(handle.join().unwrap(), i * round);
        }
        let again: Vec<_> = (0..LIMIT)
            .map(|i| Builder::new().spawn(move || i).map_err(|e| (round, e)))
            .collect();
        for handle in again {
            let handle = handle.unwrap_or_else(|(round, e)| {
                panic!("round {round}: the joined coroutines still counted: {e}")
            });
            handle.join().unwrap();
        }
    }
}

/// Runs `child` in a new process of this test binary, through `sh -c` so a ulimit can be set.
fn run_child(child: &str, shell_prefix: &str) -> String {
    let out = child_output(child, shell_prefix, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "child {child} failed: {:?}\n{stdout}\n{stderr}",
        out.status
    );
    stdout
}

fn child_output(child: &str, shell_prefix: &str, env: &[(&str, &str)]) -> std::process::Output {
    let exe = std::env::current_exe().unwrap();
    let script = format!(
        "{shell_prefix} exec \"$0\" --ignored --exact --nocapture --test-threads 1 {child}"
    );
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(exe)
        .env("OFFSHOOT_WORKERS", "2")
        .envs(env.iter().copied())
        .output()
        .expect("run the child test")
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
    // Stacks with PROT_NONE guard pages take two mappings each; guard markers (the default on
    // newer kernels) share one mapping between a batch of stacks and would need millions.
    let out = child_output(
        "child_map_count",
        "",
        &[("OFFSHOOT_STACK_GUARD", "mprotect")],
    );
    assert!(out.status.success(), "{out:?}");
    let out = String::from_utf8_lossy(&out.stdout);
    assert!(out.contains("REFUSED after"), "{out}");
    assert!(out.contains("vm.max_map_count"), "{out}");
    assert!(
        out.contains("sysctl -w vm.max_map_count="),
        "says how to raise it: {out}"
    );
    assert!(out.contains("RECOVERED"), "{out}");
}

/// Linux 6.13 added guard markers (`MADV_GUARD_INSTALL`), which offshoot's stacks use when the
/// kernel has them.
fn kernel_has_guard_markers() -> bool {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mut parts = release.trim().split(|c: char| !c.is_ascii_digit());
    let major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let minor: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (major, minor) >= (6, 13)
}

fn mappings() -> usize {
    std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .lines()
        .count()
}

#[test]
#[ignore = "run as a child process by stacks_share_mappings_with_guard_markers"]
fn child_count_mappings() {
    let release = WaitGroup::new();
    release.add(1);
    let before = mappings();
    let handles: Vec<_> = (0..5_000)
        .map(|_| {
            let release = release.clone();
            offshoot::go(move || release.wait())
        })
        .collect();
    println!("MAPPINGS {}", mappings() - before);
    release.done();
    for handle in handles {
        handle.join().unwrap();
    }
}

#[test]
fn stacks_share_mappings_with_guard_markers() {
    if !kernel_has_guard_markers() {
        eprintln!("kernel without guard markers: stacks take two mappings each; not checked");
        return;
    }
    let out = run_child("child_count_mappings", "");
    let added: usize = out
        .lines()
        .find_map(|l| l.split("MAPPINGS ").nth(1))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no count in {out}"));
    // 5,000 stacks in batches of 32 take at most about 160 mappings (fewer when the kernel
    // merges neighbouring batches); with a PROT_NONE guard page each they would take 10,000.
    assert!(
        added < 1_000,
        "5,000 parked coroutines added {added} mappings"
    );
}
