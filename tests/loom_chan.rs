//! Channels under loom: every interleaving of a few threads around a send, a receive, a close or
//! a drop, checking that each value arrives exactly once, failed sends hand their value back, and
//! no wake-up is lost (loom reports a deadlock if a parked thread is never woken). Dropped
//! handles are checked under both lifetimes: a Go `chan` ignores them, a `bounded` or
//! `unbounded` channel disconnects.
//!
//! Run with `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release --test loom_chan`
//! (see `docs/loom.md`). Each model has at most three threads besides main.

#![cfg(loom)]

use offshoot::{
    bounded, chan, go, select, unbounded, RecvError, SendError, Sender, TryRecvError, TrySendError,
};

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

/// Receives until the channel reports its close.
fn drain<T>(rx: &offshoot::Receiver<T>) -> Vec<T> {
    rx.iter().collect()
}

/// Unbuffered: each send meets exactly one receive, in order, whoever arrives first.
#[test]
fn unbuffered_hand_off() {
    model(|| {
        let (tx, rx) = chan(0);
        let sender = go(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
            tx.close();
        });
        assert_eq!(rx.recv(), Ok(1));
        assert_eq!(rx.recv(), Ok(2));
        assert_eq!(rx.recv(), Err(RecvError), "the sender has closed it");
        sender.join().unwrap();
    });
}

/// Capacity 1: the second send parks on the full buffer until the receiver takes the first.
#[test]
fn buffered_sender_parks_on_full() {
    model(|| {
        let (tx, rx) = chan(1);
        let sender = go(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap(); // the buffer may still hold 1: parks
            tx.send(3).unwrap();
            tx.close();
        });
        assert_eq!(drain(&rx), [1, 2, 3]);
        sender.join().unwrap();
    });
}

/// Capacity 1: the receiver parks on the empty buffer until a value arrives.
#[test]
fn buffered_receiver_parks_on_empty() {
    model(|| {
        let (tx, rx) = chan(1);
        let receiver = go(move || drain(&rx));
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        tx.close();
        assert_eq!(receiver.join().unwrap(), [1, 2]);
    });
}

/// A close races with a send (and the receive waiting for it): the send either succeeds, and
/// the value is received once, or fails and hands the value back, and the receiver sees the
/// close. Unbuffered and with a buffer of one.
#[test]
fn close_races_with_send() {
    for cap in [0, 1] {
        model(move || {
            let (tx, rx) = chan(cap);
            let closer = tx.clone();
            let sender = go(move || tx.send(7));
            let closing = go(move || closer.close());
            let received = drain(&rx);
            assert!(
                closing.join().unwrap(),
                "the only close() call closes the channel"
            );
            match sender.join().unwrap() {
                Ok(()) => assert_eq!(received, [7]),
                Err(SendError(value)) => {
                    assert_eq!(value, 7, "a failed send hands its value back");
                    assert_eq!(received, []);
                }
            }
        });
    }
}

/// A close races with a parked or arriving receive: values sent before the close are received,
/// then the receiver learns of the close, even if it parked before it.
#[test]
fn close_races_with_recv() {
    for cap in [0, 1] {
        model(move || {
            let (tx, rx) = chan(cap);
            let receiver = go(move || (rx.recv(), rx.recv()));
            tx.send(1).unwrap();
            tx.close(); // `tx` is still alive: only the explicit close ends the receiver
            assert_eq!(receiver.join().unwrap(), (Ok(1), Err(RecvError)));
            assert_eq!(tx.send(2), Err(SendError(2)), "a send after close fails");
        });
    }
}

/// `bounded`: the last of two senders is dropped while the receiver parks: the receiver wakes
/// to the disconnection after the one value sent.
#[test]
fn bounded_last_sender_dropped_while_receiver_parks() {
    model(|| {
        let (tx, rx) = bounded(0);
        let other = tx.clone();
        let receiver = go(move || drain(&rx));
        let sender = go(move || other.send(1).unwrap());
        drop(tx);
        sender.join().unwrap();
        assert_eq!(receiver.join().unwrap(), [1]);
    });
}

/// `bounded`: the last receiver is dropped while a sender parks on an unbuffered channel: the
/// send fails and hands its value back.
#[test]
fn bounded_last_receiver_dropped_while_sender_parks_unbuffered() {
    model(|| {
        let (tx, rx) = bounded(0);
        let sender = go(move || tx.send(7));
        drop(rx);
        assert_eq!(sender.join().unwrap(), Err(SendError(7)));
    });
}

