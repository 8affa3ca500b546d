//! Stress: races between channel operations, repeated thousands of times, each run counting that
//! nothing is lost, duplicated or leaked. Values are `Counted` (their drops are tallied) or
//! indices into a `Ledger`; senders keep what they sent, receivers what they received, and every
//! run ends with the books balanced:
//! - every value a send reported sent was received exactly once, and nothing else was;
//! - every failed send handed back the very value it was given;
//! - a receiver sees each sender's values in increasing order;
//! - every value made was dropped exactly once.
//!
//! Parties are coroutines and plain threads, mixed; capacities 0, 1, 2 and 100. CI runs the suite
//! under the default worker count and under `OFFSHOOT_WORKERS=1`, which covers both schedules.

mod common;
mod common_stress;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common_stress::{jitter, spawn, spin, Counted, DropTally, Joiner, Ledger, Rng, Side};
use offshoot::{
    chan, never, select, Receiver, RecvTimeoutError, Select, SendError, SendTimeoutError,
    TryRecvError,
};

const CAPS: [usize; 4] = [0, 1, 2, 100];

fn watched(name: &str, f: impl FnOnce() + Send + 'static) {
    // The rounds of a stress test are meant to count, not to time: on a machine this small and
    // shared, a neighbour's load can stretch them past the usual limit without anything hanging.
    common::watchdog(name, 4 * common::WATCHDOG_SECS, f)
}

/// The side of party `i` in round `round`: mostly coroutines, with a plain thread among them.
fn side_of(round: usize, i: usize) -> Side {
    if (round + i).is_multiple_of(4) {
        Side::Thread
    } else {
        Side::Coroutine
    }
}

/// A value id: sender `s`, sequence number `seq`.
fn id(s: usize, seq: usize) -> u64 {
    ((s as u64) << 32) | seq as u64
}

fn sender_of(id: u64) -> usize {
    (id >> 32) as usize
}

/// Which ordered stream a value belongs to: its sender, and (bit 31) which of two channels it
/// went through, for the tests with two (order is kept per channel, not across channels).
fn stream_of(id: u64) -> u64 {
    id >> 31
}

/// Checks a receiver's log: each sender's values, on each channel, in increasing order.
fn assert_in_order_per_sender(received: &[u64], what: &str) {
    let mut last: std::collections::HashMap<u64, u64> = Default::default();
    for &v in received {
        if let Some(prev) = last.insert(stream_of(v), v) {
            assert!(
                prev < v,
                "{what}: sender {} out of order: {prev:#x} then {v:#x}",
                sender_of(v)
            );
        }
    }
}

/// Balances the books of one run: `sent` (reported sent) must equal the union of `received`,
/// each value once; no `failed` value may have been received.
fn assert_books(sent: &[u64], failed: &[u64], received: &[Vec<u64>], what: &str) {
    let mut all: Vec<u64> = received.iter().flatten().copied().collect();
    all.sort_unstable();
    for w in all.windows(2) {
        assert_ne!(w[0], w[1], "{what}: value {:#x} received twice", w[0]);
    }
    let mut sent = sent.to_vec();
    sent.sort_unstable();
    if sent != all {
        let lost: Vec<_> = sent
            .iter()
            .filter(|v| all.binary_search(v).is_err())
            .take(5)
            .collect();
        let extra: Vec<_> = all
            .iter()
            .filter(|v| sent.binary_search(v).is_err())
            .take(5)
            .collect();
        panic!(
            "{what}: {} sent, {} received; sent but never received: {lost:x?}; received but \
             not reported sent: {extra:x?}",
            sent.len(),
            all.len()
        );
    }
    for f in failed {
        assert!(
            all.binary_search(f).is_err(),
            "{what}: failed value {f:#x} was received"
        );
    }
    for r in received {
        assert_in_order_per_sender(r, what);
    }
}

// ---- close racing with send and recv ----

#[test]
fn close_races_with_send_and_recv() {
    watched("close_races_with_send_and_recv", || {
        for cap in CAPS {
            let rounds = if cap == 100 { 300 } else { 600 };
            for round in 0..rounds {
                one_close_race(cap, round);
            }
        }
    });
}

