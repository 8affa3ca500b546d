//! `offshoot::Select`, the select built at run time: adding and removing cases, every way to
//! wait (`select`, `try_select`, `select_timeout`, `select_deadline`, and the `ready` family),
//! completing the chosen operation (and completing it wrongly), `Clone`, `new_biased`, and what
//! dropping an uncompleted `SelectedOperation` leaves behind.

mod common;
mod common_stress;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common_stress::{side_pairs, spawn, DropTally, Joiner, Side, SIDES};
use offshoot::{
    chan, never, select, Receiver, RecvError, Select, SelectTimeoutError, SendError, Sender,
    TryRecvError, TrySelectError,
};

const SHORT: Duration = Duration::from_millis(20);

fn watched(name: &str, f: impl FnOnce() + Send + 'static) {
    common::watchdog(name, common::WATCHDOG_SECS, f)
}

fn on<T: Send + 'static>(side: Side, f: impl FnOnce() -> T + Send + 'static) -> T {
    spawn(side, f).join()
}

/// Joins `j` from whatever side the caller is on, without blocking a worker on a thread.
fn poll_join<T: Send + 'static>(j: Joiner<T>) -> T {
    while !j.is_finished() {
        offshoot::time::sleep(Duration::from_millis(1));
    }
    j.join()
}

// ---- building a select ----

#[test]
fn indices_follow_the_order_added_and_survive_remove() {
    watched("indices_follow_the_order_added_and_survive_remove", || {
        let (tx1, rx1) = chan::<i32>(1);
        let (tx2, _rx2) = chan::<i32>(1);
        let (tx3, rx3) = chan::<i32>(1);
        let mut sel = Select::new();
        assert_eq!(sel.recv(&rx1), 0);
        assert_eq!(sel.send(&tx2), 1);
        assert_eq!(sel.recv(&rx3), 2);
        assert_eq!(sel.recv(&rx1), 3);
        sel.remove(1);
        sel.remove(3);
        tx3.send(30).unwrap();
        let op = sel.try_select().unwrap();
        assert_eq!(op.index(), 2, "indices do not shift when a case is removed");
        assert_eq!(op.recv(&rx3), Ok(30));
        // Added after a removal: the next index, never a reused one.
        assert_eq!(sel.send(&tx1), 4);
        let op = sel.try_select().unwrap();
        assert_eq!(op.index(), 4);
        op.send(&tx1, 10).unwrap();
        sel.remove(4);
        let op = sel.try_select().unwrap();
        assert_eq!(op.index(), 0);
        assert_eq!(op.recv(&rx1), Ok(10));
        assert_eq!(sel.try_select().unwrap_err(), TrySelectError);
    });
}

#[test]
#[should_panic(expected = "no operation with index 1 in this Select")]
fn removing_a_removed_case_panics() {
    let (_tx, rx) = chan::<i32>(1);
    let mut sel = Select::new();
    sel.recv(&rx);
    sel.recv(&rx);
    sel.remove(1);
    sel.remove(1);
}

#[test]
#[should_panic(expected = "no operation with index 5 in this Select")]
fn removing_an_unknown_case_panics() {
    let (_tx, rx) = chan::<i32>(1);
    let mut sel = Select::new();
    sel.recv(&rx);
    sel.remove(5);
}

#[test]
#[should_panic(expected = "no operations have been added to `Select`")]
fn a_blocking_select_with_no_cases_panics() {
    watched("a_blocking_select_with_no_cases_panics", || {
        let _ = Select::new().select();
    });
}

#[test]
#[should_panic(expected = "no operations have been added to `Select`")]
fn a_blocking_select_with_every_case_removed_panics() {
    watched("a_blocking_select_with_every_case_removed_panics", || {
        let (_tx, rx) = chan::<i32>(1);
        let mut sel = Select::new();
        let i = sel.recv(&rx);
        sel.remove(i);
        let _ = sel.select();
    });
}

#[test]
#[should_panic(expected = "no operations have been added to `Select`")]
fn a_blocking_ready_with_no_cases_panics() {
    watched("a_blocking_ready_with_no_cases_panics", || {
        Select::new().ready();
    });
}

