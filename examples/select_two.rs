//! Go by Example's select (gobyexample.com/select), here `select_two` since `select` is the
//! Tour of Go's:
//!
//! ```go
//! func main() {
//!     c1 := make(chan string)
//!     c2 := make(chan string)
//!
//!     go func() {
//!         time.Sleep(1 * time.Second)
//!         c1 <- "one"
//!     }()
//!     go func() {
//!         time.Sleep(2 * time.Second)
//!         c2 <- "two"
//!     }()
//!
//!     for range 2 {
//!         select {
//!         case msg1 := <-c1:
//!             fmt.Println("received", msg1)
//!         case msg2 := <-c2:
//!             fmt.Println("received", msg2)
//!         }
//!     }
//! }
//! ```
//!
//! Prints `received one` after a second and `received two` after two: the sleeps run
//! concurrently, so the whole run takes about two seconds, not three.
//!
//! The first coroutine ends, dropping its `Sender`, before the second `select!`; as in Go, that
//! does not close `c1` (only `close` does), so the second `select!` waits for `c2`.

use std::time::Duration;

use offshoot::{chan, go, select, time};

fn main() {
    offshoot::run(|| {
        let (c1_tx, c1) = chan::<&str>(0);
        let (c2_tx, c2) = chan::<&str>(0);

        go(move || {
            time::sleep(Duration::from_secs(1));
            c1_tx.send("one").unwrap();
        });
        go(move || {
            time::sleep(Duration::from_secs(2));
            c2_tx.send("two").unwrap();
        });

        for _ in 0..2 {
            select! {
                recv(c1) -> msg1 => println!("received {}", msg1.unwrap()),
                recv(c2) -> msg2 => println!("received {}", msg2.unwrap()),
            }
        }
    });
}
