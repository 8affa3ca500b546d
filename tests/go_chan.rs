//! Ports of Go's channel test programs, `test/chan/*.go` (and `test/closedchan.go`), from the
//! Go repository. Each Go `main` becomes a `#[test]` running as the main coroutine under a
//! watchdog; what the Go program checks with `panic` is checked here with assertions.
//!
//! Go-to-offshoot mapping used throughout:
//! - `make(chan T, n)` is `chan::<T>(n)`; a `chan` used both ways is split into its two ends;
//! - `close(c)` is `Sender::close`; a receive on a closed, drained channel, Go's zero value and
//!   `ok == false`, is `Err(RecvError)`;
//! - a send on a closed channel, which panics in Go, is `Err(SendError(msg))` here;
//! - a nil channel is `offshoot::never()` (receive) or `common_chan::nil_sender()` (send);
//! - `runtime.Gosched()` is `offshoot::yield_now()`.
//!
//! A `chan`, like Go's channel, closes only through `close`: dropping its senders or receivers
//! neither ends a receive nor fails a send. The ports close where the Go programs do (and where
//! a Go program would end by panicking, close on the way out, so that a failure shows as a
//! failed assertion rather than a hang). Go programs leak goroutines blocked forever on channels
//! nobody uses any more, and so do the ports.
//!
//! Not ported: `perm.go` (compile-time channel direction errors: Rust's separate `Sender` and
//! `Receiver` types make those type errors), `select5.go` (a generator of Go programs),
//! `sendstmt.go` (Go syntax), `powser2.go` (`powser1.go` with interfaces; `powser1.go` is in
//! `go_powser.rs`), `select2.go` (in `go_select_memory.rs`, it needs its own allocator).

mod common_chan;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet, VecDeque};
use std::fmt::Debug;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common_chan::{blocks, defer, ms, nil_sender, run_watched, Blocked, Mode};
use offshoot::{chan, go, never, select, yield_now, Receiver, RecvError, SendError, Sender};

// ---------------------------------------------------------------------------------------------
// test/chan/fifo.go: "Test that unbuffered channels act as pure fifos."

const FIFO_N: i32 = 10;

#[test]
fn fifo_asynch() {
    run_watched("fifo_asynch", || {
        let (tx, rx) = chan(FIFO_N as usize);
        for i in 0..FIFO_N {
            tx.send(i).unwrap();
        }
        for i in 0..FIFO_N {
            assert_eq!(rx.recv(), Ok(i), "bad receive");
        }
    });
}

/// Go's `Chain`: waits for its turn on `inp`, checks the next value on `ch` is `val`, passes the
/// turn on. A wrong value panics, which closes `out` on the way out and so ends the chain with a
/// closed channel.
fn chain(ch: Receiver<i32>, val: i32, inp: Receiver<i32>, out: Sender<i32>) {
    let closer = out.clone();
    let _close = defer(move || {
        closer.close();
    });
    inp.recv().expect("the previous link of the chain failed");
    assert_eq!(ch.recv(), Ok(val), "link {val} received out of order");
    out.send(1).unwrap();
}

#[test]
fn fifo_synch() {
    run_watched("fifo_synch", || {
        let (ch_tx, ch_rx) = chan(0);
        let (start, mut inp) = chan(0);
        for i in 0..FIFO_N {
            let (out_tx, out_rx) = chan(0);
            offshoot::go!(chain(ch_rx.clone(), i, inp, out_tx));
            inp = out_rx;
        }
        start.send(0).unwrap();
        for i in 0..FIFO_N {
            ch_tx.send(i).unwrap();
        }
        assert_eq!(inp.recv(), Ok(1), "the chain did not complete");
    });
}

// ---------------------------------------------------------------------------------------------
// test/chan/nonblock.go: "Test channel operations that test for blocking. Use several sizes and
// types of operands." Non-blocking sends and receives are `select!` with `default`, as in Go.

fn nb_receiver<T: PartialEq + Debug>(c: Receiver<T>, strobe: Sender<bool>, expect: T) {
    assert_eq!(c.recv(), Ok(expect), "receiver value");
    strobe.send(true).unwrap();
}

fn nb_sender<T>(c: Sender<T>, strobe: Sender<bool>, value: T) {
    c.send(value).expect("sender: send failed");
    strobe.send(true).unwrap();
}

/// Go: `const maxTries = 10000 // Up to 100ms per test.`
const MAX_TRIES: usize = 10000;

