//! `net::UdpSocket` over loopback: round trips with `send_to`/`recv_from` between coroutines,
//! every datagram delivered once, connected sockets, timeouts, `peek_from`, wake-ups by
//! datagrams sent from plain threads, non-blocking mode and conversions.
//!
//! Everything also runs again in a child process with one worker, where a receive that blocked
//! the worker instead of parking the coroutine would stall the test.

mod common_net;

#[test]
fn every_udp_test_also_passes_on_one_worker() {
    common_net::rerun_with_one_worker("::", 2 * common_net::WATCHDOG_SECS);
}

/// A bound loopback socket and its address.
fn udp_socket() -> (offshoot::net::UdpSocket, std::net::SocketAddr) {
    let socket = offshoot::net::UdpSocket::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = socket.local_addr().unwrap();
    (socket, addr)
}

/// Datagrams between coroutines: each arrives whole, once, from the right sender.
mod datagrams {
    use std::collections::HashMap;

    use super::common_net::{check_pattern, fill_pattern, run_watched};
    use super::udp_socket;

    /// Four pairs of sockets play 300 rounds of ping-pong each at once; every datagram's
    /// length, content and sender are checked.
    #[test]
    fn send_to_and_recv_from_round_trip_between_coroutines() {
        const PAIRS: u64 = 4;
        const ROUNDS: u64 = 300;
        run_watched(
            "send_to_and_recv_from_round_trip_between_coroutines",
            || {
                let games: Vec<_> = (0..PAIRS)
                    .map(|p| {
                        let (ping, ping_addr) = udp_socket();
                        let (pong, pong_addr) = udp_socket();
                        let ponger = offshoot::go(move || {
                            let mut buf = [0; 2048];
                            for r in 0..ROUNDS {
                                let (n, from) = pong.recv_from(&mut buf).unwrap();
                                assert_eq!(from, ping_addr);
                                assert_eq!(n as u64, 1 + (p * 31 + r * 17) % 1400);
                                check_pattern(p, r << 20, &buf[..n]);
                                // Answer with the same bytes reversed.
                                buf[..n].reverse();
                                assert_eq!(pong.send_to(&buf[..n], from).unwrap(), n);
                            }
                        });
                        offshoot::go(move || {
                            let (mut msg, mut reply) = ([0; 1400], [0; 2048]);
                            for r in 0..ROUNDS {
                                let len = (1 + (p * 31 + r * 17) % 1400) as usize;
                                fill_pattern(p, r << 20, &mut msg[..len]);
                                assert_eq!(ping.send_to(&msg[..len], pong_addr).unwrap(), len);
                                let (n, from) = ping.recv_from(&mut reply).unwrap();
                                assert_eq!((n, from), (len, pong_addr));
                                msg[..len].reverse();
                                assert_eq!(&reply[..n], &msg[..len], "pair {p} round {r}");
                            }
                            ponger.join().unwrap();
                        })
                    })
                    .collect();
                for g in games {
                    g.join().unwrap();
                }
            },
        );
    }

    /// Eight senders, 100 datagrams each, to one receiving socket that acknowledges each one
    /// (so no buffer can overflow): every (sender, sequence) arrives exactly once.
    #[test]
    fn every_datagram_of_many_senders_arrives_exactly_once() {
        const SENDERS: u32 = 8;
        const EACH: u32 = 100;
        run_watched(
            "every_datagram_of_many_senders_arrives_exactly_once",
            || {
                let (server, server_addr) = udp_socket();
                let receiver = offshoot::go(move || {
                    let mut seen = HashMap::new();
                    let mut buf = [0; 64];
                    for _ in 0..SENDERS * EACH {
                        let (n, from) = server.recv_from(&mut buf).unwrap();
                        assert_eq!(n, 8);
                        let sender = u32::from_le_bytes(buf[..4].try_into().unwrap());
                        let seq = u32::from_le_bytes(buf[4..8].try_into().unwrap());
                        let first = seen.insert((sender, seq), from);
                        assert!(first.is_none(), "({sender}, {seq}) arrived twice");
                        server.send_to(&buf[..8], from).unwrap();
                    }
                    seen.len()
                });
                let senders: Vec<_> = (0..SENDERS)
                    .map(|s| {
                        offshoot::go(move || {
                            let (socket, _) = udp_socket();
                            let mut ack = [0; 64];
                            for seq in 0..EACH {
                                let mut msg = [0; 8];
                                msg[..4].copy_from_slice(&s.to_le_bytes());
                                msg[4..].copy_from_slice(&seq.to_le_bytes());
                                socket.send_to(&msg, server_addr).unwrap();
                                let (n, from) = socket.recv_from(&mut ack).unwrap();
                                assert_eq!((&ack[..n], from), (&msg[..], server_addr));
                            }
                        })
                    })
                    .collect();
                for s in senders {
                    s.join().unwrap();
                }
                assert_eq!(receiver.join().unwrap(), (SENDERS * EACH) as usize);
            },
        );
    }

