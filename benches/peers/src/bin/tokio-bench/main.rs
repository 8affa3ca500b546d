//! `tokio-bench WORKLOAD`: the workloads of `benches/go/main.go` on tokio's multi-thread
//! runtime; prints one line, `workload value unit`, as the Go program does.
//!
//! The runtime has one worker thread per core (Go's GOMAXPROCS default) and tokio's defaults
//! otherwise. Every workload runs as a spawned task, as Go's run in the main goroutine: under
//! `block_on` alone it would be polled on the main thread, outside the scheduler, and every
//! wakeup of it would cross threads.
//!
//! Channels: `pingpong` and `ring` use `tokio::sync::mpsc` of capacity 1 (tokio's smallest),
//! which is faithful there because only one message is ever in flight, so a send never finds
//! the buffer full and an unbuffered channel would block no more. The other channel workloads
//! go through `chan`: tokio's `mpsc` for one receiver, smol-rs's `async-channel` for several
//! (`mpmc*`), and for capacity 0 a oneshot acknowledgement per message (see `chan`). A task
//! waits for others with `wait_group`, a small `sync.WaitGroup`, or joins one by awaiting its
//! `JoinHandle`. `fileread` uses `tokio::fs::read`, which runs the read on tokio's blocking
//! thread pool.

mod chan;
mod wait_group;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::yield_now;
use tokio::time::sleep;

use peers::*;
use wait_group::WaitGroup;

fn main() {
    let name = workload_arg("tokio-bench");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores())
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(format!("runtime: {e}")));
    let workload = runtime.spawn(run(name));
    let line = runtime
        .block_on(workload)
        .unwrap_or_else(|e| fail(format!("{name}: {e}")));
    println!("{line}");
}

async fn run(name: &'static str) -> String {
    match name {
        "spawn" => spawn().await,
        "spawn_join" => spawn_join().await,
        "yield" => yield_loop("yield", 2).await,
        "yield1" => yield_loop("yield1", 1).await,
        "parked" => parked().await,
        "million" | "million_peak" => million(name).await,
        "pingpong" => ping_pong().await,
        "ring" => ring().await,
        "mpmc0" => mpmc_loop("mpmc0", 0).await,
        "mpmc1" => mpmc_loop("mpmc1", 1).await,
        "mpmc100" => mpmc_loop("mpmc100", 100).await,
        "select0" => select_loop("select0", 0).await,
        "select100" => select_loop("select100", 100).await,
        "sieve" => sieve().await,
        "echo" => echo().await,
        "fileread" => file_read().await,
        "sleep" => sleep_loop().await,
        other => unreachable!("workload_arg let {other:?} through"),
    }
}

/// Starts `SPAWN_COUNT` tasks that only mark a wait group done, and waits for all of them.
async fn spawn() -> String {
    let wg = WaitGroup::new();
    let start = Instant::now();
    for _ in 0..SPAWN_COUNT {
        wg.add(1);
        let wg = wg.clone();
        tokio::spawn(async move { wg.done() });
    }
    wg.wait().await;
    per_op("spawn", start, SPAWN_COUNT)
}

/// Starts one task at a time and awaits its `JoinHandle` before starting the next.
async fn spawn_join() -> String {
    let start = Instant::now();
    for _ in 0..SPAWN_JOIN_COUNT {
        tokio::spawn(async {})
            .await
            .unwrap_or_else(|e| fail(format!("spawn_join: {e}")));
    }
    per_op("spawn_join", start, SPAWN_JOIN_COUNT)
}

/// `n` tasks each call `tokio::task::yield_now` `YIELD_COUNT` times; ns per yield over all.
async fn yield_loop(name: &str, n: u64) -> String {
    let start = Instant::now();
    let yielders: Vec<_> = (0..n)
        .map(|_| {
            tokio::spawn(async {
                for _ in 0..YIELD_COUNT {
                    yield_now().await;
                }
            })
        })
        .collect();
    for y in yielders {
        y.await.unwrap_or_else(|e| fail(format!("{name}: {e}")));
    }
    per_op(name, start, n * YIELD_COUNT)
}