/// One type's round of `nonblock.go`'s main loop body: a non-blocking receive on the empty
/// channel, then a non-blocking send retried until a receiver takes it, then a non-blocking
/// receive retried until a sender provides.
fn nonblock_round<T>(mode: Mode, buffer: usize, sleep: &dyn Fn(), to_receiver: T, from_sender: T)
where
    T: PartialEq + Debug + Clone + Send + 'static,
{
    let name = std::any::type_name::<T>();
    let (sync_tx, sync) = chan::<bool>(0);
    let (c_tx, c_rx) = chan::<T>(buffer);

    select! {
        recv(c_rx) -> v => panic!("blocked {name} sender: {v:?}"),
        default => {}
    }

    let (rx, strobe, expect) = (c_rx.clone(), sync_tx.clone(), to_receiver.clone());
    let receiver = mode.go(move || nb_receiver(rx, strobe, expect));
    let mut tries = 0;
    loop {
        select! {
            send(c_tx, to_receiver.clone()) -> r => {
                r.expect("send to a live channel failed");
                break;
            }
            default => {
                tries += 1;
                assert!(tries <= MAX_TRIES, "{name} receiver buffer={buffer}: fail");
                sleep();
            }
        }
    }
    sync.recv().unwrap();
    receiver.join();

    let (tx, strobe, value) = (c_tx.clone(), sync_tx.clone(), from_sender.clone());
    let sender = mode.go(move || nb_sender(tx, strobe, value));
    if buffer > 0 {
        sync.recv().unwrap();
    }
    let mut tries = 0;
    loop {
        select! {
            recv(c_rx) -> v => {
                assert_eq!(v, Ok(from_sender.clone()), "{name} sender value");
                break;
            }
            default => {
                tries += 1;
                assert!(tries <= MAX_TRIES, "{name} sender buffer={buffer}: fail");
                sleep();
            }
        }
    }
    if buffer == 0 {
        sync.recv().unwrap();
    }
    sender.join();
}

fn nonblock(mode: Mode) {
    // Go: `var ticker = time.Tick(10 * 1000) // 10 us`, and `sleep` is two ticks and three
    // `Gosched`s.
    let ticker = offshoot::time::tick(Duration::from_micros(10));
    let sleep = move || {
        ticker.recv().unwrap();
        ticker.recv().unwrap();
        yield_now();
        yield_now();
        yield_now();
    };
    for buffer in 0..2 {
        nonblock_round::<i32>(mode, buffer, &sleep, 123, 234);
        nonblock_round::<i64>(mode, buffer, &sleep, 123456, 234567);
        nonblock_round::<bool>(mode, buffer, &sleep, true, true);
        nonblock_round::<String>(mode, buffer, &sleep, "hello".into(), "hello again".into());
    }
}

#[test]
fn nonblock_coroutines() {
    run_watched("nonblock_coroutines", || nonblock(Mode::Coroutines));
}

#[test]
fn nonblock_threads() {
    Mode::Threads.run_watched("nonblock_threads", || nonblock(Mode::Threads));
}

// ---------------------------------------------------------------------------------------------
// test/chan/doubleselect.go: "Test the situation in which two cases of a select can both end up
// running." If two cases of the sender's select both ran, a value would arrive twice.

/// Go: 100,000 iterations (its flag default).
const DOUBLESELECT_N: i32 = 100_000;

fn ds_sender(n: i32, c1: Sender<i32>, c2: Sender<i32>, c3: Sender<i32>, c4: Sender<i32>) {
    // Go: `defer close(c1)` ... `defer close(c4)`.
    let closers = [c4.clone(), c3.clone(), c2.clone(), c1.clone()];
    let _close = defer(move || {
        for c in &closers {
            c.close();
        }
    });
    for i in 0..n {
        select! {
            send(c1, i) -> r => r.unwrap(),
            send(c2, i) -> r => r.unwrap(),
            send(c3, i) -> r => r.unwrap(),
            send(c4, i) -> r => r.unwrap(),
        }
    }
}

fn ds_mux(out: Sender<i32>, inp: Receiver<i32>, done: Sender<bool>) {
    for v in inp {
        out.send(v).unwrap();
    }
    done.send(true).unwrap();
}

fn ds_recver(inp: Receiver<i32>) -> HashSet<i32> {
    let mut seen = HashSet::new();
    for v in inp {
        assert!(seen.insert(v), "got duplicate value: {v}");
    }
    seen
}

#[test]
fn doubleselect() {
    run_watched("doubleselect", || {
        let (c1, r1) = chan(0);
        let (c2, r2) = chan(0);
        let (c3, r3) = chan(0);
        let (c4, r4) = chan(0);
        let (done_tx, done_rx) = chan(0);
        let (cmux_tx, cmux_rx) = chan(0);
        offshoot::go!(ds_sender(DOUBLESELECT_N, c1, c2, c3, c4));
        offshoot::go!(ds_mux(cmux_tx.clone(), r1, done_tx.clone()));
        offshoot::go!(ds_mux(cmux_tx.clone(), r2, done_tx.clone()));
        offshoot::go!(ds_mux(cmux_tx.clone(), r3, done_tx.clone()));
        offshoot::go!(ds_mux(cmux_tx.clone(), r4, done_tx));
        go(move || {
            for _ in 0..4 {
                done_rx.recv().unwrap();
            }
            cmux_tx.close();
        });
        let seen = ds_recver(cmux_rx);
        // Not in the Go program, which checks only for duplicates: nothing was lost either.
        assert_eq!(seen.len(), DOUBLESELECT_N as usize, "values were lost");
    });
}

// ---------------------------------------------------------------------------------------------
// test/chan/sieve1.go: "Generate primes up to 100 using channels, checking the results. This
// sieve consists of a linear chain of divisibility filters."

