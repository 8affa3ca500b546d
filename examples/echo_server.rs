//! A TCP echo server, one coroutine per connection, as a Go server would be written:
//!
//! ```go
//! ln, _ := net.Listen("tcp", "127.0.0.1:7000")
//! for {
//!     conn, _ := ln.Accept()
//!     go func(c net.Conn) { defer c.Close(); io.Copy(c, c) }(conn)
//! }
//! ```
//!
//! Run it as a server, then load it from a second terminal:
//!
//! ```text
//! cargo run --release --example echo_server -- serve 127.0.0.1:7000
//! cargo run --release --example echo_server -- load 127.0.0.1:7000 100 1000
//! ```
//!
//! With no arguments (or `local [CLIENTS] [TRIPS]`) it does both in one process: it serves on a
//! free port and loads itself with 10 clients of 100 round trips each, then prints what the
//! clients saw. The clients are
//! coroutines too: every socket wait parks a coroutine, never a worker thread.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::Instant;

use offshoot::net::{TcpListener, TcpStream};

/// Serves until the listener fails: one coroutine per connection.
fn serve(listener: TcpListener) {
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                offshoot::go(move || {
                    if let Err(e) = echo(stream) {
                        eprintln!("echo_server: connection ended: {e}");
                    }
                });
            }
            Err(e) => eprintln!("echo_server: accept failed: {e}"),
        }
    }
}

/// Copies what the client sends back to it until it closes its side (Go's `io.Copy(c, c)`).
fn echo(mut stream: TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        stream.write_all(&buf[..n])?;
    }
}

/// One client: `trips` round trips of 64 bytes, checking every reply. Returns the trips made.
fn client(addr: SocketAddr, id: usize, trips: usize) -> io::Result<usize> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    let mut reply = [0u8; 64];
    for trip in 0..trips {
        let message = [(id + trip) as u8; 64];
        stream.write_all(&message)?;
        stream.read_exact(&mut reply)?;
        if reply != message {
            return Err(io::Error::other(format!(
                "client {id}: reply {trip} differs"
            )));
        }
    }
    Ok(trips)
}

/// Runs `clients` clients at once and reports their total.
fn load(addr: SocketAddr, clients: usize, trips: usize) -> io::Result<()> {
    let start = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|id| offshoot::go(move || client(addr, id, trips)))
        .collect();
    let mut total = 0;
    for handle in handles {
        total += handle.join().expect("a client panicked")?;
    }
    let elapsed = start.elapsed();
    println!("{clients} clients made {total} round trips of 64 bytes, all echoed intact");
    eprintln!(
        "({:.0} round trips per second)",
        total as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: usize| {
        args.get(i)
            .map_or(Ok(default), |s| s.parse().map_err(io::Error::other))
    };
    match args.first().map(String::as_str) {
        Some("serve") => {
            let listener = TcpListener::bind(args.get(1).map_or("127.0.0.1:7000", |s| s))?;
            println!("echo server on {}", listener.local_addr()?);
            offshoot::run(move || serve(listener));
            Ok(())
        }
        Some("load") => {
            let addr = args.get(1).map_or("127.0.0.1:7000", |s| s).parse().map_err(io::Error::other)?;
            let (clients, trips) = (number(2, 100)?, number(3, 1000)?);
            offshoot::run(move || load(addr, clients, trips))
        }
        None | Some("local") => {
            let listener = TcpListener::bind("127.0.0.1:0")?;
            let addr = listener.local_addr()?;
            offshoot::go(move || serve(listener));
            let (clients, trips) = (number(1, 10)?, number(2, 100)?);
            offshoot::run(move || load(addr, clients, trips))
        }
        Some(other) => Err(io::Error::other(format!(
            "unknown mode {other:?}: use `serve [ADDR]`, `load [ADDR] [CLIENTS] [TRIPS]` or `local [CLIENTS] [TRIPS]`"
        ))),
    }
}
