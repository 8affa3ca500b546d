//! `offshoot::dump()`: every live coroutine with its id, name, state, wait and start location.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use common::{wait_until, watchdog};
use offshoot::sync::{Mutex, WaitGroup};
use offshoot::{chan, Builder};

/// Coroutines per kind of wait.
const EACH: usize = 2_000;

/// The five ways the coroutines wait, as the dump words them.
const KINDS: [(&str, &str); 5] = [
    ("recv", "chan receive"),
    ("send", "chan send"),
    ("select", "select"),
    ("mutex", "sync.Mutex.Lock"),
    ("group", "sync.WaitGroup.Wait"),
];

#[track_caller]
fn spawn_named(name: String, f: impl FnOnce() + Send + 'static) -> offshoot::JoinHandle<()> {
    Builder::new()
        .name(name)
        .stack_size(16 * 1024)
        .spawn(f)
        .unwrap()
}

/// For each named coroutine in `dump`: its name and the text between the brackets.
fn states(dump: &str) -> HashMap<String, String> {
    dump.lines()
        .filter(|line| line.starts_with("coroutine "))
        .filter_map(|line| {
            let name = line.split('"').nth(1)?.to_owned();
            let state = line.split('[').nth(1)?.split(']').next()?.to_owned();
            Some((name, state))
        })
        .collect()
}

#[test]
fn a_dump_of_ten_thousand_coroutines_names_each_wait() {
    watchdog("dump of ten thousand", 120, || {
        let (recv_tx, recv_rx) = chan::<()>(0);
        let (send_tx, send_rx) = chan::<()>(0);
        let (select_tx, select_rx) = chan::<()>(0);
        let lock = Arc::new(Mutex::new(()));
        let held = lock.lock();
        let group = WaitGroup::new();
        group.add(1);
        let mut handles = Vec::new();
        for i in 0..EACH {
            let rx = recv_rx.clone();
            handles.push(spawn_named(format!("recv-{i}"), move || {
                rx.recv().unwrap();
            }));
            let tx = send_tx.clone();
            handles.push(spawn_named(format!("send-{i}"), move || {
                tx.send(()).unwrap();
            }));
            let (rx, never) = (select_rx.clone(), chan::<()>(0).1);
            handles.push(spawn_named(format!("select-{i}"), move || {
                offshoot::select! {
                    recv(rx) -> v => v.unwrap(),
                    recv(never) -> _ => unreachable!(),
                }
            }));
            let lock = lock.clone();
            handles.push(spawn_named(format!("mutex-{i}"), move || {
                drop(lock.lock());
            }));
            let group = group.clone();
            handles.push(spawn_named(format!("group-{i}"), move || group.wait()));
        }
        // Every coroutine is parked once the dump shows each one waiting.
        let mut dump = String::new();
        let all_waiting = wait_until(Duration::from_secs(60), || {
            dump = offshoot::dump();
            let states = states(&dump);
            states.len() >= KINDS.len() * EACH
                && KINDS.iter().all(|(kind, _)| {
                    (0..EACH).all(|i| {
                        states
                            .get(&format!("{kind}-{i}"))
                            .is_some_and(|s| !s.starts_with("run"))
                    })
                })
        });
        assert!(
            all_waiting,
            "not all parked: {}",
            &dump[..dump.len().min(2000)]
        );
        let seen = states(&dump);
        for (kind, words) in KINDS {
            for i in 0..EACH {
                let state = &seen[&format!("{kind}-{i}")];
                assert!(
                    state.starts_with(&format!("{words}, ")) && state.ends_with(" ms"),
                    "{kind}-{i}: {state}"
                );
            }
        }
        // Each line is followed by where it was started: the `spawn_named` calls above.
        let started: Vec<&str> = dump
            .lines()
            .filter(|l| l.trim_start().starts_with("started at tests/dump.rs:"))
            .collect();
        assert!(started.len() >= KINDS.len() * EACH, "{}", started.len());

        // Release them all, and see that every one finishes and leaves the dump.
        for _ in 0..EACH {
            recv_tx.send(()).unwrap();
            send_rx.recv().unwrap();
            select_tx.send(()).unwrap();
        }
        drop(held);
        group.done();
        for handle in handles {
            handle.join().unwrap();
        }
        let after = states(&offshoot::dump());
        assert!(
            !after
                .keys()
                .any(|name| KINDS.iter().any(|(k, _)| name.starts_with(k))),
            "finished coroutines still listed"
        );
    });
}

