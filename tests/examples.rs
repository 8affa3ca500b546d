//! Every ported Go program prints what its Go original prints. `cargo test` builds the examples;
//! this runs the built binaries (next to this test's own, in `target/<profile>/examples/`).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

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
    let out = Command::new(&path).output().expect("run the example");
    let elapsed = start.elapsed();
    assert!(
        out.status.success(),
        "{name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (String::from_utf8(out.stdout).unwrap(), elapsed)
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
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
fn worker_pool_runs_five_jobs_on_three_workers() {
    let (out, took) = run_example("worker_pool");
    let lines = lines(&out);
    assert_eq!(
        lines.iter().filter(|l| l.contains("started  job")).count(),
        5,
        "{out}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.contains("finished job")).count(),
        5,
        "{out}"
    );
    // Five one-second jobs on three workers: two rounds, not five.
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(4),
        "{took:?}"
    );
}

#[test]
fn timeouts_prints_timeout_then_result() {
    assert_eq!(run_example("timeouts").0, "timeout 1\nresult 2\n");
}

#[test]
fn timers_fires_the_first_and_stops_the_second() {
    let (out, took) = run_example("timers");
    assert_eq!(out, "Timer 1 fired\nTimer 2 stopped\n");
    // 200 ms for timer 1, then the 200 ms sleep.
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_millis(1200),
        "{took:?}"
    );
}

#[test]
fn tickers_ticks_three_times_then_stops() {
    let (out, took) = run_example("tickers");
    let lines = lines(&out);
    assert_eq!(lines.len(), 4, "{out}");
    for (k, line) in lines[..3].iter().enumerate() {
        let ms: u64 = line
            .strip_prefix("Tick at ")
            .and_then(|l| l.strip_suffix("ms"))
            .and_then(|ms| ms.parse().ok())
            .unwrap_or_else(|| panic!("not a tick: {line:?} in {out}"));
        // Tick k + 1 is due (k + 1) * 100 ms after the start, and a tick is never early.
        let due = 100 * (k as u64 + 1);
        assert!(
            ms >= due && ms < 3 * due,
            "tick {} at {ms} ms: {out}",
            k + 1
        );
    }
    assert_eq!(lines[3], "Ticker stopped", "{out}");
    assert!(
        took >= Duration::from_millis(320) && took < Duration::from_millis(960),
        "{took:?}"
    );
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
