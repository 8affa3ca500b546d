//! The net poller: parks a coroutine until its socket is ready, instead of blocking its worker.
//!
//! This is Go's netpoller (`netpoll.go`, `netpoll_epoll.go`) over the `polling` crate.
//!
//! # Readiness
//!
//! Every socket is registered once, edge-triggered, for both directions, under a key that leads
//! back to its [`Registration`]. An operation always tries the system call first; only on
//! `WouldBlock` does it wait, and it waits per direction:
//!
//! - under the registration's lock, if an edge has arrived since the last wait (`ready`), it
//!   clears it and tries again; otherwise it adds itself to the direction's waiters and parks;
//! - the thread that receives an event for the registration takes, under the same lock, every
//!   waiter of the directions that became ready and wakes them, or, if there are none, sets
//!   `ready` for the next operation to find.
//!
//! The lock orders each wait against each event, so an edge is never lost: either the waiter was
//! listed when the event came (and is woken), or the event came first (and `ready` is seen). A
//! woken waiter may find the data gone (another reader took it); it then waits again, which is
//! correct because a new edge comes with new data. Edge-triggered interest is set once, so a wait
//! costs no `epoll_ctl`, as in Go.
//!
//! # Who waits in the poller
//!
//! `polling` allows one thread in `wait` at a time, and so does [`NetPoller::try_own`]: the owner
//! holds the event buffer. A worker with nothing to run becomes the owner and blocks in the
//! poller with the next timer's deadline as its timeout (see `worker.rs`); [`NetPoller::notify`]
//! wakes it when work, or an earlier timer, arrives from elsewhere. Workers that find their queues
//! empty also poll once without blocking, and the monitor asks for a poll if nobody has polled for
//! a while, so a busy runtime still sees its sockets.
//!
//! A worker that wants to wait in the poller but finds it owned sleeps without it, counting on
//! the owner. An owner that leaves for good (a spare worker retiring, perhaps right after a poll
//! at a scheduling point) must then hand the duty over: it wakes a sleeping worker if sockets or
//! timers wait, and a worker going to sleep counts an unowned poller as work (see
//! `Worker::sleep`). Without that, a coroutine homed on the sleeping worker could wait on its
//! socket forever: one run in about 260 of the UDP tests on one worker hung so.
//!
//! The waiting itself (park until an edge, or `poll(2)` on a plain thread) is `io_wait.rs`'s,
//! above the scheduler; this file is the part the scheduler owns.
//!
//! # Plain threads
//!
//! A thread outside the runtime cannot count on a worker polling for it (all may be busy), so it
//! waits in `poll(2)` on the one descriptor instead, as a blocking socket would, retrying its
//! operation at least every 100 ms.

use std::io;
use std::num::NonZeroUsize;
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use polling::{Event, Events, PollMode, Poller};

use super::unparker::Unparker;
use crate::loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use crate::loom::sync::{Arc, Mutex, MutexGuard};

/// The longest a plain thread waits in `poll(2)` before retrying its operation.
const THREAD_RECHECK: Duration = Duration::from_millis(100);

/// Events taken from the kernel per `wait`.
const EVENTS_PER_WAIT: usize = 1024;

/// The runtime's poller and the sockets registered with it.
#[derive(Debug)]
pub(crate) struct NetPoller {
    poller: Poller,
    /// The right to wait in `poller`, held with the buffer events are read into.
    owner: Mutex<Events>,
    /// True while the owner is blocked in `wait` (as opposed to a poll that returns at once).
    blocked: AtomicBool,
    /// True while someone holds the right to wait ([`PollOwner`]): a worker that wants to poll
    /// and finds it held sleeps without polling, counting on the owner (see
    /// `Scheduler::hand_over_polling`).
    owned: AtomicBool,
    /// Registrations by key; freed keys are reused.
    sources: Mutex<Slab>,
    /// Coroutines parked on a socket now: no poll is needed while it is zero.
    waiting: AtomicUsize,
    /// Set by the monitor when nobody has polled for a while and someone waits; cleared by the
    /// next poll.
    poll_due: AtomicBool,
}

#[derive(Debug, Default)]
struct Slab {
    entries: Vec<Option<Arc<Registration>>>,
    free: Vec<usize>,
}

/// A direction of readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interest {
    /// The socket can be read (or accepted from, or has hung up).
    Read,
    /// The socket can be written (or a connect finished).
    Write,
}

/// One registered socket: its waiters and readiness, per direction.
#[derive(Debug)]
pub(crate) struct Registration {
    key: usize,
    fd: RawFd,
    state: Mutex<IoState>,
}

#[derive(Debug, Default)]
struct IoState {
    read: Direction,
    write: Direction,
    /// Set when the socket is deregistered: waiters then fail instead of waiting forever.
    closed: bool,
}

#[derive(Debug, Default)]
struct Direction {
    /// An edge arrived while nobody waited.
    ready: bool,
    waiters: Vec<Unparker>,
}

