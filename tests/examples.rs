//! Every ported Go program prints what its Go original prints. `cargo test` builds the examples;
//! this runs the built binaries (next to this test's own, in `target/<profile>/examples/`).
//!
//! The Go by Example ports are compared with what their Go originals printed, recorded in
//! `tests/go_by_example/<chapter>.out` by `tests/go_by_example/regenerate.sh`. Where Go's own
//! output differs from run to run, each test says which part varies and compares the rest.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long an example may run before it is called hung and killed.
const HANG_SECS: u64 = 30;

fn run_example(name: &str) -> (String, Duration) {
    let exe = std::env::current_exe().unwrap();
    let dir: PathBuf = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("examples");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "example {name} not built at {path:?}: run through `cargo test`"
    );
    let start = Instant::now();
    let mut child = Command::new(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the example");
    // Read both pipes on threads, so that a chatty example cannot block on a full pipe, and
    // kill an example that hangs (a deadlock) rather than hang the test with it.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut buf = Vec::new();
        stdout.read_to_end(&mut buf).map(|_| buf)
    });
    let stderr = std::thread::spawn(move || {
        let mut buf = Vec::new();
        stderr.read_to_end(&mut buf).map(|_| buf)
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the example") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(HANG_SECS) {
            let _ = child.kill();
            let _ = child.wait();
            let out = stdout.join().unwrap().unwrap_or_default();
            panic!(
                "{name} did not finish within {HANG_SECS} s (a deadlock?); it printed:\n{}",
                String::from_utf8_lossy(&out)
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    let out = stdout.join().unwrap().expect("read the example's stdout");
    let err = stderr.join().unwrap().expect("read the example's stderr");
    assert!(
        status.success(),
        "{name} failed ({status}): {}\nafter printing:\n{}",
        String::from_utf8_lossy(&err),
        String::from_utf8_lossy(&out)
    );
    (String::from_utf8(out).unwrap(), elapsed)
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

/// What the Go original of a Go by Example chapter printed (`tests/go_by_example/<chapter>.out`).
fn go_printed(chapter: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/go_by_example")
        .join(format!("{chapter}.out"));
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path:?}: {err}"))
}

fn sorted(lines: &[&str]) -> Vec<String> {
    let mut lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    lines.sort();
    lines
}

/// Compares two outputs made by several goroutines at once. `source` names the goroutine that
/// prints a line. Go fixes the order of each goroutine's own lines but not how they interleave,
/// so each goroutine's lines must be the same, in the same order, and nothing else may appear.
fn assert_same_per_goroutine(go: &str, ours: &str, source: impl Fn(&str) -> &'static str) {
    let by_source = |out: &str| {
        let mut lines: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        for line in out.lines() {
            lines
                .entry(source(line))
                .or_default()
                .push(line.to_string());
        }
        lines
    };
    assert_eq!(
        by_source(ours),
        by_source(go),
        "each goroutine's lines, in order:\nours:\n{ours}\nGo's:\n{go}"
    );
}

#[test]
fn hello_interleaves_in_about_half_a_second() {
    let (out, took) = run_example("hello");
    let lines = lines(&out);
    assert_eq!(lines.iter().filter(|l| **l == "hello").count(), 5, "{out}");
    let worlds = lines.iter().filter(|l| **l == "world").count();
    assert!(
        (4..=5).contains(&worlds),
        "as in Go, main may end before the last world: {out}"
    );
    assert!(
        took >= Duration::from_millis(500) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[test]
fn sum_prints_both_halves_and_the_total() {
    let (out, _) = run_example("sum");
    // Go prints "-5 17 12"; which half arrives first is the scheduler's choice, in Go too.
    assert!(out == "-5 17 12\n" || out == "17 -5 12\n", "{out}");
}

#[test]
fn buffered_prints_one_two() {
    assert_eq!(run_example("buffered").0, "1\n2\n");
}

#[test]
fn range_close_prints_ten_fibonacci_numbers() {
    assert_eq!(
        lines(&run_example("range_close").0),
        ["0", "1", "1", "2", "3", "5", "8", "13", "21", "34"]
    );
}

#[test]
fn select_prints_fibonacci_then_quit() {
    assert_eq!(
        lines(&run_example("select").0),
        ["0", "1", "1", "2", "3", "5", "8", "13", "21", "34", "quit"]
    );
}

#[test]
fn sieve_prints_the_first_ten_primes() {
    assert_eq!(
        lines(&run_example("sieve").0),
        ["2", "3", "5", "7", "11", "13", "17", "19", "23", "29"]
    );
}

#[test]
fn default_select_ticks_then_booms() {
    let (out, took) = run_example("default_select");
    let lines = lines(&out);
    assert_eq!(lines.last(), Some(&"BOOM!"), "{out}");
    let ticks = lines.iter().filter(|l| **l == "tick.").count();
    assert!(
        (3..=5).contains(&ticks),
        "about four ticks before the boom: {out}"
    );
    assert!(lines.contains(&"    ."), "{out}");
    assert!(took >= Duration::from_millis(500), "{took:?}");
}

#[test]
fn blocking_io_reads_every_file_back() {
    let (out, _) = run_example("blocking_io");
    let lines = lines(&out);
    assert_eq!(
        lines[..2],
        [
            "wrote 200 files",
            "read 200 files, 20100 bytes, 20 of them through offshoot::blocking"
        ],
        "{out}"
    );
    // How often the ticker ticked depends on the disk and the machine: only its form is fixed.
    assert_eq!(lines.len(), 3, "{out}");
    let ticks = lines[2].strip_prefix("ticks meanwhile: ");
    assert!(ticks.is_some_and(|n| n.parse::<u64>().is_ok()), "{out}");
}

#[test]
fn echo_server_serves_its_own_clients() {
    let (out, _) = run_example("echo_server");
    assert_eq!(
        lines(&out),
        ["10 clients made 1000 round trips of 64 bytes, all echoed intact"],
        "{out}"
    );
}

// Go by Example's concurrency chapter, in the book's order. Each test compares the port's output
// with its Go original's (`go_printed`), exactly where Go's output is fixed.

#[test]
fn goroutines_prints_what_go_prints() {
    let go = go_printed("goroutines");
    let (out, took) = run_example("goroutines");
    // The three `direct` lines come first and `done` last (a second later) in Go, but the two
    // goroutines' lines interleave however the scheduler runs them (gobyexample.com shows
    // `going` between the `goroutine` lines, the recorded run before them). Each goroutine's
    // own lines keep their order.
    let (ours, gos) = (lines(&out), lines(&go));
    assert_eq!(ours[..3], gos[..3], "{out}");
    assert_eq!(ours.last(), gos.last(), "{out}");
    assert_same_per_goroutine(&go, &out, |line| {
        if line.starts_with("goroutine") {
            "go f"
        } else if line == "going" {
            "go func"
        } else {
            "main"
        }
    });
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(3),
        "main sleeps a second: {took:?}"
    );
}

#[test]
fn channels_prints_what_go_prints() {
    assert_eq!(run_example("channels").0, go_printed("channels"));
}

#[test]
fn channel_buffering_prints_what_go_prints() {
    assert_eq!(
        run_example("channel_buffering").0,
        go_printed("channel-buffering")
    );
}

#[test]
fn channel_synchronization_prints_what_go_prints() {
    let (out, took) = run_example("channel_synchronization");
    assert_eq!(out, go_printed("channel-synchronization"));
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(3),
        "main waits for the worker's one-second sleep: {took:?}"
    );
}

#[test]
fn channel_directions_prints_what_go_prints() {
    assert_eq!(
        run_example("channel_directions").0,
        go_printed("channel-directions")
    );
}

#[test]
fn select_two_prints_what_go_prints() {
    let (out, took) = run_example("select_two");
    assert_eq!(out, go_printed("select"));
    // The sleeps of one and two seconds run at once: two seconds in all, not three.
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(6),
        "{took:?}"
    );
}

#[test]
fn timeouts_prints_what_go_prints() {
    let (out, took) = run_example("timeouts");
    assert_eq!(out, go_printed("timeouts"));
    // One second to the first timeout, then two for the second result.
    assert!(
        took >= Duration::from_secs(3) && took < Duration::from_secs(9),
        "{took:?}"
    );
}

#[test]
fn non_blocking_channel_operations_prints_what_go_prints() {
    assert_eq!(
        run_example("non_blocking_channel_operations").0,
        go_printed("non-blocking-channel-operations")
    );
}

#[test]
fn closing_channels_prints_what_go_prints() {
    let go = go_printed("closing-channels");
    let (out, _) = run_example("closing_channels");
    // main's `sent` lines and the worker's `received` lines interleave however the two
    // goroutines run (Go prints them in either order, or mixed); each side's own lines keep
    // their order. `received more jobs: false` is main's, after `<-done`: always last.
    assert_eq!(lines(&out).last(), lines(&go).last(), "{out}");
    assert_same_per_goroutine(&go, &out, |line| {
        if line.starts_with("sent") || line.starts_with("received more jobs") {
            "main"
        } else {
            "worker"
        }
    });
}

#[test]
fn range_over_channels_prints_what_go_prints() {
    assert_eq!(
        run_example("range_over_channels").0,
        go_printed("range-over-channels")
    );
}

#[test]
fn timers_prints_what_go_prints() {
    let (out, took) = run_example("timers");
    assert_eq!(out, go_printed("timers"));
    // The port's durations are a tenth of Go's: 200 ms for timer 1, then the 200 ms sleep.
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_millis(1200),
        "{took:?}"
    );
}

