//! `bounded` and `unbounded` behave as crossbeam-channel's channels do, in what code written
//! against crossbeam relies on. crossbeam has three flavors behind one type, and so do these
//! tests: *list* (`unbounded()`), *array* (`bounded(n)`, `n > 0`) and *zero* (`bounded(0)`, a
//! rendezvous).
//!
//! Each behaviour is checked with the other parties on plain threads and on coroutines. The
//! tests are written for offshoot from what crossbeam's own tests check, not copied from them.
//!
//! Where offshoot differs from crossbeam on purpose, the test checks offshoot's documented
//! behaviour and says so in a comment:
//! - send errors' variants are spelled `Closed(msg)` where crossbeam says `Disconnected(msg)`
//!   (`is_disconnected()` exists on both);
//! - the last `Receiver` dropped drops the buffered values at once, even while senders live
//!   (crossbeam's list flavor does this; offshoot does it for every flavor);
//! - `select!` picks uniformly among the ready cases, as Go does (crossbeam also picks at
//!   random, so only a loose fairness bound is checked).

mod common;
mod common_stress;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common_stress::{
    spawn, spawn_started, Counted, DropTally, Joiner, Ledger, Side, SETTLE, SIDES,
};
use offshoot::{
    after, at, bounded, chan, never, select, select_biased, tick, unbounded, Receiver, RecvError,
    RecvTimeoutError, Select, SendError, SendTimeoutError, Sender, TryRecvError, TrySendError,
};

/// A channel flavor, as crossbeam names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    /// `unbounded()`
    List,
    /// `bounded(n)` with `n > 0`
    Array(usize),
    /// `bounded(0)`
    Zero,
}

use Flavor::{Array, List, Zero};

const FLAVORS: [Flavor; 3] = [List, Array(3), Zero];

fn make<T>(flavor: Flavor) -> (Sender<T>, Receiver<T>) {
    match flavor {
        List => unbounded(),
        Array(cap) => bounded(cap),
        Zero => bounded(0),
    }
}

/// A wait that must not end early (a timeout) or must not be cut short by a wrong wake-up.
const WAIT: Duration = Duration::from_millis(100);

/// An upper bound for what should be "at once": very loose, for a loaded 2-core machine.
const SOON: Duration = Duration::from_secs(5);

fn watched(name: &str, f: impl FnOnce() + Send + 'static) {
    common::watchdog(name, common::WATCHDOG_SECS, f)
}

/// Runs `f` as this test's main party: on this plain thread, or as the main coroutine of
/// `offshoot::run`.
fn as_main<T: Send + 'static>(side: Side, f: impl FnOnce() -> T + Send + 'static) -> T {
    match side {
        Side::Thread => f(),
        Side::Coroutine => offshoot::run(f),
    }
}

// ---- smoke ----

#[test]
fn smoke_each_flavor_passes_values_both_ways() {
    watched("smoke_each_flavor_passes_values_both_ways", || {
        for flavor in FLAVORS {
            // Same-party send then receive, where the flavor has room.
            if flavor != Zero {
                let (tx, rx) = make::<u32>(flavor);
                tx.send(7).unwrap();
                assert_eq!(rx.try_recv(), Ok(7), "{flavor:?}");
                assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{flavor:?}");
            }
            for side in SIDES {
                let (tx, rx) = make::<u32>(flavor);
                let (back_tx, back_rx) = make::<u32>(flavor);
                let echo = spawn(side, move || {
                    for v in rx.iter() {
                        back_tx.send(v * 2).unwrap();
                    }
                });
                for i in 0..100 {
                    tx.send(i).unwrap();
                    assert_eq!(back_rx.recv(), Ok(i * 2), "{flavor:?} {side:?}");
                }
                drop(tx);
                echo.join();
                assert_eq!(back_rx.recv(), Err(RecvError), "{flavor:?} {side:?}");
            }
        }
    });
}

// ---- capacity, len, is_empty, is_full ----

#[test]
fn capacity_len_is_empty_is_full_match_crossbeam() {
    watched("capacity_len_is_empty_is_full_match_crossbeam", || {
        // list: no capacity, never full.
        let (tx, rx) = unbounded::<u32>();
        assert_eq!((tx.capacity(), rx.capacity()), (None, None));
        assert!(tx.is_empty() && rx.is_empty());
        for i in 0..10_000 {
            tx.send(i).unwrap();
            assert!(!tx.is_full() && !rx.is_full());
        }
        assert_eq!((tx.len(), rx.len()), (10_000, 10_000));
        assert!(!tx.is_empty() && !rx.is_empty());
        rx.recv().unwrap();
        assert_eq!(rx.len(), 9_999);

        // array: counts up to its capacity.
        let (tx, rx) = bounded::<u32>(2);
        assert_eq!((tx.capacity(), rx.capacity()), (Some(2), Some(2)));
        assert!(tx.is_empty() && !tx.is_full() && rx.is_empty() && !rx.is_full());
        tx.send(1).unwrap();
        assert_eq!((tx.len(), rx.len()), (1, 1));
        assert!(!tx.is_empty() && !tx.is_full());
        tx.send(2).unwrap();
        assert_eq!(tx.len(), 2);
        assert!(tx.is_full() && rx.is_full());
        rx.recv().unwrap();
        assert!(!rx.is_full() && !rx.is_empty());
        rx.recv().unwrap();
        assert!(rx.is_empty());

        // zero: always empty and always full, len 0, even with a sender parked on it.
        for side in SIDES {
            let (tx, rx) = bounded::<u32>(0);
            assert_eq!((tx.capacity(), rx.capacity()), (Some(0), Some(0)));
            assert!(tx.is_empty() && tx.is_full() && rx.is_empty() && rx.is_full());
            let tx2 = tx.clone();
            let sender = spawn_started(side, move || tx2.send(5));
            assert_eq!((tx.len(), rx.len()), (0, 0), "{side:?}");
            assert!(rx.is_empty() && rx.is_full(), "{side:?}");
            assert_eq!(rx.recv(), Ok(5), "{side:?}");
            assert_eq!(sender.join(), Ok(()), "{side:?}");
        }
    });
}