const PRIMES: [i64; 25] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
];

/// Sends 2, 3, 4, ... on `ch` (for ever: as in Go, it is left parked once nobody listens).
fn generate(ch: Sender<i64>) {
    let mut i = 2;
    while ch.send(i).is_ok() {
        i += 1;
    }
}

/// Copies `inp` to `out`, removing multiples of `prime`.
fn filter(inp: Receiver<i64>, out: Sender<i64>, prime: i64) {
    for i in inp {
        if i % prime != 0 && out.send(i).is_err() {
            return;
        }
    }
}

/// Daisy-chains filters together.
fn sieve(primes: Sender<i64>) {
    let (tx, mut ch) = chan(0);
    offshoot::go!(generate(tx));
    loop {
        let Ok(prime) = ch.recv() else { return };
        if primes.send(prime).is_err() {
            return;
        }
        let (tx1, ch1) = chan(0);
        offshoot::go!(filter(ch, tx1, prime));
        ch = ch1;
    }
}

#[test]
fn sieve1() {
    run_watched("sieve1", || {
        let (tx, primes) = chan(0);
        offshoot::go!(sieve(tx));
        for &p in &PRIMES {
            assert_eq!(primes.recv(), Ok(p), "fail");
        }
    });
}

// ---------------------------------------------------------------------------------------------
// test/chan/sieve2.go: "Generate primes up to 100 using channels, checking the results. This
// sieve is Eratosthenesque and only considers odd candidates." Go's `container/heap` is a
// `BinaryHeap` of `Reverse((head, index))`, its expanding `container/ring` buffer a `VecDeque`.

/// A channel of odd numbers, starting from 5.
fn odds() -> Receiver<i64> {
    let (tx, rx) = chan(50);
    go(move || {
        let mut n = 5;
        while tx.send(n).is_ok() {
            n += 2;
        }
    });
    rx
}

/// A channel of odd multiples of the prime `p`, starting from `p*p`.
fn multiples(p: i64) -> Receiver<i64> {
    let (tx, rx) = chan(10);
    go(move || {
        let mut n = p * p;
        while tx.send(n).is_ok() {
            n += 2 * p;
        }
    });
    rx
}

/// A channel to serve as a sending proxy to `out`: a coroutine receives from it and stores the
/// values in an expanding buffer, so that sending to it never blocks for long. The select's send
/// case is switched off (Go's nil channel) while the buffer is empty.
fn sendproxy(out: Sender<i64>) -> Sender<i64> {
    let (proxy_tx, proxy) = chan(10);
    go(move || {
        let nil = nil_sender::<i64>();
        let mut buffer = VecDeque::with_capacity(16);
        loop {
            let (c, e) = match buffer.front() {
                None => (&nil, 0), // buffer empty: disable output
                Some(&e) => (&out, e),
            };
            select! {
                recv(proxy) -> e => match e {
                    Ok(e) => buffer.push_back(e),
                    Err(RecvError) => return,
                },
                send(c, e) -> r => {
                    if r.is_err() {
                        return;
                    }
                    buffer.pop_front();
                }
            }
        }
    });
    proxy_tx
}

/// A channel of primes.
fn sieve2_primes() -> Receiver<i64> {
    // The output values.
    let (out, out_rx) = chan(10);
    out.send(2).unwrap();
    out.send(3).unwrap();

    // The channel of all composites to be eliminated in increasing order.
    let (composites_tx, composites) = chan::<i64>(50);

    // The feedback loop.
    let (primes_tx, primes) = chan::<i64>(10);
    primes_tx.send(3).unwrap();

    // Merge channels of multiples of `primes` into `composites`.
    go(move || -> Option<()> {
        // Go's heap of `PeekCh{head, ch}`: (head, index into `chans`), smallest head first.
        let mut chans: Vec<Receiver<i64>> = Vec::new();
        let mut h: BinaryHeap<Reverse<(i64, usize)>> = BinaryHeap::new();
        let mut min = 15;
        loop {
            let m = multiples(primes.recv().ok()?);
            let head = m.recv().ok()?;
            while min < head {
                composites_tx.send(min).ok()?;
                let Reverse((h_min, k)) = h.pop().expect("heap.Pop of an empty heap");
                min = h_min;
                h.push(Reverse((chans[k].recv().ok()?, k)));
            }
            while min == head {
                let Reverse((h_min, k)) = h.pop().expect("heap.Pop of an empty heap");
                min = h_min;
                h.push(Reverse((chans[k].recv().ok()?, k)));
            }
            composites_tx.send(head).ok()?;
            let next = m.recv().ok()?;
            chans.push(m);
            h.push(Reverse((next, chans.len() - 1)));
        }
    });

    // Sieve out `composites` from `candidates`.
    go(move || -> Option<()> {
        // In order to generate the nth prime we only need multiples of primes <= sqrt(nth
        // prime). Thus, the merging goroutine will receive from `primes` much slower than this
        // goroutine will send to it, making the buffer accumulate and block this goroutine from
        // sending, causing a deadlock. The solution is to use a proxy goroutine to do automatic
        // buffering.
        let primes = sendproxy(primes_tx);
        let candidates = odds();
        let mut p = candidates.recv().ok()?;
        loop {
            let c = composites.recv().ok()?;
            while p < c {
                primes.send(p).ok()?;
                out.send(p).ok()?;
                p = candidates.recv().ok()?;
            }
            if p == c {
                p = candidates.recv().ok()?;
            }
        }
    });

    out_rx
}

