//! Go select semantics that the ported Go tests only touch lightly, tested harder. Not ports of
//! Go test programs: each test names the Go rule it checks.

mod common_chan;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common_chan::{ms, run_watched, watchdog, WATCHDOG_SECS};
use offshoot::{chan, go, select, RecvError, Select, SendError};

// ---------------------------------------------------------------------------------------------
// Go's rule behind TestNonblockSelectRace: a select acts on the state of its channels at one
// moment (Go locks all of them), so a non-blocking select whose cases are, at every moment, not
// all unready must never take `default`. Go's test hits the window only rarely; this one keeps
// a mover thread changing which of two channels is ready while an observer thread runs
// non-blocking selects as fast as it can.
//
// The mover keeps at least one token buffered in c1 or c2 at all times: from {c1} it puts one
// in c2 ({c1, c2}), takes c1's ({c2}), puts one in c1 ({c1, c2}), takes c2's ({c1}), and so on.
// The observer takes a token and puts it straight back before its next select, so whenever it
// selects, a token is buffered.

/// How the observer makes its non-blocking selection.
#[derive(Clone, Copy, Debug)]
enum NonBlocking {
    /// `select!` with `default`.
    Default,
    /// `Select::try_select`.
    TrySelect,
    /// `Select::select_timeout(Duration::ZERO)`.
    ZeroTimeout,
}

