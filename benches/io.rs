//! I/O benchmarks, the same workloads as the I/O part of `benches/go/main.go`.
//!
//! `cargo bench --bench io -- WORKLOAD...` prints one line per workload, `workload value unit`;
//! with no workload it runs them all:
//! - `echo`: 100 clients each make 10,000 round trips of 64 bytes to an in-process TCP echo
//!   server on 127.0.0.1, one coroutine per accepted connection; ns per round trip, timed from
//!   the first connect to the last client finishing.
//! - `fileread`: 20,000 coroutines each `offshoot::fs::read` one of 100 files of 4 KiB, written
//!   to a fresh temporary directory beforehand (untimed); ns per read.
//! - `sleep`: 10,000 coroutines each sleep 10 ms ten times; total ms until all are done.
//!
//! Every workload runs inside `offshoot::run` and checks its result. Both ends of every TCP
//! connection set `TCP_NODELAY`, which Go sets on every TCP connection. A failed check ends the
//! process, as Go's `fail` does: a panicking coroutine would never call `done`, and its
//! `WaitGroup` would wait forever.

mod common;

use common::per_op;
use std::fmt::Display;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use offshoot::go;
use offshoot::net::{TcpListener, TcpStream};
use offshoot::sync::WaitGroup;

const ECHO_CLIENTS: u64 = 100;
/// Round trips per client.
const ECHO_ROUNDS: u64 = 10_000;
/// Bytes per message, and the size of the server's read buffer.
const ECHO_SIZE: usize = 64;
const FILE_COUNT: usize = 100;
const FILE_SIZE: usize = 4096;
/// Coroutines, one read each.
const FILE_READS: u64 = 20_000;
const SLEEPERS: u64 = 10_000;
const SLEEP_ROUNDS: u32 = 10;
const SLEEP_FOR: Duration = Duration::from_millis(10);

fn main() {
    common::main_with(&[("echo", echo), ("fileread", file_read), ("sleep", sleep)]);
}

/// Reports `msg` on stderr and ends the process with status 1.
fn fail(msg: impl Display) -> ! {
    eprintln!("{msg}");
    std::process::exit(1);
}

fn echo() -> String {
    let listener =
        TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| fail(format!("echo: bind: {e}")));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| fail(format!("echo: local_addr: {e}")));
    go(move || serve_echo(listener));
    let clients = WaitGroup::new();
    let start = Instant::now();
    for _ in 0..ECHO_CLIENTS {
        clients.add(1);
        let clients = clients.clone();
        go(move || {
            echo_client(addr);
            clients.done();
        });
    }
    clients.wait();
    per_op("echo", start, ECHO_CLIENTS * ECHO_ROUNDS)
}

/// Accepts exactly `ECHO_CLIENTS` connections, one coroutine each, then drops the listener: a
/// known count needs no way to stop a parked `accept`.
fn serve_echo(listener: TcpListener) {
    for _ in 0..ECHO_CLIENTS {
        let (stream, _) = listener
            .accept()
            .unwrap_or_else(|e| fail(format!("echo: accept: {e}")));
        go(move || echo_conn(stream));
    }
}

/// Writes back whatever arrives on `stream`, at most `ECHO_SIZE` bytes at a time, until the
/// client closes it.
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

/// Connects to `addr` and makes `ECHO_ROUNDS` round trips: writes `ECHO_SIZE` bytes, reads
/// exactly as many back and checks they match. The first byte carries the round number, so a
/// stale or lost message shows.
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

fn file_read() -> String {
    let dir = fresh_temp_dir();
    let paths: Arc<[PathBuf]> = (0..FILE_COUNT).map(|i| dir.join(i.to_string())).collect();
    for path in paths.iter() {
        std::fs::write(path, [0u8; FILE_SIZE])
            .unwrap_or_else(|e| fail(format!("fileread: write {}: {e}", path.display())));
    }
    let readers = WaitGroup::new();
    let start = Instant::now();
    for g in 0..FILE_READS {
        readers.add(1);
        let (readers, paths) = (readers.clone(), paths.clone());
        go(move || {
            let path = &paths[g as usize % FILE_COUNT];
            let data = offshoot::fs::read(path)
                .unwrap_or_else(|e| fail(format!("fileread: {}: {e}", path.display())));
            if data.len() != FILE_SIZE {
                fail(format!(
                    "fileread: {} has {} bytes, want {FILE_SIZE}",
                    path.display(),
                    data.len()
                ));
            }
            readers.done();
        });
    }
    readers.wait();
    let line = per_op("fileread", start, FILE_READS);
    std::fs::remove_dir_all(&dir)
        .unwrap_or_else(|e| fail(format!("fileread: remove {}: {e}", dir.display())));
    line
}

/// A new, empty directory under the system's temporary directory, as Go's `os.MkdirTemp`. The
/// process id makes the name unique among concurrent runs; `create_dir` refuses a leftover one.
fn fresh_temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("offshoot-bench-{}", std::process::id()));
    std::fs::create_dir(&dir)
        .unwrap_or_else(|e| fail(format!("fileread: create {}: {e}", dir.display())));
    dir
}

fn sleep() -> String {
    let sleepers = WaitGroup::new();
    let start = Instant::now();
    for _ in 0..SLEEPERS {
        sleepers.add(1);
        let sleepers = sleepers.clone();
        go(move || {
            for _ in 0..SLEEP_ROUNDS {
                offshoot::time::sleep(SLEEP_FOR);
            }
            sleepers.done();
        });
    }
    sleepers.wait();
    format!("sleep {:.1} ms", start.elapsed().as_secs_f64() * 1000.0)
}
