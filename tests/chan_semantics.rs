//! Semantics of `Sender` and `Receiver`: every public method, closed channels, the last sender
//! or receiver of a `bounded` channel going away, the error types, `never()`, `time::after`/`tick`
//! in a select, and the unbuffered rendezvous; each from plain threads and from coroutines, mixed.
//! (What dropping the handles of a Go `chan` does, or does not do, is `chan_lifetime.rs`'s.)
//!
//! Every test runs under a watchdog on a plain thread. Parties run on either side through
//! `common_stress::spawn`; a plain thread is joined only from a plain thread (joining it from a
//! coroutine would block its worker).

mod common;
mod common_stress;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common_stress::{side_pairs, spawn, Counted, DropTally, Side, SIDES};
use offshoot::{
    bounded, chan, never, select, ReadyTimeoutError, Receiver, RecvError, RecvTimeoutError, Select,
    SelectTimeoutError, SendError, SendTimeoutError, Sender, TryReadyError, TryRecvError,
    TrySelectError, TrySendError,
};

/// A short wait: long enough for a parked party to park on a quiet machine, short enough to
/// repeat. Assertions never depend on it.
const SHORT: Duration = Duration::from_millis(20);

/// Runs `f` under the watchdog, on a plain thread.
fn watched(name: &str, f: impl FnOnce() + Send + 'static) {
    common::watchdog(name, common::WATCHDOG_SECS, f)
}

/// Runs `f` on `side` and waits for it from the calling (plain) thread.
fn on<T: Send + 'static>(side: Side, f: impl FnOnce() -> T + Send + 'static) -> T {
    spawn(side, f).join()
}

/// A handshake: the returned sender says "I have started"; `wait_started` waits for it and then
/// gives the other party `SHORT` to reach its parking point (a path made likely, never assumed).
fn handshake() -> (Sender<()>, Receiver<()>) {
    chan(0)
}

fn wait_started(started: &Receiver<()>) {
    started.recv().expect("the other party did not start");
    offshoot::time::sleep(SHORT);
}

// ---- send, recv and their variants ----

#[test]
fn send_and_recv_between_every_pair_of_sides() {
    watched("send_and_recv_between_every_pair_of_sides", || {
        for (tx_side, rx_side) in side_pairs() {
            for cap in [0, 1, 3, 100] {
                let (tx, rx) = chan::<u32>(cap);
                let sender = spawn(tx_side, move || {
                    for i in 0..500 {
                        tx.send(i).unwrap();
                    }
                    tx.close();
                });
                let receiver = spawn(rx_side, move || rx.iter().collect::<Vec<_>>());
                sender.join();
                assert_eq!(
                    receiver.join(),
                    (0..500).collect::<Vec<_>>(),
                    "{tx_side:?} sender, {rx_side:?} receiver, cap {cap}"
                );
            }
        }
    });
}

#[test]
fn try_send_reports_full_and_closed_with_the_value() {
    watched("try_send_reports_full_and_closed_with_the_value", || {
        for side in SIDES {
            on(side, || {
                let (tx, rx) = chan::<String>(2);
                assert_eq!(tx.try_send("a".into()), Ok(()));
                tx.try_send("b".into()).unwrap();
                let err = tx.try_send("c".into()).unwrap_err();
                assert!(err.is_full() && !err.is_closed());
                assert_eq!(err, TrySendError::Full("c".to_string()));
                assert_eq!(err.into_inner(), "c");
                assert!(tx.is_full());
                assert_eq!(rx.recv().unwrap(), "a");
                tx.try_send("d".into()).unwrap();
                assert!(tx.close());
                let err = tx.try_send("e".into()).unwrap_err();
                assert!(err.is_closed() && !err.is_full());
                assert_eq!(err.into_inner(), "e");
                assert_eq!(rx.iter().collect::<Vec<_>>(), ["b", "d"]);
            });
        }
    });
}

#[test]
fn try_send_on_unbuffered_succeeds_only_with_a_waiting_receiver() {
    watched(
        "try_send_on_unbuffered_succeeds_only_with_a_waiting_receiver",
        || {
            for (tx_side, rx_side) in side_pairs() {
                on(tx_side, move || {
                    let (tx, rx) = chan::<u32>(0);
                    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
                    let (started_tx, started_rx) = handshake();
                    let receiver = spawn(rx_side, move || {
                        started_tx.send(()).unwrap();
                        rx.recv()
                    });
                    started_rx.recv().unwrap();
                    // The receiver may not have parked yet: a `Full` then is right, and the value
                    // comes back. Once it is parked, try_send must hand the value over.
                    let mut v = 7;
                    loop {
                        match tx.try_send(v) {
                            Ok(()) => break,
                            Err(TrySendError::Full(back)) => {
                                v = back;
                                offshoot::time::sleep(Duration::from_millis(1));
                            }
                            Err(TrySendError::Closed(_)) => panic!("try_send: closed"),
                        }
                    }
                    let got = poll_join(receiver);
                    assert_eq!(got, Ok(7));
                });
            }
        },
    );
}

#[test]
fn send_timeout_and_send_deadline() {
    watched("send_timeout_and_send_deadline", || {
        for (side, peer) in side_pairs() {
            on(side, move || {
                let (tx, rx) = chan::<u32>(1);
                tx.send_timeout(1, SHORT).unwrap();
                // Full: times out, no earlier than asked, with the value back.
                let start = Instant::now();
                let err = tx.send_timeout(2, SHORT).unwrap_err();
                assert!(start.elapsed() >= SHORT, "send_timeout returned early");
                assert!(err.is_timeout() && !err.is_closed());
                assert_eq!(err, SendTimeoutError::Timeout(2));
                assert_eq!(
                    tx.send_deadline(3, Instant::now()),
                    Err(SendTimeoutError::Timeout(3))
                );
                let past = Instant::now() - Duration::from_millis(1);
                assert_eq!(tx.send_deadline(3, past).unwrap_err().into_inner(), 3);

                // Room freed by a receiver while waiting: both succeed.
                let (go_tx, go_rx) = chan::<()>(0);
                let rx2 = rx.clone();
                let receiver = spawn(peer, move || {
                    go_rx.recv().unwrap();
                    offshoot::time::sleep(SHORT);
                    let first = rx2.recv().unwrap();
                    offshoot::time::sleep(SHORT);
                    (first, rx2.recv().unwrap())
                });
                go_tx.send(()).unwrap();
                assert_eq!(tx.send_timeout(4, Duration::from_secs(20)), Ok(()));
                assert_eq!(
                    tx.send_deadline(5, Instant::now() + Duration::from_secs(20)),
                    Ok(())
                );
                assert_eq!(poll_join(receiver), (1, 4));
                assert_eq!(rx.try_recv(), Ok(5));

                // A huge timeout is a plain send, not an overflow.
                let (tx2, rx2) = chan::<u32>(1);
                assert_eq!(tx2.send_timeout(9, Duration::MAX), Ok(()));
                assert_eq!(rx2.recv(), Ok(9));

                // Closed: fails at once with the value, whatever the timeout.
                tx2.close();
                let err = tx2.send_timeout(6, Duration::from_secs(60)).unwrap_err();
                assert!(err.is_closed() && !err.is_timeout());
                assert_eq!(err, SendTimeoutError::Closed(6));
                assert_eq!(
                    tx2.send_deadline(7, Instant::now() + Duration::from_secs(60)),
                    Err(SendTimeoutError::Closed(7))
                );
            });
        }
    });
}