#[test]
fn sieve2() {
    run_watched("sieve2", || {
        let primes = sieve2_primes();
        for &p in &PRIMES {
            assert_eq!(primes.recv(), Ok(p), "fail");
        }
    });
}

// ---------------------------------------------------------------------------------------------
// test/chan/select.go: a select with send cases on two buffered channels, switching each case off
// (nil channel) once it has sent; `default` ends the loop.
//
// Go evaluates every send expression of a select on entry, chosen or not, and the program
// checks that with a counter (10 calls). offshoot's `select!` evaluates a send case's message
// only if the case is chosen (crossbeam's semantics, documented), so the faithful port evaluates
// both values before the select, as Go does; `select_lazy_message` checks offshoot's own rule.

/// Go's `counter` and `shift` globals are cells shared by `get_value` and `send`.
#[test]
fn select() {
    use std::cell::Cell;
    run_watched("select", || {
        let counter = Cell::new(0u32);
        let shift = Cell::new(0u32);
        let get_value = || {
            counter.set(counter.get() + 1);
            1u32 << shift.get()
        };
        let send = |mut a: Sender<u32>, mut b: Sender<u32>| -> i32 {
            let mut i = 0;
            loop {
                // Go evaluates both send expressions, in source order, on entering the select.
                let (va, vb) = (get_value(), get_value());
                select! {
                    send(a, va) -> r => {
                        r.unwrap();
                        i += 1;
                        a = nil_sender();
                    }
                    send(b, vb) -> r => {
                        r.unwrap();
                        i += 1;
                        b = nil_sender();
                    }
                    default => break,
                }
                shift.set(shift.get() + 1);
            }
            i
        };
        let (a, a_rx) = chan::<u32>(1);
        let (b, b_rx) = chan::<u32>(1);
        let v = send(a.clone(), b.clone());
        assert_eq!(v, 2, "Send returned {v} != 2");
        let (av, bv) = (a_rx.recv().unwrap(), b_rx.recv().unwrap());
        assert_eq!(av | bv, 3, "bad values {av} {bv}");
        let v = send(a.clone(), nil_sender());
        assert_eq!(v, 1, "Send returned {v} != 1");
        assert_eq!(counter.get(), 10, "counter is {} != 10", counter.get());
    });
}

/// Not a Go test: offshoot's documented difference from Go, the message of a send case is
/// evaluated only when that case is chosen (so `select.go`'s counter would read 3, not 10).
#[test]
fn select_lazy_message() {
    run_watched("select_lazy_message", || {
        let evaluated = std::cell::Cell::new(0);
        let value = |v: u32| {
            evaluated.set(evaluated.get() + 1);
            v
        };
        let (a, a_rx) = chan::<u32>(1);
        let (b, b_rx) = chan::<u32>(1);
        let (mut a_case, mut b_case) = (a.clone(), b.clone());
        let mut sent = 0;
        loop {
            select! {
                send(a_case, value(1)) -> r => { r.unwrap(); sent += 1; a_case = nil_sender(); }
                send(b_case, value(2)) -> r => { r.unwrap(); sent += 1; b_case = nil_sender(); }
                default => break,
            }
        }
        assert_eq!(sent, 2);
        assert_eq!(
            evaluated.get(),
            2,
            "a message of a case not chosen was evaluated"
        );
        assert_eq!((a_rx.recv(), b_rx.recv()), (Ok(1), Ok(2)));
    });
}

// ---------------------------------------------------------------------------------------------
// test/chan/select3.go: "Test the semantics of the select statement for basic empty/non-empty
// cases." Go's `testBlock(always, f)` runs `f` in a goroutine and calls it blocked if it has not
// returned after 0.1 s; `testPanic` checks that `f` panics. "Blocks forever" cannot be tested in
// finite time: like Go, `ALWAYS` waits 100 ms (after a handshake that the coroutine started) and
// leaves the blocked coroutine behind. `NEVER` waits up to 5 s for `f` to return, so that a slow
// machine cannot make a non-blocking call look blocked. Go's panics on closed channels are
// `Err(SendError(msg))` here.

/// How long an "always blocks" function must stay blocked (Go: `time.Sleep(1e8)`).
const ALWAYS: Duration = Duration::from_millis(100);
/// How long a "never blocks" function may take at most.
const NEVER: Duration = Duration::from_secs(5);

fn always_blocks(what: &str, f: impl FnOnce() + Send + 'static) {
    assert_eq!(
        blocks(ALWAYS, f),
        Blocked::StillBlocked,
        "{what}: did not block"
    );
}

fn never_blocks(what: &str, f: impl FnOnce() + Send + 'static) {
    assert_eq!(blocks(NEVER, f), Blocked::Returned, "{what}: blocked");
}

