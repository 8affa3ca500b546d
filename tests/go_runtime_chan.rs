//! Ports of the channel and select tests of Go's runtime, `src/runtime/chan_test.go` (and the
//! two tests of `src/runtime/chanbarrier_test.go`). Each Go test becomes a `#[test]` of the same
//! name in snake case, run under a watchdog; `t.Fatal` becomes a panic (in a coroutine, a panic
//! that its `join` re-raises in the test).
//!
//! Go's `time.Sleep(time.Millisecond)` "to let a goroutine block" is kept, but preceded by a
//! handshake saying the goroutine has started; every assertion holds whichever way the race goes
//! (the sleep only makes the interesting path likely).
//!
//! Iteration counts are Go's where the whole file stays within its time budget, Go's
//! `testing.Short()` counts or in between otherwise (each test says which).
//!
//! Not ported: `TestShrinkStackDuringBlockedSend`, `TestNoShrinkStackWhileParking` (Go's stack
//! shrinking by the GC; offshoot's stacks are fixed mappings, nothing moves), and the benchmarks.
//! `TestSelectStackAdjust` is ported in spirit only (see there).

mod common_chan;

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common_chan::{ms, nil_sender, run_watched, Mode};
use offshoot::sync::WaitGroup;
use offshoot::{chan, go, never, select, time, yield_now, Receiver, RecvError, Select, Sender};

/// `time.Sleep` that parks a coroutine and sleeps a thread.
fn sleep(d: Duration) {
    time::sleep(d);
}

// ---------------------------------------------------------------------------------------------
// TestChan

/// Go: `N := 200` (`testing.Short()`: 20) channel capacities, 0 to N-1.
const TEST_CHAN_CAPS: usize = 200;

