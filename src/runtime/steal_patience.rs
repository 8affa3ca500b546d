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
//! - one of its coroutines yielded while the thief watched: they compute in slices (as the
//!   stall report tells long computations to), so the owner keeps picking, but only to share
//!   one core between them; or
//! - the monitor marked it stuck (no pick over 10 ms; `Worker::steal_queue` checks this before
//!   asking here): a spare worker started for a stuck one takes its queue at once.
//!
//! Its `runnext` is taken (by the last search pass) only if it is stuck or stalled so too.
//!
//! The patience is counted from when the thief first saw the victim's tick count (`ticks`, one
//! per task its owner picks) at its present value, and the yields from their count at that first
//! sight. Both start afresh when another thread wakes the thief from sleep: what it saw before
//! says nothing about whether the victim keeps up now.
//!
//! A thief that leaves queues to owners that keep up would otherwise search for as long as they
//! hold anything, a core spinning beside a worker that needs no help. So once it has watched for
//! [`WATCH_LIMIT`] without taking anything, it may sleep although those queues are not empty, as
//! long as none is long or stuck (`Worker::sleep`, `Scheduler::has_urgent_work`). If an owner
//! then stops keeping up, the monitor's stall watch, at each of its looks (every 10 ms), marks it
//! stuck and wakes a sleeping worker for its queue unless one is searching, which will see the
//! mark; and a push of a new coroutine to a run queue wakes a sleeper if nobody searches. A
//! thief woken so starts its watch afresh, so under a steady trickle of spawns it spins up to
//! [`WATCH_LIMIT`] after each wake-up.
//!
//! Measured with two workers: a consumer that spawns four producers, each filling a channel of
//! 100 and blocking (the `select100` benchmark), lost three of them to the other worker in about
//! one run in three when thieves stole at once, and ran 2 to 5 times slower than with all on its
//! worker (the consumer, which never parks while data flows, then woke each blocked producer
//! across cores, one wake per message). With 10 µs of patience a stall of the victim's core on
//! this shared machine still gave the thief one or two producers in about four runs in ten;
//! with 50 µs, in about one in six, and then only one.
//!
//! The cost: a coroutine queued behind one that computes starts on another core 50 µs later
//! than it could, and coroutines queued behind ones that keep talking among themselves on a busy
//! worker (picks at least every 50 µs, no yields) wait their turn there instead of starting
//! elsewhere. The run queue gets a pick at least once in about 62 (`runnext` and the woken may
//! win 61 in a row, then the queue and the yielded take turns), so the task at position k waits
//! about k such rounds; after that it is homed where its spawner is.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// How long a victim may pick no task, with tasks queued, before a thief takes some.
pub(crate) const PATIENCE: Duration = Duration::from_micros(50);
/// A run queue this long is shared at once.
pub(crate) const AT_ONCE: usize = 32;
/// How long a thief watches queues it leaves to their owners before it may sleep.
pub(crate) const WATCH_LIMIT: Duration = Duration::from_micros(200);

/// True if a run queue of `queued` tasks is to be shared at once, without asking a thief's
/// patience: it is [`AT_ONCE`] long, or its processor is marked `stuck` by the monitor.
pub(crate) fn share_at_once(queued: usize, stuck: bool) -> bool {
    queued >= AT_ONCE || (queued > 0 && stuck)
}

/// What a thief sees of a victim when it considers its run queue.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Seen {
    /// Tasks in its run queue.
    pub(crate) queued: usize,
    /// Tasks its owner has picked so far.
    pub(crate) ticks: u64,
    /// Yields of its coroutines so far.
    pub(crate) yields: u64,
}

/// What a thief remembers of one victim.
#[derive(Clone, Copy)]
struct Record {
    /// Its ticks when last seen to change, and when that was. `u64::MAX` (no worker picks that
    /// many tasks) means "not seen since the last restart".
    ticks: u64,
    since: Instant,
    /// Its yields when first seen since the last restart.
    yields: u64,
}

/// One thief's view of how the other workers keep up with their queues.
pub(crate) struct Patience {
    victims: Box<[Cell<Record>]>,
    /// Since when this thief has left some queue to its owner without taking any task since.
    watching_since: Cell<Option<Instant>>,
}

impl Patience {
    pub(crate) fn new(workers: usize) -> Patience {
        let unseen = Record {
            ticks: u64::MAX,
            since: Instant::now(),
            yields: 0,
        };
        Patience {
            victims: (0..workers).map(|_| Cell::new(unseen)).collect(),
            watching_since: Cell::new(None),
        }
    }

    /// True if a thief should take from `victim`'s run queue, seen as `seen` at `now`: it is
    /// long, or its owner picked no task for [`PATIENCE`], or one of its coroutines yielded
    /// while this thief watched (they compute: the queue would wait behind them).
    pub(crate) fn needs_help(&self, victim: usize, seen: Seen, now: Instant) -> bool {
        if seen.queued == 0 {
            return false;
        }
        if share_at_once(seen.queued, false) {
            return true;
        }
        let help = self.stalled(victim, seen.ticks, now) || self.yielded(victim, seen.yields);
        if !help && self.watching_since.get().is_none() {
            self.watching_since.set(Some(now));
        }
        help
    }

