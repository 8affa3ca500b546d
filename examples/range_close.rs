//! The Tour of Go's range and close ("Range and Close", tour.golang.org/concurrency/4):
//!
//! ```go
//! func fibonacci(n int, c chan int) {
//!     x, y := 0, 1
//!     for i := 0; i < n; i++ {
//!         c <- x
//!         x, y = y, x+y
//!     }
//!     close(c)
//! }
//!
//! func main() {
//!     c := make(chan int, 10)
//!     go fibonacci(cap(c), c)
//!     for i := range c {
//!         fmt.Println(i)
//!     }
//! }
//! ```
//!
//! Prints the first ten Fibonacci numbers, 0 to 34, one per line.

use offshoot::{chan, go, Sender};

fn fibonacci(n: usize, c: Sender<u64>) {
    let (mut x, mut y) = (0, 1);
    for _ in 0..n {
        c.send(x).unwrap();
        (x, y) = (y, x + y);
    }
    c.close();
}

fn main() {
    offshoot::run(|| {
        let (c, rx) = chan(10);
        let cap = c.capacity().unwrap();
        go!(fibonacci(cap, c));
        for i in &rx {
            println!("{i}");
        }
    });
}
