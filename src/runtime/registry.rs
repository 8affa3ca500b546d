//! The coroutines that have suspended at least once and not ended, for the dump and the
//! deadlock report (Go's `allgs`).
//!
//! # When a coroutine is listed
//!
//! A coroutine is listed by its first suspension (its first park or yield), on its worker's
//! thread, and unlisted by its last act, just before its result goes to its `JoinHandle`. One
//! that was given a name is listed when it is spawned, so that a dump can name it while it
//! runs (in the spawning worker's shard, or the first for a spawn from a plain thread). An unnamed coroutine that has not suspended yet is either not started, or running now,
//! and a dump finds those through the processors (`Processor::running`), not here.
//!
//! So a coroutine that never suspends (most short ones: a `go` whose body computes and returns)
//! costs the registry nothing. Listing every coroutine at its first run cost `go` followed by
//! `join` a sixth of its time (two lock round trips and an `Arc` count each way).
//!
//! One gap: a coroutine whose result is dropped in the coroutine itself (its handle was dropped
//! first, see `join_slot.rs`) runs that `Drop` after it is unlisted; if the `Drop` parks, no dump
//! shows it.
//!
//! The registry holds an `Arc` to each task, so a task that parks and is never woken (a leak: Go
//! keeps such goroutines too) stays listed, and every task the dump reads is alive for as long
//! as the dump holds the shard's lock, with no unsafe code.
//!
//! # Shards
//!
//! One shard per worker, each behind its own lock. An unnamed coroutine is listed and unlisted
//! on its home worker, in that worker's shard, so the lock is uncontended and stays in that
//! core's cache unless a dump is being taken. (A named one, or one that migrates, may end on
//! another worker than the shard's, and lock it from there.)

use crossbeam_utils::CachePadded;

use super::task::Task;
use crate::loom::sync::atomic::Ordering;
use crate::loom::sync::{Arc, Mutex};

/// The listed tasks, sharded by the worker that listed them.
#[derive(Debug)]
pub(crate) struct Registry {
    shards: Box<[CachePadded<Mutex<Shard>>]>,
}

/// One shard: a slab of tasks and its free slots.
#[derive(Debug, Default)]
struct Shard {
    slots: Vec<Option<Arc<Task>>>,
    free: Vec<usize>,
}

impl Registry {
    /// A registry for `workers` workers.
    pub(crate) fn new(workers: usize) -> Registry {
        Registry {
            shards: (0..workers).map(|_| CachePadded::default()).collect(),
        }
    }

    /// Registers `task`, which runs on worker `worker`.
    pub(crate) fn insert(&self, task: Arc<Task>, worker: usize) {
        let key_of = |slot: usize| slot * self.shards.len() + worker;
        let mut shard = self.shards[worker].lock();
        // Relaxed: the key is read by the coroutine itself when it ends, on a thread that ran
        // it after this store (this one, or for a coroutine that migrates, one reached through
        // the queues' release/acquire edges).
        match shard.free.pop() {
            Some(slot) => {
                task.registry_key.store(key_of(slot), Ordering::Relaxed);
                shard.slots[slot] = Some(task);
            }
            None => {
                task.registry_key
                    .store(key_of(shard.slots.len()), Ordering::Relaxed);
                shard.slots.push(Some(task));
            }
        }
    }

    /// Removes `task`, whose body has ended (called from its coroutine, which the worker holds).
    pub(crate) fn remove(&self, task: &Task) {
        let key = task.registry_key.load(Ordering::Relaxed);
        let (slot, worker) = (key / self.shards.len(), key % self.shards.len());
        let removed = {
            let mut shard = self.shards[worker].lock();
            let removed = shard.slots[slot].take();
            shard.free.push(slot);
            removed
        };
        debug_assert!(removed.is_some_and(|t| std::ptr::eq(&*t, task)));
    }

    /// Calls `f` with every registered task, shard by shard, each shard under its lock (so `f`
    /// must not start or end a coroutine).
    pub(crate) fn for_each(&self, mut f: impl FnMut(&Task)) {
        for shard in self.shards.iter() {
            let shard = shard.lock();
            shard.slots.iter().flatten().for_each(|task| f(task));
        }
    }
}
