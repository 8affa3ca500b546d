//! A task: one coroutine, where it lives, and the state that lets other threads wake it.
//!
//! # Why a started coroutine keeps its thread
//!
//! Once a coroutine has run, its stack may hold anything bound to the OS thread it runs on: an
//! `Rc` also kept in a thread-local, `rand::thread_rng()`, a `tracing` span guard, a std lock
//! guard, `stdout().lock()`. The compiler cannot see what is live at a suspend point, so
//! resuming the coroutine on another thread would race on that state from safe code. So a task
//! has a *home*: the worker that first resumes it (or, for a new coroutine placed on a less
//! crowded worker, the worker it was placed on, see `Scheduler::place`). From then on only that
//! worker runs it; a thread that wakes it elsewhere hands it back through the home worker's
//! inbox (`inbox.rs`).
//! Interleaving coroutines on one thread is then as sound as a single-threaded executor running
//! `!Send` futures. Before its first resume a coroutine holds only its `Send` closure, so a task
//! not yet started may go to any worker (work stealing takes those). A task spawned with
//! `Builder::allow_migration` (an `unsafe` promise that it holds nothing thread-bound across a
//! park) has no home and may run anywhere.
//!
//! # Who touches what
//!
//! The coroutine (`body`) is touched only by the holder of the task's *run right*: the worker that
//! took the task from a run queue, for the duration of one `resume`. The run right passes between
//! threads through the run queues, inboxes and the park state (see `park_state.rs`), all of which
//! are release/acquire edges, so each holder sees the coroutine as the previous one left it. For
//! a task with a home, every holder that resumes it is the home worker's thread.

use std::cell::{Cell, UnsafeCell};
use std::panic::{self, AssertUnwindSafe, Location};

use corosensei::{Coroutine, CoroutineResult};

use super::entry_point::EntryPoint;
use super::inbox::{Link, Linked};
use super::join_slot::JoinSlot;
use super::park_state::{ParkState, Unparked};
use super::sanitizer::Fiber;
use super::stack::Stack;
use super::stack_memory::StackMemory;
use super::wait::{WaitReason, WaitRecord};
use crate::loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
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

/// What a task runs: its coroutine, made on the first `resume`. Until then the closure waits in
/// its entry point, and a coroutine of the default stack size has no stack yet: it was promised
/// one (see `stack.rs`) and takes it when it first runs, so a coroutine waiting to start costs its
/// task alone. A coroutine of another size holds the stack mapped for it from `go` on.
enum Body {
    Unstarted {
        stack: Option<StackMemory>,
        start: EntryPoint<Yielder>,
    },
    Started(Started),
}

/// A new coroutine, as `go` describes it to its task.
pub(crate) struct Spawn {
    /// What it runs, given its suspend handle. Must catch its body's panics and leave the result
    /// in the task's join slot (`spawn.rs` builds it).
    pub(crate) start: EntryPoint<Yielder>,
    /// The size of its stack, in bytes.
    pub(crate) stack_size: usize,
    /// Its stack, if it was given one (a size that is not pooled); else the first resume takes
    /// one from the pool, promised at `go` (see `stack.rs`).
    pub(crate) stack: Option<Stack>,
    pub(crate) name: Option<String>,
    /// Spawned with `Builder::allow_migration`: it gets no home (see the module docs).
    pub(crate) migrates: bool,
    /// Where `go` was called.
    pub(crate) started_at: &'static Location<'static>,
}

/// The next coroutine's number. Relaxed: only uniqueness matters.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Coroutines spawned so far: a count of progress for the deadlock watch.
pub(crate) fn spawned() -> u64 {
    NEXT_ID.load(Ordering::Relaxed) - 1
}

/// Tasks in existence: running, queued, parked, finished but still referenced, or cached for
/// reuse (`task_cache.rs`). For tests that count that every task comes back.
static TASKS: AtomicUsize = AtomicUsize::new(0);

/// The number of tasks in existence (see [`TASKS`]).
pub(crate) fn tasks_in_existence() -> usize {
    TASKS.load(Ordering::Relaxed)
}

