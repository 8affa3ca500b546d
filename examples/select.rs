//! The Tour of Go's select ("Select", tour.golang.org/concurrency/5):
//!
//! ```go
//! func fibonacci(c, quit chan int) {
//!     x, y := 0, 1
//!     for {
//!         select {
//!         case c <- x:
//!             x, y = y, x+y
//!         case <-quit:
//!             fmt.Println("quit")
//!             return
//!         }
//!     }
//! }
//!
//! func main() {
//!     c := make(chan int)
//!     quit := make(chan int)
//!     go func() {
//!         for i := 0; i < 10; i++ {
//!             fmt.Println(<-c)
//!         }
//!         quit <- 0
//!     }()
//!     fibonacci(c, quit)
//! }
//! ```
//!
//! Prints 0 to 34, then `quit`.

use offshoot::{chan, go, select, Receiver, Sender};

fn fibonacci(c: Sender<u64>, quit: Receiver<i32>) {
    let (mut x, mut y) = (0, 1);
    loop {
        select! {
            send(c, x) -> _ => (x, y) = (y, x + y),
            recv(quit) -> _ => {
                println!("quit");
                return;
            }
        }
    }
}

fn main() {
    offshoot::run(|| {
        let (c, c_rx) = chan(0);
        let (quit, quit_rx) = chan(0);
        go(move || {
            for _ in 0..10 {
                println!("{}", c_rx.recv().unwrap());
            }
            quit.send(0).unwrap();
        });
        fibonacci(c, quit_rx);
    });
}
