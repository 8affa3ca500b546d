//! `sync::WaitGroup` and `sync::Mutex` under loom: a wait returns only after every `done`, and
//! sees what was written before it; waiters are all released; a mutex held across a park is still
//! exclusive, and its waiters are woken.
//!
//! Run with `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release --test loom_sync`
//! (see `docs/loom.md`). Each model has at most two threads besides main.

#![cfg(loom)]

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use offshoot::sync::{Mutex, WaitGroup};
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

/// Two workers each record their work (a relaxed store, so only the group's own synchronization
/// can make it visible) and call `done`; `wait` returns after both, and sees both.
#[test]
fn wait_group_waits_for_every_done() {
    model(|| {
        let wg = WaitGroup::new();
        let work = Arc::new(AtomicUsize::new(0));
        wg.add(2);
        for bit in [1, 2] {
            let (wg, work) = (wg.clone(), work.clone());
            go(move || {
                work.fetch_or(bit, Ordering::Relaxed);
                wg.done();
            });
        }
        wg.wait();
        assert_eq!(
            work.load(Ordering::Relaxed),
            3,
            "wait returned before every done"
        );
    });
}

/// Two waiters (main and a coroutine) on one group: the single `done` releases both.
#[test]
fn wait_group_releases_every_waiter() {
    model(|| {
        let wg = WaitGroup::new();
        wg.add(1);
        let waiter = {
            let wg = wg.clone();
            go(move || wg.wait())
        };
        let worker = {
            let wg = wg.clone();
            go(move || wg.done())
        };
        wg.wait();
        waiter.join().unwrap();
        worker.join().unwrap();
    });
}

/// Two threads increment a counter under the mutex, one of them holding it across a park (a
/// receive that waits for main): the lock stays exclusive, so no increment is lost, and the
/// thread queued behind the parked holder is woken when it unlocks.
#[test]
fn mutex_counter_held_across_park() {
    model(|| {
        let counter = Arc::new(Mutex::new(0));
        let (gate_tx, gate_rx) = chan::<()>(0);
        let parker = {
            let counter = counter.clone();
            go(move || {
                let mut guard = counter.lock();
                let seen = *guard;
                gate_rx.recv().unwrap(); // parks, holding the lock, until main sends
                *guard = seen + 1;
            })
        };
        let plain = {
            let counter = counter.clone();
            go(move || *counter.lock() += 1)
        };
        gate_tx.send(()).unwrap();
        parker.join().unwrap();
        plain.join().unwrap();
        assert_eq!(
            *counter.lock(),
            2,
            "an increment was lost: the lock was not exclusive"
        );
    });
}
