//! The `select!` macro: every form of crossbeam-channel's grammar, and the semantics each form
//! must keep (a send's message is evaluated only if its case is chosen, a case never pairs with
//! its own select, bodies may break out of the caller's loop or reassign a channel variable).
//!
//! Only forms that compile are tested here. What does not compile, found while writing these:
//! a refutable pattern after `->` (`recv(r) -> Ok(v) => ..`: "non-exhaustive patterns"), as with
//! crossbeam; a value moved into a send's message and also moved in another case's body
//! (crossbeam accepts it, since only one arm runs; see `a_value_moved_into_one_case_only`); and,
//! at the default `recursion_limit`, a select! of 40 or more cases (see
//! `thirty_nine_cases_and_a_default`).
//!
//! A block body ending in an expression and followed by a comma (`=> { f(v) },`) draws an
//! `unused_braces` warning in the caller's crate: the macro wraps it in a second block.
#![allow(unused_braces)]
// Forms kept on purpose, as a user might write them.
#![allow(
    clippy::never_loop,
    clippy::unnecessary_literal_unwrap,
    clippy::diverging_sub_expression
)]

mod common;

use std::cell::Cell;
use std::ops::Deref;
use std::time::{Duration, Instant};

use offshoot::{chan, never, select, Receiver, RecvError, SendError, Sender, TryRecvError};

const SHORT: Duration = Duration::from_millis(20);

fn watched(name: &str, f: impl FnOnce() + Send + 'static) {
    common::watchdog(name, common::WATCHDOG_SECS, f)
}

// ---- the grammar ----

#[test]
fn bodies_as_expressions_followed_by_commas() {
    watched("bodies_as_expressions_followed_by_commas", || {
        let (tx, rx) = chan::<i32>(1);
        tx.send(1).unwrap();
        let v = select! {
            recv(rx) -> v => v.unwrap() + 1,
            send(tx, 5) -> _ => panic!("full"),
        };
        assert_eq!(v, 2);
        // Expression bodies of every shape: if, match, loop, a macro call.
        tx.send(2).unwrap();
        select! {
            recv(rx) -> v => if v != Ok(2) { panic!("{v:?}") },
            default => unreachable!(),
        }
        tx.send(3).unwrap();
        let w = select! {
            recv(rx) -> v => match v { Ok(3) => "three", _ => "other" },
            default => "default",
        };
        assert_eq!(w, "three");
        tx.send(4).unwrap();
        #[allow(clippy::never_loop)]
        let l = select! {
            recv(rx) -> v => loop { break v.unwrap() * 10 },
            default => 0,
        };
        assert_eq!(l, 40);
        let f = select! {
            recv(rx) -> _ => unreachable!(),
            default => format!("{}-{}", 1, 2),
        };
        assert_eq!(f, "1-2");
    });
}

#[test]
fn block_bodies_with_and_without_commas() {
    watched("block_bodies_with_and_without_commas", || {
        let (tx, rx) = chan::<i32>(3);
        // A send case that is never ready: nobody receives on `off`.
        let (off, _off_rx) = chan::<i32>(0);
        let mut seen = Vec::new();
        tx.send(1).unwrap();
        select! {
            recv(rx) -> v => { seen.push(v.unwrap()); }
            send(off, 0) -> _ => { seen.push(-1); }
            default => {}
        }
        tx.send(2).unwrap();
        select! {
            recv(rx) -> v => { seen.push(v.unwrap()); },
            default => { panic!("ready") },
        }
        // Mixed: a block without comma, then an expression, and a last block without comma.
        tx.send(3).unwrap();
        select! {
            recv(rx) -> v => { seen.push(v.unwrap()) }
            send(off, 0) -> _ => seen.push(-2),
            default => { seen.push(-3) }
        }
        select! {
            recv(rx) -> _ => unreachable!(),
            send(off, 0) -> _ => { seen.push(-2) },
            default => { seen.push(-3) }
        }
        assert_eq!(seen, [1, 2, 3, -3]);
    });
}

