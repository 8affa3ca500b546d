//! What ends a channel, by constructor: a Go `chan` ends only at `close` (dropping every sender
//! or every receiver changes nothing, and an operation that can never complete waits), while
//! `bounded` and `unbounded` are disconnected, crossbeam's way, when either side is gone.
//!
//! Each rule is checked for both kinds, with the waiting party on a plain thread and on a
//! coroutine. "Waits" is checked with a timeout: the operation must time out (not fail), and a
//! `select!` must take another case.

mod common;
mod common_stress;

use std::time::Duration;

use common_stress::{spawn, spawn_started, SETTLE, SIDES};
use offshoot::{
    bounded, chan, select, unbounded, Receiver, RecvTimeoutError, Select, SendError,
    SendTimeoutError, Sender, TryRecvError, TrySendError,
};

/// How long a party that must keep waiting is watched. Long enough that a wrong wake-up (they
/// come at once) is seen; the checks hold whatever the machine's speed.
const WAIT: Duration = Duration::from_millis(150);

fn watched(name: &str, f: impl FnOnce() + Send + 'static) {
    common::watchdog(name, common::WATCHDOG_SECS, f)
}

// ---- the last sender dropped ----

#[test]
fn a_chan_receiver_waits_on_after_the_last_sender_is_dropped() {
    watched(
        "a_chan_receiver_waits_on_after_the_last_sender_is_dropped",
        || {
            for side in SIDES {
                for cap in [0, 1, 4] {
                    let (tx, rx) = chan::<u32>(cap);
                    if cap > 0 {
                        tx.send(7).unwrap();
                    }
                    let clone = tx.clone();
                    let receiver = spawn_started(side, move || {
                        let first = if cap > 0 { rx.recv().ok() } else { None };
                        (first, rx.recv_timeout(WAIT), rx.try_recv(), rx.is_closed())
                    });
                    drop(tx);
                    drop(clone);
                    let (first, waited, tried, closed) = receiver.join();
                    assert_eq!(
                        first,
                        (cap > 0).then_some(7),
                        "{side:?} cap {cap}: buffered value"
                    );
                    assert_eq!(
                        waited,
                        Err(RecvTimeoutError::Timeout),
                        "{side:?} cap {cap}: a chan without senders is not closed"
                    );
                    assert_eq!(tried, Err(TryRecvError::Empty), "{side:?} cap {cap}");
                    assert!(!closed, "{side:?} cap {cap}: is_closed without close()");
                }
            }
        },
    );
}

#[test]
fn a_bounded_receiver_gets_err_at_once_when_the_last_sender_is_dropped() {
    watched(
        "a_bounded_receiver_gets_err_at_once_when_the_last_sender_is_dropped",
        || {
            for side in SIDES {
                for kind in ["bounded(0)", "bounded(2)", "unbounded"] {
                    let (tx, rx) = match kind {
                        "bounded(0)" => bounded::<u32>(0),
                        "bounded(2)" => bounded::<u32>(2),
                        _ => unbounded::<u32>(),
                    };
                    if kind != "bounded(0)" {
                        tx.send(7).unwrap();
                    }
                    let clone = tx.clone();
                    let receiver = spawn_started(side, move || {
                        let mut got = Vec::new();
                        // No timeout: only the disconnection can end this loop.
                        for v in &rx {
                            got.push(v);
                        }
                        (got, rx.recv(), rx.try_recv(), rx.is_disconnected())
                    });
                    drop(tx);
                    std::thread::sleep(SETTLE);
                    assert!(
                        !receiver.is_finished(),
                        "{side:?} {kind}: one of two senders dropped ended the receiver"
                    );
                    drop(clone);
                    let (got, recv, tried, disconnected) = receiver.join();
                    let want: Vec<u32> = if kind == "bounded(0)" {
                        vec![]
                    } else {
                        vec![7]
                    };
                    assert_eq!(got, want, "{side:?} {kind}: drained first");
                    assert!(recv.is_err(), "{side:?} {kind}");
                    assert_eq!(tried, Err(TryRecvError::Disconnected), "{side:?} {kind}");
                    assert!(disconnected, "{side:?} {kind}");
                }
            }
        },
    );
}

