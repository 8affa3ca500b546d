//! Channel benchmarks, the same workloads as the channel part of `benches/go/main.go`.
//!
//! `cargo bench --bench chan -- WORKLOAD...` prints one line per workload, `workload value unit`;
//! with no workload it runs them all:
//! - `pingpong`: 1,000,000 round trips over two unbuffered channels; ns per round trip.
//! - `ring`: a token passed 5,000,000 times around a ring of 503 coroutines; ns per hop.
//! - `mpmc0`, `mpmc1`, `mpmc100`: 4 producers and 4 consumers, 5,000,000 messages over one
//!   channel of capacity 0, 1, 100; ns per message.
//! - `mpmcu`: the same over an `unbounded()` channel (crossbeam's; Go has none, so it is not in
//!   `compare.sh`): to hold it against `mpmc100`.
//! - `select0`, `select100`: 4 producers on 4 channels (capacity 0, 100), one consumer
//!   selecting over them, 4,000,000 messages; ns per message.
//! - `sieve`: the concurrent prime sieve up to the 5000th prime (48611); total ms.
//!
//! Every workload runs inside `offshoot::run` and checks its result.

mod common;

use common::per_op;
use std::time::Instant;

use offshoot::sync::WaitGroup;
use offshoot::{chan, go, never, select, unbounded, Receiver};

fn main() {
    common::main_with(&[
        ("pingpong", pingpong),
        ("ring", ring),
        ("mpmc0", || mpmc("mpmc0", 0)),
        ("mpmc1", || mpmc("mpmc1", 1)),
        ("mpmc100", || mpmc("mpmc100", 100)),
        ("mpmcu", || mpmc("mpmcu", usize::MAX)),
        ("select0", || select_four("select0", 0)),
        ("select100", || select_four("select100", 100)),
        ("sieve", sieve),
    ]);
}

fn pingpong() -> String {
    const N: u64 = 1_000_000;
    let (ping_tx, ping_rx) = chan::<u64>(0);
    let (pong_tx, pong_rx) = chan::<u64>(0);
    let echo = go(move || {
        for v in &ping_rx {
            pong_tx.send(v).unwrap();
        }
    });
    let start = Instant::now();
    for i in 0..N {
        ping_tx.send(i).unwrap();
        assert_eq!(pong_rx.recv(), Ok(i));
    }
    let line = per_op("pingpong", start, N);
    ping_tx.close();
    echo.join().unwrap();
    line
}

fn ring() -> String {
    const SIZE: usize = 503;
    const HOPS: u64 = 5_000_000;
    let (done_tx, done_rx) = chan::<()>(0);
    let (first_tx, mut prev_rx) = chan::<u64>(0);
    let mut handles = Vec::with_capacity(SIZE);
    for i in 0..SIZE {
        let (next_tx, next_rx) = if i + 1 == SIZE {
            (first_tx.clone(), never())
        } else {
            chan::<u64>(0)
        };
        let input = std::mem::replace(&mut prev_rx, next_rx);
        let done = done_tx.clone();
        handles.push(go(move || {
            for token in &input {
                if token == 0 {
                    done.send(()).unwrap();
                    return;
                }
                if next_tx.send(token - 1).is_err() {
                    return;
                }
            }
        }));
    }
    let start = Instant::now();
    first_tx.send(HOPS).unwrap();
    done_rx.recv().unwrap();
    let line = per_op("ring", start, HOPS);
    drop(handles); // the others stay parked on their input, as in Go's version; the process ends
    line
}

/// `cap == usize::MAX` stands for `unbounded()`.
fn mpmc(name: &str, cap: usize) -> String {
    const PRODUCERS: u64 = 4;
    const CONSUMERS: usize = 4;
    const N: u64 = 5_000_000;
    let (tx, rx) = match cap {
        usize::MAX => unbounded::<u64>(),
        cap => chan::<u64>(cap),
    };
    let producers = WaitGroup::new();
    let start = Instant::now();
    for _ in 0..PRODUCERS {
        let (tx, producers) = (tx.clone(), producers.clone());
        producers.add(1);
        go(move || {
            for i in 0..N / PRODUCERS {
                tx.send(i).unwrap();
            }
            producers.done();
        });
    }
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let rx = rx.clone();
            go(move || rx.iter().count() as u64)
        })
        .collect();
    producers.wait();
    tx.close(); // Go's close(ch) once every producer is done: the consumers' loops end
    let received: u64 = consumers.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(received, N, "every message received once");
    per_op(name, start, N)
}

fn select_four(name: &str, cap: usize) -> String {
    const PER_PRODUCER: u64 = 1_000_000;
    let mut receivers: Vec<Receiver<u64>> = Vec::new();
    let start = Instant::now();
    for _ in 0..4 {
        let (tx, rx) = chan::<u64>(cap);
        receivers.push(rx);
        go(move || {
            for i in 0..PER_PRODUCER {
                tx.send(i).unwrap();
            }
            tx.close();
        });
    }
    let [mut a, mut b, mut c, mut d] = <[Receiver<u64>; 4]>::try_from(receivers).unwrap();
    let (mut count, mut open) = (0u64, 4);
    while open > 0 {
        // Go's idiom: a closed channel's case is switched off with a nil channel.
        select! {
            recv(a) -> v => match v { Ok(_) => count += 1, Err(_) => { a = never(); open -= 1 } },
            recv(b) -> v => match v { Ok(_) => count += 1, Err(_) => { b = never(); open -= 1 } },
            recv(c) -> v => match v { Ok(_) => count += 1, Err(_) => { c = never(); open -= 1 } },
            recv(d) -> v => match v { Ok(_) => count += 1, Err(_) => { d = never(); open -= 1 } },
        }
    }
    assert_eq!(count, 4 * PER_PRODUCER);
    per_op(name, start, 4 * PER_PRODUCER)
}

fn sieve() -> String {
    const NTH: usize = 5000;
    let start = Instant::now();
    let (gen_tx, mut src) = chan::<u64>(0);
    go(move || {
        for i in 2.. {
            if gen_tx.send(i).is_err() {
                return;
            }
        }
    });
    let mut prime = 0;
    for _ in 0..NTH {
        prime = src.recv().unwrap();
        let (tx, rx) = chan::<u64>(0);
        let input = std::mem::replace(&mut src, rx);
        go(move || {
            for v in &input {
                if v % prime != 0 && tx.send(v).is_err() {
                    return;
                }
            }
        });
    }
    assert_eq!(prime, 48611, "the 5000th prime");
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    // The generator and the filters stay parked, as in Go's version; the process ends.
    drop(src);
    format!("sieve {ms:.1} ms")
}
