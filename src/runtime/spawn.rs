//! Starting coroutines: `go`, `go!`, `Builder`, `run`; and looking at them: the count of live
//! coroutines and the dump.

use std::any::Any;
use std::io;
use std::panic::{self, AssertUnwindSafe};

use super::context;
use super::deadlock;
use super::dump;
use super::entry_point::EntryPoint;
use super::go::go;
use super::join::JoinHandle;
use super::park;
use super::scheduler::Scheduler;
use super::stack_memory::StackMemory;
use super::start;
use super::task::{self, Spawn, Task, Yielder};
use super::worker::{self, Worker};
use super::{overflow, panic_hook, sigquit};
use crate::loom::sync::Arc;

/// Coroutines waiting in the spawning worker's run queue beyond which `go`, called from a
/// coroutine, yields to them. Without it a coroutine that spawns in a loop and never parks would
/// pile up coroutines without bound (each a task, and a stack once another worker starts it)
/// faster than they can run; Go bounds that by preempting a goroutine after 10 ms, offshoot,
/// which does not preempt, at the one point where the pile grows. Each yield lets one queued
/// coroutine run, so past this length the spawner goes at their pace. A queue this long is a
/// couple of milliseconds of work, so a burst of a few thousand `go` calls (10,000 sleepers, say)
/// is never held back; with 1,024 such a burst went at the pace of the sleepers' wake-ups and
/// took 35 to 90 ms (the `sleep` benchmark then ran at up to 1.7 times Go's time).
const SPAWN_BACKLOG: usize = 8192;

/// Runs `f` as the main coroutine and blocks the calling thread until it returns: Go's
/// `func main`. A panic in `f` resumes in the caller.
///
/// If the main coroutine waits for something nothing in the process can do any more (every
/// coroutine parked on channels, locks or joins, no timer, socket or blocking call pending,
/// and no other thread that could act), `run` panics with `all coroutines are asleep -
/// deadlock!` and the [`dump`](crate::dump) of every coroutine, as Go stops such a program. The
/// rule errs towards silence when other threads exist; see
/// [`Config::deadlock_report`](crate::Config::deadlock_report) to turn it off.
///
/// ```
/// let sum = offshoot::run(|| {
///     let a = offshoot::go(|| 20);
///     let b = offshoot::go(|| 22);
///     a.join().unwrap() + b.join().unwrap()
/// });
/// assert_eq!(sum, 42);
/// ```
#[track_caller]
pub fn run<F, T>(f: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // Registered before the main coroutine exists, so that the monitor, woken by its start,
    // knows someone waits in `run` from its first look.
    let waiting = deadlock::waiting_in_run(park::current());
    let main = go(f);
    let result = main.join_unless(|| waiting.report());
    drop(waiting);
    match result {
        Ok(Ok(value)) => value,
        Ok(Err(payload)) => panic::resume_unwind(payload),
        Err(report) => panic!("{report}"),
    }
}

/// The number of coroutines alive now, like Go's `runtime.NumGoroutine` (whose count includes
/// the main goroutine; this one counts only coroutines, so a plain thread's `main` is not in it).
/// A coroutine counts until its stack is back in the pool, just after its joiner is woken.
pub fn num_coroutines() -> usize {
    start::get().stacks.live()
}

/// For offshoot's own tests, not a stable API: the tasks in existence and the stacks mapped now,
/// each counting those kept for reuse, so a test can check that every task and stack comes back.
#[doc(hidden)]
pub fn __resource_counts() -> (usize, usize) {
    (task::tasks_in_existence(), StackMemory::mapped())
}

