//! Go by Example's range over channels (gobyexample.com/range-over-channels):
//!
//! ```go
//! func main() {
//!     queue := make(chan string, 2)
//!     queue <- "one"
//!     queue <- "two"
//!     close(queue)
//!
//!     for elem := range queue {
//!         fmt.Println(elem)
//!     }
//! }
//! ```
//!
//! Prints `one` and `two`: the loop takes what is buffered, then ends because the channel is
//! closed. A closed channel's buffered values are still received.

use offshoot::chan;

fn main() {
    offshoot::run(|| {
        let (queue_tx, queue) = chan::<&str>(2);
        queue_tx.send("one").unwrap();
        queue_tx.send("two").unwrap();
        queue_tx.close();

        for elem in &queue {
            println!("{elem}");
        }
    });
}
