//! The pool of coroutine stacks.
//!
//! Every coroutine runs on its own `mmap`ed stack with a guard page below it (see
//! `stack_memory.rs`; new stacks are mapped in batches). Mapping and unmapping cost system calls
//! and page faults, so finished coroutines hand their stack back here and the next coroutine to
//! start reuses it: in steady state starting a coroutine makes no system call.
//!
//! Only stacks of the runtime's default size are pooled; a coroutine given another size by
//! [`Builder::stack_size`](crate::Builder::stack_size) maps its own and unmaps it when it ends.
//! The pool keeps at most [`MAX_POOLED`] stacks, so a burst of a million coroutines does not pin
//! a million stacks' worth of touched pages after it ends. A pooled stack keeps the pages its last
//! coroutine touched (corosensei never `madvise`s them away), which is what makes reuse cheap.
//!
//! Each worker keeps a small [`StackCache`] of its own in front of the pool, so that the common
//! case, a coroutine started and ended on the same worker, touches no shared lock.
//!
//! # Promised at `go`, taken at the first resume
//!
//! A coroutine of the default size takes its stack only when it first runs: a coroutine waiting
//! to start costs its task alone, so a spawner that runs ahead of the workers piles up tasks, not
//! stacks with a touched page each. But `go` must still fail, with an `io::Error`, when no stack
//! can be had, as `std::thread::Builder::spawn` does, rather than leave a coroutine that cannot
//! start. So `go` takes a *promise*: the pool counts the default-size stacks mapped and not
//! promised (`unpromised`), `go` takes one from that count and maps a batch first if there is
//! none, and a stack handed back returns its promise. A worker takes promises [`CACHE_BATCH`] at
//! a time into its cache's `credit`, so the shared counter moves once per batch. The invariant:
//! **stacks mapped ≥ coroutines alive that were promised one + credit held by caches**; the
//! monitor unmaps only stacks it can take from `unpromised` first. So a coroutine always has a
//! stack waiting somewhere when it starts. If none is at hand on its worker (the idle ones sit in
//! other workers' caches) it maps a batch; only if that fails too (memory ran out since its `go`)
//! does it wait, requeued, while the caches are flushed to the pool.
//!
//! The promises are book-keeping for availability only: no stack is ever reached through them,
//! so a wrong count could cost an error at the wrong place, never memory safety.
//!
//! The pool also counts the live coroutines (each holds a promise or a stack of its own size),
//! and enforces the optional limit on them. When a stack cannot be had, the error says which
//! limit was hit and what to do about it.

use std::cell::{Cell, RefCell};
use std::io;

use super::stack_memory::{self, StackMemory, BATCH};
use crate::loom::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};
use crate::loom::sync::Mutex;

/// The most idle stacks the pool keeps; more are retired and unmapped by the monitor.
pub(crate) const MAX_POOLED: usize = 4096;

/// A coroutine stack together with the size it was asked for (its pooling key).
pub(crate) struct Stack {
    pub(crate) inner: StackMemory,
    pub(crate) size: usize,
}

impl std::fmt::Debug for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stack").field("size", &self.size).finish()
    }
}

impl std::fmt::Debug for StackPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StackPool")
            .field("default_size", &self.default_size)
            .field("live", &self.live())
            .finish()
    }
}

/// Idle stacks of the default size, and the count of stacks in use.
pub(crate) struct StackPool {
    /// Size of the stacks that are pooled. Fixed at start.
    default_size: usize,
    /// Optional cap on `live`. Fixed at start.
    max_live: Option<usize>,
    /// Stacks handed out and not yet released by callers without a cache; with a limit set,
    /// by everyone (the limit needs one exact count).
    live: AtomicUsize,
    /// Without a limit, each worker's cache counts its own acquisitions minus releases here (a
    /// coroutine may end on another worker, so one entry may be negative; the sum is right).
    /// Written by the owning worker only, so no two cores fight over one cache line.
    per_worker: Box<[Padded<AtomicIsize>]>,
    /// Default-size stacks mapped and not promised to a coroutine or a cache's credit (see the
    /// module docs). Never made negative for long: whoever takes it below zero maps a batch.
    unpromised: AtomicIsize,
    /// Set by a worker that found no stack for a promised coroutine and could map none: caches
    /// then give their stacks back to the pool until it finds one. Rarely set.
    flush_wanted: AtomicBool,
    /// Idle default-size stacks, most recently released last (their pages are the warmest).
    idle: Mutex<Vec<StackMemory>>,
    /// Stacks beyond the pool's capacity, waiting to be unmapped.
    retired: Mutex<Vec<StackMemory>>,
}

