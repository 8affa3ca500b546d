//! Go by Example's channel synchronization (gobyexample.com/channel-synchronization):
//!
//! ```go
//! func worker(done chan bool) {
//!     fmt.Print("working...")
//!     time.Sleep(time.Second)
//!     fmt.Println("done")
//!
//!     done <- true
//! }
//!
//! func main() {
//!     done := make(chan bool, 1)
//!     go worker(done)
//!
//!     <-done
//! }
//! ```
//!
//! Prints `working...`, and `done` on the same line a second later. Without the receive,
//! `main` would end before the worker even started.
//!
//! Go's `fmt.Print` writes to the terminal at once; Rust's stdout holds a line back until its
//! newline, so the worker flushes it to show `working...` during the second.

use std::io::{self, Write};
use std::time::Duration;

use offshoot::{chan, go, time, Sender};

fn worker(done: Sender<bool>) {
    print!("working...");
    io::stdout().flush().unwrap();
    time::sleep(Duration::from_secs(1));
    println!("done");

    done.send(true).unwrap();
}

fn main() {
    offshoot::run(|| {
        let (done_tx, done) = chan(1);
        go!(worker(done_tx));

        done.recv().unwrap();
    });
}
