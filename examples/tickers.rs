//! Go by Example's tickers (gobyexample.com/tickers):
//!
//! ```go
//! func main() {
//!     ticker := time.NewTicker(500 * time.Millisecond)
//!     done := make(chan bool)
//!
//!     go func() {
//!         for {
//!             select {
//!             case <-done:
//!                 return
//!             case t := <-ticker.C:
//!                 fmt.Println("Tick at", t)
//!             }
//!         }
//!     }()
//!
//!     time.Sleep(1600 * time.Millisecond)
//!     ticker.Stop()
//!     done <- true
//!     fmt.Println("Ticker stopped")
//! }
//! ```
//!
//! Ticks three times, then prints `Ticker stopped`. The durations are about a fifth of Go's (a
//! 100 ms period, a 350 ms sleep) to keep the test quick. The sleep ends halfway between the
//! third and the fourth tick, so a loaded machine has 50 ms either way: the third tick is printed
//! before the ticker stops (which drains the channel, as Go 1.23's does), and no fourth comes.
//!
//! Go prints each tick's wall-clock time, which differs from run to run. `Instant` has no
//! calendar form, and a program's own clock is more telling anyway, so this prints each tick's
//! time since the program started, in whole milliseconds: `Tick at 100ms`, `Tick at 200ms`,
//! `Tick at 300ms`, give or take the timer's wake-up latency (a tick is never early).
//!
//! The coroutine receives on a clone of `ticker.c`, where Go's closure captures `ticker`: a clone
//! is the same channel, so `stop` ends its ticks.

use std::time::{Duration, Instant};

use offshoot::time::{self, Ticker};
use offshoot::{chan, go, select};

fn main() {
    offshoot::run(|| {
        let start = Instant::now();
        let ticker = Ticker::new(Duration::from_millis(100));
        let (done_tx, done) = chan::<bool>(0);

        let ticks = ticker.c.clone();
        go(move || loop {
            select! {
                recv(done) -> _ => return,
                recv(ticks) -> t => {
                    println!("Tick at {}ms", (t.unwrap() - start).as_millis());
                }
            }
        });

        time::sleep(Duration::from_millis(350));
        ticker.stop();
        done_tx.send(true).unwrap();
        println!("Ticker stopped");
    });
}