fn one_close_race(cap: usize, round: usize) {
    let what = format!("cap {cap}, round {round}");
    let tally = DropTally::new();
    let (tx, rx) = chan::<Counted>(cap);
    let senders: Vec<Joiner<(Vec<u64>, Vec<u64>)>> = (0..3)
        .map(|s| {
            let (tx, tally) = (tx.clone(), tally.clone());
            spawn(side_of(round, s), move || {
                let mut rng = Rng::new((round * 7 + s) as u64);
                let (mut sent, mut failed) = (Vec::new(), Vec::new());
                for seq in 0..2000 {
                    let v = id(s, seq);
                    let result = match rng.below(3) {
                        0 => tx.send(tally.make(v)).map_err(SendError::into_inner),
                        1 => match tx.send_timeout(tally.make(v), Duration::from_secs(20)) {
                            Err(SendTimeoutError::Timeout(_)) => panic!("timed out"),
                            other => other.map_err(SendTimeoutError::into_inner),
                        },
                        _ => select! {
                            send(tx, tally.make(v)) -> r => r.map_err(SendError::into_inner),
                        },
                    };
                    match result {
                        Ok(()) => sent.push(v),
                        Err(back) => {
                            assert_eq!(back.id, v, "a failed send handed back another value");
                            failed.push(v);
                            break;
                        }
                    }
                    if rng.below(8) == 0 {
                        jitter(1);
                    }
                }
                (sent, failed)
            })
        })
        .collect();
    let receivers: Vec<Joiner<Vec<u64>>> = (0..2)
        .map(|r| {
            let rx = rx.clone();
            spawn(side_of(round, r + 3), move || {
                let mut rng = Rng::new((round * 13 + r) as u64);
                let mut got = Vec::new();
                loop {
                    let v = match rng.below(3) {
                        0 => rx.recv().ok(),
                        1 => match rx.recv_timeout(Duration::from_secs(20)) {
                            Err(RecvTimeoutError::Timeout) => panic!("timed out"),
                            other => other.ok(),
                        },
                        _ => select! { recv(rx) -> v => v.ok() },
                    };
                    match v {
                        Some(v) => got.push(v.id),
                        None => break,
                    }
                }
                // Closed and drained stays so.
                assert_eq!(rx.try_recv().map(|v| v.id), Err(TryRecvError::Closed));
                got
            })
        })
        .collect();
    drop(rx);
    let mut rng = Rng::new(round as u64 + 1000 * cap as u64);
    // Close early or late: from before the first send to well into the traffic.
    jitter(rng.below(200));
    spin(rng.below(5000));
    assert!(tx.close());
    drop(tx);
    let (mut sent, mut failed) = (Vec::new(), Vec::new());
    for s in senders {
        let (ok, bad) = s.join();
        sent.extend(ok);
        failed.extend(bad);
    }
    let received: Vec<Vec<u64>> = receivers.into_iter().map(Joiner::join).collect();
    assert_books(&sent, &failed, &received, &what);
    assert_eq!(tally.live(), 0, "{what}: {} values leaked", tally.live());
}

// ---- selects on channels being closed ----

#[test]
fn selects_race_with_receivers_senders_and_close() {
    watched("selects_race_with_receivers_senders_and_close", || {
        for cap in CAPS {
            // Sized to stay well inside the watchdog with the rest of this file running beside it
            // on a loaded 2-core machine (alone it takes about a second).
            let rounds = if cap == 100 { 75 } else { 150 };
            for round in 0..rounds {
                one_select_close_race(cap, round);
            }
        }
    });
}

