//! `time::after`, `time::tick`, `Timer` and `Ticker`: values on channels, never early; Go 1.23's
//! stop and reset (once they return, no stale value is received; they report whether the timer
//! was active); tickers drop ticks for a slow reader; timers in `select!` as Go programs use them;
//! many timers at once; timers on plain threads.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use offshoot::time::{after, sleep, tick, Ticker, Timer};
use offshoot::{RecvTimeoutError, TryRecvError};

use common::{run_watched, watchdog, WATCHDOG_SECS};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

const HOUR: Duration = Duration::from_secs(3600);

/// Waits (in a coroutine, by sleeping) until `c` holds a value, so a timer is known to have
/// fired without its value being taken. Panics after 5 s.
fn wait_until_buffered(c: &offshoot::Receiver<Instant>) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while c.is_empty() {
        assert!(
            Instant::now() < deadline,
            "the timer did not fire within 5 s"
        );
        sleep(ms(1));
    }
}

// ---------------------------------------------------------------------------------------------
// after and tick

#[test]
fn after_fires_once_never_early_and_never_closes() {
    run_watched("after_fires_once_never_early_and_never_closes", || {
        for d in [ms(0), ms(1), ms(5), ms(20)] {
            let start = Instant::now();
            let rx = after(d);
            let fired_at = rx.recv().unwrap();
            let waited = start.elapsed();
            assert!(
                fired_at >= start + d,
                "after({d:?}) sent a time before its deadline"
            );
            assert!(waited >= d, "after({d:?}) fired after {waited:?}");
            assert!(waited < d + ms(1000), "after({d:?}) fired after {waited:?}");
            // One value only, and the channel stays open: a second receive waits.
            assert_eq!(rx.recv_timeout(ms(20)), Err(RecvTimeoutError::Timeout));
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            assert!(!rx.is_closed());
        }
    });
}

/// `at(when)` (crossbeam-channel's) delivers one value no earlier than `when`, on a channel
/// that never closes; a `when` already past delivers at once. From a coroutine and a plain
/// thread, through the root re-export crossbeam code uses.
#[test]
fn at_fires_once_at_its_instant_and_never_closes() {
    fn check() {
        for d in [ms(0), ms(1), ms(5), ms(20)] {
            let when = Instant::now() + d;
            let rx = offshoot::at(when);
            let fired_at = rx.recv().unwrap();
            assert!(fired_at >= when, "at() sent a time before its instant");
            assert!(Instant::now() >= when);
            assert_eq!(rx.recv_timeout(ms(20)), Err(RecvTimeoutError::Timeout));
            assert!(!rx.is_closed());
        }
        let past = Instant::now() - ms(50);
        // "At once": well inside the watchdog, however loaded the machine.
        assert!(offshoot::at(past)
            .recv_timeout(Duration::from_secs(30))
            .is_ok());
        // In a select, against a channel nobody sends on.
        let (_tx, rx) = offshoot::chan::<()>(0);
        let when = Instant::now() + ms(5);
        offshoot::select! {
            recv(rx) -> _ => panic!("nothing was sent"),
            recv(offshoot::at(when)) -> t => assert!(t.unwrap() >= when),
        }
    }
    run_watched("at_fires_once_at_its_instant (coroutine)", check);
    watchdog(
        "at_fires_once_at_its_instant (thread)",
        WATCHDOG_SECS,
        check,
    );
}

/// `tick` and `Ticker` deliver ticks no earlier than the period says (the k-th tick is at least
/// k periods after the start), and not far later.
#[test]
fn ticks_come_at_about_the_period() {
    const PERIOD: Duration = Duration::from_millis(10);
    const TICKS: u32 = 6;
    run_watched("ticks_come_at_about_the_period", || {
        let check = |start: Instant, c: &offshoot::Receiver<Instant>| {
            let mut last = start;
            for k in 1..=TICKS {
                let at = c.recv().unwrap();
                assert!(
                    at >= start + PERIOD * k,
                    "tick {k} came {:?} after the start",
                    at - start
                );
                assert!(at > last, "ticks out of order");
                last = at;
            }
            let elapsed = start.elapsed();
            assert!(
                elapsed < PERIOD * TICKS * 5 + ms(300),
                "{TICKS} ticks of {PERIOD:?} took {elapsed:?}"
            );
        };
        let start = Instant::now();
        let rx = tick(PERIOD);
        check(start, &rx);

        let start = Instant::now();
        let ticker = Ticker::new(PERIOD);
        check(start, ticker.receiver());
        ticker.stop();
    });
}