#[test]
fn debug_and_default() {
    watched("debug_and_default", || {
        let (_tx, rx) = chan::<i32>(1);
        let mut sel = Select::default();
        sel.recv(&rx);
        sel.recv(&rx);
        assert!(format!("{sel:?}").contains("Select"));
        let (tx, rx2) = chan::<i32>(1);
        tx.send(1).unwrap();
        let mut sel = Select::new();
        sel.recv(&rx2);
        let op = sel.try_select().unwrap();
        let text = format!("{op:?}");
        assert!(
            text.contains("SelectedOperation") && text.contains("index"),
            "{text}"
        );
        assert_eq!(op.recv(&rx2), Ok(1));
    });
}

// ---- waiting ----

#[test]
fn try_select_select_timeout_and_select_deadline() {
    watched("try_select_select_timeout_and_select_deadline", || {
        for side in SIDES {
            on(side, || {
                let (tx, rx) = chan::<i32>(1);
                let mut sel = Select::new();
                let i = sel.recv(&rx);
                assert_eq!(sel.try_select().unwrap_err(), TrySelectError);
                let start = Instant::now();
                assert_eq!(sel.select_timeout(SHORT).unwrap_err(), SelectTimeoutError);
                assert!(start.elapsed() >= SHORT, "select_timeout returned early");
                let start = Instant::now();
                let deadline = start + SHORT;
                assert!(sel.select_deadline(deadline).is_err());
                assert!(Instant::now() >= deadline, "select_deadline returned early");
                let past = Instant::now() - Duration::from_millis(1);
                assert!(sel.select_deadline(past).is_err());
                assert!(sel.select_timeout(Duration::ZERO).is_err());

                tx.send(1).unwrap();
                let op = sel.try_select().unwrap();
                assert_eq!(op.index(), i);
                assert_eq!(op.recv(&rx), Ok(1));
                tx.send(2).unwrap();
                let op = sel.select_timeout(Duration::ZERO).expect("ready now");
                assert_eq!(op.recv(&rx), Ok(2));
                tx.send(3).unwrap();
                let op = sel
                    .select_deadline(past)
                    .expect("a ready case beats a past deadline");
                assert_eq!(op.recv(&rx), Ok(3));
                tx.send(4).unwrap();
                let op = sel.select_timeout(Duration::MAX).expect("no overflow");
                assert_eq!(op.recv(&rx), Ok(4));

                // No cases at all: try fails, a timeout is slept out.
                let mut empty = Select::new();
                assert!(empty.try_select().is_err());
                let start = Instant::now();
                assert!(empty.select_timeout(SHORT).is_err());
                assert!(start.elapsed() >= SHORT);
            });
        }
    });
}

#[test]
fn a_parked_select_is_woken_by_a_peer_or_a_close() {
    watched("a_parked_select_is_woken_by_a_peer_or_a_close", || {
        for (selector, peer) in side_pairs() {
            for cap in [0, 1] {
                for what in ["send", "close", "recv"] {
                    let (tx, rx) = chan::<i32>(cap);
                    for _ in 0..cap {
                        if what == "recv" {
                            tx.send(0).unwrap(); // fill, so the send case parks
                        }
                    }
                    let (started_tx, started_rx) = chan::<()>(0);
                    let (tx2, rx2) = (tx.clone(), rx.clone());
                    let selecting = spawn(selector, move || {
                        let (_other_tx, other_rx) = chan::<i32>(0);
                        let mut sel = Select::new();
                        let (r, o, s) = if what == "recv" {
                            (usize::MAX, sel.recv(&other_rx), sel.send(&tx2))
                        } else {
                            (sel.recv(&rx2), sel.recv(&other_rx), usize::MAX)
                        };
                        started_tx.send(()).unwrap();
                        let op = sel.select_timeout(Duration::from_secs(20)).expect("woken");
                        assert_ne!(op.index(), o);
                        if op.index() == r {
                            op.recv(&rx2).map_err(|_| "closed")
                        } else {
                            assert_eq!(op.index(), s);
                            op.send(&tx2, 9).map(|()| -1).map_err(|_| "send failed")
                        }
                    });
                    let peering = spawn(peer, move || {
                        started_rx.recv().unwrap();
                        offshoot::time::sleep(SHORT);
                        match what {
                            "send" => tx.send(5).unwrap(),
                            "close" => {
                                tx.close();
                            }
                            _ => {
                                // Make room (cap 1) or take the value (cap 0).
                                let first = rx.recv().unwrap();
                                if cap == 1 {
                                    assert_eq!(first, 0);
                                    assert_eq!(rx.recv(), Ok(9));
                                } else {
                                    assert_eq!(first, 9);
                                }
                            }
                        }
                    });
                    let got = selecting.join();
                    peering.join();
                    let want = match what {
                        "send" => Ok(5),
                        "close" => Err("closed"),
                        _ => Ok(-1),
                    };
                    assert_eq!(
                        got, want,
                        "{selector:?} select, {peer:?} peer, cap {cap}, {what}"
                    );
                }
            }
        }
    });
}

