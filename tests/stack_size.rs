//! A stack size past the limit is a clear error wherever it is given, never a crash.
//!
//! Issue 11: `Builder::stack_size(usize::MAX)` (or `OFFSHOOT_STACK_SIZE` of that size) wrapped,
//! when rounded up to whole pages, to a stack of no usable page: the coroutine died of SIGSEGV
//! on its guard page as it started. Such cases run in a child process (this test binary run
//! again with one ignored test selected), so that a crash fails the test instead of killing the
//! harness.

mod common;

use std::io;
use std::panic;
use std::process::{Command, Output};

use common::panic_message;
use offshoot::{Builder, Config, MAX_STACK_SIZE};

/// Runs the ignored test `child` in a new process of this test binary, with `env` set.
fn child_output(child: &str, env: &[(&str, &str)]) -> Output {
    Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "--nocapture", "--test-threads", "1"])
        .arg(child)
        .env("OFFSHOOT_WORKERS", "2")
        .envs(env.iter().copied())
        .output()
        .expect("run the child test")
}

/// Asserts that the child succeeded and printed `DONE`; returns its stdout.
fn check_child(child: &str, env: &[(&str, &str)]) -> String {
    let out = child_output(child, env);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("DONE"),
        "child {child} failed ({:?}):\n{stdout}\n{stderr}",
        out.status
    );
    stdout
}

#[test]
#[ignore = "run as a child process by builder_refuses_a_stack_past_the_limit"]
fn child_builder_sizes() {
    let limit = MAX_STACK_SIZE;
    for size in [usize::MAX, usize::MAX - 4095, usize::MAX / 2, limit + 1] {
        let err = Builder::new()
            .stack_size(size)
            .spawn(|| println!("NOT REACHED: a coroutine ran"))
            .expect_err("a stack past the limit is refused");
        println!("{size}: {err}");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        let msg = err.to_string();
        assert!(msg.contains(&size.to_string()), "names the size: {msg}");
        assert!(msg.contains(&limit.to_string()), "names the limit: {msg}");
    }
    // Nothing was counted or broken: ordinary and large sizes still work.
    assert_eq!(offshoot::num_coroutines(), 0);
    for size in [64 * 1024, 64 << 20] {
        let handle = Builder::new().stack_size(size).spawn(move || size).unwrap();
        assert_eq!(handle.join().unwrap(), size);
    }
    println!("DONE");
}

#[test]
fn builder_refuses_a_stack_past_the_limit() {
    let out = check_child("child_builder_sizes", &[]);
    assert!(!out.contains("NOT REACHED"), "{out}");
}

#[test]
#[ignore = "run as a child process by an_environment_stack_size_past_the_limit_is_named"]
fn child_env_size() {
    let payload = panic::catch_unwind(|| offshoot::go(|| ()).join())
        .expect_err("the runtime does not start with that stack size");
    let msg = panic_message(&*payload);
    println!("PANIC {msg}");
    assert!(
        msg.contains("OFFSHOOT_STACK_SIZE"),
        "names the variable: {msg}"
    );
    assert!(
        msg.contains(&MAX_STACK_SIZE.to_string()),
        "names the limit: {msg}"
    );
    println!("DONE");
}

#[test]
fn an_environment_stack_size_past_the_limit_is_named() {
    for size in [
        usize::MAX.to_string(),
        format!("{}k", (MAX_STACK_SIZE >> 10) + 1),
    ] {
        check_child("child_env_size", &[("OFFSHOOT_STACK_SIZE", &size)]);
    }
}

#[test]
fn config_refuses_a_stack_past_the_limit() {
    for size in [usize::MAX, MAX_STACK_SIZE + 1] {
        let payload = panic::catch_unwind(|| Config::new().stack_size(size))
            .expect_err("Config::stack_size refuses a size past the limit");
        let msg = panic_message(&*payload);
        assert!(msg.contains("Config::stack_size"), "{msg}");
        assert!(msg.contains(&size.to_string()), "names the size: {msg}");
        assert!(
            msg.contains(&MAX_STACK_SIZE.to_string()),
            "names the limit: {msg}"
        );
    }
    // The limit itself is allowed.
    let _ = Config::new().stack_size(MAX_STACK_SIZE);
}