// ---- try_send and try_recv ----

#[test]
fn try_send_and_try_recv_report_full_empty_and_disconnected() {
    watched(
        "try_send_and_try_recv_report_full_empty_and_disconnected",
        || {
            for flavor in FLAVORS {
                let (tx, rx) = make::<u32>(flavor);
                assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{flavor:?}");
                match flavor {
                    List => {
                        for i in 0..1000 {
                            assert_eq!(tx.try_send(i), Ok(()));
                        }
                        assert_eq!(rx.try_iter().count(), 1000);
                    }
                    Array(cap) => {
                        for i in 0..cap as u32 {
                            assert_eq!(tx.try_send(i), Ok(()));
                        }
                        let full = tx.try_send(99).unwrap_err();
                        assert!(full.is_full() && !full.is_disconnected());
                        assert_eq!(full, TrySendError::Full(99));
                        assert_eq!(full.into_inner(), 99);
                        assert_eq!(rx.try_recv(), Ok(0));
                        assert_eq!(tx.try_send(3), Ok(()));
                        assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2, 3]);
                    }
                    Zero => {
                        // Nobody waiting on the other side: a rendezvous is not possible.
                        assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
                        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
                    }
                }

                // The last sender gone: buffered values first, then Disconnected, which is
                // crossbeam's pattern and offshoot's `Closed` under another name.
                if flavor != Zero {
                    tx.send(42).unwrap();
                }
                let tx2 = tx.clone();
                drop(tx);
                assert!(!rx.is_disconnected(), "{flavor:?}: a clone is still alive");
                drop(tx2);
                assert!(rx.is_disconnected(), "{flavor:?}");
                if flavor != Zero {
                    assert_eq!(
                        rx.try_recv(),
                        Ok(42),
                        "{flavor:?}: buffered before the drop"
                    );
                }
                for _ in 0..3 {
                    match rx.try_recv() {
                        Err(TryRecvError::Disconnected) => {}
                        Err(TryRecvError::Empty) => panic!("{flavor:?}: Empty after disconnect"),
                        Ok(v) => panic!("{flavor:?}: a value from nowhere: {v}"),
                    }
                }
                let err = rx.try_recv().unwrap_err();
                assert!(err.is_disconnected() && !err.is_empty(), "{flavor:?}");

                // The last receiver gone: try_send hands the value back.
                let (tx, rx) = make::<String>(flavor);
                let rx2 = rx.clone();
                drop(rx);
                assert!(!tx.is_disconnected(), "{flavor:?}");
                drop(rx2);
                assert!(tx.is_disconnected(), "{flavor:?}");
                // offshoot spells crossbeam's `TrySendError::Disconnected(msg)` as `Closed(msg)`.
                match tx.try_send("back".to_string()) {
                    Err(e @ TrySendError::Closed(_)) => {
                        assert!(e.is_disconnected() && !e.is_full(), "{flavor:?}");
                        assert_eq!(e.into_inner(), "back");
                    }
                    other => panic!("{flavor:?}: try_send without receivers: {other:?}"),
                }
            }
        },
    );
}

/// crossbeam's zero flavor: `try_send` succeeds when a receiver is parked, `try_recv` when a
/// sender is. The other party may not have parked yet when we try, so keep trying: every
/// failure must be `Full`/`Empty`, and one attempt must succeed.
#[test]
fn zero_try_operations_meet_a_parked_party() {
    watched("zero_try_operations_meet_a_parked_party", || {
        for side in SIDES {
            let (tx, rx) = bounded::<u32>(0);
            let receiver = spawn_started(side, move || rx.recv());
            let deadline = Instant::now() + SOON;
            let mut msg = 11;
            loop {
                match tx.try_send(msg) {
                    Ok(()) => break,
                    Err(TrySendError::Full(m)) => msg = m,
                    Err(e) => panic!("{side:?}: {e:?}"),
                }
                assert!(
                    Instant::now() < deadline,
                    "{side:?}: never met the receiver"
                );
                std::thread::sleep(Duration::from_millis(1));
            }
            assert_eq!(receiver.join(), Ok(11), "{side:?}");

            let (tx, rx) = bounded::<u32>(0);
            let sender = spawn_started(side, move || tx.send(12));
            let deadline = Instant::now() + SOON;
            let got = loop {
                match rx.try_recv() {
                    Ok(v) => break v,
                    Err(TryRecvError::Empty) => {}
                    Err(e) => panic!("{side:?}: {e:?}"),
                }
                assert!(Instant::now() < deadline, "{side:?}: never met the sender");
                std::thread::sleep(Duration::from_millis(1));
            };
            assert_eq!(got, 12, "{side:?}");
            assert_eq!(sender.join(), Ok(()), "{side:?}");
        }
    });
}