impl StackPool {
    pub(crate) fn new(default_size: usize, max_live: Option<usize>, workers: usize) -> StackPool {
        stack_memory::configure_guard_from_env();
        StackPool {
            default_size,
            max_live,
            live: AtomicUsize::new(0),
            per_worker: (0..workers).map(|_| Padded(AtomicIsize::new(0))).collect(),
            unpromised: AtomicIsize::new(0),
            flush_wanted: AtomicBool::new(false),
            idle: Mutex::new(Vec::new()),
            retired: Mutex::new(Vec::new()),
        }
    }

    /// The size a coroutine gets when it asks for none.
    pub(crate) fn default_size(&self) -> usize {
        self.default_size
    }

    /// Coroutines alive now (stacks handed out and not yet released). A sum of counters read
    /// one after another, so only a snapshot while coroutines start and end.
    pub(crate) fn live(&self) -> usize {
        let cached: isize = self
            .per_worker
            .iter()
            .map(|c| c.0.load(Ordering::Relaxed))
            .sum();
        (self.live.load(Ordering::Relaxed) as isize + cached).max(0) as usize
    }

    /// Counts a stack taken by worker `index`'s cache.
    fn reserve_for(&self, index: usize) -> io::Result<()> {
        if self.max_live.is_some() {
            return self.reserve();
        }
        let count = &self.per_worker[index].0;
        count.store(count.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        Ok(())
    }

    /// Uncounts a stack released to worker `index`'s cache.
    fn unreserve_for(&self, index: usize) {
        if self.max_live.is_some() {
            self.live.fetch_sub(1, Ordering::Relaxed);
            return;
        }
        let count = &self.per_worker[index].0;
        count.store(count.load(Ordering::Relaxed) - 1, Ordering::Relaxed);
    }

    /// Counts a new coroutine of `size` bytes of stack spawned without a [`StackCache`], and
    /// promises it a stack: `None` for the default size (it takes one from the pool when it
    /// starts), else its own stack, mapped now. A size past
    /// [`MAX_STACK_SIZE`](super::config::MAX_STACK_SIZE) fails with
    /// [`InvalidInput`](io::ErrorKind::InvalidInput), and is not counted.
    pub(crate) fn promise(&self, size: usize) -> io::Result<Option<Stack>> {
        stack_memory::check_size(size)?;
        self.reserve()?;
        let promised = if size == self.default_size {
            self.promise_stacks(1).map(|_| None)
        } else {
            self.map_one(size).map(Some)
        };
        if promised.is_err() {
            self.live.fetch_sub(1, Ordering::Relaxed);
        }
        promised
    }

    /// Takes `n` (at most [`BATCH`]) promises of a default-size stack, mapping a batch first if
    /// the mapped stacks do not cover them. If a batch cannot be mapped, promises one stack
    /// (mapping a single one if need be) and returns 1. Fails only if not even that can be had.
    fn promise_stacks(&self, n: usize) -> io::Result<usize> {
        debug_assert!((1..=BATCH).contains(&n));
        // Relaxed: the count guards no memory (stacks move through the locked lists), and each
        // taker that finds too few maps at least as many as it took.
        if self.unpromised.fetch_sub(n as isize, Ordering::Relaxed) >= n as isize {
            return Ok(n);
        }
        match StackMemory::map_batch(self.default_size, BATCH) {
            Ok(stacks) => {
                self.add_mapped(stacks);
                Ok(n)
            }
            Err(_) if n > 1 => {
                self.unpromised.fetch_add(n as isize, Ordering::Relaxed);
                self.promise_stacks(1)
            }
            Err(_) => match StackMemory::map_batch(self.default_size, 1) {
                Ok(stacks) => {
                    self.add_mapped(stacks);
                    Ok(1)
                }
                Err(err) => {
                    self.unpromised.fetch_add(1, Ordering::Relaxed);
                    Err(mapping_error(err, self.default_size, self.live()))
                }
            },
        }
    }

    /// Pools newly mapped default-size stacks, which nothing was promised yet.
    fn add_mapped(&self, stacks: Vec<StackMemory>) {
        self.unpromised
            .fetch_add(stacks.len() as isize, Ordering::Relaxed);
        self.put_idle(stacks);
    }

    /// Returns `n` promises: their stacks are idle again (or the credit holding them is given up).
    fn return_promises(&self, n: usize) {
        self.unpromised.fetch_add(n as isize, Ordering::Relaxed);
    }

    /// Maps a stack of a size that is not pooled, for one coroutine.
    fn map_one(&self, size: usize) -> io::Result<Stack> {
        let mut stacks =
            StackMemory::map_batch(size, 1).map_err(|err| mapping_error(err, size, self.live()))?;
        let inner = stacks.pop().expect("a batch of one holds one stack");
        Ok(Stack { inner, size })
    }

    /// Promises a stack and takes it at once, as a coroutine spawned and started without a
    /// [`StackCache`] would (tests).
    #[cfg(test)]
    pub(crate) fn acquire(&self, size: usize) -> io::Result<Stack> {
        Ok(match self.promise(size)? {
            Some(stack) => stack,
            None => {
                let mut out = Vec::new();
                self.take_idle(1, &mut out);
                let inner = out.pop().expect("a promised stack is idle in the pool");
                Stack { inner, size }
            }
        })
    }

    /// Gives back the stack of a finished coroutine (and its promise) and uncounts it. For
    /// callers without a [`StackCache`].
    #[cfg(test)]
    pub(crate) fn release(&self, stack: Stack) {
        self.live.fetch_sub(1, Ordering::Relaxed);
        if stack.size == self.default_size {
            self.put_idle(std::iter::once(stack.inner));
            self.return_promises(1);
        }
    }

    /// Uncounts a coroutine as it delivers its result, on worker `index`, before its stack comes
    /// back: a coroutine whose `join` has returned no longer counts against the limit, even if
    /// its worker has not yet switched away from it.
    pub(crate) fn coroutine_ended(&self, index: usize) {
        self.unreserve_for(index);
    }

    /// Counts one more live coroutine, unless that would pass the limit.
    fn reserve(&self) -> io::Result<()> {
        let live = self.live.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(max) = self.max_live.filter(|&max| live > max) {
            self.live.fetch_sub(1, Ordering::Relaxed);
            return Err(limit_error(max));
        }
        Ok(())
    }

    /// Moves up to `n` idle stacks into `out`: pooled ones first, then retired ones not yet
    /// unmapped. A retired stack is as good as a pooled one, and under a sustained load the
    /// monitor unmaps only a few at a time: without this, each burst past the pool's size would
    /// map new stacks while the last burst's still wait to be unmapped, and the mappings would
    /// pile up for as long as the load lasts.
    fn take_idle(&self, n: usize, out: &mut Vec<StackMemory>) {
        let wanted = out.len() + n;
        for list in [&self.idle, &self.retired] {
            let mut list = list.lock();
            let keep = list.len().saturating_sub(wanted - out.len());
            out.extend(list.drain(keep..));
            if out.len() == wanted {
                return;
            }
        }
    }

    /// Adds idle stacks to the pool; those over [`MAX_POOLED`] are retired, to be unmapped by
    /// [`free_retired`](Self::free_retired) off the path of the coroutine that ended: an
    /// `munmap` costs a mapping split and a TLB flush on every core this process runs on.
    fn put_idle(&self, stacks: impl IntoIterator<Item = StackMemory>) {
        let mut idle = self.idle.lock();
        for stack in stacks {
            if idle.len() < MAX_POOLED {
                idle.push(stack);
            } else {
                self.retired.lock().push(stack);
            }
        }
    }

    /// Unmaps retired stacks beyond the first `keep`, at most `limit` of them. The monitor calls
    /// this: while workers run, only a few at a time and only past a backlog of [`MAX_POOLED`]
    /// (each `munmap` interrupts every core of the process to flush its TLB, which costs a
    /// virtual machine dearly), all of them once the runtime is idle.
    pub(crate) fn free_retired(&self, keep: usize, limit: usize) {
        let freed: Vec<StackMemory> = {
            let mut retired = self.retired.lock();
            let excess = retired.len().saturating_sub(keep).min(limit);
            let excess = self.unpromise(excess);
            let from = retired.len() - excess;
            retired.drain(from..).collect()
        };
        drop(freed);
    }

    /// Takes up to `n` stacks out of the unpromised count, for unmapping: as many as it can
    /// without taking it below zero, so no promised coroutine is left without a stack.
    fn unpromise(&self, n: usize) -> usize {
        let mut current = self.unpromised.load(Ordering::Relaxed);
        loop {
            let taken = n.min(current.max(0) as usize);
            match self.unpromised.compare_exchange_weak(
                current,
                current - taken as isize,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return taken,
                Err(now) => current = now,
            }
        }
    }
}

/// A worker's own stash of default-size stacks, and of promises of them, in front of the shared
/// pool, so that starting and ending coroutines on a worker touches the pool's lock and counter
/// only once per [`CACHE_BATCH`] stacks. Owned by one worker thread; not shared.
pub(crate) struct StackCache {
    /// The owning worker's index, for its live counter in the pool.
    index: usize,
    /// Idle stacks, for coroutines that start on this worker.
    stacks: RefCell<Vec<StackMemory>>,
    /// Promises taken from the pool and not yet given to a coroutine spawned on this worker.
    credit: Cell<usize>,
}

/// Stacks (and promises) moved between a cache and the pool at a time; a cache holds at most
/// twice this of each.
pub(crate) const CACHE_BATCH: usize = 32;

impl std::fmt::Debug for StackCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StackCache")
            .field("stacks", &self.stacks.borrow().len())
            .field("credit", &self.credit.get())
            .finish()
    }
}