#[test]
fn last_case_with_and_without_trailing_comma() {
    watched("last_case_with_and_without_trailing_comma", || {
        let (tx, rx) = chan::<i32>(1);
        tx.send(1).unwrap();
        select! { recv(rx) -> v => assert_eq!(v, Ok(1)) }
        tx.send(2).unwrap();
        select! { recv(rx) -> v => assert_eq!(v, Ok(2)), }
        tx.send(3).unwrap();
        select! { recv(rx) -> v => { assert_eq!(v, Ok(3)) } }
        tx.send(4).unwrap();
        select! { recv(rx) -> v => { assert_eq!(v, Ok(4)) }, }
        select! { send(tx, 5) -> r => r.unwrap() }
        select! { recv(rx) -> v => assert_eq!(v, Ok(5)), default => unreachable!() }
        select! { recv(rx) -> _ => unreachable!(), default => {} }
        select! { recv(rx) -> _ => unreachable!(), default => {}, }
    });
}

#[test]
fn every_form_of_default() {
    watched("every_form_of_default", || {
        let (_tx, rx) = chan::<i32>(0);
        let a = select! { recv(rx) -> _ => 0, default => 1 };
        let b = select! { recv(rx) -> _ => 0, default() => 2 };
        let c = select! { recv(rx) -> _ => 0, default(SHORT) => 3 };
        let d = select! { recv(rx) -> _ => 0, default(SHORT,) => 4, };
        let e = select! { recv(rx) -> _ => 0, default => { 5 } };
        let f = select! { recv(rx) -> _ => 0, default() => { 6 } };
        let g = select! { recv(rx) -> _ => 0, default(SHORT) => { 7 } };
        // `default` need not come last.
        let h = select! { default => 8, recv(rx) -> _ => 0 };
        let i = select! { default(SHORT) => { 9 } recv(rx) -> _ => 0, };
        assert_eq!([a, b, c, d, e, f, g, h, i], [1, 2, 3, 4, 5, 6, 7, 8, 9]);

        // default(timeout) waits no less than asked; default and default() do not wait.
        let start = Instant::now();
        select! { recv(rx) -> _ => {}, default(SHORT) => {} }
        assert!(start.elapsed() >= SHORT);
        // A zero timeout: a try.
        let z = select! { recv(rx) -> _ => 0, default(Duration::ZERO) => 1 };
        assert_eq!(z, 1);
        // A huge timeout is a blocking select (no overflow).
        let (tx2, rx2) = chan::<i32>(1);
        tx2.send(1).unwrap();
        let h = select! { recv(rx2) -> v => v.unwrap(), default(Duration::MAX) => 0 };
        assert_eq!(h, 1);
    });
}

#[test]
fn trailing_commas_in_argument_lists() {
    watched("trailing_commas_in_argument_lists", || {
        let (tx, rx) = chan::<i32>(1);
        select! { send(tx, 1,) -> r => r.unwrap() }
        select! { recv(rx,) -> v => assert_eq!(v, Ok(1)) }
        select! {
            send(tx, 2,) -> r => r.unwrap(),
            recv(rx,) -> _ => unreachable!(),
            default(SHORT,) => unreachable!(),
        }
        assert_eq!(rx.try_recv(), Ok(2));
    });
}

#[test]
fn channel_expressions_by_reference_by_value_and_temporary() {
    watched(
        "channel_expressions_by_reference_by_value_and_temporary",
        || {
            let (tx, rx) = chan::<i32>(4);
            select! { send(&tx, 1) -> r => r.unwrap() }
            select! { send(tx, 2) -> r => r.unwrap() }
            select! { send(&&&tx, 3) -> r => r.unwrap() }
            select! { recv(&rx) -> v => assert_eq!(v, Ok(1)) }
            select! { recv(rx) -> v => assert_eq!(v, Ok(2)) }
            select! { recv(&&&&rx) -> v => assert_eq!(v, Ok(3)) }
            // `recv(rx)` does not move rx: still usable.
            tx.send(4).unwrap();
            assert_eq!(rx.recv(), Ok(4));

            // Owned temporaries: a clone, a call, a boxed end, an Option fallback, a moved end.
            tx.send(5).unwrap();
            select! { recv(rx.clone()) -> v => assert_eq!(v, Ok(5)) }
            let make = || rx.clone();
            tx.send(6).unwrap();
            select! { recv(make()) -> v => assert_eq!(v, Ok(6)) }
            let boxed = Box::new(rx.clone());
            tx.send(7).unwrap();
            select! { recv(*boxed) -> v => assert_eq!(v, Ok(7)) }
            let maybe: Option<&Receiver<i32>> = None;
            select! {
                recv(maybe.unwrap_or(&never())) -> _ => unreachable!(),
                default => {}
            }
            select! {
                recv(Some(rx.clone()).unwrap_or_else(never)) -> _ => unreachable!(),
                default => {}
            }
            let moved = rx.clone();
            let tx_moved = tx.clone();
            #[allow(clippy::redundant_closure_call)]
            {
                select! {
                    send((move || tx_moved)(), 8) -> r => r.unwrap(),
                }
                select! {
                    recv((move || moved)()) -> v => assert_eq!(v, Ok(8)),
                }
            }

            // A temporary timer.
            let start = Instant::now();
            let fired = select! {
                recv(rx) -> _ => false,
                recv(offshoot::time::after(SHORT)) -> t => t.is_ok(),
            };
            assert!(fired && start.elapsed() >= SHORT);
            let fired = select! {
                recv(offshoot::time::after(SHORT)) -> t => t.is_ok(),
                default(Duration::from_secs(20)) => false,
            };
            assert!(fired);
        },
    );
}

