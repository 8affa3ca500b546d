//! Telling the sanitizers about coroutine switches.
//!
//! A coroutine switch moves the CPU to another stack behind the compiler's back. The sanitizers
//! keep per-thread state tied to the stack: ThreadSanitizer a shadow call stack and a vector
//! clock, AddressSanitizer the current stack's bounds and its fake stack. Unannotated, TSan
//! overruns a shadow stack within seconds of a stress test and dies with SIGSEGV in its stack
//! depot; ASan, not knowing a coroutine's stack bounds, refuses to unpoison the stack when a
//! coroutine panics ("ASan is ignoring requested __asan_handle_no_return ... False positive
//! error reports may follow").
//!
//! # AddressSanitizer: corosensei does it
//!
//! corosensei 0.3.4 already calls `__sanitizer_start_switch_fiber` and
//! `__sanitizer_finish_switch_fiber` at its own switch points (first entry, every `resume` and
//! `suspend`, the final return, `on_stack`), at the exact instructions where the stack changes,
//! and unpoisons a finished coroutine's stack in `into_stack` before the stack pool reuses it.
//! It does so only with its `sanitizer` Cargo feature, which `-Zsanitizer=address` does not turn
//! on by itself. So an ASan build passes `--features corosensei/sanitizer`, and offshoot adds
//! nothing: annotating the same switches a second time would nest two switches in ASan's
//! bookkeeping and corrupt it.
//!
//! # ThreadSanitizer: here
//!
//! corosensei knows nothing of TSan, so each coroutine gets a TSan fiber of its own ([`Fiber`]):
//! made on its first resume, switched to around every resume, destroyed when it ends. All of
//! it is active only under `RUSTFLAGS="-Zsanitizer=thread --cfg offshoot_sanitize=\"thread\""`;
//! otherwise every type here is zero-sized and every function empty.
//!
//! ## Why both switches are made by the worker, around `resume`
//!
//! TSan's shadow call stack is pushed on every instrumented function entry and popped on every
//! exit, on whichever fiber TSan believes is current. A switch annotated by calling
//! `__tsan_switch_to_fiber` just before the real switch would leave the frames entered between
//! the two (corosensei's `resume` or `suspend` internals) on the wrong fiber, and the counts
//! differ between the two directions, so one shadow stack would grow and the other shrink by a
//! few entries per round trip until one of them overflows.
//!
//! So the worker annotates both directions, and the coroutine neither: [`Fiber::enter`] just
//! before `coroutine.resume(())`, [`Fiber::leave`] just after it returns, both in the worker's
//! `Task::resume` frame. Whatever the worker pushes between `enter` and the real switch goes on
//! the coroutine's shadow stack, and the worker pops exactly that back off the coroutine's
//! shadow stack between the real switch back and `leave`; the coroutine's own frames, including
//! those of `suspend`, are pushed and popped on its own shadow stack, with that same fiber
//! current. Every shadow stack balances whatever the frame counts, in debug and release builds
//! alike. The cost is cosmetic: while the coroutine runs, the top few entries of its shadow
//! stack name corosensei frames of the worker, so the innermost frames of a report's stack may
//! read oddly; the frames below (the coroutine's own) are right.
//!
//! ## Synchronization
//!
//! Switches use flags 0, not `__tsan_switch_to_fiber_no_sync`: TSan then records a
//! happens-before edge from the worker to the coroutine on `enter` and back on `leave`. That is
//! exactly the order the hardware gives (both run on one OS thread, one after the other), and it
//! is needed: the worker takes the task from a run queue with an acquire, and without the edge
//! the coroutine would not inherit it, so every value handed to a parked coroutine would look
//! like a race. What TSan cannot see, as a consequence, is a race between two coroutines that
//! happened to run one after the other on the same worker: it checks the order the execution
//! had, and on one thread that order is real. Races between workers, and between coroutines
//! and plain threads, are all visible, and the stress tests run with several workers so that
//! coroutines do migrate.
//!
//! A coroutine is one TSan thread wherever it runs, so its own accesses are ordered among
//! themselves by construction: a missing release/acquire in handing a coroutine's stack from one
//! worker to the next (the run right's hand-off, see `task.rs`) is invisible to TSan (and to
//! loom, which cannot run corosensei); what every waker writes for the coroutine is checked.
//!
//! A coroutine may resume on a different worker each time: `enter` asks TSan for the current
//! fiber (the resuming thread's own) each time and `leave` goes back to that one.

#[cfg(offshoot_sanitize = "thread")]
mod tsan {
    use std::ffi::{c_char, c_uint, c_void};

    // The interface of ThreadSanitizer's runtime (compiler-rt's `tsan_interface.h`), linked in by
    // `-Zsanitizer=thread`.
    extern "C" {
        pub(super) fn __tsan_get_current_fiber() -> *mut c_void;
        pub(super) fn __tsan_create_fiber(flags: c_uint) -> *mut c_void;
        pub(super) fn __tsan_destroy_fiber(fiber: *mut c_void);
        pub(super) fn __tsan_switch_to_fiber(fiber: *mut c_void, flags: c_uint);
        pub(super) fn __tsan_set_fiber_name(fiber: *mut c_void, name: *const c_char);
    }
}

