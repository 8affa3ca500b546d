//! Timer and wake-up lateness under a busy load (issue 11, part 3), the same scenarios as
//! `benches/go/lateness/main.go`.
//!
//! `cargo bench --bench lateness -- SCENARIO [BUSY]` runs one scenario (with none, each in turn)
//! beside BUSY coroutines (default: one per worker) that each loop on {spin about 1 ms on the
//! clock; `yield_now()`}, as the docs advise for long loops, and prints one line per scenario:
//!
//! ```text
//! sleep workers=1 busy=1 n=200 median=50123.4 p99=52000.1 max=106000.0 us
//! ```
//!
//! - `sleep`: one coroutine sleeps 10 ms, 200 times; lateness = how long after the 10 ms it
//!   woke.
//! - `chan`: a plain thread sends `Instant::now()` every 5 ms, 200 times, on an unbuffered
//!   `offshoot::chan` to a coroutine parked in `recv`; lateness = from the send to the receipt.
//! - `sleepers`: 10,000 coroutines each sleep 10 ms once; lateness of each wake-up.
//!
//! The worker count is the runtime's: set `OFFSHOOT_WORKERS` (the line shows the count the
//! runtime would take from it, or the default, one per core). A scenario that has not finished
//! after [`BUDGET`] stops and reports what it has (`n` is then smaller). `benches/lateness.sh`
//! runs every scenario on 1 and 2 workers with 1x and 2x busy coroutines, and Go beside it.
//!
//! Only the public API is used: `go`, `run`, `yield_now`, `time::sleep`, `chan`,
//! `JoinHandle::join`.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use offshoot::{chan, go, yield_now, JoinHandle};

/// How long a busy coroutine computes between two yields.
const SPIN: Duration = Duration::from_millis(1);
/// Sleeps measured by `sleep`, and how long each is.
const SLEEPS: usize = 200;
const SLEEP_FOR: Duration = Duration::from_millis(10);
/// Values sent by `chan`, and the thread's pause before each.
const SENDS: usize = 200;
const SEND_EVERY: Duration = Duration::from_millis(5);
/// Coroutines in `sleepers`, each sleeping `SLEEP_FOR` once.
const SLEEPERS: usize = 10_000;
/// A scenario stops measuring after this long, however few samples it has.
const BUDGET: Duration = Duration::from_secs(30);
/// The busy load runs this long before measuring starts.
const SETTLE: Duration = Duration::from_millis(50);

const USAGE: &str = "usage: lateness [sleep|chan|sleepers [BUSY]]   (none: every scenario)";

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let workers = workers();
    let (scenarios, busy) = match args.as_slice() {
        [] => (SCENARIOS.map(|(name, _)| name).to_vec(), workers),
        [s] => (vec![s.as_str()], workers),
        [s, n] => match n.parse::<usize>() {
            Ok(n) => (vec![s.as_str()], n),
            Err(_) => usage(),
        },
        _ => usage(),
    };
    for scenario in scenarios {
        let Some(&(_, measure)) = SCENARIOS.iter().find(|(name, _)| *name == scenario) else {
            usage()
        };
        let mut late = offshoot::run(move || beside_busy(busy, measure));
        let [median, p99, max] = summary(&mut late);
        println!(
            "{scenario} workers={workers} busy={busy} n={} median={median:.1} p99={p99:.1} max={max:.1} us",
            late.len()
        );
    }
}

/// A scenario: measures, beside the busy load, one lateness per sample.
type Measure = fn() -> Vec<Duration>;

/// Every scenario, by name.
const SCENARIOS: [(&str, Measure); 3] = [
    ("sleep", sleep),
    ("chan", chan_from_thread),
    ("sleepers", sleepers),
];

fn usage() -> ! {
    eprintln!("{USAGE}");
    std::process::exit(2)
}

/// The worker count the runtime takes: `OFFSHOOT_WORKERS`, else one per core.
fn workers() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let env = std::env::var("OFFSHOOT_WORKERS").ok();
    env.and_then(|v| v.trim().parse().ok()).unwrap_or(cores)
}

/// Starts `busy` busy coroutines, lets them settle, runs `measure`, and stops them.
fn beside_busy(busy: usize, measure: Measure) -> Vec<Duration> {
    let stop = Arc::new(AtomicBool::new(false));
    let load: Vec<JoinHandle<()>> = (0..busy)
        .map(|_| {
            let stop = stop.clone();
            go(move || spin_and_yield(&stop))
        })
        .collect();
    offshoot::time::sleep(SETTLE);
    let late = measure();
    stop.store(true, Ordering::Relaxed);
    for coroutine in load {
        coroutine.join().expect("a busy coroutine panicked");
    }
    late
}

/// A long computation that yields every [`SPIN`], until `stop`.
fn spin_and_yield(stop: &AtomicBool) {
    let mut x = 1u64;
    while !stop.load(Ordering::Relaxed) {
        let until = Instant::now() + SPIN;
        while Instant::now() < until {
            for _ in 0..100 {
                x = black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
            }
        }
        yield_now();
    }
}

/// `sleep`: how late each of [`SLEEPS`] sleeps of [`SLEEP_FOR`] woke.
fn sleep() -> Vec<Duration> {
    let start = Instant::now();
    let mut late = Vec::with_capacity(SLEEPS);
    while late.len() < SLEEPS && start.elapsed() < BUDGET {
        let asleep = Instant::now();
        offshoot::time::sleep(SLEEP_FOR);
        late.push(asleep.elapsed().saturating_sub(SLEEP_FOR));
    }
    late
}

/// `chan`: from a plain thread's send to a parked coroutine's receipt, [`SENDS`] times.
fn chan_from_thread() -> Vec<Duration> {
    let (tx, rx) = chan::<Instant>(0);
    let sender = std::thread::spawn(move || {
        let start = Instant::now();
        for _ in 0..SENDS {
            std::thread::sleep(SEND_EVERY);
            if start.elapsed() > BUDGET || tx.send(Instant::now()).is_err() {
                break;
            }
        }
        tx.close(); // ends the loop below
    });
    let late: Vec<Duration> = rx.into_iter().map(|sent| sent.elapsed()).collect();
    sender.join().expect("the sending thread panicked");
    late
}

/// `sleepers`: [`SLEEPERS`] coroutines each sleep [`SLEEP_FOR`] once; how late each woke.
fn sleepers() -> Vec<Duration> {
    let all: Vec<JoinHandle<Duration>> = (0..SLEEPERS)
        .map(|_| {
            go(|| {
                let asleep = Instant::now();
                offshoot::time::sleep(SLEEP_FOR);
                asleep.elapsed().saturating_sub(SLEEP_FOR)
            })
        })
        .collect();
    all.into_iter()
        .map(|s| s.join().expect("a sleeper panicked"))
        .collect()
}

/// The median, 99th percentile and maximum of `late`, in microseconds (sorts it).
fn summary(late: &mut [Duration]) -> [f64; 3] {
    if late.is_empty() {
        return [f64::NAN; 3];
    }
    late.sort();
    let at = |q: f64| {
        let i = ((late.len() - 1) as f64 * q).round() as usize;
        late[i].as_secs_f64() * 1e6
    };
    [at(0.5), at(0.99), at(1.0)]
}
