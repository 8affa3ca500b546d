//! The memory of coroutine stacks: guarded regions mapped in batches.
//!
//! A stack is a range of anonymous memory with one guard page at its low end, so an overflow
//! faults instead of writing over whatever lies below. Stacks are mapped [`BATCH`] at a time with
//! one `mmap`, and each stack's guard page is then set with `madvise(MADV_GUARD_INSTALL)` (Linux
//! 6.13 and later): a guard marker in the page table that does not split the mapping. So a batch
//! of stacks costs one memory mapping and two system calls (the `mmap`, and one
//! `process_madvise` that installs all the batch's guards, or else a `madvise` per stack), where
//! a `PROT_NONE` guard costs a `mprotect` that splits the mapping in two, and so two of the
//! process's `vm.max_map_count` mappings per stack. `mprotect` guards remain the fallback, used
//! when the kernel lacks guard markers or when `OFFSHOOT_STACK_GUARD=mprotect` asks for them.
//!
//! Each stack owns its own range and unmaps just that range when dropped (`munmap` may cut a
//! piece out of a larger mapping), so stacks of one batch live and die independently.
//!
//! A size is checked against [`MAX_STACK_SIZE`] before it is rounded up to whole pages, the
//! rounding that would otherwise wrap to zero for a size near `usize::MAX`.

use std::io;
use std::num::NonZeroUsize;
use std::ptr;

use corosensei::stack::{Stack, StackPointer, MIN_STACK_SIZE};

use super::config::{self, MAX_STACK_SIZE};
use crate::loom::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

/// Stacks mapped together when the pool runs dry.
pub(crate) const BATCH: usize = 32;

/// `madvise` advice that installs guard markers (`include/uapi/asm-generic/mman-common.h`).
const MADV_GUARD_INSTALL: libc::c_int = 102;

const GUARD_UNKNOWN: u8 = 0;
const GUARD_MARKER: u8 = 1;
const GUARD_MPROTECT: u8 = 2;

/// How guard pages are made in this process: decided by the first stack.
static GUARD: AtomicU8 = AtomicU8::new(GUARD_UNKNOWN);

/// Stacks mapped and not yet unmapped.
static MAPPED: AtomicUsize = AtomicUsize::new(0);

/// One coroutine stack: `len` bytes from `low`, the lowest page of them a guard.
#[derive(Debug)]
pub(crate) struct StackMemory {
    low: usize,
    len: usize,
}

// SAFETY: a `StackMemory` is the sole owner of its address range, which no other value refers
// to; moving that ownership between threads is like moving a `Box`.
unsafe impl Send for StackMemory {}

impl StackMemory {
    /// Stacks mapped now, in use or idle. For tests that count that every stack comes back.
    pub(crate) fn mapped() -> usize {
        MAPPED.load(Ordering::Relaxed)
    }

