//! Go by Example's channel directions (gobyexample.com/channel-directions):
//!
//! ```go
//! func ping(pings chan<- string, msg string) {
//!     pings <- msg
//! }
//!
//! func pong(pings <-chan string, pongs chan<- string) {
//!     msg := <-pings
//!     pongs <- msg
//! }
//!
//! func main() {
//!     pings := make(chan string, 1)
//!     pongs := make(chan string, 1)
//!     ping(pings, "passed message")
//!     pong(pings, pongs)
//!     fmt.Println(<-pongs)
//! }
//! ```
//!
//! Prints `passed message`. Go's send-only `chan<- string` is a `Sender` here and the
//! receive-only `<-chan string` a `Receiver`: receiving on a `Sender` does not compile, as in Go.

use offshoot::{chan, Receiver, Sender};

fn ping(pings: &Sender<String>, msg: &str) {
    pings.send(msg.to_string()).unwrap();
}

fn pong(pings: &Receiver<String>, pongs: &Sender<String>) {
    let msg = pings.recv().unwrap();
    pongs.send(msg).unwrap();
}

fn main() {
    offshoot::run(|| {
        let (pings_tx, pings) = chan(1);
        let (pongs_tx, pongs) = chan(1);
        ping(&pings_tx, "passed message");
        pong(&pings, &pongs_tx);
        println!("{}", pongs.recv().unwrap());
    });
}