fn test_chan(mode: Mode) {
    for cap in 0..TEST_CHAN_CAPS {
        {
            // Ensure that receive from empty chan blocks.
            let (c, rx) = chan::<i32>(cap);
            let (started_tx, started) = chan::<()>(2);
            let recv1 = Arc::new(AtomicBool::new(false));
            let recv2 = Arc::new(AtomicBool::new(false));
            let (r, flag, st) = (rx.clone(), recv1.clone(), started_tx.clone());
            let h1 = mode.go(move || {
                st.send(()).unwrap();
                let _ = r.recv();
                flag.store(true, Ordering::SeqCst);
            });
            let (r, flag, st) = (rx.clone(), recv2.clone(), started_tx);
            let h2 = mode.go(move || {
                st.send(()).unwrap();
                let _ = r.recv(); // Go: `_, _ = <-c`, the same operation here
                flag.store(true, Ordering::SeqCst);
            });
            started.recv().unwrap();
            started.recv().unwrap();
            sleep(ms(1));
            assert!(
                !recv1.load(Ordering::SeqCst) && !recv2.load(Ordering::SeqCst),
                "chan[{cap}]: receive from empty chan"
            );
            // Ensure that non-blocking receive does not block.
            select! {
                recv(rx) -> _ => panic!("chan[{cap}]: receive from empty chan"),
                default => {}
            }
            select! {
                recv(rx) -> _ => panic!("chan[{cap}]: receive from empty chan"),
                default => {}
            }
            c.send(0).unwrap();
            c.send(0).unwrap();
            // Not in Go, which does not wait: both receivers got a value.
            h1.join();
            h2.join();
            assert!(recv1.load(Ordering::SeqCst) && recv2.load(Ordering::SeqCst));
        }

        {
            // Ensure that send to full chan blocks.
            let (c, rx) = chan::<i32>(cap);
            for i in 0..cap as i32 {
                c.send(i).unwrap();
            }
            let sent = Arc::new(AtomicU32::new(0));
            let (started_tx, started) = chan::<()>(1);
            let (tx, s) = (c.clone(), sent.clone());
            let h = mode.go(move || {
                started_tx.send(()).unwrap();
                tx.send(0).unwrap();
                s.store(1, Ordering::SeqCst);
            });
            started.recv().unwrap();
            sleep(ms(1));
            assert_eq!(
                sent.load(Ordering::SeqCst),
                0,
                "chan[{cap}]: send to full chan"
            );
            // Ensure that non-blocking send does not block.
            select! {
                send(c, 0) -> _ => panic!("chan[{cap}]: send to full chan"),
                default => {}
            }
            rx.recv().unwrap();
            h.join();
            assert_eq!(sent.load(Ordering::SeqCst), 1);
        }

        {
            // Ensure that we receive 0 from closed chan.
            let (c, rx) = chan::<i32>(cap);
            for i in 0..cap as i32 {
                c.send(i).unwrap();
            }
            c.close();
            for i in 0..cap as i32 {
                assert_eq!(rx.recv(), Ok(i), "chan[{cap}]: received wrong value");
            }
            assert_eq!(
                rx.recv(),
                Err(RecvError),
                "chan[{cap}]: received from closed chan"
            );
            assert_eq!(
                rx.recv(),
                Err(RecvError),
                "chan[{cap}]: v, ok from closed chan"
            );
        }

        {
            // Ensure that close unblocks receive.
            let (c, rx) = chan::<i32>(cap);
            let (done_tx, done) = chan::<bool>(0);
            let (started_tx, started) = chan::<()>(1);
            let h = mode.go(move || {
                started_tx.send(()).unwrap();
                let v = rx.recv();
                done_tx.send(v == Err(RecvError)).unwrap();
            });
            started.recv().unwrap();
            sleep(ms(1));
            c.close();
            assert_eq!(
                done.recv(),
                Ok(true),
                "chan[{cap}]: received non zero from closed chan"
            );
            h.join();
        }

        {
            // Send 100 integers, ensure that we receive them non-corrupted in FIFO order.
            let (c, rx) = chan::<i32>(cap);
            for _ in 0..2 {
                // Go's second round uses `v, ok := <-c`, the same operation here.
                let tx = c.clone();
                let h = mode.go(move || {
                    for i in 0..100 {
                        tx.send(i).unwrap();
                    }
                });
                for i in 0..100 {
                    assert_eq!(rx.recv(), Ok(i), "chan[{cap}]: received wrong value");
                }
                h.join();
            }

            // Send 1000 integers in 4 goroutines, ensure that we receive what we send.
            const P: usize = 4;
            const L: i32 = 1000;
            let mut senders = Vec::new();
            for _ in 0..P {
                let tx = c.clone();
                senders.push(mode.go(move || {
                    for i in 0..L {
                        tx.send(i).unwrap();
                    }
                }));
            }
            let (done_tx, done) = chan::<HashMap<i32, usize>>(0);
            for _ in 0..P {
                let (r, d) = (rx.clone(), done_tx.clone());
                mode.go(move || {
                    let mut recv = HashMap::new();
                    for _ in 0..L {
                        *recv.entry(r.recv().unwrap()).or_insert(0) += 1;
                    }
                    d.send(recv).unwrap();
                });
            }
            let mut recv = HashMap::new();
            for _ in 0..P {
                for (k, v) in done.recv().unwrap() {
                    *recv.entry(k).or_insert(0) += v;
                }
            }
            assert_eq!(
                recv.len(),
                L as usize,
                "chan[{cap}]: received wrong number of values"
            );
            for (k, v) in &recv {
                assert_eq!(*v, P, "chan[{cap}]: received {k} {v} times, expected {P}");
            }
            for h in senders {
                h.join();
            }
        }

        {
            // Test len/cap.
            let (c, rx) = chan::<i32>(cap);
            assert_eq!(
                (c.len(), c.capacity()),
                (0, Some(cap)),
                "chan[{cap}]: bad len/cap"
            );
            for i in 0..cap as i32 {
                c.send(i).unwrap();
            }
            assert_eq!(
                (c.len(), c.capacity()),
                (cap, Some(cap)),
                "chan[{cap}]: bad len/cap"
            );
            assert_eq!(
                (rx.len(), rx.capacity()),
                (cap, Some(cap)),
                "chan[{cap}]: bad len/cap"
            );
        }
    }
}

