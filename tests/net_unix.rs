//! `net::UnixListener` and `net::UnixStream`: echo over a pair and over a listener with several
//! clients, a large transfer, wake-ups by `shutdown` and by the peer closing, timeouts, the
//! error cases, plain threads, and conversions.
//!
//! Everything also runs again in a child process with one worker, where a socket wait that
//! blocked the worker instead of parking the coroutine would stall the test.

mod common_net;

#[test]
fn every_unix_test_also_passes_on_one_worker() {
    common_net::rerun_with_one_worker("::", 2 * common_net::WATCHDOG_SECS);
}

/// Echo sessions and transfers: every byte arrives, in order, exactly once.
mod transfer {
    use std::io::{Read, Write};
    use std::net::Shutdown;
    use std::sync::Arc;

    use offshoot::net::{UnixListener, UnixStream};

    use super::common_net::{
        check_pattern, echo, fill_pattern, read_pattern, run_watched, write_pattern, SocketPath,
    };

    /// Writes `rounds` messages of varying length and checks each echo; returns the bytes sent.
    fn echo_rounds(stream: &UnixStream, seed: u64, rounds: u64) -> u64 {
        let (mut msg, mut reply) = ([0; 1000], [0; 1000]);
        let mut sent = 0;
        for r in 0..rounds {
            let len = 1 + ((seed * 53 + r * 197) % 1000) as usize;
            fill_pattern(seed, sent, &mut msg[..len]);
            (&*stream).write_all(&msg[..len]).unwrap();
            (&*stream).read_exact(&mut reply[..len]).unwrap();
            check_pattern(seed, sent, &reply[..len]);
            sent += len as u64;
        }
        sent
    }

    #[test]
    fn a_pair_echoes_every_byte() {
        run_watched("a_pair_echoes_every_byte", || {
            let (client, server) = UnixStream::pair().unwrap();
            let echoer = offshoot::go(move || echo(server));
            let sent = echo_rounds(&client, 1, 200);
            client.shutdown(Shutdown::Write).unwrap();
            assert_eq!((&client).read(&mut [0; 8]).unwrap(), 0);
            assert_eq!(echoer.join().unwrap(), sent);
        });
    }

    /// 4 MiB each way over a pair at once, one coroutine writing and another reading through
    /// `&UnixStream`, against an echo: neither could finish without the other.
    #[test]
    fn a_large_transfer_over_a_pair_while_reading_the_echo() {
        const LEN: u64 = 4 << 20;
        run_watched(
            "a_large_transfer_over_a_pair_while_reading_the_echo",
            || {
                let (client, server) = UnixStream::pair().unwrap();
                let echoer = offshoot::go(move || echo(server));
                let client = Arc::new(client);
                let w = client.clone();
                let writer = offshoot::go(move || {
                    write_pattern(&*w, 9, 0, LEN, 200_000).unwrap();
                    w.shutdown(Shutdown::Write).unwrap();
                });
                read_pattern(&*client, 9, LEN).unwrap();
                assert_eq!((&*client).read(&mut [0; 8]).unwrap(), 0);
                writer.join().unwrap();
                assert_eq!(echoer.join().unwrap(), LEN);
            },
        );
    }

    /// A listener on a socket file, accepting through `incoming()`, with 20 clients of 30
    /// round trips each.
    #[test]
    fn a_listener_echoes_for_several_clients() {
        const CLIENTS: u64 = 20;
        const ROUNDS: u64 = 30;
        run_watched("a_listener_echoes_for_several_clients", || {
            let path = SocketPath::new("listener-echo");
            let listener = UnixListener::bind(path.path()).unwrap();
            assert_eq!(
                listener.local_addr().unwrap().as_pathname(),
                Some(path.path())
            );
            let server = offshoot::go(move || {
                let handlers: Vec<_> = listener
                    .incoming()
                    .take(CLIENTS as usize)
                    .map(|stream| {
                        let stream = stream.unwrap();
                        offshoot::go(move || echo(stream))
                    })
                    .collect();
                handlers.into_iter().map(|h| h.join().unwrap()).sum::<u64>()
            });
            let clients: Vec<_> = (0..CLIENTS)
                .map(|c| {
                    let path = path.path().to_path_buf();
                    offshoot::go(move || {
                        let stream = UnixStream::connect(&path).unwrap();
                        assert_eq!(stream.peer_addr().unwrap().as_pathname(), Some(&*path));
                        let sent = echo_rounds(&stream, c, ROUNDS);
                        stream.shutdown(Shutdown::Write).unwrap();
                        assert_eq!((&stream).read(&mut [0; 8]).unwrap(), 0);
                        sent
                    })
                })
                .collect();
            let sent: u64 = clients.into_iter().map(|c| c.join().unwrap()).sum();
            assert_eq!(server.join().unwrap(), sent);
        });
    }
}

