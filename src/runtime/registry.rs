//! Every live coroutine, for the dump and the deadlock report (Go's `allgs`).
//!
//! A task is registered when it is spawned and removed by its coroutine's last act, just before
//! its result goes to its `JoinHandle`. The registry holds an `Arc` to each task, so a task that parks and is never woken
//! (a leak: Go keeps such goroutines too) stays listed, and every task the dump reads is alive
//! for as long as the dump holds the shard's lock, with no unsafe code.
//!
//! The registry is split into shards, one per worker and one for spawns from plain threads, each
//! behind its own lock: a worker registers what it spawns in its own shard, so the locks are
//! uncontended on the spawn path. A task removed by another worker (it was stolen before it
//! started) locks the spawner's shard once. A task's key says which shard and which slot.

use crossbeam_utils::CachePadded;

use super::task::Task;
use crate::loom::sync::atomic::Ordering;
use crate::loom::sync::{Arc, Mutex};

/// Every live task, sharded by where it was spawned.
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
    /// A registry for `workers` workers (and plain threads).
    pub(crate) fn new(workers: usize) -> Registry {
        Registry {
            shards: (0..=workers).map(|_| CachePadded::default()).collect(),
        }
    }

    /// Registers `task`, spawned on worker `worker` (`None`: on a plain thread).
    pub(crate) fn insert(&self, task: &Arc<Task>, worker: Option<usize>) {
        let shard_index = worker.unwrap_or(self.shards.len() - 1);
        let mut shard = self.shards[shard_index].lock();
        let slot = match shard.free.pop() {
            Some(slot) => {
                shard.slots[slot] = Some(task.clone());
                slot
            }
            None => {
                shard.slots.push(Some(task.clone()));
                shard.slots.len() - 1
            }
        };
        // Relaxed: the key is read by whoever removes the task, after it ran, and the task
        // reached that worker through a queue (a release/acquire edge) after this store.
        task.registry_key
            .store(slot * self.shards.len() + shard_index, Ordering::Relaxed);
    }

    /// Removes `task`, whose body has ended (called from its coroutine, which the worker holds).
    pub(crate) fn remove(&self, task: &Task) {
        let key = task.registry_key.load(Ordering::Relaxed);
        let (slot, shard_index) = (key / self.shards.len(), key % self.shards.len());
        let removed = {
            let mut shard = self.shards[shard_index].lock();
            let removed = shard.slots[slot].take();
            shard.free.push(slot);
            removed
        };
        debug_assert!(removed.is_some_and(|t| std::ptr::eq(&*t, task)));
    }

    /// Calls `f` with every registered task, shard by shard, each shard under its lock (so `f`
    /// must not spawn, nor end a coroutine).
    pub(crate) fn for_each(&self, mut f: impl FnMut(&Task)) {
        for shard in self.shards.iter() {
            let shard = shard.lock();
            shard.slots.iter().flatten().for_each(|task| f(task));
        }
    }
}