    /// Maps `count` stacks of at least `size` usable bytes each. Fails with
    /// [`InvalidInput`](io::ErrorKind::InvalidInput) for a size past [`MAX_STACK_SIZE`].
    pub(crate) fn map_batch(size: usize, count: usize) -> io::Result<Vec<StackMemory>> {
        check_size(size)?;
        let page = page_size();
        let usable = size.max(MIN_STACK_SIZE).next_multiple_of(page);
        let len = usable + page;
        let total = len.checked_mul(count).ok_or(io::ErrorKind::OutOfMemory)?;
        // SAFETY: a fresh private anonymous mapping at an address the kernel picks; it overlaps
        // nothing of ours, and the result is checked.
        let base = unsafe {
            libc::mmap(
                ptr::null_mut(),
                total,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        // Own every range first, so an error below unmaps them all on the way out.
        MAPPED.fetch_add(count, Ordering::Relaxed);
        let stacks: Vec<StackMemory> = (0..count)
            .map(|i| StackMemory {
                low: base as usize + i * len,
                len,
            })
            .collect();
        if !install_guards_at_once(&stacks, page) {
            for stack in &stacks {
                stack.install_guard(page)?;
            }
        }
        Ok(stacks)
    }

    /// The lowest address of the range: where its guard page starts.
    pub(crate) fn low(&self) -> usize {
        self.low
    }

    /// The guard page of the stack whose range starts at `low`: an access there is an overflow.
    /// Reads only a cached value, so a signal handler may call it.
    pub(crate) fn guard_at(low: usize) -> std::ops::Range<usize> {
        low..low + page_size()
    }

    /// Makes the lowest page of the range fault on any access.
    fn install_guard(&self, page: usize) -> io::Result<()> {
        let guard = self.low as *mut libc::c_void;
        if GUARD.load(Ordering::Relaxed) != GUARD_MPROTECT {
            // SAFETY: the page is the start of a range this value owns and nothing uses yet.
            if unsafe { libc::madvise(guard, page, MADV_GUARD_INSTALL) } == 0 {
                GUARD.store(GUARD_MARKER, Ordering::Relaxed);
                return Ok(());
            }
            let err = io::Error::last_os_error();
            if GUARD.load(Ordering::Relaxed) == GUARD_MARKER
                || err.raw_os_error() != Some(libc::EINVAL)
            {
                return Err(err);
            }
            // The kernel knows no guard markers: use PROT_NONE pages from now on.
            GUARD.store(GUARD_MPROTECT, Ordering::Relaxed);
        }
        // SAFETY: as above; PROT_NONE only removes access to a page nothing uses.
        if unsafe { libc::mprotect(guard, page, libc::PROT_NONE) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

/// Installs the guard markers of a whole batch in one `process_madvise` call on this process.
/// Returns false if that is not possible here (an older kernel, a sandbox refusing pidfds, or
/// `PROT_NONE` guards chosen), and the guards are then set one by one.
fn install_guards_at_once(stacks: &[StackMemory], page: usize) -> bool {
    if GUARD.load(Ordering::Relaxed) == GUARD_MPROTECT {
        return false;
    }
    let Some(pidfd) = own_pidfd() else {
        return false;
    };
    let guards: Vec<libc::iovec> = stacks
        .iter()
        .map(|stack| libc::iovec {
            iov_base: stack.low as *mut libc::c_void,
            iov_len: page,
        })
        .collect();
    // SAFETY: every range is the guard page of a stack in a fresh batch that the caller owns
    // and nothing uses yet; a guard marker only changes how that page faults. The iovec array
    // outlives the call, and its length is passed with it.
    let advised = unsafe {
        libc::syscall(
            libc::SYS_process_madvise,
            pidfd,
            guards.as_ptr(),
            guards.len(),
            MADV_GUARD_INSTALL,
            0,
        )
    };
    let all = advised >= 0 && advised as usize == guards.len() * page;
    if all {
        GUARD.store(GUARD_MARKER, Ordering::Relaxed);
    }
    all
}

/// A pidfd for this process, opened once (`None` where the kernel has none).
fn own_pidfd() -> Option<libc::c_int> {
    static PIDFD: std::sync::OnceLock<Option<libc::c_int>> = std::sync::OnceLock::new();
    *PIDFD.get_or_init(|| {
        // SAFETY: pidfd_open has no memory-safety preconditions; the result is checked.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, libc::getpid(), 0) };
        libc::c_int::try_from(fd).ok().filter(|&fd| fd >= 0)
    })
}

/// Reads `OFFSHOOT_STACK_GUARD` once at start: `mprotect` forces `PROT_NONE` guard pages.
pub(crate) fn configure_guard_from_env() {
    if std::env::var("OFFSHOOT_STACK_GUARD").is_ok_and(|v| v.trim() == "mprotect") {
        GUARD.store(GUARD_MPROTECT, Ordering::Relaxed);
    }
}

/// True if stacks take two memory mappings each (`mprotect` guards), not a share of one.
pub(crate) fn guards_split_mappings() -> bool {
    GUARD.load(Ordering::Relaxed) != GUARD_MARKER
}

// SAFETY: `base` is the top of the range and `limit` the bottom of its usable part, above the
// guard page; the range is mapped read-write (but for the guard) for as long as this value
// lives, and only the coroutine that owns it uses it.
unsafe impl Stack for StackMemory {
    fn base(&self) -> StackPointer {
        NonZeroUsize::new(self.low + self.len).expect("a mapped range is not at address 0")
    }

    fn limit(&self) -> StackPointer {
        NonZeroUsize::new(self.low + page_size()).expect("a mapped range is not at address 0")
    }
}

impl Drop for StackMemory {
    fn drop(&mut self) {
        MAPPED.fetch_sub(1, Ordering::Relaxed);
        // SAFETY: the range is ours alone (see `map_batch`), and no coroutine runs on it any
        // more: a stack is dropped only when its coroutine has finished or was never started.
        let rc = unsafe { libc::munmap(self.low as *mut libc::c_void, self.len) };
        debug_assert_eq!(rc, 0, "munmap of a stack failed");
    }
}

/// Refuses a stack size past [`MAX_STACK_SIZE`], with an error naming both.
pub(crate) fn check_size(size: usize) -> io::Result<()> {
    if size <= MAX_STACK_SIZE {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "offshoot: cannot start a coroutine with a stack of {size} bytes: a stack may be at \
             most {MAX_STACK_SIZE} bytes (MAX_STACK_SIZE, {})",
            config::limit_in_words()
        ),
    ))
}

/// The system's page size, asked once (by the first stack mapped, before any task exists).
fn page_size() -> usize {
    static PAGE: AtomicUsize = AtomicUsize::new(0);
    match PAGE.load(Ordering::Relaxed) {
        0 => {
            // SAFETY: sysconf has no memory-safety preconditions.
            let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
            let page = usize::try_from(page).unwrap_or(4096);
            PAGE.store(page, Ordering::Relaxed);
            page
        }
        page => page,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_gives_disjoint_usable_stacks() {
        let stacks = StackMemory::map_batch(64 * 1024, 4).unwrap();
        assert_eq!(stacks.len(), 4);
        for pair in stacks.windows(2) {
            assert!(pair[0].base().get() <= pair[1].limit().get() - page_size());
        }
        for stack in &stacks {
            let usable = stack.base().get() - stack.limit().get();
            assert!(usable >= 64 * 1024);
            // Every usable byte can be written: the top and the bottom.
            // SAFETY: both addresses lie in the stack's usable, read-write part.
            unsafe {
                ptr::write_volatile((stack.base().get() - 1) as *mut u8, 1);
                ptr::write_volatile(stack.limit().get() as *mut u8, 1);
            }
        }
        drop(stacks.into_iter().nth(1));
    }
}
