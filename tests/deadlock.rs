//! The deadlock report, each case in a child process of its own.
//!
//! The rule (src/runtime/deadlock.rs) reports only when every thread of the process is
//! accounted for, and libtest keeps a thread of its own waiting for results: so this binary has
//! no harness. Run without arguments, it runs itself once per case with `DEADLOCK_CASE` set,
//! and checks how each child ended. A child runs its case on its main thread, with no other
//! threads but the runtime's.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use offshoot::sync::{Mutex, WaitGroup};
use offshoot::{chan, go, Builder};

mod common;

/// Long enough that a report would have come (two looks 100 ms apart, plus scheduling slack).
const QUIET: Duration = Duration::from_millis(700);

const REPORT: &str = "all coroutines are asleep - deadlock!";

fn main() {
    if let Ok(case) = std::env::var("DEADLOCK_CASE") {
        return run_case(&case);
    }
    let started = Instant::now();
    for (name, expect) in CASES {
        let outcome = std::panic::catch_unwind(|| check(name, expect));
        match outcome {
            Ok(()) => println!("test {name} ... ok"),
            Err(_) => {
                println!("test {name} ... FAILED");
                std::process::exit(1);
            }
        }
    }
    println!(
        "{} deadlock cases passed in {:?}",
        CASES.len(),
        started.elapsed()
    );
}

/// What a case's child must do.
enum Expect {
    /// Panic in `run` with the report, which must contain each of these.
    Report(&'static [&'static str]),
    /// Finish normally, printing no report.
    Finish,
    /// Still be waiting after [`QUIET`], silent (the report is off).
    Silent,
}

const CASES: &[(&str, Expect)] = &[
    (
        "main_waits_on_a_channel",
        Expect::Report(&["coroutine 1 [chan receive, ", "tests/deadlock.rs:"]),
    ),
    (
        "main_waits_on_a_wait_group",
        Expect::Report(&["[sync.WaitGroup.Wait, "]),
    ),
    (
        "main_waits_on_a_mutex",
        Expect::Report(&["[sync.Mutex.Lock, ", "\"holder\" [chan receive, "]),
    ),
    (
        "two_coroutines_wait_on_each_other",
        Expect::Report(&[
            "[join, ",
            "\"left\" [chan receive, ",
            "\"right\" [chan receive, ",
            "started at tests/deadlock.rs:",
        ]),
    ),
    (
        "main_waits_on_a_select",
        Expect::Report(&["coroutine 1 [select, "]),
    ),
    ("a_sleeping_coroutine_sends_later", Expect::Finish),
    ("a_blocking_call_sends_later", Expect::Finish),
    ("a_plain_thread_sends_later", Expect::Finish),
    ("a_socket_is_waited_on", Expect::Finish),
    ("a_ticker_runs_while_main_waits_for_it", Expect::Finish),
    ("the_report_switched_off_by_the_environment", Expect::Silent),
    ("the_report_switched_off_by_config", Expect::Silent),
];

fn spawn_child(name: &str) -> Child {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .env("DEADLOCK_CASE", name)
        .env_remove("OFFSHOOT_DEADLOCK_REPORT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if name == "the_report_switched_off_by_the_environment" {
        command.env("OFFSHOOT_DEADLOCK_REPORT", "0");
    }
    command.spawn().expect("start the child")
}

fn check(name: &str, expect: &Expect) {
    let mut child = spawn_child(name);
    if name == "a_socket_is_waited_on" {
        // The child listens and prints its port; connect once it has been quiet a while.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        thread::sleep(QUIET);
        let port: u16 = line.trim().parse().expect("the child's port");
        drop(TcpStream::connect(("127.0.0.1", port)).unwrap());
    }
    if let Expect::Silent = expect {
        thread::sleep(QUIET);
        let still_running = child.try_wait().unwrap().is_none();
        child.kill().unwrap();
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(still_running, "{name}: the child ended: {stderr}");
        assert!(
            !stderr.contains(REPORT),
            "{name}: reported anyway: {stderr}"
        );
        return;
    }
    let output = wait_with_deadline(child, Duration::from_secs(60), name);
    let stderr = String::from_utf8_lossy(&output.stderr);
    match expect {
        Expect::Report(needles) => {
            assert!(!output.status.success(), "{name}: no failure: {stderr}");
            assert!(stderr.contains(REPORT), "{name}: no report: {stderr}");
            for needle in *needles {
                assert!(
                    stderr.contains(needle),
                    "{name}: no {needle:?} in: {stderr}"
                );
            }
        }
        Expect::Finish => {
            assert!(output.status.success(), "{name}: failed: {stderr}");
            assert!(!stderr.contains(REPORT), "{name}: reported: {stderr}");
        }
        Expect::Silent => unreachable!(),
    }
}