#[test]
fn a_parked_timed_send_is_woken_by_close_and_by_the_last_receiver_leaving() {
    watched(
        "a_parked_timed_send_is_woken_by_close_and_by_the_last_receiver_leaving",
        || {
            for side in SIDES {
                for cap in [0, 1] {
                    for by_close in [true, false] {
                        // Close ends a Go channel; the last receiver leaving ends only a
                        // crossbeam one.
                        let (tx, rx) = if by_close {
                            chan::<String>(cap)
                        } else {
                            bounded::<String>(cap)
                        };
                        for _ in 0..cap {
                            tx.send("fill".into()).unwrap();
                        }
                        let (started_tx, started_rx) = handshake();
                        let tx2 = tx.clone();
                        let sender = spawn(side, move || {
                            started_tx.send(()).unwrap();
                            tx2.send_timeout("parked".into(), Duration::from_secs(20))
                        });
                        wait_started(&started_rx);
                        if by_close {
                            assert!(tx.close());
                        } else {
                            drop(rx);
                        }
                        // Parked or not yet: either way the channel was closed before it could
                        // complete, and the message comes back.
                        assert_eq!(
                            sender.join(),
                            Err(SendTimeoutError::Closed("parked".to_string())),
                            "{side:?}, cap {cap}, by_close {by_close}"
                        );
                    }
                }
            }
        },
    );
}

#[test]
fn close_returns_true_once_and_is_closed_follows() {
    watched("close_returns_true_once_and_is_closed_follows", || {
        for side in SIDES {
            on(side, || {
                let (tx, rx) = chan::<i32>(0);
                let tx2 = tx.clone();
                assert!(!tx.is_closed() && !rx.is_closed() && !tx2.is_closed());
                assert!(tx2.close(), "the first close returns true");
                assert!(!tx.close(), "a second close returns false");
                assert!(!tx2.close());
                assert!(tx.is_closed() && rx.is_closed() && tx2.is_closed());
                assert!(rx.clone().is_closed());
            });
        }
        // Racing closes: exactly one of them reports it closed the channel.
        for round in 0..200 {
            let (tx, _rx) = chan::<i32>(round % 2);
            let wins = Arc::new(AtomicUsize::new(0));
            let closers: Vec<_> = (0..4)
                .map(|i| {
                    let (tx, wins) = (tx.clone(), wins.clone());
                    spawn(SIDES[i % 2], move || {
                        if tx.close() {
                            wins.fetch_add(1, Ordering::SeqCst);
                        }
                    })
                })
                .collect();
            for c in closers {
                c.join();
            }
            assert_eq!(wins.load(Ordering::SeqCst), 1, "round {round}");
        }
    });
}

#[test]
fn len_is_empty_is_full_and_capacity() {
    watched("len_is_empty_is_full_and_capacity", || {
        let (tx, rx) = chan::<u8>(3);
        assert_eq!((tx.capacity(), rx.capacity()), (Some(3), Some(3)));
        for n in 0..3u8 {
            assert_eq!((tx.len(), rx.len()), (n as usize, n as usize));
            assert_eq!(tx.is_empty(), n == 0);
            assert_eq!(rx.is_empty(), n == 0);
            assert!(!tx.is_full() && !rx.is_full());
            tx.send(n).unwrap();
        }
        assert!(tx.is_full() && rx.is_full());
        assert_eq!((tx.len(), rx.len()), (3, 3));
        tx.close();
        assert_eq!(rx.len(), 3, "closing keeps the buffered values");
        assert!(rx.is_full());
        rx.recv().unwrap();
        assert_eq!((tx.len(), rx.len()), (2, 2));
        assert!(!rx.is_full() && !rx.is_empty());
        assert_eq!(rx.try_iter().count(), 2);
        assert!(tx.is_empty() && rx.is_empty());

        let (tx, rx) = chan::<u8>(0);
        assert_eq!((tx.capacity(), rx.capacity()), (Some(0), Some(0)));
        assert_eq!((tx.len(), rx.len()), (0, 0));
        assert!(tx.is_empty() && rx.is_empty());
        assert!(tx.is_full() && rx.is_full(), "unbuffered is always full");

        let (tx, rx) = chan::<u8>(1000);
        assert_eq!(tx.capacity(), Some(1000));
        for i in 0..1000 {
            tx.try_send((i % 256) as u8).unwrap();
        }
        assert_eq!(rx.len(), 1000);
        assert!(tx.try_send(0).unwrap_err().is_full());
    });
}

#[test]
fn same_channel() {
    let (tx, rx) = chan::<i32>(1);
    let (tx2, rx2) = chan::<i32>(1);
    assert!(tx.same_channel(&tx));
    assert!(tx.same_channel(&tx.clone()));
    assert!(!tx.same_channel(&tx2));
    assert!(rx.same_channel(&rx.clone()));
    assert!(!rx.same_channel(&rx2));
    assert!(!never::<i32>().same_channel(&never()));
    let n = never::<i32>();
    assert!(n.same_channel(&n.clone()));
    drop((tx2, rx2));
}