/// `bounded(1)`: the first send may fill the buffer, the second parks on it; both receivers
/// (dropped on two threads) go away, and the parked send fails with its value.
#[test]
fn bounded_last_receiver_dropped_while_sender_parks_buffered() {
    model(|| {
        let (tx, rx) = bounded(1);
        let other = rx.clone();
        let sender = go(move || (tx.send(1), tx.send(2)));
        let dropper = go(move || drop(other));
        drop(rx);
        dropper.join().unwrap();
        let (first, second) = sender.join().unwrap();
        assert!(matches!(first, Ok(()) | Err(SendError(1))), "{first:?}");
        assert_eq!(second, Err(SendError(2)), "no receiver is left to take it");
    });
}

/// Go's `chan`: the last sender of one channel is dropped while a select waits on it and on
/// another channel that gets a value. Dropping closes nothing, so the select takes the value,
/// never an error from the abandoned channel.
#[test]
fn chan_last_sender_dropped_while_a_select_waits() {
    model(|| {
        let (abandoned_tx, abandoned) = chan::<i32>(0);
        let (tx, rx) = chan::<i32>(0);
        let dropper = go(move || drop(abandoned_tx));
        let sender = go(move || tx.send(2));
        let got = select! {
            recv(abandoned) -> v => panic!("the abandoned channel fired: {v:?}"),
            recv(rx) -> v => v,
        };
        assert_eq!(got, Ok(2));
        dropper.join().unwrap();
        assert_eq!(sender.join().unwrap(), Ok(()));
        assert_eq!(abandoned.try_recv(), Err(TryRecvError::Empty), "not closed");
    });
}

/// Go's `chan` with a buffer of one: both receivers are dropped (on two threads) while a sender
/// fills the buffer. Its sends never fail: the first finds room, the next finds the buffer full
/// (no receiver will make room), and the buffered value is dropped once, with the channel.
#[test]
fn chan_last_receiver_dropped_while_sending() {
    model(|| {
        let value = std::sync::Arc::new(());
        let (tx, rx) = chan(1);
        let other = rx.clone();
        let dropper = go(move || drop(other));
        let sending = value.clone();
        let sender = go(move || {
            tx.send(sending).unwrap();
            let refused = tx.try_send(std::sync::Arc::new(()));
            assert!(matches!(refused, Err(TrySendError::Full(_))), "{refused:?}");
            tx
        });
        drop(rx);
        dropper.join().unwrap();
        let tx = sender.join().unwrap();
        assert_eq!(
            std::sync::Arc::strong_count(&value),
            2,
            "buffered, not dropped"
        );
        drop(tx);
        assert_eq!(
            std::sync::Arc::strong_count(&value),
            1,
            "dropped once, with the channel"
        );
    });
}

/// `unbounded`: a sender sends three values and is dropped while the receiver drains: no send
/// waits, every value arrives once and in order, then the disconnection.
#[test]
fn unbounded_send_never_waits_and_drains_in_order() {
    model(|| {
        let (tx, rx) = unbounded();
        let receiver = go(move || drain(&rx));
        for i in 1..=3 {
            assert_eq!(tx.try_send(i), Ok(()), "an unbounded send never waits");
        }
        drop(tx);
        assert_eq!(receiver.join().unwrap(), [1, 2, 3]);
    });
}

// ---- The guide's worked example (docs/loom.md): examples/sum.rs under loom. ----

fn sum(s: Vec<i32>, c: Sender<i32>) {
    let sum: i32 = s.iter().sum();
    c.send(sum).unwrap(); // send sum to c
}

/// The Tour of Go's channel sum: two coroutines each sum half a slice and send the result on an
/// unbuffered channel. The halves may arrive in either order; both arrive, once each. The body is
/// the guide's; the guide wraps it in `loom::model`, here the bounded `model` does.
#[test]
fn sum_example() {
    model(|| {
        offshoot::run(|| {
            let s = [7, 2, 8, -9, 4, 0];
            let (c, results) = chan(0);
            let half = s.len() / 2;
            go!(sum(s[..half].to_vec(), c.clone()));
            go!(sum(s[half..].to_vec(), c.clone()));
            let (x, y) = (results.recv().unwrap(), results.recv().unwrap()); // receive from c
            assert!((x, y) == (17, -5) || (x, y) == (-5, 17), "got {x} {y}");
        });
    });
}