/// Two channels; select senders with a send case on each, select receivers with a recv case on
/// each; a closer closes one, then the other. A case whose channel closed is switched off.
fn one_select_close_race(cap: usize, round: usize) {
    let what = format!("cap {cap}, round {round}");
    let tally = DropTally::new();
    let (tx1, rx1) = chan::<Counted>(cap);
    let (tx2, rx2) = chan::<Counted>(cap);
    let senders: Vec<Joiner<(Vec<u64>, Vec<u64>)>> = (0..2)
        .map(|s| {
            let (tx1, tx2, tally) = (tx1.clone(), tx2.clone(), tally.clone());
            spawn(side_of(round, s), move || {
                let mut rng = Rng::new((round * 31 + s) as u64);
                let (off_tx, _off_rx) = chan::<Counted>(0); // never ready: nobody receives
                let (mut c1, mut c2) = (&tx1, &tx2);
                let (mut sent, mut failed) = (Vec::new(), Vec::new());
                let mut seq = 0;
                while !(std::ptr::eq(c1, &off_tx) && std::ptr::eq(c2, &off_tx)) && seq < 3000 {
                    // Bit 31 tells the channel: order is checked per sender and channel.
                    let this = seq;
                    let on = move |ch: u64| id(s, this) | (ch << 31);
                    seq += 1;
                    // The message is made only for the chosen case, sometimes slowly: the
                    // close may come between the choice and the completion.
                    let mut make = |v: u64| {
                        if rng.below(4) == 0 {
                            jitter(1);
                        }
                        tally.make(v)
                    };
                    let (result, which) = select! {
                        send(c1, make(on(0))) -> r => (r, 0),
                        send(c2, make(on(1))) -> r => (r, 1),
                    };
                    let v = on(which);
                    match result {
                        Ok(()) => sent.push(v),
                        Err(SendError(back)) => {
                            assert_eq!(back.id, v, "a failed send handed back another value");
                            failed.push(v);
                            if which == 0 {
                                c1 = &off_tx;
                            } else {
                                c2 = &off_tx;
                            }
                        }
                    }
                }
                (sent, failed)
            })
        })
        .collect();
    let receivers: Vec<Joiner<Vec<u64>>> = (0..2)
        .map(|r| {
            let (rx1, rx2) = (rx1.clone(), rx2.clone());
            spawn(side_of(round, r + 2), move || {
                let off = never::<Counted>();
                let (mut c1, mut c2) = (&rx1, &rx2);
                let mut got = Vec::new();
                while !(std::ptr::eq(c1, &off) && std::ptr::eq(c2, &off)) {
                    select! {
                        recv(c1) -> v => match v {
                            Ok(v) => got.push(v.id),
                            Err(_) => c1 = &off,
                        },
                        recv(c2) -> v => match v {
                            Ok(v) => got.push(v.id),
                            Err(_) => c2 = &off,
                        },
                    }
                }
                assert_eq!(rx1.try_recv().map(|v| v.id), Err(TryRecvError::Closed));
                assert_eq!(rx2.try_recv().map(|v| v.id), Err(TryRecvError::Closed));
                got
            })
        })
        .collect();
    drop((rx1, rx2));
    let mut rng = Rng::new(round as u64 * 3 + cap as u64);
    jitter(rng.below(100));
    assert!(tx1.close());
    jitter(rng.below(100));
    assert!(tx2.close());
    drop((tx1, tx2));
    let (mut sent, mut failed) = (Vec::new(), Vec::new());
    for s in senders {
        let (ok, bad) = s.join();
        sent.extend(ok);
        failed.extend(bad);
    }
    let received: Vec<Vec<u64>> = receivers.into_iter().map(Joiner::join).collect();
    assert_books(&sent, &failed, &received, &what);
    assert_eq!(tally.live(), 0, "{what}: {} values leaked", tally.live());
}

// ---- the last receiver leaving, racing with sends ----

#[test]
fn the_last_receiver_leaving_races_with_sends() {
    watched("the_last_receiver_leaving_races_with_sends", || {
        for cap in CAPS {
            for round in 0..300 {
                let what = format!("cap {cap}, round {round}");
                let tally = DropTally::new();
                // Tests crossbeam's lifetime: the last receiver's drop fails the sends.
                let (tx, rx) = offshoot::bounded::<Counted>(cap);
                let senders: Vec<Joiner<usize>> = (0..3)
                    .map(|s| {
                        let (tx, tally) = (tx.clone(), tally.clone());
                        spawn(side_of(round, s), move || {
                            let mut sent = 0;
                            for seq in 0..100_000 {
                                let v = id(s, seq);
                                let r = if seq % 2 == 0 {
                                    tx.send(tally.make(v)).map_err(SendError::into_inner)
                                } else {
                                    select! { send(tx, tally.make(v)) -> r => r.map_err(SendError::into_inner) }
                                };
                                match r {
                                    Ok(()) => sent += 1,
                                    Err(back) => {
                                        assert_eq!(back.id, v);
                                        return sent;
                                    }
                                }
                            }
                            panic!("sends kept succeeding with no receiver left");
                        })
                    })
                    .collect();
                let mut rng = Rng::new(round as u64 + 77 * cap as u64);
                let receivers: Vec<Joiner<usize>> = (0..2)
                    .map(|r| {
                        let rx = rx.clone();
                        let take = rng.below(50) as usize;
                        spawn(side_of(round, r + 3), move || {
                            let mut got = 0;
                            while got < take && rx.recv().is_ok() {
                                got += 1;
                            }
                            got // and drops its receiver
                        })
                    })
                    .collect();
                drop(rx);
                let received: usize = receivers.into_iter().map(Joiner::join).sum();
                let sent: usize = senders.into_iter().map(Joiner::join).sum();
                drop(tx);
                // Sent values were received or dropped with the buffer; never more than
                // received plus what the buffer held.
                assert!(
                    sent >= received,
                    "{what}: received {received} of {sent} sent"
                );
                assert!(
                    sent - received <= cap,
                    "{what}: {sent} sent, {received} received"
                );
                assert_eq!(tally.live(), 0, "{what}: {} values leaked", tally.live());
            }
        }
    });
}

