//! The Tour of Go's first goroutine program ("Goroutines", tour.golang.org/concurrency/1):
//!
//! ```go
//! func say(s string) {
//!     for i := 0; i < 5; i++ {
//!         time.Sleep(100 * time.Millisecond)
//!         fmt.Println(s)
//!     }
//! }
//!
//! func main() {
//!     go say("world")
//!     say("hello")
//! }
//! ```
//!
//! The two words interleave, and the whole run takes about half a second. As in Go, `main`
//! does not wait for the `world` coroutine: when `say("hello")` returns the program ends, so
//! the last `world` may or may not be printed.

use std::time::Duration;

use offshoot::go;

fn say(s: &str) {
    for _ in 0..5 {
        offshoot::time::sleep(Duration::from_millis(100));
        println!("{s}");
    }
}

fn main() {
    offshoot::run(|| {
        go!(say("world"));
        say("hello");
    });
}
