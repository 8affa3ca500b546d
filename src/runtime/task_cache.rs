//! Finished tasks kept for the next `go`, as Go keeps dead goroutines on per-P free lists
//! (`gfput`/`gfget` in proc.go): a spawn loop then allocates nothing for its tasks once it is
//! warm, and no task is freed on one core after being allocated on another.
//!
//! A task is kept only when the caller holds the *only* reference to it (`Arc::get_mut`
//! succeeds): no handle, no registry entry, no unparker left in a channel's wait queue or the
//! timer heap can then reach it, so nothing stale can ever wake or read the coroutine that
//! reuses it. A task that someone else still references is simply dropped by its last holder,
//! as before. The two places that see a finished task go last are the worker that ran it (the
//! handle was dropped first, a detached coroutine) and the handle's `Drop` (after `join`, or a
//! handle dropped after the end).
//!
//! Each worker keeps a [`TaskCache`] of its own; surpluses and refills move [`CACHE_BATCH`]
//! tasks at a time through the shared [`TaskPool`], which keeps at most [`MAX_POOLED`], so a
//! burst of coroutines does not pin their tasks' memory after it ends. The pool is the one
//! shared lock, taken once per batch.

use std::cell::RefCell;

use super::task::Task;
use crate::loom::sync::{Arc, Mutex};

/// Tasks moved between a cache and the pool at a time; a cache holds at most twice this.
const CACHE_BATCH: usize = 32;

/// The most tasks the shared pool keeps; more are freed.
const MAX_POOLED: usize = 4096;

/// Finished tasks shared by the workers, reset and ready for reuse.
#[derive(Debug, Default)]
pub(crate) struct TaskPool {
    idle: Mutex<Vec<Arc<Task>>>,
}

impl TaskPool {
    /// Moves up to `n` tasks into `out`.
    fn take(&self, n: usize, out: &mut Vec<Arc<Task>>) {
        let mut idle = self.idle.lock();
        let keep = idle.len().saturating_sub(n);
        out.extend(idle.drain(keep..));
    }

    /// Keeps `tasks`, up to the pool's capacity; the rest are freed, outside the lock.
    fn put(&self, tasks: Vec<Arc<Task>>) {
        let surplus = {
            let mut idle = self.idle.lock();
            let room = MAX_POOLED - idle.len().min(MAX_POOLED);
            let mut tasks = tasks;
            let surplus = tasks.split_off(room.min(tasks.len()));
            idle.extend(tasks);
            surplus
        };
        drop(surplus);
    }
}

/// One worker's finished tasks, in front of the pool. Owned by one worker thread; not shared.
#[derive(Default)]
pub(crate) struct TaskCache {
    tasks: RefCell<Vec<Arc<Task>>>,
}

impl std::fmt::Debug for TaskCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskCache")
            .field("tasks", &self.tasks.borrow().len())
            .finish()
    }
}

impl TaskCache {
    /// A reset task for a new coroutine, if this cache or the pool has one. The caller holds
    /// the only reference.
    pub(crate) fn take(&self, pool: &TaskPool) -> Option<Arc<Task>> {
        let mut tasks = self.tasks.borrow_mut();
        if tasks.is_empty() {
            pool.take(CACHE_BATCH, &mut tasks);
        }
        tasks.pop()
    }

    /// Keeps `task`, whose coroutine has finished, if the caller holds the only reference to
    /// it; else drops the caller's reference.
    pub(crate) fn recycle(&self, pool: &TaskPool, mut task: Arc<Task>) {
        let Some(unique) = Arc::get_mut(&mut task) else {
            return;
        };
        // A coroutine that never ended (parked for good in its result's `Drop`, say, and then
        // forgotten by every waker) must not be reused: dropped, the task leaks its stack
        // rather than unwind it (see `Task::drop`).
        if !unique.has_ended() {
            return;
        }
        unique.reset();
        let mut tasks = self.tasks.borrow_mut();
        tasks.push(task);
        if tasks.len() > 2 * CACHE_BATCH {
            let surplus: Vec<_> = tasks.drain(CACHE_BATCH..).collect();
            drop(tasks);
            pool.put(surplus);
        }
    }