/// Resident memory added per task while `PARKED_COUNT` wait on one channel. It is an
/// `async-channel`, because tokio's channels have one receiver; nothing is ever sent on it, so
/// its capacity does not matter; dropping the sender releases them.
async fn parked() -> String {
    let before = vm_rss();
    let (tx, rx) = async_channel::bounded::<()>(1);
    let started = WaitGroup::new();
    for _ in 0..PARKED_COUNT {
        started.add(1);
        let (rx, started) = (rx.clone(), started.clone());
        tokio::spawn(async move {
            started.done();
            let _ = rx.recv().await;
        });
    }
    started.wait().await;
    // Give the last tasks time to actually park on the channel.
    sleep(PARKED_SETTLE).await;
    let after = vm_rss();
    drop(tx);
    parked_line(before, after)
}

/// Bounces ints between this task and an echo task over two channels.
async fn ping_pong() -> String {
    let (ping_tx, mut ping_rx) = mpsc::channel::<u64>(1);
    let (pong_tx, mut pong_rx) = mpsc::channel::<u64>(1);
    let start = Instant::now();
    tokio::spawn(async move {
        while let Some(v) = ping_rx.recv().await {
            if pong_tx.send(v).await.is_err() {
                return;
            }
        }
    });
    for i in 0..PING_PONG_COUNT {
        ping_tx
            .send(i)
            .await
            .unwrap_or_else(|_| fail("pingpong: echo gone"));
        match pong_rx.recv().await {
            Some(v) if v == i => {}
            other => fail(format!("pingpong: sent {i}, got back {other:?}")),
        }
    }
    let line = per_op("pingpong", start, PING_PONG_COUNT);
    drop(ping_tx);
    line
}

/// Passes a token around `RING_SIZE` tasks, each forwarding it less one, until it is 0. The
/// ring's tasks stay parked afterwards, as in Go's version.
async fn ring() -> String {
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..RING_SIZE).map(|_| mpsc::channel::<u64>(1)).unzip();
    let (done_tx, mut done_rx) = mpsc::channel::<usize>(1);
    let start = Instant::now();
    for (i, input) in rxs.into_iter().enumerate() {
        let out = txs[(i + 1) % RING_SIZE].clone();
        tokio::spawn(ring_member(i + 1, input, out, done_tx.clone()));
    }
    txs[0]
        .send(RING_HOPS)
        .await
        .unwrap_or_else(|_| fail("ring: first member gone"));
    let id = done_rx
        .recv()
        .await
        .unwrap_or_else(|| fail("ring: no member saw 0"));
    let line = per_op("ring", start, RING_HOPS);
    // Member 1 gets the token first, so member RING_HOPS % RING_SIZE + 1 sees it at 0.
    let want = RING_HOPS as usize % RING_SIZE + 1;
    if id != want {
        fail(format!("ring: member {id} saw 0, want {want}"));
    }
    line
}

/// Member `id` of the ring: forwards each token less one, and reports its id at 0.
async fn ring_member(
    id: usize,
    mut input: mpsc::Receiver<u64>,
    out: mpsc::Sender<u64>,
    done: mpsc::Sender<usize>,
) {
    while let Some(token) = input.recv().await {
        if token == 0 {
            let _ = done.send(id).await;
            return;
        }
        if out.send(token - 1).await.is_err() {
            return;
        }
    }
}

/// `MPMC_WORKERS` producers send `MPMC_PER_SENDER` ints each on one channel of capacity `cap`;
/// as many consumers receive until it closes, which is when the last producer drops its sender.
async fn mpmc_loop(name: &str, cap: usize) -> String {
    let total = MPMC_WORKERS * MPMC_PER_SENDER;
    let (tx, rx) = chan::mpmc::<u64>(cap);
    let start = Instant::now();
    let consumers: Vec<_> = (0..MPMC_WORKERS)
        .map(|_| {
            let rx = rx.clone();
            tokio::spawn(async move {
                let mut n = 0u64;
                while rx.recv().await.is_some() {
                    n += 1;
                }
                n
            })
        })
        .collect();
    for _ in 0..MPMC_WORKERS {
        let tx = tx.clone();
        tokio::spawn(async move {
            for i in 0..MPMC_PER_SENDER {
                tx.send(i)
                    .await
                    .unwrap_or_else(|_| fail("mpmc: every consumer gone"));
            }
        });
    }
    drop(tx);
    let mut received = 0;
    for c in consumers {
        received += c.await.unwrap_or_else(|e| fail(format!("{name}: {e}")));
    }
    let line = per_op(name, start, total);
    check_count(name, received, total);
    line
}