/// Runs the observer for `duration`; returns (selects, defaults).
fn smear(how: NonBlocking, duration: Duration) -> (u64, u64) {
    let (c1, r1) = chan::<i32>(1);
    let (c2, r2) = chan::<i32>(1);
    c1.send(1).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let (m1, m2, mr1, mr2, st) = (c1.clone(), c2.clone(), r1.clone(), r2.clone(), stop.clone());
    let mover = std::thread::spawn(move || {
        while !st.load(Ordering::Relaxed) {
            m2.send(1).unwrap();
            mr1.recv().unwrap();
            m1.send(1).unwrap();
            mr2.recv().unwrap();
        }
    });
    let (mut selects, mut defaults) = (0u64, 0u64);
    let start = Instant::now();
    while start.elapsed() < duration && defaults == 0 {
        for _ in 0..1000 {
            selects += 1;
            match how {
                NonBlocking::Default => select! {
                    recv(r1) -> v => c1.send(v.unwrap()).unwrap(),
                    recv(r2) -> v => c2.send(v.unwrap()).unwrap(),
                    default => defaults += 1,
                },
                NonBlocking::TrySelect | NonBlocking::ZeroTimeout => {
                    let mut sel = Select::new();
                    let i1 = sel.recv(&r1);
                    let _i2 = sel.recv(&r2);
                    let oper = match how {
                        NonBlocking::TrySelect => sel.try_select().ok(),
                        _ => sel.select_timeout(Duration::ZERO).ok(),
                    };
                    match oper {
                        None => defaults += 1,
                        Some(oper) if oper.index() == i1 => {
                            c1.send(oper.recv(&r1).unwrap()).unwrap()
                        }
                        Some(oper) => c2.send(oper.recv(&r2).unwrap()).unwrap(),
                    }
                }
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    mover.join().unwrap();
    (selects, defaults)
}

/// The three variants in turn (not as separate tests: the race needs the mover and the observer
/// on two cores at once, which concurrent tests would take away), each for up to 1.5 s and
/// stopping at the first `default`.
#[test]
fn nonblock_select_sees_one_moment() {
    for how in [
        NonBlocking::Default,
        NonBlocking::TrySelect,
        NonBlocking::ZeroTimeout,
    ] {
        let (selects, defaults) = watchdog(
            "nonblock_select_sees_one_moment",
            WATCHDOG_SECS,
            move || smear(how, Duration::from_millis(1500)),
        );
        assert_eq!(
            defaults, 0,
            "{how:?}: a non-blocking select found nothing ready although c1 or c2 held a value \
             at every moment (after {selects} selects)"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Go's rule (runtime/chan.go, closechan): closing a channel releases every parked sender (in Go
// they panic; here their send fails with the message back) and every parked receiver, selects
// parked on the channel among them. Each is parked first (handshake, then a short sleep), and
// the assertions hold whichever way the race went.

#[test]
fn close_releases_parked_senders_and_selects() {
    run_watched("close_releases_parked_senders_and_selects", || {
        for _ in 0..50 {
            let (tx, rx) = chan::<String>(0);
            let (started_tx, started) = chan::<()>(2);
            let (s, st) = (tx.clone(), started_tx.clone());
            let plain = go(move || {
                st.send(()).unwrap();
                s.send("plain".to_string())
            });
            let (s, st) = (tx.clone(), started_tx);
            let in_select = go(move || {
                let (_other_tx, other) = chan::<()>(0);
                st.send(()).unwrap();
                select! {
                    send(s, "select".to_string()) -> r => r,
                    recv(other) -> _ => panic!("nothing is sent on other"),
                }
            });
            started.recv().unwrap();
            started.recv().unwrap();
            offshoot::time::sleep(ms(2));
            tx.close();
            assert_eq!(plain.join().unwrap(), Err(SendError("plain".to_string())));
            assert_eq!(
                in_select.join().unwrap(),
                Err(SendError("select".to_string()))
            );
            assert_eq!(
                rx.recv(),
                Err(RecvError),
                "a failed send delivered its value"
            );
        }
    });
}

#[test]
fn close_releases_parked_receivers_and_selects() {
    run_watched("close_releases_parked_receivers_and_selects", || {
        for _ in 0..50 {
            let (tx, rx) = chan::<i32>(0);
            let (started_tx, started) = chan::<()>(2);
            let (r, st) = (rx.clone(), started_tx.clone());
            let plain = go(move || {
                st.send(()).unwrap();
                r.recv()
            });
            let (r, st) = (rx.clone(), started_tx);
            let in_select = go(move || {
                let (_other_tx, other) = chan::<()>(0);
                st.send(()).unwrap();
                select! {
                    recv(r) -> v => v,
                    recv(other) -> _ => panic!("nothing is sent on other"),
                }
            });
            started.recv().unwrap();
            started.recv().unwrap();
            offshoot::time::sleep(ms(2));
            tx.close();
            assert_eq!(plain.join().unwrap(), Err(RecvError));
            assert_eq!(in_select.join().unwrap(), Err(RecvError));
        }
    });
}

// ---------------------------------------------------------------------------------------------
// offshoot's own rule (documented on `select!`): a send case's message is evaluated only when
// its case is chosen, after the operation is reserved. If evaluating it panics, the select is
// abandoned, and the peer it was paired with must not be told a lie: a receiver parked on an
// open channel must not see it closed. (Go has no such case: it evaluates messages before
// selecting.)

#[test]
fn abandoned_send_case_leaves_parked_receiver_waiting() {
    run_watched("abandoned_send_case_leaves_parked_receiver_waiting", || {
        let (tx, rx) = chan::<i32>(0);
        let (started_tx, started) = chan::<()>(0);
        let receiver = go(move || {
            started_tx.send(()).unwrap();
            rx.recv()
        });
        started.recv().unwrap();
        offshoot::time::sleep(ms(20)); // let the receiver park
        #[allow(unreachable_code, clippy::diverging_sub_expression)]
        let abandoned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            select! {
                send(tx, { panic!("the message cannot be made") }) -> _ => {}
            }
        }));
        assert!(abandoned.is_err());
        // The channel is open; the receiver must still be waiting, and get the next value.
        let sent = tx.send_timeout(5, Duration::from_secs(WATCHDOG_SECS / 2));
        assert_eq!(
            receiver.join().unwrap(),
            Ok(5),
            "a receiver parked on an open channel was told it is closed (Err(RecvError) is a lie)"
        );
        assert!(sent.is_ok());
    });
}
