//! Go by Example's channels (gobyexample.com/channels):
//!
//! ```go
//! func main() {
//!     messages := make(chan string)
//!
//!     go func() { messages <- "ping" }()
//!
//!     msg := <-messages
//!     fmt.Println(msg)
//! }
//! ```
//!
//! Prints `ping`. Go's one channel value is two ends here: the coroutine sends on a `Sender`,
//! `main` receives on the `Receiver`.

use offshoot::{chan, go};

fn main() {
    offshoot::run(|| {
        let (messages_tx, messages) = chan::<&str>(0);

        go(move || messages_tx.send("ping").unwrap());

        let msg = messages.recv().unwrap();
        println!("{msg}");
    });
}
