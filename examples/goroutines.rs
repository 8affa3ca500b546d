//! Go by Example's goroutines (gobyexample.com/goroutines):
//!
//! ```go
//! func f(from string) {
//!     for i := range 3 {
//!         fmt.Println(from, ":", i)
//!     }
//! }
//!
//! func main() {
//!     f("direct")
//!
//!     go f("goroutine")
//!
//!     go func(msg string) {
//!         fmt.Println(msg)
//!     }("going")
//!
//!     time.Sleep(time.Second)
//!     fmt.Println("done")
//! }
//! ```
//!
//! Prints the three `direct` lines, then the lines of the two coroutines, then `done` a second
//! later. As in Go, the coroutines' lines may interleave in any order (each coroutine's own
//! lines stay in order); Go printed, once:
//!
//! ```text
//! direct : 0
//! direct : 1
//! direct : 2
//! going
//! goroutine : 0
//! goroutine : 1
//! goroutine : 2
//! done
//! ```
//!
//! Go's anonymous `func(msg string) { .. }("going")` takes its argument at the `go` statement;
//! here the closure captures `msg`, bound just before.

use std::time::Duration;

use offshoot::{go, time};

fn f(from: &str) {
    for i in 0..3 {
        println!("{from} : {i}");
    }
}

fn main() {
    offshoot::run(|| {
        f("direct");

        go!(f("goroutine"));

        let msg = "going";
        go(move || {
            println!("{msg}");
        });

        time::sleep(Duration::from_secs(1));
        println!("done");
    });
}
