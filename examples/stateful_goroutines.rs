//! Go by Example's stateful goroutines (gobyexample.com/stateful-goroutines):
//!
//! ```go
//! type readOp struct {
//!     key  int
//!     resp chan int
//! }
//! type writeOp struct {
//!     key  int
//!     val  int
//!     resp chan bool
//! }
//!
//! func main() {
//!     var readOps uint64
//!     var writeOps uint64
//!
//!     reads := make(chan readOp)
//!     writes := make(chan writeOp)
//!
//!     go func() {
//!         var state = make(map[int]int)
//!         for {
//!             select {
//!             case read := <-reads:
//!                 read.resp <- state[read.key]
//!             case write := <-writes:
//!                 state[write.key] = write.val
//!                 write.resp <- true
//!             }
//!         }
//!     }()
//!
//!     for range 100 {
//!         go func() {
//!             for {
//!                 read := readOp{
//!                     key:  rand.Intn(5),
//!                     resp: make(chan int)}
//!                 reads <- read
//!                 <-read.resp
//!                 atomic.AddUint64(&readOps, 1)
//!                 time.Sleep(time.Millisecond)
//!             }
//!         }()
//!     }
//!
//!     for range 10 {
//!         go func() {
//!             for {
//!                 write := writeOp{
//!                     key:  rand.Intn(5),
//!                     val:  rand.Intn(100),
//!                     resp: make(chan bool)}
//!                 writes <- write
//!                 <-write.resp
//!                 atomic.AddUint64(&writeOps, 1)
//!                 time.Sleep(time.Millisecond)
//!             }
//!         }()
//!     }
//!
//!     time.Sleep(time.Second)
//!
//!     readOpsFinal := atomic.LoadUint64(&readOps)
//!     fmt.Println("readOps:", readOpsFinal)
//!     writeOpsFinal := atomic.LoadUint64(&writeOps)
//!     fmt.Println("writeOps:", writeOpsFinal)
//! }
//! ```
//!
//! One coroutine owns the map; a hundred readers and ten writers ask it for reads and writes
//! over channels for a second, then the counts are printed. They differ from run to run, as in
//! Go; each reader or writer sleeps a millisecond per operation, so they stay below a thousand
//! or so per coroutine. Go printed, once:
//!
//! ```text
//! readOps: 79605
//! writeOps: 7965
//! ```
//!
//! A request carries the `Sender` of its reply channel, where Go's carries the channel; the
//! requester keeps the `Receiver`. As in Go, the coroutines are still running when `main`
//! returns, and end with the program.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use offshoot::{chan, go, select, time, Sender};
use rand::Rng;

struct ReadOp {
    key: usize,
    resp: Sender<i32>,
}
struct WriteOp {
    key: usize,
    val: i32,
    resp: Sender<bool>,
}

fn main() {
    offshoot::run(|| {
        let read_ops = Arc::new(AtomicU64::new(0));
        let write_ops = Arc::new(AtomicU64::new(0));

        let (reads_tx, reads) = chan::<ReadOp>(0);
        let (writes_tx, writes) = chan::<WriteOp>(0);

        go(move || {
            let mut state: HashMap<usize, i32> = HashMap::new();
            loop {
                select! {
                    recv(reads) -> read => {
                        let read = read.unwrap();
                        // Go's `state[read.key]`: zero for a key never written.
                        read.resp.send(state.get(&read.key).copied().unwrap_or(0)).unwrap();
                    }
                    recv(writes) -> write => {
                        let write = write.unwrap();
                        state.insert(write.key, write.val);
                        write.resp.send(true).unwrap();
                    }
                }
            }
        });

        for _ in 0..100 {
            let reads = reads_tx.clone();
            let read_ops = read_ops.clone();
            go(move || loop {
                let (resp_tx, resp) = chan(0);
                let read = ReadOp {
                    key: rand::thread_rng().gen_range(0..5),
                    resp: resp_tx,
                };
                reads.send(read).unwrap();
                resp.recv().unwrap();
                read_ops.fetch_add(1, Ordering::SeqCst);
                time::sleep(Duration::from_millis(1));
            });
        }

        for _ in 0..10 {
            let writes = writes_tx.clone();
            let write_ops = write_ops.clone();
            go(move || loop {
                let (resp_tx, resp) = chan(0);
                let write = WriteOp {
                    key: rand::thread_rng().gen_range(0..5),
                    val: rand::thread_rng().gen_range(0..100),
                    resp: resp_tx,
                };
                writes.send(write).unwrap();
                resp.recv().unwrap();
                write_ops.fetch_add(1, Ordering::SeqCst);
                time::sleep(Duration::from_millis(1));
            });
        }

        time::sleep(Duration::from_secs(1));

        let read_ops_final = read_ops.load(Ordering::SeqCst);
        println!("readOps: {read_ops_final}");
        let write_ops_final = write_ops.load(Ordering::SeqCst);
        println!("writeOps: {write_ops_final}");
    });
}