impl StackCache {
    /// An empty cache for worker `index`.
    pub(crate) fn new(index: usize) -> StackCache {
        StackCache {
            index,
            stacks: RefCell::new(Vec::new()),
            credit: Cell::new(0),
        }
    }

    /// As [`StackPool::promise`], from this cache's credit first.
    pub(crate) fn promise(&self, pool: &StackPool, size: usize) -> io::Result<Option<Stack>> {
        if size != pool.default_size {
            return pool.promise(size);
        }
        pool.reserve_for(self.index)?;
        let credit = match self.credit.get() {
            0 => match pool.promise_stacks(CACHE_BATCH) {
                Ok(credit) => credit,
                Err(err) => {
                    pool.unreserve_for(self.index);
                    return Err(err);
                }
            },
            credit => credit,
        };
        self.credit.set(credit - 1);
        Ok(None)
    }

    /// A stack for a coroutine that was promised one and starts on this worker now: from this
    /// cache, else the pool, else a new batch. Fails only if a batch cannot be mapped, and then
    /// asks every cache to give its stacks back to the pool, where the caller will find the one
    /// promised to it (see the module docs).
    pub(crate) fn take(&self, pool: &StackPool) -> io::Result<StackMemory> {
        let mut stacks = self.stacks.borrow_mut();
        if let Some(stack) = stacks.pop() {
            return Ok(stack);
        }
        pool.take_idle(CACHE_BATCH, &mut stacks);
        if let Some(stack) = stacks.pop() {
            if pool.flush_wanted.load(Ordering::Relaxed) {
                pool.flush_wanted.store(false, Ordering::Relaxed);
            }
            return Ok(stack);
        }
        // The stacks promised are in other workers' caches: map more (they are not promised).
        match StackMemory::map_batch(pool.default_size, BATCH)
            .or_else(|_| StackMemory::map_batch(pool.default_size, 1))
        {
            Ok(mut mapped) => {
                pool.return_promises(mapped.len());
                let stack = mapped.pop().expect("a batch holds at least one stack");
                stacks.append(&mut mapped);
                Ok(stack)
            }
            Err(err) => {
                pool.flush_wanted.store(true, Ordering::Relaxed);
                Err(mapping_error(err, pool.default_size, pool.live()))
            }
        }
    }

