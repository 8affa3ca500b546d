//! The pool of coroutine stacks.
//!
//! Every coroutine runs on its own `mmap`ed stack with a guard page below it (see
//! `stack_memory.rs`; new stacks are mapped in batches). Mapping and unmapping cost system calls
//! and page faults, so finished coroutines hand their stack back here and the next `go` reuses
//! it: in steady state starting a coroutine makes no system call.
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
//! The pool also counts the stacks handed out, which is the number of live coroutines, and
//! enforces the optional limit on it. When a stack cannot be had, the error says which limit was
//! hit and what to do about it.

use std::cell::RefCell;
use std::io;

use super::stack_memory::{self, StackMemory, BATCH};
use crate::loom::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
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

    /// Takes a stack of `size` bytes for a new coroutine: a pooled one if it can, else a new
    /// mapping. For callers without a [`StackCache`]. A size past
    /// [`MAX_STACK_SIZE`](super::config::MAX_STACK_SIZE) fails with
    /// [`InvalidInput`](io::ErrorKind::InvalidInput), and is not counted.
    pub(crate) fn acquire(&self, size: usize) -> io::Result<Stack> {
        stack_memory::check_size(size)?;
        self.reserve()?;
        let pooled = if size == self.default_size {
            let idle = self.idle.lock().pop();
            idle.or_else(|| self.retired.lock().pop())
        } else {
            None
        };
        match pooled {
            Some(inner) => Ok(Stack { inner, size }),
            None => self.map(size, None, || {
                self.live.fetch_sub(1, Ordering::Relaxed);
            }),
        }
    }

    /// Gives back the stack of a finished coroutine and uncounts it. For callers without a
    /// [`StackCache`].
    #[cfg(test)]
    pub(crate) fn release(&self, stack: Stack) {
        self.live.fetch_sub(1, Ordering::Relaxed);
        self.recycle(stack);
    }

    /// Keeps a stack whose coroutine was already uncounted (see [`coroutine_ended`]) for reuse.
    ///
    /// [`coroutine_ended`]: Self::coroutine_ended
    fn recycle(&self, stack: Stack) {
        if stack.size == self.default_size {
            self.put_idle(std::iter::once(stack.inner));
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

    /// Maps a new stack for a coroutine already counted; `uncount` undoes that on failure.
    /// Default-size stacks are mapped [`BATCH`] at a time, the spares going to `spare` (a cache)
    /// or, without one, to the pool; if a batch cannot be had, a single stack is tried.
    fn map(
        &self,
        size: usize,
        spare: Option<&mut Vec<StackMemory>>,
        uncount: impl FnOnce(),
    ) -> io::Result<Stack> {
        let count = if size == self.default_size { BATCH } else { 1 };
        let mapped = StackMemory::map_batch(size, count)
            .or_else(|_| StackMemory::map_batch(size, 1))
            .map_err(|err| mapping_error(err, size, self.live()));
        let mut stacks = match mapped {
            Ok(stacks) => stacks,
            Err(err) => {
                uncount();
                return Err(err);
            }
        };
        let inner = stacks.pop().expect("a batch holds at least one stack");
        match spare {
            Some(spare) => spare.append(&mut stacks),
            None => self.put_idle(stacks),
        }
        Ok(Stack { inner, size })
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
            let from = retired.len() - excess;
            retired.drain(from..).collect()
        };
        drop(freed);
    }
}

/// A worker's own stash of default-size stacks in front of the shared pool, so that starting and
/// ending coroutines on a worker takes the pool's lock only once per [`CACHE_BATCH`] stacks.
/// Owned by one worker thread; not shared.
pub(crate) struct StackCache {
    /// The owning worker's index, for its live counter in the pool.
    index: usize,
    stacks: RefCell<Vec<StackMemory>>,
}

/// Stacks moved between a cache and the pool at a time; a cache holds at most twice this.
pub(crate) const CACHE_BATCH: usize = 32;

impl std::fmt::Debug for StackCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StackCache")
            .field("stacks", &self.stacks.borrow().len())
            .finish()
    }
}

impl StackCache {
    /// An empty cache for worker `index`.
    pub(crate) fn new(index: usize) -> StackCache {
        StackCache {
            index,
            stacks: RefCell::new(Vec::new()),
        }
    }

    /// As [`StackPool::acquire`], from this cache first.
    pub(crate) fn acquire(&self, pool: &StackPool, size: usize) -> io::Result<Stack> {
        if size != pool.default_size {
            return pool.acquire(size);
        }
        pool.reserve_for(self.index)?;
        let mut stacks = self.stacks.borrow_mut();
        if stacks.is_empty() {
            pool.take_idle(CACHE_BATCH, &mut stacks);
        }
        match stacks.pop() {
            Some(inner) => Ok(Stack { inner, size }),
            None => pool.map(size, Some(&mut stacks), || pool.unreserve_for(self.index)),
        }
    }

    /// As [`StackPool::release`], into this cache first.
    #[cfg(test)]
    pub(crate) fn release(&self, pool: &StackPool, stack: Stack) {
        pool.unreserve_for(self.index);
        self.recycle(pool, stack);
    }

    /// Gives every stack of this cache back to the pool (a spare worker retiring).
    pub(crate) fn flush(&self, pool: &StackPool) {
        let stacks = self.stacks.take();
        if !stacks.is_empty() {
            pool.put_idle(stacks);
        }
    }

    /// Keeps the stack of a coroutine already uncounted by [`StackPool::coroutine_ended`], in
    /// this cache first.
    pub(crate) fn recycle(&self, pool: &StackPool, stack: Stack) {
        if stack.size != pool.default_size {
            return pool.recycle(stack);
        }
        let mut stacks = self.stacks.borrow_mut();
        stacks.push(stack.inner);
        if stacks.len() > 2 * CACHE_BATCH {
            let surplus: Vec<_> = stacks.drain(CACHE_BATCH..).collect();
            drop(stacks);
            pool.put_idle(surplus);
        }
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