/// `Task::registry_key` of a task not listed (yet).
const UNREGISTERED: usize = usize::MAX;

/// `Task::home` of a task that has none (not started yet, or free to migrate).
const NO_HOME: usize = usize::MAX;

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
    /// It has not started, and no stack could be had for it now (see `stack.rs`): nothing ran,
    /// and it may start anywhere later.
    NoStack,
}

/// A coroutine, its home and its park state.
pub(crate) struct Task {
    /// Running, parked or holding a wake-up token (see `park_state.rs`). Shared by all threads.
    state: ParkState,
    /// The coroutine; `None` once finished. Accessed only by the holder of the run right.
    body: UnsafeCell<Option<Body>>,
    /// The coroutine's own suspend handle, living on its stack. Written once by the coroutine when
    /// it starts and read only by the coroutine itself.
    yielder: Cell<*const Yielder>,
    /// The index of the worker that first resumed the coroutine, where it always runs; [`NO_HOME`]
    /// before that, and always for a task that may migrate. Written once, by the first resume,
    /// under the run right; read by whoever holds the run right after (relaxed: the run right's
    /// hand-over orders it).
    home: AtomicUsize,
    /// Spawned with `Builder::allow_migration`: it never gets a home.
    migrates: bool,
    /// Set once the coroutine has waited on a socket: what such a coroutine spawns is spread
    /// over the workers by their populations (see `Worker::start_elsewhere`).
    waited_on_socket: AtomicBool,
    /// The link for the home worker's inbox (see `inbox.rs`).
    link: Link<Task>,
    /// The size the stack was asked for: the stack pool's key when it is handed back.
    stack_size: usize,
    /// The stack's lowest address, where its guard page is: for the overflow report
    /// (`overflow.rs`). Written when the coroutine gets its stack (at `go`, or by the first
    /// resume), before it runs, by the thread that then runs it; relaxed, as only that thread's
    /// signal handler reads it.
    stack_low: AtomicUsize,
    /// The coroutine's number, unique in the process, from 1 in spawn order (Go's goroutine
    /// ids). Immutable.
    id: u64,
    /// Where `go` or `spawn` was called for it. Immutable.
    started_at: &'static Location<'static>,
    /// What it last parked for, and since when (for the dump). Written by the coroutine, read by
    /// anyone, relaxed.
    wait: WaitRecord,
    /// Its place in the registry of live tasks (`registry.rs`), which owns it.
    pub(crate) registry_key: AtomicUsize,
    /// Where the coroutine leaves its result for its `JoinHandle`. Internally synchronized.
    join: JoinSlot,
    /// The worker thread blocked by `park_in_place`, for `unpark` to wake. Rarely used.
    blocked_thread: Mutex<Option<std::thread::Thread>>,
    /// Sanitizer: the coroutine's ThreadSanitizer fiber (zero-sized without TSan). Reached only
    /// by the holder of the run right, like `body`.
    fiber: Fiber,
}

// Why a task may be shared and sent between threads:
// - `state`, `home`, `stack_low`, `waited_on_socket`, `wait` and `registry_key` are atomic,
//   `migrates`, `stack_size`, `id` and `started_at` immutable,
//   `join` and `blocked_thread` locked, `link` used only as `inbox.rs` argues (by the one
//   thread that holds the run right);
// - `body` and `fiber` are reached only by the holder of the run right (one thread at a time, handed over
//   through release/acquire edges, see the module docs), and `yielder` only by the coroutine
//   itself;
// - the coroutine inside `body` is what corosensei makes `!Send`, and rightly: once started, its
//   stack may hold `!Send` values and references to its thread's thread-locals. It never changes
//   threads once started: the run right of a task with a home goes only to its home worker's
//   thread (`Scheduler::ready` routes every wake-up there; thieves take only tasks that have not
//   started, or give a stolen started one straight back, see `worker.rs`). Before it starts it
//   holds only its closure, which is `Send + 'static` (checked in `spawn`), and the stack memory
//   it was given, which holds nothing yet. A task without a home started running anyway only
//   under `Builder::allow_migration`, whose caller promised (`unsafe`) that nothing thread-bound
//   is held across a park.
// SAFETY: every field is synchronized, immutable or confined to one thread at a time, and the
// coroutine runs on one OS thread for its whole life unless its spawner promised otherwise.
unsafe impl Send for Task {}
// SAFETY: see `Send` above: what other threads reach through `&Task` is atomic or locked; the
// rest is confined to the run-right holder, the coroutine, or the inbox that holds the task.
unsafe impl Sync for Task {}

