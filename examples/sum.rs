//! The Tour of Go's channel sum ("Channels", tour.golang.org/concurrency/2):
//!
//! ```go
//! func sum(s []int, c chan int) {
//!     sum := 0
//!     for _, v := range s {
//!         sum += v
//!     }
//!     c <- sum // send sum to c
//! }
//!
//! func main() {
//!     s := []int{7, 2, 8, -9, 4, 0}
//!     c := make(chan int)
//!     go sum(s[:len(s)/2], c)
//!     go sum(s[len(s)/2:], c)
//!     x, y := <-c, <-c // receive from c
//!     fmt.Println(x, y, x+y)
//! }
//! ```
//!
//! Prints `-5 17 12`: as in Go, the coroutine started last runs first (it takes the processor's
//! `runnext` slot), so the second half's sum arrives first. Like Go, this order is what the
//! scheduler does, not a promise: on a busy machine the halves may arrive the other way round.

use offshoot::{chan, go, Sender};

fn sum(s: Vec<i32>, c: Sender<i32>) {
    let sum: i32 = s.iter().sum();
    c.send(sum).unwrap(); // send sum to c
}

fn main() {
    offshoot::run(|| {
        let s = [7, 2, 8, -9, 4, 0];
        let (c, results) = chan(0);
        let half = s.len() / 2;
        go!(sum(s[..half].to_vec(), c.clone()));
        go!(sum(s[half..].to_vec(), c.clone()));
        let (x, y) = (results.recv().unwrap(), results.recv().unwrap()); // receive from c
        println!("{x} {y} {}", x + y);
    });
}