#[test]
fn ends_behind_deref() {
    watched("ends_behind_deref", || {
        struct Rx(Receiver<i32>);
        impl Deref for Rx {
            type Target = Receiver<i32>;
            fn deref(&self) -> &Receiver<i32> {
                &self.0
            }
        }
        struct Tx(Sender<i32>);
        impl Deref for Tx {
            type Target = Sender<i32>;
            fn deref(&self) -> &Sender<i32> {
                &self.0
            }
        }
        let (tx, rx) = chan::<i32>(1);
        let (tx, rx) = (Tx(tx), Rx(rx));
        select! { send(tx, 1) -> r => r.unwrap(), default => unreachable!() }
        select! { recv(rx) -> v => assert_eq!(v, Ok(1)), default => unreachable!() }
    });
}

#[test]
fn result_patterns_and_types() {
    watched("result_patterns_and_types", || {
        let (tx, rx) = chan::<i32>(1);
        select! { send(tx, 1) -> res => { let _: Result<(), SendError<i32>> = res; } }
        select! { recv(rx) -> res => { let _: Result<i32, RecvError> = res; } }
        tx.send(2).unwrap();
        select! { recv(rx) -> _ => {} }
        tx.send(3).unwrap();
        select! { recv(rx) -> mut v => { v = v.map(|x| x * 2); assert_eq!(v, Ok(6)) } }
        tx.send(4).unwrap();
        select! { recv(rx) -> ref v => assert_eq!(*v, Ok(4)) }
        tx.send(5).unwrap();
        // The result may shadow the channel's own name.
        select! { recv(rx) -> rx => assert_eq!(rx, Ok(5)) }
        // A send result carries the message back on failure.
        tx.close();
        select! { send(tx, 6) -> res => assert_eq!(res, Err(SendError(6))) }
        select! { recv(rx) -> res => assert_eq!(res, Err(RecvError)) }
        // Types are inferred from the cases.
        let (itx, irx) = chan(1);
        select! { send(itx, "inferred") -> _ => {} }
        assert_eq!(irx.recv(), Ok("inferred"));
    });
}

#[test]
fn the_send_message_is_evaluated_only_if_its_case_is_chosen() {
    watched(
        "the_send_message_is_evaluated_only_if_its_case_is_chosen",
        || {
            let evaluated = Cell::new(0);
            let msg = |v: i32| {
                evaluated.set(evaluated.get() + 1);
                v
            };
            let (tx, rx) = chan::<i32>(1);
            let (full_tx, _full_rx) = chan::<i32>(0);
            // Not ready, default chosen: never evaluated.
            for _ in 0..100 {
                select! {
                    send(full_tx, msg(1)) -> _ => unreachable!(),
                    default => {}
                }
            }
            assert_eq!(evaluated.get(), 0);
            // Another case ready and the send not: never evaluated.
            tx.send(1).unwrap();
            select! {
                send(full_tx, msg(2)) -> _ => unreachable!(),
                recv(rx) -> v => assert_eq!(v, Ok(1)),
            }
            assert_eq!(evaluated.get(), 0);
            // Timed out: never evaluated.
            select! {
                send(full_tx, msg(3)) -> _ => unreachable!(),
                default(SHORT) => {}
            }
            assert_eq!(evaluated.get(), 0);
            // Chosen: evaluated exactly once, both when ready at once and after parking.
            select! { send(tx, msg(4)) -> r => r.unwrap() }
            assert_eq!(evaluated.get(), 1);
            assert_eq!(rx.recv(), Ok(4));
            let (utx, urx) = chan::<i32>(0);
            let receiver = offshoot::go(move || urx.recv());
            select! {
                send(utx, msg(5)) -> r => r.unwrap(),
                send(full_tx, msg(6)) -> _ => unreachable!(),
            }
            assert_eq!(evaluated.get(), 2);
            assert_eq!(receiver.join().unwrap(), Ok(5));
            // Chosen on a closed channel: evaluated once, and handed back.
            tx.close();
            select! {
                send(tx, msg(7)) -> r => assert_eq!(r, Err(SendError(7))),
                send(full_tx, msg(8)) -> _ => unreachable!(),
            }
            assert_eq!(evaluated.get(), 3);
            // Of two ready send cases, exactly one message is made.
            let (a_tx, a_rx) = chan::<i32>(1);
            let (b_tx, b_rx) = chan::<i32>(1);
            for _ in 0..100 {
                let before = evaluated.get();
                select! {
                    send(a_tx, msg(10)) -> r => r.unwrap(),
                    send(b_tx, msg(20)) -> r => r.unwrap(),
                }
                assert_eq!(evaluated.get(), before + 1);
                assert_eq!(a_rx.try_iter().chain(b_rx.try_iter()).count(), 1);
            }
        },
    );
}

