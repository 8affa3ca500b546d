//! Where a new coroutine starts when its spawner's worker has no time to spare (issue 11).
//!
//! A started coroutine keeps its thread, so the worker a coroutine starts on is where it runs for
//! good. The prime sieve spawns each filter from a coroutine whose worker never runs out of work
//! (the pipeline keeps it busy), and which parks right after the spawn, so the new filter would
//! start there at once. Before the change every filter did: 4,900 of 5,000 on one worker, the
//! other idle, and the sieve ran 2.5 times slower than when coroutines could move. Now the
//! monitor marks a worker that never runs out of work as saturated, and a coroutine spawned on
//! it starts on a worker with time to spare.
//!
//! The test sets two workers itself, so it means the same under `OFFSHOOT_WORKERS=1`.

mod common;

use std::collections::HashMap;
use std::thread::{self, ThreadId};

use common::run_watched;
use offshoot::{chan, go, Config};

/// Primes to find: about a second of sieving in a release build, well past the monitor's
/// first look (10 ms).
const PRIMES: usize = 3000;
/// The 3000th prime.
const LAST_PRIME: u64 = 27449;

#[test]
fn a_pipeline_that_saturates_its_worker_spreads_over_both() {
    Config::new()
        .workers(2)
        .init()
        .expect("the runtime has not started yet");
    let (prime, homes) = run_watched("sieve", sieve);
    assert_eq!(prime, LAST_PRIME);
    let started: usize = homes.values().sum();
    assert_eq!(started, PRIMES);
    let busiest = homes.values().copied().max().unwrap_or(0);
    assert!(
        busiest * 10 <= started * 9,
        "{busiest} of {started} filters started on one worker: {homes:?}"
    );
}

/// The concurrent prime sieve: returns the last prime, and how many filters started on each
/// thread.
fn sieve() -> (u64, HashMap<ThreadId, usize>) {
    let (homes_tx, homes_rx) = chan::<ThreadId>(PRIMES);
    let (gen_tx, mut src) = chan::<u64>(0);
    let stop_gen = gen_tx.clone();
    go(move || {
        for i in 2.. {
            if gen_tx.send(i).is_err() {
                return;
            }
        }
    });
    let mut prime = 0;
    for _ in 0..PRIMES {
        prime = src.recv().expect("the generator never stops");
        let (tx, rx) = chan::<u64>(0);
        let input = std::mem::replace(&mut src, rx);
        let homes_tx = homes_tx.clone();
        go(move || {
            homes_tx
                .send(thread::current().id())
                .expect("buffered for every filter");
            for v in &input {
                if v % prime != 0 && tx.send(v).is_err() {
                    break;
                }
            }
            // Go's `close(out)`: the next filter's loop ends once it has drained.
            tx.close();
        });
    }
    // Tear the pipeline down as a Go program would: close the generator's channel (its pending
    // send fails), each filter closes its output once its input is drained, and the last
    // output, ours, is drained here. Its close means every filter has finished, and so has
    // reported its home.
    stop_gen.close();
    for _ in &src {}
    homes_tx.close();
    let mut homes = HashMap::new();
    for home in &homes_rx {
        *homes.entry(home).or_insert(0) += 1;
    }
    (prime, homes)
}