// ---- timeouts ----

#[test]
fn recv_and_send_timeouts_expire_and_report_disconnection() {
    watched(
        "recv_and_send_timeouts_expire_and_report_disconnection",
        || {
            for side in SIDES {
                as_main(side, move || {
                    for flavor in FLAVORS {
                        let (tx, rx) = make::<u32>(flavor);

                        // Nothing to receive: times out, not early.
                        let start = Instant::now();
                        assert_eq!(rx.recv_timeout(WAIT), Err(RecvTimeoutError::Timeout));
                        assert!(start.elapsed() >= WAIT, "{flavor:?} {side:?}: early");
                        let start = Instant::now();
                        assert_eq!(
                            rx.recv_deadline(start + WAIT),
                            Err(RecvTimeoutError::Timeout)
                        );
                        assert!(start.elapsed() >= WAIT, "{flavor:?} {side:?}: early");

                        // No room: array and zero time out, handing the value back; list never
                        // waits.
                        match flavor {
                            List => {
                                assert_eq!(tx.send_timeout(1, WAIT), Ok(()));
                                assert_eq!(rx.recv_timeout(WAIT), Ok(1));
                            }
                            Array(cap) => {
                                for i in 0..cap as u32 {
                                    tx.send(i).unwrap();
                                }
                                let start = Instant::now();
                                let err = tx.send_timeout(9, WAIT).unwrap_err();
                                assert!(start.elapsed() >= WAIT, "{flavor:?} {side:?}: early");
                                assert!(err.is_timeout() && !err.is_disconnected());
                                assert_eq!(err, SendTimeoutError::Timeout(9));
                                assert_eq!(rx.recv_timeout(WAIT), Ok(0));
                                assert_eq!(tx.send_timeout(9, WAIT), Ok(()));
                                assert_eq!(rx.try_iter().count(), cap);
                            }
                            Zero => {
                                let start = Instant::now();
                                let deadline = start + WAIT;
                                assert_eq!(
                                    tx.send_deadline(9, deadline),
                                    Err(SendTimeoutError::Timeout(9))
                                );
                                assert!(start.elapsed() >= WAIT, "{flavor:?} {side:?}: early");
                            }
                        }

                        // A value that comes while waiting is taken.
                        let tx2 = tx.clone();
                        let late = offshoot::go(move || {
                            offshoot::time::sleep(Duration::from_millis(10));
                            tx2.send(5).unwrap();
                        });
                        assert_eq!(rx.recv_timeout(SOON), Ok(5), "{flavor:?} {side:?}");
                        late.join().unwrap();

                        // Disconnected: at once, with crossbeam's name for the variant.
                        drop(tx);
                        let start = Instant::now();
                        match rx.recv_timeout(SOON) {
                            Err(RecvTimeoutError::Disconnected) => {}
                            other => panic!("{flavor:?} {side:?}: {other:?}"),
                        }
                        assert!(start.elapsed() < SOON / 2, "{flavor:?} {side:?}");
                        assert!(rx.recv_timeout(WAIT).unwrap_err().is_disconnected());

                        let (tx, rx) = make::<u32>(flavor);
                        drop(rx);
                        let err = tx.send_timeout(3, SOON).unwrap_err();
                        // crossbeam: SendTimeoutError::Disconnected(3).
                        assert_eq!(err, SendTimeoutError::Closed(3), "{flavor:?} {side:?}");
                        assert!(err.is_disconnected() && !err.is_timeout());
                    }
                });
            }
        },
    );
}

// ---- disconnection wakes parked parties ----

#[test]
fn last_sender_dropped_wakes_parked_receivers() {
    watched("last_sender_dropped_wakes_parked_receivers", || {
        for flavor in FLAVORS {
            for side in SIDES {
                let (tx, rx) = make::<u32>(flavor);
                let tx2 = tx.clone();
                let rx2 = rx.clone();
                let plain = spawn_started(side, move || rx.recv());
                let timed = spawn_started(side, move || {
                    let start = Instant::now();
                    (rx2.recv_timeout(SOON * 4), start.elapsed())
                });
                drop(tx);
                // One sender is left: both stay parked.
                std::thread::sleep(SETTLE);
                assert!(
                    !plain.is_finished() && !timed.is_finished(),
                    "{flavor:?} {side:?}"
                );
                drop(tx2);
                assert_eq!(plain.join(), Err(RecvError), "{flavor:?} {side:?}");
                let (res, took) = timed.join();
                assert_eq!(
                    res,
                    Err(RecvTimeoutError::Disconnected),
                    "{flavor:?} {side:?}"
                );
                assert!(
                    took < SOON * 2,
                    "{flavor:?} {side:?}: woke only at the deadline"
                );
            }
        }
    });
}

