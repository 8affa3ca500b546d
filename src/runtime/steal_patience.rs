//! When a thief may take from another worker's run queue.
//!
//! A coroutine stays on the worker where it starts (see `task.rs`), so a theft places a
//! coroutine for good: a producer taken from the worker of the consumer that spawned it talks
//! to that consumer across cores for the rest of its life. Go's scheduler steals at once and
//! gets away with it because it moves goroutines back (a goroutine readied by another runs next
//! on the readier's processor); offshoot cannot, so a thief takes from a victim's run queue only
//! once the victim is shown not to keep up:
//! - its queue holds [`AT_ONCE`] tasks or more: a burst of spawns, which wants both cores
//!   whether or not its owner keeps picking; or
//! - its owner has picked no task for [`PATIENCE`]: the coroutine it runs computes, or blocked
//!   its thread, and the queue would wait behind it; or
//! - the monitor marked it stuck (the same, seen over 10 ms; `Worker::steal_queue` checks this
//!   before asking here): a spare worker started for a stuck one takes its queue at once.
//!
//! The patience is counted from when the thief first saw the victim's tick count (`ticks`, one
//! per task its owner picks) at its present value, and starts afresh when the thief wakes from
//! sleep: what it saw before says nothing about whether the victim keeps up now.
//!
//! A thief that leaves queues to owners that keep up would otherwise search for as long as they
//! hold anything, a core spinning beside a worker that needs no help. So once it has watched for
//! [`WATCH_LIMIT`] without taking anything, it may sleep although those queues are not empty
//! (`Worker::sleep`). If an owner then stops keeping up, the monitor's stall watch marks it stuck
//! and wakes a worker for its queue within one or two of its intervals (10 ms each), as it does
//! for a task left in `runnext`; and every push to a run queue wakes a sleeper anyway, if nobody
//! searches.
//!
//! Measured with two workers: a consumer that spawns four producers, each filling a channel of
//! 100 and blocking (the `select100` benchmark), lost three of them to the other worker in about
//! one run in three when thieves stole at once, and ran 2 to 5 times slower than with all on its
//! worker (the consumer, which never parks while data flows, then woke each blocked producer
//! across cores, one wake per message). With 10 µs of patience a stall of the victim's core on
//! this shared machine still gave the thief one or two producers in about four runs in ten;
//! with 50 µs, in about one in six, and then only one. The cost: a coroutine queued behind one
//! that computes starts on another core 50 µs later than it could, and one queued behind
//! coroutines that keep talking among themselves on a busy worker waits its turn there
//! (the queue's turn comes at least every [`RUNNEXT_STREAK`](super::worker) picks).

use std::cell::Cell;
use std::time::{Duration, Instant};

/// How long a victim may pick no task, with tasks queued, before a thief takes some.
pub(crate) const PATIENCE: Duration = Duration::from_micros(50);
/// A run queue this long is shared at once.
pub(crate) const AT_ONCE: usize = 32;
/// How long a thief watches queues it leaves to their owners before it may sleep.
pub(crate) const WATCH_LIMIT: Duration = Duration::from_micros(200);

/// One thief's view of how the other workers keep up with their queues.
pub(crate) struct Patience {
    /// For each victim: its ticks when this thief last saw them change, and when that was.
    /// `u64::MAX` (no worker picks that many tasks) means "not seen since the last restart".
    seen: Box<[Cell<(u64, Instant)>]>,
    /// Since when this thief has left some queue to its owner without taking any task since.
    watching_since: Cell<Option<Instant>>,
}

impl Patience {
    pub(crate) fn new(workers: usize) -> Patience {
        let now = Instant::now();
        Patience {
            seen: (0..workers).map(|_| Cell::new((u64::MAX, now))).collect(),
            watching_since: Cell::new(None),
        }
    }

    /// True if a thief should take from `victim`, which has `queued` tasks in its run queue and
    /// has picked `ticks` tasks so far, at `now`.
    pub(crate) fn needs_help(
        &self,
        victim: usize,
        queued: usize,
        ticks: u64,
        now: Instant,
    ) -> bool {
        if queued == 0 {
            return false;
        }
        if queued >= AT_ONCE {
            return true;
        }
        let seen = &self.seen[victim];
        let (seen_ticks, since) = seen.get();
        let help = if seen_ticks != ticks {
            seen.set((ticks, now));
            false
        } else {
            now.saturating_duration_since(since) >= PATIENCE
        };
        if !help && self.watching_since.get().is_none() {
            self.watching_since.set(Some(now));
        }
        help
    }