// ---- many senders, many receivers ----

#[test]
fn eight_senders_eight_receivers_unbuffered() {
    watched("eight_senders_eight_receivers_unbuffered", || {
        many_to_many(0, 8, 8, 200_000);
    });
}

#[test]
fn eight_senders_eight_receivers_buffered() {
    watched("eight_senders_eight_receivers_buffered", || {
        for cap in [1, 2, 100] {
            many_to_many(cap, 8, 8, 60_000);
        }
    });
}

/// `senders` parties send `total` values between them (some with `send`, some through
/// `select!`, some with `Select`), `receivers` parties take them (likewise); each value must
/// arrive exactly once, in order per sender at each receiver.
fn many_to_many(cap: usize, senders: usize, receivers: usize, total: usize) {
    let what = format!("{senders}x{receivers}, cap {cap}");
    let per = total / senders;
    let ledger = Ledger::new(per * senders);
    let (tx, rx) = chan::<u32>(cap);
    let sending: Vec<Joiner<()>> = (0..senders)
        .map(|s| {
            let tx = tx.clone();
            spawn(side_of(0, s), move || {
                for seq in 0..per {
                    let v = (s * per + seq) as u32;
                    match seq % 3 {
                        0 => tx.send(v).unwrap(),
                        1 => select! { send(tx, v) -> r => r.unwrap() },
                        _ => {
                            let mut sel = Select::new();
                            sel.send(&tx);
                            sel.select().send(&tx, v).unwrap();
                        }
                    }
                }
            })
        })
        .collect();
    let receiving: Vec<Joiner<()>> = (0..receivers)
        .map(|r| {
            let (rx, ledger) = (rx.clone(), ledger.clone());
            spawn(side_of(1, r), move || {
                let mut last = vec![None::<u32>; senders];
                let mut n = 0u64;
                loop {
                    n += 1;
                    let v = match n % 3 {
                        0 => rx.recv().ok(),
                        1 => select! { recv(rx) -> v => v.ok() },
                        _ => {
                            let mut sel = Select::new();
                            sel.recv(&rx);
                            sel.select().recv(&rx).ok()
                        }
                    };
                    let Some(v) = v else { break };
                    let s = v as usize / per;
                    assert!(
                        last[s].is_none_or(|l| l < v),
                        "sender {s}: {last:?} then {v}"
                    );
                    last[s] = Some(v);
                    ledger.record(v as usize);
                }
            })
        })
        .collect();
    drop(rx);
    for j in sending {
        j.join();
    }
    tx.close(); // every sender is done: the receivers drain, then stop
    for j in receiving {
        j.join();
    }
    ledger.assert_each_once(&what);
}

// ---- timed operations racing with peers ----

#[test]
fn timed_sends_and_receives_race_with_peers() {
    watched("timed_sends_and_receives_race_with_peers", || {
        for cap in CAPS {
            for round in 0..12 {
                one_timed_race(cap, round);
            }
        }
    });
}

