//! The Tour of Go's buffered channel ("Buffered Channels", tour.golang.org/concurrency/3):
//!
//! ```go
//! func main() {
//!     ch := make(chan int, 2)
//!     ch <- 1
//!     ch <- 2
//!     fmt.Println(<-ch)
//!     fmt.Println(<-ch)
//! }
//! ```
//!
//! Prints `1` and `2`. A third send before the receives would block forever: in Go, "all
//! goroutines are asleep - deadlock!"; here `try_send` shows the channel is full.

fn main() {
    offshoot::run(|| {
        let (tx, ch) = offshoot::chan(2);
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        assert!(tx.try_send(3).unwrap_err().is_full());
        println!("{}", ch.recv().unwrap());
        println!("{}", ch.recv().unwrap());
    });
}