#[test]
fn many_cases_wake_on_any_of_them() {
    watched("many_cases_wake_on_any_of_them", || {
        let chans: Vec<(Sender<usize>, Receiver<usize>)> = (0..100).map(|_| chan(0)).collect();
        for k in [99, 0, 50] {
            let tx = chans[k].0.clone();
            let sender = spawn(Side::Coroutine, move || tx.send(k).unwrap());
            let mut sel = Select::new();
            for (_, rx) in &chans {
                sel.recv(rx);
            }
            let op = sel.select();
            let i = op.index();
            assert_eq!(i, k);
            assert_eq!(op.recv(&chans[i].1), Ok(k));
            sender.join();
        }
    });
}

#[test]
fn a_select_reused_across_many_operations() {
    watched("a_select_reused_across_many_operations", || {
        for side in SIDES {
            let (a_tx, a_rx) = chan::<u32>(0);
            let (b_tx, b_rx) = chan::<u32>(5);
            let pa = spawn(side, move || {
                (0..5000).for_each(|i| a_tx.send(i).unwrap());
                a_tx.close();
            });
            let pb = spawn(side, move || {
                (5000..10000).for_each(|i| b_tx.send(i).unwrap());
                b_tx.close();
            });
            let mut sel = Select::new();
            let ia = sel.recv(&a_rx);
            let ib = sel.recv(&b_rx);
            let mut got = Vec::with_capacity(10000);
            let (mut last_a, mut last_b) = (None, None);
            let mut open = 2;
            while open > 0 {
                let op = sel.select();
                let i = op.index();
                let (rx, last) = if i == ia {
                    (&a_rx, &mut last_a)
                } else {
                    (&b_rx, &mut last_b)
                };
                match op.recv(rx) {
                    Ok(v) => {
                        assert!(last.is_none_or(|l| l < v), "order kept per sender");
                        *last = Some(v);
                        got.push(v);
                    }
                    Err(RecvError) => {
                        sel.remove(i);
                        open -= 1;
                    }
                }
            }
            got.sort_unstable();
            assert_eq!(got, (0..10000).collect::<Vec<_>>());
            let _ = ib;
            pa.join();
            pb.join();
        }
    });
}

// ---- completing ----

#[test]
fn completing_sends_and_receives_and_their_failures() {
    watched("completing_sends_and_receives_and_their_failures", || {
        let (tx, rx) = chan::<String>(1);
        let mut sel = Select::new();
        let s = sel.send(&tx);
        let op = sel.select();
        assert_eq!(op.index(), s);
        op.send(&tx, "hello".into()).unwrap();
        let mut sel = Select::new();
        sel.recv(&rx);
        assert_eq!(sel.select().recv(&rx).as_deref(), Ok("hello"));

        // Closed: the send case is ready and fails with the message; the recv reports closed.
        tx.close();
        let mut sel = Select::new();
        sel.send(&tx);
        let op = sel
            .try_select()
            .expect("a send on a closed channel is ready");
        assert_eq!(
            op.send(&tx, "late".into()),
            Err(SendError("late".to_string()))
        );
        let mut sel = Select::new();
        sel.recv(&rx);
        assert_eq!(sel.try_select().unwrap().recv(&rx), Err(RecvError));

        // Every receiver gone: the send case is ready and fails with the message. (Tests
        // crossbeam's lifetime: with `chan`, a send with no receiver left just waits.)
        let (tx, rx) = offshoot::bounded::<String>(0);
        drop(rx);
        let mut sel = Select::new();
        sel.send(&tx);
        let op = sel
            .try_select()
            .expect("a send with no receiver left is ready");
        assert_eq!(
            op.send(&tx, "lost".into()).unwrap_err().into_inner(),
            "lost"
        );
    });
}