#[test]
fn tickers_prints_what_go_prints() {
    let go = go_printed("tickers");
    let (out, took) = run_example("tickers");
    // Go prints each tick's wall-clock time, the port its time since the start (see the
    // example's docs): compare the lines without their times, then check the port's times.
    let untimed = |out: &str| -> Vec<String> {
        out.lines()
            .map(|line| match line.strip_prefix("Tick at ") {
                Some(_) => "Tick at".to_string(),
                None => line.to_string(),
            })
            .collect()
    };
    assert_eq!(untimed(&out), untimed(&go), "{out}");
    for (k, line) in lines(&out)[..3].iter().enumerate() {
        let ms: u64 = line
            .strip_prefix("Tick at ")
            .and_then(|l| l.strip_suffix("ms"))
            .and_then(|ms| ms.parse().ok())
            .unwrap_or_else(|| panic!("not a tick: {line:?} in {out}"));
        // The port's durations are a fifth of Go's: tick k + 1 is due (k + 1) * 100 ms after
        // the start, and a tick is never early.
        let due = 100 * (k as u64 + 1);
        assert!(
            ms >= due && ms < 3 * due,
            "tick {} at {ms} ms: {out}",
            k + 1
        );
    }
    assert!(
        took >= Duration::from_millis(320) && took < Duration::from_millis(960),
        "{took:?}"
    );
}

