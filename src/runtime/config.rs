//! Configuration of the runtime, fixed before its first use.
//!
//! The runtime starts by itself on the first `go`, `run`, `sleep` or other call that needs it.
//! Until then its settings may be given by [`Config::init`] or by environment variables; the API
//! wins over the environment, the environment over the defaults (as Go's `runtime.GOMAXPROCS`
//! overrides `GOMAXPROCS`):
//!
//! | setting | API | variable | default |
//! |---|---|---|---|
//! | worker threads | [`Config::workers`] | `OFFSHOOT_WORKERS` | available parallelism |
//! | default stack size | [`Config::stack_size`] | `OFFSHOOT_STACK_SIZE` (bytes, or `256k`, `1m`) | 256 KiB |
//! | live-coroutine limit | [`Config::max_coroutines`] | `OFFSHOOT_MAX_COROUTINES` | none |
//! | blocking-pool threads | [`Config::blocking_threads`] | `OFFSHOOT_BLOCKING_THREADS` | 512 |
//! | blocking-pool idle time | [`Config::blocking_keep_alive`] | none | 10 s |
//! | deadlock report | [`Config::deadlock_report`] | `OFFSHOOT_DEADLOCK_REPORT` (`1`/`0`) | on |
//! | dump on `SIGQUIT` | [`Config::dump_on_sigquit`] | `OFFSHOOT_SIGQUIT_DUMP` (`1`/`0`) | off |
//! | stall report | [`Config::stall_report`] | `OFFSHOOT_STALL_REPORT` (ms, or `0` for off) | 100 ms |
//!
//! A stack size may be at most [`MAX_STACK_SIZE`] (1 TiB).

use std::fmt;
use std::time::Duration;

use crate::loom::sync::Mutex;

/// The default size of a coroutine's stack: 256 KiB of address space, of which only the pages a
/// coroutine touches become resident (a parked coroutine typically touches one or two).
pub const DEFAULT_STACK_SIZE: usize = 256 * 1024;
/// The largest stack a coroutine may have: 1 TiB where addresses have 64 bits, 1 GiB where they
/// have 32. A larger size given to [`Builder::stack_size`](crate::Builder::stack_size) fails
/// to spawn with [`io::ErrorKind::InvalidInput`](std::io::ErrorKind::InvalidInput); given to
/// [`Config::stack_size`] or `OFFSHOOT_STACK_SIZE`, it panics with a message saying so.
///
/// A stack is one mapping of address space, of which only the pages a coroutine touches cost
/// memory, so a large one is cheap; but a size past a terabyte is a mistake, not a need (Go
/// stops a goroutine whose stack passes 1 GB; a thread's stack is 8 MiB by default), the user
/// address space of x86-64 and arm64 is 128 TiB without 5-level paging, and a size near
/// `usize::MAX` wraps when rounded up to whole pages, leaving a stack of no page at all. Within
/// the limit, every size rounds and maps (or fails to map) without overflow.
#[cfg(target_pointer_width = "64")]
pub const MAX_STACK_SIZE: usize = 1 << 40;
/// The largest stack a coroutine may have: 1 GiB where addresses have 32 bits (see the 64-bit
/// documentation).
#[cfg(not(target_pointer_width = "64"))]
pub const MAX_STACK_SIZE: usize = 1 << 30;
/// The default cap on the blocking pool's threads (tokio's figure; Go's cap on OS threads is
/// 10,000, but a blocked call costs a whole thread's stack here, not a goroutine's).
pub const DEFAULT_BLOCKING_THREADS: usize = 512;
/// How long an idle blocking-pool thread waits for work before it exits.
pub const DEFAULT_BLOCKING_KEEP_ALIVE: Duration = Duration::from_secs(10);

/// Settings given by [`Config::init`] and not yet taken by the runtime.
static PENDING: Mutex<Option<Config>> = Mutex::new(None);
/// Set once the runtime has read its settings; `init` fails after that.
static STARTED: Mutex<bool> = Mutex::new(false);

/// Settings of the runtime, to be given before its first use.
///
/// ```
/// offshoot::Config::new().workers(2).stack_size(128 * 1024).init().unwrap();
/// let answer = offshoot::go(|| 6 * 7).join().unwrap();
/// assert_eq!(answer, 42);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    workers: Option<usize>,
    stack_size: Option<usize>,
    max_coroutines: Option<usize>,
    blocking_threads: Option<usize>,
    blocking_keep_alive: Option<Duration>,
    deadlock_report: Option<bool>,
    dump_on_sigquit: Option<bool>,
    stall_report: Option<Option<Duration>>,
}

/// The settings the runtime runs with, every field resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Settings {
    pub(crate) workers: usize,
    pub(crate) stack_size: usize,
    pub(crate) max_coroutines: Option<usize>,
    pub(crate) blocking_threads: usize,
    pub(crate) blocking_keep_alive: Duration,
    pub(crate) deadlock_report: bool,
    pub(crate) dump_on_sigquit: bool,
    pub(crate) stall_report: Option<Duration>,
}