#[test]
fn test_chan_coroutines() {
    run_watched("test_chan_coroutines", || test_chan(Mode::Coroutines));
}

#[test]
fn test_chan_threads() {
    Mode::Threads.run_watched("test_chan_threads", || test_chan(Mode::Threads));
}

// ---------------------------------------------------------------------------------------------
// TestNonblockRecvRace: a non-blocking receive on a channel that holds a value, racing with the
// channel's close and the drain of that value: at every moment the channel is ready (a value, or
// closed), so the select must never take `default`.

#[test]
fn test_nonblock_recv_race() {
    run_watched("test_nonblock_recv_race", || {
        let n = 10_000; // Go's count
        for _ in 0..n {
            let (c, rx) = chan::<i32>(1);
            c.send(1).unwrap();
            let r = rx.clone();
            let h = go(move || {
                select! {
                    recv(r) -> _ => {}
                    default => panic!("chan is not ready"),
                }
            });
            c.close();
            let _ = rx.recv();
            h.join().unwrap();
        }
    });
}

// ---------------------------------------------------------------------------------------------
// TestNonblockSelectRace, TestNonblockSelectRace2: "select acts on the state of the channels at
// one moment in the execution, not over a smeared time window." From the moment the second
// goroutine starts, at least one of c1 and c2 is always ready for receiving, so its non-blocking
// select must receive from one of them, never run `default`.

/// Go: 100,000 (`testing.Short()`: 1,000).
const NONBLOCK_SELECT_RACE_N: usize = 100_000;

fn nonblock_select_race(close_c2: bool) {
    let (done_tx, done) = chan::<bool>(1);
    for i in 0..NONBLOCK_SELECT_RACE_N {
        let (c1, r1) = chan::<i32>(1);
        let (c2, r2) = chan::<i32>(if close_c2 { 0 } else { 1 });
        c1.send(1).unwrap();
        let (r1b, d) = (r1.clone(), done_tx.clone());
        go(move || {
            select! {
                recv(r1b) -> _ => {}
                recv(r2) -> _ => {}
                default => {
                    d.send(false).unwrap();
                    return;
                }
            }
            d.send(true).unwrap();
        });
        if close_c2 {
            c2.close();
        } else {
            c2.send(1).unwrap();
        }
        select! {
            recv(r1) -> _ => {}
            default => {}
        }
        assert_eq!(done.recv(), Ok(true), "no chan is ready (iteration {i})");
    }
}

#[test]
fn test_nonblock_select_race() {
    run_watched("test_nonblock_select_race", || nonblock_select_race(false));
}

#[test]
fn test_nonblock_select_race2() {
    run_watched("test_nonblock_select_race2", || nonblock_select_race(true));
}

// ---------------------------------------------------------------------------------------------
// TestSelfSelect: "Ensure that send/recv on the same chan in select does not crash nor
// deadlock", and that on an unbuffered channel a select never receives its own send.

fn self_select(mode: Mode) {
    for cap in [0usize, 10] {
        let wg = WaitGroup::new();
        wg.add(2);
        let (c, rx) = chan::<i32>(cap);
        let mut handles = Vec::new();
        for p in 0..2 {
            let (wg, c, rx) = (wg.clone(), c.clone(), rx.clone());
            handles.push(mode.go(move || {
                let _done = common_chan::defer(|| wg.done());
                for i in 0..1000 {
                    if p == 0 || i % 2 == 0 {
                        select! {
                            send(c, p) -> r => r.unwrap(),
                            recv(rx) -> v => {
                                assert!(!(cap == 0 && v == Ok(p)), "self receive");
                            }
                        }
                    } else {
                        select! {
                            recv(rx) -> v => {
                                assert!(!(cap == 0 && v == Ok(p)), "self receive");
                            }
                            send(c, p) -> r => r.unwrap(),
                        }
                    }
                }
            }));
        }
        wg.wait();
        for h in handles {
            h.join();
        }
    }
}

#[test]
fn test_self_select_coroutines() {
    run_watched("test_self_select_coroutines", || {
        self_select(Mode::Coroutines)
    });
}