fn unreachable_case() -> ! {
    panic!("control flow shouldn't reach here")
}

#[test]
fn select3() {
    run_watched("select3", || {
        const ASYNC: usize = 1; // asynchronous channels
        let (closed_tx, closed_rx) = chan::<i32>(0);
        closed_tx.close();

        // Sending/receiving from a nil channel blocks.
        always_blocks("send on nil", || {
            let _ = nil_sender::<i32>().send(7);
        });
        always_blocks("recv on nil", || {
            let _ = never::<i32>().recv();
        });

        // Sending/receiving from a nil channel inside a select is never selected.
        select! {
            send(nil_sender::<i32>(), 7) -> _ => unreachable_case(),
            default => {}
        }
        select! {
            recv(never::<i32>()) -> _ => unreachable_case(),
            default => {}
        }

        // Sending to an async channel with free buffer space never blocks.
        never_blocks("send to buffered with room", || {
            let (tx, rx) = chan::<i32>(ASYNC);
            tx.send(7).unwrap();
            drop(rx);
        });

        // Receiving from a closed channel never blocks.
        let rx = closed_rx.clone();
        never_blocks("recv on closed", move || {
            for _ in 0..10 {
                // Go: `<-closedch` gives the zero value, `x, ok := <-closedch` gives 0, false.
                assert_eq!(
                    rx.recv(),
                    Err(RecvError),
                    "expected zero value from closed channel"
                );
                assert_eq!(
                    rx.recv(),
                    Err(RecvError),
                    "expected 0, false from closed channel"
                );
            }
        });

        // Sending to a closed channel panics (in Go); fails with the message here.
        assert_eq!(closed_tx.send(7), Err(SendError(7)));

        // Receiving from a non-ready channel always blocks.
        always_blocks("recv on empty unbuffered", || {
            let (tx, rx) = chan::<i32>(0);
            let _ = rx.recv();
            drop(tx);
        });

        // Empty selects always block.
        always_blocks("empty select", || select! {});

        // Selects with only nil channels always block.
        always_blocks("select recv nil", || {
            select! {
                recv(never::<i32>()) -> _ => unreachable_case(),
            }
        });
        always_blocks("select send nil", || {
            select! {
                send(nil_sender::<i32>(), 7) -> _ => unreachable_case(),
            }
        });
        always_blocks("select recv nil, send nil", || {
            select! {
                recv(never::<i32>()) -> _ => unreachable_case(),
                send(nil_sender::<i32>(), 7) -> _ => unreachable_case(),
            }
        });

        // Selects with non-ready non-nil channels always block.
        always_blocks("select recv on empty unbuffered", || {
            let (_tx, rx) = chan::<i32>(0);
            select! {
                recv(rx) -> _ => unreachable_case(),
            }
        });

        // Selects with default cases don't block.
        never_blocks("select default", || select! { default => {} });
        never_blocks("select recv nil default", || {
            select! {
                recv(never::<i32>()) -> _ => unreachable_case(),
                default => {}
            }
        });
        never_blocks("select send nil default", || {
            select! {
                send(nil_sender::<i32>(), 7) -> _ => unreachable_case(),
                default => {}
            }
        });

        // Selects with ready channels don't block.
        never_blocks("select send ready", || {
            let (tx, rx) = chan::<i32>(ASYNC);
            select! {
                send(tx, 7) -> r => r.unwrap(),
                default => unreachable_case(),
            }
            assert_eq!(rx.try_recv(), Ok(7));
        });
        never_blocks("select recv ready", || {
            let (tx, rx) = chan::<i32>(ASYNC);
            tx.send(7).unwrap();
            select! {
                recv(rx) -> v => assert_eq!(v, Ok(7)),
                default => unreachable_case(),
            }
        });

        // Selects with closed channels behave like ordinary operations. (Go's three forms,
        // `<-c`, `x := <-c` and `x, ok := <-c`, are one form here.)
        let rx = closed_rx.clone();
        never_blocks("select recv closed", move || {
            select! {
                recv(rx) -> v => assert_eq!(v, Err(RecvError)),
            }
        });
        let rx = closed_rx.clone();
        never_blocks("Select recv closed", move || {
            let mut sel = offshoot::Select::new();
            let i = sel.recv(&rx);
            let oper = sel.select();
            assert_eq!(oper.index(), i);
            assert_eq!(oper.recv(&rx), Err(RecvError));
        });
        // Go: `select { case closedch <- 7: }` panics.
        select! {
            send(closed_tx, 7) -> r => assert_eq!(r, Err(SendError(7))),
        }

        // Select should not get confused if it sees itself.
        always_blocks("select sees itself", || {
            let (tx, rx) = chan::<i32>(0);
            select! {
                send(tx, 1) -> _ => unreachable_case(),
                recv(rx) -> _ => unreachable_case(),
            }
        });
    });
}

// ---------------------------------------------------------------------------------------------
// test/chan/select4.go: a select with one ready buffered case and one unbuffered empty one.

