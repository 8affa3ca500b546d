//! A port of Go's `test/chan/select2.go`: "Test that selects do not consume undue memory."
//!
//! 100,000 selects (a receive that is woken by a sender, and a receive on a channel nobody sends
//! on) after a warm-up of as many must not grow the heap by more than Go's bound, 110,000 bytes:
//! about one byte per select, so nothing may be kept per select (a queue entry left behind on
//! the idle channel, say). Go only prints "BUG" past the bound; the port fails.
//!
//! The heap is measured with a counting global allocator: net bytes allocated and not freed.
//! This file holds this one test only, so that no other test allocates meanwhile.

mod common_alloc;
mod common_chan;

use common_chan::run_watched;
use offshoot::{chan, go, select, Receiver, Sender};

#[global_allocator]
static ALLOCATOR: common_alloc::Counting = common_alloc::Counting;

fn sender(c: Sender<i32>, n: usize) {
    for _ in 0..n {
        c.send(1).unwrap();
    }
}

fn receiver(c: &Receiver<i32>, dummy: &Receiver<i32>, n: usize) {
    for _ in 0..n {
        select! {
            recv(c) -> v => { v.unwrap(); }
            recv(dummy) -> _ => panic!("dummy"),
        }
    }
}

const SELECTS: usize = 100_000; // Go's count

#[test]
fn select2() {
    run_watched("select2", || {
        let (c, c_rx) = chan::<i32>(0);
        let (_dummy_tx, dummy) = chan::<i32>(0);

        // Warm up.
        let tx = c.clone();
        let h = go(move || sender(tx, SELECTS));
        receiver(&c_rx, &dummy, SELECTS);
        h.join().unwrap();
        let alloc = common_alloc::live_bytes();

        // Second time shouldn't increase footprint by much.
        let tx = c.clone();
        let h = go(move || sender(tx, SELECTS));
        receiver(&c_rx, &dummy, SELECTS);
        h.join().unwrap();
        let grown = common_alloc::live_bytes() - alloc;
        eprintln!("select2: heap grew by {grown} bytes over {SELECTS} selects");

        assert!(
            grown <= 110_000,
            "BUG: too much memory for {SELECTS} selects: {grown} bytes"
        );
    });
}