/// How long a worker may run one coroutine, while others wait for it, before it is reported.
pub const DEFAULT_STALL_REPORT: Duration = Duration::from_millis(100);

/// The runtime was already running when [`Config::init`] was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlreadyStarted;

impl fmt::Display for AlreadyStarted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the offshoot runtime has already started: call Config::init before the first go(), run() or sleep()",
        )
    }
}

impl std::error::Error for AlreadyStarted {}

impl Config {
    /// A configuration that leaves every setting to the environment or its default.
    pub fn new() -> Config {
        Config::default()
    }

    /// The number of worker threads (processors). At least 1.
    pub fn workers(mut self, n: usize) -> Config {
        self.workers = Some(n.max(1));
        self
    }

    /// The stack size, in bytes, of coroutines started without [`Builder::stack_size`](crate::Builder::stack_size).
    ///
    /// # Panics
    /// If `bytes` is larger than [`MAX_STACK_SIZE`].
    pub fn stack_size(mut self, bytes: usize) -> Config {
        assert!(
            bytes <= MAX_STACK_SIZE,
            "offshoot: Config::stack_size({bytes}): a coroutine stack may be at most \
             {MAX_STACK_SIZE} bytes (MAX_STACK_SIZE, {})",
            limit_in_words()
        );
        self.stack_size = Some(bytes);
        self
    }

    /// The most coroutines that may be alive at once; starting one more fails with an
    /// [`io::Error`](std::io::Error) instead of taking memory the machine may not have.
    pub fn max_coroutines(mut self, n: usize) -> Config {
        self.max_coroutines = Some(n);
        self
    }

    /// The most threads the blocking pool (see [`blocking`](crate::blocking)) runs at once. At
    /// least 1. Calls beyond it wait in a queue for a free thread; they fail only if the pool has
    /// no thread at all and the system refuses to start one (see [`blocking`](crate::blocking)).
    pub fn blocking_threads(mut self, n: usize) -> Config {
        self.blocking_threads = Some(n.max(1));
        self
    }

    /// How long a blocking-pool thread with nothing to do waits before it exits.
    pub fn blocking_keep_alive(mut self, idle: Duration) -> Config {
        self.blocking_keep_alive = Some(idle);
        self
    }

    /// Whether [`run`](crate::run) panics with `all coroutines are asleep - deadlock!` and the
    /// coroutine dump when nothing in the process can wake its main coroutine any more (on by
    /// default). The report fires only when the runtime can account for every thread of the
    /// process; see the design notes for the exact rule.
    pub fn deadlock_report(mut self, on: bool) -> Config {
        self.deadlock_report = Some(on);
        self
    }

    /// Whether `SIGQUIT` (Ctrl-\\ in a terminal) prints the [`dump`](crate::dump) of every
    /// coroutine to stderr and exits with status 2, as Go's runtime does (off by default: the
    /// program may want the signal for itself).
    pub fn dump_on_sigquit(mut self, on: bool) -> Config {
        self.dump_on_sigquit = Some(on);
        self
    }

    /// After how long a worker that runs one coroutine without parking, while other coroutines
    /// wait for that worker, prints a report naming the coroutine (once per coroutine, at most
    /// 16 in all); `None` or zero turns the report off. Default: [`DEFAULT_STALL_REPORT`].
    pub fn stall_report(mut self, after: Option<Duration>) -> Config {
        self.stall_report = Some(after);
        self
    }

    /// Hands these settings to the runtime, which must not have started yet.
    pub fn init(self) -> Result<(), AlreadyStarted> {
        let started = STARTED.lock();
        if *started {
            return Err(AlreadyStarted);
        }
        *PENDING.lock() = Some(self);
        Ok(())
    }
}

