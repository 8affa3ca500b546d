//! Where the connections an accept loop spawns start (issue 11).
//!
//! A started coroutine keeps its thread. A server accepts connections in one coroutine and
//! spawns a coroutine for each, which starts at once in the `runnext` of the acceptor's worker
//! and waits there on its socket for the rest of its life. Before the change every connection
//! of the echo benchmark that was not stolen in time lived on the acceptor's worker (95 of 100
//! in a typical run), and round trips cost up to 1.5 times Go's. Now each worker counts the
//! coroutines homed on it, and what a coroutine that waits on sockets spawns on a worker that
//! holds more than another by a margin (8, or a quarter of the other's count) starts on the
//! other.
//!
//! The test sets two workers itself, so it means the same under `OFFSHOOT_WORKERS=1`.

mod common;

use std::collections::HashMap;
use std::io::Read;
use std::net::TcpStream as StdTcpStream;
use std::thread::{self, ThreadId};

use common::watchdog;
use offshoot::net::TcpListener;
use offshoot::{chan, go, Config};

/// Connections the acceptor takes.
const CONNECTIONS: usize = 200;

#[test]
fn connections_accepted_on_one_worker_spread_over_both() {
    Config::new()
        .workers(2)
        .init()
        .expect("the runtime has not started yet");
    let homes = watchdog("accept loop", 120, serve);
    let started: usize = homes.values().sum();
    assert_eq!(started, CONNECTIONS);
    let busiest = homes.values().copied().max().unwrap_or(0);
    // Balanced within the margin is at most 112 of 200 (one worker holding a quarter more than
    // the other); 150 leaves room for the monitor's marks misleading a few placements (1 run in
    // 300 reached 141), and still fails the old placement (all 200 on one, every run).
    assert!(
        busiest * 4 <= started * 3,
        "{busiest} of {started} connections started on one worker: {homes:?}"
    );
}

/// Runs on a plain thread. Accepts `CONNECTIONS` connections in a coroutine, one at a time: a
/// client thread connects
/// the next only when the previous one's coroutine has started and said where. Keeps every
/// connection open until all have reported. Returns how many started on each thread.
fn serve() -> HashMap<ThreadId, usize> {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    let addr = listener.local_addr().expect("the bound address");
    let (homes_tx, homes_rx) = chan::<ThreadId>(CONNECTIONS);
    go(move || {
        for _ in 0..CONNECTIONS {
            let (mut stream, _) = listener.accept().expect("accept a local connection");
            let homes_tx = homes_tx.clone();
            go(move || {
                homes_tx
                    .send(thread::current().id())
                    .expect("buffered for every connection");
                // The connection waits on its socket until the client hangs up.
                let mut buf = [0u8; 1];
                assert_eq!(stream.read(&mut buf).expect("a clean hang-up"), 0);
            });
        }
    });
    let client = thread::spawn(move || {
        let mut homes = HashMap::new();
        let mut open = Vec::with_capacity(CONNECTIONS);
        for _ in 0..CONNECTIONS {
            open.push(StdTcpStream::connect(addr).expect("connect to the local listener"));
            let home = homes_rx.recv().expect("every connection reports");
            *homes.entry(home).or_insert(0) += 1;
        }
        drop(open);
        homes
    });
    client.join().expect("the client thread does not panic")
}