#[test]
fn select4() {
    run_watched("select4", || {
        let (c, c_rx) = chan::<i32>(1);
        let (_c1, c1_rx) = chan::<i32>(0);
        c.send(42).unwrap();
        select! {
            recv(c1_rx) -> _ => panic!("BUG"),
            recv(c_rx) -> v => assert_eq!(v, Ok(42), "BUG"),
        }
    });
}

// ---------------------------------------------------------------------------------------------
// test/chan/select6.go: Go issue 2075, "A bug in select corrupts channel queues of failed cases
// if there are multiple waiters on those channels and the select is the last in the queue. If
// further waits are made on the channel without draining it first then those waiters will never
// wake up."

#[test]
fn select6() {
    run_watched("select6", || {
        let (c1, c1_rx) = chan::<bool>(0);
        let (c2, c2_rx) = chan::<bool>(0);
        let (c3, c3_rx) = chan::<bool>(0);
        let r = c1_rx.clone();
        let first = go(move || r.recv().unwrap());
        let r = c1_rx.clone();
        let second = go(move || {
            // If the select panics, close `c3` on the way out.
            let closer = c3.clone();
            let _close = defer(move || {
                closer.close();
            });
            select! {
                recv(r) -> _ => panic!("dummy"),
                recv(c2_rx) -> _ => c3.send(true).unwrap(),
            }
            r.recv().unwrap()
        });
        go(move || c2.send(true).unwrap());
        // If the select panicked, `c3` is closed and this fails instead of hanging.
        assert_eq!(c3_rx.recv(), Ok(true));
        c1.send(true).unwrap();
        c1.send(true).unwrap();
        assert!(first.join().unwrap());
        assert!(second.join().unwrap());
    });
}

// ---------------------------------------------------------------------------------------------
// test/chan/select7.go: "Test select when discarding a value." Three receivers (plain, one-case
// select, two-case select) against three senders (plain, one-case select, two-case select).

fn recv1(c: Receiver<i32>) {
    let _ = c.recv().unwrap();
}

fn recv2(c: Receiver<i32>) {
    select! {
        recv(c) -> v => { v.unwrap(); }
    }
}

fn recv3(c: Receiver<i32>) {
    let (_c2_tx, c2) = chan::<i32>(0);
    select! {
        recv(c) -> v => { v.unwrap(); }
        recv(c2) -> _ => panic!("nothing is sent on c2"),
    }
}

fn send1(recv: fn(Receiver<i32>)) {
    let (c, rx) = chan(0);
    let h = go(move || recv(rx));
    yield_now();
    c.send(1).unwrap();
    h.join().unwrap();
}

fn send2(recv: fn(Receiver<i32>)) {
    let (c, rx) = chan(0);
    let h = go(move || recv(rx));
    yield_now();
    select! {
        send(c, 1) -> r => r.unwrap(),
    }
    h.join().unwrap();
}

fn send3(recv: fn(Receiver<i32>)) {
    let (c, rx) = chan(0);
    let h = go(move || recv(rx));
    yield_now();
    let (c2, _c2_rx) = chan(0);
    select! {
        send(c, 1) -> r => r.unwrap(),
        send(c2, 1) -> _ => panic!("nobody receives on c2"),
    }
    h.join().unwrap();
}

#[test]
fn select7() {
    run_watched("select7", || {
        // Repeated: each pairing can meet either way round (receiver parked first or not).
        for _ in 0..100 {
            send1(recv1);
            send2(recv1);
            send3(recv1);
            send1(recv2);
            send2(recv2);
            send3(recv2);
            send1(recv3);
            send2(recv3);
            send3(recv3);
        }
    });
}

// ---------------------------------------------------------------------------------------------
// test/chan/select8.go: "Test break statements in a select." In Go, `break` leaves the select;
// here a labeled block stands for the select statement, and `break 'select` must reach it from a
// case body (the macro must not wrap bodies in a loop or closure of its own).

#[test]
fn select8() {
    run_watched("select8", || {
        let (ch, ch_rx) = chan::<i32>(0);
        let tx = ch.clone();
        go(move || while tx.send(5).is_ok() {});

        'select: {
            select! {
                recv(ch_rx) -> _ => break 'select,
            }
            #[allow(unreachable_code)]
            {
                panic!("unreachable");
            }
        }
        'select: {
            select! {
                default => break 'select,
            }
            #[allow(unreachable_code)]
            {
                panic!("unreachable");
            }
        }
        'select: {
            select! {
                recv(ch_rx) -> _ => break 'select,
                default => break 'select,
            }
            #[allow(unreachable_code)]
            {
                panic!("unreachable");
            }
        }
        'select: {
            select! {
                recv(ch_rx) -> _ => break 'select,
                send(ch, 10) -> _ => panic!("unreachable"),
                default => break 'select,
            }
            #[allow(unreachable_code)]
            {
                panic!("unreachable");
            }
        }
    });
}

// ---------------------------------------------------------------------------------------------
// test/chan/zerosize.go: "Test making channels of a zero-sized type." Go only makes them; this
// also sends and receives through them.