    /// Gives every task of this cache back to the pool (a spare worker retiring).
    pub(crate) fn flush(&self, pool: &TaskPool) {
        let tasks = self.tasks.take();
        if !tasks.is_empty() {
            pool.put(tasks);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::*;
    use crate::runtime::entry_point::EntryPoint;
    use crate::runtime::stack::StackPool;
    use crate::runtime::task::{Outcome, Spawn, Yielder};

    const SIZE: usize = 64 * 1024;

    /// A stack pool for the tasks, an empty task pool and an empty cache.
    fn setup() -> (StackPool, TaskPool, TaskCache) {
        let stacks = StackPool::new(SIZE, None, 1);
        (stacks, TaskPool::default(), TaskCache::default())
    }

    /// A coroutine that returns at once, on a stack of its own from `pool`.
    fn spawn(pool: &StackPool) -> Spawn {
        Spawn {
            start: EntryPoint::new(|_: &Yielder| {}),
            stack_size: SIZE,
            stack: Some(pool.acquire(SIZE).unwrap()),
            name: None,
            migrates: false,
            started_at: Location::caller(),
        }
    }

    fn task(pool: &StackPool) -> Arc<Task> {
        Arc::new(Task::new(spawn(pool)))
    }

    #[test]
    fn a_finished_task_with_no_other_owner_is_kept_blank() {
        let (stacks, pool, cache) = setup();
        let task = task(&stacks);
        let first_id = task.id();
        // SAFETY: this thread holds the only reference, so the run right, and plays worker 0.
        let Outcome::Finished(stack) = (unsafe { task.resume(0, || None) }) else {
            panic!("the body returns at once")
        };
        drop(stack);
        let address = Arc::as_ptr(&task);
        cache.recycle(&pool, task);
        let mut again = cache.take(&pool).expect("kept");
        assert_eq!(Arc::as_ptr(&again), address, "the same task comes back");
        let blank = Arc::get_mut(&mut again).expect("no other owner");
        assert!(blank.has_ended() && blank.home().is_none() && !blank.is_registered());
        blank.prepare(spawn(&stacks));
        assert_ne!(again.id(), first_id, "a reused task gets a new id");
    }

    #[test]
    fn a_task_someone_else_holds_is_not_kept() {
        let (stacks, pool, cache) = setup();
        let task = task(&stacks);
        // SAFETY: as above.
        let _ = unsafe { task.resume(0, || None) };
        let other = task.clone();
        cache.recycle(&pool, task);
        assert!(cache.take(&pool).is_none());
        assert!(
            Arc::strong_count(&other) == 1,
            "the caller's reference was dropped"
        );
    }

    #[test]
    fn a_task_whose_coroutine_has_not_ended_is_not_kept() {
        let (stacks, pool, cache) = setup();
        cache.recycle(&pool, task(&stacks));
        assert!(cache.take(&pool).is_none());
    }

    #[test]
    fn surpluses_go_to_the_pool_and_come_back_in_batches() {
        let (stacks, pool, cache) = setup();
        for _ in 0..2 * CACHE_BATCH + 1 {
            let task = task(&stacks);
            // SAFETY: as above.
            let _ = unsafe { task.resume(0, || None) };
            cache.recycle(&pool, task);
        }
        assert_eq!(cache.tasks.borrow().len(), CACHE_BATCH);
        assert_eq!(pool.idle.lock().len(), CACHE_BATCH + 1);
        let other = TaskCache::default();
        assert!(
            other.take(&pool).is_some(),
            "another worker refills from the pool"
        );
        assert_eq!(other.tasks.borrow().len(), CACHE_BATCH - 1);
    }
}