#[test]
fn a_select_ignores_a_chan_whose_senders_are_gone_but_takes_a_bounded_ones_err() {
    watched(
        "a_select_ignores_a_chan_whose_senders_are_gone_but_takes_a_bounded_ones_err",
        || {
            for side in SIDES {
                let (gone_tx, gone) = chan::<u32>(0);
                let (live_tx, live) = chan::<u32>(0);
                let selector = spawn_started(side, move || {
                    let mut picks = Vec::new();
                    // The first select parks with both cases queued, then the dead case's
                    // senders go; it must still wait for the live one.
                    select! {
                        recv(gone) -> v => picks.push(format!("gone {v:?}")),
                        recv(live) -> v => picks.push(format!("live {v:?}")),
                    }
                    select! {
                        recv(gone) -> v => picks.push(format!("gone {v:?}")),
                        default(WAIT) => picks.push("default".to_string()),
                    }
                    let mut sel = Select::new();
                    sel.recv(&gone);
                    picks.push(format!("{:?}", sel.select_timeout(WAIT).map(|_| "ready")));
                    picks
                });
                drop(gone_tx);
                std::thread::sleep(SETTLE);
                live_tx.send(1).unwrap();
                assert_eq!(
                    selector.join(),
                    ["live Ok(1)", "default", "Err(SelectTimeoutError)"],
                    "{side:?}"
                );

                let (gone_tx, gone) = bounded::<u32>(0);
                let (_live_tx, live) = bounded::<u32>(0);
                let selector = spawn_started(side, move || {
                    select! {
                        recv(gone) -> v => v.is_err(),
                        recv(live) -> _ => false,
                    }
                });
                drop(gone_tx);
                assert!(selector.join(), "{side:?}: the bounded case fires with Err");
            }
        },
    );
}

// ---- the last receiver dropped ----

#[test]
fn a_chan_sender_waits_on_after_the_last_receiver_is_dropped() {
    watched(
        "a_chan_sender_waits_on_after_the_last_receiver_is_dropped",
        || {
            for side in SIDES {
                for cap in [0, 2] {
                    let (tx, rx) = chan::<String>(cap);
                    let rx2 = rx.clone();
                    for i in 0..cap {
                        tx.send(format!("fill {i}")).unwrap();
                    }
                    let tx2 = tx.clone();
                    let sender =
                        spawn_started(side, move || tx2.send_timeout("parked".into(), WAIT));
                    drop(rx);
                    drop(rx2);
                    assert_eq!(
                        sender.join(),
                        Err(SendTimeoutError::Timeout("parked".to_string())),
                        "{side:?} cap {cap}: the parked send times out, it does not fail"
                    );
                    assert_eq!(
                        tx.try_send("later".into()),
                        Err(TrySendError::Full("later".to_string())),
                        "{side:?} cap {cap}"
                    );
                    assert!(!tx.is_disconnected(), "{side:?} cap {cap}");
                    // close() still ends it, for everyone.
                    assert!(tx.close());
                    assert_eq!(tx.send("x".into()), Err(SendError("x".to_string())));
                }
            }
        },
    );
}

#[test]
fn a_buffered_chan_accepts_sends_without_receivers_until_full() {
    watched(
        "a_buffered_chan_accepts_sends_without_receivers_until_full",
        || {
            let (tx, rx) = chan::<u32>(3);
            drop(rx);
            for i in 0..3 {
                tx.send(i).unwrap(); // Go: a buffered send needs room, not a receiver
            }
            assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
        },
    );
}

