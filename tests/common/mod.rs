//! Helpers shared by the behaviour tests: a watchdog that turns a hang into a named failure,
//! polling with a deadline, panic-payload text, and re-running tests in a one-worker child process.
//!
//! Each `tests/*.rs` file is its own binary and includes this module, so not every helper is
//! used by every binary.

#![allow(dead_code)]

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a test may run before the watchdog calls it hung. Generous: a test that takes a
/// tenth of this on a loaded 2-core machine is already slow.
pub const WATCHDOG_SECS: u64 = 30;

/// How many times slower than a plain release build this run is expected to be: the value of
/// `OFFSHOOT_TEST_SLOWDOWN` (`.ci/run` sets it for the sanitizer jobs, which run 2 to 15 times
/// slower), else 1. Watchdogs wait that many times longer, so that a slow build is not called
/// hung; nothing else changes.
pub fn slowdown() -> u64 {
    std::env::var("OFFSHOOT_TEST_SLOWDOWN")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(1)
}

/// Runs `f` on its own thread and returns its result; panics, naming `name`, if it has not
/// finished within `secs` seconds times [`slowdown`] (a deadlock or a lost wake-up). A panic in `f` is re-raised
/// here with its payload unchanged, so `#[should_panic(expected = ...)]` still sees the message.
///
/// A hung body is left behind on its thread; the failure message is what matters.
pub fn watchdog<T, F>(name: &str, secs: u64, f: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name(format!("watchdog:{name}"))
        .spawn(move || {
            let result = panic::catch_unwind(AssertUnwindSafe(f));
            let _ = tx.send(result);
        })
        .expect("cannot start the watchdog's test thread");
    let secs = secs * slowdown();
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(Ok(value)) => value,
        Ok(Err(payload)) => panic::resume_unwind(payload),
        Err(mpsc::RecvTimeoutError::Timeout) => panic!(
            "watchdog: test `{name}` did not finish within {secs} s \
             (a deadlock, a lost wake-up or a starved coroutine)"
        ),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            panic!("watchdog: test `{name}` lost its thread without a result")
        }
    }
}

/// [`watchdog`] with the default [`WATCHDOG_SECS`], running `f` as the main coroutine
/// (`offshoot::run`), which is what most tests want.
pub fn run_watched<T, F>(name: &str, f: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    watchdog(name, WATCHDOG_SECS, move || offshoot::run(f))
}

/// Polls `cond` (every millisecond or so, with the thread's own sleep) until it holds or
/// `timeout` passes. Returns whether it held. Callable from a plain thread only: in a coroutine
/// it would block its worker.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Computes for `duration` without parking or yielding: a coroutine that holds its worker.
pub fn spin_for(duration: Duration) {
    let start = Instant::now();
    while start.elapsed() < duration {
        std::hint::spin_loop();
    }
}

/// The text of a panic payload (`&str` or `String`), or a placeholder for other types.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}

/// Set in the environment of a child started by [`rerun_with_one_worker`], so that the child
/// does not start children of its own.
pub const CHILD_MARKER: &str = "OFFSHOOT_TEST_CHILD";

/// True inside a child started by [`rerun_with_one_worker`].
pub fn is_child() -> bool {
    std::env::var_os(CHILD_MARKER).is_some()
}

/// Runs the one ignored test `test` of this binary in a child process (marked with
/// [`CHILD_MARKER`], and `env` added), for a case that kills its process or must be seen from
/// outside (a fault, an abort, what a panic prints); returns what the child did.
pub fn run_ignored_in_child(test: &str, env: &[(&str, &str)]) -> std::process::Output {
    let args = [
        "--exact",
        test,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ];
    Command::new(std::env::current_exe().expect("the test binary's path"))
        .args(args)
        .env(CHILD_MARKER, "1")
        .envs(env.iter().copied())
        .output()
        .expect("cannot start the child")
}

/// The text a child printed after `key` on the first line that holds it (libtest may print the
/// test's name on the same line first), trimmed. Panics, showing `stdout`, if none holds it.
pub fn printed<'a>(stdout: &'a str, key: &str) -> &'a str {
    stdout
        .lines()
        .find_map(|line| line.split(key).nth(1))
        .unwrap_or_else(|| panic!("no {key} in {stdout}"))
        .trim()
}

/// What `child`, started with its stderr piped, has written there: all of it once the child has
/// ended, or what is readable now if it was killed.
pub fn take_stderr(child: &mut std::process::Child) -> String {
    use std::io::Read;
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        pipe.read_to_string(&mut stderr).ok();
    }
    stderr
}

/// Runs the tests of this binary whose names contain `filter` again, in a child process with
/// `OFFSHOOT_WORKERS=1`, and panics (with the child's output) if any fails or the child runs
/// longer than `secs`. The runtime is one per process and its worker count is fixed when it
/// starts, so this is the only way for one test binary to check behaviour on one worker
/// whatever `OFFSHOOT_WORKERS` the suite itself runs under.
///
/// Does nothing in a child, so a test calling it cannot recurse.
pub fn rerun_with_one_worker(filter: &str, secs: u64) {
    if is_child() {
        return;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut child = Command::new(exe)
        .args([filter, "--test-threads=2", "--nocapture"])
        .env("OFFSHOOT_WORKERS", "1")
        .env(CHILD_MARKER, "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("cannot start the one-worker child");
    // Drain the pipes on threads so a chatty child cannot fill them and block.
    let out = drain(child.stdout.take().expect("piped stdout"));
    let err = drain(child.stderr.take().expect("piped stderr"));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the child") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let output = format!(
        "--- child stdout ---\n{}\n--- child stderr ---\n{}",
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default()
    );
    match status {
        None => panic!(
            "the one-worker run of `{filter}` did not finish within {secs} s \
             (starvation?)\n{output}"
        ),
        Some(status) if !status.success() => {
            panic!("the one-worker run of `{filter}` failed ({status})\n{output}")
        }
        Some(_) => assert!(
            !output.contains("running 0 tests"),
            "the filter `{filter}` matched no test in the child\n{output}"
        ),
    }
}

fn drain(mut pipe: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}