#[test]
fn recv_try_recv_recv_timeout_recv_deadline() {
    watched("recv_try_recv_recv_timeout_recv_deadline", || {
        for side in SIDES {
            on(side, || {
                let (tx, rx) = chan::<i32>(2);
                assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
                assert!(rx.try_recv().unwrap_err().is_empty());
                let start = Instant::now();
                assert_eq!(rx.recv_timeout(SHORT), Err(RecvTimeoutError::Timeout));
                assert!(start.elapsed() >= SHORT, "recv_timeout returned early");
                assert!(rx.recv_timeout(SHORT).unwrap_err().is_timeout());
                assert_eq!(
                    rx.recv_deadline(Instant::now()),
                    Err(RecvTimeoutError::Timeout)
                );
                let past = Instant::now() - Duration::from_millis(5);
                assert_eq!(rx.recv_deadline(past), Err(RecvTimeoutError::Timeout));

                tx.send(1).unwrap();
                tx.send(2).unwrap();
                assert_eq!(rx.recv_timeout(SHORT), Ok(1));
                assert_eq!(
                    rx.recv_deadline(past),
                    Ok(2),
                    "a ready value beats a past deadline"
                );
                tx.send(3).unwrap();
                assert_eq!(rx.recv_timeout(Duration::MAX), Ok(3));
                tx.send(4).unwrap();
                tx.close();
                assert_eq!(rx.try_recv(), Ok(4), "buffered values survive the close");
                assert_eq!(rx.recv(), Err(RecvError));
                assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
                assert!(rx.try_recv().unwrap_err().is_closed());
                assert_eq!(rx.recv_timeout(SHORT), Err(RecvTimeoutError::Closed));
                assert!(rx.recv_timeout(SHORT).unwrap_err().is_closed());
                assert_eq!(rx.recv_deadline(past), Err(RecvTimeoutError::Closed));
                assert_eq!(
                    rx.recv_timeout(Duration::MAX),
                    Err(RecvTimeoutError::Closed)
                );
            });
        }
    });
}

#[test]
fn a_timed_recv_is_woken_by_a_send_and_by_close() {
    watched("a_timed_recv_is_woken_by_a_send_and_by_close", || {
        for (rx_side, tx_side) in side_pairs() {
            for cap in [0, 1] {
                for by_close in [false, true] {
                    let (tx, rx) = chan::<u32>(cap);
                    let (started_tx, started_rx) = handshake();
                    let receiver = spawn(rx_side, move || {
                        started_tx.send(()).unwrap();
                        let start = Instant::now();
                        let got = rx.recv_timeout(Duration::from_secs(20));
                        (got, start.elapsed())
                    });
                    let sender = spawn(tx_side, move || {
                        wait_started(&started_rx);
                        if by_close {
                            tx.close();
                        } else {
                            tx.send(5).unwrap();
                        }
                    });
                    let (got, _) = receiver.join();
                    sender.join();
                    let want = if by_close {
                        Err(RecvTimeoutError::Closed)
                    } else {
                        Ok(5)
                    };
                    assert_eq!(
                        got, want,
                        "{rx_side:?} receiver, {tx_side:?} peer, cap {cap}"
                    );
                }
            }
        }
    });
}

#[test]
fn iter_ends_at_close_and_drain_and_try_iter_takes_what_is_there() {
    watched(
        "iter_ends_at_close_and_drain_and_try_iter_takes_what_is_there",
        || {
            for side in SIDES {
                on(side, || {
                    let (tx, rx) = chan::<i32>(5);
                    assert_eq!(rx.try_iter().count(), 0, "try_iter on empty does not wait");
                    for i in 0..5 {
                        tx.send(i).unwrap();
                    }
                    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
                    for i in 5..8 {
                        tx.send(i).unwrap();
                    }
                    assert_eq!(rx.try_iter().take(2).collect::<Vec<_>>(), [5, 6]);
                    tx.close();
                    assert_eq!(rx.iter().collect::<Vec<_>>(), [7]);
                    assert_eq!(rx.iter().next(), None, "iter stays ended");
                    assert_eq!(rx.try_iter().next(), None);
                });
            }
        },
    );
}

#[test]
fn into_iterator_for_receiver_and_ref_receiver() {
    watched("into_iterator_for_receiver_and_ref_receiver", || {
        for (rx_side, tx_side) in side_pairs() {
            on(rx_side, move || {
                let (tx, rx) = chan::<u32>(0);
                let producer = spawn(tx_side, move || {
                    for i in 0..100 {
                        tx.send(i).unwrap();
                    }
                    tx.close();
                });
                let mut by_ref = Vec::new();
                for v in &rx {
                    by_ref.push(v);
                }
                assert_eq!(by_ref, (0..100).collect::<Vec<_>>());
                poll_join(producer);

                let (tx, rx) = chan::<u32>(3);
                let producer = spawn(tx_side, move || {
                    for i in 0..100 {
                        tx.send(i).unwrap();
                    }
                    tx.close();
                });
                let owned: Vec<u32> = rx.into_iter().collect();
                assert_eq!(owned, (0..100).collect::<Vec<_>>());
                poll_join(producer);
            });
        }
    });
}

/// Joins `j` from whatever side the caller is on, without blocking a worker on a thread.
fn poll_join<T: Send + 'static>(j: common_stress::Joiner<T>) -> T {
    while !j.is_finished() {
        offshoot::time::sleep(Duration::from_millis(1));
    }
    j.join()
}

// ---- closing, and the ends going away ----

#[test]
fn buffered_values_are_received_after_close_then_err_and_sends_fail_with_the_value() {
    watched(
        "buffered_values_are_received_after_close_then_err_and_sends_fail_with_the_value",
        || {
            for side in SIDES {
                on(side, || {
                    let (tx, rx) = chan::<String>(3);
                    for s in ["x", "y", "z"] {
                        tx.send(s.to_string()).unwrap();
                    }
                    assert!(tx.close());
                    let err = tx.send("late".to_string()).unwrap_err();
                    assert_eq!(err, SendError("late".to_string()));
                    assert_eq!(err.into_inner(), "late");
                    assert_eq!(
                        tx.try_send("t".into()),
                        Err(TrySendError::Closed("t".into()))
                    );
                    assert_eq!(rx.recv().as_deref(), Ok("x"));
                    assert_eq!(rx.recv_timeout(SHORT).as_deref(), Ok("y"));
                    assert_eq!(rx.try_recv().as_deref(), Ok("z"));
                    assert_eq!(rx.recv(), Err(RecvError));
                    assert_eq!(rx.recv(), Err(RecvError), "closed stays closed");
                    assert_eq!(tx.send("later".into()).unwrap_err().0, "later");
                });
            }
        },
    );
}