impl Linked for Task {
    fn link(&self) -> &Link<Task> {
        &self.link
    }
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task")
            .field("state", &self.state)
            .field("home", &self.home())
            .finish()
    }
}

impl Task {
    /// A task for the coroutine `spawn` describes. Nothing runs until the first `resume`.
    pub(crate) fn new(spawn: Spawn) -> Task {
        let mut task = Task::blank();
        task.prepare(spawn);
        task
    }

    /// A task with no coroutine, as [`reset`](Self::reset) leaves one.
    fn blank() -> Task {
        TASKS.fetch_add(1, Ordering::Relaxed);
        Task {
            id: 0,
            state: ParkState::default(),
            body: UnsafeCell::new(None),
            yielder: Cell::new(std::ptr::null()),
            home: AtomicUsize::new(NO_HOME),
            migrates: false,
            waited_on_socket: AtomicBool::new(false),
            link: Link::default(),
            stack_size: 0,
            stack_low: AtomicUsize::new(0),
            started_at: Location::caller(),
            wait: WaitRecord::default(),
            registry_key: AtomicUsize::new(UNREGISTERED),
            join: JoinSlot::new(None),
            blocked_thread: Mutex::new(None),
            fiber: Fiber::new(),
        }
    }

    /// Gives a blank task (new, or reset for reuse, see `task_cache.rs`) its coroutine: as
    /// [`new`](Self::new), with a fresh id.
    pub(crate) fn prepare(&mut self, spawn: Spawn) {
        debug_assert!(self.body.get_mut().is_none(), "prepared a task twice");
        self.id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        self.stack_size = spawn.stack_size;
        let stack = spawn.stack.map(|stack| {
            debug_assert_eq!(stack.size, spawn.stack_size);
            *self.stack_low.get_mut() = stack.inner.low();
            stack.inner
        });
        *self.body.get_mut() = Some(Body::Unstarted {
            stack,
            start: spawn.start,
        });
        self.migrates = spawn.migrates;
        self.started_at = spawn.started_at;
        self.join.name = spawn.name;
    }

    /// True if the task has no coroutine: it ran to its end (or was never given one).
    pub(crate) fn has_ended(&mut self) -> bool {
        self.body.get_mut().is_none()
    }

    /// Makes a finished task blank again, for reuse: puts back every field a coroutine's life
    /// changes (those [`prepare`](Self::prepare) sets are overwritten by it). The caller holds
    /// the only reference, so nothing else can see the task meanwhile or after (see
    /// `task_cache.rs`). Its coroutine has ended, so its body is gone, its fiber destroyed, it is
    /// in no inbox, and its join slot holds no result (taken by `join`, or dropped by a detached
    /// coroutine or by the handle's `Drop`): nothing of the user's is dropped here.
    pub(crate) fn reset(&mut self) {
        debug_assert!(
            self.body.get_mut().is_none(),
            "reset a task that has not finished"
        );
        self.state = ParkState::default();
        self.yielder.set(std::ptr::null());
        *self.home.get_mut() = NO_HOME;
        *self.waited_on_socket.get_mut() = false;
        self.wait = WaitRecord::default();
        *self.registry_key.get_mut() = UNREGISTERED;
        self.join.reset();
        *self.blocked_thread.get_mut() = None;
    }