#[test]
#[should_panic(expected = "passed a receiver that wasn't selected to SelectedOperation")]
fn completing_with_another_receiver_panics() {
    watched("completing_with_another_receiver_panics", || {
        let (tx1, rx1) = chan::<i32>(1);
        let (_tx2, rx2) = chan::<i32>(1);
        tx1.send(1).unwrap();
        let mut sel = Select::new();
        sel.recv(&rx1);
        let op = sel.select();
        let _ = op.recv(&rx2);
    });
}

#[test]
#[should_panic(expected = "passed a sender that wasn't selected to SelectedOperation")]
fn completing_with_another_sender_panics() {
    watched("completing_with_another_sender_panics", || {
        let (tx1, _rx1) = chan::<i32>(1);
        let (tx2, _rx2) = chan::<i32>(1);
        let mut sel = Select::new();
        sel.send(&tx1);
        let op = sel.select();
        let _ = op.send(&tx2, 1);
    });
}

#[test]
#[should_panic(expected = "passed a receiver that wasn't selected to SelectedOperation")]
fn completing_a_send_case_as_a_receive_panics() {
    watched("completing_a_send_case_as_a_receive_panics", || {
        let (tx, rx) = chan::<i32>(1);
        let mut sel = Select::new();
        sel.send(&tx);
        let op = sel.select();
        let _ = op.recv(&rx);
    });
}

#[test]
#[should_panic(expected = "passed a sender that wasn't selected to SelectedOperation")]
fn completing_a_receive_case_as_a_send_panics() {
    watched("completing_a_receive_case_as_a_send_panics", || {
        let (tx, rx) = chan::<i32>(1);
        tx.send(1).unwrap();
        let mut sel = Select::new();
        sel.recv(&rx);
        let op = sel.select();
        let _ = op.send(&tx, 2);
    });
}

#[test]
fn after_a_wrong_completion_the_reservation_is_given_back() {
    watched(
        "after_a_wrong_completion_the_reservation_is_given_back",
        || {
            let (tx, rx) = chan::<i32>(1);
            let (_other_tx, other_rx) = chan::<i32>(1);
            tx.send(1).unwrap();
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut sel = Select::new();
                sel.recv(&rx);
                let op = sel.select();
                let _ = op.recv(&other_rx);
            }));
            assert!(r.is_err());
            assert_eq!(rx.len(), 1);
            assert_eq!(rx.try_recv(), Ok(1), "the reserved value is still there");
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut sel = Select::new();
                sel.send(&tx);
                let op = sel.select();
                let _ = op.recv(&rx);
            }));
            assert!(r.is_err());
            assert_eq!(tx.try_send(2), Ok(()), "the reserved slot is free again");
            assert_eq!(rx.try_recv(), Ok(2));
        },
    );
}

// ---- Clone and new_biased ----

#[test]
fn a_cloned_select_has_the_same_cases_and_indices() {
    watched("a_cloned_select_has_the_same_cases_and_indices", || {
        let (tx1, rx1) = chan::<i32>(1);
        let (tx2, rx2) = chan::<i32>(1);
        let mut sel = Select::new();
        let i1 = sel.recv(&rx1);
        let gone = sel.recv(&rx1);
        let i2 = sel.recv(&rx2);
        sel.remove(gone);
        let mut copy = sel.clone();
        tx2.send(2).unwrap();
        let op = copy.try_select().unwrap();
        assert_eq!(op.index(), i2);
        assert_eq!(op.recv(&rx2), Ok(2));
        tx1.send(1).unwrap();
        let op = sel.try_select().unwrap();
        assert_eq!(op.index(), i1);
        assert_eq!(op.recv(&rx1), Ok(1));
        // The clone is independent: removing from one leaves the other alone.
        copy.remove(i1);
        tx1.send(3).unwrap();
        assert!(copy.try_select().is_err());
        assert_eq!(sel.try_select().unwrap().recv(&rx1), Ok(3));
        // A cloned biased select stays biased.
        let mut biased = Select::new_biased();
        biased.recv(&rx1);
        biased.recv(&rx2);
        let mut biased2 = biased.clone();
        for _ in 0..50 {
            tx1.send(1).unwrap();
            tx2.send(2).unwrap();
            let op = biased2.try_select().unwrap();
            assert_eq!(op.index(), 0);
            assert_eq!(op.recv(&rx1), Ok(1));
            assert_eq!(rx2.try_recv(), Ok(2));
        }
    });
}

