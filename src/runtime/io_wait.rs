//! Waiting for a socket: an operation retried until it does not return `WouldBlock`, parking
//! the coroutine in between until the net poller sees an edge (`poller.rs` explains the
//! protocol), or, on a plain thread, waiting in `poll(2)`.

use std::io;
use std::time::Instant;

use super::context;
use super::park::{self, WaitReason};
use super::poller::{Interest, Registration};
use super::start;

/// Runs `op` until it does not return `WouldBlock`, waiting for `interest` on `registration` in
/// between, until `deadline` at the latest (then fails with `WouldBlock`, std's error for a
/// socket timeout).
pub(crate) fn io<R>(
    registration: &Registration,
    interest: Interest,
    deadline: Option<Instant>,
    mut op: impl FnMut() -> io::Result<R>,
) -> io::Result<R> {
    loop {
        match op() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            result => return result,
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(io::Error::from_raw_os_error(libc::EAGAIN));
        }
        if context::in_coroutine() {
            park_for(registration, interest, deadline)?;
        } else {
            registration.wait_thread(interest, deadline)?;
        }
    }
}

/// Parks the current coroutine until `interest` has an edge, the deadline or a spurious
/// wake-up. Fails only if the socket was closed meanwhile.
fn park_for(
    registration: &Registration,
    interest: Interest,
    deadline: Option<Instant>,
) -> io::Result<()> {
    let me = park::current();
    if registration.arm(interest, &me)? {
        return Ok(());
    }
    park::note_socket_wait();
    let poller = &start::get().poller;
    poller.start_waiting();
    let why = match interest {
        Interest::Read => WaitReason::SocketRead,
        Interest::Write => WaitReason::SocketWrite,
    };
    match deadline {
        Some(deadline) => park::park_until(deadline, why),
        None => park::park(why),
    }
    poller.stop_waiting();
    registration.disarm(interest, &me)
}