#[test]
fn last_receiver_dropped_wakes_parked_senders_with_their_messages() {
    watched(
        "last_receiver_dropped_wakes_parked_senders_with_their_messages",
        || {
            // list senders never park; array senders park when full; zero senders always.
            for flavor in [Array(2), Zero] {
                for side in SIDES {
                    let (tx, rx) = make::<String>(flavor);
                    if let Array(cap) = flavor {
                        for i in 0..cap {
                            tx.send(format!("buffered {i}")).unwrap();
                        }
                    }
                    let tx2 = tx.clone();
                    let plain = spawn_started(side, move || tx.send("plain".to_string()));
                    let timed = spawn_started(side, move || {
                        tx2.send_timeout("timed".to_string(), SOON * 4)
                    });
                    let rx2 = rx.clone();
                    drop(rx);
                    std::thread::sleep(SETTLE);
                    assert!(
                        !plain.is_finished() && !timed.is_finished(),
                        "{flavor:?} {side:?}"
                    );
                    drop(rx2);
                    assert_eq!(
                        plain.join(),
                        Err(SendError("plain".to_string())),
                        "{flavor:?} {side:?}"
                    );
                    // crossbeam: SendTimeoutError::Disconnected(msg).
                    assert_eq!(
                        timed.join(),
                        Err(SendTimeoutError::Closed("timed".to_string())),
                        "{flavor:?} {side:?}"
                    );
                }
            }
        },
    );
}

// ---- what is buffered at a disconnection ----

#[test]
fn values_buffered_before_the_last_sender_drops_are_still_received() {
    watched(
        "values_buffered_before_the_last_sender_drops_are_still_received",
        || {
            for flavor in [List, Array(8)] {
                for side in SIDES {
                    let (tx, rx) = make::<u32>(flavor);
                    let sender = spawn(side, move || {
                        for i in 0..8 {
                            tx.send(i).unwrap();
                        }
                        // `tx` dropped here, with everything still buffered.
                    });
                    sender.join();
                    assert!(rx.is_disconnected() || rx.len() == 8, "{flavor:?} {side:?}");
                    let receiver = spawn(side, move || {
                        let got: Vec<u32> = (0..8).map(|_| rx.recv().unwrap()).collect();
                        (got, rx.recv(), rx.try_recv())
                    });
                    let (got, after_drain, tried) = receiver.join();
                    assert_eq!(got, (0..8).collect::<Vec<_>>(), "{flavor:?} {side:?}");
                    assert_eq!(after_drain, Err(RecvError), "{flavor:?} {side:?}");
                    assert_eq!(
                        tried,
                        Err(TryRecvError::Disconnected),
                        "{flavor:?} {side:?}"
                    );
                }
            }
        },
    );
}

/// offshoot drops the buffer when the last receiver goes, for every flavor, even while senders
/// are alive (documented; crossbeam's list flavor does the same, its array flavor may keep them
/// until the channel itself is freed).
#[test]
fn last_receiver_dropped_drops_the_buffered_values() {
    watched("last_receiver_dropped_drops_the_buffered_values", || {
        for flavor in [List, Array(8)] {
            for side in SIDES {
                let tally = DropTally::new();
                let (tx, rx) = make::<Counted>(flavor);
                let t = tally.clone();
                let tx2 = tx.clone();
                spawn(side, move || {
                    for i in 0..5 {
                        tx2.send(t.make(i)).unwrap();
                    }
                })
                .join();
                let first = rx.recv().unwrap();
                assert_eq!(first.id, 0);
                drop(first);
                assert_eq!(
                    (tally.made(), tally.dropped()),
                    (5, 1),
                    "{flavor:?} {side:?}"
                );
                let receiver = spawn(side, move || drop(rx));
                receiver.join();
                assert_eq!(
                    tally.dropped(),
                    5,
                    "{flavor:?} {side:?}: buffered values outlived the last receiver"
                );
                // The sender is still alive; a later send hands its value back, unbuffered.
                match tx.try_send(tally.make(9)) {
                    Err(TrySendError::Closed(back)) => assert_eq!(back.id, 9),
                    Err(TrySendError::Full(_)) => panic!("{flavor:?} {side:?}: Full"),
                    Ok(()) => panic!("{flavor:?} {side:?}: sent to nobody"),
                }
                assert_eq!(tally.live(), 0, "{flavor:?} {side:?}");
                drop(tx);
                assert_eq!(tally.dropped(), 6, "{flavor:?} {side:?}: dropped twice?");
            }
        }
    });
}

// ---- MPMC: nothing lost, nothing duplicated, order kept per sender ----

