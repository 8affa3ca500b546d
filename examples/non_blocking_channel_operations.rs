//! Go by Example's non-blocking channel operations
//! (gobyexample.com/non-blocking-channel-operations):
//!
//! ```go
//! func main() {
//!     messages := make(chan string)
//!     signals := make(chan bool)
//!
//!     select {
//!     case msg := <-messages:
//!         fmt.Println("received message", msg)
//!     default:
//!         fmt.Println("no message received")
//!     }
//!
//!     msg := "hi"
//!     select {
//!     case messages <- msg:
//!         fmt.Println("sent message", msg)
//!     default:
//!         fmt.Println("no message sent")
//!     }
//!
//!     select {
//!     case msg := <-messages:
//!         fmt.Println("received message", msg)
//!     case sig := <-signals:
//!         fmt.Println("received signal", sig)
//!     default:
//!         fmt.Println("no activity")
//!     }
//! }
//! ```
//!
//! Prints `no message received`, `no message sent` and `no activity`: nothing is ever ready, so
//! each `select!` takes its `default`. The send finds no receiver waiting on the unbuffered
//! channel, so it cannot complete either.
//!
//! Nobody ever sends on `signals`, so its `Sender` is dropped at once; as in Go, where there is
//! no sending end to drop, that leaves the channel open (only `close` closes it), so its case is
//! never ready.

use offshoot::{chan, select};

fn main() {
    offshoot::run(|| {
        let (messages_tx, messages) = chan::<&str>(0);
        let (_, signals) = chan::<bool>(0);

        select! {
            recv(messages) -> msg => println!("received message {}", msg.unwrap()),
            default => println!("no message received"),
        }

        let msg = "hi";
        select! {
            send(messages_tx, msg) -> res => {
                res.unwrap();
                println!("sent message {msg}");
            }
            default => println!("no message sent"),
        }

        select! {
            recv(messages) -> msg => println!("received message {}", msg.unwrap()),
            recv(signals) -> sig => println!("received signal {}", sig.unwrap()),
            default => println!("no activity"),
        }
    });
}