    /// Makes the coroutine, if it is not made yet: writes its first frame, on the stack it holds
    /// or else on one from `take_stack`. No user code runs. `None` if no stack could be had.
    fn start_body(
        &self,
        body: &mut Option<Body>,
        take_stack: impl FnOnce() -> Option<StackMemory>,
    ) -> Option<()> {
        if let Some(Body::Unstarted { stack, .. }) = body {
            if stack.is_none() {
                let taken = take_stack()?;
                self.stack_low.store(taken.low(), Ordering::Relaxed);
                *stack = Some(taken);
            }
            let Some(Body::Unstarted {
                stack: Some(stack),
                start,
            }) = body.take()
            else {
                unreachable!("matched above")
            };
            let coroutine =
                Coroutine::with_stack(stack, move |yielder: &Yielder, ()| start.call(yielder));
            *body = Some(Body::Started(coroutine));
        }
        Some(())
    }

    /// The worker this task must run on, if it has started and may not migrate.
    pub(crate) fn home(&self) -> Option<usize> {
        let home = self.home.load(Ordering::Relaxed);
        (home != NO_HOME).then_some(home)
    }

    /// Records that the coroutine waits on a socket.
    pub(crate) fn set_waited_on_socket(&self) {
        if !self.waited_on_socket.load(Ordering::Relaxed) {
            self.waited_on_socket.store(true, Ordering::Relaxed);
        }
    }

    /// True if the coroutine has waited on a socket.
    pub(crate) fn waited_on_socket(&self) -> bool {
        self.waited_on_socket.load(Ordering::Relaxed)
    }

    /// True if the task was spawned with `Builder::allow_migration`: it never gets a home.
    pub(crate) fn migrates(&self) -> bool {
        self.migrates
    }

    /// Makes `worker` the home of this task before it starts: it will start there and stay.
    ///
    /// # Safety
    /// The caller holds the run right (it just spawned the task), the task has not started and
    /// does not migrate.
    pub(crate) unsafe fn set_home(&self, worker: usize) {
        debug_assert!(self.home().is_none() && !self.migrates);
        // Relaxed: the task reaches `worker` through its inbox, a release/acquire edge.
        self.home.store(worker, Ordering::Relaxed);
    }

