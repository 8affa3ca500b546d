//! `TcpListener` and `TcpStream`: std's TCP sockets, waiting in the poller instead of the kernel.

use std::io;
use std::net::{self, Shutdown, SocketAddr, ToSocketAddrs};
use std::time::Duration;

use super::source::Source;
use super::{impl_raw_fd, impl_stream_io, impl_timeouts};
use crate::runtime::blocking::blocking;

/// A TCP socket server, listening for connections: std's `TcpListener`.
#[derive(Debug)]
pub struct TcpListener {
    source: Source<net::TcpListener>,
}

/// A TCP stream between a local and a remote socket: std's `TcpStream`.
#[derive(Debug)]
pub struct TcpStream {
    source: Source<net::TcpStream>,
}

/// The connections of a [`TcpListener`], as [`TcpListener::incoming`] returns them. Never ends.
#[derive(Debug)]
pub struct Incoming<'a> {
    listener: &'a TcpListener,
}

impl TcpListener {
    /// Binds to `addr` and listens, with a backlog of `SOMAXCONN` (see the module docs of
    /// [`net`](crate::net)). Each address is tried in turn, as in std.
    pub fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        let listener = net::TcpListener::bind(addr)?;
        super::widen_backlog(&listener)?;
        TcpListener::from_std(listener)
    }

    /// Wraps a std listener, switching it to non-blocking mode.
    pub fn from_std(listener: net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            source: Source::new(listener)?,
        })
    }

    /// The std listener, still in non-blocking mode (as tokio's `into_std` leaves it): the mode
    /// belongs to the descriptor, which every `try_clone` shares, and a clone still used here
    /// must stay non-blocking. Call `set_nonblocking(false)` on the result if no clone is left.
    pub fn into_std(self) -> io::Result<net::TcpListener> {
        Ok(self.source.into_inner())
    }

    /// Waits for a connection; the coroutine parks meanwhile.
    pub fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = self.source.read(|listener| listener.accept())?;
        Ok((TcpStream::from_std(stream)?, addr))
    }

    /// An iterator over incoming connections, accepting each in turn.
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming { listener: self }
    }

    /// The address this listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().local_addr()
    }

    /// A second handle to the same listener, registered on its own.
    pub fn try_clone(&self) -> io::Result<TcpListener> {
        let io = self.source.get_ref().try_clone()?;
        Ok(TcpListener {
            source: self.source.new_clone(io)?,
        })
    }

    /// Sets `IP_TTL`.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.source.get_ref().set_ttl(ttl)
    }

    /// `IP_TTL`.
    pub fn ttl(&self) -> io::Result<u32> {
        self.source.get_ref().ttl()
    }

    /// With `true`, `accept` fails with `WouldBlock` instead of waiting.
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.source.set_nonblocking(nonblocking);
        Ok(())
    }

    /// The socket's pending error (`SO_ERROR`), cleared by reading it.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.source.get_ref().take_error()
    }
}

impl<'a> Iterator for Incoming<'a> {
    type Item = io::Result<TcpStream>;

    fn next(&mut self) -> Option<io::Result<TcpStream>> {
        Some(self.listener.accept().map(|(stream, _)| stream))
    }
}

impl TcpStream {
    /// Connects to `addr`, trying each address it resolves to in turn, as std does. The connect
    /// runs on the blocking pool; a host name is resolved on the caller.
    pub fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        let addrs: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
        let stream = blocking(move || net::TcpStream::connect(&addrs[..]))?;
        TcpStream::from_std(stream)
    }

    /// Connects to `addr`, failing with `TimedOut` after `timeout`. A zero timeout is an error,
    /// as in std.
    pub fn connect_timeout(addr: &SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
        let addr = *addr;
        let stream = blocking(move || net::TcpStream::connect_timeout(&addr, timeout))?;
        TcpStream::from_std(stream)
    }

    /// Wraps a std stream, switching it to non-blocking mode.
    pub fn from_std(stream: net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream {
            source: Source::new(stream)?,
        })
    }

    /// The std stream, still in non-blocking mode (as tokio's `into_std` leaves it): the mode
    /// belongs to the descriptor, which every `try_clone` shares, and a clone still used here
    /// must stay non-blocking. Call `set_nonblocking(false)` on the result if no clone is left.
    pub fn into_std(self) -> io::Result<net::TcpStream> {
        Ok(self.source.into_inner())
    }

    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().peer_addr()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().local_addr()
    }

    /// Shuts down the read half, the write half or both. Every handle to the stream sees it:
    /// a waiting reader gets end-of-file, a waiting writer an error.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.source.get_ref().shutdown(how)?;
        self.source.wake_clones();
        Ok(())
    }

    /// Reads without consuming, waiting for data like `read`.
    pub fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.source.read(|stream| stream.peek(buf))
    }

    /// A second handle to the same stream, registered on its own.
    pub fn try_clone(&self) -> io::Result<TcpStream> {
        let io = self.source.get_ref().try_clone()?;
        Ok(TcpStream {
            source: self.source.new_clone(io)?,
        })
    }

    /// Sets `TCP_NODELAY` (Go sets it on every connection; std and offshoot leave it off).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.source.get_ref().set_nodelay(nodelay)
    }

    /// `TCP_NODELAY`.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.source.get_ref().nodelay()
    }

    /// Sets `IP_TTL`.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.source.get_ref().set_ttl(ttl)
    }

    /// `IP_TTL`.
    pub fn ttl(&self) -> io::Result<u32> {
        self.source.get_ref().ttl()
    }
}

impl_timeouts!(TcpStream);
impl_stream_io!(TcpStream);
impl_raw_fd!(TcpStream, net::TcpStream);
impl_raw_fd!(TcpListener, net::TcpListener);