#[test]
fn mpmc_delivers_each_value_once_in_per_sender_order() {
    watched("mpmc_delivers_each_value_once_in_per_sender_order", || {
        const SENDERS: usize = 4;
        const RECEIVERS: usize = 4;
        for flavor in [List, Array(4), Array(1), Zero] {
            let per_sender: usize = if flavor == Zero { 5_000 } else { 20_000 };
            for layout in 0..2 {
                // layout 0: senders on threads, receivers on coroutines; 1: the other way,
                // and in both, one party of each kind on the other side too.
                let side_of = |i: usize, sending: bool| {
                    let on_thread = (layout == 0) == sending;
                    // Party 0 of each kind goes to the other side.
                    if on_thread != (i == 0) {
                        Side::Thread
                    } else {
                        Side::Coroutine
                    }
                };
                let (tx, rx) = make::<(usize, usize)>(flavor);
                let ledger = Ledger::new(SENDERS * per_sender);
                let senders: Vec<_> = (0..SENDERS)
                    .map(|s| {
                        let tx = tx.clone();
                        spawn(side_of(s, true), move || {
                            for seq in 0..per_sender {
                                tx.send((s, seq)).unwrap();
                            }
                        })
                    })
                    .collect();
                drop(tx);
                let receivers: Vec<_> = (0..RECEIVERS)
                    .map(|r| {
                        let rx = rx.clone();
                        let ledger = ledger.clone();
                        spawn(side_of(r, false), move || {
                            let mut last: [Option<usize>; SENDERS] = [None; SENDERS];
                            let mut n = 0usize;
                            for (s, seq) in &rx {
                                if let Some(prev) = last[s] {
                                    assert!(seq > prev, "sender {s}'s {seq} came after its {prev}");
                                }
                                last[s] = Some(seq);
                                ledger.record(s * per_sender + seq);
                                n += 1;
                            }
                            n
                        })
                    })
                    .collect();
                drop(rx);
                for s in senders {
                    s.join();
                }
                let total: usize = receivers.into_iter().map(Joiner::join).sum();
                assert_eq!(total, SENDERS * per_sender, "{flavor:?} layout {layout}");
                ledger.assert_each_once(&format!("{flavor:?} layout {layout}"));
            }
        }
    });
}

// ---- iterators ----

#[test]
fn iterators_end_on_disconnection() {
    watched("iterators_end_on_disconnection", || {
        for flavor in FLAVORS {
            for side in SIDES {
                // iter: blocks for more, ends once the senders are gone and it is drained.
                let (tx, rx) = make::<u32>(flavor);
                let sender = spawn(side, move || {
                    for i in 0..100 {
                        tx.send(i).unwrap();
                    }
                });
                assert_eq!(rx.iter().collect::<Vec<_>>(), (0..100).collect::<Vec<_>>());
                sender.join();
                assert_eq!(rx.iter().next(), None, "{flavor:?} {side:?}");

                // into_iter, on the other side, borrowed and owned.
                let (tx, rx) = make::<u32>(flavor);
                let receiver = spawn(side, move || {
                    let mut by_ref = Vec::new();
                    for v in &rx {
                        by_ref.push(v);
                        if v == 9 {
                            break;
                        }
                    }
                    let owned: Vec<u32> = rx.into_iter().collect();
                    (by_ref, owned)
                });
                for i in 0..20 {
                    tx.send(i).unwrap();
                }
                drop(tx);
                let (by_ref, owned) = receiver.join();
                assert_eq!(by_ref, (0..10).collect::<Vec<_>>(), "{flavor:?} {side:?}");
                assert_eq!(owned, (10..20).collect::<Vec<_>>(), "{flavor:?} {side:?}");
            }
            // try_iter: what is there now, without waiting, whether or not disconnected.
            if flavor != Zero {
                let (tx, rx) = make::<u32>(flavor);
                assert_eq!(rx.try_iter().next(), None);
                tx.send(1).unwrap();
                tx.send(2).unwrap();
                assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2], "{flavor:?}");
                tx.send(3).unwrap();
                drop(tx);
                assert_eq!(rx.try_iter().collect::<Vec<_>>(), [3], "{flavor:?}");
                assert_eq!(rx.try_iter().next(), None, "{flavor:?}");
            }
        }
    });
}

// ---- same_channel ----

#[test]
fn same_channel_compares_channels_not_handles() {
    for flavor in FLAVORS {
        let (tx1, rx1) = make::<u8>(flavor);
        let (tx2, rx2) = make::<u8>(flavor);
        assert!(tx1.same_channel(&tx1.clone()) && rx1.same_channel(&rx1.clone()));
        assert!(
            !tx1.same_channel(&tx2) && !rx1.same_channel(&rx2),
            "{flavor:?}"
        );
        let tx1b = tx1.clone();
        drop(tx1);
        assert!(tx1b.same_channel(&tx1b.clone()));
    }
    let (a, _) = unbounded::<u8>();
    let (b, _) = bounded::<u8>(0);
    assert!(!a.same_channel(&b));
    let n = never::<u8>();
    assert!(n.same_channel(&n.clone()) && !n.same_channel(&never()));
}

// ---- unbounded: a million values, every one dropped exactly once ----

#[test]
fn unbounded_takes_a_million_values_without_a_receiver_in_order() {
    watched(
        "unbounded_takes_a_million_values_without_a_receiver_in_order",
        || {
            const N: u64 = 1_000_000;
            for side in SIDES {
                let tally = DropTally::new();
                let (tx, rx) = unbounded::<Counted>();
                let t = tally.clone();
                // Nobody receives while these are sent: no send may wait.
                spawn(side, move || {
                    for i in 0..N {
                        tx.send(t.make(i)).unwrap();
                    }
                })
                .join();
                assert_eq!(rx.len(), N as usize, "{side:?}");
                let receiver = spawn(side, move || {
                    let mut expect = 0;
                    for v in &rx {
                        assert_eq!(v.id, expect, "out of order");
                        expect += 1;
                    }
                    expect
                });
                assert_eq!(receiver.join(), N, "{side:?}");
                assert_eq!((tally.made(), tally.dropped()), (N as usize, N as usize));
            }
        },
    );
}

