//! `may-bench WORKLOAD`: the workloads of `benches/go/main.go` on may, the Rust runtime of
//! stackful coroutines; prints one line, `workload value unit`, as the Go program does.
//!
//! may runs with one worker thread per core (Go's GOMAXPROCS default) and otherwise its defaults:
//! 32 KiB coroutine stacks (0x1000 words), workers pinned to cores, a pool of 1,000 cached
//! coroutines. Every workload runs inside a coroutine, as Go's run in the main goroutine and
//! offshoot's inside `offshoot::run`.
//!
//! may's channels are unbounded. Where a workload's channel capacity matters, they go through
//! `chan`, which bounds them with may's semaphores and emulates Go's unbuffered channel with an
//! acknowledgement per message. Where it cannot matter (`pingpong`, `ring`: only one message
//! is ever in flight, so a send never finds a full buffer), may's own `mpsc` is used as is.
//!
//! may has no file I/O of its own: `fileread` calls `std::fs::read`, which blocks the worker
//! thread for the read (Go's `os.ReadFile` also makes a blocking system call).

mod chan;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use may::coroutine::{sleep, yield_now};
use may::go;
use may::net::{TcpListener, TcpStream};
use may::sync::{mpmc, mpsc, WaitGroup};

use peers::*;

fn main() {
    let name = workload_arg("may-bench");
    may::config().set_workers(cores());
    let line = go!(move || run(name))
        .join()
        .unwrap_or_else(|panic| panicked(name, panic));
    println!("{line}");
}

/// The n/a line for a workload whose coroutine panicked. The workloads' own checks end the
/// process through `fail` instead, so a panic here comes from may itself: in practice a
/// coroutine stack that could not be mapped, because `spawn` had too many coroutines alive at
/// once for `vm.max_map_count` (how many depends on timing: a few thousand in most runs, past
/// 32,000 in some).
fn panicked(name: &str, panic: Box<dyn std::any::Any + Send>) -> String {
    let msg = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    let limit = std::fs::read_to_string("/proc/sys/vm/max_map_count").unwrap_or_default();
    format!(
        "{name} n/a may panicked: {msg} (vm.max_map_count is {}; each may stack is two \
         mappings)",
        limit.trim()
    )
}

/// Why `select0` and `select100` print n/a; `MAY_BENCH_LOSSY_SELECT=1` runs them anyway.
const SELECT_LOSES: &str = "may::select! loses messages: it cancels the cases that did not \
win, and a case that had already received drops its value (may issue #102); one run received \
2002713 of 4000000 (select0) and 1968678 of 4000000 (select100)";

fn run(name: &str) -> String {
    match name {
        "spawn" => spawn(),
        "spawn_join" => spawn_join(),
        "yield" => yield_loop("yield", 2),
        "yield1" => yield_loop("yield1", 1),
        "parked" => parked(),
        "million" | "million_peak" => million(name),
        "pingpong" => ping_pong(),
        "ring" => ring(),
        "mpmc0" => mpmc_loop("mpmc0", 0),
        "mpmc1" => mpmc_loop("mpmc1", 1),
        "mpmc100" => mpmc_loop("mpmc100", 100),
        "select0" | "select100" if std::env::var_os("MAY_BENCH_LOSSY_SELECT").is_none() => {
            format!("{name} n/a {SELECT_LOSES}")
        }
        "select0" => select_loop("select0", 0),
        "select100" => select_loop("select100", 100),
        "sieve" => sieve(),
        "echo" => echo(),
        "fileread" => file_read(),
        "sleep" => sleep_loop(),
        other => unreachable!("workload_arg let {other:?} through"),
    }
}

/// Starts `SPAWN_COUNT` coroutines that only drop their wait group handle (may's `WaitGroup`
/// counts live handles, as crossbeam's does) and waits for all of them.
fn spawn() -> String {
    let wg = WaitGroup::new();
    let start = Instant::now();
    for _ in 0..SPAWN_COUNT {
        let wg = wg.clone();
        go!(move || drop(wg));
    }
    wg.wait();
    per_op("spawn", start, SPAWN_COUNT)
}

/// Starts one coroutine at a time and joins it before starting the next.
fn spawn_join() -> String {
    let start = Instant::now();
    for _ in 0..SPAWN_JOIN_COUNT {
        go!(|| ())
            .join()
            .unwrap_or_else(|_| fail("spawn_join: coroutine panicked"));
    }
    per_op("spawn_join", start, SPAWN_JOIN_COUNT)
}