#[test]
fn test_self_select_threads() {
    Mode::Threads.run_watched("test_self_select_threads", || self_select(Mode::Threads));
}

// ---------------------------------------------------------------------------------------------
// TestSelectStress: 4 goroutines send N values on each of 4 channels (2 unbuffered, buffers of
// 2 and 3), 4 receive N from each, 1 sends N on each in a single select, 1 receives N from each
// in a single select, switching a case off (nil channel) once its N are done. "All these sends,
// receives and selects interact chaotically at runtime, but we are careful that this whole
// construct does not deadlock." Ported twice: with `select!` and with the dynamic `Select`.

/// Go: 100,000 (`testing.Short()`: 10,000).
const STRESS_N: usize = 100_000;

fn select_stress(dynamic: bool) {
    let caps = [0, 0, 2, 3];
    let (txs, rxs): (Vec<Sender<i32>>, Vec<Receiver<i32>>) =
        caps.iter().map(|&cap| chan::<i32>(cap)).unzip();
    let wg = WaitGroup::new();
    wg.add(10);
    let mut handles = Vec::new();
    for k in 0..4 {
        let (tx, wg1) = (txs[k].clone(), wg.clone());
        handles.push(go(move || {
            for _ in 0..STRESS_N {
                tx.send(0).unwrap();
            }
            wg1.done();
        }));
        let (rx, wg2) = (rxs[k].clone(), wg.clone());
        handles.push(go(move || {
            for _ in 0..STRESS_N {
                rx.recv().unwrap();
            }
            wg2.done();
        }));
    }
    let (c, wg1) = (txs.clone(), wg.clone());
    handles.push(go(move || {
        let mut n = [0; 4];
        let mut c1: [Sender<i32>; 4] = [c[0].clone(), c[1].clone(), c[2].clone(), c[3].clone()];
        for _ in 0..4 * STRESS_N {
            let k = if dynamic {
                // Go's case order 3, 2, 0, 1; a finished channel is left out of the select.
                let mut sel = Select::new();
                let mut index = [usize::MAX; 4];
                for k in [3, 2, 0, 1] {
                    if n[k] < STRESS_N {
                        index[k] = sel.send(&c1[k]);
                    }
                }
                let oper = sel.select();
                let k = (0..4).find(|&k| index[k] == oper.index()).unwrap();
                oper.send(&c1[k], 0).unwrap();
                k
            } else {
                select! {
                    send(c1[3], 0) -> r => { r.unwrap(); 3 }
                    send(c1[2], 0) -> r => { r.unwrap(); 2 }
                    send(c1[0], 0) -> r => { r.unwrap(); 0 }
                    send(c1[1], 0) -> r => { r.unwrap(); 1 }
                }
            };
            n[k] += 1;
            if n[k] == STRESS_N {
                c1[k] = nil_sender();
            }
        }
        wg1.done();
    }));
    let (c, wg2) = (rxs.clone(), wg.clone());
    handles.push(go(move || {
        let mut n = [0; 4];
        let mut c1: [Receiver<i32>; 4] = [c[0].clone(), c[1].clone(), c[2].clone(), c[3].clone()];
        for _ in 0..4 * STRESS_N {
            let k = if dynamic {
                let mut sel = Select::new();
                let mut index = [usize::MAX; 4];
                for k in 0..4 {
                    if n[k] < STRESS_N {
                        index[k] = sel.recv(&c1[k]);
                    }
                }
                let oper = sel.select();
                let k = (0..4).find(|&k| index[k] == oper.index()).unwrap();
                oper.recv(&c1[k]).unwrap();
                k
            } else {
                select! {
                    recv(c1[0]) -> v => { v.unwrap(); 0 }
                    recv(c1[1]) -> v => { v.unwrap(); 1 }
                    recv(c1[2]) -> v => { v.unwrap(); 2 }
                    recv(c1[3]) -> v => { v.unwrap(); 3 }
                }
            };
            n[k] += 1;
            if n[k] == STRESS_N {
                c1[k] = never();
            }
        }
        wg2.done();
    }));
    wg.wait();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn test_select_stress() {
    run_watched("test_select_stress", || select_stress(false));
}

#[test]
fn test_select_stress_dynamic() {
    run_watched("test_select_stress_dynamic", || select_stress(true));
}

// ---------------------------------------------------------------------------------------------
// TestSelectFairness: a select over two always-ready buffered channels (and two never-ready
// unbuffered ones) must choose between the ready ones about evenly: Go fails beyond 10 sigma.

#[test]
fn test_select_fairness() {
    run_watched("test_select_fairness", || {
        const TRIALS: usize = 10_000; // Go's count
        let (c1, r1) = chan::<u8>(TRIALS + 1);
        let (c2, r2) = chan::<u8>(TRIALS + 1);
        for _ in 0..TRIALS + 1 {
            c1.send(1).unwrap();
            c2.send(2).unwrap();
        }
        let (_c3, r3) = chan::<u8>(0);
        let (_c4, r4) = chan::<u8>(0);
        let (out_tx, out) = chan::<u8>(0);
        let (done_tx, done) = chan::<u8>(0);
        let wg = WaitGroup::new();
        wg.add(1);
        let wg1 = wg.clone();
        let h = go(move || {
            let _d = common_chan::defer(|| wg1.done());
            loop {
                let b = select! {
                    recv(r3) -> v => v.unwrap(),
                    recv(r4) -> v => v.unwrap(),
                    recv(r1) -> v => v.unwrap(),
                    recv(r2) -> v => v.unwrap(),
                };
                select! {
                    send(out_tx, b) -> r => r.unwrap(),
                    recv(done) -> _ => return,
                }
            }
        });
        let (mut cnt1, mut cnt2) = (0usize, 0usize);
        for _ in 0..TRIALS {
            match out.recv() {
                Ok(1) => cnt1 += 1,
                Ok(2) => cnt2 += 1,
                b => panic!("unexpected value {b:?} on channel"),
            }
        }
        // "If the select in the goroutine is fair, cnt1 and cnt2 should be about the same value.
        // See if we're more than 10 sigma away from the expected value."
        let mean = TRIALS as f64 * 0.5;
        let stddev = (TRIALS as f64 * 0.5 * 0.5).sqrt();
        assert!(
            (cnt1 as f64 - mean).abs() <= 10.0 * stddev,
            "unfair select: in {TRIALS} trials, results were {cnt1}, {cnt2}"
        );
        done_tx.close();
        wg.wait();
        h.join().unwrap();
    });
}

// ---------------------------------------------------------------------------------------------
// TestChanSendInterface: sends of interface values (here `Box<dyn Any + Send>`) through
// non-blocking selects on a full buffered channel, one case and two.

#[test]
fn test_chan_send_interface() {
    run_watched("test_chan_send_interface", || {
        struct Mt;
        let (c, rx) = chan::<Box<dyn Any + Send>>(1);
        c.send(Box::new(Mt)).unwrap();
        select! {
            send(c, Box::new(Mt)) -> _ => panic!("the channel is full"),
            default => {}
        }
        select! {
            send(c, Box::new(Mt)) -> _ => panic!("the channel is full"),
            send(c, Box::new(Mt)) -> _ => panic!("the channel is full"),
            default => {}
        }
        assert!(rx.recv().unwrap().is::<Mt>());
        assert!(rx.try_recv().is_err());
    });
}

// ---------------------------------------------------------------------------------------------
// TestPseudoRandomSend: a select with two send cases on one channel (values 1 and 0) must choose
// both a fair share of the time, unbuffered and buffered.

#[test]
fn test_pseudo_random_send() {
    run_watched("test_pseudo_random_send", || {
        let n = 100;
        for cap in [0, n] {
            let (c, rx) = chan::<i32>(cap);
            // Go hands the result back through a locked `sync.Mutex`; a join does it here.
            let h = go(move || {
                let mut l = vec![0; n];
                for slot in l.iter_mut() {
                    yield_now();
                    *slot = rx.recv().unwrap();
                }
                l
            });
            for _ in 0..n {
                select! {
                    send(c, 1) -> r => r.unwrap(),
                    send(c, 0) -> r => r.unwrap(),
                }
            }
            let l = h.join().unwrap();
            let n1: i32 = l.iter().sum();
            let n0 = n as i32 - n1;
            assert!(
                n0 > n as i32 / 10 && n1 > n as i32 / 10,
                "Want pseudorandom, got {n0} zeros and {n1} ones (chan cap {cap})"
            );
        }
    });
}

// ---------------------------------------------------------------------------------------------
// TestMultiConsumer: 23 workers range over a work queue and forward to a result queue; a feeder
// closes the queue, waits for the workers, closes the results. The sum and count must match.

fn multi_consumer(mode: Mode, niter: usize) {
    const NWORK: usize = 23;
    let pn = [2, 3, 7, 11, 13, 17, 19, 23, 27, 31];
    let (q, q_rx) = chan::<i64>(NWORK * 3);
    let (r, r_rx) = chan::<i64>(NWORK * 3);

    // Workers.
    let wg = WaitGroup::new();
    for w in 0..NWORK {
        wg.add(1);
        let (q_rx, r, wg) = (q_rx.clone(), r.clone(), wg.clone());
        mode.go(move || {
            for v in &q_rx {
                // "mess with the fifo-ish nature of range"
                if pn[w % pn.len()] == v {
                    mode.yield_now();
                }
                r.send(v).unwrap();
            }
            wg.done();
        });
    }
    drop(q_rx);

    // Feeder & closer.
    let feeder = mode.go(move || {
        let mut expect = 0;
        for i in 0..niter {
            let v = pn[i % pn.len()];
            expect += v;
            q.send(v).unwrap();
        }
        q.close(); // no more work
        wg.wait(); // workers done
        r.close(); // ... so there can be no more results
        expect
    });

    // Consume & check.
    let (mut n, mut s) = (0, 0);
    for v in &r_rx {
        n += 1;
        s += v;
    }
    let expect = feeder.join();
    assert!(
        n == niter && s == expect,
        "Expected sum {expect} (got {s}) from {niter} iter (saw {n})"
    );
}

#[test]
fn test_multi_consumer_coroutines() {
    run_watched("test_multi_consumer_coroutines", || {
        multi_consumer(Mode::Coroutines, 271_828) // Go's count
    });
}

#[test]
fn test_multi_consumer_threads() {
    Mode::Threads.run_watched("test_multi_consumer_threads", || {
        multi_consumer(Mode::Threads, 100_000) // Go: 271,828; threads are slower
    });
}

// ---------------------------------------------------------------------------------------------
// TestSelectDuplicateChannel: "makes sure we can queue a G on the same channel multiple times."
// A select with two cases on c (and one on d) is woken through d; it must take both its entries
// off c's queue, so that a later receiver parked on c (B) is the one a send on c wakes.

#[test]
fn test_select_duplicate_channel() {
    run_watched("test_select_duplicate_channel", || {
        for _ in 0..20 {
            let (c, c_rx) = chan::<i32>(0);
            let (d, d_rx) = chan::<i32>(0);
            let (e, e_rx) = chan::<i32>(0);
            let (started_tx, started) = chan::<()>(1);

            // Goroutine A.
            let (r, st) = (c_rx.clone(), started_tx.clone());
            let a = go(move || {
                st.send(()).unwrap();
                let got = select! {
                    recv(r) -> _ => "c",
                    recv(r) -> _ => "c",
                    recv(d_rx) -> v => { assert_eq!(v, Ok(7)); "d" }
                };
                e.send(9).unwrap();
                got
            });
            started.recv().unwrap();
            sleep(ms(1)); // make sure goroutine A gets queued first on c

            // Goroutine B.
            let b = go(move || {
                started_tx.send(()).unwrap();
                c_rx.recv()
            });
            started.recv().unwrap();
            sleep(ms(1)); // make sure goroutine B gets queued on c before continuing

            d.send(7).unwrap(); // wake up A, it dequeues itself from c
            assert_eq!(e_rx.recv(), Ok(9)); // A tells us it's done
            c.send(8).unwrap(); // wake up B
            assert_eq!(a.join().unwrap(), "d");
            assert_eq!(b.join().unwrap(), Ok(8));
        }
    });
}

// ---------------------------------------------------------------------------------------------
// TestSelectStackAdjust, in spirit. Go checks that stack shrinking while two goroutines are
// parked in selects adjusts pointers into their stacks. offshoot never moves a stack, so what is
// left to check: two coroutines that used a deep stack, park in a select (one with duplicate
// cases on both channels), are both woken by one `close(d)`, take a `d` case, and find their
// locals intact.

#[inline(never)]
fn use_stack(depth: u32) -> u64 {
    let buf = [depth as u8; 1024];
    let x = std::hint::black_box(&buf)
        .iter()
        .map(|&b| b as u64)
        .sum::<u64>();
    if depth == 0 {
        x
    } else {
        x + use_stack(depth - 1)
    }
}

#[test]
fn test_select_stack_adjust() {
    run_watched("test_select_stack_adjust", || {
        let (_c, c_rx) = chan::<Box<i32>>(0);
        let (d, d_rx) = chan::<Box<i32>>(0);
        let f = |ready: Sender<bool>, dup: bool, c: Receiver<Box<i32>>, d: Receiver<Box<i32>>| {
            move || {
                // Temporarily grow the stack to 10 KiB and more.
                std::hint::black_box(use_stack(10));
                ready.send(true).unwrap();
                let val = 42;
                let cx: &i32 = &val;
                let (c2, d2) = if dup {
                    (c.clone(), d.clone())
                } else {
                    (never(), never())
                };
                // Receive from d. cx won't be affected.
                let which = select! {
                    recv(c) -> _ => "c",
                    recv(c2) -> _ => "c2",
                    recv(d) -> v => { assert_eq!(v, Err(RecvError)); "d" }
                    recv(d2) -> v => { assert_eq!(v, Err(RecvError)); "d2" }
                };
                assert!(which == "d" || which == "d2", "woken through {which}");
                assert!(std::ptr::eq(cx, &val), "cx no longer points to val");
                assert_eq!(val, 42, "val changed");
                ready.send(true).unwrap();
            }
        };
        let (ready1_tx, ready1) = chan(0);
        let (ready2_tx, ready2) = chan(0);
        let h1 = go(f(ready1_tx, false, c_rx.clone(), d_rx.clone()));
        let h2 = go(f(ready2_tx, true, c_rx.clone(), d_rx.clone()));
        // Let the goroutines get into the select.
        ready1.recv().unwrap();
        ready2.recv().unwrap();
        sleep(ms(10));
        // Wake selects.
        d.close();
        assert_eq!(ready1.recv(), Ok(true));
        assert_eq!(ready2.recv(), Ok(true));
        h1.join().unwrap();
        h2.join().unwrap();
    });
}

// ---------------------------------------------------------------------------------------------
// chanbarrier_test.go: TestChanSendBarrier, TestChanSendSelectBarrier. Each request makes an
// unbuffered channel, starts a goroutine that sends one heap value on it (plainly, or through a
// select with a never-ready second case), and receives it: many handoffs of fresh heap values
// between a parked sender (or select) and a receiver. Go's point was GC write barriers; the
// value must arrive intact.

#[derive(Debug, PartialEq)]
struct MyError;

#[derive(Debug)]
struct Response;

struct Async {
    resp: Option<Box<Response>>,
    err: Option<Box<dyn std::error::Error + Send>>,
}

impl std::fmt::Display for MyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("")
    }
}