    /// Eight coroutines wait in `recv_from` on one shared socket; a burst of eight datagrams
    /// (whose readiness the kernel may report as one edge) reaches every one of them: each
    /// waiter must be woken, and one that finds the queue empty must wait again.
    #[test]
    fn every_coroutine_waiting_on_one_socket_gets_a_datagram() {
        const WAITERS: u8 = 8;
        run_watched(
            "every_coroutine_waiting_on_one_socket_gets_a_datagram",
            || {
                let (socket, addr) = udp_socket();
                let socket = std::sync::Arc::new(socket);
                let (ready_tx, ready_rx) = offshoot::chan(WAITERS as usize);
                let waiters: Vec<_> = (0..WAITERS)
                    .map(|_| {
                        let socket = socket.clone();
                        let ready_tx = ready_tx.clone();
                        offshoot::go(move || {
                            ready_tx.send(()).unwrap();
                            let mut buf = [0; 8];
                            let (n, _) = socket.recv_from(&mut buf).unwrap();
                            assert_eq!(n, 1);
                            buf[0]
                        })
                    })
                    .collect();
                for _ in 0..WAITERS {
                    ready_rx.recv().unwrap();
                }
                offshoot::time::sleep(super::common_net::SETTLE);
                let (sender, _) = udp_socket();
                for i in 0..WAITERS {
                    sender.send_to(&[i], addr).unwrap();
                }
                let mut got: Vec<u8> = waiters.into_iter().map(|w| w.join().unwrap()).collect();
                got.sort_unstable();
                assert_eq!(got, (0..WAITERS).collect::<Vec<_>>());
            },
        );
    }

    /// `connect` fixes the peer: `send` goes to it, `recv` takes only its datagrams (a third
    /// socket's datagram is filtered out by the kernel).
    #[test]
    fn connected_sockets_send_and_recv_only_with_their_peer() {
        run_watched(
            "connected_sockets_send_and_recv_only_with_their_peer",
            || {
                let (a, a_addr) = udp_socket();
                let (b, b_addr) = udp_socket();
                let (stranger, _) = udp_socket();
                a.connect(b_addr).unwrap();
                b.connect(a_addr).unwrap();
                assert_eq!(a.peer_addr().unwrap(), b_addr);
                assert_eq!(b.peer_addr().unwrap(), a_addr);
                stranger.send_to(b"from a stranger", b_addr).unwrap();
                let echo = offshoot::go(move || {
                    let mut buf = [0; 64];
                    for _ in 0..100 {
                        let n = b.recv(&mut buf).unwrap();
                        assert_ne!(&buf[..n], b"from a stranger");
                        b.send(&buf[..n]).unwrap();
                    }
                    b
                });
                let mut buf = [0; 64];
                for i in 0..100_u32 {
                    a.send(&i.to_le_bytes()).unwrap();
                    let n = a.peek(&mut buf).unwrap();
                    assert_eq!(&buf[..n], i.to_le_bytes(), "peek");
                    let n = a.recv(&mut buf).unwrap();
                    assert_eq!(&buf[..n], i.to_le_bytes(), "recv after peek");
                }
                let b = echo.join().unwrap();
                // Nothing else is queued for `b`: the stranger's datagram was never delivered.
                b.set_nonblocking(true).unwrap();
                let err = b.recv(&mut buf).unwrap_err();
                assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock, "{err}");
            },
        );
    }
}

/// Timeouts, `peek_from`, plain threads and non-blocking mode.
mod waiting {
    use std::io::ErrorKind;
    use std::time::{Duration, Instant};

