//! probe
use offshoot::{chan, select, go};
use std::time::Duration;
#[test]
fn probe_panic_msg() {
    offshoot::run(|| {
        let (tx, rx) = chan::<i32>(0);
        let (st_tx, st) = chan::<()>(0);
        let h = go(move || { st_tx.send(()).unwrap(); rx.recv() });
        st.recv().unwrap();
        offshoot::time::sleep(Duration::from_millis(20));
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            select! { send(tx, { if true { panic!("boom") }; 1 }) -> _ => {} }
        }));
        assert!(r.is_err());
        offshoot::time::sleep(Duration::from_millis(20));
        println!("receiver finished early: {}", h.is_finished());
        let _ = tx.send_timeout(5, Duration::from_millis(100));
        println!("receiver got {:?}", h.join().unwrap());
    });
}