    /// True if `victim`'s ticks have stayed at `ticks` for [`PATIENCE`] or more, as this thief
    /// saw them, at `now`. A change, or a first sight since the last restart, starts the clock.
    pub(crate) fn stalled(&self, victim: usize, ticks: u64, now: Instant) -> bool {
        let cell = &self.victims[victim];
        let mut record = cell.get();
        if record.ticks != ticks {
            if record.ticks == u64::MAX {
                record.yields = u64::MAX; // the yields, too, are seen for the first time
            }
            record.ticks = ticks;
            record.since = now;
            cell.set(record);
            return false;
        }
        now.saturating_duration_since(record.since) >= PATIENCE
    }

    /// True if `victim`'s yields moved from what this thief first saw since its last restart.
    fn yielded(&self, victim: usize, yields: u64) -> bool {
        let cell = &self.victims[victim];
        let mut record = cell.get();
        if record.yields == u64::MAX {
            record.yields = yields;
            cell.set(record);
            return false;
        }
        record.yields != yields
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
        for cell in self.victims.iter() {
            let mut record = cell.get();
            record.ticks = u64::MAX;
            cell.set(record);
        }
        self.watching_since.set(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A victim with `queued` tasks that picked `ticks` and never yielded.
    fn seen(queued: usize, ticks: u64) -> Seen {
        Seen {
            queued,
            ticks,
            yields: 0,
        }
    }

    #[test]
    fn an_empty_queue_never_needs_help() {
        let patience = Patience::new(2);
        let t0 = Instant::now();
        assert!(!patience.needs_help(1, seen(0, 7), t0));
        assert!(!patience.needs_help(1, seen(0, 7), t0 + PATIENCE * 100));
    }

    #[test]
    fn a_long_queue_is_shared_at_once() {
        let patience = Patience::new(2);
        let t0 = Instant::now();
        assert!(patience.needs_help(1, seen(AT_ONCE, 7), t0));
        assert!(
            !patience.needs_help(1, seen(AT_ONCE - 1, 7), t0),
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
                !patience.needs_help(1, seen(3, u64::from(k)), t0 + step * k),
                "tick {k}"
            );
        }
    }

    #[test]
    fn a_short_queue_is_shared_once_its_owner_stops_picking() {
        let patience = Patience::new(2);
        let t0 = Instant::now();
        assert!(!patience.needs_help(1, seen(3, 7), t0));
        assert!(!patience.needs_help(1, seen(3, 7), t0 + PATIENCE / 2));
        assert!(patience.needs_help(1, seen(3, 7), t0 + PATIENCE));
        // Another victim has its own clock.
        assert!(!patience.needs_help(0, seen(3, 7), t0 + PATIENCE));
    }

    #[test]
    fn a_short_queue_is_shared_once_a_coroutine_before_it_yields() {
        let patience = Patience::new(2);
        let t0 = Instant::now();
        let yielded = |ticks: u64, yields: u64| Seen {
            queued: 3,
            ticks,
            yields,
        };
        assert!(!patience.needs_help(1, yielded(7, 40), t0));
        // The owner keeps picking, but what it picks yields: coroutines that compute.
        assert!(patience.needs_help(1, yielded(8, 41), t0 + PATIENCE / 10));
        // After a restart the yields seen so far count as seen.
        patience.restart();
        assert!(!patience.needs_help(1, yielded(9, 41), t0 + PATIENCE));
        assert!(!patience.needs_help(1, yielded(10, 41), t0 + PATIENCE * 2));
        assert!(patience.needs_help(1, yielded(11, 42), t0 + PATIENCE * 3));
    }

    #[test]
    fn stalled_counts_from_the_first_sight_of_the_ticks() {
        let patience = Patience::new(2);
        let t0 = Instant::now();
        assert!(!patience.stalled(0, 5, t0));
        assert!(!patience.stalled(0, 5, t0 + PATIENCE / 2));
        assert!(patience.stalled(0, 5, t0 + PATIENCE));
        assert!(
            !patience.stalled(0, 6, t0 + PATIENCE * 2),
            "a pick restarts the clock"
        );
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
            assert!(!patience.needs_help(1, seen(3, u64::from(k)), t0 + PATIENCE / 2 * k));
        }
        assert!(!patience.watched_enough(t0 + WATCH_LIMIT / 2));
        assert!(patience.watched_enough(t0 + WATCH_LIMIT));
        patience.found_work();
        assert!(!patience.watched_enough(t0 + WATCH_LIMIT * 2));
        assert!(!patience.needs_help(1, seen(3, 100), t0 + WATCH_LIMIT * 2));
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
        assert!(!patience.needs_help(1, seen(3, 7), t0));
        patience.restart();
        let later = t0 + PATIENCE * 10;
        assert!(
            !patience.needs_help(1, seen(3, 7), later),
            "restarted: the clock starts now"
        );
        assert!(patience.needs_help(1, seen(3, 7), later + PATIENCE));
    }
}