    /// True if this thief has left queues to their owners for [`WATCH_LIMIT`] or more, at `now`,
    /// and may sleep although they are not empty.
    pub(crate) fn watched_enough(&self, now: Instant) -> bool {
        self.watching_since
            .get()
            .is_some_and(|since| now.saturating_duration_since(since) >= WATCH_LIMIT)
    }

    /// The thief found a task: its watch is over.
    pub(crate) fn found_work(&self) {
        self.watching_since.set(None);
    }

    /// Forgets what was seen: every victim gets the whole patience again, and the watch starts
    /// over.
    pub(crate) fn restart(&self) {
        for seen in self.seen.iter() {
            seen.set((u64::MAX, seen.get().1));
        }
        self.watching_since.set(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_queue_never_needs_help() {
        let patience = Patience::new(2);
        let t0 = Instant::now();
        assert!(!patience.needs_help(1, 0, 7, t0));
        assert!(!patience.needs_help(1, 0, 7, t0 + PATIENCE * 100));
    }

    #[test]
    fn a_long_queue_is_shared_at_once() {
        let patience = Patience::new(2);
        let t0 = Instant::now();
        assert!(patience.needs_help(1, AT_ONCE, 7, t0));
        assert!(
            !patience.needs_help(1, AT_ONCE - 1, 7, t0),
            "first sight starts the clock"
        );
    }

    #[test]
    fn a_short_queue_waits_while_its_owner_keeps_picking() {
        let patience = Patience::new(2);
        let t0 = Instant::now();
        let step = PATIENCE / 2;
        // The owner picks a task every half patience: never stolen from, however long.
        for k in 0..20u32 {
            assert!(
                !patience.needs_help(1, 3, u64::from(k), t0 + step * k),
                "tick {k}"
            );
        }
    }

    #[test]
    fn a_short_queue_is_shared_once_its_owner_stops_picking() {
        let patience = Patience::new(2);
        let t0 = Instant::now();
        assert!(!patience.needs_help(1, 3, 7, t0));
        assert!(!patience.needs_help(1, 3, 7, t0 + PATIENCE / 2));
        assert!(patience.needs_help(1, 3, 7, t0 + PATIENCE));
        // Another victim has its own clock.
        assert!(!patience.needs_help(0, 3, 7, t0 + PATIENCE));
    }

    #[test]
    fn a_thief_may_sleep_after_watching_for_the_limit_until_it_finds_work() {
        let patience = Patience::new(2);
        let t0 = Instant::now();
        assert!(
            !patience.watched_enough(t0 + WATCH_LIMIT),
            "nothing left to an owner yet"
        );
        // The owner keeps picking: the thief leaves its queue to it, and watches.
        for k in 0..10u32 {
            assert!(!patience.needs_help(1, 3, u64::from(k), t0 + PATIENCE / 2 * k));
        }
        assert!(!patience.watched_enough(t0 + WATCH_LIMIT / 2));
        assert!(patience.watched_enough(t0 + WATCH_LIMIT));
        patience.found_work();
        assert!(!patience.watched_enough(t0 + WATCH_LIMIT * 2));
        assert!(!patience.needs_help(1, 3, 100, t0 + WATCH_LIMIT * 2));
        assert!(patience.watched_enough(t0 + WATCH_LIMIT * 3));
        patience.restart();
        assert!(
            !patience.watched_enough(t0 + WATCH_LIMIT * 4),
            "a restart ends the watch"
        );
    }

    #[test]
    fn a_restart_gives_every_victim_the_whole_patience_again() {
        let patience = Patience::new(2);
        let t0 = Instant::now();
        assert!(!patience.needs_help(1, 3, 7, t0));
        patience.restart();
        let later = t0 + PATIENCE * 10;
        assert!(
            !patience.needs_help(1, 3, 7, later),
            "restarted: the clock starts now"
        );
        assert!(patience.needs_help(1, 3, 7, later + PATIENCE));
    }
}