#[test]
fn zerosize() {
    run_watched("zerosize", || {
        let _ = chan::<[u8; 0]>(0);
        let _ = chan::<[u8; 0]>(1);
        let _ = chan::<()>(0);
        let _ = chan::<()>(1);

        let (tx, rx) = chan::<[u8; 0]>(1);
        tx.send([]).unwrap();
        assert_eq!(rx.recv(), Ok([]));
        let (tx, rx) = chan::<()>(0);
        let h = go(move || tx.send(()).unwrap());
        assert_eq!(rx.recv(), Ok(()));
        h.join().unwrap();
        let (tx, rx) = chan::<()>(3);
        for _ in 0..3 {
            tx.send(()).unwrap();
        }
        assert_eq!(tx.len(), 3);
        assert!(tx.try_send(()).unwrap_err().is_full());
        tx.close();
        assert_eq!(rx.iter().count(), 3);
    });
}

// ---------------------------------------------------------------------------------------------
// test/chan/goroutines.go: "make a lot of goroutines, threaded together. tear them down
// cleanly." 10,000 coroutines alive at once, each passing one value leftwards.

fn relay(left: Sender<i32>, right: Receiver<i32>) {
    left.send(right.recv().unwrap()).unwrap();
}

#[test]
fn goroutines() {
    run_watched("goroutines", || {
        let n = 10_000; // Go's default
        let (leftmost_tx, leftmost) = chan(0);
        let mut left = leftmost_tx;
        let mut handles = Vec::with_capacity(n);
        for _ in 0..n {
            let (right_tx, right) = chan(0);
            handles.push(offshoot::go!(relay(left, right)));
            left = right_tx;
        }
        let right = left;
        go(move || right.send(1).unwrap());
        assert_eq!(leftmost.recv(), Ok(1));
        // Torn down cleanly: every relay has ended.
        for h in handles {
            h.join().unwrap();
        }
    });
}

// ---------------------------------------------------------------------------------------------
// test/closedchan.go: "Test close(c), receive of closed channel." Every operation is tried three
// ways, as in Go: direct, through a one-case select, and through a select with an extra case on a
// channel that never becomes ready (Go's `dummy`). A send on a closed channel panics in Go; here
// it fails, and the message must come back (and not be delivered).

/// Go's `Chan` interface.
trait GoChan {
    fn send(&self, x: i32) -> Result<(), SendError<i32>>;
    fn nbsend(&self, x: i32) -> Result<bool, SendError<i32>>;
    fn recv(&self) -> Result<i32, RecvError>;
    /// `(value or closed, selected)`.
    fn nbrecv(&self) -> (Result<i32, RecvError>, bool);
    fn close(&self);
    fn imp(&self) -> &'static str;
}

struct Ends {
    tx: Sender<i32>,
    rx: Receiver<i32>,
}

/// Direct channel operations when possible (Go's `XChan`).
struct XChan(Ends);
/// Indirect operations via select (Go's `SChan`).
struct SChan(Ends);
/// Indirect operations via larger selects (Go's `SSChan`).
struct SSChan(Ends, Receiver<bool>);

impl GoChan for XChan {
    fn send(&self, x: i32) -> Result<(), SendError<i32>> {
        self.0.tx.send(x)
    }
    fn nbsend(&self, x: i32) -> Result<bool, SendError<i32>> {
        select! {
            send(self.0.tx, x) -> r => r.map(|()| true),
            default => Ok(false),
        }
    }
    fn recv(&self) -> Result<i32, RecvError> {
        self.0.rx.recv()
    }
    fn nbrecv(&self) -> (Result<i32, RecvError>, bool) {
        select! {
            recv(self.0.rx) -> v => (v, true),
            default => (Err(RecvError), false),
        }
    }
    fn close(&self) {
        self.0.tx.close();
    }
    fn imp(&self) -> &'static str {
        "(<- operator)"
    }
}

impl GoChan for SChan {
    fn send(&self, x: i32) -> Result<(), SendError<i32>> {
        select! {
            send(self.0.tx, x) -> r => r,
        }
    }
    fn nbsend(&self, x: i32) -> Result<bool, SendError<i32>> {
        select! {
            default => Ok(false),
            send(self.0.tx, x) -> r => r.map(|()| true),
        }
    }
    fn recv(&self) -> Result<i32, RecvError> {
        select! {
            recv(self.0.rx) -> v => v,
        }
    }
    fn nbrecv(&self) -> (Result<i32, RecvError>, bool) {
        select! {
            default => (Err(RecvError), false),
            recv(self.0.rx) -> v => (v, true),
        }
    }
    fn close(&self) {
        self.0.tx.close();
    }
    fn imp(&self) -> &'static str {
        "(select)"
    }
}

