//! Go by Example's rate limiting (gobyexample.com/rate-limiting):
//!
//! ```go
//! func main() {
//!     requests := make(chan int, 5)
//!     for i := 1; i <= 5; i++ {
//!         requests <- i
//!     }
//!     close(requests)
//!
//!     limiter := time.Tick(200 * time.Millisecond)
//!
//!     for req := range requests {
//!         <-limiter
//!         fmt.Println("request", req, time.Now())
//!     }
//!
//!     burstyLimiter := make(chan time.Time, 3)
//!
//!     for range 3 {
//!         burstyLimiter <- time.Now()
//!     }
//!
//!     go func() {
//!         for t := range time.Tick(200 * time.Millisecond) {
//!             burstyLimiter <- t
//!         }
//!     }()
//!
//!     burstyRequests := make(chan int, 5)
//!     for i := 1; i <= 5; i++ {
//!         burstyRequests <- i
//!     }
//!     close(burstyRequests)
//!     for req := range burstyRequests {
//!         <-burstyLimiter
//!         fmt.Println("request", req, time.Now())
//!     }
//! }
//! ```
//!
//! Serves the first five requests one every 200 ms, then the next five in a burst of three at
//! once followed by two more 200 ms apart: the run takes about 1.4 s.
//!
//! Go prints the wall-clock time of each request. As in the tickers example, this prints the
//! time since the program started instead, in whole milliseconds, which shows the spacing
//! directly:
//!
//! ```text
//! request 1 200ms
//! request 2 400ms
//! request 3 600ms
//! request 4 800ms
//! request 5 1000ms
//! request 1 1000ms
//! request 2 1000ms
//! request 3 1000ms
//! request 4 1200ms
//! request 5 1400ms
//! ```
//!
//! give or take the timers' wake-up latency (a tick is never early). As in Go, the coroutine
//! filling `burstyLimiter` is still ticking when `main` returns, and ends with the program.

use std::time::{Duration, Instant};

use offshoot::{chan, go, time};

fn main() {
    offshoot::run(|| {
        let start = Instant::now();

        let (requests_tx, requests) = chan(5);
        for i in 1..=5 {
            requests_tx.send(i).unwrap();
        }
        requests_tx.close();

        let limiter = time::tick(Duration::from_millis(200));

        for req in &requests {
            limiter.recv().unwrap();
            println!("request {req} {}ms", start.elapsed().as_millis());
        }

        let (bursty_limiter_tx, bursty_limiter) = chan::<Instant>(3);

        for _ in 0..3 {
            bursty_limiter_tx.send(Instant::now()).unwrap();
        }

        go(move || {
            for t in time::tick(Duration::from_millis(200)) {
                bursty_limiter_tx.send(t).unwrap();
            }
        });

        let (bursty_requests_tx, bursty_requests) = chan(5);
        for i in 1..=5 {
            bursty_requests_tx.send(i).unwrap();
        }
        bursty_requests_tx.close();
        for req in &bursty_requests {
            bursty_limiter.recv().unwrap();
            println!("request {req} {}ms", start.elapsed().as_millis());
        }
    });
}
