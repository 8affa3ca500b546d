//! A panic in a coroutine names the coroutine (its number and name) before the usual message,
//! which names only the worker thread. The panic output goes to stderr, so each case runs in a
//! child: this test binary started again on one ignored test.

mod common;

use common::{is_child, run_ignored_in_child};

#[test]
#[ignore = "run as a child process by a_coroutine_panic_names_the_coroutine"]
fn child_panics_in_named_and_unnamed_coroutines() {
    if !is_child() {
        return;
    }
    offshoot::run(|| {
        let named = offshoot::Builder::new()
            .name("worker bee".to_string())
            .spawn(|| panic!("the named one failed"))
            .unwrap();
        assert!(named.join().is_err());
        let unnamed = offshoot::go(|| panic!("the unnamed one failed"));
        assert!(unnamed.join().is_err());
    });
    // A plain thread's panic, with the runtime (and its hook) running: no coroutine to name.
    let caught = std::thread::spawn(|| std::panic::catch_unwind(|| panic!("a plain thread's")));
    assert!(caught.join().unwrap().is_err());
    println!("CHILD DONE");
}

#[test]
fn a_coroutine_panic_names_the_coroutine() {
    let out = run_ignored_in_child("child_panics_in_named_and_unnamed_coroutines", &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("CHILD DONE"), "{stdout}");
    let lines: Vec<&str> = stderr.lines().collect();
    // The naming line comes right before the hook's usual message, which still follows.
    let named = lines
        .iter()
        .position(|l| {
            l.starts_with("offshoot: coroutine ")
                && l.ends_with(
                    " \"worker bee\" panicked; its JoinHandle's join() returns the payload",
                )
        })
        .unwrap_or_else(|| panic!("no line names the coroutine:\n{stderr}"));
    assert!(stderr[stderr.find(lines[named]).unwrap()..].contains("the named one failed"));
    let unnamed = lines
        .iter()
        .find(|l| {
            l.starts_with("offshoot: coroutine ")
                && l.ends_with(" panicked; its JoinHandle's join() returns the payload")
                && !l.contains('"')
        })
        .unwrap_or_else(|| panic!("no line numbers the unnamed coroutine:\n{stderr}"));
    let number = |line: &str| -> u64 {
        line["offshoot: coroutine ".len()..]
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no number in {line:?}"))
    };
    assert!(
        number(unnamed) > number(lines[named]),
        "numbered in spawn order:\n{stderr}"
    );
    assert!(stderr.contains("a plain thread's"), "{stderr}");
    let naming = lines
        .iter()
        .filter(|l| l.starts_with("offshoot: coroutine "))
        .count();
    assert_eq!(
        naming, 2,
        "the plain thread's panic names no coroutine:\n{stderr}"
    );
}