/// `n` coroutines each yield `YIELD_COUNT` times; ns per yield over all of them.
fn yield_loop(name: &str, n: u64) -> String {
    let start = Instant::now();
    let yielders: Vec<_> = (0..n)
        .map(|_| {
            go!(|| {
                for _ in 0..YIELD_COUNT {
                    yield_now();
                }
            })
        })
        .collect();
    for y in yielders {
        y.join()
            .unwrap_or_else(|_| fail(format!("{name}: coroutine panicked")));
    }
    per_op(name, start, n * YIELD_COUNT)
}

/// Resident memory added per coroutine while `PARKED_COUNT` wait on one channel. Nothing is
/// ever sent on it, so its being unbounded does not matter; dropping the sender releases them.
///
/// may maps each stack with a guard page below it, two mappings per coroutine, so the kernel's
/// `vm.max_map_count` (65530 by default) must leave room for them: past it the stack's `mmap`
/// fails and may panics. That is reported as n/a rather than as a crash.
fn parked() -> String {
    let limit = read_number("/proc/sys/vm/max_map_count");
    let in_use = std::fs::read_to_string("/proc/self/maps").map_or(0, |m| m.lines().count());
    let needed = 2 * PARKED_COUNT + in_use as u64;
    if limit < needed {
        return format!(
            "parked n/a needs vm.max_map_count of at least {needed} (two mappings per may \
             stack), it is {limit}"
        );
    }
    let before = vm_rss();
    let (tx, rx) = mpmc::channel::<()>();
    let started = WaitGroup::new();
    for _ in 0..PARKED_COUNT {
        let (rx, started) = (rx.clone(), started.clone());
        go!(move || {
            drop(started);
            let _ = rx.recv();
        });
    }
    started.wait();
    // Give the last coroutines time to actually park on the channel.
    sleep(PARKED_SETTLE);
    let after = vm_rss();
    drop(tx);
    parked_line(before, after)
}

/// Bounces ints between this coroutine and an echo coroutine over two channels.
fn ping_pong() -> String {
    let (ping_tx, ping_rx) = mpsc::channel::<u64>();
    let (pong_tx, pong_rx) = mpsc::channel::<u64>();
    let start = Instant::now();
    go!(move || {
        for v in ping_rx {
            if pong_tx.send(v).is_err() {
                return;
            }
        }
    });
    for i in 0..PING_PONG_COUNT {
        ping_tx
            .send(i)
            .unwrap_or_else(|_| fail("pingpong: echo gone"));
        match pong_rx.recv() {
            Ok(v) if v == i => {}
            other => fail(format!("pingpong: sent {i}, got back {other:?}")),
        }
    }
    let line = per_op("pingpong", start, PING_PONG_COUNT);
    drop(ping_tx);
    line
}

/// Starts `MILLION_COUNT` coroutines from this one, each sending its number on one unbuffered
/// channel to a collector coroutine that sums them.
fn million(name: &str) -> String {
    let (tx, rx) = chan::chan::<u64>(0);
    let start = Instant::now();
    let collector = go!(move || {
        (0..MILLION_COUNT)
            .map(|_| rx.recv().unwrap_or_else(|_| fail("million: senders gone")))
            .sum::<u64>()
    });
    for i in 0..MILLION_COUNT {
        let tx = tx.clone();
        go!(move || {
            tx.send(i)
                .unwrap_or_else(|_| fail("million: collector gone"))
        });
    }
    let sum = collector
        .join()
        .unwrap_or_else(|_| fail("million: the collector panicked"));
    million_line(name, start, sum)
}

/// Passes a token around `RING_SIZE` coroutines, each forwarding it less one, until it is 0.
/// The ring's coroutines stay parked afterwards, as in Go's version.
fn ring() -> String {
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..RING_SIZE).map(|_| mpsc::channel::<u64>()).unzip();
    let (done_tx, done_rx) = mpsc::channel::<usize>();
    let start = Instant::now();
    for (i, input) in rxs.into_iter().enumerate() {
        let out = txs[(i + 1) % RING_SIZE].clone();
        let done = done_tx.clone();
        go!(move || ring_member(i + 1, input, out, done));
    }
    txs[0]
        .send(RING_HOPS)
        .unwrap_or_else(|_| fail("ring: first member gone"));
    let id = done_rx
        .recv()
        .unwrap_or_else(|_| fail("ring: no member saw 0"));
    let line = per_op("ring", start, RING_HOPS);
    // Member 1 gets the token first, so member RING_HOPS % RING_SIZE + 1 sees it at 0.
    let want = RING_HOPS as usize % RING_SIZE + 1;
    if id != want {
        fail(format!("ring: member {id} saw 0, want {want}"));
    }
    line
}