#[test]
fn new_biased_prefers_the_first_ready_case() {
    watched("new_biased_prefers_the_first_ready_case", || {
        let (tx1, rx1) = chan::<i32>(1000);
        let (tx2, rx2) = chan::<i32>(1000);
        let (tx3, _rx3) = chan::<i32>(1000);
        for i in 0..1000 {
            tx1.send(i).unwrap();
            tx2.send(i).unwrap();
        }
        let n = never::<i32>();
        let mut sel = Select::new_biased();
        sel.recv(&n);
        let i1 = sel.recv(&rx1);
        let i2 = sel.recv(&rx2);
        let i3 = sel.send(&tx3);
        for k in 0..1000 {
            let op = match k % 3 {
                0 => sel.select(),
                1 => sel.try_select().unwrap(),
                _ => sel.select_timeout(Duration::from_secs(1)).unwrap(),
            };
            assert_eq!(op.index(), i1, "round {k}: the first ready case");
            op.recv(&rx1).unwrap();
        }
        // The first is empty now: the next one in order.
        for _ in 0..1000 {
            let op = sel.select();
            assert_eq!(op.index(), i2);
            op.recv(&rx2).unwrap();
        }
        let op = sel.select();
        assert_eq!(op.index(), i3);
        op.send(&tx3, 0).unwrap();
        // Removing the first ready case moves the preference on.
        tx1.send(1).unwrap();
        tx2.send(2).unwrap();
        sel.remove(i1);
        assert_eq!(sel.try_ready(), Ok(i2));
        assert_eq!(sel.try_select().unwrap().recv(&rx2), Ok(2));
    });
}

#[test]
fn new_is_fair_between_ready_cases() {
    watched("new_is_fair_between_ready_cases", || {
        const N: usize = 10_000;
        let (tx1, rx1) = chan::<()>(N);
        let (tx2, rx2) = chan::<()>(N);
        for _ in 0..N {
            tx1.send(()).unwrap();
            tx2.send(()).unwrap();
        }
        let nv = never::<()>();
        let mut sel = Select::new();
        let i1 = sel.recv(&rx1);
        for _ in 0..5 {
            sel.recv(&nv); // unready cases in between must not skew the choice
        }
        let i2 = sel.recv(&rx2);
        let mut hits = [0usize; 2];
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
        for h in hits {
            assert!(
                (N * 3 / 10..=N * 7 / 10).contains(&h),
                "each of two always-ready cases should win 30-70%: {hits:?}"
            );
        }
    });
}

#[test]
fn ready_is_fair_between_ready_cases() {
    watched("ready_is_fair_between_ready_cases", || {
        const N: usize = 10_000;
        let (tx1, rx1) = chan::<()>(1);
        let (tx2, rx2) = chan::<()>(1);
        tx1.send(()).unwrap();
        tx2.send(()).unwrap();
        let nv = never::<()>();
        let mut sel = Select::new();
        let i1 = sel.recv(&rx1);
        for _ in 0..5 {
            sel.recv(&nv);
        }
        let i2 = sel.recv(&rx2);
        let mut hits = [0usize; 2];
        for _ in 0..N {
            let i = if hits[0] % 2 == 0 {
                sel.ready()
            } else {
                sel.try_ready().unwrap()
            };
            hits[usize::from(i == i2)] += 1;
            assert!(i == i1 || i == i2);
        }
        for h in hits {
            assert!(
                (N * 3 / 10..=N * 7 / 10).contains(&h),
                "ready: each of two always-ready cases should be reported 30-70% of the time: \
                 {hits:?}"
            );
        }
    });
}

// ---- dropping a SelectedOperation without completing it ----

