//! A started coroutine keeps its thread (issue 11): whatever it holds that belongs to the OS
//! thread it runs on (an `Rc` also kept in a thread-local, `rand::thread_rng()`) stays on that
//! thread across every park, however and from wherever it is woken. Before the change a parked
//! coroutine could resume on whichever worker woke it: the thread-local `Rc`'s count read
//! 845,351 where 2 was right, and `thread_rng()` handed out 185,674 duplicates in 8 million
//! draws with two workers.
//!
//! With one worker (`OFFSHOOT_WORKERS=1`) nothing can move, so these pass trivially there; they
//! bite with two or more.

mod common;

use std::cell::Cell;
use std::rc::Rc;
use std::thread::{self, ThreadId};

use common::run_watched;
use offshoot::{chan, go, Receiver, Sender};
use rand::Rng;

thread_local! {
    /// One per OS thread: coroutines on a thread clone it.
    static SHARED: Rc<()> = Rc::new(());
    /// How many coroutines hold a clone of this thread's `SHARED` now.
    static HOLDERS: Cell<usize> = const { Cell::new(0) };
}

/// Wake-ups per coroutine, and coroutines: 100,000 wake-ups in all.
const ROUNDS: usize = 12_500;
const COROUTINES: usize = 8;

/// Waits `ROUNDS` times to be woken, checking each time that it is still on the thread whose
/// `SHARED` it holds and that that `Rc`'s count is exact. Returns how many wake-ups came from
/// another thread.
fn hold_across_parks(wake: Receiver<ThreadId>) -> usize {
    let mine = SHARED.with(Rc::clone);
    HOLDERS.with(|h| h.set(h.get() + 1));
    let mut from_elsewhere = 0;
    for round in 0..ROUNDS {
        let waker = wake.recv().expect("the waker sends ROUNDS times");
        if waker != thread::current().id() {
            from_elsewhere += 1;
        }
        assert!(
            SHARED.with(|s| Rc::ptr_eq(s, &mine)),
            "round {round}: resumed on another thread than the one it started on"
        );
        let holders = HOLDERS.with(Cell::get);
        assert_eq!(
            Rc::strong_count(&mine),
            1 + holders,
            "round {round}: the thread-local Rc's count is off"
        );
        let extra = Rc::clone(&mine);
        drop(extra);
    }
    HOLDERS.with(|h| h.set(h.get() - 1));
    from_elsewhere
}

/// Sends `ROUNDS` wake-ups to each of `targets`, round robin, stamped with the sender's thread.
fn wake_all(targets: Vec<Sender<ThreadId>>) {
    for _ in 0..ROUNDS {
        for target in &targets {
            target.send(thread::current().id()).unwrap();
        }
    }
}

#[test]
fn a_thread_local_rc_held_across_100000_wake_ups_keeps_an_exact_count() {
    let from_elsewhere = run_watched("thread-local Rc", || {
        let (mut by_thread, mut by_coroutine) = (Vec::new(), Vec::new());
        let mut holders = Vec::new();
        for k in 0..COROUTINES {
            let (tx, rx) = chan(0);
            holders.push(go(move || hold_across_parks(rx)));
            // Half are woken by a plain thread, half by a coroutine (on whichever worker).
            if k % 2 == 0 {
                by_thread.push(tx);
            } else {
                by_coroutine.push(tx);
            }
        }
        let plain = thread::spawn(move || wake_all(by_thread));
        let coroutine = go(move || wake_all(by_coroutine));
        coroutine.join().unwrap();
        offshoot::blocking(move || plain.join()).unwrap(); // never block a worker
        holders
            .into_iter()
            .map(|h| h.join().unwrap())
            .sum::<usize>()
    });
    assert!(
        from_elsewhere >= ROUNDS * COROUTINES / 2,
        "every wake-up from the plain thread comes from another thread ({from_elsewhere})"
    );
}

#[test]
fn thread_rng_held_across_parks_draws_no_duplicates() {
    const DRAWS: usize = 250_000;
    let draws = run_watched("thread_rng", || {
        let (tick_tx, tick_rx) = chan::<()>(0);
        let drawers: Vec<_> = (0..COROUTINES)
            .map(|_| {
                let tick = tick_rx.clone();
                go(move || {
                    let mut rng = rand::thread_rng();
                    let mut drawn = Vec::with_capacity(DRAWS);
                    for i in 0..DRAWS {
                        drawn.push(rng.gen::<u64>());
                        if i % 100 == 99 {
                            offshoot::yield_now();
                        }
                        if i % 200 == 199 {
                            tick.recv().unwrap(); // woken by a plain thread
                        }
                    }
                    drawn
                })
            })
            .collect();
        let closer = tick_tx.clone();
        let ticks = thread::spawn(move || while tick_tx.send(()).is_ok() {});
        let mut all: Vec<u64> = drawers
            .into_iter()
            .flat_map(|d| d.join().unwrap())
            .collect();
        closer.close(); // ends the ticking thread's last send
        offshoot::blocking(move || ticks.join()).unwrap();
        all.sort_unstable();
        all
    });
    let duplicates = draws.windows(2).filter(|w| w[0] == w[1]).count();
    // Two equal values among 2 million honest 64-bit draws: odds of about 1 in 10 million.
    assert_eq!(
        duplicates,
        0,
        "{duplicates} duplicates in {} draws",
        draws.len()
    );
}

#[test]
fn a_coroutine_that_allows_migration_still_runs_correctly() {
    let sum = run_watched("allow_migration", || {
        let (tx, rx) = chan(0);
        // SAFETY: the closure holds only integers and a channel end across its parks.
        let receiver = unsafe { offshoot::Builder::new().allow_migration() }
            .spawn(move || {
                let mut sum = 0u64;
                for v in &rx {
                    sum += v;
                    offshoot::yield_now();
                }
                sum
            })
            .unwrap();
        let sender = thread::spawn(move || {
            for v in 1..=10_000u64 {
                tx.send(v).unwrap();
            }
            tx.close();
        });
        offshoot::blocking(move || sender.join()).unwrap();
        receiver.join().unwrap()
    });
    assert_eq!(sum, 10_000 * 10_001 / 2);
}