    use offshoot::time::sleep;

    use super::common_net::{run_watched, spawn_on, watchdog, Side, SETTLE, SIDES, WATCHDOG_SECS};
    use super::udp_socket;

    const TIMEOUT: Duration = Duration::from_millis(100);

    #[test]
    fn recv_times_out_with_would_block() {
        watchdog("recv_times_out_with_would_block", WATCHDOG_SECS, || {
            for side in SIDES {
                spawn_on(side, move || {
                    let (socket, addr) = udp_socket();
                    socket.set_read_timeout(Some(TIMEOUT)).unwrap();
                    assert_eq!(socket.read_timeout().unwrap(), Some(TIMEOUT));
                    let err = socket.set_read_timeout(Some(Duration::ZERO)).unwrap_err();
                    assert_eq!(err.kind(), ErrorKind::InvalidInput);
                    let start = Instant::now();
                    let err = socket.recv_from(&mut [0; 16]).unwrap_err();
                    let waited = start.elapsed();
                    assert_eq!(err.kind(), ErrorKind::WouldBlock, "{side:?}: {err}");
                    assert!(waited >= TIMEOUT, "{side:?}: timed out after {waited:?}");
                    assert!(
                        waited < 20 * TIMEOUT,
                        "{side:?}: timed out after {waited:?}"
                    );
                    // Still usable: a datagram to itself arrives.
                    socket.send_to(b"self", addr).unwrap();
                    let mut buf = [0; 16];
                    let (n, from) = socket.recv_from(&mut buf).unwrap();
                    assert_eq!((&buf[..n], from), (&b"self"[..], addr));
                })
                .join();
            }
        });
    }

    /// A coroutine waits in `peek_from`; the datagram sent later is seen by the peek and still
    /// there for `recv_from`.
    #[test]
    fn peek_from_waits_and_leaves_the_datagram_queued() {
        run_watched("peek_from_waits_and_leaves_the_datagram_queued", || {
            let (receiver, receiver_addr) = udp_socket();
            let (sender, sender_addr) = udp_socket();
            let (ready_tx, ready_rx) = offshoot::chan(1);
            let peeker = offshoot::go(move || {
                ready_tx.send(()).unwrap();
                let mut buf = [0; 64];
                let (n, from) = receiver.peek_from(&mut buf).unwrap();
                assert_eq!((&buf[..n], from), (&b"peek me"[..], sender_addr));
                // A short buffer peeks a prefix.
                let mut short = [0; 4];
                let (n, _) = receiver.peek_from(&mut short).unwrap();
                assert_eq!(&short[..n], b"peek");
                let (n, from) = receiver.recv_from(&mut buf).unwrap();
                assert_eq!((&buf[..n], from), (&b"peek me"[..], sender_addr));
            });
            ready_rx.recv().unwrap();
            sleep(SETTLE);
            sender.send_to(b"peek me", receiver_addr).unwrap();
            peeker.join().unwrap();
        });
    }

    /// A coroutine waiting in `recv_from` is woken by a datagram that a plain thread (using a
    /// std socket) sends later; and a plain thread waiting in the same call is woken by a
    /// coroutine's datagram.
    #[test]
    fn a_waiting_recv_is_woken_by_a_datagram_from_the_other_side() {
        watchdog(
            "a_waiting_recv_is_woken_by_a_datagram_from_the_other_side",
            WATCHDOG_SECS,
            || {
                for receiver_side in SIDES {
                    let (receiver, receiver_addr) = udp_socket();
                    let (ready_tx, ready_rx) = offshoot::chan(1);
                    let waiting = spawn_on(receiver_side, move || {
                        ready_tx.send(()).unwrap();
                        let mut buf = [0; 64];
                        let (n, from) = receiver.recv_from(&mut buf).unwrap();
                        (buf[..n].to_vec(), from)
                    });
                    let sender_side = match receiver_side {
                        Side::Coroutine => Side::Thread,
                        Side::Thread => Side::Coroutine,
                    };
                    let from = spawn_on(sender_side, move || {
                        ready_rx.recv().unwrap();
                        sleep(SETTLE);
                        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
                        socket.send_to(b"wake up", receiver_addr).unwrap();
                        socket.local_addr().unwrap()
                    })
                    .join();
                    let (got, got_from) = waiting.join();
                    assert_eq!(got, b"wake up", "{receiver_side:?}");
                    assert_eq!(got_from, from, "{receiver_side:?}");
                }
            },
        );
    }