#[test]
fn a_bounded_sender_fails_at_once_when_the_last_receiver_is_dropped() {
    watched(
        "a_bounded_sender_fails_at_once_when_the_last_receiver_is_dropped",
        || {
            for side in SIDES {
                for cap in [0, 2] {
                    let (tx, rx) = bounded::<String>(cap);
                    for i in 0..cap {
                        tx.send(format!("fill {i}")).unwrap();
                    }
                    let tx2 = tx.clone();
                    // No timeout: only the disconnection can end this send.
                    let sender = spawn_started(side, move || tx2.send("parked".into()));
                    drop(rx);
                    assert_eq!(
                        sender.join(),
                        Err(SendError("parked".to_string())),
                        "{side:?} cap {cap}: the message comes back"
                    );
                    assert!(tx.is_disconnected());
                    assert_eq!(
                        tx.try_send("later".into()),
                        Err(TrySendError::Closed("later".to_string()))
                    );
                }
            }
            let (tx, rx) = unbounded::<u32>();
            drop(rx);
            assert_eq!(tx.send(1), Err(SendError(1)));
        },
    );
}

/// Go's "first response wins": three replicas answer on an unbuffered channel, the caller takes
/// the first answer and goes. The losers stay blocked on their send; none fails or panics.
#[test]
fn losers_of_a_first_response_wins_race_stay_blocked_on_a_chan() {
    common::run_watched("losers_of_a_first_response_wins_race_stay_blocked", || {
        let (results, losers_tx, losers_rx) = {
            let (tx, rx) = chan::<u32>(0);
            let (losers_tx, losers_rx) = chan::<Result<(), SendError<u32>>>(3);
            (rx, (tx, losers_tx), losers_rx)
        };
        let (tx, outcome) = losers_tx;
        for replica in 0..3 {
            let (tx, outcome) = (tx.clone(), outcome.clone());
            offshoot::go(move || outcome.send(tx.send(replica)).unwrap());
        }
        drop(tx);
        let first = results.recv().unwrap();
        assert!(first < 3);
        drop(results);
        // The winner's send returned Ok; the other two wait for ever, as in Go.
        assert_eq!(losers_rx.recv(), Ok(Ok(())));
        assert_eq!(
            losers_rx.recv_timeout(WAIT),
            Err(RecvTimeoutError::Timeout),
            "a loser's send returned (it must stay blocked)"
        );
    });
}

// ---- unbounded ----

#[test]
fn unbounded_takes_a_million_sends_without_a_receiver_and_keeps_their_order() {
    watched("unbounded_takes_a_million_sends_without_a_receiver", || {
        for side in SIDES {
            let (tx, rx) = unbounded::<u32>();
            let tx = spawn(side, move || {
                for i in 0..1_000_000 {
                    tx.try_send(i).expect("an unbounded send never waits");
                }
                tx
            })
            .join();
            assert_eq!(rx.len(), 1_000_000);
            assert!(!rx.is_full());
            assert_eq!(rx.capacity(), None);
            drop(tx);
            let mut expect = 0;
            for v in &rx {
                assert_eq!(v, expect);
                expect += 1;
            }
            assert_eq!(expect, 1_000_000, "{side:?}");
        }
    });
}

// ---- one select over both kinds ----

/// `chan`, `bounded` and `unbounded` give the same types, so one `select!` mixes them, and each
/// case keeps its own kind's rule.
#[test]
fn one_select_mixes_both_kinds() {
    watched("one_select_mixes_both_kinds", || {
        let (go_tx, go_rx): (Sender<u32>, Receiver<u32>) = chan(1);
        let (cb_tx, cb_rx): (Sender<u32>, Receiver<u32>) = unbounded();
        go_tx.send(1).unwrap();
        cb_tx.send(2).unwrap();
        drop((go_tx, cb_tx));
        let mut seen = Vec::new();
        for _ in 0..50 {
            select! {
                recv(go_rx) -> v => seen.push(format!("go {v:?}")),
                recv(cb_rx) -> v => seen.push(format!("cb {v:?}")),
                default(WAIT) => seen.push("default".to_string()),
            }
        }
        // The Go channel gives its value, then waits; the unbounded one gives its value, then
        // reports the disconnection every time it is asked (so the default is never taken).
        let count = |what: &str| seen.iter().filter(|s| *s == what).count();
        assert_eq!(count("go Ok(1)"), 1, "{seen:?}");
        assert_eq!(count("cb Ok(2)"), 1, "{seen:?}");
        assert_eq!(count("cb Err(RecvError)"), 48, "{seen:?}");
    });
}