/// Wake-ups: `shutdown` from another handle, the peer closing, timeouts.
mod waking {
    use std::io::{ErrorKind, Read, Write};
    use std::net::Shutdown;
    use std::time::{Duration, Instant};

    use offshoot::net::UnixStream;
    use offshoot::time::sleep;

    use super::common_net::{
        fill_until_would_block, spawn_on, watchdog, write_until_error, SETTLE, SIDES, WATCHDOG_SECS,
    };

    /// A reader waits in `read`; another coroutine (or thread) shuts the read half (or both)
    /// down through a `try_clone`d handle; the reader wakes with end-of-file.
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
                            let (a, b) = UnixStream::pair().unwrap();
                            let handle = a.try_clone().unwrap();
                            let (ready_tx, ready_rx) = offshoot::chan(1);
                            let reader = spawn_on(reader_side, move || {
                                ready_tx.send(()).unwrap();
                                (&a).read(&mut [0; 16])
                            });
                            let closer = spawn_on(closer_side, move || {
                                ready_rx.recv().unwrap();
                                sleep(SETTLE);
                                handle.shutdown(how).unwrap();
                            });
                            closer.join();
                            let n = reader.join().unwrap_or_else(|e| panic!("{case}: {e}"));
                            assert_eq!(n, 0, "{case}");
                            drop(b);
                        }
                    }
                }
            },
        );
    }

    /// A writer waits for room (the peer never reads); shutting both halves down from a clone
    /// wakes it with `BrokenPipe`.
    #[test]
    fn shutdown_both_from_a_clone_wakes_a_waiting_writer() {
        writer_woken_by_shutdown(
            "shutdown_both_from_a_clone_wakes_a_waiting_writer",
            Shutdown::Both,
        );
    }

    /// The same with only the write half shut down, which the net module's documentation
    /// promises and std's blocking `UnixStream` does (its writer, waiting in the kernel's
    /// `write`, wakes with `EPIPE`). Linux reports no readiness for a Unix socket whose own write
    /// half is shut down (`unix_poll` does not look at `SEND_SHUTDOWN`, unlike `tcp_poll`), so
    /// offshoot wakes the clones' waiting coroutines itself, and a waiting thread retries within
    /// 100 ms.
    #[test]
    fn shutdown_write_from_a_clone_wakes_a_waiting_writer() {
        writer_woken_by_shutdown(
            "shutdown_write_from_a_clone_wakes_a_waiting_writer",
            Shutdown::Write,
        );
    }

    fn writer_woken_by_shutdown(name: &'static str, how: Shutdown) {
        watchdog(name, WATCHDOG_SECS, move || {
            for writer_side in SIDES {
                let (a, b) = UnixStream::pair().unwrap();
                a.set_nonblocking(true).unwrap();
                assert!(fill_until_would_block(|buf| (&a).write(buf)) > 0);
                a.set_nonblocking(false).unwrap();
                let handle = a.try_clone().unwrap();
                let (ready_tx, ready_rx) = offshoot::chan(1);
                let writer = spawn_on(writer_side, move || {
                    ready_tx.send(()).unwrap();
                    write_until_error(|buf| (&a).write(buf))
                });
                ready_rx.recv().unwrap();
                sleep(SETTLE);
                handle.shutdown(how).unwrap();
                let (_, err) = writer.join();
                assert_eq!(
                    err.kind(),
                    ErrorKind::BrokenPipe,
                    "{how:?}, {writer_side:?}: {err}"
                );
                drop(b);
            }
        });
    }

    /// The peer closing wakes a waiting reader with end-of-file, and a waiting writer with an
    /// error.
    #[test]
    fn the_peer_closing_wakes_waiting_readers_and_writers() {
        watchdog(
            "the_peer_closing_wakes_waiting_readers_and_writers",
            WATCHDOG_SECS,
            || {
                for side in SIDES {
                    let (a, b) = UnixStream::pair().unwrap();
                    let (ready_tx, ready_rx) = offshoot::chan(1);
                    let reader = spawn_on(side, move || {
                        ready_tx.send(()).unwrap();
                        (&a).read(&mut [0; 16])
                    });
                    ready_rx.recv().unwrap();
                    sleep(SETTLE);
                    drop(b);
                    assert_eq!(reader.join().unwrap(), 0, "{side:?}");

                    let (a, b) = UnixStream::pair().unwrap();
                    a.set_nonblocking(true).unwrap();
                    fill_until_would_block(|buf| (&a).write(buf));
                    a.set_nonblocking(false).unwrap();
                    let (ready_tx, ready_rx) = offshoot::chan(1);
                    let writer = spawn_on(side, move || {
                        ready_tx.send(()).unwrap();
                        write_until_error(|buf| (&a).write(buf))
                    });
                    ready_rx.recv().unwrap();
                    sleep(SETTLE);
                    drop(b);
                    let (_, err) = writer.join();
                    assert!(
                        matches!(
                            err.kind(),
                            ErrorKind::BrokenPipe | ErrorKind::ConnectionReset
                        ),
                        "{side:?}: {err}"
                    );
                }
            },
        );
    }

    #[test]
    fn a_read_times_out_with_would_block() {
        const TIMEOUT: Duration = Duration::from_millis(100);
        watchdog("a_read_times_out_with_would_block", WATCHDOG_SECS, || {
            for side in SIDES {
                let (a, b) = UnixStream::pair().unwrap();
                spawn_on(side, move || {
                    a.set_read_timeout(Some(TIMEOUT)).unwrap();
                    let err = a.set_read_timeout(Some(Duration::ZERO)).unwrap_err();
                    assert_eq!(err.kind(), ErrorKind::InvalidInput);
                    let start = Instant::now();
                    let err = (&a).read(&mut [0; 8]).unwrap_err();
                    let waited = start.elapsed();
                    assert_eq!(err.kind(), ErrorKind::WouldBlock, "{side:?}: {err}");
                    assert!(waited >= TIMEOUT, "{side:?}: timed out after {waited:?}");
                    assert!(
                        waited < 20 * TIMEOUT,
                        "{side:?}: timed out after {waited:?}"
                    );
                    (&b).write_all(b"late").unwrap();
                    let mut buf = [0; 4];
                    (&a).read_exact(&mut buf).unwrap();
                    assert_eq!(&buf, b"late");
                })
                .join();
            }
        });
    }

    /// On one worker (the child run), this coroutine runs again only if the reader parked.
    #[test]
    fn a_waiting_reader_lets_the_coroutine_that_feeds_it_run() {
        super::common_net::run_watched(
            "a_waiting_reader_lets_the_coroutine_that_feeds_it_run",
            || {
                let (a, b) = UnixStream::pair().unwrap();
                let (ready_tx, ready_rx) = offshoot::chan(1);
                let reader = offshoot::go(move || {
                    ready_tx.send(()).unwrap();
                    let mut buf = [0; 5];
                    (&a).read_exact(&mut buf).unwrap();
                    buf
                });
                ready_rx.recv().unwrap();
                let writer = offshoot::go(move || (&b).write_all(b"hello").unwrap());
                assert_eq!(&reader.join().unwrap(), b"hello");
                writer.join().unwrap();
            },
        );
    }
}