/// Senders and receivers that give up after tiny, random timeouts (or do not wait at all): a
/// value is either delivered or handed back as timed out, never both, never neither.
fn one_timed_race(cap: usize, round: usize) {
    let what = format!("cap {cap}, round {round}");
    let tally = DropTally::new();
    let (tx, rx) = chan::<Counted>(cap);
    let timeout = |rng: &mut Rng| match rng.below(4) {
        0 => Duration::ZERO,
        1 => Duration::from_micros(rng.below(50)),
        2 => Duration::from_micros(rng.below(500)),
        _ => Duration::from_millis(2),
    };
    let senders: Vec<Joiner<(Vec<u64>, Vec<u64>)>> = (0..2)
        .map(|s| {
            let (tx, tally) = (tx.clone(), tally.clone());
            spawn(side_of(round, s), move || {
                let mut rng = Rng::new((round * 5 + s) as u64 + 1);
                let (mut sent, mut timed_out) = (Vec::new(), Vec::new());
                for seq in 0..1500 {
                    let v = id(s, seq);
                    let t = timeout(&mut rng);
                    let r = match rng.below(4) {
                        0 => tx.send_timeout(tally.make(v), t),
                        1 => tx.try_send(tally.make(v)).map_err(|e| match e {
                            offshoot::TrySendError::Full(v) => SendTimeoutError::Timeout(v),
                            offshoot::TrySendError::Closed(v) => SendTimeoutError::Closed(v),
                        }),
                        2 => select! {
                            send(tx, tally.make(v)) -> r => r.map_err(|e| SendTimeoutError::Closed(e.0)),
                            default(t) => Err(SendTimeoutError::Timeout(tally.make(v))),
                        },
                        _ => {
                            let mut sel = Select::new();
                            sel.send(&tx);
                            match sel.select_timeout(t) {
                                Ok(op) => op
                                    .send(&tx, tally.make(v))
                                    .map_err(|e| SendTimeoutError::Closed(e.0)),
                                Err(_) => Err(SendTimeoutError::Timeout(tally.make(v))),
                            }
                        }
                    };
                    match r {
                        Ok(()) => sent.push(v),
                        Err(SendTimeoutError::Timeout(back)) => {
                            assert_eq!(back.id, v);
                            timed_out.push(v);
                        }
                        Err(SendTimeoutError::Closed(_)) => panic!("closed while sending"),
                    }
                }
                (sent, timed_out)
            })
        })
        .collect();
    let receivers: Vec<Joiner<Vec<u64>>> = (0..2)
        .map(|r| {
            let rx = rx.clone();
            spawn(side_of(round, r + 2), move || {
                let mut rng = Rng::new((round * 11 + r) as u64 + 2);
                let mut got = Vec::new();
                loop {
                    let t = timeout(&mut rng);
                    let r = match rng.below(4) {
                        0 => rx.recv_timeout(t),
                        1 => rx.try_recv().map_err(|e| match e {
                            TryRecvError::Empty => RecvTimeoutError::Timeout,
                            TryRecvError::Closed => RecvTimeoutError::Closed,
                        }),
                        2 => select! {
                            recv(rx) -> v => v.map_err(|_| RecvTimeoutError::Closed),
                            default(t) => Err(RecvTimeoutError::Timeout),
                        },
                        _ => {
                            let mut sel = Select::new();
                            sel.recv(&rx);
                            match sel.select_timeout(t) {
                                Ok(op) => op.recv(&rx).map_err(|_| RecvTimeoutError::Closed),
                                Err(_) => Err(RecvTimeoutError::Timeout),
                            }
                        }
                    };
                    match r {
                        Ok(v) => got.push(v.id),
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Closed) => return got,
                    }
                }
            })
        })
        .collect();
    drop(rx);
    let (mut sent, mut timed_out) = (Vec::new(), Vec::new());
    for s in senders {
        let (ok, late) = s.join();
        sent.extend(ok);
        timed_out.extend(late);
    }
    tx.close(); // every sender is done: the receivers drain, then stop
    let received: Vec<Vec<u64>> = receivers.into_iter().map(Joiner::join).collect();
    assert_books(&sent, &timed_out, &received, &what);
    assert_eq!(tally.live(), 0, "{what}: {} values leaked", tally.live());
}

// ---- fairness ----

/// Asserts each of two counts is 30-70% of their sum.
fn assert_fair(hits: [usize; 2], what: &str) {
    let n = hits[0] + hits[1];
    for h in hits {
        assert!(
            h * 10 >= n * 3 && h * 10 <= n * 7,
            "{what}: two always-ready cases should each win 30-70%, got {hits:?}"
        );
    }
}