impl NetPoller {
    pub(crate) fn new() -> io::Result<NetPoller> {
        let poller = Poller::new()?;
        if !poller.supports_edge() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "offshoot's net poller needs edge-triggered readiness (epoll or kqueue)",
            ));
        }
        let capacity = NonZeroUsize::new(EVENTS_PER_WAIT).expect("nonzero");
        Ok(NetPoller {
            poller,
            owner: Mutex::new(Events::with_capacity(capacity)),
            blocked: AtomicBool::new(false),
            owned: AtomicBool::new(false),
            sources: Mutex::default(),
            waiting: AtomicUsize::new(0),
            poll_due: AtomicBool::new(false),
        })
    }

    /// Registers `fd`, which must be in non-blocking mode, for both directions.
    ///
    /// # Safety
    /// `fd` must stay open until [`deregister`](Self::deregister) is called for it.
    pub(crate) unsafe fn register(&self, fd: RawFd) -> io::Result<Arc<Registration>> {
        let mut sources = self.sources.lock();
        let key = sources.free.pop().unwrap_or(sources.entries.len());
        let registration = Arc::new(Registration {
            key,
            fd,
            state: Mutex::default(),
        });
        // SAFETY: the caller keeps `fd` open until `deregister`, which deletes it first.
        unsafe {
            self.poller
                .add_with_mode(fd, Event::all(key), PollMode::Edge)
        }?;
        if key == sources.entries.len() {
            sources.entries.push(Some(registration.clone()));
        } else {
            sources.entries[key] = Some(registration.clone());
        }
        Ok(registration)
    }

    /// Removes a registration before its descriptor is closed, and fails its waiters.
    pub(crate) fn deregister(&self, registration: &Registration) {
        // SAFETY: the descriptor is still open: the owner calls this before closing it.
        let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(registration.fd) };
        let _ = self.poller.delete(fd);
        let mut sources = self.sources.lock();
        sources.entries[registration.key] = None;
        sources.free.push(registration.key);
        drop(sources);
        registration.close();
    }

    /// Takes the right to wait in the poller, if nobody holds it.
    pub(crate) fn try_own(&self) -> Option<PollOwner<'_>> {
        let events = self.owner.try_lock()?;
        self.owned.store(true, Ordering::SeqCst);
        Some(PollOwner {
            poller: self,
            events,
        })
    }

    /// True if someone holds the right to wait in the poller now. `SeqCst`, for the hand-over
    /// between an owner that leaves and a worker that goes to sleep (see `Worker::sleep`).
    pub(crate) fn is_owned(&self) -> bool {
        self.owned.load(Ordering::SeqCst)
    }

    /// Wakes the owner from a blocking wait (or makes its next wait return at once).
    pub(crate) fn notify(&self) {
        let _ = self.poller.notify();
    }

    /// True if the owner is blocked in the poller now.
    pub(crate) fn is_blocked(&self) -> bool {
        self.blocked.load(Ordering::SeqCst)
    }

    /// Counts a coroutine that parks on a socket (`io_wait.rs`), until [`stop_waiting`].
    ///
    /// [`stop_waiting`]: Self::stop_waiting
    pub(crate) fn start_waiting(&self) {
        self.waiting.fetch_add(1, Ordering::Relaxed);
    }

    /// Uncounts a coroutine that has stopped waiting on a socket.
    pub(crate) fn stop_waiting(&self) {
        self.waiting.fetch_sub(1, Ordering::Relaxed);
    }

    /// True if a coroutine waits on a socket.
    pub(crate) fn has_waiters(&self) -> bool {
        self.waiting.load(Ordering::Relaxed) != 0
    }

    /// Asks the next scheduling point to poll (the monitor's backstop).
    pub(crate) fn request_poll(&self) {
        self.poll_due.store(true, Ordering::Relaxed);
    }

    /// True if the monitor asked for a poll.
    pub(crate) fn poll_requested(&self) -> bool {
        self.poll_due.load(Ordering::Relaxed)
    }

    fn lookup(&self, key: usize) -> Option<Arc<Registration>> {
        self.sources.lock().entries.get(key).cloned().flatten()
    }
}

/// The right to wait in the poller (see [`NetPoller::try_own`]).
#[derive(Debug)]
pub(crate) struct PollOwner<'a> {
    poller: &'a NetPoller,
    events: MutexGuard<'a, Events>,
}

impl Drop for PollOwner<'_> {
    /// Gives the right up. Cleared before the buffer's lock is released, so whoever sees the
    /// poller unowned can take it.
    fn drop(&mut self) {
        self.poller.owned.store(false, Ordering::SeqCst);
    }
}