/// Every live coroutine that has started: its id, its name, what it is doing (running on which worker, runnable,
/// or waiting, for what and for how long) and where it was started, as Go's runtime prints all
/// goroutines on `SIGQUIT` or a deadlock.
///
/// ```
/// let (tx, rx) = offshoot::chan::<()>(0);
/// let waiter = offshoot::Builder::new()
///     .name("waiter".into())
///     .spawn(move || rx.recv())
///     .unwrap();
/// while !offshoot::dump().contains("\"waiter\" [chan receive") {
///     offshoot::time::sleep(std::time::Duration::from_millis(1));
/// }
/// tx.close();
/// assert!(waiter.join().unwrap().is_err());
/// ```
///
/// Starts the runtime if it has not started (so `Config::init` must come first). Each coroutine
/// is read without stopping the others, so one that changes state meanwhile may
/// show either state. Coroutines not started yet are counted on a last line. A parked coroutine's stack is not shown: the runtime has no unwinder for a
/// suspended stack; its wait and the line that started it (`go` and [`Builder::spawn`] record
/// their caller) usually tell where it is.
///
/// [`Builder::spawn`]: crate::Builder::spawn
pub fn dump() -> String {
    dump::text(start::get())
}

/// Options for a new coroutine: a name and a stack size.
///
/// ```
/// let handle = offshoot::Builder::new()
///     .name("deep recursion".into())
///     .stack_size(4 << 20)
///     .spawn(|| 1 + 1)
///     .expect("a 4 MiB stack");
/// assert_eq!(handle.name(), Some("deep recursion"));
/// assert_eq!(handle.join().unwrap(), 2);
/// ```
#[derive(Debug, Default)]
pub struct Builder {
    name: Option<String>,
    stack_size: Option<usize>,
    migrates: bool,
}

impl Builder {
    /// Options with no name and the runtime's default stack size.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the coroutine (see [`JoinHandle::name`]).
    pub fn name(mut self, name: String) -> Builder {
        self.name = Some(name);
        self
    }

    /// The coroutine's stack size in bytes (rounded up to whole pages, at least one page). Stacks
    /// of the default size come from a pool; other sizes are mapped for this coroutine alone. A
    /// size above [`MAX_STACK_SIZE`](crate::MAX_STACK_SIZE) makes [`spawn`](Self::spawn) fail
    /// with [`io::ErrorKind::InvalidInput`], naming the size and the limit.
    ///
    /// A coroutine that runs past the end of its stack hits a guard page; the process then
    /// aborts with a message naming the coroutine and its stack size, as Go's runtime stops on a
    /// stack overflow.
    pub fn stack_size(mut self, bytes: usize) -> Builder {
        self.stack_size = Some(bytes);
        self
    }

    /// Lets the coroutine move to another worker thread after it parks or yields, where
    /// otherwise it runs only on the thread that first ran it. A coroutine that migrates can be
    /// taken by an idle worker at any time, so a busy worker's load spreads further; it costs the
    /// hand-offs their locality.
    ///
    /// # Safety
    ///
    /// At every point where the coroutine may switch threads (every park and yield: a channel
    /// operation that waits, `select!`, `sleep`, `join`, `yield_now`, `go` and `spawn` (which
    /// yield to a long queue of new coroutines, see [`go`](fn@crate::go)), a lock or `WaitGroup` that
    /// waits, socket and file I/O, `blocking`), nothing the coroutine holds may be bound to the
    /// thread it runs on. That rules out, held across such a call: a value that is not `Send`
    /// (an `Rc`, a `RefCell` borrow of one, a `MutexGuard` of std or parking_lot, a
    /// `tracing` span guard, `stdout().lock()`), and anything that refers to a thread-local
    /// (`rand::thread_rng()`, a `LocalKey::with` in progress, a reference derived from a
    /// thread-local). The compiler cannot check this, which is why this method is `unsafe`:
    /// breaking the promise is a data race, undefined behaviour.
    ///
    /// ```
    /// let handle = // SAFETY: the closure holds only a `u64` across its parks.
    ///     unsafe { offshoot::Builder::new().allow_migration() }
    ///         .spawn(|| {
    ///             let mut sum = 0u64;
    ///             for i in 0..10 {
    ///                 sum += i;
    ///                 offshoot::yield_now();
    ///             }
    ///             sum
    ///         })
    ///         .unwrap();
    /// assert_eq!(handle.join().unwrap(), 45);
    /// ```
    pub unsafe fn allow_migration(mut self) -> Builder {
        self.migrates = true;
        self
    }