#[test]
fn a_running_coroutine_and_a_sleeping_one_show_as_such() {
    watchdog("running and sleeping", 60, || {
        // The sleeper first: with one worker, the spinner would keep it from starting.
        let sleeper = spawn_named("sleeper".into(), || {
            offshoot::time::sleep(Duration::from_secs(2));
        });
        let sleeping = |dump: &str| {
            states(dump)
                .get("sleeper")
                .is_some_and(|s| s.starts_with("sleep, "))
        };
        assert!(wait_until(Duration::from_secs(30), || sleeping(
            &offshoot::dump()
        )));
        let (stop_tx, stop_rx) = chan::<()>(1);
        let spinner = spawn_named("spinner".into(), move || {
            while stop_rx.try_recv().is_err() {
                std::hint::spin_loop();
            }
        });
        let mut dump = String::new();
        let seen = wait_until(Duration::from_secs(30), || {
            dump = offshoot::dump();
            let running = states(&dump)
                .get("spinner")
                .is_some_and(|s| s.starts_with("running on worker "));
            running && sleeping(&dump)
        });
        assert!(seen, "{dump}");
        stop_tx.send(()).unwrap();
        spinner.join().unwrap();
        sleeper.join().unwrap();
    });
}

#[test]
#[ignore = "run as a child process by sigquit_prints_the_dump_and_exits_2"]
fn child_waits_for_sigquit() {
    if !common::is_child() {
        return;
    }
    offshoot::run(|| {
        let (_tx, rx) = chan::<()>(0);
        let _stuck = spawn_named("stuck".into(), move || {
            let _ = rx.recv();
        });
        offshoot::time::sleep(Duration::from_millis(50));
        println!("READY");
        offshoot::time::sleep(Duration::from_secs(60));
    });
}

#[test]
fn sigquit_prints_the_dump_and_exits_2() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_waits_for_sigquit",
            "--ignored",
            "--nocapture",
        ])
        .env(common::CHILD_MARKER, "1")
        .env("OFFSHOOT_SIGQUIT_DUMP", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("READY") {
        line.clear();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "the child ended early"
        );
    }
    // SAFETY: `kill` with the pid of a child we started and have not waited for.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGQUIT) }, 0);
    let status = child.wait().unwrap();
    let stderr = common::take_stderr(&mut child);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("SIGQUIT: quit"), "{stderr}");
    assert!(stderr.contains("\"stuck\" [chan receive, "), "{stderr}");
    assert!(stderr.contains("coroutine 1 [sleep, "), "{stderr}");
}

#[test]
fn an_unnamed_coroutine_that_never_parked_is_found_through_its_worker() {
    watchdog("unnamed spinner", 60, || {
        let (stop_tx, stop_rx) = chan::<()>(1);
        let line = line!() + 1;
        let spinner = offshoot::go(move || {
            while stop_rx.try_recv().is_err() {
                std::hint::spin_loop();
            }
        });
        let started = format!("started at tests/dump.rs:{line}:");
        let mut dump = String::new();
        let seen = wait_until(Duration::from_secs(30), || {
            dump = offshoot::dump();
            let lines: Vec<&str> = dump.lines().collect();
            lines
                .windows(2)
                .any(|pair| pair[0].contains("[running on worker ") && pair[1].contains(&started))
        });
        assert!(seen, "{dump}");
        stop_tx.send(()).unwrap();
        spinner.join().unwrap();
    });
}