impl GoChan for SSChan {
    fn send(&self, x: i32) -> Result<(), SendError<i32>> {
        select! {
            send(self.0.tx, x) -> r => r,
            recv(self.1) -> _ => panic!("dummy is never ready"),
        }
    }
    fn nbsend(&self, x: i32) -> Result<bool, SendError<i32>> {
        select! {
            default => Ok(false),
            recv(self.1) -> _ => panic!("dummy is never ready"),
            send(self.0.tx, x) -> r => r.map(|()| true),
        }
    }
    fn recv(&self) -> Result<i32, RecvError> {
        select! {
            recv(self.1) -> _ => panic!("dummy is never ready"),
            recv(self.0.rx) -> v => v,
        }
    }
    fn nbrecv(&self) -> (Result<i32, RecvError>, bool) {
        select! {
            recv(self.1) -> _ => panic!("dummy is never ready"),
            default => (Err(RecvError), false),
            recv(self.0.rx) -> v => (v, true),
        }
    }
    fn close(&self) {
        self.0.tx.close();
    }
    fn imp(&self) -> &'static str {
        "(larger select)"
    }
}

fn closed_test1(c: &dyn GoChan) {
    let imp = c.imp();
    for _ in 0..3 {
        // Receive a close signal (Go: a zero value; Recv2: 0, false).
        assert_eq!(c.recv(), Err(RecvError), "test1: recv on closed {imp}");
        assert_eq!(c.recv(), Err(RecvError), "test1: recv2 on closed {imp}");
        // Should work with select: received without blocking, so selected == true.
        assert_eq!(
            c.nbrecv(),
            (Err(RecvError), true),
            "test1: recv on closed nb {imp}"
        );
        assert_eq!(
            c.nbrecv(),
            (Err(RecvError), true),
            "test1: recv2 on closed nb {imp}"
        );
    }
    // Go: `shouldPanic(func() { c.Nbsend(1) })`: a send case on a closed channel is ready, and
    // fails.
    assert_eq!(c.nbsend(1), Err(SendError(1)), "nbsend on closed {imp}");
    // The value should have been discarded.
    assert_eq!(
        c.recv(),
        Err(RecvError),
        "test1: recv on closed got a value after send {imp}"
    );
    // Similarly Send.
    assert_eq!(c.send(2), Err(SendError(2)), "send on closed {imp}");
    assert_eq!(
        c.recv(),
        Err(RecvError),
        "test1: recv on closed got a value after send {imp}"
    );
}

fn closed_async1(c: &dyn GoChan) {
    // Should be able to get the last value via Recv.
    assert_eq!(
        c.recv(),
        Ok(1),
        "testasync1: Recv did not get 1 {}",
        c.imp()
    );
    closed_test1(c);
}

fn closed_async3(c: &dyn GoChan) {
    // Should be able to get the last value via Nbrecv.
    assert_eq!(
        c.nbrecv(),
        (Ok(1), true),
        "testasync3: Nbrecv did not get 1 {}",
        c.imp()
    );
    closed_test1(c);
}

fn closed_sync() -> Ends {
    let (tx, rx) = chan(0);
    tx.close();
    Ends { tx, rx }
}

fn closed_async() -> Ends {
    let (tx, rx) = chan(2);
    tx.send(1).unwrap();
    tx.close();
    Ends { tx, rx }
}

#[test]
fn closedchan() {
    run_watched("closedchan", || {
        let (_dummy_tx, dummy) = chan::<bool>(0);
        let mks: [&dyn Fn(Ends) -> Box<dyn GoChan>; 3] =
            [&|e| Box::new(XChan(e)), &|e| Box::new(SChan(e)), &|e| {
                Box::new(SSChan(e, dummy.clone()))
            }];
        for mk in &mks {
            closed_test1(&*mk(closed_sync()));
        }
        // Go's testasync1/2 and testasync3/4 differ only in `x := <-c` versus `x, ok := <-c`,
        // which is one operation here: each is run twice to keep the program's shape.
        let testcloseds: [fn(&dyn GoChan); 4] =
            [closed_async1, closed_async1, closed_async3, closed_async3];
        for testclosed in testcloseds {
            for mk in &mks {
                testclosed(&*mk(closed_async()));
            }
        }
        // Go: closing a nil channel panics. offshoot has no nil `Sender`: nothing to port.
        // Go: closing a closed channel panics; `close` reports it instead.
        let (ch, _rx) = chan::<i32>(0);
        assert!(ch.close(), "the first close closes");
        assert!(
            !ch.close(),
            "a second close must report the channel was already closed"
        );
        for mk in &mks {
            let c = mk(closed_sync());
            c.close(); // closing again is harmless
            closed_test1(&*c);
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Helpers' self-checks: the "always blocks" probe must be able to fail.

#[test]
fn blocks_probe_sees_a_returning_function() {
    run_watched("blocks_probe", || {
        assert_eq!(blocks(ms(100), || {}), Blocked::Returned);
        let _d = defer(|| {});
        let hits = Arc::new(AtomicU32::new(0));
        let h = hits.clone();
        {
            let _d = defer(move || {
                h.fetch_add(1, Ordering::SeqCst);
            });
        }
        assert_eq!(hits.load(Ordering::SeqCst), 1, "defer did not run");
    });
}

#[test]
#[should_panic(expected = "the function under test panicked")]
fn blocks_probe_reports_a_panicking_function() {
    run_watched("blocks_probe_panicking", || {
        // The probe's coroutine closes its channel on the way out: a panic is reported as one,
        // not mistaken for "still blocked".
        let _ = blocks(NEVER, || panic!("on purpose"));
    });
}
