//! Unix-domain stream sockets, waiting in the poller: std's `std::os::unix::net` shapes.

use std::io;
use std::net::Shutdown;
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;
use std::time::Duration;

use super::source::Source;
use super::{impl_listener, impl_raw_fd, impl_stream_io, impl_timeouts};
use crate::runtime::blocking::blocking;

/// A Unix-domain socket server: std's `UnixListener`.
#[derive(Debug)]
pub struct UnixListener {
    source: Source<net::UnixListener>,
}

/// A Unix-domain stream socket: std's `UnixStream`.
#[derive(Debug)]
pub struct UnixStream {
    source: Source<net::UnixStream>,
}

impl UnixListener {
    /// Binds to the socket file `path` and listens, with a backlog of `SOMAXCONN` (see the
    /// module docs of [`net`](crate::net)).
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixListener> {
        let listener = net::UnixListener::bind(path)?;
        super::widen_backlog(&listener)?;
        UnixListener::from_std(listener)
    }
}

impl UnixStream {
    /// Connects to the socket file `path`. The connect runs on the blocking pool.
    pub fn connect<P: AsRef<Path>>(path: P) -> io::Result<UnixStream> {
        let path = path.as_ref().to_path_buf();
        UnixStream::from_std(blocking(move || net::UnixStream::connect(path))?)
    }

    /// A pair of connected sockets.
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = net::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    /// Wraps a std stream, switching it to non-blocking mode.
    pub fn from_std(stream: net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Ok(UnixStream {
            source: Source::new(stream)?,
        })
    }

    /// The std stream, still in non-blocking mode (as tokio's `into_std` leaves it): the mode
    /// belongs to the descriptor, which every `try_clone` shares, and a clone still used here
    /// must stay non-blocking. Call `set_nonblocking(false)` on the result if no clone is left.
    pub fn into_std(self) -> io::Result<net::UnixStream> {
        Ok(self.source.into_inner())
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().local_addr()
    }

    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().peer_addr()
    }

    /// Shuts down the read half, the write half or both; every handle to the stream sees it.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.source.get_ref().shutdown(how)?;
        self.source.wake_clones();
        Ok(())
    }

    /// A second handle to the same stream, registered on its own.
    pub fn try_clone(&self) -> io::Result<UnixStream> {
        let io = self.source.get_ref().try_clone()?;
        Ok(UnixStream {
            source: self.source.new_clone(io)?,
        })
    }
}

impl_timeouts!(UnixStream);
impl_stream_io!(UnixStream);
impl_raw_fd!(UnixStream, net::UnixStream);
impl_raw_fd!(UnixListener, net::UnixListener);
impl_listener!(
    UnixListener,
    net::UnixListener,
    UnixStream,
    SocketAddr,
    Incoming
);
