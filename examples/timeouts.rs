//! Go by Example's timeouts (gobyexample.com/timeouts):
//!
//! ```go
//! func main() {
//!     c1 := make(chan string, 1)
//!     go func() {
//!         time.Sleep(2 * time.Second)
//!         c1 <- "result 1"
//!     }()
//!     select {
//!     case res := <-c1:
//!         fmt.Println(res)
//!     case <-time.After(1 * time.Second):
//!         fmt.Println("timeout 1")
//!     }
//!
//!     c2 := make(chan string, 1)
//!     go func() {
//!         time.Sleep(2 * time.Second)
//!         c2 <- "result 2"
//!     }()
//!     select {
//!     case res := <-c2:
//!         fmt.Println(res)
//!     case <-time.After(3 * time.Second):
//!         fmt.Println("timeout 2")
//!     }
//! }
//! ```
//!
//! Prints `timeout 1`, then `result 2`.

use std::time::Duration;

use offshoot::{chan, go, select, time};

fn main() {
    offshoot::run(|| {
        let (c1, c1_rx) = chan(1);
        go(move || {
            time::sleep(Duration::from_secs(2));
            c1.send("result 1").unwrap();
        });
        select! {
            recv(c1_rx) -> res => println!("{}", res.unwrap()),
            recv(time::after(Duration::from_secs(1))) -> _ => println!("timeout 1"),
        }

        let (c2, c2_rx) = chan(1);
        go(move || {
            time::sleep(Duration::from_secs(2));
            c2.send("result 2").unwrap();
        });
        select! {
            recv(c2_rx) -> res => println!("{}", res.unwrap()),
            recv(time::after(Duration::from_secs(3))) -> _ => println!("timeout 2"),
        }
    });
}
