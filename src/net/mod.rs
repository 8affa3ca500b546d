//! Networking: TCP, UDP and Unix-domain sockets that park the coroutine, not the worker.
//!
//! The types have std's shapes ([`std::net`] here, and [`std::os::unix::net`] in [`unix`], whose
//! listener and stream are re-exported here too) and behave like std's
//! blocking sockets, but a coroutine that would block parks until the runtime's net poller sees
//! its socket ready, and its worker runs other coroutines meanwhile. From a plain thread they
//! block that thread, exactly as std's do. One coroutine per connection is the intended style,
//! as in Go:
//!
//! ```
//! use std::io::{Read, Write};
//! use offshoot::net::{TcpListener, TcpStream};
//!
//! let listener = TcpListener::bind("127.0.0.1:0").unwrap();
//! let addr = listener.local_addr().unwrap();
//! offshoot::go(move || {
//!     for stream in listener.incoming() {
//!         let mut stream = stream.unwrap();
//!         offshoot::go(move || {
//!             let mut buf = [0; 64];
//!             while let Ok(n @ 1..) = stream.read(&mut buf) {
//!                 stream.write_all(&buf[..n]).unwrap();
//!             }
//!         });
//!     }
//! });
//! let mut client = TcpStream::connect(addr).unwrap();
//! client.write_all(b"ping").unwrap();
//! let mut reply = [0; 4];
//! client.read_exact(&mut reply).unwrap();
//! assert_eq!(&reply, b"ping");
//! ```
//!
//! `Read` and `Write` are implemented for `&TcpStream` too, so one coroutine can read while
//! another writes the same stream; `try_clone` gives a second owned handle, as in std.
//!
//! What differs from std, and why:
//! - Connecting runs on the blocking pool (see [`blocking`](crate::blocking)), and resolving a
//!   host name runs on the caller, as with std. Addresses given as IPs need no lookup.
//! - Timeouts (`set_read_timeout`, ...) are kept by the handle, not by the kernel, so each
//!   `try_clone`d handle has its own. A timed-out operation fails with `WouldBlock`, as std's do
//!   on Unix.
//! - Conversions from std types and raw descriptors put the socket in non-blocking mode, and
//!   conversions back (`into_std`, `into_raw_fd`) leave it so, as tokio's do: the mode belongs
//!   to the descriptor that every `try_clone` shares, so restoring blocking mode would make the
//!   clones still in use block their workers. Call `set_nonblocking(false)` on the std value
//!   when no clone is left.
//! - Listeners are made with a backlog of `SOMAXCONN` (4096, capped by the kernel's
//!   `net.core.somaxconn`), as Go's are, rather than std's 128: a burst of connections from a
//!   few hundred coroutines would otherwise overflow it and wait for the client's SYN retry.
//!
//! A coroutine waiting on a socket wakes when the socket is shut down (`shutdown` from another
//! handle wakes a reader with end-of-file and a writer with an error), when the peer closes or
//! resets the connection, or when its timeout passes: nothing waits forever on a dead socket.

mod source;
mod tcp;
mod udp;
pub mod unix;

pub use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, ToSocketAddrs};
pub use tcp::{Incoming, TcpListener, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixListener, UnixStream};

/// Re-listens on a freshly bound socket with Go's backlog, `SOMAXCONN`, instead of std's 128
/// (calling `listen` again on a listening socket only changes its backlog).
fn widen_backlog(listener: &impl std::os::fd::AsRawFd) -> std::io::Result<()> {
    // SAFETY: `listen` on a descriptor the caller owns and keeps open during the call.
    if unsafe { libc::listen(listener.as_raw_fd(), libc::SOMAXCONN) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Implements the raw-descriptor traits for a socket type `$t` wrapping `$std` in a `Source`
/// (the field `source`). Converting in puts the descriptor in non-blocking mode.
macro_rules! impl_raw_fd {
    ($t:ident, $std:ty) => {
        impl std::os::fd::AsRawFd for $t {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                self.source.as_raw_fd()
            }
        }

        impl std::os::fd::AsFd for $t {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                std::os::fd::AsFd::as_fd(&self.source)
            }
        }

        impl std::os::fd::IntoRawFd for $t {
            /// Deregisters the socket and hands over its descriptor, still non-blocking.
            fn into_raw_fd(self) -> std::os::fd::RawFd {
                self.source.into_inner().into_raw_fd()
            }
        }

        impl std::os::fd::FromRawFd for $t {
            /// # Panics
            /// If the descriptor cannot be made non-blocking or registered with the poller.
            unsafe fn from_raw_fd(fd: std::os::fd::RawFd) -> $t {
                // SAFETY: the caller passes an open socket descriptor it gives up ownership of.
                let io = unsafe { <$std>::from_raw_fd(fd) };
                <$t>::from_std(io)
                    .expect("offshoot: cannot register a socket from a raw descriptor")
            }
        }

        impl TryFrom<$std> for $t {
            type Error = std::io::Error;

            fn try_from(io: $std) -> std::io::Result<$t> {
                <$t>::from_std(io)
            }
        }
    };
}