#[test]
fn dropping_a_selected_buffered_operation_gives_the_reservation_back() {
    watched(
        "dropping_a_selected_buffered_operation_gives_the_reservation_back",
        || {
            let tally = DropTally::new();
            let (tx, rx) = chan::<common_stress::Counted>(2);
            tx.send(tally.make(1)).unwrap();
            // A reserved value: dropped op, value still there, first in line.
            for _ in 0..10 {
                let mut sel = Select::new();
                sel.recv(&rx);
                let op = sel.select();
                assert_eq!(rx.len(), 0, "a reserved value is not counted as available");
                drop(op);
                assert_eq!(rx.len(), 1);
            }
            // A reserved slot: dropped op, the slot is free again.
            for _ in 0..10 {
                let mut sel = Select::new();
                sel.send(&tx);
                let op = sel.select();
                assert!(
                    tx.try_send(tally.make(99)).unwrap_err().is_full(),
                    "the slot is reserved"
                );
                drop(op);
            }
            tx.send(tally.make(2)).unwrap();
            assert!(tx.is_full());
            assert_eq!(rx.recv().unwrap().id, 1);
            assert_eq!(rx.recv().unwrap().id, 2);
            assert_eq!(
                rx.try_recv().map(|c| c.id).unwrap_err(),
                TryRecvError::Empty
            );
            // A dropped op on a closed channel changes nothing.
            tx.close();
            let mut sel = Select::new();
            sel.recv(&rx);
            sel.send(&tx);
            drop(sel.try_select().unwrap());
            assert_eq!(
                rx.try_recv().map(|c| c.id).unwrap_err(),
                TryRecvError::Closed
            );
            drop(sel);
            drop((tx, rx));
            assert_eq!(tally.live(), 0, "a value leaked or was dropped twice");
        },
    );
}

/// Polls `try_select` until it chooses something (a peer has parked), with short sleeps.
fn select_when_parked<'a>(sel: &mut Select<'a>) -> offshoot::SelectedOperation<'a> {
    loop {
        if let Ok(op) = sel.try_select() {
            return op;
        }
        offshoot::time::sleep(Duration::from_millis(1));
    }
}

#[test]
fn dropping_a_selected_send_leaves_the_parked_receiver_waiting() {
    watched(
        "dropping_a_selected_send_leaves_the_parked_receiver_waiting",
        || {
            // The send case claimed a parked receiver; dropping the operation must not tell that
            // receiver the channel closed: it still waits, and gets the next value.
            watched(
                "dropping_a_selected_send_leaves_the_parked_receiver_waiting",
                || {
                    for (selector, receiver_side) in side_pairs() {
                        on(selector, move || {
                            let (tx, rx) = chan::<i32>(0);
                            let receiver = spawn(receiver_side, move || rx.recv());
                            let mut sel = Select::new();
                            sel.send(&tx);
                            drop(select_when_parked(&mut sel));
                            offshoot::time::sleep(SHORT);
                            if receiver.is_finished() {
                                panic!(
                                "{receiver_side:?} receiver: dropping the selected send ended its \
                                 receive with {:?}",
                                receiver.join()
                            );
                            }
                            tx.send(5).unwrap();
                            assert_eq!(poll_join(receiver), Ok(5));
                        });
                    }
                },
            );
        },
    );
}

#[test]
fn dropping_a_selected_recv_leaves_the_parked_sender_waiting() {
    watched(
        "dropping_a_selected_recv_leaves_the_parked_sender_waiting",
        || {
            for (selector, sender_side) in side_pairs() {
                on(selector, move || {
                    let (tx, rx) = chan::<i32>(0);
                    let sender = spawn(sender_side, move || tx.send(7).map_err(|e| e.0));
                    let mut sel = Select::new();
                    sel.recv(&rx);
                    drop(select_when_parked(&mut sel));
                    offshoot::time::sleep(SHORT);
                    if sender.is_finished() {
                        panic!(
                            "{sender_side:?} sender: dropping the selected receive ended its \
                             send with {:?}",
                            sender.join()
                        );
                    }
                    assert_eq!(rx.recv(), Ok(7));
                    assert_eq!(poll_join(sender), Ok(()));
                });
            }
        },
    );
}