/// Four producers each send `SELECT_PER_CHAN` ints on their own channel of capacity `cap` and
/// drop it; this task selects over the four with `tokio::select!` until all are closed. A
/// closed channel's branch is switched off by its precondition, as Go's code sets the channel
/// to nil; like Go's `select`, `tokio::select!` picks among ready branches at random.
async fn select_loop(name: &str, cap: usize) -> String {
    let total = 4 * SELECT_PER_CHAN;
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..4).map(|_| chan::channel::<u64>(cap)).unzip();
    let start = Instant::now();
    for tx in txs {
        tokio::spawn(async move {
            for i in 0..SELECT_PER_CHAN {
                tx.send(i)
                    .await
                    .unwrap_or_else(|_| fail("select: receiver gone"));
            }
        });
    }
    let Ok([mut a, mut b, mut c, mut d]) = <[_; 4]>::try_from(rxs) else {
        unreachable!("four receivers")
    };
    let mut open = [true; 4];
    let mut count = 0u64;
    while open.contains(&true) {
        let (i, got) = tokio::select! {
            v = a.recv(), if open[0] => (0, v),
            v = b.recv(), if open[1] => (1, v),
            v = c.recv(), if open[2] => (2, v),
            v = d.recv(), if open[3] => (3, v),
        };
        match got {
            Some(_) => count += 1,
            None => open[i] = false,
        }
    }
    let line = per_op(name, start, total);
    check_count(name, count, total);
    line
}

/// Starts `MILLION_COUNT` tasks from this one, each sending its number on one unbuffered channel
/// to a collector task that sums them.
async fn million(name: &'static str) -> String {
    let (tx, rx) = chan::mpmc::<u64>(0);
    let start = Instant::now();
    let collector = tokio::spawn(async move {
        let mut sum = 0;
        for _ in 0..MILLION_COUNT {
            sum += rx
                .recv()
                .await
                .unwrap_or_else(|| fail("million: senders gone"));
        }
        sum
    });
    for i in 0..MILLION_COUNT {
        let tx = tx.clone();
        tokio::spawn(async move {
            tx.send(i)
                .await
                .unwrap_or_else(|_| fail("million: collector gone"))
        });
    }
    let sum = collector
        .await
        .unwrap_or_else(|e| fail(format!("million: {e}")));
    million_line(name, start, sum)
}

/// The concurrent prime sieve over unbuffered channels, up to the `SIEVE_COUNT`-th prime. Its
/// tasks stay parked afterwards, as in Go's version.
async fn sieve() -> String {
    let start = Instant::now();
    let (tx, mut ch) = chan::channel::<u64>(0);
    tokio::spawn(generate(tx));
    let mut prime = 0;
    for i in 0..SIEVE_COUNT {
        prime = ch
            .recv()
            .await
            .unwrap_or_else(|| fail("sieve: a filter ended"));
        if i == SIEVE_COUNT - 1 {
            break;
        }
        let (next_tx, next_rx) = chan::channel::<u64>(0);
        let input = std::mem::replace(&mut ch, next_rx);
        tokio::spawn(filter(input, next_tx, prime));
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
async fn generate(out: chan::Sender<u64>) {
    for i in 2.. {
        if out.send(i).await.is_err() {
            return;
        }
    }
}

/// Copies what arrives on `input` to `out`, dropping multiples of `prime`.
async fn filter(mut input: chan::Receiver<u64>, out: chan::Sender<u64>, prime: u64) {
    while let Some(i) = input.recv().await {
        if i % prime != 0 && out.send(i).await.is_err() {
            return;
        }
    }
}

/// `ECHO_CLIENTS` clients each make `ECHO_ROUNDS` round trips to an in-process echo server.
async fn echo() -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| fail(format!("echo: bind: {e}")));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| fail(format!("echo: local_addr: {e}")));
    tokio::spawn(serve_echo(listener));
    let clients = WaitGroup::new();
    let start = Instant::now();
    for _ in 0..ECHO_CLIENTS {
        clients.add(1);
        let clients = clients.clone();
        tokio::spawn(async move {
            echo_client(addr).await;
            clients.done();
        });
    }
    clients.wait().await;
    per_op("echo", start, ECHO_CLIENTS * ECHO_ROUNDS)
}

