//! The channel core from plain OS threads only: small enough for Miri, which checks every access
//! of the unsafe waiter queues (raw pointers to entries on other threads' stacks), every atomic
//! and every drop, and reports data races, use-after-free and leaks.
//!
//! Miri cannot run corosensei's stack switches or the scheduler, so nothing here starts a
//! coroutine: a channel used from a plain thread parks that thread (`std::thread::park`) and
//! never touches the runtime. The same tests run natively with larger counts.
//!
//! `cargo +nightly miri test --test miri_chan`

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use offshoot::{
    chan, never, select, RecvError, RecvTimeoutError, Select, SendError, TryRecvError, TrySendError,
};

/// How many values the threaded tests pass: Miri runs some ten thousand times slower.
const N: usize = if cfg!(miri) { 20 } else { 2_000 };

/// A value whose drops are counted, to check that every value is dropped exactly once.
#[derive(Debug)]
struct Counted {
    id: usize,
    drops: Arc<AtomicUsize>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn values_arrive_in_order_through_every_capacity() {
    for cap in [0, 1, 3] {
        let (tx, rx) = chan::<usize>(cap);
        let producer = thread::spawn(move || {
            for i in 0..N {
                tx.send(i).unwrap();
            }
            tx.close();
        });
        let got: Vec<usize> = rx.iter().collect();
        producer.join().unwrap();
        assert_eq!(got, (0..N).collect::<Vec<_>>(), "cap {cap}");
        assert_eq!(rx.recv(), Err(RecvError), "cap {cap}");
    }
}

#[test]
fn unbuffered_ping_pong_between_two_threads() {
    let (tx, rx) = chan::<usize>(0);
    let (back_tx, back_rx) = chan::<usize>(0);
    let echo = thread::spawn(move || {
        for v in &rx {
            back_tx.send(v * 2).unwrap();
        }
        back_tx.close();
    });
    for i in 0..N {
        tx.send(i).unwrap();
        assert_eq!(back_rx.recv(), Ok(i * 2));
    }
    tx.close();
    echo.join().unwrap();
    assert_eq!(back_rx.recv(), Err(RecvError));
}

#[test]
fn close_keeps_buffered_values_and_returns_later_sends() {
    let (tx, rx) = chan(2);
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert!(matches!(tx.try_send(3), Err(TrySendError::Full(3))));
    assert!(tx.close());
    assert!(
        !tx.close(),
        "a second close reports that the channel was closed already"
    );
    assert!(matches!(tx.send(4), Err(SendError(4))));
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(rx.recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn close_wakes_a_parked_receiver_and_a_parked_sender() {
    // Receiver parked on an empty channel.
    let (tx, rx) = chan::<u8>(0);
    let (started_tx, started_rx) = chan::<()>(1);
    let receiver = thread::spawn(move || {
        started_tx.send(()).unwrap();
        rx.recv()
    });
    started_rx.recv().unwrap();
    // Likely parked by now; the result must be the same whether or not it is.
    thread::sleep(Duration::from_millis(5));
    tx.close();
    assert_eq!(receiver.join().unwrap(), Err(RecvError));

    // Sender parked on a full channel gets its value back.
    let (tx, rx) = chan::<String>(1);
    let closer = tx.clone();
    tx.send("kept".to_string()).unwrap();
    let (started_tx, started_rx) = chan::<()>(1);
    let sender = thread::spawn(move || {
        started_tx.send(()).unwrap();
        tx.send("returned".to_string())
    });
    started_rx.recv().unwrap();
    thread::sleep(Duration::from_millis(5));
    closer.close();
    match sender.join().unwrap() {
        Err(SendError(v)) => assert_eq!(v, "returned"),
        Ok(()) => panic!("a send on a full channel succeeded after close"),
    }
    // Closing keeps what was buffered.
    assert_eq!(rx.recv(), Ok("kept".to_string()));
    assert_eq!(rx.recv(), Err(RecvError));
}

#[test]
fn every_value_is_dropped_exactly_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    // Tests crossbeam's lifetime: the last receiver's drop fails the sends, drops the buffer.
    let (tx, rx) = offshoot::bounded::<Counted>(4);
    let producer = {
        let drops = drops.clone();
        thread::spawn(move || {
            // Sends until the receiver leaves; returns how many values it made.
            for id in 0.. {
                let value = Counted {
                    id,
                    drops: drops.clone(),
                };
                if let Err(SendError(back)) = tx.send(value) {
                    assert_eq!(back.id, id, "a failed send hands back its own value");
                    return id + 1;
                }
            }
            unreachable!()
        })
    };
    for want in 0..N {
        assert_eq!(rx.recv().unwrap().id, want);
    }
    // The last receiver leaving makes sends fail; what is still buffered goes with the channel.
    drop(rx);
    let made = producer.join().unwrap();
    assert!(made > N, "made {made}, received {N}");
    assert_eq!(drops.load(Ordering::SeqCst), made);
}

#[test]
fn select_receives_from_two_threads_each_value_once() {
    let (tx1, rx1) = chan::<usize>(0);
    let (tx2, rx2) = chan::<usize>(1);
    let a = thread::spawn(move || {
        (0..N).for_each(|i| tx1.send(2 * i).unwrap());
        tx1.close();
    });
    let b = thread::spawn(move || {
        (0..N).for_each(|i| tx2.send(2 * i + 1).unwrap());
        tx2.close();
    });
    let (mut evens, mut odds) = (Vec::new(), Vec::new());
    let (mut open1, mut open2) = (true, true);
    while open1 || open2 {
        // A closed channel is swapped for `never()` so that it stops being ready.
        let off = never::<usize>();
        let r1 = if open1 { &rx1 } else { &off };
        let r2 = if open2 { &rx2 } else { &off };
        select! {
            recv(r1) -> v => match v {
                Ok(v) => evens.push(v),
                Err(RecvError) => open1 = false,
            },
            recv(r2) -> v => match v {
                Ok(v) => odds.push(v),
                Err(RecvError) => open2 = false,
            },
        }
    }
    a.join().unwrap();
    b.join().unwrap();
    assert_eq!(evens, (0..N).map(|i| 2 * i).collect::<Vec<_>>());
    assert_eq!(odds, (0..N).map(|i| 2 * i + 1).collect::<Vec<_>>());
}

#[test]
fn select_send_meets_a_parked_receiver() {
    let (tx, rx) = chan::<usize>(0);
    let (other_tx, _other_rx) = chan::<usize>(0);
    let receiver = thread::spawn(move || rx.iter().collect::<Vec<_>>());
    for i in 0..N {
        // `other_tx` has no receiver ready, so only the first case can complete.
        select! {
            send(tx, i) -> r => r.unwrap(),
            send(other_tx, i) -> _ => panic!("nobody receives on the other channel"),
        }
    }
    tx.close();
    assert_eq!(receiver.join().unwrap(), (0..N).collect::<Vec<_>>());
}

#[test]
fn select_default_and_timeout() {
    let (tx, rx) = chan::<u8>(1);
    let nothing_ready = select! {
        recv(rx) -> _ => false,
        default => true,
    };
    assert!(nothing_ready);
    let timed_out = select! {
        recv(rx) -> _ => false,
        default(Duration::from_millis(2)) => true,
    };
    assert!(timed_out);
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(2)),
        Err(RecvTimeoutError::Timeout)
    );
    tx.send(7).unwrap();
    let got = select! {
        recv(rx) -> v => v.unwrap(),
        default => panic!("a buffered value is ready"),
    };
    assert_eq!(got, 7);
}

#[test]
fn select_builder_waits_for_a_thread() {
    let (tx, rx) = chan::<&'static str>(0);
    let sender = thread::spawn(move || tx.send("late").unwrap());
    let off = never::<&'static str>();
    let mut sel = Select::new();
    let idle = sel.recv(&off);
    let live = sel.recv(&rx);
    let op = sel.select();
    assert_eq!(op.index(), live);
    assert_ne!(op.index(), idle);
    assert_eq!(op.recv(&rx), Ok("late"));
    sender.join().unwrap();
}