/// Checks a worker pool's output: every job is started and finished once, each worker runs its
/// jobs one at a time, and the three workers start at once.
fn check_worker_pool(out: &str) {
    let lines = lines(out);
    let mut current: BTreeMap<&str, &str> = BTreeMap::new();
    for line in &lines {
        let words: Vec<&str> = line.split_whitespace().collect();
        let (worker, what, job) = match words[..] {
            ["worker", worker, what, "job", job] => (worker, what, job),
            _ => panic!("not a worker's line: {line:?} in\n{out}"),
        };
        assert!(["1", "2", "3"].contains(&worker), "{line:?} in\n{out}");
        match what {
            "started" => assert_eq!(
                current.insert(worker, job),
                None,
                "worker {worker} started job {job} before finishing another:\n{out}"
            ),
            "finished" => assert_eq!(
                current.remove(worker),
                Some(job),
                "worker {worker} finished a job it had not started:\n{out}"
            ),
            _ => panic!("{line:?} in\n{out}"),
        }
    }
    assert!(current.is_empty(), "unfinished jobs {current:?}:\n{out}");
    assert!(
        lines[..3].iter().all(|l| l.contains("started")),
        "the three workers take the first three jobs at once:\n{out}"
    );
}

#[test]
fn worker_pool_prints_what_go_prints() {
    let go = go_printed("worker-pools");
    let (out, took) = run_example("worker_pool");
    // Which worker takes which job, and the order of lines printed at about the same moment,
    // differ from run to run in Go: compare the lines without the workers' ids, sorted, and
    // check what Go fixes on both outputs.
    let without_worker = |out: &str| -> Vec<String> {
        let mut lines: Vec<String> = out
            .lines()
            .map(|l| l.split_whitespace().skip(2).collect::<Vec<_>>().join(" "))
            .collect();
        lines.sort();
        lines
    };
    assert_eq!(without_worker(&out), without_worker(&go), "{out}");
    check_worker_pool(&go);
    check_worker_pool(&out);
    // Five one-second jobs on three workers: two rounds, not five.
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(6),
        "{took:?}"
    );
}