#[test]
fn close_wakes_every_parked_receiver_and_sender() {
    watched("close_wakes_every_parked_receiver_and_sender", || {
        // Parked receivers on an empty channel: all get Err.
        let (tx, rx) = chan::<u32>(0);
        let (started_tx, started_rx) = chan::<()>(0);
        let receivers: Vec<_> = (0..6)
            .map(|i| {
                let (rx, started) = (rx.clone(), started_tx.clone());
                spawn(SIDES[i % 2], move || {
                    started.send(()).unwrap();
                    rx.recv()
                })
            })
            .collect();
        for _ in 0..6 {
            started_rx.recv().unwrap();
        }
        offshoot::time::sleep(SHORT);
        assert!(tx.close());
        for r in receivers {
            assert_eq!(r.join(), Err(RecvError));
        }

        // Parked senders on a full channel: all get their value back, and the buffered value
        // is still received.
        let (tx, rx) = chan::<u32>(1);
        tx.send(100).unwrap();
        let senders: Vec<_> = (0..6u32)
            .map(|i| {
                let (tx, started) = (tx.clone(), started_tx.clone());
                spawn(SIDES[i as usize % 2], move || {
                    started.send(()).unwrap();
                    tx.send(i).map_err(SendError::into_inner)
                })
            })
            .collect();
        for _ in 0..6 {
            started_rx.recv().unwrap();
        }
        offshoot::time::sleep(SHORT);
        assert!(tx.close());
        for (i, s) in senders.into_iter().enumerate() {
            assert_eq!(s.join(), Err(i as u32), "sender {i} got its value back");
        }
        assert_eq!(rx.recv(), Ok(100));
        assert_eq!(rx.recv(), Err(RecvError));
    });
}

#[test]
fn the_last_sender_of_a_bounded_channel_dropped_closes() {
    watched(
        "the_last_sender_of_a_bounded_channel_dropped_closes",
        || {
            for side in SIDES {
                for cap in [0, 2] {
                    let (tx, rx) = bounded::<u32>(cap);
                    let clones: Vec<Sender<u32>> = (0..3).map(|_| tx.clone()).collect();
                    if cap > 0 {
                        tx.send(1).unwrap();
                    }
                    let (started_tx, started_rx) = handshake();
                    let receiver = spawn(side, move || {
                        started_tx.send(()).unwrap();
                        rx.iter().collect::<Vec<_>>()
                    });
                    wait_started(&started_rx);
                    drop(tx);
                    for c in &clones[1..] {
                        assert!(!c.is_closed(), "closed while senders are left");
                    }
                    drop(clones);
                    let want = if cap > 0 { vec![1] } else { vec![] };
                    assert_eq!(receiver.join(), want, "{side:?}, cap {cap}");
                }
            }
        },
    );
}

#[test]
fn the_last_receiver_of_a_bounded_channel_dropped_fails_parked_and_later_sends() {
    watched(
        "the_last_receiver_of_a_bounded_channel_dropped_fails_parked_and_later_sends",
        || {
            for side in SIDES {
                for cap in [0, 1, 4] {
                    let (tx, rx) = bounded::<String>(cap);
                    for _ in 0..cap {
                        tx.send("fill".into()).unwrap();
                    }
                    let rx2 = rx.clone();
                    let (started_tx, started_rx) = handshake();
                    let tx2 = tx.clone();
                    let sender = spawn(side, move || {
                        started_tx.send(()).unwrap();
                        tx2.send("parked".into())
                    });
                    wait_started(&started_rx);
                    drop(rx);
                    offshoot::time::sleep(SHORT);
                    assert!(
                        !sender.is_finished(),
                        "{side:?}, cap {cap}: dropping one of two receivers ended the send"
                    );
                    drop(rx2);
                    let err = sender.join().unwrap_err();
                    assert_eq!(err.into_inner(), "parked", "{side:?}, cap {cap}");
                    assert_eq!(tx.send("later".into()), Err(SendError("later".to_string())));
                    assert_eq!(
                        tx.try_send("t".into()),
                        Err(TrySendError::Closed("t".into()))
                    );
                    assert_eq!(
                        tx.send_timeout("u".into(), Duration::from_secs(60)),
                        Err(SendTimeoutError::Closed("u".into()))
                    );
                }
            }
        },
    );
}

#[test]
fn buffered_values_are_dropped_exactly_once() {
    watched("buffered_values_are_dropped_exactly_once", || {
        // crossbeam's lifetime. The last receiver goes first: the buffer is dropped then, failed
        // sends hand back.
        let tally = DropTally::new();
        let (tx, rx) = bounded::<Counted>(5);
        for i in 0..5 {
            tx.send(tally.make(i)).unwrap(); // compiles though `Counted` is not Debug
        }
        let got = rx.recv().unwrap();
        assert_eq!(got.id, 0);
        drop(got);
        assert_eq!(tally.dropped(), 1);
        let rx2 = rx.clone();
        drop(rx);
        assert_eq!(tally.dropped(), 1, "a receiver is left: nothing dropped");
        drop(rx2);
        assert_eq!(
            tally.dropped(),
            5,
            "the last receiver drops the 4 buffered values"
        );
        let back = tx.send(tally.make(9)).unwrap_err().into_inner();
        assert_eq!(
            (back.id, tally.dropped()),
            (9, 5),
            "a failed send hands the value back"
        );
        drop(back);
        let back = tx.try_send(tally.make(10)).unwrap_err().into_inner();
        drop(back);
        drop(tx);
        assert_eq!((tally.made(), tally.dropped()), (7, 7));

        // The senders go first: the values stay receivable, then go with the last receiver.
        let tally = DropTally::new();
        let (tx, rx) = bounded::<Counted>(3);
        for i in 0..3 {
            tx.send(tally.make(i)).unwrap();
        }
        drop(tx);
        assert_eq!(tally.dropped(), 0);
        assert_eq!(rx.recv().unwrap().id, 0);
        assert_eq!(tally.dropped(), 1);
        drop(rx);
        assert_eq!((tally.made(), tally.dropped()), (3, 3));

        // Both ends dropped with values in flight to parked senders.
        for side in SIDES {
            let tally = DropTally::new();
            let (tx, rx) = bounded::<Counted>(1);
            tx.send(tally.make(0)).unwrap();
            let (started_tx, started_rx) = handshake();
            let (tx2, t2) = (tx.clone(), tally.clone());
            let sender = spawn(side, move || {
                started_tx.send(()).unwrap();
                tx2.send(t2.make(1)).map_err(|e| e.into_inner().id)
            });
            wait_started(&started_rx);
            drop(rx);
            assert_eq!(sender.join(), Err(1));
            drop(tx);
            assert_eq!(
                tally.live(),
                0,
                "{side:?}: a value leaked or was dropped twice"
            );
            assert_eq!(tally.made(), 2);
        }

        // Go's lifetime: dropping the receivers drops nothing; the buffered values go with
        // the channel, when its last handle does, whichever end that is.
        for receivers_last in [false, true] {
            let tally = DropTally::new();
            let (tx, rx) = chan::<Counted>(4);
            for i in 0..3 {
                tx.send(tally.make(i)).unwrap();
            }
            assert_eq!(rx.recv().unwrap().id, 0);
            let (first, last): (Box<dyn std::any::Any>, Box<dyn std::any::Any>) = if receivers_last
            {
                (Box::new(tx), Box::new(rx))
            } else {
                (Box::new(rx), Box::new(tx))
            };
            drop(first);
            assert_eq!(tally.dropped(), 1, "one end is left: the buffer stays");
            drop(last);
            assert_eq!((tally.made(), tally.dropped()), (3, 3));
        }
    });
}