    /// Starts a coroutine running `f`. Like [`go`](fn@crate::go), yields first if the calling
    /// coroutine's worker has a long queue of coroutines waiting to start.
    ///
    /// Fails with [`io::ErrorKind::OutOfMemory`] when no stack can be had: the message says
    /// which limit was reached (`Config::max_coroutines`, the kernel's `vm.max_map_count`, or
    /// memory) and how to raise it. Nothing is started then, and once other coroutines finish
    /// there is room again. Fails with [`io::ErrorKind::InvalidInput`] if the
    /// [`stack_size`](Self::stack_size) is above [`MAX_STACK_SIZE`](crate::MAX_STACK_SIZE).
    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let sched = start::get();
        let size = self.stack_size.unwrap_or(sched.stacks.default_size());
        let worker = worker::current();
        // SAFETY: a non-null current worker lives on this thread's stack while the thread runs;
        // we use it here, on this thread, and not after the yield at the end (a coroutine that
        // may migrate could resume on another thread).
        let worker = unsafe { worker.as_ref() };
        // A promise of a stack (see `stack.rs`): the coroutine takes one when it first runs, but
        // if none can be had the error is reported here.
        let stack = match worker {
            None => {
                install_reports(sched);
                sched.stacks.promise(size)?
            }
            Some(worker) => worker.promise_stack(size)?,
        };
        let spawn = Spawn {
            start: body(f),
            stack_size: size,
            stack,
            name: self.name,
            migrates: self.migrates,
            started_at: panic::Location::caller(),
        };
        let task = match worker.and_then(Worker::take_task) {
            Some(mut task) => {
                let blank = Arc::get_mut(&mut task).expect("a cached task has no other owner");
                blank.prepare(spawn);
                task
            }
            None => Arc::new(Task::new(spawn)),
        };
        if task.name().is_some() {
            // Listed before it runs, so a dump can name it while it runs (see `registry.rs`).
            let shard = worker.map_or(0, |w| w.index());
            sched.registry.insert(task.clone(), shard);
        }
        sched.schedule(task.clone());
        if worker.is_some_and(|w| w.backlog() > SPAWN_BACKLOG) {
            // Back pressure: this coroutine spawns faster than its worker runs what it spawns.
            // It lets them go first, as Go's scheduler preempts a goroutine that runs too long
            // (see `SPAWN_BACKLOG`).
            park::yield_now();
        }
        Ok(JoinHandle::new(task))
    }
}

/// What a new coroutine runs: `f`, with the runtime's book-keeping around it. The closure holds
/// `f` and nothing else (it looks the scheduler up when it ends), so it is as small as `f`, and
/// kept inside the task, with no allocation, whenever `f` captures at most three words (see
/// `entry_point.rs`).
fn body<F, T>(f: F) -> EntryPoint<Yielder>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    EntryPoint::new(move |yielder: &Yielder| {
        let task = context::bind_yielder(yielder);
        // A panic stops at the coroutine's edge and goes to the joiner, as with std::thread.
        let result = panic::catch_unwind(AssertUnwindSafe(f));
        // Uncounted and unlisted before the result is out, so that once `join` returns the
        // coroutine no longer counts against `Config::max_coroutines` (its stack follows
        // shortly) and no dump lists it. The worker still holds the task.
        let sched = start::get();
        if let Some(index) = worker::current_index() {
            sched.stacks.coroutine_ended(index);
        }
        if task.is_registered() {
            sched.registry.remove(task);
        }
        task.join_slot()
            .complete(result.map(|value| Box::new(value) as Box<dyn Any + Send>));
    })
}

/// Installs the stack-overflow report, the panic hook that names coroutines and, if enabled, the
/// dump on `SIGQUIT`, once. Called
/// for spawns from plain threads only: workers run nothing but coroutines, so the first
/// coroutine of all is spawned from a plain thread, and spawns on the workers (the hot path)
/// never pay for the check.
fn install_reports(sched: &'static Scheduler) {
    #[cfg(not(miri))]
    overflow::install();
    panic_hook::install();
    if sched.dump_on_sigquit {
        sigquit::install(sched);
    }
}
