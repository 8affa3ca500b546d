//! A coroutine that overflows its stack is named before the process aborts; a fault that is not
//! a coroutine's overflow still reaches the handler that was there before (here: the default
//! action, a `SIGSEGV`). Each case kills its process, so it runs in a child: this test binary
//! started again on one ignored test.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::process::Output;

use common::{is_child, run_ignored_in_child};

fn run_child(test: &str) -> Output {
    run_ignored_in_child(test, &[])
}

/// Recurses with a frame that the optimiser cannot remove, until the stack runs out.
#[inline(never)]
#[allow(unconditional_recursion)]
fn recurse(depth: u64) -> u64 {
    let frame = std::hint::black_box([depth; 64]);
    frame[(depth % 64) as usize] + recurse(depth + 1) + std::hint::black_box(1)
}

#[test]
#[ignore = "run as a child process by a_coroutine_overflow_is_named_and_aborts"]
fn child_overflows_a_coroutine() {
    if !is_child() {
        return;
    }
    offshoot::run(|| {
        let handle = offshoot::Builder::new()
            .name("deep diver".to_string())
            .stack_size(64 * 1024)
            .spawn(|| recurse(0))
            .unwrap();
        let _ = handle.join();
    });
    unreachable!("the overflow ends the process");
}

/// With either kind of guard page (a guard marker, or `PROT_NONE` where the kernel has no
/// markers), the overflow hits the guard, is named, and aborts the process.
#[test]
fn a_coroutine_overflow_is_named_and_aborts() {
    for guard in ["marker", "mprotect"] {
        let out = run_ignored_in_child(
            "child_overflows_a_coroutine",
            &[("OFFSHOOT_STACK_GUARD", guard)],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGABRT),
            "guard {guard}: the process aborts: {:?}\n{stderr}",
            out.status
        );
        // The main coroutine is number 1, the overflowing one number 2.
        assert!(
            stderr.contains(
                "offshoot: coroutine 2 \"deep diver\" overflowed its 64 KiB stack; give it more \
                 with Builder::stack_size or OFFSHOOT_STACK_SIZE"
            ),
            "guard {guard}: {stderr}"
        );
    }
}

#[test]
#[ignore = "run as a child process by a_fault_elsewhere_still_kills_with_sigsegv"]
fn child_faults_outside_any_stack() {
    if !is_child() {
        return;
    }
    // Start the runtime (and so its handler), then fault on a plain thread, at address 16.
    offshoot::go(|| 1).join().unwrap();
    let address = std::hint::black_box(16usize) as *mut u8;
    // SAFETY: none: this write faults on purpose, in a child process.
    unsafe { address.write_volatile(1) };
    unreachable!("the write faults");
}

/// Runs `child` and checks that its fault reached the default action, unreported.
fn assert_plain_fault(child: &str) {
    let out = run_child(child);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGSEGV),
        "{child}: the default action: {:?}\n{stderr}",
        out.status
    );
    assert!(!stderr.contains("overflowed"), "{child}: {stderr}");
}

#[test]
fn a_fault_elsewhere_still_kills_with_sigsegv() {
    assert_plain_fault("child_faults_outside_any_stack");
}

#[test]
#[ignore = "run as a child process by a_coroutine_fault_outside_its_guard_is_not_an_overflow"]
fn child_faults_in_a_coroutine() {
    if !is_child() {
        return;
    }
    offshoot::run(|| {
        let _ = offshoot::go(|| {
            let address = std::hint::black_box(16usize) as *mut u8;
            // SAFETY: none: this write faults on purpose, in a child process.
            unsafe { address.write_volatile(1) };
        })
        .join();
    });
    unreachable!("the write faults");
}

/// A null-page write in a coroutine is a plain fault, not an overflow.
#[test]
fn a_coroutine_fault_outside_its_guard_is_not_an_overflow() {
    assert_plain_fault("child_faults_in_a_coroutine");
}