// ---- error types ----

/// Neither `Debug` nor `Clone`.
#[derive(PartialEq)]
struct Opaque(u8);

fn is_copy<T: Copy>() {}
fn is_error<E: std::error::Error + Send + Sync + 'static>() {}

#[test]
fn error_types_display_debug_eq_clone_copy() {
    // Debug never needs T: Debug.
    assert_eq!(format!("{:?}", SendError(Opaque(1))), "SendError { .. }");
    assert_eq!(format!("{:?}", TrySendError::Full(Opaque(1))), "Full(..)");
    assert_eq!(
        format!("{:?}", TrySendError::Closed(Opaque(1))),
        "Closed(..)"
    );
    assert_eq!(
        format!("{:?}", SendTimeoutError::Timeout(Opaque(1))),
        "Timeout(..)"
    );
    assert_eq!(
        format!("{:?}", SendTimeoutError::Closed(Opaque(1))),
        "Closed(..)"
    );
    assert_eq!(format!("{RecvError:?}"), "RecvError");
    assert_eq!(format!("{:?}", TryRecvError::Empty), "Empty");
    assert_eq!(format!("{:?}", RecvTimeoutError::Timeout), "Timeout");
    assert_eq!(format!("{TrySelectError:?}"), "TrySelectError");
    assert_eq!(format!("{SelectTimeoutError:?}"), "SelectTimeoutError");
    assert_eq!(format!("{TryReadyError:?}"), "TryReadyError");
    assert_eq!(format!("{ReadyTimeoutError:?}"), "ReadyTimeoutError");
    // `unwrap` on a failed send compiles for any T (Debug is not required).
    let r = std::panic::catch_unwind(|| {
        let (tx, _rx) = chan::<Opaque>(0);
        tx.close();
        tx.send(Opaque(3)).unwrap();
    });
    assert!(r.is_err());

    // Display: say what happened.
    let text = |e: &dyn std::fmt::Display| e.to_string();
    assert!(text(&SendError(Opaque(0))).contains("closed"));
    assert!(text(&TrySendError::Full(Opaque(0))).contains("full"));
    assert!(text(&TrySendError::Closed(Opaque(0))).contains("closed"));
    assert!(text(&SendTimeoutError::Timeout(Opaque(0))).contains("timed out"));
    assert!(text(&SendTimeoutError::Closed(Opaque(0))).contains("closed"));
    assert!(text(&RecvError).contains("closed"));
    assert!(text(&TryRecvError::Empty).contains("empty"));
    assert!(text(&TryRecvError::Closed).contains("closed"));
    assert!(text(&RecvTimeoutError::Timeout).contains("timed out"));
    assert!(text(&RecvTimeoutError::Closed).contains("closed"));
    for e in [
        text(&TrySelectError),
        text(&SelectTimeoutError),
        text(&TryReadyError),
        text(&ReadyTimeoutError),
    ] {
        assert!(!e.is_empty());
    }
    assert_ne!(text(&TrySelectError), text(&SelectTimeoutError));

    // PartialEq, Eq.
    assert_eq!(SendError(1), SendError(1));
    assert_ne!(SendError(1), SendError(2));
    assert!(SendError(Opaque(1)) == SendError(Opaque(1)));
    assert_ne!(TrySendError::Full(1), TrySendError::Closed(1));
    assert_ne!(SendTimeoutError::Timeout(1), SendTimeoutError::Closed(1));
    assert_ne!(TryRecvError::Empty, TryRecvError::Closed);
    assert_ne!(RecvTimeoutError::Timeout, RecvTimeoutError::Closed);
    assert_eq!(TrySelectError, TrySelectError);

    // Clone, Copy.
    is_copy::<SendError<i32>>();
    is_copy::<TrySendError<i32>>();
    is_copy::<SendTimeoutError<i32>>();
    is_copy::<RecvError>();
    is_copy::<TryRecvError>();
    is_copy::<RecvTimeoutError>();
    is_copy::<TrySelectError>();
    is_copy::<SelectTimeoutError>();
    is_copy::<TryReadyError>();
    is_copy::<ReadyTimeoutError>();
    let e = SendError(String::from("s"));
    assert_eq!(e.clone(), e);
    let e = TrySendError::Full(5);
    let copied = e;
    assert_eq!(e, copied);

    // std::error::Error, also for a T that is not Debug.
    is_error::<SendError<Opaque>>();
    is_error::<TrySendError<Opaque>>();
    is_error::<SendTimeoutError<Opaque>>();
    is_error::<RecvError>();
    is_error::<TryRecvError>();
    is_error::<RecvTimeoutError>();
    is_error::<TrySelectError>();
    is_error::<SelectTimeoutError>();
    is_error::<TryReadyError>();
    is_error::<ReadyTimeoutError>();
    fn question_mark(
        tx: &Sender<i32>,
        rx: &Receiver<i32>,
    ) -> Result<i32, Box<dyn std::error::Error>> {
        tx.send(1)?;
        Ok(rx.recv()?)
    }
    let (tx, rx) = chan::<i32>(1);
    assert_eq!(question_mark(&tx, &rx).unwrap(), 1);
    tx.close();
    let err = question_mark(&tx, &rx).unwrap_err();
    assert!(err.to_string().contains("closed"));
}

