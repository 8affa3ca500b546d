//! First checks of channels and select, from coroutines and threads.
use offshoot::{chan, go, select, RecvError, TryRecvError};
use std::time::Duration;

#[test]
fn ping_pong_and_close() {
    let (tx, rx) = chan::<i32>(0);
    let (back_tx, back_rx) = chan::<i32>(0);
    let h = go(move || {
        for v in &rx {
            back_tx.send(v + 1).unwrap();
        }
        back_tx.close();
    });
    for i in 0..1000 {
        tx.send(i).unwrap();
        assert_eq!(back_rx.recv(), Ok(i + 1));
    }
    tx.close();
    h.join().unwrap();
    assert_eq!(back_rx.recv(), Err(RecvError));
}

#[test]
fn buffered_keeps_order_and_drains_after_close() {
    let (tx, rx) = chan(3);
    for i in 0..3 {
        tx.send(i).unwrap();
    }
    assert!(tx.try_send(9).unwrap_err().is_full());
    tx.close();
    assert_eq!(rx.iter().collect::<Vec<_>>(), vec![0, 1, 2]);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(tx.send(5).unwrap_err().into_inner(), 5);
}

#[test]
fn select_takes_the_ready_case_and_times_out() {
    let (tx1, rx1) = chan::<i32>(1);
    let (_tx2, rx2) = chan::<i32>(1);
    tx1.send(7).unwrap();
    let got = select! {
        recv(rx1) -> v => v.unwrap(),
        recv(rx2) -> _ => unreachable!(),
    };
    assert_eq!(got, 7);
    let timed_out = select! {
        recv(rx1) -> _ => false,
        recv(&rx2) -> _ => false,
        default(Duration::from_millis(20)) => true,
    };
    assert!(timed_out);
}

#[test]
fn select_parks_until_a_coroutine_sends() {
    for _ in 0..200 {
        let (tx1, rx1) = chan::<u32>(0);
        let (tx2, rx2) = chan::<u32>(0);
        let h = go(move || tx2.send(2).unwrap());
        let v = select! {
            recv(rx1) -> v => v.unwrap(),
            recv(rx2) -> v => v.unwrap(),
        };
        assert_eq!(v, 2);
        h.join().unwrap();
        drop(tx1);
    }
}

#[test]
fn select_send_pairs_with_parked_receiver() {
    for _ in 0..200 {
        let (tx, rx) = chan::<String>(0);
        let h = go(move || rx.recv().unwrap());
        select! {
            send(tx, "hi".to_string()) -> r => r.unwrap(),
        }
        assert_eq!(h.join().unwrap(), "hi");
    }
}

#[test]
fn select_with_parked_send_case_meets_a_receiver() {
    for _ in 0..200 {
        let (tx, rx) = chan::<u64>(0);
        let (_quit_tx, quit_rx) = chan::<()>(0);
        let h = go(move || {
            select! {
                send(tx, 42) -> r => r.is_ok(),
                recv(quit_rx) -> _ => false,
            }
        });
        assert_eq!(rx.recv(), Ok(42));
        assert!(h.join().unwrap());
    }
}

#[test]
fn select_ready_reports_without_performing() {
    use offshoot::Select;
    let (tx1, rx1) = chan::<i32>(1);
    let (tx2, rx2) = chan::<i32>(0);
    let mut sel = Select::new();
    let i1 = sel.recv(&rx1);
    let i2 = sel.recv(&rx2);
    assert!(sel.try_ready().is_err());
    assert!(sel.ready_timeout(Duration::from_millis(10)).is_err());
    tx1.send(5).unwrap();
    assert_eq!(sel.ready(), i1);
    assert_eq!(rx1.try_recv(), Ok(5), "ready did not take the value");
    // A parked ready() wakes when a sender parks on the unbuffered channel.
    let h = go(move || tx2.send(9).unwrap());
    assert_eq!(sel.ready(), i2);
    assert_eq!(rx2.recv(), Ok(9));
    h.join().unwrap();
    drop(tx1);
}
