//! Go by Example's mutexes (gobyexample.com/mutexes):
//!
//! ```go
//! type Container struct {
//!     mu       sync.Mutex
//!     counters map[string]int
//! }
//!
//! func (c *Container) inc(name string) {
//!     c.mu.Lock()
//!     defer c.mu.Unlock()
//!     c.counters[name]++
//! }
//!
//! func main() {
//!     c := Container{
//!         counters: map[string]int{"a": 0, "b": 0},
//!     }
//!
//!     var wg sync.WaitGroup
//!
//!     doIncrement := func(name string, n int) {
//!         for range n {
//!             c.inc(name)
//!         }
//!     }
//!
//!     wg.Go(func() {
//!         doIncrement("a", 10000)
//!     })
//!
//!     wg.Go(func() {
//!         doIncrement("a", 10000)
//!     })
//!
//!     wg.Go(func() {
//!         doIncrement("b", 10000)
//!     })
//!
//!     wg.Wait()
//!     fmt.Println(c.counters)
//! }
//! ```
//!
//! Prints `map[a:20000 b:10000]`: two coroutines share counter `a` and lose no increment.
//!
//! [`offshoot::sync::Mutex`] holds the data it guards, so `Container`'s mutex wraps the map, and
//! the guard's drop at the end of `inc` is Go's deferred `Unlock`. Each `wg.go` closure takes its
//! own clone of `do_increment` (which holds an `Arc` of the container), where Go's closures share
//! one. The map is a `BTreeMap` and is printed in Go's `map[key:value ...]` form: Go's `fmt`
//! prints a map's keys in sorted order.

use std::collections::BTreeMap;
use std::sync::Arc;

use offshoot::sync::{Mutex, WaitGroup};

struct Container {
    counters: Mutex<BTreeMap<&'static str, i32>>,
}

impl Container {
    fn inc(&self, name: &'static str) {
        let mut counters = self.counters.lock();
        *counters.entry(name).or_default() += 1;
    }
}

fn main() {
    offshoot::run(|| {
        let c = Arc::new(Container {
            counters: Mutex::new(BTreeMap::from([("a", 0), ("b", 0)])),
        });

        let wg = WaitGroup::new();

        let do_increment = {
            let c = c.clone();
            move |name: &'static str, n: usize| {
                for _ in 0..n {
                    c.inc(name);
                }
            }
        };

        wg.go({
            let do_increment = do_increment.clone();
            move || do_increment("a", 10000)
        });

        wg.go({
            let do_increment = do_increment.clone();
            move || do_increment("a", 10000)
        });

        wg.go(move || do_increment("b", 10000));

        wg.wait();
        let counters: Vec<String> = c
            .counters
            .lock()
            .iter()
            .map(|(name, count)| format!("{name}:{count}"))
            .collect();
        println!("map[{}]", counters.join(" "));
    });
}