#[test]
fn error_accessors_and_conversions() {
    assert_eq!(SendError(3).into_inner(), 3);
    assert_eq!(SendError(3).0, 3);
    assert_eq!(TrySendError::Full(4).into_inner(), 4);
    assert_eq!(TrySendError::Closed(5).into_inner(), 5);
    assert_eq!(SendTimeoutError::Timeout(6).into_inner(), 6);
    assert_eq!(SendTimeoutError::Closed(7).into_inner(), 7);
    assert!(TrySendError::Full(0).is_full() && !TrySendError::Full(0).is_closed());
    assert!(TrySendError::Closed(0).is_closed() && !TrySendError::Closed(0).is_full());
    assert!(SendTimeoutError::Timeout(0).is_timeout() && !SendTimeoutError::Timeout(0).is_closed());
    assert!(SendTimeoutError::Closed(0).is_closed() && !SendTimeoutError::Closed(0).is_timeout());
    assert!(TryRecvError::Empty.is_empty() && !TryRecvError::Empty.is_closed());
    assert!(TryRecvError::Closed.is_closed() && !TryRecvError::Closed.is_empty());
    assert!(RecvTimeoutError::Timeout.is_timeout() && !RecvTimeoutError::Timeout.is_closed());
    assert!(RecvTimeoutError::Closed.is_closed() && !RecvTimeoutError::Closed.is_timeout());

    assert_eq!(TrySendError::from(SendError(8)), TrySendError::Closed(8));
    assert_eq!(
        SendTimeoutError::from(SendError(9)),
        SendTimeoutError::Closed(9)
    );
    assert_eq!(TryRecvError::from(RecvError), TryRecvError::Closed);
    assert_eq!(RecvTimeoutError::from(RecvError), RecvTimeoutError::Closed);
    let e: TrySendError<Opaque> = SendError(Opaque(1)).into();
    assert!(e.is_closed());
    let e: SendTimeoutError<Opaque> = SendError(Opaque(2)).into();
    assert!(matches!(e, SendTimeoutError::Closed(Opaque(2))));
}

#[test]
fn ends_are_send_sync_clone_debug() {
    fn bounds<T: Send + Sync + Clone + std::fmt::Debug>() {}
    bounds::<Sender<String>>();
    bounds::<Receiver<String>>();
    let (tx, rx) = chan::<Opaque>(0);
    assert_eq!(format!("{tx:?}"), "Sender { .. }");
    assert_eq!(format!("{rx:?}"), "Receiver { .. }");
    let (_tx, rx) = chan::<i32>(0);
    assert!(format!("{:?}", rx.iter()).contains("Iter"));
    assert!(format!("{:?}", rx.try_iter()).contains("TryIter"));
    assert!(format!("{:?}", rx.into_iter()).contains("IntoIter"));
}

// ---- never, after, tick ----

#[test]
fn never_is_never_ready() {
    watched("never_is_never_ready", || {
        for side in SIDES {
            on(side, || {
                let n = never::<i32>();
                assert_eq!(n.try_recv(), Err(TryRecvError::Empty));
                let start = Instant::now();
                assert_eq!(n.recv_timeout(SHORT), Err(RecvTimeoutError::Timeout));
                assert!(start.elapsed() >= SHORT);
                assert!(!n.is_closed());
                assert_eq!((n.len(), n.capacity()), (0, Some(0)));
                let n2 = n.clone();
                drop(n);
                assert_eq!(
                    n2.try_recv(),
                    Err(TryRecvError::Empty),
                    "a clone dropped closes nothing"
                );
                let picked = select! {
                    recv(n2) -> _ => "never",
                    default => "default",
                };
                assert_eq!(picked, "default");
                let start = Instant::now();
                let picked = select! {
                    recv(n2) -> _ => "never",
                    recv(never::<String>()) -> _ => "never",
                    default(SHORT) => "timeout",
                };
                assert_eq!(picked, "timeout");
                assert!(start.elapsed() >= SHORT);
                let mut sel = Select::new();
                sel.recv(&n2);
                assert!(sel.try_select().is_err());
                assert!(sel.select_timeout(Duration::from_millis(5)).is_err());
                assert!(sel.try_ready().is_err());
                assert_eq!(n2.try_iter().count(), 0);
            });
        }
    });
}

#[test]
fn after_fires_once_no_earlier_than_asked_and_never_closes() {
    watched(
        "after_fires_once_no_earlier_than_asked_and_never_closes",
        || {
            for side in SIDES {
                on(side, || {
                    let start = Instant::now();
                    let timer = offshoot::time::after(SHORT);
                    let fired = timer.recv().unwrap();
                    assert!(
                        fired >= start + SHORT && start.elapsed() >= SHORT,
                        "after fired early"
                    );
                    assert_eq!(
                        timer.recv_timeout(SHORT),
                        Err(RecvTimeoutError::Timeout),
                        "fires once"
                    );
                    assert!(!timer.is_closed());

                    // In a select, against a silent channel: the timer wins, not earlier than asked.
                    let (_tx, rx) = chan::<i32>(0);
                    let start = Instant::now();
                    let which = select! {
                        recv(rx) -> _ => 0,
                        recv(offshoot::time::after(SHORT)) -> t => {
                            assert!(t.unwrap() >= start + SHORT);
                            1
                        }
                    };
                    assert_eq!(which, 1);
                    assert!(start.elapsed() >= SHORT);

                    // A ready channel beats a long timer.
                    let (tx, rx) = chan::<i32>(1);
                    tx.send(5).unwrap();
                    let got = select! {
                        recv(rx) -> v => v.unwrap(),
                        recv(offshoot::time::after(Duration::from_secs(60))) -> _ => panic!("timer"),
                    };
                    assert_eq!(got, 5);

                    // A zero duration fires (soon).
                    assert!(offshoot::time::after(Duration::ZERO).recv().is_ok());
                });
            }
        },
    );
}

