//! Go by Example's WaitGroups (gobyexample.com/waitgroups):
//!
//! ```go
//! func worker(id int) {
//!     fmt.Printf("Worker %d starting\n", id)
//!
//!     time.Sleep(time.Second)
//!     fmt.Printf("Worker %d done\n", id)
//! }
//!
//! func main() {
//!     var wg sync.WaitGroup
//!
//!     for i := 1; i <= 5; i++ {
//!         wg.Go(func() {
//!             worker(i)
//!         })
//!     }
//!
//!     wg.Wait()
//! }
//! ```
//!
//! Five workers start at once and are done a second later; the run takes about a second. The
//! order in which they start, and finish, differs from run to run, as in Go, which printed this
//! once:
//!
//! ```text
//! Worker 5 starting
//! Worker 2 starting
//! Worker 3 starting
//! Worker 4 starting
//! Worker 1 starting
//! Worker 2 done
//! Worker 3 done
//! Worker 5 done
//! Worker 4 done
//! Worker 1 done
//! ```
//!
//! `WaitGroup::go` is Go 1.25's `wg.Go`. Each closure gets its own `i`, as each iteration of Go's
//! loop has its own `i` since Go 1.22.

use std::time::Duration;

use offshoot::sync::WaitGroup;
use offshoot::time;

fn worker(id: i32) {
    println!("Worker {id} starting");

    time::sleep(Duration::from_secs(1));
    println!("Worker {id} done");
}

fn main() {
    offshoot::run(|| {
        let wg = WaitGroup::new();

        for i in 1..=5 {
            wg.go(move || {
                worker(i);
            });
        }

        wg.wait();
    });
}
