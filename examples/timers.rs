//! Go by Example's timers (gobyexample.com/timers):
//!
//! ```go
//! func main() {
//!     timer1 := time.NewTimer(2 * time.Second)
//!     <-timer1.C
//!     fmt.Println("Timer 1 fired")
//!
//!     timer2 := time.NewTimer(time.Second)
//!     go func() {
//!         <-timer2.C
//!         fmt.Println("Timer 2 fired")
//!     }()
//!     stop2 := timer2.Stop()
//!     if stop2 {
//!         fmt.Println("Timer 2 stopped")
//!     }
//!
//!     time.Sleep(2 * time.Second)
//! }
//! ```
//!
//! Prints `Timer 1 fired`, then `Timer 2 stopped`: the second timer is stopped long before it
//! is due, so `Timer 2 fired` never appears, and the final sleep gives it the chance to show that.
//! The durations are a tenth of Go's (200 ms, 100 ms, 200 ms) to keep the test quick; the run
//! takes about 0.4 s.
//!
//! The coroutine receives on a clone of `timer2.c`, where Go's closure captures `timer2`: a
//! clone is the same channel, so `stop` keeps it from receiving anything.

use std::time::Duration;

use offshoot::go;
use offshoot::time::{self, Timer};

fn main() {
    offshoot::run(|| {
        let timer1 = Timer::new(Duration::from_millis(200));
        timer1.c.recv().unwrap();
        println!("Timer 1 fired");

        let timer2 = Timer::new(Duration::from_millis(100));
        let timer2_c = timer2.c.clone();
        go(move || {
            timer2_c.recv().unwrap();
            println!("Timer 2 fired");
        });
        let stop2 = timer2.stop();
        if stop2 {
            println!("Timer 2 stopped");
        }

        time::sleep(Duration::from_millis(200));
    });
}
