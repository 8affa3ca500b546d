//! The Tour of Go's default selection ("Default Selection", tour.golang.org/concurrency/6):
//!
//! ```go
//! func main() {
//!     tick := time.Tick(100 * time.Millisecond)
//!     boom := time.After(500 * time.Millisecond)
//!     for {
//!         select {
//!         case <-tick:
//!             fmt.Println("tick.")
//!         case <-boom:
//!             fmt.Println("BOOM!")
//!             return
//!         default:
//!             fmt.Println("    .")
//!             time.Sleep(50 * time.Millisecond)
//!         }
//!     }
//! }
//! ```
//!
//! Prints dots twice per tick, `tick.` four times (five, when the last tick beats the boom), then
//! `BOOM!`, over half a second.

use std::time::Duration;

use offshoot::{select, time};

fn main() {
    offshoot::run(|| {
        let tick = time::tick(Duration::from_millis(100));
        let boom = time::after(Duration::from_millis(500));
        loop {
            select! {
                recv(tick) -> _ => println!("tick."),
                recv(boom) -> _ => {
                    println!("BOOM!");
                    return;
                }
                default => {
                    println!("    .");
                    time::sleep(Duration::from_millis(50));
                }
            }
        }
    });
}