/// Waits for `child`, killing it (and failing) if it outlives `limit`.
fn wait_with_deadline(mut child: Child, limit: Duration, name: &str) -> std::process::Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            let stderr = common::take_stderr(&mut child);
            panic!("{name}: still running after {limit:?}: {stderr}");
        }
        thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

#[track_caller]
fn named<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> offshoot::JoinHandle<T> {
    Builder::new().name(name.into()).spawn(f).unwrap()
}

fn run_case(case: &str) {
    match case {
        "main_waits_on_a_channel" => offshoot::run(|| {
            let (_tx, rx) = chan::<i32>(0);
            let _ = rx.recv();
        }),
        "main_waits_on_a_wait_group" => offshoot::run(|| {
            let wg = WaitGroup::new();
            wg.add(1);
            wg.wait();
        }),
        "main_waits_on_a_mutex" => offshoot::run(|| {
            let lock = std::sync::Arc::new(Mutex::new(0));
            let (held_tx, held_rx) = chan::<()>(0);
            let (_never_tx, never_rx) = chan::<()>(0);
            let holder_lock = lock.clone();
            let _holder = named("holder", move || {
                let _guard = holder_lock.lock();
                held_tx.send(()).unwrap();
                let _ = never_rx.recv();
            });
            held_rx.recv().unwrap();
            *lock.lock() += 1;
        }),
        "two_coroutines_wait_on_each_other" => offshoot::run(|| {
            let (to_left, from_right) = chan::<i32>(0);
            let (to_right, from_left) = chan::<i32>(0);
            let left = named("left", move || {
                let v = from_right.recv().unwrap();
                to_right.send(v).unwrap();
            });
            let _right = named("right", move || {
                let v = from_left.recv().unwrap();
                to_left.send(v).unwrap();
            });
            left.join().unwrap();
        }),
        "main_waits_on_a_select" => offshoot::run(|| {
            let (_a_tx, a) = chan::<i32>(0);
            let (_b_tx, b) = chan::<i32>(0);
            offshoot::select! {
                recv(a) -> _ => {},
                recv(b) -> _ => {},
            }
        }),
        "a_sleeping_coroutine_sends_later" => offshoot::run(|| {
            let (tx, rx) = chan(0);
            go(move || {
                offshoot::time::sleep(QUIET);
                tx.send(1).unwrap();
            });
            assert_eq!(rx.recv(), Ok(1));
        }),
        "a_blocking_call_sends_later" => offshoot::run(|| {
            let (tx, rx) = chan(0);
            go(move || {
                offshoot::blocking(|| thread::sleep(QUIET));
                tx.send(1).unwrap();
            });
            assert_eq!(rx.recv(), Ok(1));
        }),
        "a_plain_thread_sends_later" => {
            let (tx, rx) = chan(0);
            let sender = thread::spawn(move || {
                thread::sleep(QUIET);
                tx.send(1).unwrap();
            });
            offshoot::run(move || assert_eq!(rx.recv(), Ok(1)));
            sender.join().unwrap();
        }
        "a_socket_is_waited_on" => offshoot::run(|| {
            let listener = offshoot::net::TcpListener::bind("127.0.0.1:0").unwrap();
            println!("{}", listener.local_addr().unwrap().port());
            let (tx, rx) = chan(0);
            go(move || {
                let accepted = listener.accept().is_ok();
                tx.send(accepted).unwrap();
            });
            assert_eq!(rx.recv(), Ok(true));
        }),
        "a_ticker_runs_while_main_waits_for_it" => offshoot::run(|| {
            let ticker = offshoot::time::Ticker::new(QUIET / 4);
            for _ in 0..4 {
                ticker.c.recv().unwrap();
            }
        }),
        "the_report_switched_off_by_the_environment" => offshoot::run(|| {
            let (_tx, rx) = chan::<i32>(0);
            let _ = rx.recv();
        }),
        "the_report_switched_off_by_config" => {
            offshoot::Config::new()
                .deadlock_report(false)
                .init()
                .unwrap();
            offshoot::run(|| {
                let (_tx, rx) = chan::<i32>(0);
                let _ = rx.recv();
            })
        }
        other => panic!("no case {other}"),
    }
}