#[test]
fn tick_delivers_repeatedly_and_drops_untaken_ticks() {
    watched("tick_delivers_repeatedly_and_drops_untaken_ticks", || {
        for side in SIDES {
            on(side, || {
                let period = Duration::from_millis(10);
                let start = Instant::now();
                let ticker = offshoot::time::tick(period);
                let (_stop_tx, stop_rx) = chan::<()>(0);
                let mut ticks = Vec::new();
                while ticks.len() < 5 {
                    select! {
                        recv(ticker) -> t => ticks.push(t.unwrap()),
                        recv(stop_rx) -> _ => unreachable!(),
                    }
                }
                for (k, t) in ticks.iter().enumerate() {
                    assert!(*t >= start + period * (k as u32 + 1), "tick {k} came early");
                }
                assert!(ticks.windows(2).all(|w| w[0] < w[1]));
                // Not taken for 10 periods: at most one waits (plus one arriving meanwhile).
                offshoot::time::sleep(period * 10);
                assert!(ticker.try_iter().count() <= 2, "untaken ticks queued up");
                assert!(ticker.recv().is_ok(), "ticks go on");
            });
        }
    });
}

#[test]
#[should_panic(expected = "the period must be positive")]
fn tick_with_a_zero_period_panics() {
    let _ = offshoot::time::tick(Duration::ZERO);
}

// ---- the unbuffered rendezvous ----

#[test]
fn an_unbuffered_send_completes_only_when_a_receiver_takes_the_value() {
    watched(
        "an_unbuffered_send_completes_only_when_a_receiver_takes_the_value",
        || {
            for (tx_side, rx_side) in side_pairs() {
                for how in ["send", "send_timeout", "select!", "Select"] {
                    let (tx, rx) = chan::<u32>(0);
                    let done = Arc::new(AtomicBool::new(false));
                    let (started_tx, started_rx) = handshake();
                    let d = done.clone();
                    let sender = spawn(tx_side, move || {
                        started_tx.send(()).unwrap();
                        match how {
                            "send" => tx.send(1).unwrap(),
                            "send_timeout" => tx.send_timeout(1, Duration::from_secs(20)).unwrap(),
                            "select!" => select! { send(tx, 1) -> r => r.unwrap() },
                            _ => {
                                let mut sel = Select::new();
                                sel.send(&tx);
                                sel.select().send(&tx, 1).unwrap();
                            }
                        }
                        d.store(true, Ordering::SeqCst);
                    });
                    wait_started(&started_rx);
                    assert!(
                        !done.load(Ordering::SeqCst),
                        "{how} from a {tx_side:?} completed with no receiver"
                    );
                    let receiver = spawn(rx_side, move || rx.recv());
                    assert_eq!(receiver.join(), Ok(1));
                    sender.join();
                    assert!(done.load(Ordering::SeqCst));
                }
            }
        },
    );
}

#[test]
fn an_unbuffered_recv_waits_for_a_sender() {
    watched("an_unbuffered_recv_waits_for_a_sender", || {
        for (rx_side, tx_side) in side_pairs() {
            let (tx, rx) = chan::<u32>(0);
            let (started_tx, started_rx) = handshake();
            let receiver = spawn(rx_side, move || {
                started_tx.send(()).unwrap();
                rx.recv()
            });
            wait_started(&started_rx);
            assert!(!receiver.is_finished(), "recv returned with nothing sent");
            spawn(tx_side, move || tx.send(3).unwrap()).join();
            assert_eq!(receiver.join(), Ok(3));
        }
    });
}

// ---- mixing threads and coroutines ----

#[test]
fn select_from_a_plain_thread_with_coroutine_peers_and_back() {
    watched(
        "select_from_a_plain_thread_with_coroutine_peers_and_back",
        || {
            for (selector, peers) in side_pairs() {
                on(selector, move || {
                    let (a_tx, a_rx) = chan::<u32>(0);
                    let (b_tx, b_rx) = chan::<u32>(1);
                    let (out_tx, out_rx) = chan::<u32>(0);
                    let pa = spawn(peers, move || {
                        for i in 0..300 {
                            a_tx.send(i).unwrap();
                        }
                        a_tx.close();
                    });
                    let pb = spawn(peers, move || {
                        for i in 300..600 {
                            b_tx.send(i).unwrap();
                        }
                        b_tx.close();
                    });
                    let sink = spawn(peers, move || out_rx.iter().collect::<Vec<_>>());
                    // Receive from both until closed, forwarding every value in arrival order with a
                    // send case that is switched off (pointed at a channel nobody drains) while
                    // there is nothing to forward.
                    let (off_tx, _off_rx) = chan::<u32>(0);
                    let off = never::<u32>();
                    let (mut a_open, mut b_open) = (true, true);
                    let mut queue = std::collections::VecDeque::new();
                    let mut got = Vec::new();
                    while a_open || b_open || !queue.is_empty() {
                        let ra = if a_open { &a_rx } else { &off };
                        let rb = if b_open { &b_rx } else { &off };
                        let out = if queue.is_empty() { &off_tx } else { &out_tx };
                        select! {
                            recv(ra) -> v => match v {
                                Ok(v) => {
                                    got.push(v);
                                    queue.push_back(v);
                                }
                                Err(_) => a_open = false,
                            },
                            recv(rb) -> v => match v {
                                Ok(v) => {
                                    got.push(v);
                                    queue.push_back(v);
                                }
                                Err(_) => b_open = false,
                            },
                            send(out, *queue.front().expect("chosen only with a value")) -> r => {
                                r.unwrap();
                                queue.pop_front();
                            }
                        }
                    }
                    out_tx.close();
                    poll_join(pa);
                    poll_join(pb);
                    let forwarded = poll_join(sink);
                    assert_eq!(forwarded, got, "forwarded in arrival order");
                    got.sort_unstable();
                    assert_eq!(got, (0..600).collect::<Vec<_>>());
                });
            }
        },
    );
}

