//! `net::TcpListener` and `net::TcpStream` over loopback: every byte of many echo sessions and of
//! a large transfer, half-close, resets, timeouts, wake-ups by `shutdown` from another handle,
//! accept bursts, one stream read and written by two coroutines, the error cases, non-blocking
//! mode and conversions, all from coroutines and from plain threads alike, and a coroutine
//! waiting on a socket never holding its worker.
//!
//! Everything also runs again in a child process with one worker, where a socket wait that
//! blocked the worker instead of parking the coroutine would stall the test.

mod common_net;

#[test]
fn every_tcp_test_also_passes_on_one_worker() {
    common_net::rerun_with_one_worker("::", 2 * common_net::WATCHDOG_SECS);
}

/// Many sessions and large transfers: every byte arrives, in order, exactly once.
mod transfer {
    use std::io::{Read, Write};
    use std::net::Shutdown;
    use std::os::fd::AsRawFd;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use offshoot::net::TcpStream;
    use offshoot::time::sleep;

    use super::common_net::{
        check_pattern, echo, echo_server, fill_pattern, loopback_listener, read_pattern,
        run_watched, set_recv_buffer, set_send_buffer, tcp_pair, write_pattern, SETTLE,
    };

    /// 200 client coroutines, 50 round trips each of messages of varying length, against an
    /// echo server with a coroutine per connection: every reply byte is checked, and the bytes
    /// the server echoed add up to the bytes the clients sent.
    #[test]
    fn many_clients_each_get_every_byte_echoed() {
        const CLIENTS: usize = 200;
        const ROUNDS: usize = 50;
        const MAX_LEN: usize = 700;
        run_watched("many_clients_each_get_every_byte_echoed", || {
            let (listener, addr) = loopback_listener();
            let server = echo_server(listener, CLIENTS);
            let rounds_done = Arc::new(AtomicUsize::new(0));
            let clients: Vec<_> = (0..CLIENTS)
                .map(|c| {
                    let rounds_done = rounds_done.clone();
                    offshoot::go(move || {
                        let mut stream = TcpStream::connect(addr).unwrap();
                        stream.set_nodelay(true).unwrap();
                        assert!(stream.nodelay().unwrap());
                        assert_eq!(stream.peer_addr().unwrap(), addr);
                        let seed = c as u64;
                        let (mut msg, mut reply) = (vec![0; MAX_LEN], vec![0; MAX_LEN]);
                        let mut sent = 0_u64;
                        for r in 0..ROUNDS {
                            let len = 1 + (c * 7 + r * 131) % MAX_LEN;
                            fill_pattern(seed, sent, &mut msg[..len]);
                            stream.write_all(&msg[..len]).unwrap();
                            stream.read_exact(&mut reply[..len]).unwrap();
                            check_pattern(seed, sent, &reply[..len]);
                            sent += len as u64;
                            rounds_done.fetch_add(1, Ordering::Relaxed);
                        }
                        stream.shutdown(Shutdown::Write).unwrap();
                        let extra = stream.read(&mut reply).unwrap();
                        assert_eq!(extra, 0, "client {c}: the echo sent {extra} bytes too many");
                        sent
                    })
                })
                .collect();
            let sent: u64 = clients.into_iter().map(|h| h.join().unwrap()).sum();
            let echoed = server.join().unwrap();
            assert_eq!(rounds_done.load(Ordering::Relaxed), CLIENTS * ROUNDS);
            assert_eq!(
                echoed, sent,
                "the server echoed {echoed} bytes of {sent} sent"
            );
        });
    }

    /// 8 MiB one way through small socket buffers: the writer's writes come back partial and
    /// it waits for room again and again while the other side reads; every byte is checked.
    #[test]
    fn a_large_transfer_arrives_intact_through_partial_writes() {
        const LEN: u64 = 8 << 20;
        const CHUNK: usize = 1 << 20;
        run_watched(
            "a_large_transfer_arrives_intact_through_partial_writes",
            || {
                let (writer, reader) = tcp_pair();
                set_send_buffer(writer.as_raw_fd(), 32 * 1024);
                set_recv_buffer(reader.as_raw_fd(), 32 * 1024);
                let (first_done_tx, first_done_rx) = offshoot::chan(1);
                let reading = offshoot::go(move || {
                    first_done_rx.recv().unwrap();
                    let reads = read_pattern(&reader, 11, LEN).unwrap();
                    assert_eq!(
                        (&reader).read(&mut [0; 16]).unwrap(),
                        0,
                        "more than was sent"
                    );
                    reads
                });
                // Nobody reads yet, and the buffers hold far less than a chunk: the first write
                // must come back partial.
                let mut first = vec![0; CHUNK];
                fill_pattern(11, 0, &mut first);
                let n = (&writer).write(&first).unwrap();
                assert!(
                    0 < n && n < CHUNK,
                    "a {CHUNK}-byte write into small buffers wrote {n}"
                );
                first_done_tx.send(()).unwrap();
                sleep(SETTLE);
                write_pattern(&writer, 11, n as u64, LEN, CHUNK).unwrap();
                drop(writer);
                let reads = reading.join().unwrap();
                assert!(reads > 1, "{LEN} bytes in {reads} reads");
            },
        );
    }