/// Member `id` of the ring: forwards each token less one, and reports its id at 0.
fn ring_member(
    id: usize,
    input: mpsc::Receiver<u64>,
    out: mpsc::Sender<u64>,
    done: mpsc::Sender<usize>,
) {
    for token in input {
        if token == 0 {
            let _ = done.send(id);
            return;
        }
        if out.send(token - 1).is_err() {
            return;
        }
    }
}

/// `MPMC_WORKERS` producers send `MPMC_PER_SENDER` ints each on one channel of capacity `cap`;
/// as many consumers receive until it closes, which is when the last producer drops its sender.
fn mpmc_loop(name: &str, cap: usize) -> String {
    let total = MPMC_WORKERS * MPMC_PER_SENDER;
    let (tx, rx) = chan::chan::<u64>(cap);
    let start = Instant::now();
    let consumers: Vec<_> = (0..MPMC_WORKERS)
        .map(|_| {
            let rx = rx.clone();
            go!(move || {
                let mut n = 0u64;
                while rx.recv().is_ok() {
                    n += 1;
                }
                n
            })
        })
        .collect();
    for _ in 0..MPMC_WORKERS {
        let tx = tx.clone();
        go!(move || {
            for i in 0..MPMC_PER_SENDER {
                tx.send(i)
                    .unwrap_or_else(|_| fail("mpmc: every consumer gone"));
            }
        });
    }
    drop(tx);
    let received: u64 = consumers
        .into_iter()
        .map(|c| c.join().unwrap_or_else(|_| fail("mpmc: consumer panicked")))
        .sum();
    let line = per_op(name, start, total);
    check_count(name, received, total);
    line
}

/// Four producers each send `SELECT_PER_CHAN` ints on their own channel of capacity `cap` and
/// drop it; this coroutine selects over the four with `may::select!` until all are closed.
///
/// `may::select!` runs each case's receive in a coroutine of its own, takes the first to
/// finish and cancels the rest; a case that had already received still runs its handler
/// before `select!` returns. So the handlers only record, in atomics, and the loop afterwards
/// replaces a closed channel with one nothing is ever sent on, Go's nil-channel idiom.
fn select_loop(name: &str, cap: usize) -> String {
    let total = 4 * SELECT_PER_CHAN;
    let (txs, mut rxs): (Vec<_>, Vec<_>) = (0..4).map(|_| chan::chan::<u64>(cap)).unzip();
    // Kept alive so that `never` is never closed.
    let (_never_tx, never) = chan::chan::<u64>(cap);
    let start = Instant::now();
    for tx in txs {
        go!(move || {
            for i in 0..SELECT_PER_CHAN {
                tx.send(i).unwrap_or_else(|_| fail("select: receiver gone"));
            }
        });
    }
    let count = AtomicU64::new(0);
    let closed: [AtomicBool; 4] = Default::default();
    let note = |got: Result<u64, _>, closed: &AtomicBool| match got {
        Ok(_) => drop(count.fetch_add(1, Ordering::Relaxed)),
        Err(_) => closed.store(true, Ordering::Relaxed),
    };
    let mut open = 4;
    while open > 0 {
        may::select!(
            v = rxs[0].recv() => note(v, &closed[0]),
            v = rxs[1].recv() => note(v, &closed[1]),
            v = rxs[2].recv() => note(v, &closed[2]),
            v = rxs[3].recv() => note(v, &closed[3])
        );
        for (rx, flag) in rxs.iter_mut().zip(&closed) {
            if flag.swap(false, Ordering::Relaxed) {
                *rx = never.clone();
                open -= 1;
            }
        }
    }
    let line = per_op(name, start, total);
    check_count(name, count.into_inner(), total);
    line
}

/// The concurrent prime sieve over unbuffered channels, up to the `SIEVE_COUNT`-th prime.
/// Its coroutines stay parked afterwards, as in Go's version.
fn sieve() -> String {
    let start = Instant::now();
    let (tx, mut ch) = chan::chan::<u64>(0);
    go!(move || generate(tx));
    let mut prime = 0;
    for i in 0..SIEVE_COUNT {
        prime = ch.recv().unwrap_or_else(|_| fail("sieve: a filter ended"));
        if i == SIEVE_COUNT - 1 {
            break;
        }
        let (next_tx, next_rx) = chan::chan::<u64>(0);
        let input = std::mem::replace(&mut ch, next_rx);
        go!(move || filter(input, next_tx, prime));
    }
    let line = millis("sieve", start);
    if prime != SIEVE_PRIME {
        fail(format!(
            "sieve: prime {SIEVE_COUNT} is {prime}, want {SIEVE_PRIME}"
        ));
    }
    line
}

