//! `TcpListener` and `TcpStream`: std's TCP sockets, waiting in the poller instead of the kernel.

use std::io;
use std::net::{self, Shutdown, SocketAddr, ToSocketAddrs};
use std::time::Duration;

use super::source::Source;
use super::{impl_listener, impl_raw_fd, impl_stream_io, impl_timeouts};
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

impl TcpListener {
    /// Binds to `addr` and listens, with a backlog of `SOMAXCONN` (see the module docs of
    /// [`net`](crate::net)). Each address is tried in turn, as in std.
    pub fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        let listener = net::TcpListener::bind(addr)?;
        super::widen_backlog(&listener)?;
        TcpListener::from_std(listener)
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
impl_listener!(
    TcpListener,
    net::TcpListener,
    TcpStream,
    SocketAddr,
    Incoming
);