#[test]
fn fairness_between_two_always_ready_cases() {
    watched("fairness_between_two_always_ready_cases", || {
        const N: usize = 10_000;
        for side in [Side::Thread, Side::Coroutine] {
            spawn(side, move || {
                // Two buffered receives.
                let (tx1, rx1) = chan::<()>(N);
                let (tx2, rx2) = chan::<()>(N);
                for _ in 0..N {
                    tx1.send(()).unwrap();
                    tx2.send(()).unwrap();
                }
                let mut hits = [0; 2];
                for _ in 0..N {
                    select! {
                        recv(rx1) -> _ => hits[0] += 1,
                        recv(rx2) -> _ => hits[1] += 1,
                    }
                }
                assert_fair(hits, &format!("{side:?}: select! recv/recv"));

                // Two buffered sends.
                let mut hits = [0; 2];
                for _ in 0..N {
                    select! {
                        send(tx1, ()) -> _ => hits[0] += 1,
                        send(tx2, ()) -> _ => hits[1] += 1,
                    }
                }
                assert_fair(hits, &format!("{side:?}: select! send/send"));
                let _ = (rx1.try_iter().count(), rx2.try_iter().count());

                // A receive and a send, both always ready.
                let (tx3, rx3) = chan::<()>(N);
                for _ in 0..N / 2 {
                    tx1.send(()).unwrap();
                }
                let mut hits = [0; 2];
                for _ in 0..N / 2 {
                    select! {
                        recv(rx1) -> _ => hits[0] += 1,
                        send(tx3, ()) -> _ => hits[1] += 1,
                    }
                }
                assert_fair(hits, &format!("{side:?}: select! recv/send"));
                drop(rx3);
                let _ = rx1.try_iter().count();

                // Always-ready cases with never-ready ones between them.
                for _ in 0..N {
                    tx1.send(()).unwrap();
                    tx2.send(()).unwrap();
                }
                let nv = never::<()>();
                let mut hits = [0; 2];
                for _ in 0..N {
                    select! {
                        recv(rx1) -> _ => hits[0] += 1,
                        recv(nv) -> _ => unreachable!(),
                        recv(nv) -> _ => unreachable!(),
                        recv(nv) -> _ => unreachable!(),
                        recv(rx2) -> _ => hits[1] += 1,
                    }
                }
                assert_fair(
                    hits,
                    &format!("{side:?}: select! with unready cases between"),
                );

                // Select::new, with the same layout.
                let _ = (rx1.try_iter().count(), rx2.try_iter().count());
                for _ in 0..N {
                    tx1.send(()).unwrap();
                    tx2.send(()).unwrap();
                }
                let mut sel = Select::new();
                let i1 = sel.recv(&rx1);
                sel.recv(&nv);
                sel.recv(&nv);
                let i2 = sel.recv(&rx2);
                let mut hits = [0; 2];
                for _ in 0..N {
                    let op = sel.select();
                    if op.index() == i1 {
                        hits[0] += 1;
                        op.recv(&rx1).unwrap();
                    } else {
                        assert_eq!(op.index(), i2);
                        hits[1] += 1;
                        op.recv(&rx2).unwrap();
                    }
                }
                assert_fair(
                    hits,
                    &format!("{side:?}: Select with unready cases between"),
                );
            })
            .join();
        }
    });
}

#[test]
fn fairness_between_two_parked_senders() {
    // Two unbuffered channels, each with a sender parked on it: a receiving select must serve
    // both. After each hand-off the served sender needs a moment to park again, so before each
    // select the receiver waits until both are parked (a receive case is ready then): both
    // cases are ready at every select, as with buffered values.
    watched("fairness_between_two_parked_senders", || {
        const N: usize = 4000;
        for side in [Side::Thread, Side::Coroutine] {
            let (tx1, rx1) = chan::<u8>(0);
            let (tx2, rx2) = chan::<u8>(0);
            let (stop1, stop2) = (tx1.clone(), tx2.clone());
            let p1 = spawn(Side::Coroutine, move || while tx1.send(1).is_ok() {});
            let p2 = spawn(Side::Coroutine, move || while tx2.send(2).is_ok() {});
            let hits = spawn(side, move || {
                let parked = |rx: &Receiver<u8>| {
                    let mut sel = Select::new();
                    sel.recv(rx);
                    sel.try_ready().is_ok()
                };
                let mut hits = [0; 2];
                for _ in 0..N {
                    // A lost wake-up would keep a sender from parking again: the watchdog
                    // reports that.
                    while !(parked(&rx1) && parked(&rx2)) {
                        offshoot::yield_now();
                    }
                    select! {
                        recv(rx1) -> v => { assert_eq!(v, Ok(1)); hits[0] += 1 },
                        recv(rx2) -> v => { assert_eq!(v, Ok(2)); hits[1] += 1 },
                    }
                }
                hits
            })
            .join();
            // End the senders' loops: their parked sends fail.
            stop1.close();
            stop2.close();
            p1.join();
            p2.join();
            assert_fair(hits, &format!("{side:?}: select over two parked senders"));
        }
    });
}

