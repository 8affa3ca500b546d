//! A deliberately wrong user program, to show that loom explores the interleavings a normal run
//! rarely shows: two coroutines each send one value on an unbuffered channel, and the program
//! assumes the one started first is received first. Nothing orders the two sends, so loom finds
//! a run where B's value arrives first, and the test expects exactly that failure.
//!
//! Run with `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release --test loom_user_bug`.

#![cfg(loom)]

use offshoot::{chan, go};

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

/// The wrong assumption: "A was started first, so A's value is received first".
#[test]
#[should_panic(expected = "B's value was received before A's")]
fn first_started_is_not_first_received() {
    model(|| {
        let (tx, rx) = chan(0);
        let tx_b = tx.clone();
        let a = go(move || tx.send("A").unwrap());
        let b = go(move || tx_b.send("B").unwrap());
        // Receive both and let both senders finish before checking, so that the failing
        // assertion unwinds no thread parked on the channel.
        let (first, second) = (rx.recv().unwrap(), rx.recv().unwrap());
        a.join().unwrap();
        b.join().unwrap();
        assert_eq!(
            (first, second),
            ("A", "B"),
            "B's value was received before A's"
        );
    });
}

/// The same program without the assumption: whichever order the values come in, both arrive.
#[test]
fn both_values_arrive_in_some_order() {
    model(|| {
        let (tx, rx) = chan(0);
        let tx_b = tx.clone();
        go(move || tx.send("A").unwrap());
        go(move || tx_b.send("B").unwrap());
        let mut received = [rx.recv().unwrap(), rx.recv().unwrap()];
        received.sort_unstable();
        assert_eq!(received, ["A", "B"]);
    });
}
