//! Go by Example's worker pool (gobyexample.com/worker-pools):
//!
//! ```go
//! func worker(id int, jobs <-chan int, results chan<- int) {
//!     for j := range jobs {
//!         fmt.Println("worker", id, "started  job", j)
//!         time.Sleep(time.Second)
//!         fmt.Println("worker", id, "finished job", j)
//!         results <- j * 2
//!     }
//! }
//!
//! func main() {
//!     const numJobs = 5
//!     jobs := make(chan int, numJobs)
//!     results := make(chan int, numJobs)
//!     for w := 1; w <= 3; w++ {
//!         go worker(w, jobs, results)
//!     }
//!     for j := 1; j <= numJobs; j++ {
//!         jobs <- j
//!     }
//!     close(jobs)
//!     for a := 1; a <= numJobs; a++ {
//!         <-results
//!     }
//! }
//! ```
//!
//! Three workers share five one-second jobs: the run takes about two seconds, not five.

use std::time::Duration;

use offshoot::{chan, go, time, Receiver, Sender};

fn worker(id: usize, jobs: Receiver<usize>, results: Sender<usize>) {
    for j in &jobs {
        println!("worker {id} started  job {j}");
        time::sleep(Duration::from_secs(1));
        println!("worker {id} finished job {j}");
        results.send(j * 2).unwrap();
    }
}

fn main() {
    offshoot::run(|| {
        const NUM_JOBS: usize = 5;
        let (jobs, jobs_rx) = chan(NUM_JOBS);
        let (results_tx, results) = chan(NUM_JOBS);
        for w in 1..=3 {
            go!(worker(w, jobs_rx.clone(), results_tx.clone()));
        }
        for j in 1..=NUM_JOBS {
            jobs.send(j).unwrap();
        }
        jobs.close();
        for _ in 1..=NUM_JOBS {
            results.recv().unwrap();
        }
    });
}
