//! Go by Example's atomic counters (gobyexample.com/atomic-counters):
//!
//! ```go
//! func main() {
//!     var ops atomic.Uint64
//!
//!     var wg sync.WaitGroup
//!
//!     for range 50 {
//!         wg.Go(func() {
//!             for range 1000 {
//!                 ops.Add(1)
//!             }
//!         })
//!     }
//!
//!     wg.Wait()
//!
//!     fmt.Println("ops:", ops.Load())
//! }
//! ```
//!
//! Prints `ops: 50000`: fifty coroutines add a thousand each, and no increment is lost.
//!
//! Go's closures share `ops` by reference; here each coroutine holds an `Arc` of it. Go's atomic
//! operations are sequentially consistent, hence `SeqCst`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use offshoot::sync::WaitGroup;

fn main() {
    offshoot::run(|| {
        let ops = Arc::new(AtomicU64::new(0));

        let wg = WaitGroup::new();

        for _ in 0..50 {
            let ops = ops.clone();
            wg.go(move || {
                for _ in 0..1000 {
                    ops.fetch_add(1, Ordering::SeqCst);
                }
            });
        }

        wg.wait();

        println!("ops: {}", ops.load(Ordering::SeqCst));
    });
}
