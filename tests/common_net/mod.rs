//! Helpers for the socket tests (`tests/net_*.rs`): the watchdog of `tests/common`, plus
//! loopback listeners, unique socket paths, a position-dependent byte pattern to check every byte
//! of a transfer, filling a socket's send buffer, a few raw socket options (`SO_LINGER`,
//! buffer sizes, the `O_NONBLOCK` flag), and a spawn that is either a coroutine or a thread.
//!
//! Each `tests/net_*.rs` file is its own binary and includes this module, so not every helper is
//! used by every binary.

#![allow(dead_code)]

#[path = "../common/mod.rs"]
mod base;

#[allow(unused_imports)]
pub use base::{
    is_child, panic_message, rerun_with_one_worker, run_watched, wait_until, watchdog,
    WATCHDOG_SECS,
};

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use offshoot::net::{TcpListener, TcpStream};
use offshoot::JoinHandle;

/// `n` milliseconds.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The pause a test takes, after a handshake, to make it likely that a coroutine has gone on to
/// park. Never relied on: the assertions hold whether or not it has.
pub const SETTLE: Duration = Duration::from_millis(20);

/// The listen backlog of [`loopback_listener`]: std's 128 overflows when a couple of hundred
/// clients connect at once, and Linux then drops SYNs, to be resent only a second later.
pub const BACKLOG: i32 = 1024;

/// A listener on a fresh loopback port, with a backlog of [`BACKLOG`], and its address.
pub fn loopback_listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    // SAFETY: listening again on our own listening socket only changes its backlog.
    let rc = unsafe { libc::listen(listener.as_raw_fd(), BACKLOG) };
    assert_eq!(rc, 0, "listen: {}", io::Error::last_os_error());
    let addr = listener.local_addr().expect("the listener's address");
    (listener, addr)
}

/// A connected pair over loopback: (client, server side).
pub fn tcp_pair() -> (TcpStream, TcpStream) {
    let (listener, addr) = loopback_listener();
    let client = TcpStream::connect(addr).expect("connect to our own listener");
    let (server, peer) = listener.accept().expect("accept our own client");
    assert_eq!(peer, client.local_addr().unwrap());
    (client, server)
}

/// The byte at position `i` of stream `seed`: position-dependent with no short period, so a
/// lost, repeated or reordered chunk shows.
pub fn pattern_byte(seed: u64, i: u64) -> u8 {
    let x = (i ^ seed.rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (x >> 56) as u8
}

/// Fills `buf` with the pattern of `seed` from position `offset` on.
pub fn fill_pattern(seed: u64, offset: u64, buf: &mut [u8]) {
    for (k, b) in buf.iter_mut().enumerate() {
        *b = pattern_byte(seed, offset + k as u64);
    }
}

/// Panics naming the first byte of `buf` that is not the pattern of `seed` at `offset`.
pub fn check_pattern(seed: u64, offset: u64, buf: &[u8]) {
    for (k, &b) in buf.iter().enumerate() {
        let at = offset + k as u64;
        let want = pattern_byte(seed, at);
        assert_eq!(b, want, "stream {seed}: byte {at} is {b}, expected {want}");
    }
}

/// Writes the pattern of `seed` from position `from` up to `len` in chunks of `chunk` bytes
/// with plain `write` calls (so partial writes are handled here, not hidden in `write_all`).
/// Returns how many `write` calls wrote less than they were given.
pub fn write_pattern(
    mut w: impl Write,
    seed: u64,
    from: u64,
    len: u64,
    chunk: usize,
) -> io::Result<usize> {
    let mut buf = vec![0; chunk];
    let mut sent = from;
    let mut partial = 0;
    while sent < len {
        let n = chunk.min((len - sent) as usize);
        fill_pattern(seed, sent, &mut buf[..n]);
        let wrote = w.write(&buf[..n])?;
        assert!(wrote > 0, "write returned 0 with {n} bytes to write");
        if wrote < n {
            partial += 1;
        }
        sent += wrote as u64;
    }
    Ok(partial)
}

/// Reads exactly `len` bytes and checks them against the pattern of `seed`, then checks that the
/// stream ends there. Returns the number of `read` calls.
pub fn read_pattern(mut r: impl Read, seed: u64, len: u64) -> io::Result<usize> {
    let mut buf = vec![0; 64 * 1024];
    let mut got = 0;
    let mut reads = 0;
    while got < len {
        let want = buf.len().min((len - got) as usize);
        let n = r.read(&mut buf[..want])?;
        assert!(n > 0, "stream {seed} ended after {got} of {len} bytes");
        check_pattern(seed, got, &buf[..n]);
        got += n as u64;
        reads += 1;
    }
    Ok(reads)
}

/// Writes with `write` until it fails with `WouldBlock` (the caller has put the socket in
/// non-blocking mode, and its peer does not read). Returns the bytes written. Any other error
/// panics.
pub fn fill_until_would_block(mut write: impl FnMut(&[u8]) -> io::Result<usize>) -> usize {
    let chunk = vec![0x5a_u8; 64 * 1024];
    let mut total = 0;
    loop {
        match write(&chunk) {
            Ok(n) => total += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return total,
            Err(e) => panic!("filling the send buffer failed after {total} bytes: {e}"),
        }
    }
}

/// Writes until an error, which it returns (with the bytes written before it). A write that
/// waits forever is the watchdog's business.
pub fn write_until_error(mut write: impl FnMut(&[u8]) -> io::Result<usize>) -> (usize, io::Error) {
    let chunk = vec![0xa5_u8; 64 * 1024];
    let mut total = 0;
    loop {
        match write(&chunk) {
            Ok(n) => total += n,
            Err(e) => return (total, e),
        }
    }
}

/// Sets an integer socket option; panics if the kernel refuses.
fn set_int_option(fd: RawFd, level: libc::c_int, name: libc::c_int, value: libc::c_int) {
    // SAFETY: `fd` is an open socket of the caller; we pass a valid c_int and its size.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0, "setsockopt: {}", io::Error::last_os_error());
}

/// Sets `SO_SNDBUF` (the kernel doubles it and applies a floor), to make a socket's send buffer
/// small and quick to fill.
pub fn set_send_buffer(fd: RawFd, bytes: i32) {
    set_int_option(fd, libc::SOL_SOCKET, libc::SO_SNDBUF, bytes);
}

/// Sets `SO_RCVBUF` (the kernel doubles it and applies a floor).
pub fn set_recv_buffer(fd: RawFd, bytes: i32) {
    set_int_option(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, bytes);
}

/// Sets `SO_LINGER` to on with a zero timeout: closing the socket then sends a reset instead of
/// a FIN. (std's `set_linger` is still unstable.)
pub fn set_linger_zero(fd: RawFd) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: `fd` is an open socket of the caller; we pass a valid linger and its size.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(
        rc,
        0,
        "setsockopt(SO_LINGER): {}",
        io::Error::last_os_error()
    );
}