    /// The client shuts down its write half; the server reads to end-of-file and then still
    /// replies, and the client reads the reply.
    #[test]
    fn half_close_lets_the_server_reply_after_end_of_file() {
        const LEN: u64 = 100_000;
        run_watched("half_close_lets_the_server_reply_after_end_of_file", || {
            let (listener, addr) = loopback_listener();
            let server = offshoot::go(move || {
                let (mut stream, _) = listener.accept().unwrap();
                let mut request = Vec::new();
                stream.read_to_end(&mut request).unwrap();
                check_pattern(5, 0, &request);
                stream
                    .write_all(format!("got {} bytes", request.len()).as_bytes())
                    .unwrap();
                request.len() as u64
            });
            let mut client = TcpStream::connect(addr).unwrap();
            write_pattern(&client, 5, 0, LEN, 16 * 1024).unwrap();
            client.shutdown(Shutdown::Write).unwrap();
            let err = client.write(b"late").unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe, "{err}");
            let mut reply = String::new();
            client.read_to_string(&mut reply).unwrap();
            assert_eq!(reply, format!("got {LEN} bytes"));
            assert_eq!(server.join().unwrap(), LEN);
        });
    }

    /// One coroutine writes 4 MiB into a stream while another reads the echo of it, both
    /// through `&TcpStream`. The socket buffers are small, so neither could finish without the
    /// other running at the same time on the same stream.
    #[test]
    fn one_coroutine_reads_while_another_writes_the_same_stream() {
        const LEN: u64 = 4 << 20;
        run_watched(
            "one_coroutine_reads_while_another_writes_the_same_stream",
            || {
                let (listener, addr) = loopback_listener();
                let server = offshoot::go(move || {
                    let (stream, _) = listener.accept().unwrap();
                    set_send_buffer(stream.as_raw_fd(), 32 * 1024);
                    set_recv_buffer(stream.as_raw_fd(), 32 * 1024);
                    echo(stream)
                });
                let stream = Arc::new(TcpStream::connect(addr).unwrap());
                set_send_buffer(stream.as_raw_fd(), 32 * 1024);
                set_recv_buffer(stream.as_raw_fd(), 32 * 1024);
                let w = stream.clone();
                let writer = offshoot::go(move || {
                    write_pattern(&*w, 23, 0, LEN, 100_000).unwrap();
                    w.shutdown(Shutdown::Write).unwrap();
                });
                let r = stream.clone();
                let reader = offshoot::go(move || {
                    read_pattern(&*r, 23, LEN).unwrap();
                    assert_eq!((&*r).read(&mut [0; 16]).unwrap(), 0);
                });
                writer.join().unwrap();
                reader.join().unwrap();
                assert_eq!(server.join().unwrap(), LEN);
            },
        );
    }

    /// 500 connections from 20 connecting coroutines at once, accepted by four coroutines:
    /// two sharing one listener handle, two more on a `try_clone` of it. Every connection is
    /// accepted exactly once. (The connectors may run ahead of the acceptors; the backlog holds
    /// all 500.)
    #[test]
    fn a_burst_of_connects_is_accepted_exactly_once_each() {
        const CONNECTORS: u32 = 20;
        const EACH: u32 = 25;
        const ACCEPTORS: usize = 4;
        const STOP: u32 = u32::MAX;
        run_watched("a_burst_of_connects_is_accepted_exactly_once_each", || {
            let (listener, addr) = loopback_listener();
            let shared = [Arc::new(listener.try_clone().unwrap()), Arc::new(listener)];
            let acceptors: Vec<_> = (0..ACCEPTORS)
                .map(|a| {
                    let listener = shared[a % 2].clone();
                    offshoot::go(move || {
                        let mut ids = Vec::new();
                        for stream in listener.incoming() {
                            let mut stream = stream.unwrap();
                            let mut id = [0; 4];
                            stream.read_exact(&mut id).unwrap();
                            match u32::from_le_bytes(id) {
                                STOP => return ids,
                                id => ids.push(id),
                            }
                        }
                        unreachable!("incoming() never ends")
                    })
                })
                .collect();
            let connectors: Vec<_> = (0..CONNECTORS)
                .map(|c| {
                    offshoot::go(move || {
                        (0..EACH)
                            .map(|k| {
                                let mut stream = TcpStream::connect(addr).unwrap();
                                stream.write_all(&(c * EACH + k).to_le_bytes()).unwrap();
                                stream
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            // Keep the clients open until everything is accepted.
            let clients: Vec<TcpStream> = connectors
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect();
            // Every client connection is queued before these, so each acceptor stops only after
            // the clients have all been taken.
            let stops: Vec<_> = (0..ACCEPTORS)
                .map(|_| {
                    let mut stream = TcpStream::connect(addr).unwrap();
                    stream.write_all(&STOP.to_le_bytes()).unwrap();
                    stream
                })
                .collect();
            let mut ids: Vec<u32> = acceptors
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect();
            ids.sort_unstable();
            let expected: Vec<u32> = (0..CONNECTORS * EACH).collect();
            assert_eq!(ids, expected, "connections lost or accepted twice");
            drop((clients, stops));
        });
    }
}

/// Resets, refused connections and the error paths.
mod errors {
    use std::io::{ErrorKind, Read, Write};
    use std::net::{SocketAddr, TcpListener as StdTcpListener};
    use std::os::fd::{AsRawFd, FromRawFd};
    use std::time::{Duration, Instant};

    use offshoot::net::TcpStream;
    use offshoot::time::sleep;

    use super::common_net::{
        fill_until_would_block, is_reset_error, loopback_listener, ms, run_watched,
        set_linger_zero, set_send_buffer, spawn_on, tcp_pair, watchdog, write_until_error, SETTLE,
        SIDES, WATCHDOG_SECS,
    };

    /// The server closes with `SO_LINGER` 0, which sends a reset: a coroutine (or thread)
    /// waiting in `read` wakes with `ConnectionReset`, and a later write fails.
    #[test]
    fn a_reset_wakes_a_waiting_reader_with_an_error() {
        watchdog(
            "a_reset_wakes_a_waiting_reader_with_an_error",
            WATCHDOG_SECS,
            || {
                for side in SIDES {
                    let (client, server) = tcp_pair();
                    set_linger_zero(server.as_raw_fd());
                    let (ready_tx, ready_rx) = offshoot::chan(1);
                    let reader = spawn_on(side, move || {
                        ready_tx.send(()).unwrap();
                        let read = (&client).read(&mut [0; 16]);
                        let write = (&client).write(b"after the reset");
                        (read, write)
                    });
                    ready_rx.recv().unwrap();
                    sleep(SETTLE);
                    drop(server);
                    let (read, write) = reader.join();
                    let err = read.expect_err("a read on a reset connection");
                    assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{side:?}: {err}");
                    let err = write.expect_err("a write on a reset connection");
                    assert!(is_reset_error(&err), "{side:?}: {err}");
                }
            },
        );
    }

    /// Dropping a connection with data still unread makes Linux send a reset: the client's
    /// next read fails instead of seeing a clean end-of-file. `peek` makes sure the data has
    /// arrived, and leaves it unread.
    #[test]
    fn dropping_a_connection_with_unread_data_resets_it() {
        run_watched("dropping_a_connection_with_unread_data_resets_it", || {
            let (mut client, server) = tcp_pair();
            client.write_all(b"never read").unwrap();
            let mut peeked = [0; 32];
            let n = server.peek(&mut peeked).unwrap();
            assert!(n > 0 && b"never read".starts_with(&peeked[..n]));
            // Still there after the peek.
            assert_eq!(server.peek(&mut peeked).unwrap(), n);
            drop(server);
            let err = client
                .read(&mut [0; 16])
                .expect_err("a read after the reset");
            assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
        });
    }

    /// A writer waiting for room in a full send buffer wakes with an error when the peer,
    /// which never read, drops the connection (a reset).
    #[test]
    fn a_reset_wakes_a_waiting_writer_with_an_error() {
        watchdog(
            "a_reset_wakes_a_waiting_writer_with_an_error",
            WATCHDOG_SECS,
            || {
                for side in SIDES {
                    let (client, server) = tcp_pair();
                    set_send_buffer(client.as_raw_fd(), 16 * 1024);
                    client.set_nonblocking(true).unwrap();
                    assert!(fill_until_would_block(|b| (&client).write(b)) > 0);
                    client.set_nonblocking(false).unwrap();
                    let (ready_tx, ready_rx) = offshoot::chan(1);
                    let writer = spawn_on(side, move || {
                        ready_tx.send(()).unwrap();
                        write_until_error(|b| (&client).write(b))
                    });
                    ready_rx.recv().unwrap();
                    sleep(SETTLE);
                    drop(server);
                    let (_, err) = writer.join();
                    assert!(is_reset_error(&err), "{side:?}: {err}");
                }
            },
        );
    }

    fn closed_port() -> SocketAddr {
        let (listener, addr) = loopback_listener();
        drop(listener);
        addr
    }

    #[test]
    fn connecting_to_a_closed_port_is_refused() {
        watchdog(
            "connecting_to_a_closed_port_is_refused",
            WATCHDOG_SECS,
            || {
                for side in SIDES {
                    let addr = closed_port();
                    let (connect, connect_timeout) = spawn_on(side, move || {
                        (
                            TcpStream::connect(addr).map(drop),
                            TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map(drop),
                        )
                    })
                    .join();
                    for result in [connect, connect_timeout] {
                        let err = result.expect_err("connected to a closed port");
                        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{side:?}: {err}");
                    }
                }
            },
        );
    }

    #[test]
    fn connect_timeout_connects_and_refuses_a_zero_timeout() {
        run_watched(
            "connect_timeout_connects_and_refuses_a_zero_timeout",
            || {
                let (listener, addr) = loopback_listener();
                let mut client =
                    TcpStream::connect_timeout(&addr, Duration::from_secs(10)).unwrap();
                let (mut server, peer) = listener.accept().unwrap();
                assert_eq!(peer, client.local_addr().unwrap());
                assert_eq!(server.peer_addr().unwrap(), client.local_addr().unwrap());
                client.write_all(b"hi").unwrap();
                let mut buf = [0; 2];
                server.read_exact(&mut buf).unwrap();
                assert_eq!(&buf, b"hi");
                let err = TcpStream::connect_timeout(&addr, Duration::ZERO).unwrap_err();
                assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
            },
        );
    }

    /// A listener with a backlog of 0 takes one connection into its queue and drops the SYNs
    /// of the next ones (Linux), so `connect_timeout` must give up with `TimedOut`, not before
    /// its timeout.
    #[test]
    fn connect_timeout_gives_up_on_a_listener_that_never_answers() {
        const TIMEOUT: Duration = Duration::from_millis(200);
        let listener = listen_with_backlog_zero();
        let addr = listener.local_addr().unwrap();
        run_watched(
            "connect_timeout_gives_up_on_a_listener_that_never_answers",
            move || {
                let mut queued = Vec::new();
                for attempt in 0..4 {
                    let start = Instant::now();
                    match TcpStream::connect_timeout(&addr, TIMEOUT) {
                        Ok(stream) => queued.push(stream),
                        Err(e) => {
                            let waited = start.elapsed();
                            assert_eq!(e.kind(), ErrorKind::TimedOut, "attempt {attempt}: {e}");
                            assert!(waited >= TIMEOUT, "gave up after {waited:?}");
                            assert!(waited < 15 * TIMEOUT, "gave up only after {waited:?}");
                            drop(listener);
                            return;
                        }
                    }
                }
                panic!("{} connections went into a backlog of 0", queued.len());
            },
        );
    }

    fn listen_with_backlog_zero() -> StdTcpListener {
        let listener = StdTcpListener::bind("127.0.0.1:0").unwrap();
        // SAFETY: listening again on our own bound socket only changes its backlog.
        let rc = unsafe { libc::listen(listener.as_raw_fd(), 0) };
        assert_eq!(rc, 0, "listen: {}", std::io::Error::last_os_error());
        // Round-trip through a raw descriptor, for the std type's sake only.
        let fd = std::os::fd::IntoRawFd::into_raw_fd(listener);
        // SAFETY: `fd` was just released by its owner.
        unsafe { StdTcpListener::from_raw_fd(fd) }
    }

    #[test]
    fn zero_timeouts_are_invalid_input() {
        run_watched("zero_timeouts_are_invalid_input", || {
            let (client, _server) = tcp_pair();
            let err = client.set_read_timeout(Some(Duration::ZERO)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            let err = client.set_write_timeout(Some(Duration::ZERO)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert_eq!(client.read_timeout().unwrap(), None);
            assert_eq!(client.write_timeout().unwrap(), None);
            client.set_read_timeout(Some(ms(5))).unwrap();
            assert_eq!(client.read_timeout().unwrap(), Some(ms(5)));
            client.set_read_timeout(None).unwrap();
            assert_eq!(client.read_timeout().unwrap(), None);
            assert!(client.take_error().unwrap().is_none());
        });
    }
}

/// Read and write timeouts: never early, not very late, `WouldBlock` as std on Unix, and the
/// stream still usable afterwards.
mod timeouts {
    use std::io::{ErrorKind, Read, Write};
    use std::os::fd::AsRawFd;
    use std::time::{Duration, Instant};

    use super::common_net::{
        fill_until_would_block, ms, set_send_buffer, spawn_on, tcp_pair, watchdog, SIDES,
        WATCHDOG_SECS,
    };

    const TIMEOUT: Duration = Duration::from_millis(100);

    #[test]
    fn a_read_times_out_with_would_block_and_the_stream_still_works() {
        watchdog(
            "a_read_times_out_with_would_block_and_the_stream_still_works",
            WATCHDOG_SECS,
            || {
                for side in SIDES {
                    let (client, server) = tcp_pair();
                    spawn_on(side, move || {
                        client.set_read_timeout(Some(TIMEOUT)).unwrap();
                        let start = Instant::now();
                        let err = (&client).read(&mut [0; 16]).unwrap_err();
                        let waited = start.elapsed();
                        assert_eq!(err.kind(), ErrorKind::WouldBlock, "{side:?}: {err}");
                        assert!(waited >= TIMEOUT, "{side:?}: timed out after {waited:?}");
                        assert!(
                            waited < 20 * TIMEOUT,
                            "{side:?}: timed out after {waited:?}"
                        );
                        // A later read with data there returns it at once.
                        (&server).write_all(b"late").unwrap();
                        let mut buf = [0; 4];
                        (&client).read_exact(&mut buf).unwrap();
                        assert_eq!(&buf, b"late");
                        // And peek waits and times out like read.
                        let start = Instant::now();
                        let err = client.peek(&mut [0; 4]).unwrap_err();
                        assert_eq!(err.kind(), ErrorKind::WouldBlock, "{side:?}: {err}");
                        assert!(start.elapsed() >= TIMEOUT);
                    })
                    .join();
                }
            },
        );
    }

    /// The peer never reads; once the send buffer is full a write waits for the timeout and
    /// fails with `WouldBlock`.
    #[test]
    fn a_write_times_out_with_would_block_against_a_peer_that_never_reads() {
        watchdog(
            "a_write_times_out_with_would_block_against_a_peer_that_never_reads",
            WATCHDOG_SECS,
            || {
                for side in SIDES {
                    let (client, server) = tcp_pair();
                    set_send_buffer(client.as_raw_fd(), 16 * 1024);
                    spawn_on(side, move || {
                        client.set_nonblocking(true).unwrap();
                        fill_until_would_block(|b| (&client).write(b));
                        client.set_nonblocking(false).unwrap();
                        client.set_write_timeout(Some(TIMEOUT)).unwrap();
                        assert_eq!(client.write_timeout().unwrap(), Some(TIMEOUT));
                        // The kernel may still find a little room; the writes that follow
                        // must end in a timeout all the same.
                        let chunk = vec![1; 64 * 1024];
                        for _ in 0..1000 {
                            let start = Instant::now();
                            match (&client).write(&chunk) {
                                Ok(n) => assert!(n > 0),
                                Err(e) => {
                                    let waited = start.elapsed();
                                    assert_eq!(e.kind(), ErrorKind::WouldBlock, "{side:?}: {e}");
                                    assert!(waited >= TIMEOUT, "{side:?}: after {waited:?}");
                                    assert!(waited < 20 * TIMEOUT, "{side:?}: after {waited:?}");
                                    drop(server);
                                    return;
                                }
                            }
                        }
                        panic!("{side:?}: 1000 writes of 64 KiB into a peer that never reads");
                    })
                    .join();
                }
            },
        );
    }

    /// Timeouts belong to the handle: a clone has none of its own until it sets one.
    #[test]
    fn each_handle_has_its_own_timeouts() {
        watchdog("each_handle_has_its_own_timeouts", WATCHDOG_SECS, || {
            let (client, _server) = tcp_pair();
            client.set_read_timeout(Some(ms(50))).unwrap();
            let clone = client.try_clone().unwrap();
            assert_eq!(clone.read_timeout().unwrap(), None);
            assert_eq!(client.read_timeout().unwrap(), Some(ms(50)));
            clone.set_write_timeout(Some(ms(70))).unwrap();
            assert_eq!(client.write_timeout().unwrap(), None);
        });
    }
}

/// `shutdown` from another handle wakes whoever waits on the stream.
mod shutdown {
    use std::io::{ErrorKind, Read, Write};
    use std::net::Shutdown;
    use std::os::fd::AsRawFd;

    use offshoot::time::sleep;

    use super::common_net::{
        fill_until_would_block, set_send_buffer, spawn_on, tcp_pair, watchdog, write_until_error,
        SETTLE, SIDES, WATCHDOG_SECS,
    };

    /// A reader waits in `read`; another coroutine (or thread) shuts the read half (or both
    /// halves) down through a `try_clone`d handle; the reader wakes with end-of-file. Every
    /// combination of coroutine and thread for the two, and both kinds of shutdown.
    #[test]
    fn shutdown_from_a_clone_wakes_a_waiting_reader_with_end_of_file() {
        watchdog(
            "shutdown_from_a_clone_wakes_a_waiting_reader_with_end_of_file",
            WATCHDOG_SECS,
            || {
                for how in [Shutdown::Read, Shutdown::Both] {
                    for reader_side in SIDES {
                        for closer_side in SIDES {
                            let case =
                                format!("{how:?}, reader {reader_side:?}, closer {closer_side:?}");
                            let (client, server) = tcp_pair();
                            let handle = client.try_clone().unwrap();
                            let (ready_tx, ready_rx) = offshoot::chan(1);
                            let reader = spawn_on(reader_side, move || {
                                ready_tx.send(()).unwrap();
                                (&client).read(&mut [0; 16])
                            });
                            let closer = spawn_on(closer_side, move || {
                                ready_rx.recv().unwrap();
                                sleep(SETTLE);
                                handle.shutdown(how).unwrap();
                            });
                            closer.join();
                            let n = reader.join().unwrap_or_else(|e| panic!("{case}: {e}"));
                            assert_eq!(n, 0, "{case}: read {n} bytes nobody sent");
                            drop(server);
                        }
                    }
                }
            },
        );
    }

    /// A writer waits for room in a full send buffer (the peer never reads); another coroutine
    /// (or thread) shuts the write half down through a clone; the writer wakes with
    /// `BrokenPipe`.
    #[test]
    fn shutdown_write_from_a_clone_wakes_a_waiting_writer_with_an_error() {
        watchdog(
            "shutdown_write_from_a_clone_wakes_a_waiting_writer_with_an_error",
            WATCHDOG_SECS,
            || {
                for writer_side in SIDES {
                    for closer_side in SIDES {
                        let case = format!("writer {writer_side:?}, closer {closer_side:?}");
                        let (client, server) = tcp_pair();
                        set_send_buffer(client.as_raw_fd(), 16 * 1024);
                        client.set_nonblocking(true).unwrap();
                        fill_until_would_block(|b| (&client).write(b));
                        client.set_nonblocking(false).unwrap();
                        let handle = client.try_clone().unwrap();
                        let (ready_tx, ready_rx) = offshoot::chan(1);
                        let writer = spawn_on(writer_side, move || {
                            ready_tx.send(()).unwrap();
                            write_until_error(|b| (&client).write(b))
                        });
                        let closer = spawn_on(closer_side, move || {
                            ready_rx.recv().unwrap();
                            sleep(SETTLE);
                            handle.shutdown(Shutdown::Write).unwrap();
                        });
                        closer.join();
                        let (_, err) = writer.join();
                        assert_eq!(err.kind(), ErrorKind::BrokenPipe, "{case}: {err}");
                        drop(server);
                    }
                }
            },
        );
    }
}

/// Coroutines and plain threads on either end: the same types block a thread like std's
/// sockets and park a coroutine.
mod threads {
    use std::io::{Read, Write};
    use std::net::Shutdown;

    use offshoot::net::TcpStream;

    use super::common_net::{
        check_pattern, echo, fill_pattern, loopback_listener, spawn_on, watchdog, Side, SIDES,
        WATCHDOG_SECS,
    };

    /// An echo server and four clients, each on a coroutine or a plain thread, in all four
    /// combinations.
    #[test]
    fn echo_works_between_coroutines_and_plain_threads_in_every_combination() {
        const CLIENTS: u64 = 4;
        const ROUNDS: u64 = 20;
        watchdog(
            "echo_works_between_coroutines_and_plain_threads_in_every_combination",
            WATCHDOG_SECS,
            || {
                for server_side in SIDES {
                    for client_side in SIDES {
                        run_echo(server_side, client_side, CLIENTS, ROUNDS);
                    }
                }
            },
        );
    }

    fn run_echo(server_side: Side, client_side: Side, clients: u64, rounds: u64) {
        let case = format!("server {server_side:?}, clients {client_side:?}");
        let (listener, addr) = loopback_listener();
        // One connection at a time, to the end: the others wait in the backlog.
        let server = spawn_on(server_side, move || {
            (0..clients)
                .map(|_| echo(listener.accept().unwrap().0))
                .sum::<u64>()
        });
        let clients: Vec<_> = (0..clients)
            .map(|c| {
                spawn_on(client_side, move || {
                    let mut stream = TcpStream::connect(addr).unwrap();
                    let (mut msg, mut reply) = ([0; 300], [0; 300]);
                    let mut sent = 0;
                    for r in 0..rounds {
                        let len = 1 + ((c * 37 + r * 101) % 300) as usize;
                        fill_pattern(c, sent, &mut msg[..len]);
                        stream.write_all(&msg[..len]).unwrap();
                        stream.read_exact(&mut reply[..len]).unwrap();
                        check_pattern(c, sent, &reply[..len]);
                        sent += len as u64;
                    }
                    stream.shutdown(Shutdown::Write).unwrap();
                    assert_eq!(stream.read(&mut reply).unwrap(), 0);
                    sent
                })
            })
            .collect();
        let sent: u64 = clients.into_iter().map(|c| c.join()).sum();
        assert_eq!(server.join(), sent, "{case}");
    }
}

/// `set_nonblocking`, and conversions to and from std types and raw descriptors.
mod modes {
    use std::io::{ErrorKind, Read, Write};
    use std::net::{TcpListener as StdTcpListener, TcpStream as StdTcpStream};
    use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd};
    use std::time::Instant;

    use offshoot::net::{TcpListener, TcpStream};
    use offshoot::time::sleep;

    use super::common_net::{
        is_nonblocking, loopback_listener, run_watched, tcp_pair, watchdog, SETTLE, WATCHDOG_SECS,
    };

    /// With `set_nonblocking(true)`, accept, read and peek fail with `WouldBlock` at once
    /// instead of waiting; back to `false`, they wait again.
    #[test]
    fn nonblocking_mode_fails_at_once_with_would_block() {
        run_watched("nonblocking_mode_fails_at_once_with_would_block", || {
            let (listener, addr) = loopback_listener();
            listener.set_nonblocking(true).unwrap();
            let start = Instant::now();
            let err = listener.accept().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock, "{err}");
            let mut client = TcpStream::connect(addr).unwrap();
            listener.set_nonblocking(false).unwrap();
            let (mut server, _) = listener.accept().unwrap();
            client.set_nonblocking(true).unwrap();
            let err = client.read(&mut [0; 8]).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock, "{err}");
            let err = client.peek(&mut [0; 8]).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock, "{err}");
            // Nothing waited (a wait here would be forever: nobody has written).
            assert!(start.elapsed().as_secs() < 10);
            client.set_nonblocking(false).unwrap();
            let reader = offshoot::go(move || {
                let mut buf = [0; 3];
                client.read_exact(&mut buf).unwrap();
                buf
            });
            sleep(SETTLE);
            server.write_all(b"now").unwrap();
            assert_eq!(&reader.join().unwrap(), b"now");
        });
    }

    /// `into_std` gives back a std stream (non-blocking, as tokio's) that still carries the
    /// connection; made blocking, a plain thread's read on it waits for data written later.
    #[test]
    fn into_std_gives_a_blocking_std_stream_that_still_works() {
        run_watched(
            "into_std_gives_a_blocking_std_stream_that_still_works",
            || {
                let (mut client, mut server) = tcp_pair();
                client.write_all(b"before").unwrap();
                let mut buf = [0; 6];
                server.read_exact(&mut buf).unwrap();
                assert_eq!(&buf, b"before");
                let std_client: StdTcpStream = client.into_std().unwrap();
                assert!(is_nonblocking(std_client.as_raw_fd()));
                std_client.set_nonblocking(false).unwrap();
                let (ready_tx, ready_rx) = offshoot::chan(1);
                let thread = std::thread::spawn(move || {
                    let mut std_client = std_client;
                    ready_tx.send(()).unwrap();
                    let mut buf = [0; 5];
                    std_client.read_exact(&mut buf).unwrap();
                    std_client.write_all(b"reply").unwrap();
                    buf
                });
                ready_rx.recv().unwrap();
                sleep(SETTLE);
                server.write_all(b"after").unwrap();
                let mut reply = [0; 5];
                server.read_exact(&mut reply).unwrap();
                assert_eq!(&reply, b"reply");
                assert_eq!(&thread.join().unwrap(), b"after");

                let (listener, addr) = loopback_listener();
                let std_listener: StdTcpListener = listener.into_std().unwrap();
                assert!(is_nonblocking(std_listener.as_raw_fd()));
                std_listener.set_nonblocking(false).unwrap();
                let connecting = std::thread::spawn(move || StdTcpStream::connect(addr).unwrap());
                let (accepted, _) = std_listener.accept().unwrap();
                drop((accepted, connecting.join().unwrap()));
            },
        );
    }

    /// `O_NONBLOCK` belongs to the open file description, which `try_clone` shares: if
    /// `into_std` switched it to blocking mode, a clone still held as an offshoot stream would
    /// become blocking too, and a coroutine reading it would block its worker in the kernel.
    /// So `into_std` leaves the mode alone (as tokio's does).
    #[test]
    fn into_std_leaves_the_clones_that_stay_offshoot_streams_non_blocking() {
        watchdog(
            "into_std_leaves_the_clones_that_stay_offshoot_streams_non_blocking",
            WATCHDOG_SECS,
            || {
                let (client, _server) = tcp_pair();
                let clone = client.try_clone().unwrap();
                let std_client = client.into_std().unwrap();
                assert!(is_nonblocking(std_client.as_raw_fd()));
                assert!(
                    is_nonblocking(clone.as_raw_fd()),
                    "the clone is blocking now: a coroutine reading it would block its worker"
                );
            },
        );
    }

    /// std types and raw descriptors convert in (switched to non-blocking), work, and convert
    /// back out; a std client and an offshoot server talk across the boundary.
    #[test]
    fn std_types_and_raw_descriptors_convert_both_ways() {
        watchdog(
            "std_types_and_raw_descriptors_convert_both_ways",
            WATCHDOG_SECS,
            || {
                let std_listener = StdTcpListener::bind("127.0.0.1:0").unwrap();
                let addr = std_listener.local_addr().unwrap();
                let listener = TcpListener::try_from(std_listener).unwrap();
                assert!(is_nonblocking(listener.as_raw_fd()));
                assert_eq!(listener.local_addr().unwrap(), addr);
                let server = offshoot::go(move || {
                    let (stream, _) = listener.accept().unwrap();
                    assert!(is_nonblocking(stream.as_raw_fd()));
                    // Out to a raw descriptor (still non-blocking) and back in.
                    let fd = stream.into_raw_fd();
                    assert!(is_nonblocking(fd));
                    // SAFETY: `fd` was just released by its owner.
                    let mut stream = unsafe { TcpStream::from_raw_fd(fd) };
                    let mut buf = [0; 4];
                    stream.read_exact(&mut buf).unwrap();
                    stream.write_all(&buf).unwrap();
                    let listener_fd = listener.as_raw_fd();
                    assert!(listener_fd >= 0);
                });
                // A std client on this plain thread.
                let mut std_client = StdTcpStream::connect(addr).unwrap();
                std_client.write_all(b"ping").unwrap();
                let mut buf = [0; 4];
                std_client.read_exact(&mut buf).unwrap();
                assert_eq!(&buf, b"ping");
                server.join().unwrap();
                // A std stream wrapped by `from_std` and used from a plain thread.
                let (listener, addr) = loopback_listener();
                let client = TcpStream::from_std(StdTcpStream::connect(addr).unwrap()).unwrap();
                assert!(is_nonblocking(client.as_raw_fd()));
                let (server, _) = listener.accept().unwrap();
                (&server).write_all(b"pong").unwrap();
                (&client).read_exact(&mut buf).unwrap();
                assert_eq!(&buf, b"pong");
            },
        );
    }
}

/// A coroutine waiting on a socket parks: its worker runs other coroutines meanwhile, which
/// matters on one worker (the child run of this file).
mod parking {
    use std::io::{Read, Write};

    use offshoot::net::TcpStream;

    use super::common_net::{loopback_listener, run_watched, tcp_pair};

    /// A reader waits for data that only another coroutine, started after it, sends.
    #[test]
    fn a_waiting_reader_lets_the_coroutine_that_feeds_it_run() {
        run_watched(
            "a_waiting_reader_lets_the_coroutine_that_feeds_it_run",
            || {
                let (client, mut server) = tcp_pair();
                let (ready_tx, ready_rx) = offshoot::chan(1);
                let reader = offshoot::go(move || {
                    ready_tx.send(()).unwrap();
                    let mut buf = [0; 5];
                    (&client).read_exact(&mut buf).unwrap();
                    buf
                });
                // On one worker, this coroutine runs again only if the reader parked.
                ready_rx.recv().unwrap();
                let writer = offshoot::go(move || server.write_all(b"hello").unwrap());
                assert_eq!(&reader.join().unwrap(), b"hello");
                writer.join().unwrap();
            },
        );
    }

    /// 100 readers wait at once, each on its own connection; one coroutine then feeds them
    /// all.
    #[test]
    fn many_waiting_readers_and_one_feeder_share_the_workers() {
        const READERS: u64 = 100;
        run_watched(
            "many_waiting_readers_and_one_feeder_share_the_workers",
            || {
                let (ready_tx, ready_rx) = offshoot::chan(READERS as usize);
                let mut servers = Vec::new();
                let readers: Vec<_> = (0..READERS)
                    .map(|i| {
                        let (client, server) = tcp_pair();
                        servers.push(server);
                        let ready_tx = ready_tx.clone();
                        offshoot::go(move || {
                            ready_tx.send(()).unwrap();
                            let mut buf = [0; 8];
                            (&client).read_exact(&mut buf).unwrap();
                            assert_eq!(u64::from_le_bytes(buf), i, "reader {i} got another's data");
                        })
                    })
                    .collect();
                for _ in 0..READERS {
                    ready_rx.recv().unwrap();
                }
                let feeder = offshoot::go(move || {
                    for (i, server) in servers.iter().enumerate() {
                        (&*server).write_all(&(i as u64).to_le_bytes()).unwrap();
                    }
                });
                for r in readers {
                    r.join().unwrap();
                }
                feeder.join().unwrap();
            },
        );
    }

    /// An acceptor waits for a connection that another coroutine, started after it, makes.
    #[test]
    fn a_waiting_acceptor_lets_the_connecting_coroutine_run() {
        run_watched(
            "a_waiting_acceptor_lets_the_connecting_coroutine_run",
            || {
                let (listener, addr) = loopback_listener();
                let (ready_tx, ready_rx) = offshoot::chan(1);
                let acceptor = offshoot::go(move || {
                    ready_tx.send(()).unwrap();
                    let (mut stream, _) = listener.accept().unwrap();
                    let mut buf = [0; 2];
                    stream.read_exact(&mut buf).unwrap();
                    buf
                });
                ready_rx.recv().unwrap();
                let connector = offshoot::go(move || {
                    let mut stream = TcpStream::connect(addr).unwrap();
                    stream.write_all(b"ok").unwrap();
                    stream
                });
                assert_eq!(&acceptor.join().unwrap(), b"ok");
                drop(connector.join().unwrap());
            },
        );
    }
}