#[test]
fn a_value_moved_into_one_case_only() {
    watched("a_value_moved_into_one_case_only", || {
        // Bodies are arms of one match: each may move the same value.
        let (tx, rx) = chan::<String>(1);
        let s = String::from("moved");
        select! {
            recv(rx) -> _ => drop(s),
            default => drop(s),
        }
        // A message may move a value that no other case uses.
        let owned = String::from("message");
        select! { send(tx, owned) -> r => r.unwrap() }
        // Two send cases may move the same value into their messages (only one is evaluated).
        let (tx2, rx2) = chan::<String>(1);
        let shared = String::from("either");
        select! {
            send(tx, shared) -> _ => unreachable!("tx is full"),
            send(tx2, shared) -> r => r.unwrap(),
        }
        assert_eq!(rx2.try_recv().as_deref(), Ok("either"));
        assert_eq!(rx.try_recv().as_deref(), Ok("message"));
    });
}

#[test]
fn nested_select() {
    watched("nested_select", || {
        let (tx, rx) = chan::<i32>(1);
        select! {
            send(tx, 1) -> _ => {
                select! {
                    recv(rx) -> v => {
                        assert_eq!(v, Ok(1));
                        select! {
                            send(tx, 2) -> _ => select! {
                                recv(rx) -> v => assert_eq!(v, Ok(2)),
                                default => unreachable!(),
                            },
                            default => unreachable!()
                        }
                    }
                }
            }
        }
        // As the channel expression and the message expression of another select.
        let (tx2, rx2) = chan::<i32>(1);
        tx2.send(10).unwrap();
        select! {
            send(tx, select! { recv(rx2) -> v => v.unwrap() + 1 }) -> r => r.unwrap(),
        }
        assert_eq!(rx.recv(), Ok(11));
    });
}

#[test]
fn break_continue_and_return_from_bodies() {
    watched("break_continue_and_return_from_bodies", || {
        let (tx, rx) = chan::<i32>(10);
        for i in 0..10 {
            tx.send(i).unwrap();
        }
        tx.close();
        let mut evens = Vec::new();
        loop {
            select! {
                recv(rx) -> v => {
                    let Ok(v) = v else { break };
                    if v % 2 == 1 {
                        continue;
                    }
                    evens.push(v);
                }
            }
        }
        assert_eq!(evens, [0, 2, 4, 6, 8]);

        // break with a value, and a labelled break from an inner loop.
        let (tx, rx) = chan::<i32>(1);
        tx.send(42).unwrap();
        let got = loop {
            select! {
                recv(rx) -> v => break v.unwrap(),
                default => unreachable!(),
            }
        };
        assert_eq!(got, 42);
        let mut rounds = 0;
        'outer: for _ in 0..3 {
            loop {
                rounds += 1;
                select! {
                    recv(rx) -> _ => unreachable!(),
                    default => break 'outer,
                }
            }
        }
        assert_eq!(rounds, 1);

        fn first_even(rx: &Receiver<i32>) -> Option<i32> {
            loop {
                select! {
                    recv(rx) -> v => match v {
                        Ok(v) if v % 2 == 0 => return Some(v),
                        Ok(_) => {}
                        Err(_) => return None,
                    },
                }
            }
        }
        let (tx, rx) = chan::<i32>(3);
        for v in [1, 3, 4] {
            tx.send(v).unwrap();
        }
        assert_eq!(first_even(&rx), Some(4));
        tx.close();
        assert_eq!(first_even(&rx), None);

        // `?` in a body.
        fn sum_two(rx: &Receiver<i32>) -> Result<i32, RecvError> {
            let a = select! { recv(rx) -> v => v? };
            let b = select! { recv(rx) -> v => v? };
            Ok(a + b)
        }
        let (tx, rx) = chan::<i32>(2);
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        assert_eq!(sum_two(&rx), Ok(3));
        tx.send(1).unwrap();
        tx.close();
        assert_eq!(sum_two(&rx), Err(RecvError));
    });
}