#[cfg(offshoot_sanitize = "thread")]
use std::ffi::c_void;
#[cfg(offshoot_sanitize = "thread")]
use std::sync::atomic::{AtomicPtr, Ordering};

/// The TSan fiber of one coroutine; zero-sized in a build without TSan.
///
/// Reached only by the holder of the task's run right (see `task.rs`), one thread at a time,
/// handed over through the run queues' release/acquire edges; hence relaxed accesses.
#[derive(Debug)]
pub(crate) struct Fiber {
    /// Null until the first `enter`, and again once destroyed.
    #[cfg(offshoot_sanitize = "thread")]
    fiber: AtomicPtr<c_void>,
}

/// What a worker was running before [`Fiber::enter`]: the fiber [`Fiber::leave`] goes back to.
#[derive(Debug)]
#[must_use = "pass it to `Fiber::leave` once the coroutine has suspended or ended"]
pub(crate) struct Resumer {
    #[cfg(offshoot_sanitize = "thread")]
    fiber: *mut c_void,
}

impl Fiber {
    /// A fiber to be made on the first [`enter`](Self::enter).
    pub(crate) const fn new() -> Fiber {
        Fiber {
            #[cfg(offshoot_sanitize = "thread")]
            fiber: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    /// Call just before switching into the coroutine (`coroutine.resume`), in the same frame as
    /// the matching [`leave`](Self::leave): from here on TSan attributes what this thread does
    /// to the coroutine. Makes the fiber on the first call.
    #[inline(always)]
    pub(crate) fn enter(&self) -> Resumer {
        #[cfg(offshoot_sanitize = "thread")]
        {
            let mut fiber = self.fiber.load(Ordering::Relaxed);
            if fiber.is_null() {
                // The TSan runtime is there: without `-Zsanitizer=thread` this fails to link.
                // SAFETY: `__tsan_create_fiber` only allocates a new fiber's state, without
                // switching to it; flags 0 is the only value the interface defines.
                fiber = unsafe { tsan::__tsan_create_fiber(0) };
                // SAFETY: `fiber` was just made and is alive; the name is a static C string,
                // which TSan copies anyway.
                unsafe { tsan::__tsan_set_fiber_name(fiber, c"offshoot coroutine".as_ptr()) };
                self.fiber.store(fiber, Ordering::Relaxed);
            }
            // SAFETY: asks TSan which fiber this thread runs now; no preconditions.
            let resumer = unsafe { tsan::__tsan_get_current_fiber() };
            // The caller switches stacks right after this and calls `leave` in the same frame,
            // which keeps both shadow stacks balanced (module docs).
            // SAFETY: `fiber` is alive (`destroy` runs only after the coroutine's last resume) and
            // current nowhere else: only the run-right holder resumes it, one resume at a time.
            unsafe { tsan::__tsan_switch_to_fiber(fiber, 0) };
            Resumer { fiber: resumer }
        }
        #[cfg(not(offshoot_sanitize = "thread"))]
        Resumer {}
    }

    /// Call just after the coroutine has switched back (`coroutine.resume` returned, or
    /// unwound into the caller's `catch_unwind`), in the frame that called
    /// [`enter`](Self::enter): TSan attributes what follows to the worker again.
    #[inline(always)]
    pub(crate) fn leave(&self, resumer: Resumer) {
        #[cfg(offshoot_sanitize = "thread")]
        {
            // SAFETY: `resumer.fiber` is the fiber this thread ran before `enter`: the thread's
            // own, or, if resumes ever nest, the fiber of a coroutine that is itself inside a
            // `resume` (so alive, and waiting in that call). We are back on its stack.
            unsafe { tsan::__tsan_switch_to_fiber(resumer.fiber, 0) };
        }
        #[cfg(not(offshoot_sanitize = "thread"))]
        let _ = resumer;
    }

    /// Call once the coroutine has ended, after [`leave`](Self::leave): frees its TSan state.
    /// Dropping the `Fiber` does it too, for a coroutine that never ran or never ended.
    #[inline]
    pub(crate) fn destroy(&self) {
        #[cfg(offshoot_sanitize = "thread")]
        {
            let fiber = self.fiber.swap(std::ptr::null_mut(), Ordering::Relaxed);
            if !fiber.is_null() {
                // Current on no thread: the coroutine ended, or never ran after its last `leave`
                // (a resuming worker holds the task, so this `Fiber`, across the resume).
                // SAFETY: made by `__tsan_create_fiber`, and the swap took it out: freed once.
                unsafe { tsan::__tsan_destroy_fiber(fiber) };
            }
        }
    }
}

#[cfg(offshoot_sanitize = "thread")]
impl Drop for Fiber {
    fn drop(&mut self) {
        self.destroy();
    }
}
