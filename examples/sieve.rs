//! Go's concurrent prime sieve (the classic from the Go playground and `test/chan/sieve1.go`):
//!
//! ```go
//! // Send the sequence 2, 3, 4, ... to channel 'ch'.
//! func Generate(ch chan<- int) {
//!     for i := 2; ; i++ {
//!         ch <- i // Send 'i' to channel 'ch'.
//!     }
//! }
//!
//! // Copy the values from channel 'in' to channel 'out',
//! // removing those divisible by 'prime'.
//! func Filter(in <-chan int, out chan<- int, prime int) {
//!     for {
//!         i := <-in // Receive value from 'in'.
//!         if i%prime != 0 {
//!             out <- i // Send 'i' to 'out'.
//!         }
//!     }
//! }
//!
//! // The prime sieve: Daisy-chain Filter processes.
//! func main() {
//!     ch := make(chan int) // Create a new channel.
//!     go Generate(ch)      // Launch Generate goroutine.
//!     for i := 0; i < 10; i++ {
//!         prime := <-ch
//!         fmt.Println(prime)
//!         ch1 := make(chan int)
//!         go Filter(ch, ch1, prime)
//!         ch = ch1
//!     }
//! }
//! ```
//!
//! Prints the first ten primes, 2 to 29. As in Go, the generator and the filters are left
//! blocked on their sends when `main` returns (a `chan` whose receivers are gone does not fail
//! its sends), and the process ends with them.

use offshoot::{chan, go, Receiver, Sender};

/// Sends the sequence 2, 3, 4, ... to `ch`.
fn generate(ch: Sender<u64>) {
    for i in 2.. {
        ch.send(i).unwrap();
    }
}

/// Copies the values from `input` to `out`, removing those divisible by `prime`.
fn filter(input: Receiver<u64>, out: Sender<u64>, prime: u64) {
    for i in &input {
        if i % prime != 0 {
            out.send(i).unwrap();
        }
    }
}

fn main() {
    offshoot::run(|| {
        let (tx, mut ch) = chan(0);
        go!(generate(tx));
        for _ in 0..10 {
            let prime = ch.recv().unwrap();
            println!("{prime}");
            let (tx1, ch1) = chan(0);
            go!(filter(ch, tx1, prime));
            ch = ch1;
        }
    });
}
