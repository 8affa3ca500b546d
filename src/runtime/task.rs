//! A task: one coroutine, and the state that lets other threads wake it.
//!
//! # The park protocol
//!
//! A task's `state` is one of three values, and holds a single wake-up token like
//! `std::thread::park` does:
//!
//! ```text
//!   RUNNING  --unpark-->  NOTIFIED          (woken while running: leave a token)
//!   NOTIFIED --park--->   RUNNING           (park consumes the token without switching)
//!   RUNNING  --park--->   [coroutine suspends]  --worker-->  PARKED
//!   PARKED   --unpark-->  RUNNING + scheduled   (exactly one unpark wins this CAS)
//! ```
//!
//! The step to `PARKED` is taken by the worker *after* the coroutine has suspended, never by the
//! coroutine itself: once a task is `PARKED`, any thread may resume it, so its stack must be
//! quiescent by then. An `unpark` that lands between the coroutine deciding to park and the worker's
//! CAS finds `RUNNING`, leaves a token, and the worker's CAS fails; the worker then requeues the
//! task instead of parking it. No wake-up is lost, and a task is never in two queues at once.
//!
//! A coroutine that parks while unwinding does not suspend but blocks its worker's thread in
//! state BLOCKED, which `unpark` ends by waking that thread (see `park_in_place` for why).
//!
//! "RUNNING" means "not parked": running, or queued to run. Wake-ups may be spurious (a token left
//! by an earlier, no longer wanted unpark), so every caller of `park` waits in a loop on its own
//! condition.
//!
//! # Who touches what
//!
//! The coroutine (`body`) is touched only by the holder of the task's *run right*: the worker that
//! took the task from a run queue, for the duration of one `resume`. The run right passes between
//! threads through the run queues and through the `PARKED -> RUNNING` CAS, both of which are
//! release/acquire edges, so each holder sees the coroutine as the previous one left it.

use std::any::Any;
use std::cell::{Cell, UnsafeCell};
use std::panic::{self, AssertUnwindSafe};

use corosensei::{Coroutine, CoroutineResult};

use super::join::JoinSlot;
use super::sanitizer::Fiber;
use super::stack::Stack;
use super::stack_memory::StackMemory;
use crate::loom::sync::atomic::{AtomicU8, Ordering};
use crate::loom::sync::Mutex;

/// Why a coroutine handed control back to its worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Switch {
    /// `yield_now`: still runnable; goes to the back of the run queue.
    Yield,
    /// `park`: wants to sleep until unparked.
    Park,
}

/// The suspend side of a coroutine, as corosensei hands it to the coroutine's body.
pub(crate) type Yielder = corosensei::Yielder<(), Switch>;
type Started = Coroutine<(), Switch, (), StackMemory>;

/// What a task runs: its coroutine, made by `start` or else on the first `resume`. Until then
/// the stack is untouched and the closure waits in a box, so the work of starting a coroutine
/// (writing its first frame, and on a fresh stack the page fault that brings) can fall on the
/// worker that runs it rather than on the coroutine that called `go`: a loop of `go` calls then
/// spreads that cost over the workers instead of serialising it (see `spawn.rs` for when).
enum Body {
    Unstarted {
        stack: StackMemory,
        start: Box<dyn FnOnce(&Yielder) + Send>,
    },
    Started(Started),
}

const RUNNING: u8 = 0;
const NOTIFIED: u8 = 1;
const PARKED: u8 = 2;
/// Parked in place: the coroutine blocks its worker's OS thread instead of switching away,
/// because it is unwinding (see `park_in_place`). `unpark` wakes that thread.
const BLOCKED: u8 = 3;

/// What became of a task after one `resume`.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Yielded: requeue it at the back.
    Yielded,
    /// Parked for real: someone else owns the next step.
    Parked,
    /// Asked to park but was woken meanwhile: runnable again now.
    Woken,
    /// Its body returned; its stack is free.
    Finished(Stack),
}

/// A coroutine and its park state.
pub(crate) struct Task {
    /// RUNNING, NOTIFIED or PARKED (see the module docs). Shared by all threads.
    state: AtomicU8,
    /// The coroutine; `None` once finished. Accessed only by the holder of the run right.
    body: UnsafeCell<Option<Body>>,
    /// The coroutine's own suspend handle, living on its stack. Written once by the coroutine when
    /// it starts and read only by the coroutine itself (on whichever thread it runs).
    yielder: Cell<*const Yielder>,
    /// The size the stack was asked for: the stack pool's key when it is handed back.
    stack_size: usize,
    /// Where the coroutine leaves its result for its `JoinHandle`. Internally synchronized.
    join: JoinSlot,
    /// The worker thread blocked by `park_in_place`, for `unpark` to wake. Rarely used.
    blocked_thread: Mutex<Option<std::thread::Thread>>,
    /// Sanitizer: the coroutine's ThreadSanitizer fiber (zero-sized without TSan). Reached only
    /// by the holder of the run right, like `body`.
    fiber: Fiber,
}