#[test]
fn dropping_a_selected_recv_paired_with_a_parked_select_send() {
    watched(
        "dropping_a_selected_recv_paired_with_a_parked_select_send",
        || {
            // The peer is itself a select with a send case (its message not yet made). Dropping our
            // operation must leave that select waiting; its message is made once, when a receive
            // really takes it.
            watched(
                "dropping_a_selected_recv_paired_with_a_parked_select_send",
                || {
                    for side in SIDES {
                        let (tx, rx) = chan::<usize>(0);
                        let made = Arc::new(AtomicUsize::new(0));
                        let m = made.clone();
                        let sender = spawn(side, move || {
                            let (_q_tx, quit) = chan::<()>(0);
                            select! {
                                send(tx, m.fetch_add(1, Ordering::SeqCst) + 100) -> r => r.map_err(|e| e.0),
                                recv(quit) -> _ => unreachable!(),
                            }
                        });
                        {
                            let mut sel = Select::new();
                            sel.recv(&rx);
                            drop(select_when_parked(&mut sel));
                        }
                        offshoot::time::sleep(SHORT);
                        assert!(!sender.is_finished(), "{side:?}: the select send gave up");
                        assert_eq!(rx.recv(), Ok(100 + made.load(Ordering::SeqCst) - 1));
                        assert_eq!(sender.join(), Ok(()));
                        assert_eq!(made.load(Ordering::SeqCst), 1, "the message was made once");
                    }
                },
            );
        },
    );
}

// ---- ready, try_ready, ready_timeout, ready_deadline ----

#[test]
fn the_ready_family_reports_without_performing() {
    watched("the_ready_family_reports_without_performing", || {
        for side in SIDES {
            on(side, || {
                let (tx, rx) = chan::<i32>(1);
                let (full_tx, _full_rx) = chan::<i32>(0);
                let mut sel = Select::new();
                let r = sel.recv(&rx);
                let s = sel.send(&full_tx);
                assert!(sel.try_ready().is_err());
                let start = Instant::now();
                assert!(sel.ready_timeout(SHORT).is_err());
                assert!(start.elapsed() >= SHORT);
                assert!(sel.ready_deadline(Instant::now() + SHORT).is_err());
                assert!(sel.ready_deadline(Instant::now() - SHORT).is_err());
                tx.send(1).unwrap();
                for _ in 0..3 {
                    assert_eq!(sel.try_ready(), Ok(r));
                    assert_eq!(sel.ready(), r);
                    assert_eq!(sel.ready_timeout(SHORT), Ok(r));
                    assert_eq!(sel.ready_deadline(Instant::now()), Ok(r));
                }
                assert_eq!(rx.try_recv(), Ok(1), "ready takes nothing");
                tx.close();
                assert_eq!(sel.try_ready(), Ok(r), "closed counts as ready");
                let _ = s;
            });
        }
    });
}

#[test]
fn a_parked_ready_wakes_on_every_kind_of_change() {
    watched("a_parked_ready_wakes_on_every_kind_of_change", || {
        for (watcher, peer) in side_pairs() {
            for change in ["value", "parked sender", "close", "room", "parked receiver"] {
                let (tx, rx) = chan::<i32>(if change == "value" || change == "room" {
                    1
                } else {
                    0
                });
                if change == "room" {
                    tx.send(0).unwrap();
                }
                let (started_tx, started_rx) = chan::<()>(0);
                let (tx2, rx2) = (tx.clone(), rx.clone());
                let watching = spawn(watcher, move || {
                    let mut sel = Select::new();
                    let i = if change == "room" || change == "parked receiver" {
                        sel.send(&tx2)
                    } else {
                        sel.recv(&rx2)
                    };
                    started_tx.send(()).unwrap();
                    let got = sel.ready_timeout(Duration::from_secs(20));
                    assert_eq!(got, Ok(i), "{change}");
                });
                let (tx, rx) = (tx.clone(), rx.clone());
                let (tx_main, rx_main) = (tx.clone(), rx.clone());
                let peering = spawn(peer, move || {
                    started_rx.recv().unwrap();
                    offshoot::time::sleep(SHORT);
                    match change {
                        "value" => tx.send(1).unwrap(),
                        "parked sender" => {
                            // Parks until the test takes the value below.
                            tx.send(2).unwrap();
                        }
                        "close" => {
                            tx.close();
                        }
                        "room" => assert_eq!(rx.recv(), Ok(0)),
                        _ => {
                            let _ = rx.recv_timeout(Duration::from_secs(20));
                        }
                    }
                });
                watching.join();
                match change {
                    "parked sender" => assert_eq!(rx_main.recv(), Ok(2)),
                    "parked receiver" => tx_main.send(3).unwrap(),
                    _ => {}
                }
                peering.join();
            }
        }
    });
}