#[test]
fn no_wake_up_is_lost_between_selects_and_parked_peers() {
    // Two senders (one plain, one through a select send case) on two unbuffered channels, and
    // a select receiving from both: every hand-off parks and wakes someone, and claims race
    // with each other. A lost wake-up leaves a round stuck; the round's deadline names it.
    watched(
        "no_wake_up_is_lost_between_selects_and_parked_peers",
        || {
            const K: u32 = 200;
            for round in 0..300 {
                let (tx1, rx1) = chan::<u32>(0);
                let (tx2, rx2) = chan::<u32>(round % 2);
                let p1 = spawn(side_of(round, 0), move || {
                    for i in 0..K {
                        tx1.send(i).unwrap();
                    }
                });
                let p2 = spawn(side_of(round, 1), move || {
                    for i in 0..K {
                        select! { send(tx2, i) -> r => r.unwrap() }
                    }
                });
                let (done_tx, done_rx) = chan::<[u32; 2]>(1);
                let receiver = spawn(side_of(round, 2), move || {
                    let off = never::<u32>();
                    let (mut a, mut b) = (&rx1, &rx2);
                    let mut got = [0u32; 2];
                    while got[0] + got[1] < 2 * K {
                        select! {
                            recv(a) -> v => {
                                assert_eq!(v, Ok(got[0]));
                                got[0] += 1;
                                if got[0] == K {
                                    a = &off;
                                }
                            },
                            recv(b) -> v => {
                                assert_eq!(v, Ok(got[1]));
                                got[1] += 1;
                                if got[1] == K {
                                    b = &off;
                                }
                            },
                        }
                    }
                    done_tx.send(got).unwrap();
                });
                match done_rx.recv_timeout(Duration::from_secs(10)) {
                    Ok(got) => assert_eq!(got, [K, K]),
                    Err(e) => panic!(
                        "round {round}: the select and its peers made no progress for 10 s ({e}): \
                     a lost wake-up (finished: sender {}, select sender {}, receiver {})",
                        p1.is_finished(),
                        p2.is_finished(),
                        receiver.is_finished()
                    ),
                }
                p1.join();
                p2.join();
                receiver.join();
            }
        },
    );
}

// ---- a select that will not wait sees one moment ----

/// `select!` over `r2`, 30 never-ready cases (all on `n`) and `r1`, with the given default: the
/// unready cases make the time between looking at `r2` and at `r1` long, whatever the order.
macro_rules! wide_select {
    ($r2:expr, $r1:expr, $n:expr, $($default:tt)*) => {
        select! {
            recv($r2) -> _ => true,
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($n) -> _ => unreachable!(),
            recv($r1) -> _ => true,
            $($default)* => false,
        }
    };
}

/// Party A keeps one of two buffered channels non-empty at every moment while party B moves
/// the value from one to the other; A's non-blocking select must always find one ready. `mode`
/// picks the kind of non-blocking select. Returns how many times A found nothing.
///
/// Many unready cases lie between the two real ones (a `Select::new_biased` polls `r2`, 100
/// never-ready receivers, then `r1`; the `select!` forms have 30 in a random order), so that a
/// select looking at one channel at a time has a wide window in which B's move makes it see
/// both empty. B waits (spinning) until A is about to select, then moves after a random spin.
fn never_sees_nothing(mode: &'static str, a_side: Side) -> usize {
    const N: usize = 10_000;
    let (t1, r1) = chan::<u8>(1);
    let (t2, r2) = chan::<u8>(1);
    let phase = Arc::new(AtomicUsize::new(0));
    let (end_tx, end_rx) = chan::<bool>(0);
    let (r1a, r2a, t1a) = (r1.clone(), r2.clone(), t1.clone());
    let p = phase.clone();
    let a = spawn(a_side, move || {
        let n = never::<u8>();
        let nevers: Vec<Receiver<u8>> = (0..100).map(|_| never()).collect();
        let mut sel = Select::new_biased();
        let i2 = sel.recv(&r2a);
        for n in &nevers {
            sel.recv(n);
        }
        let i1 = sel.recv(&r1a);
        for i in 0..N {
            t1a.send(1).unwrap();
            p.store(2 * i + 1, Ordering::SeqCst);
            let found = match mode {
                "select! default" => wide_select!(r2a, r1a, n, default),
                "select! default(0)" => wide_select!(r2a, r1a, n, default(Duration::ZERO)),
                "try_ready" => match sel.try_ready() {
                    Ok(k) => {
                        // Ready then; take whatever is there now (B may have moved it).
                        let _ = (k, r1a.try_recv(), r2a.try_recv());
                        true
                    }
                    Err(_) => false,
                },
                _ => {
                    let op = match mode {
                        "try_select" => sel.try_select().ok(),
                        "select_timeout(0)" => sel.select_timeout(Duration::ZERO).ok(),
                        _ => sel.select_deadline(std::time::Instant::now()).ok(),
                    };
                    match op {
                        Some(op) if op.index() == i1 => op.recv(&r1a).is_ok(),
                        Some(op) if op.index() == i2 => op.recv(&r2a).is_ok(),
                        Some(_) => unreachable!(),
                        None => false,
                    }
                }
            };
            end_tx.send(found).unwrap();
            let _ = (r1a.try_recv(), r2a.try_recv());
        }
    });
    // B runs on this plain thread: it spins on `phase` (no worker is blocked by that).
    let mut rng = Rng::new(99);
    let mut missed = 0;
    for i in 0..N {
        while phase.load(Ordering::SeqCst) != 2 * i + 1 {
            std::hint::spin_loop();
        }
        spin(rng.below(100));
        t2.send(1).unwrap();
        let _ = r1.try_recv();
        if !end_rx.recv().unwrap() {
            missed += 1;
        }
    }
    a.join();
    missed
}