/// Sends 2, 3, 4, ... on `out`.
fn generate(out: chan::Sender<u64>) {
    for i in 2.. {
        if out.send(i).is_err() {
            return;
        }
    }
}

/// Copies what arrives on `input` to `out`, dropping multiples of `prime`.
fn filter(input: chan::Receiver<u64>, out: chan::Sender<u64>, prime: u64) {
    while let Ok(i) = input.recv() {
        if i % prime != 0 && out.send(i).is_err() {
            return;
        }
    }
}

/// `ECHO_CLIENTS` clients each make `ECHO_ROUNDS` round trips to an in-process echo server.
fn echo() -> String {
    let listener =
        TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| fail(format!("echo: bind: {e}")));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| fail(format!("echo: local_addr: {e}")));
    go!(move || serve_echo(listener));
    let clients = WaitGroup::new();
    let start = Instant::now();
    for _ in 0..ECHO_CLIENTS {
        let clients = clients.clone();
        go!(move || {
            echo_client(addr);
            drop(clients);
        });
    }
    clients.wait();
    per_op("echo", start, ECHO_CLIENTS * ECHO_ROUNDS)
}

/// Accepts exactly `ECHO_CLIENTS` connections, one coroutine each: a known count needs no way
/// to stop a parked `accept`.
fn serve_echo(listener: TcpListener) {
    for _ in 0..ECHO_CLIENTS {
        let (stream, _) = listener
            .accept()
            .unwrap_or_else(|e| fail(format!("echo: accept: {e}")));
        go!(move || echo_conn(stream));
    }
}

/// Writes back whatever arrives, at most `ECHO_SIZE` bytes at a time, until the client closes.
/// `TCP_NODELAY` is set on both ends, as Go sets it on every TCP connection.
fn echo_conn(mut stream: TcpStream) {
    stream
        .set_nodelay(true)
        .unwrap_or_else(|e| fail(format!("echo: set_nodelay: {e}")));
    let mut buf = [0u8; ECHO_SIZE];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if stream.write_all(&buf[..n]).is_err() {
                    return;
                }
            }
        }
    }
}

/// Makes `ECHO_ROUNDS` round trips of `ECHO_SIZE` bytes, checking each reply; the first byte
/// carries the round number, so a stale or lost message shows.
fn echo_client(addr: SocketAddr) {
    let mut stream =
        TcpStream::connect(addr).unwrap_or_else(|e| fail(format!("echo: connect: {e}")));
    stream
        .set_nodelay(true)
        .unwrap_or_else(|e| fail(format!("echo: set_nodelay: {e}")));
    let (mut out, mut back) = ([0u8; ECHO_SIZE], [0u8; ECHO_SIZE]);
    for i in 0..ECHO_ROUNDS {
        out[0] = i as u8;
        stream
            .write_all(&out)
            .unwrap_or_else(|e| fail(format!("echo: write: {e}")));
        stream
            .read_exact(&mut back)
            .unwrap_or_else(|e| fail(format!("echo: read: {e}")));
        if out != back {
            fail(format!("echo: round {i} came back different"));
        }
    }
}

/// `FILE_READS` coroutines each read one of `FILE_COUNT` files whole and check its length.
fn file_read() -> String {
    let (dir, paths) = write_read_files("may-bench");
    let paths: Arc<[_]> = paths.into();
    let readers = WaitGroup::new();
    let start = Instant::now();
    for g in 0..FILE_READS as usize {
        let (readers, paths) = (readers.clone(), paths.clone());
        go!(move || {
            let path = &paths[g % FILE_COUNT];
            let data = std::fs::read(path)
                .unwrap_or_else(|e| fail(format!("fileread: {}: {e}", path.display())));
            check_file(path, data.len());
            drop(readers);
        });
    }
    readers.wait();
    let line = per_op("fileread", start, FILE_READS);
    std::fs::remove_dir_all(&dir)
        .unwrap_or_else(|e| fail(format!("fileread: remove {}: {e}", dir.display())));
    line
}

/// `SLEEPERS` coroutines each sleep `SLEEP_FOR` `SLEEP_ROUNDS` times; total ms.
fn sleep_loop() -> String {
    let sleepers = WaitGroup::new();
    let start = Instant::now();
    for _ in 0..SLEEPERS {
        let sleepers = sleepers.clone();
        go!(move || {
            for _ in 0..SLEEP_ROUNDS {
                sleep(SLEEP_FOR);
            }
            drop(sleepers);
        });
    }
    sleepers.wait();
    millis("sleep", start)
}

/// The number in the file at `path`, such as a sysctl under /proc/sys.
fn read_number(path: &str) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| fail(format!("no number in {path}")))
}