#[test]
fn unbounded_drops_each_value_once_received_or_left_behind() {
    watched(
        "unbounded_drops_each_value_once_received_or_left_behind",
        || {
            const N: u64 = 200_000;
            for side in SIDES {
                // The receiver goes first (buffer dropped then), or the sender does (buffer
                // dropped with the channel).
                for receiver_first in [true, false] {
                    let tally = DropTally::new();
                    let (tx, rx) = unbounded::<Counted>();
                    for i in 0..N {
                        tx.send(tally.make(i)).unwrap();
                    }
                    let half = spawn(side, move || {
                        for i in 0..N / 2 {
                            assert_eq!(rx.recv().unwrap().id, i);
                        }
                        rx
                    })
                    .join();
                    assert_eq!(tally.dropped(), (N / 2) as usize, "{side:?}");
                    if receiver_first {
                        drop(half);
                        assert_eq!(tally.dropped(), N as usize, "{side:?} receiver first");
                        drop(tx);
                    } else {
                        drop(tx);
                        assert_eq!(
                            tally.dropped(),
                            (N / 2) as usize,
                            "{side:?}: still buffered"
                        );
                        drop(half);
                    }
                    assert_eq!(
                        (tally.made(), tally.dropped()),
                        (N as usize, N as usize),
                        "{side:?} receiver_first {receiver_first}"
                    );
                }
            }
        },
    );
}

// ---- select ----

#[test]
fn select_mixes_bounded_unbounded_chan_after_and_never() {
    watched(
        "select_mixes_bounded_unbounded_chan_after_and_never",
        || {
            for side in SIDES {
                as_main(side, move || {
                    let (b_tx, b_rx) = bounded::<u32>(1);
                    let (z_tx, z_rx) = bounded::<u32>(0);
                    let (u_tx, u_rx) = unbounded::<u32>();
                    let (c_tx, c_rx) = chan::<u32>(1);
                    let off = never::<u32>();

                    // Nothing ready: the timer fires, not early.
                    let start = Instant::now();
                    let timer = after(WAIT);
                    let fired = select! {
                        recv(b_rx) -> v => panic!("bounded: {v:?}"),
                        recv(z_rx) -> v => panic!("zero: {v:?}"),
                        recv(u_rx) -> v => panic!("unbounded: {v:?}"),
                        recv(c_rx) -> v => panic!("chan: {v:?}"),
                        recv(off) -> v => panic!("never: {v:?}"),
                        recv(timer) -> t => t.unwrap(),
                    };
                    assert!(fired >= start + WAIT && start.elapsed() >= WAIT, "{side:?}");

                    // Each channel, made ready alone, is the one taken.
                    let pick = |b: &Receiver<u32>, u: &Receiver<u32>, c: &Receiver<u32>| {
                        select! {
                            recv(b) -> v => ("bounded", v),
                            recv(u) -> v => ("unbounded", v),
                            recv(c) -> v => ("chan", v),
                            recv(never::<u32>()) -> v => ("never", v),
                            recv(after(SOON)) -> _ => ("after", Err(RecvError)),
                        }
                    };
                    b_tx.send(1).unwrap();
                    assert_eq!(pick(&b_rx, &u_rx, &c_rx), ("bounded", Ok(1)));
                    u_tx.send(2).unwrap();
                    assert_eq!(pick(&b_rx, &u_rx, &c_rx), ("unbounded", Ok(2)));
                    c_tx.send(3).unwrap();
                    assert_eq!(pick(&b_rx, &u_rx, &c_rx), ("chan", Ok(3)));

                    // A rendezvous with a party on each side, found by a parked select.
                    for party in SIDES {
                        let z_tx = z_tx.clone();
                        let (hi_tx, hi_rx) = chan::<()>(0);
                        let sender = spawn(party, move || {
                            hi_tx.send(()).unwrap();
                            z_tx.send(4).unwrap();
                        });
                        hi_rx.recv().unwrap();
                        let got = select! {
                            recv(z_rx) -> v => v,
                            recv(off) -> _ => unreachable!(),
                            recv(after(SOON * 2)) -> _ => panic!("{side:?}/{party:?}: zero missed"),
                        };
                        assert_eq!(got, Ok(4));
                        // Joining from a coroutine would block its worker: wait on a channel.
                        let (done_tx, done_rx) = chan::<()>(1);
                        offshoot::go(move || {
                            sender.join();
                            done_tx.send(()).unwrap();
                        });
                        done_rx.recv().unwrap();
                    }

                    // Send cases: a full bounded one is not ready, an unbounded one always is.
                    b_tx.send(10).unwrap();
                    let sent_to = select! {
                        send(b_tx, 11) -> _ => "bounded",
                        send(z_tx, 12) -> _ => "zero",
                        send(u_tx, 13) -> r => { r.unwrap(); "unbounded" },
                        recv(off) -> _ => "never",
                    };
                    assert_eq!(sent_to, "unbounded");
                    assert_eq!(u_rx.try_recv(), Ok(13));

                    // The dynamic `Select`, over the same mix and a ticker.
                    let ticks = tick(Duration::from_millis(5));
                    let mut sel = Select::new();
                    let i_b = sel.recv(&b_rx);
                    let i_u = sel.recv(&u_rx);
                    let i_off = sel.recv(&off);
                    let i_tick = sel.recv(&ticks);
                    let i_z = sel.send(&z_tx);
                    let mut seen_tick = false;
                    let mut seen_b = false;
                    while !(seen_tick && seen_b) {
                        let op = sel.select();
                        match op.index() {
                            i if i == i_b => {
                                assert_eq!(op.recv(&b_rx), Ok(10));
                                seen_b = true;
                            }
                            i if i == i_tick => {
                                op.recv(&ticks).unwrap();
                                seen_tick = true;
                            }
                            i if i == i_u || i == i_off || i == i_z => panic!("{side:?}: case {i}"),
                            i => panic!("unknown index {i}"),
                        }
                    }
                    // A disconnected bounded channel's receive is ready, with an error.
                    drop(b_tx);
                    let mut sel = Select::new();
                    sel.recv(&off);
                    let i_b = sel.recv(&b_rx);
                    let op = sel.select_timeout(SOON).expect("disconnected is ready");
                    assert_eq!(op.index(), i_b);
                    assert_eq!(op.recv(&b_rx), Err(RecvError));

                    // `at` with a deadline in the past is ready at once.
                    let past = at(Instant::now());
                    select! {
                        recv(past) -> t => assert!(t.is_ok()),
                        recv(off) -> _ => unreachable!(),
                        default(SOON) => panic!("{side:?}: at(now) did not fire"),
                    }
                });
            }
        },
    );
}