#[test]
fn dynamic_select_from_both_sides() {
    watched("dynamic_select_from_both_sides", || {
        for (selector, peer) in side_pairs() {
            on(selector, move || {
                let (tx, rx) = chan::<u32>(0);
                let (back_tx, back_rx) = chan::<u32>(0);
                let p = spawn(peer, move || {
                    for i in 0..200 {
                        tx.send(i).unwrap();
                        assert_eq!(back_rx.recv(), Ok(i * 2));
                    }
                    tx.close();
                });
                for i in 0..200 {
                    let mut sel = Select::new();
                    let r = sel.recv(&rx);
                    let op = sel.select_timeout(Duration::from_secs(20)).unwrap();
                    assert_eq!(op.index(), r);
                    let v = op.recv(&rx).unwrap();
                    assert_eq!(v, i);
                    let mut sel = Select::new();
                    let s = sel.send(&back_tx);
                    let op = sel.select();
                    assert_eq!(op.index(), s);
                    op.send(&back_tx, v * 2).unwrap();
                }
                poll_join(p);
                let mut sel = Select::new();
                sel.recv(&rx);
                let op = sel.try_select().expect("a closed channel is ready");
                assert_eq!(op.recv(&rx), Err(RecvError));
            });
        }
    });
}

// ---- closed is final ----

#[test]
fn a_receive_reports_closed_only_after_every_successful_send() {
    // A select chose its send case (a buffer slot is reserved for it) and is computing the
    // message when the channel closes. Either the send fails with its message, or it succeeds
    // and a receiver gets the value; what must not happen is a receiver told "closed and
    // drained" and the value arriving afterwards (Go completes a chosen send under the lock; a
    // closed receive is final).
    watched(
        "a_receive_reports_closed_only_after_every_successful_send",
        || {
            for cap in [1, 2] {
                let (tx, rx) = chan::<u32>(cap);
                let (chosen_tx, chosen_rx) = chan::<()>(0);
                let (go_tx, go_rx) = chan::<()>(0);
                let tx2 = tx.clone();
                let sender = spawn(Side::Thread, move || {
                    select! {
                        send(tx2, {
                            chosen_tx.send(()).unwrap();
                            go_rx.recv().unwrap();
                            42
                        }) -> r => r.map_err(SendError::into_inner),
                    }
                });
                chosen_rx.recv().unwrap();
                assert!(tx.close());
                let rx2 = rx.clone();
                let (started_tx, started_rx) = handshake();
                let receiver = spawn(Side::Coroutine, move || {
                    started_tx.send(()).unwrap();
                    rx2.recv()
                });
                wait_started(&started_rx);
                go_tx.send(()).unwrap();
                let sent = sender.join();
                let first = receiver.join();
                let rest: Vec<u32> = rx.try_iter().collect();
                match sent {
                    Ok(()) => assert_eq!(
                        (first, rest),
                        (Ok(42), vec![]),
                        "cap {cap}: the send succeeded, but the receive that began before it \
                     completed was told the channel was closed and drained"
                    ),
                    Err(v) => {
                        assert_eq!(v, 42);
                        assert_eq!((first, rest), (Err(RecvError), vec![]));
                    }
                }
                assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
            }
        },
    );
}

/// `never_sender()` is Go's nil channel on the sending side: a send never proceeds and never
/// fails (with a deadline it times out, `try_send` finds it full), each handing the value back;
/// `close` does nothing; dropping it (or a clone) closes nothing either. From both sides.
#[test]
fn never_sender_never_sends_and_never_closes() {
    watched("never_sender_never_sends_and_never_closes", || {
        for side in SIDES {
            on(side, || {
                let tx = offshoot::never_sender::<String>();
                let start = Instant::now();
                match tx.send_timeout("a".to_string(), SHORT) {
                    Err(SendTimeoutError::Timeout(msg)) => assert_eq!(msg, "a"),
                    other => panic!("a send on a nil channel must wait: {other:?}"),
                }
                assert!(start.elapsed() >= SHORT);
                match tx.try_send("b".to_string()) {
                    Err(TrySendError::Full(msg)) => assert_eq!(msg, "b"),
                    other => panic!("a nil channel is never ready: {other:?}"),
                }
                drop(tx.clone());
                assert!(!tx.close(), "closing a nil channel closes nothing");
                assert!(!tx.is_closed());
                assert!(tx.try_send("c".to_string()).unwrap_err().is_full());
                assert!(tx.same_channel(&tx.clone()));
                assert!(!tx.same_channel(&offshoot::never_sender()));
            });
        }
    });
}

/// A `select!` send case on `never_sender()` is never chosen, against a receive case that is
/// always ready, nor against a timeout: Go switches a send case off by making its channel nil.
#[test]
fn a_select_never_chooses_a_never_sender_case() {
    watched("a_select_never_chooses_a_never_sender_case", || {
        for side in SIDES {
            on(side, || {
                let (tx, rx) = chan::<u32>(1);
                let off = offshoot::never_sender::<u32>();
                for i in 0..1000 {
                    tx.send(i).unwrap();
                    select! {
                        send(off, i) -> _ => panic!("the nil send case was chosen"),
                        recv(rx) -> got => assert_eq!(got, Ok(i)),
                    }
                }
                select! {
                    send(off, 0) -> _ => panic!("the nil send case was chosen"),
                    default(SHORT) => {}
                }
            });
        }
    });
}

/// A thread-local's `Drop` that waits on a channel runs after the thread's own parker may be
/// gone (thread-locals are destroyed last-in, first-out): it must still park and be woken.
#[test]
fn a_thread_local_destructor_can_wait_on_a_channel() {
    struct SendsOnDrop(offshoot::Sender<u32>);
    impl Drop for SendsOnDrop {
        fn drop(&mut self) {
            self.0.send(7).unwrap(); // unbuffered: waits for the receiver
        }
    }
    thread_local! {
        static GUARD: std::cell::RefCell<Option<SendsOnDrop>> =
            const { std::cell::RefCell::new(None) };
    }
    let (tx, rx) = offshoot::chan::<u32>(0);
    let (ready_tx, ready_rx) = offshoot::chan::<()>(0);
    let thread = std::thread::spawn(move || {
        // Set before the thread's first park, so it is destroyed after the parker.
        GUARD.with(|g| *g.borrow_mut() = Some(SendsOnDrop(tx)));
        ready_tx.send(()).unwrap(); // parks in offshoot: the parker exists from here
    });
    std::thread::sleep(std::time::Duration::from_millis(50)); // so that the send parks
    ready_rx.recv().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(50)); // the thread is in its TLS drops
    assert_eq!(rx.recv(), Ok(7));
    thread.join().unwrap();
}