    /// On one worker (the child run), this coroutine runs again only if the receiver parked.
    #[test]
    fn a_waiting_receiver_lets_the_sending_coroutine_run() {
        run_watched("a_waiting_receiver_lets_the_sending_coroutine_run", || {
            let (receiver, receiver_addr) = udp_socket();
            let (ready_tx, ready_rx) = offshoot::chan(1);
            let waiting = offshoot::go(move || {
                ready_tx.send(()).unwrap();
                let mut buf = [0; 8];
                let (n, _) = receiver.recv_from(&mut buf).unwrap();
                buf[..n].to_vec()
            });
            ready_rx.recv().unwrap();
            let sender = offshoot::go(move || {
                let (socket, _) = udp_socket();
                socket.send_to(b"go", receiver_addr).unwrap();
            });
            assert_eq!(waiting.join().unwrap(), b"go");
            sender.join().unwrap();
        });
    }

    #[test]
    fn nonblocking_recv_fails_at_once_with_would_block() {
        run_watched("nonblocking_recv_fails_at_once_with_would_block", || {
            let (socket, addr) = udp_socket();
            socket.set_nonblocking(true).unwrap();
            let mut buf = [0; 8];
            for result in [
                socket.recv_from(&mut buf).map(|(n, _)| n),
                socket.peek_from(&mut buf).map(|(n, _)| n),
            ] {
                let err = result.unwrap_err();
                assert_eq!(err.kind(), ErrorKind::WouldBlock, "{err}");
            }
            socket.set_nonblocking(false).unwrap();
            socket.send_to(b"x", addr).unwrap();
            assert_eq!(socket.recv_from(&mut buf).unwrap(), (1, addr));
            assert!(socket.take_error().unwrap().is_none());
        });
    }
}

/// Conversions to and from std sockets and raw descriptors.
mod conversions {
    use std::net::UdpSocket as StdUdpSocket;
    use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd};

    use offshoot::net::UdpSocket;

    use super::common_net::{is_nonblocking, run_watched};
    use super::udp_socket;

    #[test]
    fn std_sockets_and_raw_descriptors_convert_both_ways() {
        run_watched("std_sockets_and_raw_descriptors_convert_both_ways", || {
            let std_socket = StdUdpSocket::bind("127.0.0.1:0").unwrap();
            let socket = UdpSocket::try_from(std_socket).unwrap();
            assert!(is_nonblocking(socket.as_raw_fd()));
            let addr = socket.local_addr().unwrap();
            let fd = socket.into_raw_fd();
            assert!(is_nonblocking(fd));
            // SAFETY: `fd` was just released by its owner.
            let socket = unsafe { UdpSocket::from_raw_fd(fd) };
            let (peer, peer_addr) = udp_socket();
            let clone = socket.try_clone().unwrap();
            peer.send_to(b"one", addr).unwrap();
            let mut buf = [0; 8];
            // Either handle receives from the same socket.
            assert_eq!(clone.recv_from(&mut buf).unwrap(), (3, peer_addr));
            // Back to std: still non-blocking (the clone shares the file description, and so the
            // flag), and still bound to the same address; blocking once the clone is gone.
            let std_socket = socket.into_std().unwrap();
            assert!(is_nonblocking(std_socket.as_raw_fd()));
            assert!(is_nonblocking(clone.as_raw_fd()));
            drop(clone);
            std_socket.set_nonblocking(false).unwrap();
            assert!(!is_nonblocking(std_socket.as_raw_fd()));
            assert_eq!(std_socket.local_addr().unwrap(), addr);
            peer.send_to(b"two", addr).unwrap();
            let (n, from) = std::thread::spawn(move || {
                let mut buf = [0; 8];
                let (n, from) = std_socket.recv_from(&mut buf).unwrap();
                assert_eq!(&buf[..n], b"two");
                (n, from)
            })
            .join()
            .unwrap();
            assert_eq!((n, from), (3, peer_addr));
        });
    }
}