// Why a task may move between threads: `state` is atomic, `stack_size` immutable, `join` and
// `blocked_thread` locked. `body` is reached only by the holder of the run right (one thread at a
// time, handed over through release/acquire edges, see the module docs), and `yielder` only by
// the coroutine itself, which runs on one thread at a time for the same reason. The coroutine
// may migrate: its closure is `Send + 'static` (checked in `spawn`), and what it creates on its
// stack travels with it as a whole; what cannot travel (a reference into a thread-local, a guard
// of a lock owned by an OS thread, held across a park) the crate docs forbid.
// SAFETY: every field is either synchronized or confined to one thread at a time, as argued
// above; the coroutine's own contents move as one unit, under the documented contract.
unsafe impl Send for Task {}
// SAFETY: see `Send` above: every field shared between threads is atomic, the rest is confined to
// the run-right holder or to the coroutine.
unsafe impl Sync for Task {}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task")
            .field("state", &self.state.load(Ordering::Relaxed))
            .finish()
    }
}

impl Task {
    /// Wraps `body` (to run on `stack`) in a task. Nothing runs until the first `resume`. The
    /// body's result, or its panic, goes to the task's join slot.
    pub(crate) fn new<F, T>(stack: Stack, name: Option<String>, body: F) -> Task
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let start = Box::new(move |yielder: &Yielder| {
            let task = super::context::bind_yielder(yielder);
            // A panic stops at the coroutine's edge and goes to the joiner, as with std::thread.
            let result = panic::catch_unwind(AssertUnwindSafe(body));
            // Uncounted before the result is out, so that once `join` returns the coroutine
            // no longer counts against `Config::max_coroutines` (its stack follows shortly).
            if let Some(index) = super::context::current_processor() {
                super::scheduler::get().stacks.coroutine_ended(index);
            }
            task.join
                .complete(result.map(|value| Box::new(value) as Box<dyn Any + Send>));
        });
        Task {
            state: AtomicU8::new(RUNNING),
            body: UnsafeCell::new(Some(Body::Unstarted {
                stack: stack.inner,
                start,
            })),
            yielder: Cell::new(std::ptr::null()),
            stack_size: stack.size,
            join: JoinSlot::new(name),
            blocked_thread: Mutex::new(None),
            fiber: Fiber::new(),
        }
    }

    /// Makes the coroutine now, on the calling thread, instead of at the first `resume`.
    pub(crate) fn start(&mut self) {
        Self::start_body(self.body.get_mut());
    }

    fn start_body(body: &mut Option<Body>) {
        if let Some(Body::Unstarted { .. }) = body {
            let Some(Body::Unstarted { stack, start }) = body.take() else {
                unreachable!("matched above")
            };
            let coroutine =
                Coroutine::with_stack(stack, move |yielder: &Yielder, ()| start(yielder));
            *body = Some(Body::Started(coroutine));
        }
    }

    /// Runs the coroutine until it yields, parks or returns. Called by the run-right holder only.
    ///
    /// # Safety
    /// The caller holds the run right: it took this task from a run queue (or created it) and has
    /// not given it to anyone since.
    pub(crate) unsafe fn resume(&self) -> Outcome {
        // SAFETY: the caller holds the run right, so no other thread touches `body` now.
        let body = unsafe { &mut *self.body.get() };
        Self::start_body(body);
        let Some(Body::Started(coroutine)) = body.as_mut() else {
            panic!("resumed a finished task")
        };
        // Sanitizer: TSan follows the switch in (here) and back (`leave`), both in this frame.
        let resumer = self.fiber.enter();
        // The body catches its own panics (see `spawn`); this guard only keeps a bug in that
        // wrapper from unwinding through the worker loop.
        let result = panic::catch_unwind(AssertUnwindSafe(|| coroutine.resume(())));
        self.fiber.leave(resumer);
        match result {
            Ok(CoroutineResult::Yield(Switch::Yield)) => Outcome::Yielded,
            Ok(CoroutineResult::Yield(Switch::Park)) => self.finish_park(),
            Ok(CoroutineResult::Return(())) | Err(_) => {
                // Sanitizer: the coroutine has ended; free its TSan fiber.
                self.fiber.destroy();
                let Some(Body::Started(coroutine)) = body.take() else {
                    unreachable!("checked above")
                };
                let inner = coroutine.into_stack();
                Outcome::Finished(Stack {
                    inner,
                    size: self.stack_size,
                })
            }
        }
    }

    /// The worker's half of `park`: publish PARKED unless a wake-up came first.
    fn finish_park(&self) -> Outcome {
        // Release: whoever wins the PARKED -> RUNNING CAS sees the coroutine as it suspended.
        match self
            .state
            .compare_exchange(RUNNING, PARKED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Outcome::Parked,
            Err(NOTIFIED) => {
                // A swap, not a store: it reads the newest token (another waker may have
                // re-written it since the CAS) with acquire, so the coroutine sees what every
                // waker wrote before waking it.
                self.state.swap(RUNNING, Ordering::AcqRel);
                Outcome::Woken
            }
            Err(state) => unreachable!("task asked to park in state {state}"),
        }
    }

    /// The coroutine's half of `park`. Must be called from inside this task's coroutine.
    pub(crate) fn park(&self) {
        // A token left while we ran: consume it and carry on without switching. Acquire pairs
        // with the unparker's release, so what it wrote before waking us is visible.
        if self
            .state
            .compare_exchange(NOTIFIED, RUNNING, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            return;
        }
        if std::thread::panicking() {
            return self.park_in_place();
        }
        self.suspend(Switch::Park);
    }

    /// `park` for a coroutine that is unwinding (a `Drop` that waits, say a channel send in a
    /// guard). std keeps its panic count per OS thread and offers no way to move it, so such a
    /// coroutine must not switch away: the worker would run others with `thread::panicking()`
    /// true (and abort the process if one of them panicked), and the unwinding coroutine would
    /// resume on a thread that knows nothing of its panic. So it blocks its worker's thread
    /// until unparked. The worker's queued tasks are not stranded: the monitor sees a stuck
    /// processor and wakes an idle worker to steal them. With a single worker, a coroutine that
    /// waits here for another coroutine deadlocks, as a blocking system call would.
    fn park_in_place(&self) {
        *self.blocked_thread.lock() = Some(std::thread::current());
        // Release: the thread handle is published before BLOCKED.
        if self
            .state
            .compare_exchange(RUNNING, BLOCKED, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            // A token arrived meanwhile: consume it (a swap, for the reason in `finish_park`).
            self.state.swap(RUNNING, Ordering::AcqRel);
            return;
        }
        while self.state.load(Ordering::Acquire) == BLOCKED {
            std::thread::park();
        }
    }

    /// True if the coroutine must not switch away now (see `park_in_place`).
    pub(crate) fn must_stay(&self) -> bool {
        std::thread::panicking()
    }

    /// Wakes the task. Returns true if it was parked: the caller must then schedule it.
    #[must_use = "a task returned from PARKED must be scheduled"]
    pub(crate) fn unpark(&self) -> bool {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            let next = match state {
                RUNNING => NOTIFIED,
                // Even a token already there is re-written with a read-modify-write, never just
                // observed: a plain load could read a token the coroutine is consuming at this
                // moment, and reorder before the waker's store of its condition (store-load
                // reordering), so the coroutine would miss the condition and park for good.
                // The RMW orders this unpark against the coroutine's own CAS on `state`.
                NOTIFIED => NOTIFIED,
                PARKED | BLOCKED => RUNNING,
                _ => unreachable!("task state {state}"),
            };
            // AcqRel: release what the waker wrote before waking; acquire the parked coroutine.
            match self
                .state
                .compare_exchange_weak(state, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) if state == BLOCKED => {
                    // Under the lock the coroutine set the handle under: it cannot change now.
                    if let Some(thread) = self.blocked_thread.lock().as_ref() {
                        thread.unpark();
                    }
                    return false;
                }
                Ok(_) => return state == PARKED,
                Err(actual) => state = actual,
            }
        }
    }

    /// Suspends the coroutine with `why`. Must be called from inside this task's coroutine.
    #[inline(never)]
    pub(crate) fn suspend(&self, why: Switch) {
        let yielder = self.yielder.get();
        debug_assert!(
            !yielder.is_null(),
            "suspend called outside the task's coroutine"
        );
        // `#[inline(never)]` on this function keeps any thread-local address computed before the
        // switch from being reused after it (the coroutine may resume on another thread).
        // SAFETY: `yielder` was set by this coroutine when it started and points into its own
        // stack, alive as long as the coroutine; only the coroutine reads it, and we are in it.
        unsafe { (*yielder).suspend(why) };
    }

    /// The slot the coroutine's result goes to.
    pub(crate) fn join_slot(&self) -> &JoinSlot {
        &self.join
    }

    /// Records the coroutine's suspend handle. Called once, by the coroutine, when it starts.
    pub(crate) fn set_yielder(&self, yielder: &Yielder) {
        self.yielder.set(yielder);
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        // A task dropped while still suspended can never be woken again (nobody holds it). Go
        // leaks such goroutines; so do we: force-unwinding its stack here would run arbitrary
        // destructors inside whatever code dropped the last reference, possibly under its locks.
        if let Some(Body::Started(coroutine)) = self.body.get_mut().take() {
            if coroutine.started() && !coroutine.done() {
                std::mem::forget(coroutine);
            }
        }
    }
}