/// Accepts exactly `ECHO_CLIENTS` connections, one task each: a known count needs no way to
/// stop a pending `accept`.
async fn serve_echo(listener: TcpListener) {
    for _ in 0..ECHO_CLIENTS {
        let (stream, _) = listener
            .accept()
            .await
            .unwrap_or_else(|e| fail(format!("echo: accept: {e}")));
        tokio::spawn(echo_conn(stream));
    }
}

/// Writes back whatever arrives, at most `ECHO_SIZE` bytes at a time, until the client closes.
/// `TCP_NODELAY` is set on both ends, as Go sets it on every TCP connection.
async fn echo_conn(mut stream: TcpStream) {
    stream
        .set_nodelay(true)
        .unwrap_or_else(|e| fail(format!("echo: set_nodelay: {e}")));
    let mut buf = [0u8; ECHO_SIZE];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if stream.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Makes `ECHO_ROUNDS` round trips of `ECHO_SIZE` bytes, checking each reply; the first byte
/// carries the round number, so a stale or lost message shows.
async fn echo_client(addr: SocketAddr) {
    let mut stream = TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| fail(format!("echo: connect: {e}")));
    stream
        .set_nodelay(true)
        .unwrap_or_else(|e| fail(format!("echo: set_nodelay: {e}")));
    let (mut out, mut back) = ([0u8; ECHO_SIZE], [0u8; ECHO_SIZE]);
    for i in 0..ECHO_ROUNDS {
        out[0] = i as u8;
        stream
            .write_all(&out)
            .await
            .unwrap_or_else(|e| fail(format!("echo: write: {e}")));
        stream
            .read_exact(&mut back)
            .await
            .unwrap_or_else(|e| fail(format!("echo: read: {e}")));
        if out != back {
            fail(format!("echo: round {i} came back different"));
        }
    }
}

/// `FILE_READS` tasks each read one of `FILE_COUNT` files whole and check its length.
async fn file_read() -> String {
    let (dir, paths) = write_read_files("tokio-bench");
    let paths: Arc<[_]> = paths.into();
    let readers = WaitGroup::new();
    let start = Instant::now();
    for g in 0..FILE_READS as usize {
        readers.add(1);
        let (readers, paths) = (readers.clone(), paths.clone());
        tokio::spawn(async move {
            let path = &paths[g % FILE_COUNT];
            let data = tokio::fs::read(path)
                .await
                .unwrap_or_else(|e| fail(format!("fileread: {}: {e}", path.display())));
            check_file(path, data.len());
            readers.done();
        });
    }
    readers.wait().await;
    let line = per_op("fileread", start, FILE_READS);
    std::fs::remove_dir_all(&dir)
        .unwrap_or_else(|e| fail(format!("fileread: remove {}: {e}", dir.display())));
    line
}

/// `SLEEPERS` tasks each sleep `SLEEP_FOR` `SLEEP_ROUNDS` times; total ms.
async fn sleep_loop() -> String {
    let sleepers = WaitGroup::new();
    let start = Instant::now();
    for _ in 0..SLEEPERS {
        sleepers.add(1);
        let sleepers = sleepers.clone();
        tokio::spawn(async move {
            for _ in 0..SLEEP_ROUNDS {
                sleep(SLEEP_FOR).await;
            }
            sleepers.done();
        });
    }
    sleepers.wait().await;
    millis("sleep", start)
}
