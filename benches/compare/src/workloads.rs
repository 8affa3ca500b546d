//! The workloads, in the order of the table: what each measures, the unit its binaries print,
//! the unit shown, and which direction is better.
//!
//! Every system's binary takes one workload name and prints `workload value unit` (or, for a
//! peer that cannot express the workload, `workload n/a reason`). The programs are
//! `benches/go/main.go`, `benches/{runtime,chan,io}.rs` and `benches/peers/`; the sizes below
//! are theirs and are fixed by issue 6.

/// Which way a workload's shown value improves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    /// Time or memory: smaller is better, and the ratio to Go is `system / go`.
    Lower,
    /// Throughput: larger is better, and the ratio to Go is `go / system`, so that below 1.0
    /// still means the system did better than Go.
    Higher,
}

/// One workload of the comparison.
#[derive(Debug)]
pub struct Workload {
    /// The name every binary takes on its command line.
    pub name: &'static str,
    /// offshoot's bench target that runs it (`cargo bench --bench <this>`).
    pub bench: &'static str,
    /// The unit the binaries print; any other unit is treated as a failed run.
    pub printed: &'static str,
    /// The unit shown in the table, after `convert`.
    pub shown: &'static str,
    /// Turns a printed value into a shown one.
    pub convert: fn(f64) -> f64,
    /// Which way the shown value improves.
    pub better: Better,
    /// One line for the page: what the workload does.
    pub what: &'static str,
}

fn same(v: f64) -> f64 {
    v
}

/// Nanoseconds per round trip to round trips per second.
fn per_second(ns: f64) -> f64 {
    1e9 / ns
}

/// A workload timed in nanoseconds per operation, shown as printed.
const fn ns(name: &'static str, bench: &'static str, what: &'static str) -> Workload {
    Workload {
        name,
        bench,
        printed: "ns/op",
        shown: "ns/op",
        convert: same,
        better: Better::Lower,
        what,
    }
}

/// A workload timed in total milliseconds, shown as printed.
const fn ms(name: &'static str, bench: &'static str, what: &'static str) -> Workload {
    Workload {
        name,
        bench,
        printed: "ms",
        shown: "ms",
        convert: same,
        better: Better::Lower,
        what,
    }
}

/// Every workload, in the order of the table and the chart.
pub const ALL: [Workload; 18] = [
    ns("spawn", "runtime", "start 1,000,000 coroutines that each signal a WaitGroup, wait for all; time per coroutine"),
    ns("spawn_join", "runtime", "200,000 times in turn, start a coroutine and wait for it to end; time per spawn and join"),
    ns("yield", "runtime", "2 coroutines each yield 1,000,000 times; time per yield"),
    ns("yield1", "runtime", "1 coroutine yields 1,000,000 times with nothing else to run; time per yield"),
    Workload {
        name: "parked",
        bench: "runtime",
        printed: "bytes/coroutine",
        shown: "bytes/coroutine",
        convert: same,
        better: Better::Lower,
        what: "resident memory added by 100,000 coroutines blocked on one channel or WaitGroup; bytes each (tokio's tasks are stackless futures: there is no stack to count)",
    },
    ms("million", "runtime", "start 1,000,000 coroutines from one, each sends one u64 on one unbuffered channel to a collector that sums them; total time"),
    Workload {
        name: "million_peak",
        bench: "runtime",
        printed: "MiB",
        shown: "MiB",
        convert: same,
        better: Better::Lower,
        what: "the same run's peak resident memory (VmHWM)",
    },
    ns("pingpong", "chan", "1,000,000 round trips over two unbuffered channels; time per round trip"),
    ns("ring", "chan", "a token passed 5,000,000 times around a ring of 503 coroutines (unbuffered); time per hop"),
    ns("mpmc0", "chan", "4 producers, 4 consumers, 5,000,000 messages on one unbuffered channel; time per message"),
    ns("mpmc1", "chan", "the same on a channel of capacity 1"),
    ns("mpmc100", "chan", "the same on a channel of capacity 100"),
    ns("select0", "chan", "4 producers on 4 unbuffered channels, one consumer selecting over them, 4,000,000 messages; time per message"),
    ns("select100", "chan", "the same with channels of capacity 100"),
    ms("sieve", "chan", "concurrent prime sieve (one coroutine per prime) up to the 5000th prime; total time"),
    ms("sleep", "io", "10,000 coroutines each sleep 10 ms ten times; total time"),
    ns("fileread", "io", "20,000 coroutines each read one of 100 files of 4 KiB (blocking calls); time per read"),
    Workload {
        name: "echo",
        bench: "io",
        printed: "ns/op",
        shown: "rt/s",
        convert: per_second,
        better: Better::Higher,
        what: "100 TCP clients each make 10,000 round trips of 64 bytes to an in-process echo server; round trips per second",
    },
];

/// The workload called `name`, if there is one.
pub fn find(name: &str) -> Option<&'static Workload> {
    ALL.iter().find(|w| w.name == name)
}
