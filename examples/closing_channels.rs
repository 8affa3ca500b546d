//! Go by Example's closing channels (gobyexample.com/closing-channels):
//!
//! ```go
//! func main() {
//!     jobs := make(chan int, 5)
//!     done := make(chan bool)
//!
//!     go func() {
//!         for {
//!             j, more := <-jobs
//!             if more {
//!                 fmt.Println("received job", j)
//!             } else {
//!                 fmt.Println("received all jobs")
//!                 done <- true
//!                 return
//!             }
//!         }
//!     }()
//!
//!     for j := 1; j <= 3; j++ {
//!         jobs <- j
//!         fmt.Println("sent job", j)
//!     }
//!     close(jobs)
//!     fmt.Println("sent all jobs")
//!
//!     <-done
//!
//!     _, ok := <-jobs
//!     fmt.Println("received more jobs:", ok)
//! }
//! ```
//!
//! Prints the three jobs sent and received, `sent all jobs` and `received all jobs`, then
//! `received more jobs: false`. The sender's lines and the worker's interleave in any order, as
//! in Go; each side's own lines stay in order. Go printed, once:
//!
//! ```text
//! sent job 1
//! sent job 2
//! sent job 3
//! sent all jobs
//! received job 1
//! received job 2
//! received job 3
//! received all jobs
//! received more jobs: false
//! ```
//!
//! Go's two-value receive `j, more := <-jobs` is `recv()`'s `Result`: `Ok(j)` for a value,
//! `Err(RecvError)` once the channel is closed and empty.

use offshoot::{chan, go};

fn main() {
    offshoot::run(|| {
        let (jobs_tx, jobs) = chan::<i32>(5);
        let (done_tx, done) = chan::<bool>(0);

        let worker_jobs = jobs.clone();
        go(move || loop {
            match worker_jobs.recv() {
                Ok(j) => println!("received job {j}"),
                Err(_) => {
                    println!("received all jobs");
                    done_tx.send(true).unwrap();
                    return;
                }
            }
        });

        for j in 1..=3 {
            jobs_tx.send(j).unwrap();
            println!("sent job {j}");
        }
        jobs_tx.close();
        println!("sent all jobs");

        done.recv().unwrap();

        let ok = jobs.recv().is_ok();
        println!("received more jobs: {ok}");
    });
}
