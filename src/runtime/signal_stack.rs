//! An alternate signal stack for a worker thread, so that a fault handler can run when the
//! stack in use (a coroutine's) is exhausted: the stack-overflow report (`overflow.rs`) needs
//! one. std gives every thread it spawns one, for its own overflow report, unless something
//! else handled `SIGSEGV` before `main`; this covers that case. It imports nothing of the
//! runtime, so the worker can call it without joining the overflow report's imports.

use std::ptr;

/// Size of the alternate signal stack given to a worker that has none.
const ALTERNATE_STACK: usize = 64 * 1024;

/// Gives the calling thread an alternate signal stack if it has none, so the handler can run
/// when the thread's stack (or its coroutine's) is exhausted. The stack is never freed: worker
/// threads live as long as the process.
pub(crate) fn ensure_alternate_stack() {
    // SAFETY: an all-zero `stack_t` is a valid value (null pointer, no flags, size 0).
    let mut current: libc::stack_t = unsafe { std::mem::zeroed() };
    // SAFETY: with a null new stack, `sigaltstack` only reads the current one into `current`.
    let queried = unsafe { libc::sigaltstack(ptr::null(), &mut current) };
    if queried != 0 || current.ss_flags & libc::SS_DISABLE == 0 {
        return; // one is set already (std's), or we cannot tell: leave it
    }
    // SAFETY: a fresh private anonymous mapping, checked; it is handed to the kernel as this
    // thread's signal stack and never unmapped, so it outlives every use.
    unsafe {
        let memory = libc::mmap(
            ptr::null_mut(),
            ALTERNATE_STACK,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if memory == libc::MAP_FAILED {
            return;
        }
        let stack = libc::stack_t {
            ss_sp: memory,
            ss_flags: 0,
            ss_size: ALTERNATE_STACK,
        };
        libc::sigaltstack(&stack, ptr::null_mut());
    }
}
