//! What `may-bench` and `tokio-bench` share: the workloads' parameters, copied from
//! `benches/go/main.go` (whose header comment describes every workload), and the small helpers
//! that print a result, read VmRSS, and prepare the files for `fileread`.
//!
//! Each binary takes one workload name and prints one line on stdout, `workload value unit`,
//! exactly as the Go program does; a workload its runtime cannot express prints
//! `workload n/a reason`.

use std::fmt::Display;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Every workload, in the order of the Go program's usage line.
pub const WORKLOADS: [&str; 18] = [
    "spawn",
    "spawn_join",
    "yield",
    "yield1",
    "parked",
    "million",
    "million_peak",
    "pingpong",
    "ring",
    "mpmc0",
    "mpmc1",
    "mpmc100",
    "select0",
    "select100",
    "sieve",
    "echo",
    "fileread",
    "sleep",
];

pub const SPAWN_COUNT: u64 = 1_000_000;
pub const SPAWN_JOIN_COUNT: u64 = 200_000;
pub const YIELD_COUNT: u64 = 1_000_000;
pub const PARKED_COUNT: u64 = 100_000;
pub const MILLION_COUNT: u64 = 1_000_000;

pub const PING_PONG_COUNT: u64 = 1_000_000;
pub const RING_SIZE: usize = 503;
pub const RING_HOPS: u64 = 5_000_000;
/// Producers, and also consumers.
pub const MPMC_WORKERS: u64 = 4;
/// Messages per producer.
pub const MPMC_PER_SENDER: u64 = 1_250_000;
/// Messages per producer; there are four channels, one producer each.
pub const SELECT_PER_CHAN: u64 = 1_000_000;
pub const SIEVE_COUNT: usize = 5000;
/// The `SIEVE_COUNT`-th prime.
pub const SIEVE_PRIME: u64 = 48611;

pub const ECHO_CLIENTS: u64 = 100;
/// Round trips per client.
pub const ECHO_ROUNDS: u64 = 10_000;
/// Bytes per message, and the size of the server's read buffer.
pub const ECHO_SIZE: usize = 64;
pub const FILE_COUNT: usize = 100;
pub const FILE_SIZE: usize = 4096;
/// Tasks, one read each.
pub const FILE_READS: u64 = 20_000;
pub const SLEEPERS: u64 = 10_000;
pub const SLEEP_ROUNDS: u32 = 10;
pub const SLEEP_FOR: Duration = Duration::from_millis(10);
/// How long `parked` waits after the last task started before reading VmRSS, as Go's does.
pub const PARKED_SETTLE: Duration = Duration::from_millis(100);

/// The one workload named on the command line; exits with status 2 on anything else, as the
/// Go program does.
pub fn workload_arg(program: &str) -> &'static str {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || -> ! {
        eprintln!("usage: {program} {}", WORKLOADS.join("|"));
        std::process::exit(2)
    };
    if args.len() != 1 {
        usage();
    }
    match WORKLOADS.iter().find(|w| **w == args[0]) {
        Some(w) => w,
        None => {
            eprintln!("unknown workload {:?}", args[0]);
            usage()
        }
    }
}

/// `name` and the nanoseconds per operation since `start`, in the Go program's format.
pub fn per_op(name: &str, start: Instant, ops: u64) -> String {
    format!(
        "{name} {:.1} ns/op",
        start.elapsed().as_nanos() as f64 / ops as f64
    )
}

/// `name` and the milliseconds since `start`, for `sieve` and `sleep`.
pub fn millis(name: &str, start: Instant) -> String {
    format!("{name} {:.1} ms", start.elapsed().as_secs_f64() * 1000.0)
}

/// The `parked` line: resident bytes added per parked task.
pub fn parked_line(before: u64, after: u64) -> String {
    format!(
        "parked {} bytes/coroutine",
        after.saturating_sub(before) / PARKED_COUNT
    )
}

/// Reports `msg` on stderr and ends the process with status 1, as Go's `fail` does. A check
/// that panicked instead would leave its wait group waiting forever in some workloads.
pub fn fail(msg: impl Display) -> ! {
    eprintln!("{msg}");
    std::process::exit(1);
}

/// Ends the process through `fail` if the `count` messages a workload received are not `want`.
pub fn check_count(name: &str, count: u64, want: u64) {
    if count != want {
        fail(format!("{name}: received {count} messages, want {want}"));
    }
}

/// VmRSS of this process in bytes, from /proc/self/status (which reports kB).
pub fn vm_rss() -> u64 {
    status_kib("VmRSS:") * 1024
}

/// The line of /proc/self/status that starts with `key`, in kB.
fn status_kib(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status")
        .unwrap_or_else(|e| fail(format!("/proc/self/status: {e}")));
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| fail(format!("no {key} line in /proc/self/status")))
}

/// The `million` or `million_peak` line (`name`) of a run that took from `start` and summed
/// `sum`: the time, or the process's peak resident memory (VmHWM) in MiB.
pub fn million_line(name: &str, start: Instant, sum: u64) -> String {
    let ms = start.elapsed().as_secs_f64() * 1e3;
    if sum != MILLION_COUNT * (MILLION_COUNT - 1) / 2 {
        fail(format!("{name}: sum {sum}"));
    }
    match name {
        "million" => format!("million {ms:.1} ms"),
        _ => format!(
            "million_peak {:.1} MiB",
            status_kib("VmHWM:") as f64 / 1024.0
        ),
    }
}

/// The files `fileread` reads: a fresh temporary directory holding `FILE_COUNT` files of
/// `FILE_SIZE` zero bytes. Returns the directory (to remove afterwards) and the paths.
pub fn write_read_files(program: &str) -> (PathBuf, Vec<PathBuf>) {
    // The process id keeps concurrent runs apart; `create_dir` refuses a leftover directory.
    let dir = std::env::temp_dir().join(format!("{program}-{}", std::process::id()));
    std::fs::create_dir(&dir)
        .unwrap_or_else(|e| fail(format!("fileread: create {}: {e}", dir.display())));
    let paths: Vec<PathBuf> = (0..FILE_COUNT).map(|i| dir.join(i.to_string())).collect();
    for path in &paths {
        std::fs::write(path, [0u8; FILE_SIZE])
            .unwrap_or_else(|e| fail(format!("fileread: write {}: {e}", path.display())));
    }
    (dir, paths)
}

/// Ends the process through `fail` if a file `fileread` read has the wrong length.
pub fn check_file(path: &std::path::Path, len: usize) {
    if len != FILE_SIZE {
        fail(format!(
            "fileread: {} has {len} bytes, want {FILE_SIZE}",
            path.display()
        ));
    }
}

/// The number of worker threads both runtimes get: one per core, as Go's GOMAXPROCS default.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
