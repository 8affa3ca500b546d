//! Go-style concurrency for Rust: start coroutines with [`go`](fn@go), let them talk over channels,
//! write plain blocking code.
//!
//! ```
//! use std::time::Duration;
//!
//! fn say(word: &'static str) {
//!     for _ in 0..3 {
//!         offshoot::time::sleep(Duration::from_millis(10));
//!         println!("{word}");
//!     }
//! }
//!
//! offshoot::run(|| {
//!     let world = offshoot::go!(say("world"));
//!     say("hello");
//!     world.join().unwrap();
//! });
//! ```
//!
//! # The model
//!
//! A coroutine is a function running on its own small stack (256 KiB of address space by
//! default, of which only touched pages cost memory). Coroutines are multiplexed over a few
//! worker threads (one per core) by an M:N scheduler in the manner of Go's: each worker runs a
//! processor with its own run queue, idle workers steal, and a coroutine that waits (for a timer,
//! a lock, another coroutine) parks, letting its worker run others. See `docs/design.md`.
//!
//! Every blocking operation also works on a plain thread, where it blocks the thread; so
//! coroutines and threads can be mixed freely.
//!
//! # Thread-locals are not coroutine-locals
//!
//! A coroutine may be resumed on a different worker thread each time it parks or yields. A
//! `thread_local!` read inside a coroutine describes whichever worker it is on at that moment.
//! Never keep a reference into a thread-local, nor a guard of a lock tied to its OS thread (such
//! as `std::sync::MutexGuard` or `parking_lot::MutexGuard`), across anything that can park: a
//! sleep, a join, a lock of [`sync::Mutex`], a channel operation, [`yield_now`]. Use
//! [`sync::Mutex`] for locks held across such points.
//!
//! # Model checking with loom
//!
//! Built with `RUSTFLAGS="--cfg loom"`, `go` starts a `loom::thread` and every park and unpark is
//! loom's, so a test that wraps channel code in `loom::model` has every interleaving of its
//! coroutines explored: lost wake-ups show as deadlocks, wrong assumptions about order as
//! failed assertions. Channels, `select!`, [`Select`], [`sync`] and [`JoinHandle`] work there;
//! `time`, `net`, `fs` and `blocking` are left out, and deadlines are not modelled. The guide is
//! `docs/loom.md`.
//!
//! # Configuration
//!
//! The runtime starts by itself on first use; [`Config`] (or the `OFFSHOOT_WORKERS`,
//! `OFFSHOOT_STACK_SIZE` and `OFFSHOOT_MAX_COROUTINES` environment variables) sets it up before
//! that.

#![deny(unsafe_op_in_unsafe_fn)]

pub(crate) mod chan;
#[cfg(not(loom))]
pub mod fs;
mod loom;
#[cfg(not(loom))]
pub mod net;
mod runtime;
pub mod sync;
#[cfg(not(loom))]
pub mod time;

#[doc(hidden)]
pub use chan::__private;
pub use chan::{
    chan, never, IntoIter, Iter, ReadyTimeoutError, Receiver, RecvError, RecvTimeoutError, Select,
    SelectTimeoutError, SelectedOperation, SendError, SendTimeoutError, Sender, TryIter,
    TryReadyError, TryRecvError, TrySelectError, TrySendError,
};

#[cfg(not(loom))]
pub use runtime::blocking::blocking;
#[cfg(not(loom))]
pub use runtime::config::{
    AlreadyStarted, Config, DEFAULT_BLOCKING_KEEP_ALIVE, DEFAULT_BLOCKING_THREADS,
    DEFAULT_STACK_SIZE, MAX_STACK_SIZE,
};
pub use runtime::go::go;
pub use runtime::join::JoinHandle;
pub use runtime::park::yield_now;
#[cfg(not(loom))]
pub use runtime::spawn::num_coroutines;
pub use runtime::spawn::{run, Builder};