    /// As [`StackPool::acquire`], from this cache first.
    #[cfg(test)]
    pub(crate) fn acquire(&self, pool: &StackPool, size: usize) -> io::Result<Stack> {
        Ok(match self.promise(pool, size)? {
            Some(stack) => stack,
            None => Stack {
                inner: self.take(pool)?,
                size,
            },
        })
    }

    /// As [`StackPool::release`], into this cache first.
    #[cfg(test)]
    pub(crate) fn release(&self, pool: &StackPool, stack: Stack) {
        pool.unreserve_for(self.index);
        self.recycle(pool, stack);
    }

    /// Gives every stack and promise of this cache back to the pool (a spare worker retiring).
    pub(crate) fn flush(&self, pool: &StackPool) {
        self.give_stacks_back(pool);
        pool.return_promises(self.credit.replace(0));
    }

    /// Gives this cache's stacks to the pool if a worker is waiting for one (see
    /// [`take`](Self::take)). A load of a flag nobody writes otherwise.
    pub(crate) fn flush_if_wanted(&self, pool: &StackPool) {
        if pool.flush_wanted.load(Ordering::Relaxed) {
            self.give_stacks_back(pool);
        }
    }

    /// Moves this cache's idle stacks to the pool.
    fn give_stacks_back(&self, pool: &StackPool) {
        let stacks = self.stacks.take();
        if !stacks.is_empty() {
            pool.put_idle(stacks);
        }
    }