#[test]
fn a_body_may_switch_its_channel_off_with_never() {
    watched("a_body_may_switch_its_channel_off_with_never", || {
        // Go's nil-channel idiom: merge two channels until both are closed, switching each case
        // off as its channel closes.
        watched("a_body_may_switch_its_channel_off_with_never", || {
            offshoot::run(|| {
                let (a_tx, mut a) = chan::<u32>(0);
                let (b_tx, mut b) = chan::<u32>(3);
                offshoot::go(move || {
                    (0..100).for_each(|i| a_tx.send(i).unwrap());
                    a_tx.close();
                });
                offshoot::go(move || {
                    (100..250).for_each(|i| b_tx.send(i).unwrap());
                    b_tx.close();
                });
                let (mut a_open, mut b_open) = (true, true);
                let mut got = Vec::new();
                while a_open || b_open {
                    select! {
                        recv(a) -> v => match v {
                            Ok(v) => got.push(v),
                            Err(_) => {
                                a = never();
                                a_open = false;
                            }
                        },
                        recv(b) -> v => match v {
                            Ok(v) => got.push(v),
                            Err(_) => {
                                b = never();
                                b_open = false;
                            }
                        },
                    }
                }
                got.sort_unstable();
                assert_eq!(got, (0..250).collect::<Vec<_>>());
                // Both switched off: only the timeout can fire now.
                select! {
                    recv(a) -> _ => unreachable!(),
                    recv(b) -> _ => unreachable!(),
                    default(SHORT) => {}
                }
            });
        });
    });
}

#[test]
fn twenty_cases() {
    watched("twenty_cases", || {
        let chans: Vec<(Sender<usize>, Receiver<usize>)> = (0..20).map(|_| chan(1)).collect();
        let r: Vec<&Receiver<usize>> = chans.iter().map(|(_, r)| r).collect();
        let mut hits = [0usize; 20];
        for round in 0..400 {
            let k = round % 20;
            chans[k].0.send(k).unwrap();
            let (case, v) = select! {
                recv(r[0]) -> v => (0, v), recv(r[1]) -> v => (1, v),
                recv(r[2]) -> v => (2, v), recv(r[3]) -> v => (3, v),
                recv(r[4]) -> v => (4, v), recv(r[5]) -> v => (5, v),
                recv(r[6]) -> v => (6, v), recv(r[7]) -> v => (7, v),
                recv(r[8]) -> v => (8, v), recv(r[9]) -> v => (9, v),
                recv(r[10]) -> v => (10, v), recv(r[11]) -> v => (11, v),
                recv(r[12]) -> v => (12, v), recv(r[13]) -> v => (13, v),
                recv(r[14]) -> v => (14, v), recv(r[15]) -> v => (15, v),
                recv(r[16]) -> v => (16, v), recv(r[17]) -> v => (17, v),
                recv(r[18]) -> v => (18, v), recv(r[19]) -> v => (19, v),
                default => panic!("channel {k} holds a value"),
            };
            assert_eq!(
                (case, v),
                (k, Ok(k)),
                "the case of the ready channel runs, with its value"
            );
            hits[case] += 1;
        }
        assert!(hits.iter().all(|&h| h == 20));
    });
}