    /// Runs the coroutine on worker `worker` until it yields, parks or returns. The first resume
    /// makes `worker` the task's home, unless it migrates, and gives the coroutine a stack from
    /// `take_stack` if it holds none; if that gives none, nothing runs and the task is
    /// [`Outcome::NoStack`].
    ///
    /// # Safety
    /// The caller holds the run right (it took this task from a run queue, an inbox, or the park
    /// state, and has not given it to anyone since), and runs on the thread of worker `worker`,
    /// which is the task's home if it has one.
    pub(crate) unsafe fn resume(
        &self,
        worker: usize,
        take_stack: impl FnOnce() -> Option<StackMemory>,
    ) -> Outcome {
        debug_assert!(self.home().is_none_or(|home| home == worker));
        // SAFETY: the caller holds the run right, so no other thread touches `body` now.
        let body = unsafe { &mut *self.body.get() };
        if self.start_body(body, take_stack).is_none() {
            return Outcome::NoStack;
        }
        if !self.migrates && self.home.load(Ordering::Relaxed) == NO_HOME {
            // Before the first switch into user code: from here on the coroutine stays here.
            self.home.store(worker, Ordering::Relaxed);
        }
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
            Ok(CoroutineResult::Yield(Switch::Park)) if self.state.finish_park() => Outcome::Parked,
            Ok(CoroutineResult::Yield(Switch::Park)) => Outcome::Woken,
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

    /// The coroutine's half of `park`, waiting for `why`. Must be called from inside this
    /// task's coroutine.
    pub(crate) fn park(&self, why: WaitReason) {
        // A token left while we ran: consume it and carry on without switching.
        if self.state.take_token() {
            return;
        }
        self.wait.set(why);
        if std::thread::panicking() {
            return self.park_in_place();
        }
        self.suspend(Switch::Park);
    }

    /// `park` for a coroutine that is unwinding (a `Drop` that waits, say a channel send in a
    /// guard). std keeps its panic count per OS thread and offers no way to move it, so such a
    /// coroutine must not switch away: the worker would run others with `thread::panicking()`
    /// true (and abort the process if one of them panicked). So it blocks its worker's thread
    /// until unparked. The worker's queued tasks that have not started are not stranded: the
    /// monitor sees a stuck processor and wakes an idle worker to steal them; the started ones
    /// wait. With a single worker, a coroutine that waits here for another coroutine deadlocks,
    /// as a blocking system call would.
    fn park_in_place(&self) {
        *self.blocked_thread.lock() = Some(std::thread::current());
        if !self.state.block() {
            return; // a token arrived meanwhile, and was consumed
        }
        while self.state.is_blocked() {
            std::thread::park();
        }
    }

    /// True if the coroutine must not switch away now (see `park_in_place`).
    pub(crate) fn must_stay(&self) -> bool {
        std::thread::panicking()
    }

    /// Wakes the task. Returns true if it was parked: the caller then holds its run right and
    /// must schedule it (on its home worker: see `Scheduler::ready`).
    #[must_use = "a task returned from PARKED must be scheduled"]
    pub(crate) fn unpark(&self) -> bool {
        match self.state.unpark() {
            Unparked::Parked => true,
            Unparked::Blocked => {
                // The handle was stored before BLOCKED was published, and cannot change now.
                if let Some(thread) = self.blocked_thread.lock().as_ref() {
                    thread.unpark();
                }
                false
            }
            Unparked::Token => false,
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
        // switch from being reused after it (a coroutine that migrates may resume on another
        // thread).
        // SAFETY: `yielder` was set by this coroutine when it started and points into its own
        // stack, alive as long as the coroutine; only the coroutine reads it, and we are in it.
        unsafe { (*yielder).suspend(why) };
    }

    /// The stack's guard page. Reads only immutable fields and a cached value: a signal
    /// handler may call it.
    pub(crate) fn guard(&self) -> std::ops::Range<usize> {
        StackMemory::guard_at(self.stack_low.load(Ordering::Relaxed))
    }

    /// The coroutine's number (see the field).
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The size the coroutine's stack was asked for.
    pub(crate) fn stack_size(&self) -> usize {
        self.stack_size
    }

    /// The coroutine's name, if it was given one.
    pub(crate) fn name(&self) -> Option<&str> {
        self.join.name.as_deref()
    }

    /// True once the task is in the registry of live tasks (from its first run). Read by the
    /// holder of the run right.
    #[inline]
    pub(crate) fn is_registered(&self) -> bool {
        self.registry_key.load(Ordering::Relaxed) != UNREGISTERED
    }

    /// Where the coroutine was started (the caller of `go` or `spawn`).
    pub(crate) fn started_at(&self) -> &'static Location<'static> {
        self.started_at
    }

    /// What the coroutine last parked for, and the coarse time it began (see `wait.rs`).
    pub(crate) fn last_wait(&self) -> (WaitReason, u32) {
        self.wait.get()
    }

    /// True if the coroutine is parked (or parked in place): not running, not queued.
    pub(crate) fn is_parked(&self) -> bool {
        self.state.is_parked()
    }

    /// The slot the coroutine's result goes to.
    #[inline]
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
        TASKS.fetch_sub(1, Ordering::Relaxed);
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

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: usize = 64 * 1024;

    #[test]
    fn a_task_promised_a_stack_takes_it_at_its_first_resume() {
        let task = Task::new(Spawn {
            start: EntryPoint::new(|_: &Yielder| {}),
            stack_size: SIZE,
            stack: None,
            name: None,
            migrates: false,
            started_at: Location::caller(),
        });
        // SAFETY: this thread holds the only reference, so the run right, and plays worker 0.
        let outcome = unsafe { task.resume(0, || None) };
        assert!(matches!(outcome, Outcome::NoStack), "{outcome:?}");
        assert!(
            task.home().is_none(),
            "a task that did not start may go anywhere"
        );
        let stack = StackMemory::map_batch(SIZE, 1).unwrap().pop().unwrap();
        let low = stack.low();
        // SAFETY: as above.
        let outcome = unsafe { task.resume(0, || Some(stack)) };
        let Outcome::Finished(back) = outcome else {
            panic!("the body returns at once: {outcome:?}")
        };
        assert_eq!(
            (back.inner.low(), back.size),
            (low, SIZE),
            "the stack given"
        );
        assert_eq!(task.guard(), StackMemory::guard_at(low));
    }
}