impl std::error::Error for MyError {}

fn do_request(
    use_select: bool,
) -> (
    Option<Box<Response>>,
    Option<Box<dyn std::error::Error + Send>>,
) {
    let (ch, ch_rx) = chan::<Box<Async>>(0);
    let (_done_tx, done) = chan::<()>(0);
    if use_select {
        go(move || {
            select! {
                send(ch, Box::new(Async { resp: None, err: Some(Box::new(MyError)) })) -> r => {
                    r.expect("the receiver is there");
                }
                recv(done) -> _ => {}
            }
        });
    } else {
        go(move || {
            ch.send(Box::new(Async {
                resp: None,
                err: Some(Box::new(MyError)),
            }))
            .expect("the receiver is there");
        });
    }
    let r = ch_rx.recv().unwrap();
    yield_now();
    (r.resp, r.err)
}

/// Go: outer 100 x inner 100,000 (`testing.Short()`: 10 x 1,000); here 100 x 2,000.
fn chan_send_barrier(use_select: bool) {
    let wg = WaitGroup::new();
    let (outer, inner) = (100, 2_000);
    for _ in 0..outer {
        wg.add(1);
        let wg = wg.clone();
        go(move || {
            let _d = common_chan::defer(|| wg.done());
            let mut garbage = Vec::new();
            for _ in 0..inner {
                let (resp, err) = do_request(use_select);
                assert!(resp.is_none());
                let err = err.expect("an error was sent");
                assert!(err.downcast_ref::<MyError>().is_some(), "panic(1)");
                garbage = vec![0u8; 1 << 10];
            }
            std::hint::black_box(garbage);
        });
    }
    wg.wait();
}