/// Errors, plain threads, non-blocking mode and conversions.
mod edges {
    use std::io::{ErrorKind, Read, Write};
    use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd};
    use std::os::unix::net::{UnixListener as StdUnixListener, UnixStream as StdUnixStream};

    use offshoot::net::{UnixListener, UnixStream};

    use super::common_net::{
        echo, is_nonblocking, run_watched, spawn_on, watchdog, SocketPath, SIDES, WATCHDOG_SECS,
    };

    #[test]
    fn connecting_to_a_missing_or_dead_socket_fails() {
        run_watched("connecting_to_a_missing_or_dead_socket_fails", || {
            let path = SocketPath::new("missing");
            let err = UnixStream::connect(path.path()).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
            // The file outlives its listener; nobody listens on it any more.
            drop(UnixListener::bind(path.path()).unwrap());
            assert!(path.path().exists());
            let err = UnixStream::connect(path.path()).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
            // Binding where a socket file exists fails, as in std.
            let err = UnixListener::bind(path.path()).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AddrInUse, "{err}");
        });
    }

    /// A server and a client on a coroutine or a plain thread, in all four combinations.
    #[test]
    fn echo_works_between_coroutines_and_plain_threads_in_every_combination() {
        watchdog(
            "echo_works_between_coroutines_and_plain_threads_in_every_combination",
            WATCHDOG_SECS,
            || {
                for server_side in SIDES {
                    for client_side in SIDES {
                        let case = format!("server {server_side:?}, client {client_side:?}");
                        let path = SocketPath::new("sides");
                        let listener = UnixListener::bind(path.path()).unwrap();
                        let server =
                            spawn_on(server_side, move || echo(listener.accept().unwrap().0));
                        let p = path.path().to_path_buf();
                        let sent = spawn_on(client_side, move || {
                            let mut stream = UnixStream::connect(p).unwrap();
                            let mut reply = [0; 4];
                            for i in 0..50_u32 {
                                stream.write_all(&i.to_le_bytes()).unwrap();
                                stream.read_exact(&mut reply).unwrap();
                                assert_eq!(u32::from_le_bytes(reply), i);
                            }
                            200
                        })
                        .join();
                        assert_eq!(server.join(), sent, "{case}");
                    }
                }
            },
        );
    }

    #[test]
    fn nonblocking_mode_fails_at_once_with_would_block() {
        run_watched("nonblocking_mode_fails_at_once_with_would_block", || {
            let path = SocketPath::new("nonblocking");
            let listener = UnixListener::bind(path.path()).unwrap();
            listener.set_nonblocking(true).unwrap();
            let err = listener.accept().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock, "{err}");
            let (a, b) = UnixStream::pair().unwrap();
            a.set_nonblocking(true).unwrap();
            let err = (&a).read(&mut [0; 8]).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock, "{err}");
            (&b).write_all(b"x").unwrap();
            assert_eq!((&a).read(&mut [0; 8]).unwrap(), 1);
            assert!(a.take_error().unwrap().is_none());
        });
    }

    #[test]
    fn std_types_and_raw_descriptors_convert_both_ways() {
        run_watched("std_types_and_raw_descriptors_convert_both_ways", || {
            let path = SocketPath::new("convert");
            let listener =
                UnixListener::try_from(StdUnixListener::bind(path.path()).unwrap()).unwrap();
            assert!(is_nonblocking(listener.as_raw_fd()));
            let p = path.path().to_path_buf();
            let client = std::thread::spawn(move || {
                // A std client on a plain thread.
                let mut stream = StdUnixStream::connect(p).unwrap();
                stream.write_all(b"ping").unwrap();
                let mut buf = [0; 4];
                stream.read_exact(&mut buf).unwrap();
                buf
            });
            let (stream, _) = listener.accept().unwrap();
            let fd = stream.into_raw_fd();
            assert!(is_nonblocking(fd));
            // SAFETY: `fd` was just released by its owner.
            let stream = unsafe { UnixStream::from_raw_fd(fd) };
            let mut buf = [0; 4];
            (&stream).read_exact(&mut buf).unwrap();
            let std_stream = stream.into_std().unwrap();
            assert!(is_nonblocking(std_stream.as_raw_fd()));
            std_stream.set_nonblocking(false).unwrap();
            (&std_stream).write_all(&buf).unwrap();
            assert_eq!(&client.join().unwrap(), b"ping");
            let std_listener = listener.into_std().unwrap();
            assert!(is_nonblocking(std_listener.as_raw_fd()));
            let (a, b) = StdUnixStream::pair().unwrap();
            let (a, b) = (
                UnixStream::from_std(a).unwrap(),
                UnixStream::try_from(b).unwrap(),
            );
            (&a).write_all(b"ok").unwrap();
            let mut buf = [0; 2];
            (&b).read_exact(&mut buf).unwrap();
            assert_eq!(&buf, b"ok");
        });
    }
}