#[test]
fn thirty_nine_cases_and_a_default() {
    watched("thirty_nine_cases_and_a_default", || {
        // The macro's own limit is 64 operations, but at the default `recursion_limit` (128) a
        // select! of 40 or more cases fails to compile ("recursion limit reached while expanding
        // `$crate::__select_internal!`"); 39 cases and a default is the most that compiles without
        // `#![recursion_limit = "256"]`.
        let (tx, rx) = chan::<u8>(1);
        let n = never::<u8>();
        tx.send(39).unwrap();
        let v = select! {
            recv(n) -> _ => 1, recv(n) -> _ => 2, recv(n) -> _ => 3, recv(n) -> _ => 4,
            recv(n) -> _ => 5, recv(n) -> _ => 6, recv(n) -> _ => 7, recv(n) -> _ => 8,
            recv(n) -> _ => 9, recv(n) -> _ => 10, recv(n) -> _ => 11, recv(n) -> _ => 12,
            recv(n) -> _ => 13, recv(n) -> _ => 14, recv(n) -> _ => 15, recv(n) -> _ => 16,
            recv(n) -> _ => 17, recv(n) -> _ => 18, recv(n) -> _ => 19, recv(n) -> _ => 20,
            recv(n) -> _ => 21, recv(n) -> _ => 22, recv(n) -> _ => 23, recv(n) -> _ => 24,
            recv(n) -> _ => 25, recv(n) -> _ => 26, recv(n) -> _ => 27, recv(n) -> _ => 28,
            recv(n) -> _ => 29, recv(n) -> _ => 30, recv(n) -> _ => 31, recv(n) -> _ => 32,
            recv(n) -> _ => 33, recv(n) -> _ => 34, recv(n) -> _ => 35, recv(n) -> _ => 36,
            recv(n) -> _ => 37, recv(n) -> _ => 38,
            recv(rx) -> v => v.unwrap(),
            default => 0,
        };
        assert_eq!(v, 39);
    });
}

#[test]
fn the_same_channel_in_two_cases() {
    watched("the_same_channel_in_two_cases", || {
        let (tx, rx) = chan::<i32>(1);
        let mut hit = [0; 4];
        for _ in 0..400 {
            select! {
                recv(rx) -> _ => hit[0] += 1,
                recv(rx) -> _ => hit[1] += 1,
                send(tx, 0) -> _ => hit[2] += 1,
                send(tx, 0) -> _ => hit[3] += 1,
            }
        }
        assert!(
            hit.iter().all(|&h| h > 0),
            "every case gets chosen: {hit:?}"
        );
        assert_eq!(hit[2] + hit[3] - (hit[0] + hit[1]), tx.len() as i32);

        // Two recv cases on one channel, parked: one value completes exactly one of them.
        for _ in 0..100 {
            let (tx, rx) = chan::<i32>(0);
            let sender = offshoot::go(move || tx.send(7).unwrap());
            let got = select! {
                recv(rx) -> v => v,
                recv(rx) -> v => v,
            };
            assert_eq!(got, Ok(7));
            sender.join().unwrap();
        }
    });
}

#[test]
fn a_select_never_pairs_its_send_with_its_own_recv() {
    watched("a_select_never_pairs_its_send_with_its_own_recv", || {
        for side_is_coroutine in [false, true] {
            let body = || {
                // Unbuffered, no other party: nothing can happen, the select times out.
                let (tx, rx) = chan::<i32>(0);
                let start = Instant::now();
                let r = select! {
                    send(tx, 1) -> _ => "send",
                    recv(rx) -> _ => "recv",
                    default(SHORT) => "timeout",
                };
                assert_eq!(r, "timeout");
                assert!(start.elapsed() >= SHORT);
                let r = select! {
                    recv(rx) -> _ => "recv",
                    send(tx, 1) -> _ => "send",
                    default => "default",
                };
                assert_eq!(r, "default");
                // Buffered with room and empty: only the send is ready.
                let (tx, rx) = chan::<i32>(1);
                for _ in 0..50 {
                    let r = select! {
                        send(tx, 1) -> r => { r.unwrap(); "send" },
                        recv(rx) -> _ => "recv",
                    };
                    assert_eq!(r, "send");
                    assert_eq!(rx.try_recv(), Ok(1));
                }
            };
            if side_is_coroutine {
                offshoot::run(body);
            } else {
                body();
            }
        }
        // Two selects, each with a send and a recv on one unbuffered channel, pair with each
        // other: each gets the other's value, never its own.
        for _ in 0..200 {
            let (tx, rx) = chan::<u32>(0);
            let (tx2, rx2) = (tx.clone(), rx.clone());
            let a = offshoot::go(move || {
                select! {
                    send(tx2, 1) -> r => { r.unwrap(); None },
                    recv(rx2) -> v => Some(v.unwrap()),
                }
            });
            let b = select! {
                send(tx, 2) -> r => { r.unwrap(); None },
                recv(rx) -> v => Some(v.unwrap()),
            };
            let a = a.join().unwrap();
            assert!(
                matches!((a, b), (Some(2), None) | (None, Some(1))),
                "a = {a:?}, b = {b:?}"
            );
        }
    });
}