    /// Keeps the stack of a coroutine already uncounted by [`StackPool::coroutine_ended`], and
    /// its promise, in this cache first. A stack of another size is unmapped.
    pub(crate) fn recycle(&self, pool: &StackPool, stack: Stack) {
        if stack.size != pool.default_size {
            return;
        }
        let surplus = {
            let mut stacks = self.stacks.borrow_mut();
            stacks.push(stack.inner);
            (stacks.len() > 2 * CACHE_BATCH)
                .then(|| stacks.drain(CACHE_BATCH..).collect::<Vec<_>>())
        };
        if let Some(surplus) = surplus {
            pool.put_idle(surplus);
        }
        let credit = self.credit.get() + 1;
        if credit > 2 * CACHE_BATCH {
            pool.return_promises(CACHE_BATCH);
            self.credit.set(credit - CACHE_BATCH);
        } else {
            self.credit.set(credit);
        }
        self.flush_if_wanted(pool);
    }
}

/// Keeps a counter on a cache line of its own.
#[derive(Debug)]
#[repr(align(128))]
struct Padded<T>(T);

fn limit_error(max: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::OutOfMemory,
        format!(
            "offshoot: cannot start a coroutine: {max} coroutines are alive, the limit set by \
             Config::max_coroutines or OFFSHOOT_MAX_COROUTINES; raise the limit or wait for \
             some to finish"
        ),
    )
}

