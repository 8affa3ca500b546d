//! `select!` and `Select` under loom: a select racing with a close and with a send on another of
//! its channels, a select's send case racing with a close, two selects that can each pair with
//! the other, and a dynamic `Select` with a send and a receive case. Each checks that exactly one
//! case fires per select, every value is delivered once, and no wake-up is lost.
//!
//! Run with `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release --test loom_select`
//! (see `docs/loom.md`). Each model has at most two threads besides main.

#![cfg(loom)]

use offshoot::{chan, go, never, select, RecvError, Select, SendError, TryRecvError};

/// Checks `f` under every interleaving loom explores with at most two preemptions, so a run is
/// bounded even without `LOOM_MAX_PREEMPTIONS`. When that variable is set, `loom::model` takes
/// the bound from it (and honours `LOOM_LOG`, which the plain `Builder` does not).
fn model<F: Fn() + Sync + Send + 'static>(f: F) {
    if std::env::var_os("LOOM_MAX_PREEMPTIONS").is_some() {
        loom::model(f);
    } else {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(2);
        builder.check(f);
    }
}

/// A select over two channels while one is closed and the other gets a send: it fires exactly
/// one case, and the value sent is received exactly once (by the select or afterwards).
#[test]
fn select_recv_races_close_and_send() {
    model(|| {
        let (tx1, rx1) = chan::<i32>(0);
        let (tx2, rx2) = chan::<i32>(0);
        let closer = go(move || tx1.close());
        let sender = go(move || tx2.send(2));
        let from_select = select! {
            recv(rx1) -> v => {
                assert_eq!(v, Err(RecvError), "nothing is sent on the closed channel");
                None
            }
            recv(rx2) -> v => Some(v),
        };
        match from_select {
            Some(v) => assert_eq!(v, Ok(2)),
            None => assert_eq!(rx2.recv(), Ok(2), "the send still waits for a receiver"),
        }
        assert!(closer.join().unwrap());
        assert_eq!(sender.join().unwrap(), Ok(()));
        assert_eq!(
            rx2.try_recv(),
            Err(TryRecvError::Empty),
            "sent once, received once"
        );
        assert_eq!(rx1.recv(), Err(RecvError));
    });
}

/// A select's send case races with a close while a receiver waits: either the receiver gets the
/// value, or the send fails with it and the receiver sees the close.
#[test]
fn select_send_races_close() {
    model(|| {
        let (tx, rx) = chan::<i32>(0);
        let closer = tx.clone();
        let receiver = go(move || rx.recv());
        let closing = go(move || closer.close());
        let sent = select! {
            send(tx, 7) -> r => r,
            recv(never::<()>()) -> _ => unreachable!("never() is never ready"),
        };
        assert!(closing.join().unwrap());
        match sent {
            Ok(()) => assert_eq!(receiver.join().unwrap(), Ok(7)),
            Err(SendError(value)) => {
                assert_eq!(value, 7, "a failed send hands its value back");
                assert_eq!(receiver.join().unwrap(), Err(RecvError));
            }
        }
    });
}

/// Two selects, each offering to send on one unbuffered channel and to receive on the other: they
/// pair on exactly one channel, whichever parks first, and neither is left waiting.
#[test]
fn two_selects_pair_once() {
    model(|| {
        let (a_tx, a_rx) = chan::<&str>(0);
        let (b_tx, b_rx) = chan::<&str>(0);
        let other = go(move || {
            select! {
                send(b_tx, "b") -> r => { r.unwrap(); None }
                recv(a_rx) -> v => Some(v.unwrap()),
            }
        });
        let here = select! {
            send(a_tx, "a") -> r => { r.unwrap(); None }
            recv(b_rx) -> v => Some(v.unwrap()),
        };
        match (here, other.join().unwrap()) {
            (None, Some("a")) | (Some("b"), None) => {}
            outcome => panic!("the selects did not pair exactly once: {outcome:?}"),
        }
    });
}

/// A dynamic `Select` with a send and a receive case, each with a peer on another thread: one
/// is selected and completed, the other is then done directly; both values arrive once.
#[test]
fn select_struct_send_and_recv() {
    model(|| {
        let (tx1, rx1) = chan::<i32>(0);
        let (tx2, rx2) = chan::<i32>(0);
        let receiver = go(move || rx1.recv());
        let sender = go(move || tx2.send(2));
        let mut sel = Select::new();
        let send_case = sel.send(&tx1);
        let recv_case = sel.recv(&rx2);
        let oper = sel.select();
        match oper.index() {
            i if i == send_case => {
                assert_eq!(oper.send(&tx1, 1), Ok(()));
                assert_eq!(rx2.recv(), Ok(2));
            }
            i if i == recv_case => {
                assert_eq!(oper.recv(&rx2), Ok(2));
                assert_eq!(tx1.send(1), Ok(()));
            }
            i => unreachable!("no case {i}"),
        }
        assert_eq!(receiver.join().unwrap(), Ok(1));
        assert_eq!(sender.join().unwrap(), Ok(()));
    });
}