/// True if the descriptor has `O_NONBLOCK` set.
pub fn is_nonblocking(fd: RawFd) -> bool {
    // SAFETY: F_GETFL reads the flags of an open descriptor of the caller.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    assert!(flags >= 0, "fcntl(F_GETFL): {}", io::Error::last_os_error());
    flags & libc::O_NONBLOCK != 0
}

/// True if `e` is one of the errors a reset connection gives (which one depends on whether the
/// reset is still pending on the socket or already consumed by an earlier call).
pub fn is_reset_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionAborted
    )
}

/// A Unix socket path in the temporary directory, unique per process and per `name` (which each
/// test makes its own), removed on creation and on drop.
#[derive(Debug)]
pub struct SocketPath {
    path: PathBuf,
}

impl SocketPath {
    pub fn new(name: &str) -> SocketPath {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let serial = NEXT.fetch_add(1, Ordering::Relaxed);
        let file = format!("offshoot-{}-{serial}-{name}.sock", std::process::id());
        let path = std::env::temp_dir().join(file);
        // sun_path holds 108 bytes with the terminating NUL.
        assert!(
            path.as_os_str().len() < 100,
            "socket path too long: {path:?}"
        );
        let _ = std::fs::remove_file(&path);
        SocketPath { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SocketPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Where a piece of a test runs: in a coroutine (an operation that would block parks it) or on
/// a plain OS thread (the same operation blocks the thread, as std's sockets do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Coroutine,
    Thread,
}

/// Both sides, to run a scenario over every combination.
pub const SIDES: [Side; 2] = [Side::Coroutine, Side::Thread];

/// A running piece of a test, on either side.
#[derive(Debug)]
pub enum Joiner<T> {
    Coroutine(JoinHandle<T>),
    Thread(std::thread::JoinHandle<T>),
}

impl<T: Send + 'static> Joiner<T> {
    /// Waits for the result; a panic inside is re-raised here with its message.
    pub fn join(self) -> T {
        let result = match self {
            Joiner::Coroutine(h) => h.join(),
            Joiner::Thread(h) => h.join(),
        };
        match result {
            Ok(value) => value,
            Err(payload) => panic!(
                "a spawned part of the test panicked: {}",
                panic_message(&*payload)
            ),
        }
    }
}

/// Starts `f` on `side`.
pub fn spawn_on<T, F>(side: Side, f: F) -> Joiner<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match side {
        Side::Coroutine => Joiner::Coroutine(offshoot::go(f)),
        Side::Thread => Joiner::Thread(std::thread::spawn(f)),
    }
}

/// Accepts exactly `connections` connections on `listener` and echoes each in its own
/// coroutine until end-of-file. The handle gives the total bytes echoed.
pub fn echo_server(listener: TcpListener, connections: usize) -> JoinHandle<u64> {
    offshoot::go(move || {
        let handlers: Vec<_> = (0..connections)
            .map(|_| {
                let (stream, _) = listener.accept().expect("accept");
                offshoot::go(move || echo(stream))
            })
            .collect();
        handlers.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

/// Echoes what `stream` reads back to it until end-of-file; returns the bytes echoed.
pub fn echo<S>(mut stream: S) -> u64
where
    S: Read + Write,
{
    let mut buf = [0; 4096];
    let mut total = 0;
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return total,
            Ok(n) => {
                stream.write_all(&buf[..n]).expect("echo write");
                total += n as u64;
            }
            Err(e) => panic!("echo read failed after {total} bytes: {e}"),
        }
    }
}