#[test]
fn waitgroups_prints_what_go_prints() {
    let go = go_printed("waitgroups");
    let (out, took) = run_example("waitgroups");
    // The five workers start, and a second later finish, in whatever order they run (Go's
    // order differs from run to run): every start comes before every finish.
    let (ours, gos) = (lines(&out), lines(&go));
    assert_eq!(ours.len(), gos.len(), "{out}");
    assert_eq!(sorted(&ours[..5]), sorted(&gos[..5]), "{out}");
    assert_eq!(sorted(&ours[5..]), sorted(&gos[5..]), "{out}");
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

/// Checks the times (in milliseconds since the start) at which rate limiting serves its ten
/// requests, against what Go promises: a tick is never early. The first five wait for a tick
/// each, 200 ms apart from the start; of the bursty five, the first three are served at once,
/// and the last two wait for the bursty ticker, which starts after the fifth request.
fn check_rate_limiting(times: &[f64], out: &str) {
    assert_eq!(times.len(), 10, "{out}");
    for (k, &t) in times[..5].iter().enumerate() {
        assert!(
            t >= 200.0 * (k + 1) as f64,
            "request {} at {t} ms:\n{out}",
            k + 1
        );
    }
    let fifth = times[4];
    assert!(
        times[5..8].iter().all(|&t| t >= fifth && t < fifth + 200.0),
        "the burst of three is served before the bursty ticker's first tick:\n{out}"
    );
    assert!(times[8] >= fifth + 200.0, "{out}");
    assert!(times[9] >= fifth + 400.0, "{out}");
}

#[test]
fn rate_limiting_prints_what_go_prints() {
    let go = go_printed("rate-limiting");
    let (out, took) = run_example("rate_limiting");
    // Go prints `request 1 2026-12-07 08:14:26.502058101 +0000 UTC m=+0.200477810`, the port
    // `request 1 200ms` (see its docs): the times differ from run to run, so compare the
    // requests without them, then check the spacing of the times in both outputs.
    let requests = |out: &str| -> Vec<String> {
        out.lines()
            .map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
            .collect()
    };
    assert_eq!(requests(&out), requests(&go), "{out}");
    let go_times: Vec<f64> = go
        .lines()
        .map(|l| {
            let seconds = l.rsplit_once("m=+").expect("a monotonic clock reading").1;
            seconds.parse::<f64>().unwrap() * 1000.0
        })
        .collect();
    check_rate_limiting(&go_times, &go);
    let times: Vec<f64> = out
        .lines()
        .map(|l| {
            let ms = l.rsplit_once(' ').and_then(|(_, t)| t.strip_suffix("ms"));
            ms.and_then(|ms| ms.parse().ok())
                .unwrap_or_else(|| panic!("no time in {l:?}:\n{out}"))
        })
        .collect();
    check_rate_limiting(&times, &out);
    assert!(
        took >= Duration::from_millis(1400) && took < Duration::from_millis(4200),
        "{took:?}"
    );
}

#[test]
fn atomic_counters_prints_what_go_prints() {
    assert_eq!(
        run_example("atomic_counters").0,
        go_printed("atomic-counters")
    );
}

#[test]
fn mutexes_prints_what_go_prints() {
    assert_eq!(run_example("mutexes").0, go_printed("mutexes"));
}

#[test]
fn stateful_goroutines_prints_what_go_prints() {
    let go = go_printed("stateful-goroutines");
    let (out, took) = run_example("stateful_goroutines");
    // The counts are how many operations got done in a second, different on every run in Go
    // too: compare the lines without them. Each reader and writer sleeps a millisecond per
    // operation, so none can do more than one per millisecond the program ran, plus one.
    let counts = |out: &str| -> Vec<(String, u64)> {
        out.lines()
            .map(|l| {
                let (label, count) = l.split_once(' ').expect("a label and a count");
                let count = count
                    .parse()
                    .unwrap_or_else(|_| panic!("not a count: {l:?}"));
                (label.to_string(), count)
            })
            .collect()
    };
    let (ours, gos) = (counts(&out), counts(&go));
    let labels = |counts: &[(String, u64)]| -> Vec<String> {
        counts.iter().map(|(label, _)| label.clone()).collect()
    };
    assert_eq!(labels(&ours), labels(&gos), "{out}");
    let most = took.as_millis() as u64 + 1;
    let (reads, writes) = (ours[0].1, ours[1].1);
    assert!(reads > 0 && reads <= 100 * most, "{out}");
    assert!(writes > 0 && writes <= 10 * most, "{out}");
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(3),
        "{took:?}"
    );
}