/// Explains a failed stack mapping. On Linux the usual cause is the per-process limit on memory
/// mappings, `vm.max_map_count`; the message says whether this process is near it. A size past
/// the limit explains itself already, and is passed on as it is.
fn mapping_error(err: io::Error, size: usize, live: usize) -> io::Error {
    if err.kind() == io::ErrorKind::InvalidInput {
        return err;
    }
    let cause = match (max_map_count(), map_count()) {
        (Some(max), Some(used)) if used + 64 >= max => format!(
            "this process uses {used} of the {max} memory mappings Linux allows it \
             (vm.max_map_count), and each coroutine stack takes {}, so about {} coroutines \
             fit; raise the limit as root with `sysctl -w vm.max_map_count={}` (add it to \
             /etc/sysctl.conf to keep it), or let some coroutines finish: their stacks are \
             reused",
            if stack_memory::guards_split_mappings() {
                "two"
            } else {
                "a share of one"
            },
            if stack_memory::guards_split_mappings() {
                max / 2
            } else {
                max * BATCH
            },
            (max * 4).max(2_621_440)
        ),
        _ => "the system refused the memory (an address-space limit such as `ulimit -v`, or \
              memory exhausted); lower the stack size (OFFSHOOT_STACK_SIZE, Builder::stack_size) \
              or let some coroutines finish"
            .to_string(),
    };
    io::Error::new(
        io::ErrorKind::OutOfMemory,
        format!(
            "offshoot: cannot allocate a {} KiB coroutine stack ({err}) with {live} coroutines \
             alive: {cause}",
            size / 1024
        ),
    )
}