#[test]
fn select_with_only_default() {
    watched("select_with_only_default", || {
        let v = select! { default => 5 };
        assert_eq!(v, 5);
        let v = select! { default() => { 6 } };
        assert_eq!(v, 6);
        let start = Instant::now();
        select! { default(SHORT) => {} }
        assert!(
            start.elapsed() >= SHORT,
            "an empty select with a timeout sleeps it out"
        );
        let v = offshoot::run(|| {
            let start = Instant::now();
            select! { default(SHORT) => start.elapsed() }
        });
        assert!(v >= SHORT);
    });
}

#[test]
fn the_value_of_select_as_an_expression() {
    watched("the_value_of_select_as_an_expression", || {
        let (tx, rx) = chan::<i32>(1);
        let v: String = select! {
            recv(rx) -> _ => "recv".into(),
            send(tx, 0) -> _ => "send".to_owned(),
            default => "default".to_string(),
        };
        assert_eq!(v, "send");
        let v: String = select! {
            recv(rx) -> _ => "recv".into(),
            default => "default".to_string(),
        };
        assert_eq!(v, "recv");
        let n = 1 + select! { recv(rx) -> _ => 10, default => 100 } * 2;
        assert_eq!(n, 201);
        let unit: () = select! { default => {} };
        let () = unit;
        let f = |x: i32| x;
        assert_eq!(f(select! { send(tx, 3) -> _ => 3 }), 3);
    });
}

#[test]
fn channel_expressions_are_evaluated_once_in_source_order() {
    watched(
        "channel_expressions_are_evaluated_once_in_source_order",
        || {
            let order = std::cell::RefCell::new(Vec::new());
            let (tx, rx) = chan::<i32>(1);
            let note = |k: i32| {
                order.borrow_mut().push(k);
            };
            select! {
                recv({ note(1); &rx }) -> _ => {},
                send({ note(2); &tx }, 0) -> _ => {},
                recv({ note(3); &rx }) -> _ => {},
                default => {},
            }
            assert_eq!(*order.borrow(), [1, 2, 3]);
        },
    );
}

#[test]
#[should_panic(expected = "receiver expression panicked")]
fn a_panicking_receiver_expression_propagates() {
    fn get() -> Receiver<i32> {
        panic!("receiver expression panicked")
    }
    select! { recv(get()) -> _ => {} }
}

// ---- from coroutines and threads ----

#[test]
fn select_in_coroutines_and_threads_meets_every_kind_of_peer() {
    watched(
        "select_in_coroutines_and_threads_meets_every_kind_of_peer",
        || {
            for selector_in_coroutine in [false, true] {
                for peer_in_coroutine in [false, true] {
                    let (tx, rx) = chan::<u32>(0);
                    let (back_tx, back_rx) = chan::<u32>(0);
                    let peer = move || {
                        for i in 0..100 {
                            tx.send(i).unwrap();
                            assert_eq!(back_rx.recv(), Ok(i + 1));
                        }
                    };
                    let peer: Box<dyn FnOnce() + Send> = if peer_in_coroutine {
                        let h = offshoot::go(peer);
                        Box::new(move || h.join().unwrap())
                    } else {
                        let h = std::thread::spawn(peer);
                        Box::new(move || h.join().unwrap())
                    };
                    let selector = move || {
                        let mut pending = None;
                        let (off_tx, _off_rx) = chan::<u32>(0);
                        let mut count = 0;
                        while count < 100 {
                            let out = if pending.is_some() { &back_tx } else { &off_tx };
                            select! {
                                recv(rx) -> v => pending = Some(v.unwrap() + 1),
                                send(out, pending.unwrap()) -> r => {
                                    r.unwrap();
                                    pending = None;
                                    count += 1;
                                },
                            }
                        }
                    };
                    if selector_in_coroutine {
                        offshoot::run(selector);
                    } else {
                        selector();
                    }
                    peer();
                }
            }
        },
    );
}

