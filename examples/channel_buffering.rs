//! Go by Example's channel buffering (gobyexample.com/channel-buffering):
//!
//! ```go
//! func main() {
//!     messages := make(chan string, 2)
//!
//!     messages <- "buffered"
//!     messages <- "channel"
//!
//!     fmt.Println(<-messages)
//!     fmt.Println(<-messages)
//! }
//! ```
//!
//! Prints `buffered`, then `channel`: the buffer holds both values until they are received.

use offshoot::chan;

fn main() {
    offshoot::run(|| {
        let (messages_tx, messages) = chan::<&str>(2);

        messages_tx.send("buffered").unwrap();
        messages_tx.send("channel").unwrap();

        println!("{}", messages.recv().unwrap());
        println!("{}", messages.recv().unwrap());
    });
}