#[test]
fn select_biased_prefers_the_first_ready_case() {
    watched("select_biased_prefers_the_first_ready_case", || {
        for side in SIDES {
            as_main(side, move || {
                let (tx_a, rx_a) = unbounded::<u32>();
                let (tx_b, rx_b) = bounded::<u32>(1000);
                let (tx_c, rx_c) = chan::<u32>(1000);
                for i in 0..1000 {
                    tx_b.send(i).unwrap();
                    tx_c.send(i).unwrap();
                }
                // a is never ready; b always is, until drained; c comes after b.
                for i in 0..1000 {
                    let got = select_biased! {
                        recv(rx_a) -> _ => panic!("nothing was sent on a"),
                        recv(rx_b) -> v => v.unwrap(),
                        recv(rx_c) -> _ => panic!("{side:?}: c chosen while b was ready"),
                    };
                    assert_eq!(got, i);
                }
                tx_a.send(7).unwrap();
                let first = select_biased! {
                    recv(rx_c) -> _ => "c",
                    recv(rx_a) -> _ => "a",
                    default => "default",
                };
                assert_eq!(first, "c", "{side:?}");

                let mut sel = Select::new_biased();
                let i_c = sel.recv(&rx_c);
                sel.recv(&rx_a);
                for _ in 0..100 {
                    let op = sel.try_select().expect("both ready");
                    assert_eq!(op.index(), i_c, "{side:?}: Select::new_biased");
                    op.recv(&rx_c).unwrap();
                }
                drop(tx_b);
            });
        }
    });
}

#[test]
fn select_shares_two_always_ready_unbounded_channels_fairly() {
    watched(
        "select_shares_two_always_ready_unbounded_channels_fairly",
        || {
            const ROUNDS: usize = 10_000;
            for side in SIDES {
                let counts = as_main(side, move || {
                    let (tx_a, rx_a) = unbounded::<()>();
                    let (tx_b, rx_b) = unbounded::<()>();
                    for _ in 0..ROUNDS {
                        tx_a.send(()).unwrap();
                        tx_b.send(()).unwrap();
                    }
                    let mut counts = HashMap::new();
                    for _ in 0..ROUNDS {
                        let which = select! {
                            recv(rx_a) -> v => { v.unwrap(); "a" },
                            recv(rx_b) -> v => { v.unwrap(); "b" },
                        };
                        *counts.entry(which).or_insert(0usize) += 1;
                    }
                    let mut sel = Select::new();
                    let i_a = sel.recv(&rx_a);
                    sel.recv(&rx_b);
                    for _ in 0..ROUNDS / 2 {
                        let op = sel.select();
                        let which = if op.index() == i_a {
                            op.recv(&rx_a).unwrap();
                            "sel a"
                        } else {
                            op.recv(&rx_b).unwrap();
                            "sel b"
                        };
                        *counts.entry(which).or_insert(0usize) += 1;
                    }
                    counts
                });
                // Uniform choice gives 5,000 +- 50 (one standard deviation); 35% is far out.
                for (key, rounds) in [("a", ROUNDS), ("b", ROUNDS)] {
                    let n = counts.get(key).copied().unwrap_or(0);
                    assert!(n > rounds * 35 / 100, "{side:?}: {counts:?}");
                }
                for key in ["sel a", "sel b"] {
                    let n = counts.get(key).copied().unwrap_or(0);
                    assert!(n > ROUNDS / 2 * 35 / 100, "{side:?}: {counts:?}");
                }
            }
        },
    );
}