#[test]
#[allow(unreachable_code)]
fn a_panicking_message_expression_leaves_a_buffered_channel_usable() {
    watched(
        "a_panicking_message_expression_leaves_a_buffered_channel_usable",
        || {
            let (tx, rx) = chan::<i32>(1);
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                select! { send(tx, panic!("message expression panicked")) -> _ => {} }
            }));
            assert!(r.is_err());
            // The reserved slot was given back.
            assert_eq!(tx.try_send(1), Ok(()));
            assert_eq!(rx.try_recv(), Ok(1));
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        },
    );
}

#[test]
#[allow(unreachable_code)]
fn a_select_with_default_never_blocks_even_if_its_paired_sender_gives_up() {
    watched(
        "a_select_with_default_never_blocks_even_if_its_paired_sender_gives_up",
        || {
            // A select parks with a send case; a receiver's select (with `default`) claims that case;
            // the sender's message expression then panics, abandoning the send. The receiver's select
            // must still not block: it has a default, and nothing will ever be sent.
            watched(
                "a_select_with_default_never_blocks_even_if_its_paired_sender_gives_up",
                || {
                    let (tx, rx) = chan::<i32>(0);
                    let (claimed_tx, claimed_rx) = chan::<()>(1);
                    let tx2 = tx.clone();
                    let sender = offshoot::go(move || {
                        select! {
                            send(tx2, {
                                claimed_tx.send(()).unwrap();
                                panic!("message expression panicked on purpose")
                            }) -> _ => {}
                        }
                    });
                    let (result_tx, result_rx) = chan::<Option<Result<i32, RecvError>>>(1);
                    let receiver = std::thread::spawn(move || {
                        // Retry a non-blocking select until the sender is parked and claimed.
                        loop {
                            let got = select! {
                                recv(rx) -> v => Some(v),
                                default => None,
                            };
                            if got.is_some() || claimed_rx.try_recv().is_ok() {
                                result_tx.send(got).unwrap();
                                return;
                            }
                            std::thread::sleep(Duration::from_millis(1));
                        }
                    });
                    assert!(
                        sender.join().is_err(),
                        "the sender's message expression panics"
                    );
                    let outcome = result_rx.recv_timeout(Duration::from_secs(5));
                    if outcome.is_err() {
                        // Blocked: rescue the receiver so nothing is left hanging, then fail.
                        tx.send(-1).unwrap();
                        receiver.join().unwrap();
                        panic!(
                            "select! with `default` blocked after the send case it claimed was \
                         abandoned (it fell back to a blocking receive)"
                        );
                    }
                    receiver.join().unwrap();
                    assert!(
                        matches!(outcome, Ok(None)),
                        "nothing was sent, yet the select received {outcome:?}"
                    );
                },
            );
        },
    );
}

/// `select_biased!` (crossbeam-channel's) chooses the first ready case in source order, every
/// time; `select!` over the same two ready channels chooses both (Go's uniform choice). Send
/// cases and `default` work as in `select!`.
#[test]
fn select_biased_takes_the_first_ready_case_in_order() {
    use offshoot::select_biased;
    let (first_tx, first) = chan::<u32>(1);
    let (second_tx, second) = chan::<u32>(1);
    let mut unbiased_firsts = 0;
    for i in 0..1000 {
        first_tx.send(i).unwrap();
        second_tx.send(i).unwrap();
        select_biased! {
            recv(first) -> v => assert_eq!(v, Ok(i)),
            recv(second) -> _ => panic!("the second case won over a ready first case"),
        }
        assert_eq!(second.recv(), Ok(i));
        first_tx.send(i).unwrap();
        second_tx.send(i).unwrap();
        select! {
            recv(first) -> _ => {
                unbiased_firsts += 1;
                second.recv().unwrap();
            },
            recv(second) -> _ => {
                first.recv().unwrap();
            },
        }
    }
    // Uniform over 1,000 choices: far from both ends (a fixed order would give 0 or 1000).
    assert!((100..900).contains(&unbiased_firsts), "{unbiased_firsts}");
    // A send case first, a ready receive second: the send wins.
    let (out_tx, out) = chan::<u32>(1);
    first_tx.send(7).unwrap();
    select_biased! {
        send(out_tx, 1) -> r => r.unwrap(),
        recv(first) -> _ => panic!("the ready send case comes first"),
    }
    assert_eq!(out.recv(), Ok(1));
    assert_eq!(first.recv(), Ok(7));
    // Nothing ready: `default` runs.
    let ran_default = select_biased! {
        recv(first) -> _ => false,
        default => true,
    };
    assert!(ran_default);
}