#[test]
fn a_non_blocking_select_sees_a_case_ready_the_whole_time() {
    watched(
        "a_non_blocking_select_sees_a_case_ready_the_whole_time",
        || {
            for mode in [
                "select! default",
                "select! default(0)",
                "try_select",
                "select_timeout(0)",
                "select_deadline(now)",
            ] {
                for side in [Side::Thread, Side::Coroutine] {
                    let missed = never_sees_nothing(mode, side);
                    assert_eq!(
                        missed, 0,
                        "{mode} from a {side:?}: found nothing ready {missed} times"
                    );
                }
            }
        },
    );
}

#[test]
fn try_ready_sees_a_case_ready_the_whole_time() {
    watched("try_ready_sees_a_case_ready_the_whole_time", || {
        for side in [Side::Thread, Side::Coroutine] {
            let missed = never_sees_nothing("try_ready", side);
            assert_eq!(
                missed, 0,
                "try_ready from a {side:?}: found nothing ready {missed} times"
            );
        }
    });
}

// ---- order and delivery through every capacity ----

#[test]
fn one_to_one_keeps_order_through_every_capacity() {
    watched("one_to_one_keeps_order_through_every_capacity", || {
        for cap in CAPS {
            for (tx_side, rx_side) in common_stress::side_pairs() {
                let (tx, rx) = chan::<u32>(cap);
                let sender = spawn(tx_side, move || {
                    for i in 0..20_000 {
                        tx.send(i).unwrap();
                    }
                    tx.close();
                });
                let receiver = spawn(rx_side, move || {
                    let mut next = 0;
                    for v in &rx {
                        assert_eq!(v, next, "out of order");
                        next += 1;
                    }
                    next
                });
                sender.join();
                assert_eq!(
                    receiver.join(),
                    20_000,
                    "cap {cap}, {tx_side:?} -> {rx_side:?}"
                );
            }
        }
    });
}

#[test]
fn parked_senders_are_served_in_arrival_order() {
    // Senders park one at a time on a full channel (each says it is about to send, and the next
    // starts only after a pause); the receiver then sees them in that order.
    watched("parked_senders_are_served_in_arrival_order", || {
        for cap in [0, 1, 2] {
            let (tx, rx) = chan::<u32>(cap);
            for i in 0..cap as u32 {
                tx.send(1000 + i).unwrap();
            }
            let (started_tx, started_rx) = chan::<()>(0);
            let senders: Vec<_> = (0..5u32)
                .map(|i| {
                    let (tx, started) = (tx.clone(), started_tx.clone());
                    let s = spawn(side_of(0, i as usize + 1), move || {
                        started.send(()).unwrap();
                        tx.send(i).unwrap();
                    });
                    started_rx.recv().unwrap();
                    std::thread::sleep(Duration::from_millis(20));
                    s
                })
                .collect();
            let mut got: Vec<u32> = (0..cap + 5).map(|_| rx.recv().unwrap()).collect();
            let buffered: Vec<u32> = got.drain(..cap).collect();
            assert_eq!(
                buffered,
                (0..cap as u32).map(|i| 1000 + i).collect::<Vec<_>>()
            );
            // A sleep only makes the arrival order likely, so check the likely order loosely:
            // every value arrived, and most pairs in order (a strict check could be flaky).
            let mut sorted = got.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, [0, 1, 2, 3, 4]);
            let in_order = got.windows(2).filter(|w| w[0] < w[1]).count();
            assert!(
                in_order >= 3,
                "cap {cap}: parked senders served out of order: {got:?}"
            );
            for s in senders {
                s.join();
            }
        }
    });
}