// ---- smaller properties crossbeam's users rely on ----

/// A send that has returned is visible at once: right after it, `try_recv` on the same channel
/// gets a value (crossbeam's "linearizable").
#[test]
fn a_completed_send_is_seen_by_an_immediate_try_recv() {
    watched("a_completed_send_is_seen_by_an_immediate_try_recv", || {
        const PARTIES: usize = 4;
        for flavor in [List, Array(PARTIES)] {
            let (tx, rx) = make::<usize>(flavor);
            let parties: Vec<_> = (0..PARTIES)
                .map(|p| {
                    let (tx, rx) = (tx.clone(), rx.clone());
                    spawn(SIDES[p % 2], move || {
                        for i in 0..10_000 {
                            tx.send(i).unwrap();
                            if let Err(e) = rx.try_recv() {
                                panic!("{flavor:?} party {p}: {e:?} right after a send");
                            }
                        }
                    })
                })
                .collect();
            for p in parties {
                p.join();
            }
            assert!(rx.is_empty(), "{flavor:?}");
        }
    });
}

/// `len()` never exceeds a bounded channel's capacity, whatever the traffic.
#[test]
fn len_stays_within_capacity_under_traffic() {
    watched("len_stays_within_capacity_under_traffic", || {
        const CAP: usize = 8;
        for (s_side, r_side) in common_stress::side_pairs() {
            let (tx, rx) = bounded::<usize>(CAP);
            let sender = spawn(s_side, move || {
                for i in 0..20_000 {
                    tx.send(i).unwrap();
                    assert!(tx.len() <= CAP, "len {} > {CAP}", tx.len());
                }
            });
            let receiver = spawn(r_side, move || {
                for i in 0..20_000 {
                    assert_eq!(rx.recv(), Ok(i));
                    assert!(rx.len() <= CAP, "len {} > {CAP}", rx.len());
                }
                rx
            });
            sender.join();
            let rx = receiver.join();
            assert_eq!((rx.len(), rx.recv()), (0, Err(RecvError)));
        }
    });
}

/// A send case's message is evaluated only if that case is chosen.
#[test]
fn a_send_cases_message_is_evaluated_only_when_chosen() {
    watched("a_send_cases_message_is_evaluated_only_when_chosen", || {
        for flavor in [Array(1), Zero] {
            let (tx, rx) = make::<u32>(flavor);
            if flavor != Zero {
                tx.send(1).unwrap();
            }
            let mut evaluated = false;
            select! {
                send(tx, { evaluated = true; 2 }) -> _ => panic!("{flavor:?}: no room"),
                default => {}
            }
            assert!(!evaluated, "{flavor:?}: message built for a case not taken");
            drop(rx);
        }
        // Chosen: evaluated once, after the choice (so it may itself use the channel).
        let (tx, rx) = bounded::<u32>(2);
        tx.send(1).unwrap();
        select! {
            send(tx, rx.recv().unwrap() + 10) -> r => r.unwrap(),
        }
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), [11]);
    });
}

/// The same receiver in several cases: each case gets a share.
#[test]
fn select_over_one_receiver_in_several_cases_spreads_its_choices() {
    watched(
        "select_over_one_receiver_in_several_cases_spreads_its_choices",
        || {
            const ROUNDS: usize = 10_000;
            let (tx, rx) = unbounded::<()>();
            for _ in 0..ROUNDS {
                tx.send(()).unwrap();
            }
            let mut hits = [0usize; 4];
            for _ in 0..ROUNDS {
                select! {
                    recv(rx) -> _ => hits[0] += 1,
                    recv(rx) -> _ => hits[1] += 1,
                    recv(&rx) -> _ => hits[2] += 1,
                    recv(&rx) -> _ => hits[3] += 1,
                }
            }
            assert!(hits.iter().all(|&h| h > ROUNDS / 4 / 2), "{hits:?}");
            assert!(rx.is_empty());
        },
    );
}

/// Channels sent through channels (type-erased), a long chain of them, on both sides.
#[test]
fn channels_travel_through_channels() {
    watched("channels_travel_through_channels", || {
        type Boxed = Box<dyn std::any::Any + Send>;
        for (s_side, r_side) in common_stress::side_pairs() {
            for flavor in FLAVORS {
                let (tx, rx) = make::<Boxed>(flavor);
                let sender = spawn(s_side, move || {
                    let mut tx = tx;
                    for _ in 0..300 {
                        let (next_tx, next_rx) = make::<Boxed>(flavor);
                        tx.send(Box::new(next_rx)).unwrap();
                        tx = next_tx;
                    }
                    tx.send(Box::new("end")).unwrap();
                });
                let receiver = spawn(r_side, move || {
                    let mut rx = rx;
                    let mut hops = 0;
                    loop {
                        let got = rx.recv().unwrap();
                        match got.downcast::<Receiver<Boxed>>() {
                            Ok(next) => rx = *next,
                            Err(other) => {
                                assert_eq!(*other.downcast::<&str>().unwrap(), "end");
                                return hops;
                            }
                        }
                        hops += 1;
                    }
                });
                sender.join();
                assert_eq!(receiver.join(), 300, "{flavor:?} {s_side:?}/{r_side:?}");
            }
        }
    });
}