#[test]
fn test_chan_send_barrier() {
    run_watched("test_chan_send_barrier", || chan_send_barrier(false));
}

#[test]
fn test_chan_send_select_barrier() {
    run_watched("test_chan_send_select_barrier", || chan_send_barrier(true));
}

// ---------------------------------------------------------------------------------------------
// Not a test of chan_test.go (it has none on timeouts): Go's timeout idiom, a select with
// `time.After` or a default timeout, from both sides. A timer may fire late, never early.

#[test]
fn test_select_timeouts() {
    run_watched("test_select_timeouts", || {
        let (tx, rx) = chan::<&str>(1);

        // Nothing arrives: `time.After` wins, not before its time.
        let start = Instant::now();
        select! {
            recv(rx) -> v => panic!("nothing was sent: {v:?}"),
            recv(time::after(ms(50))) -> _ => {}
        }
        assert!(start.elapsed() >= ms(50), "time.After fired early");
        let start = Instant::now();
        select! {
            recv(rx) -> v => panic!("nothing was sent: {v:?}"),
            default(ms(50)) => {}
        }
        assert!(start.elapsed() >= ms(50), "default(timeout) fired early");
        let mut sel = Select::new();
        sel.recv(&rx);
        let start = Instant::now();
        assert!(sel.select_timeout(ms(50)).is_err());
        assert!(start.elapsed() >= ms(50), "select_timeout returned early");

        // A value is there: it wins over a timer that has not fired.
        tx.send("result").unwrap();
        select! {
            recv(rx) -> v => assert_eq!(v, Ok("result")),
            recv(time::after(Duration::from_secs(60))) -> _ => panic!("the timer fired"),
        }

        // A value arriving while the select waits wins over a later timeout.
        let (started_tx, started) = chan::<()>(0);
        let h = go(move || {
            started_tx.send(()).unwrap();
            time::sleep(ms(20));
            tx.send("late result").unwrap();
        });
        started.recv().unwrap();
        select! {
            recv(rx) -> v => assert_eq!(v, Ok("late result")),
            default(Duration::from_secs(20)) => panic!("the value did not wake the select"),
        }
        h.join().unwrap();

        // And on a send: a full channel times out; a receiver arriving later takes the value.
        let (tx, rx) = chan::<i32>(0);
        let start = Instant::now();
        select! {
            send(tx, 1) -> r => panic!("nobody receives: {r:?}"),
            recv(time::after(ms(50))) -> _ => {}
        }
        assert!(start.elapsed() >= ms(50));
        let h = go(move || {
            time::sleep(ms(20));
            rx.recv()
        });
        select! {
            send(tx, 2) -> r => r.unwrap(),
            default(Duration::from_secs(20)) => panic!("the receiver did not wake the select"),
        }
        assert_eq!(h.join().unwrap(), Ok(2));
    });
}