impl PollOwner<'_> {
    /// Takes the events ready now, without waiting, and wakes their waiters.
    pub(crate) fn poll_now(&mut self) -> usize {
        self.wait(Some(Duration::ZERO))
    }

    /// Waits for events until `deadline()` (`None`: until notified), and wakes their waiters.
    /// Returns how many events came.
    ///
    /// `deadline` is read after the owner is marked blocked, and whoever sets an earlier timer
    /// sets it before looking at that mark (both `SeqCst`): either this wait sees the new
    /// deadline or the timer's setter sees the mark and notifies, so no timer is slept through.
    pub(crate) fn poll_until(&mut self, deadline: impl Fn() -> Option<Instant>) -> usize {
        let poller = self.poller;
        poller.blocked.store(true, Ordering::SeqCst);
        let timeout = deadline().map(|d| d.saturating_duration_since(Instant::now()));
        let count = self.wait(timeout);
        poller.blocked.store(false, Ordering::SeqCst);
        count
    }

    fn wait(&mut self, timeout: Option<Duration>) -> usize {
        let poller = self.poller;
        // Cleared only when set: every worker reads the flag at every tick, and a store would
        // take the cache line from them on each poll.
        if poller.poll_due.load(Ordering::Relaxed) {
            poller.poll_due.store(false, Ordering::Relaxed);
        }
        self.events.clear();
        if let Err(e) = poller.poller.wait(&mut self.events, timeout) {
            if e.kind() != io::ErrorKind::Interrupted {
                eprintln!("offshoot: the net poller failed to wait: {e}");
            }
            return 0;
        }
        for event in self.events.iter() {
            if let Some(registration) = poller.lookup(event.key) {
                registration.wake(event.readable, event.writable);
            }
        }
        self.events.len()
    }
}

impl Registration {
    /// The first step of a coroutine's wait for `interest`: takes an edge that arrived since the
    /// last wait (`Ok(true)`: try again at once), or else lists `waiter` to be woken by the next
    /// (`Ok(false)`: park now). Fails if the socket was closed.
    pub(crate) fn arm(&self, interest: Interest, waiter: &Unparker) -> io::Result<bool> {
        let mut state = self.state.lock();
        if state.closed {
            return Err(closed_error());
        }
        let direction = state.direction(interest);
        if std::mem::take(&mut direction.ready) {
            return Ok(true);
        }
        direction.waiters.push(waiter.clone());
        Ok(false)
    }

    /// The last step, after the park: unlists `waiter` if the wake-up was a timeout or spurious
    /// (no stale entry stays behind). Fails if the socket was closed meanwhile.
    pub(crate) fn disarm(&self, interest: Interest, waiter: &Unparker) -> io::Result<()> {
        let mut state = self.state.lock();
        state
            .direction(interest)
            .waiters
            .retain(|w| !w.same(waiter));
        if state.closed {
            return Err(closed_error());
        }
        Ok(())
    }

    /// A plain thread's wait: `poll(2)` on this descriptor alone, for at most
    /// [`THREAD_RECHECK`] at a time. The caller retries its operation after each wait, which is
    /// how a thread notices what the kernel does not report as readiness (a Unix stream's own
    /// write half shut down by another handle, where a coroutine is woken by `wake_all`).
    pub(crate) fn wait_thread(
        &self,
        interest: Interest,
        deadline: Option<Instant>,
    ) -> io::Result<()> {
        let events = match interest {
            Interest::Read => libc::POLLIN,
            Interest::Write => libc::POLLOUT,
        };
        let mut fd = libc::pollfd {
            fd: self.fd,
            events,
            revents: 0,
        };
        let left = deadline.map_or(THREAD_RECHECK, |d| {
            d.saturating_duration_since(Instant::now())
                .min(THREAD_RECHECK)
        });
        // Round up, so the wait never ends before the deadline.
        let timeout_ms = left.as_micros().div_ceil(1000) as i32;
        // SAFETY: `fd` is one valid pollfd on our stack, and we pass a count of one.
        let rc = unsafe { libc::poll(&mut fd, 1, timeout_ms) };
        if rc < 0 {
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
        Ok(())
    }

    /// Called with an event: wakes the waiters of each direction that became ready.
    fn wake(&self, readable: bool, writable: bool) {
        let mut woken = Vec::new();
        {
            let mut state = self.state.lock();
            if readable {
                state.read.signal(&mut woken);
            }
            if writable {
                state.write.signal(&mut woken);
            }
        }
        for waiter in woken {
            waiter.unpark_owned();
        }
    }

    /// Wakes every waiter, in both directions, to retry its operation.
    pub(crate) fn wake_all(&self) {
        self.wake(true, true);
    }

    /// Marks the registration closed and wakes everyone waiting on it.
    fn close(&self) {
        let mut woken = Vec::new();
        {
            let mut state = self.state.lock();
            state.closed = true;
            woken.append(&mut state.read.waiters);
            woken.append(&mut state.write.waiters);
        }
        for waiter in woken {
            waiter.unpark_owned();
        }
    }
}

impl IoState {
    fn direction(&mut self, interest: Interest) -> &mut Direction {
        match interest {
            Interest::Read => &mut self.read,
            Interest::Write => &mut self.write,
        }
    }
}

impl Direction {
    /// An edge: hand it to the waiters, or keep it for the next one.
    fn signal(&mut self, woken: &mut Vec<Unparker>) {
        if self.waiters.is_empty() {
            self.ready = true;
        } else {
            woken.append(&mut self.waiters);
        }
    }
}

fn closed_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotConnected,
        "the socket was closed while a coroutine waited on it",
    )
}