/// A reader that sleeps through ten periods finds one tick waiting, not ten: the ticker drops
/// the ticks its channel has no room for.
#[test]
fn a_ticker_drops_ticks_for_a_slow_reader() {
    const PERIOD: Duration = Duration::from_millis(20);
    run_watched("a_ticker_drops_ticks_for_a_slow_reader", || {
        for ticker_kind in 0..2 {
            let ticker = Ticker::new(PERIOD);
            let tick_rx = tick(PERIOD);
            let c = if ticker_kind == 0 {
                &ticker.c
            } else {
                &tick_rx
            };
            sleep(PERIOD * 10);
            let drained_at = Instant::now();
            c.try_recv().expect("no tick waiting after ten periods");
            // Anything more must be a fresh tick that came while draining, not a queued old one
            // (queued ticks would date from the sleep, well before `drained_at`).
            let mut extra = Vec::new();
            while let Ok(at) = c.try_recv() {
                extra.push(at);
            }
            assert!(
                extra.iter().all(|&at| at + PERIOD / 2 >= drained_at) && extra.len() <= 1,
                "ticks queued for a slow reader: {} more, sent {:?} before the drain",
                extra.len(),
                extra
                    .iter()
                    .map(|&at| drained_at.saturating_duration_since(at))
                    .collect::<Vec<_>>()
            );
            ticker.stop();
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Timer: stop and reset

#[test]
fn stop_before_expiry_returns_true_and_nothing_comes() {
    run_watched("stop_before_expiry_returns_true_and_nothing_comes", || {
        let timer = Timer::new(ms(30));
        assert!(timer.stop(), "a pending timer's stop returned false");
        assert!(!timer.stop(), "a second stop returned true");
        assert_eq!(
            timer.c.recv_timeout(ms(100)),
            Err(RecvTimeoutError::Timeout)
        );
    });
}

#[test]
fn stop_after_expiry_with_the_value_unreceived_returns_true_and_discards_it() {
    run_watched(
        "stop_after_expiry_with_the_value_unreceived_returns_true_and_discards_it",
        || {
            let timer = Timer::new(ms(2));
            wait_until_buffered(&timer.c);
            assert!(
                timer.stop(),
                "stop of a fired, unreceived timer returned false"
            );
            assert_eq!(
                timer.c.try_recv(),
                Err(TryRecvError::Empty),
                "the value survived stop"
            );
            assert_eq!(timer.c.recv_timeout(ms(20)), Err(RecvTimeoutError::Timeout));
            assert!(!timer.stop());
        },
    );
}

#[test]
fn stop_after_the_value_was_received_returns_false() {
    run_watched("stop_after_the_value_was_received_returns_false", || {
        let timer = Timer::new(ms(2));
        timer.c.recv().unwrap();
        assert!(
            !timer.stop(),
            "stop after the value was received returned true"
        );
        // reset of a spent timer also returns false, and it fires again.
        let reset_at = Instant::now();
        assert!(!timer.reset(ms(5)));
        let at = timer.c.recv().unwrap();
        assert!(at >= reset_at + ms(5), "the reset timer fired early");
        assert!(!timer.stop());
    });
}

#[test]
fn reset_of_a_pending_timer_returns_true_and_it_fires_once_at_the_new_time() {
    run_watched(
        "reset_of_a_pending_timer_returns_true_and_it_fires_once_at_the_new_time",
        || {
            // Shortened.
            let timer = Timer::new(HOUR);
            let reset_at = Instant::now();
            assert!(
                timer.reset(ms(20)),
                "reset of a pending timer returned false"
            );
            let at = timer.c.recv().unwrap();
            assert!(
                at >= reset_at + ms(20),
                "fired {:?} after the reset",
                at - reset_at
            );
            assert!(reset_at.elapsed() < ms(1000));
            assert_eq!(
                timer.c.recv_timeout(ms(40)),
                Err(RecvTimeoutError::Timeout),
                "fired twice"
            );

            // Lengthened: the old expiry never fires.
            let timer = Timer::new(ms(50));
            assert!(timer.reset(HOUR));
            assert_eq!(
                timer.c.recv_timeout(ms(100)),
                Err(RecvTimeoutError::Timeout)
            );
            assert!(timer.stop(), "the re-armed timer was not pending");

            // Fired but unreceived: reset discards the old value; only the new one comes.
            let timer = Timer::new(ms(1));
            wait_until_buffered(timer.receiver());
            let reset_at = Instant::now();
            assert!(
                timer.reset(ms(10)),
                "reset of a fired, unreceived timer returned false"
            );
            let at = timer.c.recv().unwrap();
            assert!(
                at >= reset_at + ms(10),
                "received the value from before the reset"
            );
            assert_eq!(timer.c.try_recv(), Err(TryRecvError::Empty));
        },
    );
}

/// Stops and resets (alternately) race the timer's expiry and a receiver coroutine, over many
/// rounds with the timing varied so every interleaving comes up. In each round:
/// - no value is received after `stop`/`reset` has returned (the receiver checks a flag raised
///   after it returns, before each receive; and at the end, after every old deadline, every
///   timer's channel is still empty);
/// - if `stop`/`reset` returned true, the value was not received (it was pending, or it had fired
///   and the value was discarded).
///
/// The stopper runs in a coroutine, or on a plain thread: with one worker, two coroutines share
/// a thread and the runtime fires timers mostly between them, so only a plain-thread stopper
/// races a firing in parallel there.
///
/// The converse (false only if the value was received) is checked by
/// `stop_and_reset_return_true_whenever_the_value_was_never_received`.
fn stop_and_reset_race(on_plain_thread: bool) {
    const ROUNDS: u64 = 2_000;
    let body = move || {
        type Work = (offshoot::Receiver<Instant>, Arc<AtomicBool>);
        let pause: fn() = if on_plain_thread {
            std::hint::spin_loop
        } else {
            offshoot::yield_now
        };
        let (work_tx, work_rx) = offshoot::chan::<Work>(0);
        let (report_tx, report_rx) = offshoot::chan::<(bool, bool)>(0);
        let receiver = offshoot::go(move || {
            for (c, returned) in work_rx.iter() {
                let (got, stale) = loop {
                    let after_return = returned.load(Ordering::SeqCst);
                    match c.try_recv() {
                        Ok(_) => break (true, after_return),
                        Err(_) if after_return => break (false, false),
                        Err(_) => offshoot::yield_now(),
                    }
                };
                report_tx.send((got, stale)).unwrap();
            }
        });
        let mut timers = Vec::new();
        let mut returned_false = [0_u32; 2]; // value received, value never received
        for round in 0..ROUNDS {
            let reset = round % 2 == 1;
            let op = if reset { "reset" } else { "stop" };
            let delay = Duration::from_micros(round * 7 % 300);
            let wait = Duration::from_micros(round * 13 % 400);
            let timer = Timer::new(delay);
            let returned = Arc::new(AtomicBool::new(false));
            work_tx.send((timer.c.clone(), returned.clone())).unwrap();
            let until = Instant::now() + wait;
            while Instant::now() < until {
                pause();
            }
            let active = if reset {
                timer.reset(HOUR)
            } else {
                timer.stop()
            };
            returned.store(true, Ordering::SeqCst);
            let (got, stale) = report_rx.recv().unwrap();
            assert!(
                !stale,
                "round {round}: a value was received after {op} returned {active}"
            );
            assert!(
                !(active && got),
                "round {round}: {op} returned true, yet the value was received"
            );
            if !active {
                returned_false[usize::from(!got)] += 1;
            }
            timers.push((timer, reset));
        }
        work_tx.close();
        receiver.join().unwrap();
        // A stale value might also come late: wait past every old deadline, then look.
        sleep(ms(20));
        for (round, (timer, reset)) in timers.iter().enumerate() {
            assert_eq!(
                timer.c.try_recv(),
                Err(TryRecvError::Empty),
                "round {round}: a value from before the stop/reset arrived after it returned"
            );
            if *reset {
                assert!(
                    timer.stop(),
                    "round {round}: the timer reset to an hour was not pending"
                );
            }
        }
        returned_false
    };
    let name = if on_plain_thread {
        "stop_and_reset_from_a_plain_thread_never_let_a_stale_value_through"
    } else {
        "stop_and_reset_racing_expiry_never_let_a_stale_value_through"
    };
    let [received, never] = if on_plain_thread {
        watchdog(name, WATCHDOG_SECS, body)
    } else {
        run_watched(name, body)
    };
    eprintln!(
        "{name}: returned false {} times ({never} of them with the value never received)",
        received + never
    );
}

#[test]
fn stop_and_reset_racing_expiry_never_let_a_stale_value_through() {
    stop_and_reset_race(false);
}

#[test]
fn stop_and_reset_from_a_plain_thread_never_let_a_stale_value_through() {
    stop_and_reset_race(true);
}

/// Nobody ever receives from these timers, so every `stop` and `reset` must return true: the
/// timer is either pending or has fired with its value unreceived (Go 1.23 returns true also
/// when the stop catches the timer in the middle of sending).
#[test]
fn stop_and_reset_return_true_whenever_the_value_was_never_received() {
    const ROUNDS: u64 = 10_000;
    let wrong = watchdog(
        "stop_and_reset_return_true_whenever_the_value_was_never_received",
        WATCHDOG_SECS,
        || {
            let mut wrong = Vec::new();
            for round in 0..ROUNDS {
                let timer = Timer::new(Duration::from_micros(round % 100));
                let until = Instant::now() + Duration::from_micros(round * 13 % 150);
                while Instant::now() < until {
                    std::hint::spin_loop();
                }
                let active = if round % 2 == 0 {
                    timer.stop()
                } else {
                    timer.reset(HOUR)
                };
                if !active {
                    wrong.push(round);
                }
                assert_eq!(timer.c.try_recv(), Err(TryRecvError::Empty));
                timer.stop();
            }
            wrong
        },
    );
    assert!(
        wrong.is_empty(),
        "{} of {ROUNDS} stops/resets of never-received timers returned false (rounds {:?}...)",
        wrong.len(),
        &wrong[..wrong.len().min(10)]
    );
}

/// Dropping a `Timer` or `Ticker`, or one clone of its channel, does not stop it while a clone
/// can still receive: only the last receiver's drop does (which frees the timer at once; see
/// `tests/timer_memory.rs`).
#[test]
fn a_timer_goes_on_while_a_clone_of_its_channel_lives() {
    run_watched("a_timer_goes_on_while_a_clone_of_its_channel_lives", || {
        let timer = Timer::new(ms(10));
        let c = timer.c.clone();
        drop(timer);
        assert!(c.recv_timeout(ms(5_000)).is_ok(), "the dropped timer fired");

        let rx = after(ms(10));
        let clone = rx.clone();
        drop(rx);
        assert!(clone.recv_timeout(ms(5_000)).is_ok(), "after fired");

        let ticker = Ticker::new(ms(2));
        let c = ticker.c.clone();
        drop(ticker);
        for _ in 0..3 {
            assert!(
                c.recv_timeout(ms(5_000)).is_ok(),
                "the dropped ticker ticks"
            );
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Ticker: stop, reset, zero period

#[test]
fn a_stopped_ticker_ticks_no_more() {
    run_watched("a_stopped_ticker_ticks_no_more", || {
        let ticker = Ticker::new(ms(5));
        ticker.c.recv().unwrap();
        ticker.c.recv().unwrap();
        ticker.stop();
        assert_eq!(
            ticker.c.recv_timeout(ms(50)),
            Err(RecvTimeoutError::Timeout)
        );
        assert!(
            !ticker.c.is_closed(),
            "stop closed the channel (Go's stays open)"
        );

        // A tick waiting unread when stop is called is discarded too.
        let ticker = Ticker::new(ms(2));
        wait_until_buffered(&ticker.c);
        ticker.stop();
        assert_eq!(ticker.c.try_recv(), Err(TryRecvError::Empty));
        assert_eq!(
            ticker.c.recv_timeout(ms(20)),
            Err(RecvTimeoutError::Timeout)
        );
    });
}

#[test]
fn ticker_reset_changes_the_period() {
    const FAST: Duration = Duration::from_millis(10);
    run_watched("ticker_reset_changes_the_period", || {
        let ticker = Ticker::new(HOUR);
        let reset_at = Instant::now();
        ticker.reset(FAST);
        for k in 1..=5 {
            let at = ticker.c.recv().unwrap();
            assert!(
                at >= reset_at + FAST * k,
                "tick {k} {:?} after the reset",
                at - reset_at
            );
        }
        assert!(
            reset_at.elapsed() < ms(1000),
            "5 ticks of 10 ms took {:?}",
            reset_at.elapsed()
        );

        // Slowed down again: a tick waiting unread is discarded and no new one comes soon.
        wait_until_buffered(&ticker.c);
        ticker.reset(HOUR);
        assert_eq!(ticker.c.try_recv(), Err(TryRecvError::Empty));
        assert_eq!(
            ticker.c.recv_timeout(ms(50)),
            Err(RecvTimeoutError::Timeout)
        );
        ticker.stop();

        // A stopped ticker starts again on reset.
        let reset_at = Instant::now();
        ticker.reset(ms(5));
        let at = ticker.c.recv().unwrap();
        assert!(at >= reset_at + ms(5));
        ticker.stop();
    });
}

#[test]
#[should_panic(expected = "the period must be positive")]
fn a_ticker_of_zero_period_panics() {
    let _ = Ticker::new(Duration::ZERO);
}

#[test]
#[should_panic(expected = "the period must be positive")]
fn tick_of_zero_period_panics() {
    let _ = tick(Duration::ZERO);
}

#[test]
#[should_panic(expected = "the period must be positive")]
fn a_ticker_reset_to_zero_period_panics() {
    let ticker = Ticker::new(HOUR);
    ticker.reset(Duration::ZERO);
}

// ---------------------------------------------------------------------------------------------
// Timers in select!, as Go programs use them

/// `select { case v := <-ch: ... case <-time.After(d): timeout }`, both ways round.
#[test]
fn select_with_a_timeout() {
    run_watched("select_with_a_timeout", || {
        // Nothing arrives: the timeout wins, not early.
        let (_tx, rx) = offshoot::chan::<u32>(0);
        let start = Instant::now();
        let timed_out = offshoot::select! {
            recv(rx) -> _ => false,
            recv(after(ms(30))) -> at => { assert!(at.unwrap() >= start + ms(30)); true }
        };
        assert!(timed_out);
        assert!(start.elapsed() >= ms(30));

        // A message already waiting wins over a distant timeout.
        let (tx, rx) = offshoot::chan::<u32>(1);
        tx.send(5).unwrap();
        let got = offshoot::select! {
            recv(rx) -> v => v.unwrap(),
            recv(after(HOUR)) -> _ => unreachable!("an hour passed"),
        };
        assert_eq!(got, 5);

        // A message sent by another coroutine while the select waits wins too.
        let (tx, rx) = offshoot::chan::<u32>(0);
        let sender = offshoot::go(move || tx.send(9).unwrap());
        let got = offshoot::select! {
            recv(rx) -> v => v.unwrap(),
            recv(after(ms(10_000))) -> _ => panic!("the send never came"),
        };
        assert_eq!(got, 9);
        sender.join().unwrap();
    });
}

/// Go's idle timeout: one `Timer`, reset after every message; it fires once messages stop
/// coming, and never before the idle time has passed since the last one. (On a loaded machine
/// the producer may stall past the idle time mid-stream: that timeout is legitimate, and the
/// consumer re-arms and goes on.)
#[test]
fn an_idle_timeout_reset_per_message() {
    const IDLE: Duration = Duration::from_millis(300);
    const MESSAGES: u32 = 20;
    run_watched("an_idle_timeout_reset_per_message", || {
        let (tx, rx) = offshoot::chan::<u32>(0);
        let producer = offshoot::go(move || {
            for i in 0..MESSAGES {
                tx.send(i).unwrap();
            }
            tx // kept open: the consumer must time out, not see a close
        });
        let mut armed_at = Instant::now();
        let timer = Timer::new(IDLE);
        let mut received = Vec::new();
        loop {
            offshoot::select! {
                recv(rx) -> v => {
                    received.push(v.unwrap());
                    armed_at = Instant::now();
                    timer.reset(IDLE);
                }
                recv(timer.c) -> at => {
                    assert!(at.unwrap() >= armed_at + IDLE, "the idle timer fired early");
                    if received.len() == MESSAGES as usize {
                        break;
                    }
                    armed_at = Instant::now();
                    timer.reset(IDLE);
                }
            }
        }
        assert_eq!(received, (0..MESSAGES).collect::<Vec<_>>());
        drop(producer.join().unwrap());
    });
}

/// A heartbeat loop: `for { select { case <-ticker.C: beat; case <-done: return } }`.
#[test]
fn a_ticker_and_a_done_channel() {
    run_watched("a_ticker_and_a_done_channel", || {
        let (done_tx, done_rx) = offshoot::chan::<()>(0);
        let (beat_tx, beat_rx) = offshoot::chan::<u32>(0);
        let worker = offshoot::go(move || {
            let ticker = Ticker::new(ms(5));
            let mut beats = 0;
            loop {
                offshoot::select! {
                    recv(ticker.c) -> _ => {
                        beats += 1;
                        let _ = beat_tx.try_send(beats);
                    }
                    recv(done_rx) -> _ => break,
                }
            }
            ticker.stop();
            beats
        });
        // Handshake: wait for three beats, then stop the loop.
        let mut seen = 0;
        while seen < 3 {
            seen = beat_rx.recv().unwrap();
        }
        done_tx.close();
        assert!(worker.join().unwrap() >= 3);
    });
}

/// `select` with `default` on a timer: not ready while pending, ready once fired.
#[test]
fn a_timer_in_a_select_with_default() {
    run_watched("a_timer_in_a_select_with_default", || {
        let timer = Timer::new(ms(5));
        wait_until_buffered(&timer.c);
        let ready = offshoot::select! { recv(timer.c) -> _ => true, default => false };
        assert!(
            ready,
            "a fired timer was not ready in a select with default"
        );
        let ready = offshoot::select! { recv(timer.c) -> _ => true, default => false };
        assert!(!ready, "a timer delivered twice");

        let pending = Timer::new(HOUR);
        let ready = offshoot::select! { recv(pending.c) -> _ => true, default => false };
        assert!(!ready, "an hour-long timer was ready at once");
        assert!(pending.stop());
    });
}

// ---------------------------------------------------------------------------------------------
// Many timers

/// The big tests run one at a time, to keep the coroutines alive at once well within
/// `vm.max_map_count`.
static BIG: StdMutex<()> = StdMutex::new(());

#[test]
fn ten_thousand_coroutines_sleep_ten_times_each() {
    const SLEEPERS: usize = 10_000;
    let _big = BIG.lock().unwrap_or_else(|e| e.into_inner());
    let (elapsed, slept) = run_watched("ten_thousand_coroutines_sleep_ten_times_each", || {
        let start = Instant::now();
        let handles: Vec<_> = (0..SLEEPERS)
            .map(|_| {
                offshoot::go(|| {
                    let start = Instant::now();
                    for _ in 0..10 {
                        sleep(ms(10));
                    }
                    start.elapsed()
                })
            })
            .collect();
        let slept: Vec<Duration> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        (start.elapsed(), slept)
    });
    assert!(
        slept.iter().all(|&d| d >= ms(100)),
        "ten 10 ms sleeps took under 100 ms"
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "{SLEEPERS} coroutines sleeping 10 x 10 ms took {elapsed:?} (ideal about 0.1 s)"
    );
}

/// 100,000 pending timers cost little to set and to stop, and do not delay a short one; 10,000
/// timers due at once all fire.
#[test]
fn a_hundred_thousand_pending_timers_are_cheap() {
    const PENDING: usize = 100_000;
    let _big = BIG.lock().unwrap_or_else(|e| e.into_inner());
    let (set_and_stop, short_took) =
        run_watched("a_hundred_thousand_pending_timers_are_cheap", || {
            let start = Instant::now();
            let timers: Vec<Timer> = (0..PENDING as u64)
                .map(|i| Timer::new(HOUR + Duration::from_micros(i)))
                .collect();
            let short_start = Instant::now();
            after(ms(5)).recv().unwrap();
            let short_took = short_start.elapsed();
            for (i, timer) in timers.iter().enumerate() {
                assert!(timer.stop(), "pending timer {i} was not active");
            }
            // Set and stopped one at a time, too (the heap must not keep them all).
            for _ in 0..PENDING {
                assert!(Timer::new(HOUR).stop());
            }
            let set_and_stop = start.elapsed() - short_took;

            // 10,000 timers due together all fire, none early.
            let due_start = Instant::now();
            let due: Vec<Timer> = (0..10_000).map(|_| Timer::new(ms(20))).collect();
            for timer in &due {
                assert!(timer.c.recv().unwrap() >= due_start + ms(20));
            }
            assert!(due_start.elapsed() < Duration::from_secs(3));
            (set_and_stop, short_took)
        });
    assert!(
        set_and_stop < Duration::from_secs(3),
        "setting and stopping 2 x {PENDING} timers took {set_and_stop:?}"
    );
    assert!(
        short_took < ms(1000),
        "a 5 ms timer took {short_took:?} with {PENDING} pending"
    );
}

// ---------------------------------------------------------------------------------------------
// Plain threads

#[test]
fn timers_work_on_plain_threads() {
    watchdog("timers_work_on_plain_threads", WATCHDOG_SECS, || {
        let threads: Vec<_> = (0..4_u64)
            .map(|t| {
                std::thread::spawn(move || {
                    let start = Instant::now();
                    let timer = Timer::new(ms(10 + t));
                    let at = timer.c.recv().unwrap();
                    assert!(at >= start + ms(10 + t));
                    assert!(!timer.stop());

                    let stopped = Timer::new(ms(10));
                    assert!(stopped.stop());
                    assert_eq!(
                        stopped.c.recv_timeout(ms(30)),
                        Err(RecvTimeoutError::Timeout)
                    );

                    let ticker = Ticker::new(ms(3));
                    for _ in 0..3 {
                        ticker.c.recv().unwrap();
                    }
                    ticker.stop();
                    assert_eq!(
                        ticker.c.recv_timeout(ms(20)),
                        Err(RecvTimeoutError::Timeout)
                    );

                    let never = offshoot::never::<()>();
                    let start = Instant::now();
                    offshoot::select! {
                        recv(never) -> _ => unreachable!(),
                        recv(after(ms(5))) -> _ => {}
                    }
                    assert!(start.elapsed() >= ms(5));
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    });
}

/// A timer set in a coroutine is received on a plain thread, and one set on a plain thread in a
/// coroutine.
#[test]
fn timers_cross_between_coroutines_and_threads() {
    let received = Arc::new(AtomicUsize::new(0));
    let r = received.clone();
    watchdog(
        "timers_cross_between_coroutines_and_threads",
        WATCHDOG_SECS,
        move || {
            let start = Instant::now();
            let from_coroutine = offshoot::go(|| Timer::new(ms(10))).join().unwrap();
            let thread = std::thread::spawn(move || from_coroutine.c.recv().unwrap());
            assert!(thread.join().unwrap() >= start + ms(10));
            r.fetch_add(1, Ordering::SeqCst);

            let start = Instant::now();
            let from_thread = Timer::new(ms(10));
            let at = offshoot::go(move || from_thread.c.recv().unwrap())
                .join()
                .unwrap();
            assert!(at >= start + ms(10));
            r.fetch_add(1, Ordering::SeqCst);
        },
    );
    assert_eq!(received.load(Ordering::SeqCst), 2);
}