fn max_map_count() -> Option<usize> {
    std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn map_count() -> Option<usize> {
    Some(
        std::fs::read_to_string("/proc/self/maps")
            .ok()?
            .lines()
            .count(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn released_default_stacks_are_reused() {
        let pool = StackPool::new(64 * 1024, None, 2);
        let a = pool.acquire(64 * 1024).unwrap();
        let base = corosensei::stack::Stack::base(&a.inner);
        assert_eq!(pool.live(), 1);
        pool.release(a);
        assert_eq!(pool.live(), 0);
        let b = pool.acquire(64 * 1024).unwrap();
        assert_eq!(
            corosensei::stack::Stack::base(&b.inner),
            base,
            "the pooled stack comes back"
        );
        pool.release(b);
    }

    #[test]
    fn a_cache_refills_from_and_spills_to_the_pool() {
        let pool = StackPool::new(64 * 1024, None, 2);
        let cache = StackCache::new(0);
        let stacks: Vec<_> = (0..3 * CACHE_BATCH)
            .map(|_| cache.acquire(&pool, 64 * 1024).unwrap())
            .collect();
        assert_eq!(pool.live(), 3 * CACHE_BATCH);
        for stack in stacks {
            cache.release(&pool, stack);
        }
        assert_eq!(pool.live(), 0);
        let cached = cache.stacks.borrow().len();
        assert!(cached <= 2 * CACHE_BATCH, "the cache is bounded: {cached}");
        assert_eq!(
            cached + pool.idle.lock().len(),
            3 * CACHE_BATCH,
            "no stack lost"
        );
        let other = StackCache::new(1);
        let s = other.acquire(&pool, 64 * 1024).unwrap();
        assert!(!other.stacks.borrow().is_empty(), "a refill takes a batch");
        other.release(&pool, s);
    }

    #[test]
    fn every_promise_is_backed_by_a_mapped_stack() {
        let pool = StackPool::new(64 * 1024, None, 2);
        let (spawner, runner) = (StackCache::new(0), StackCache::new(1));
        for _ in 0..3 * CACHE_BATCH {
            assert!(spawner.promise(&pool, 64 * 1024).unwrap().is_none());
        }
        let idle = pool.idle.lock().len() + pool.retired.lock().len();
        assert!(idle >= 3 * CACHE_BATCH, "{idle} idle for 96 promises");
        assert!(pool.unpromised.load(Ordering::Relaxed) >= 0);
        // Another worker starts them: it takes the promised stacks from the pool.
        let started: Vec<_> = (0..3 * CACHE_BATCH)
            .map(|_| runner.take(&pool).unwrap())
            .collect();
        // The monitor may unmap only what nobody was promised: the spawner's credit stays.
        let credit = spawner.credit.get();
        let unpromised = pool.unpromised.load(Ordering::Relaxed) as usize;
        assert_eq!(pool.unpromise(usize::MAX), unpromised);
        assert_eq!(pool.unpromise(1), 0, "nothing left to unmap");
        let idle = pool.idle.lock().len() + pool.retired.lock().len();
        assert!(idle >= credit, "{idle} idle for a credit of {credit}");
        for inner in started {
            let stack = Stack {
                inner,
                size: 64 * 1024,
            };
            pool.unreserve_for(0);
            runner.recycle(&pool, stack);
        }
        assert_eq!(pool.live(), 0);
        assert!(runner.credit.get() <= 2 * CACHE_BATCH, "credit spills back");
    }

    #[test]
    fn a_promised_stack_held_by_another_cache_is_replaced_by_a_new_one() {
        let pool = StackPool::new(64 * 1024, None, 2);
        let (a, b) = (StackCache::new(0), StackCache::new(1));
        assert!(a.promise(&pool, 64 * 1024).unwrap().is_none());
        let hoarded = b.take(&pool).unwrap(); // the rest of the batch lands in b's cache
        assert!(pool.idle.lock().is_empty());
        let before = pool.unpromised.load(Ordering::Relaxed);
        let stack = a.take(&pool).expect("a new batch is mapped");
        assert_eq!(
            pool.unpromised.load(Ordering::Relaxed),
            before + BATCH as isize,
            "a batch mapped at a start is nobody's promise"
        );
        drop((stack, hoarded));
    }

    #[test]
    fn a_cache_gives_its_stacks_back_when_a_worker_waits_for_one() {
        let pool = StackPool::new(64 * 1024, None, 1);
        let cache = StackCache::new(0);
        let stack = cache.acquire(&pool, 64 * 1024).unwrap();
        assert!(!cache.stacks.borrow().is_empty());
        pool.flush_wanted.store(true, Ordering::Relaxed);
        cache.release(&pool, stack);
        assert!(cache.stacks.borrow().is_empty(), "flushed");
        assert_eq!(pool.idle.lock().len(), BATCH);
        let _ = cache.take(&pool).unwrap();
        assert!(
            !pool.flush_wanted.load(Ordering::Relaxed),
            "cleared once a stack is found in the pool"
        );
    }

    #[test]
    fn other_sizes_are_not_pooled() {
        let pool = StackPool::new(64 * 1024, None, 2);
        let a = pool.acquire(128 * 1024).unwrap();
        pool.release(a);
        assert!(pool.idle.lock().is_empty());
    }

    #[test]
    fn the_live_limit_gives_a_clear_error_and_recovers() {
        let pool = StackPool::new(64 * 1024, Some(2), 2);
        let a = pool.acquire(64 * 1024).unwrap();
        let b = pool.acquire(64 * 1024).unwrap();
        let err = pool.acquire(64 * 1024).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::OutOfMemory);
        assert!(err.to_string().contains("2 coroutines are alive"), "{err}");
        assert_eq!(pool.live(), 2, "a refused request is not counted");
        pool.release(a);
        let c = pool.acquire(64 * 1024).expect("room again after a release");
        pool.release(b);
        pool.release(c);
    }

    #[test]
    fn a_size_past_the_limit_is_refused_and_not_counted() {
        use crate::runtime::config::MAX_STACK_SIZE;
        let pool = StackPool::new(64 * 1024, None, 2);
        for size in [usize::MAX, MAX_STACK_SIZE + 1] {
            let err = pool.acquire(size).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
            assert_eq!(pool.live(), 0, "a refused request is not counted");
        }
        // A default size past the limit (which the configuration refuses) is refused too.
        let absurd = StackPool::new(usize::MAX, None, 1);
        let err = StackCache::new(0).acquire(&absurd, usize::MAX).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        assert_eq!(absurd.live(), 0);
    }

    #[test]
    fn mapping_errors_explain_the_cause() {
        let err = mapping_error(io::Error::from_raw_os_error(12), 256 * 1024, 7);
        let msg = err.to_string();
        assert!(msg.contains("256 KiB"), "{msg}");
        assert!(msg.contains("7 coroutines alive"), "{msg}");
    }
}