/// Reads the settings once, when the runtime starts: the API's, then the environment's, then
/// the defaults. A malformed variable, or a stack size past [`MAX_STACK_SIZE`], panics with a
/// message naming it, rather than being ignored.
pub(crate) fn take_settings() -> Settings {
    *STARTED.lock() = true;
    let api = PENDING.lock().take().unwrap_or_default();
    let default_workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    Settings {
        workers: api
            .workers
            .or_else(|| env_value("OFFSHOOT_WORKERS", parse_count))
            .unwrap_or(default_workers)
            .max(1),
        stack_size: api
            .stack_size
            .or_else(|| env_value("OFFSHOOT_STACK_SIZE", parse_size).map(env_stack_size))
            .unwrap_or(DEFAULT_STACK_SIZE),
        max_coroutines: api
            .max_coroutines
            .or_else(|| env_value("OFFSHOOT_MAX_COROUTINES", parse_count)),
        blocking_threads: api
            .blocking_threads
            .or_else(|| env_value("OFFSHOOT_BLOCKING_THREADS", parse_count))
            .unwrap_or(DEFAULT_BLOCKING_THREADS)
            .max(1),
        blocking_keep_alive: api
            .blocking_keep_alive
            .unwrap_or(DEFAULT_BLOCKING_KEEP_ALIVE),
        deadlock_report: api
            .deadlock_report
            .or_else(|| env_value("OFFSHOOT_DEADLOCK_REPORT", parse_switch).map(|v| v == 1))
            .unwrap_or(true),
        dump_on_sigquit: api
            .dump_on_sigquit
            .or_else(|| env_value("OFFSHOOT_SIGQUIT_DUMP", parse_switch).map(|v| v == 1))
            .unwrap_or(false),
        stall_report: api
            .stall_report
            .or_else(|| {
                env_value("OFFSHOOT_STALL_REPORT", parse_millis)
                    .map(|ms| (ms > 0).then(|| Duration::from_millis(ms as u64)))
            })
            .unwrap_or(Some(DEFAULT_STALL_REPORT)),
    }
}

fn env_value(name: &str, parse: fn(&str) -> Option<usize>) -> Option<usize> {
    let raw = std::env::var(name).ok()?;
    match parse(raw.trim()) {
        Some(v) => Some(v),
        None => panic!(
            "offshoot: {name}={raw:?} is not valid: give {}",
            if name.ends_with("SIZE") {
                "a positive whole number of bytes, optionally with a k or m suffix (e.g. 262144, \
                 256k, 1m)"
            } else if name.ends_with("DEADLOCK_REPORT") || name.ends_with("SIGQUIT_DUMP") {
                "1 (on) or 0 (off)"
            } else if name.ends_with("STALL_REPORT") {
                "a whole number of milliseconds, or 0 for off"
            } else {
                "a positive whole number"
            }
        ),
    }
}

/// `1`/`on`/`true` as 1, `0`/`off`/`false` as 0.
fn parse_switch(s: &str) -> Option<usize> {
    match s.to_ascii_lowercase().as_str() {
        "1" | "on" | "true" => Some(1),
        "0" | "off" | "false" => Some(0),
        _ => None,
    }
}

/// Milliseconds, 0 allowed.
fn parse_millis(s: &str) -> Option<usize> {
    s.parse().ok()
}

/// `OFFSHOOT_STACK_SIZE`'s value, which must not pass [`MAX_STACK_SIZE`].
fn env_stack_size(bytes: usize) -> usize {
    assert!(
        bytes <= MAX_STACK_SIZE,
        "offshoot: OFFSHOOT_STACK_SIZE is {bytes} bytes: a coroutine stack may be at most \
         {MAX_STACK_SIZE} bytes ({})",
        limit_in_words()
    );
    bytes
}

/// [`MAX_STACK_SIZE`] for people.
pub(crate) fn limit_in_words() -> &'static str {
    if MAX_STACK_SIZE == 1 << 40 {
        "1 TiB"
    } else {
        "1 GiB"
    }
}

fn parse_count(s: &str) -> Option<usize> {
    s.parse().ok().filter(|&n| n > 0)
}

fn parse_size(s: &str) -> Option<usize> {
    let lower = s.to_ascii_lowercase();
    let (digits, unit) = match lower.strip_suffix(['k', 'm']) {
        Some(d) if lower.ends_with('k') => (d, 1024),
        Some(d) => (d, 1024 * 1024),
        None => (lower.as_str(), 1),
    };
    digits
        .parse::<usize>()
        .ok()?
        .checked_mul(unit)
        .filter(|&n| n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_and_without_suffix() {
        assert_eq!(parse_size("262144"), Some(262144));
        assert_eq!(parse_size("256k"), Some(256 * 1024));
        assert_eq!(parse_size("2M"), Some(2 * 1024 * 1024));
        assert_eq!(parse_size("0"), None);
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size("k"), None);
    }

    #[test]
    fn switches_and_millis_parse() {
        assert_eq!(parse_switch("0"), Some(0));
        assert_eq!(parse_switch("On"), Some(1));
        assert_eq!(parse_switch("maybe"), None);
        assert_eq!(parse_millis("0"), Some(0));
        assert_eq!(parse_millis("250"), Some(250));
        assert_eq!(parse_millis("-5"), None);
    }

    #[test]
    fn counts_must_be_positive() {
        assert_eq!(parse_count("4"), Some(4));
        assert_eq!(parse_count("0"), None);
        assert_eq!(parse_count("-1"), None);
    }

    #[test]
    fn builder_methods_record_settings() {
        let c = Config::new().workers(0).stack_size(4096).max_coroutines(9);
        assert_eq!(c.workers, Some(1), "zero workers is raised to one");
        assert_eq!(c.stack_size, Some(4096));
        assert_eq!(c.max_coroutines, Some(9));
    }
}