/// Implements `Read` and `Write` for a stream type and for references to it, over its `Source`.
macro_rules! impl_stream_io {
    ($t:ident) => {
        impl std::io::Read for &$t {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.source.read(|mut io| std::io::Read::read(&mut io, buf))
            }

            fn read_vectored(
                &mut self,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::io::Result<usize> {
                self.source
                    .read(|mut io| std::io::Read::read_vectored(&mut io, bufs))
            }
        }

        impl std::io::Write for &$t {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.source
                    .write(|mut io| std::io::Write::write(&mut io, buf))
            }

            fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
                self.source
                    .write(|mut io| std::io::Write::write_vectored(&mut io, bufs))
            }

            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }

        impl std::io::Read for $t {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                (&*self).read(buf)
            }

            fn read_vectored(
                &mut self,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::io::Result<usize> {
                (&*self).read_vectored(bufs)
            }
        }

        impl std::io::Write for $t {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                (&*self).write(buf)
            }

            fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
                (&*self).write_vectored(bufs)
            }

            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
    };
}

/// Implements the timeout and non-blocking settings every socket type shares.
macro_rules! impl_timeouts {
    ($t:ident) => {
        impl $t {
            /// Sets how long a read may wait; `None` waits forever. A zero duration is an error,
            /// as in std. A timed-out read fails with `WouldBlock`.
            pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
                self.source.set_read_timeout(timeout)
            }

            /// Sets how long a write may wait; `None` waits forever. A zero duration is an
            /// error, as in std.
            pub fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
                self.source.set_write_timeout(timeout)
            }

            /// The read timeout.
            pub fn read_timeout(&self) -> io::Result<Option<Duration>> {
                Ok(self.source.read_timeout())
            }

            /// The write timeout.
            pub fn write_timeout(&self) -> io::Result<Option<Duration>> {
                Ok(self.source.write_timeout())
            }

            /// With `true`, operations that would wait fail with `WouldBlock` instead.
            pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
                self.source.set_nonblocking(nonblocking);
                Ok(())
            }

            /// The socket's pending error (`SO_ERROR`), cleared by reading it.
            pub fn take_error(&self) -> io::Result<Option<io::Error>> {
                self.source.get_ref().take_error()
            }
        }
    };
}

/// Implements what every listener shares over its `Source` (the field `source`): conversions,
/// `accept` and `incoming` (with the `$incoming` iterator), `local_addr`, `try_clone`,
/// `set_nonblocking` and `take_error`. `$stream` is the listener's stream type, `$addr` its
/// address type.
macro_rules! impl_listener {
    ($t:ident, $std:ty, $stream:ident, $addr:ty, $incoming:ident) => {
        /// The connections of a listener, as its `incoming` returns them. Never ends.
        #[derive(Debug)]
        pub struct $incoming<'a> {
            listener: &'a $t,
        }

        impl<'a> Iterator for $incoming<'a> {
            type Item = std::io::Result<$stream>;

            fn next(&mut self) -> Option<std::io::Result<$stream>> {
                Some(self.listener.accept().map(|(stream, _)| stream))
            }
        }

        impl $t {
            /// Wraps a std listener, switching it to non-blocking mode.
            pub fn from_std(listener: $std) -> std::io::Result<$t> {
                listener.set_nonblocking(true)?;
                Ok($t {
                    source: Source::new(listener)?,
                })
            }

            /// The std listener, still in non-blocking mode (as tokio's `into_std` leaves it):
            /// the mode belongs to the descriptor, which every `try_clone` shares, and a clone
            /// still used here must stay non-blocking. Call `set_nonblocking(false)` on the
            /// result if no clone is left.
            pub fn into_std(self) -> std::io::Result<$std> {
                Ok(self.source.into_inner())
            }

            /// Waits for a connection; the coroutine parks meanwhile.
            pub fn accept(&self) -> std::io::Result<($stream, $addr)> {
                let (stream, addr) = self.source.read(|listener| listener.accept())?;
                Ok(($stream::from_std(stream)?, addr))
            }

            /// An iterator over incoming connections, accepting each in turn.
            pub fn incoming(&self) -> $incoming<'_> {
                $incoming { listener: self }
            }

            /// The address this listener is bound to.
            pub fn local_addr(&self) -> std::io::Result<$addr> {
                self.source.get_ref().local_addr()
            }

            /// A second handle to the same listener, registered on its own.
            pub fn try_clone(&self) -> std::io::Result<$t> {
                let io = self.source.get_ref().try_clone()?;
                Ok($t {
                    source: self.source.new_clone(io)?,
                })
            }

            /// With `true`, `accept` fails with `WouldBlock` instead of waiting.
            pub fn set_nonblocking(&self, nonblocking: bool) -> std::io::Result<()> {
                self.source.set_nonblocking(nonblocking);
                Ok(())
            }

            /// The socket's pending error (`SO_ERROR`), cleared by reading it.
            pub fn take_error(&self) -> std::io::Result<Option<std::io::Error>> {
                self.source.get_ref().take_error()
            }
        }
    };
}

pub(crate) use {impl_listener, impl_raw_fd, impl_stream_io, impl_timeouts};
