//! `Source`: a std socket in non-blocking mode, registered with the runtime's poller.
//!
//! Every socket type in `net` is a `Source` around its std counterpart. An operation tries the
//! system call at once and, on `WouldBlock`, waits for readiness in the poller (a coroutine parks,
//! a plain thread waits in `poll(2)`), until the socket's read or write timeout if one is set.
//! So the std API shapes carry over unchanged, and a worker thread never blocks in the kernel.
//!
//! The socket stays registered from construction until it is dropped or converted back into a
//! std socket or a raw descriptor; the registration is removed before the descriptor is closed.

use std::io;
use std::mem::ManuallyDrop;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::time::{Duration, Instant};

use crate::loom::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use crate::loom::sync::{Arc, Mutex};
use crate::runtime::poller::{Interest, Registration};
use crate::runtime::{io_wait, start};
use std::sync::Weak;

/// A registered, non-blocking socket.
#[derive(Debug)]
pub(crate) struct Source<S: AsRawFd> {
    /// Dropped by hand, after the registration is removed.
    io: ManuallyDrop<S>,
    registration: Arc<Registration>,
    /// In nanoseconds; 0 for none (a zero timeout is refused, as std does).
    read_timeout: AtomicU64,
    write_timeout: AtomicU64,
    /// `set_nonblocking(true)`: return `WouldBlock` instead of waiting.
    nonblocking: AtomicBool,
    /// The registrations of every `try_clone` of this socket (this one's included), for the
    /// wake-ups the kernel does not give: see [`Source::wake_clones`].
    clones: Arc<Mutex<Vec<Weak<Registration>>>>,
}

impl<S: AsRawFd> Source<S> {
    /// Registers `io`, which the caller has put in non-blocking mode.
    pub(crate) fn new(io: S) -> io::Result<Source<S>> {
        Source::with_clones(io, Arc::default())
    }

    /// Registers `io`, a duplicate of this socket's descriptor (std's `try_clone`), as a clone.
    pub(crate) fn new_clone(&self, io: S) -> io::Result<Source<S>> {
        self.clones.lock().retain(|r| r.strong_count() > 0);
        Source::with_clones(io, self.clones.clone())
    }

    fn with_clones(io: S, clones: Arc<Mutex<Vec<Weak<Registration>>>>) -> io::Result<Source<S>> {
        // SAFETY: `io` owns the descriptor and this `Source` keeps it open until it deregisters
        // (in `Drop` and `into_inner`), which is the contract of `register`.
        let registration = unsafe { start::get().poller.register(io.as_raw_fd()) }?;
        clones.lock().push(Arc::downgrade(&registration));
        Ok(Source {
            io: ManuallyDrop::new(io),
            registration,
            read_timeout: AtomicU64::new(0),
            write_timeout: AtomicU64::new(0),
            nonblocking: AtomicBool::new(false),
            clones,
        })
    }

    /// Wakes every coroutine waiting on this socket through any of its clones, to retry. Called
    /// after a `shutdown`: Linux reports no readiness when a Unix stream's own write side is shut
    /// down, so a writer parked on a full buffer would otherwise wait for the peer; the retry
    /// fails with `EPIPE`, as std's blocking write does.
    pub(crate) fn wake_clones(&self) {
        let clones: Vec<Arc<Registration>> = self
            .clones
            .lock()
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        for registration in clones {
            registration.wake_all();
        }
    }

    /// The std socket (in non-blocking mode).
    pub(crate) fn get_ref(&self) -> &S {
        &self.io
    }

    /// Deregisters and hands back the std socket, still in non-blocking mode.
    pub(crate) fn into_inner(self) -> S {
        let mut this = ManuallyDrop::new(self);
        start::get().poller.deregister(&this.registration);
        // SAFETY: `this` is never dropped or used again, so `io` is taken exactly once, and the
        // fields that own something besides it (two `Arc`s) are released by hand, once each;
        // the rest are plain atomics.
        unsafe {
            std::ptr::drop_in_place(&mut this.registration);
            std::ptr::drop_in_place(&mut this.clones);
            ManuallyDrop::take(&mut this.io)
        }
    }

    /// Runs a read-side operation (read, recv, accept, peek), waiting while it would block.
    pub(crate) fn read<R>(&self, op: impl FnMut(&S) -> io::Result<R>) -> io::Result<R> {
        self.io_op(Interest::Read, &self.read_timeout, op)
    }

    /// Runs a write-side operation (write, send), waiting while it would block.
    pub(crate) fn write<R>(&self, op: impl FnMut(&S) -> io::Result<R>) -> io::Result<R> {
        self.io_op(Interest::Write, &self.write_timeout, op)
    }

    fn io_op<R>(
        &self,
        interest: Interest,
        timeout: &AtomicU64,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> io::Result<R> {
        if self.nonblocking.load(Ordering::Relaxed) {
            return op(&self.io);
        }
        let deadline = match timeout.load(Ordering::Relaxed) {
            0 => None,
            nanos => Instant::now().checked_add(Duration::from_nanos(nanos)),
        };
        io_wait::io(&self.registration, interest, deadline, || op(&self.io))
    }

    pub(crate) fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        set_timeout(&self.read_timeout, timeout)
    }

    pub(crate) fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        set_timeout(&self.write_timeout, timeout)
    }

    pub(crate) fn read_timeout(&self) -> Option<Duration> {
        get_timeout(&self.read_timeout)
    }

    pub(crate) fn write_timeout(&self) -> Option<Duration> {
        get_timeout(&self.write_timeout)
    }

    pub(crate) fn set_nonblocking(&self, nonblocking: bool) {
        self.nonblocking.store(nonblocking, Ordering::Relaxed);
    }
}

impl<S: AsRawFd> Drop for Source<S> {
    fn drop(&mut self) {
        start::get().poller.deregister(&self.registration);
        // SAFETY: dropped exactly once, here, after the registration is gone.
        unsafe { ManuallyDrop::drop(&mut self.io) };
    }
}

impl<S: AsRawFd> AsRawFd for Source<S> {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

impl<S: AsRawFd + AsFd> AsFd for Source<S> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

fn set_timeout(slot: &AtomicU64, timeout: Option<Duration>) -> io::Result<()> {
    let nanos = match timeout {
        None => 0,
        Some(d) if d.is_zero() => {
            // std's error for the same call.
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "cannot set a 0 duration timeout",
            ));
        }
        Some(d) => u64::try_from(d.as_nanos()).unwrap_or(u64::MAX),
    };
    slot.store(nanos, Ordering::Relaxed);
    Ok(())
}

fn get_timeout(slot: &AtomicU64) -> Option<Duration> {
    match slot.load(Ordering::Relaxed) {
        0 => None,
        nanos => Some(Duration::from_nanos(nanos)),
    }
}
