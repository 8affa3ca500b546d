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
//! # Channels: Go's and crossbeam's
//!
//! [`chan`] makes Go's channel: it closes only through [`Sender::close`], and an operation that
//! can never complete (a receive after every sender is gone, a send after every receiver is
//! gone) waits, as in Go. [`bounded`] and [`unbounded`] make crossbeam-channel's: disconnected
//! when every sender or every receiver is gone, so dropping the senders ends a `for v in &rx`
//! loop. All give the same [`Sender`] and [`Receiver`], and one [`select!`] mixes them. With
//! [`select_biased!`], [`at`], [`after`], [`tick`], [`never`](fn@never) and the `Disconnected`
//! spellings of the errors, code written for crossbeam-channel compiles with its `use` line
//! changed (one exception: match a failed send's `Closed(msg)` where crossbeam says
//! `Disconnected(msg)`).
//! `docs/porting-from-go.md` maps each Go construct to offshoot and lists the traps.
//!
//! # A coroutine keeps its thread
//!
//! Once a coroutine has started, it runs only on the worker thread that first ran it, however
//! and from wherever it is woken. So it may hold anything across a park (a sleep, a join, a
//! channel operation, [`yield_now`], a [`go`](fn@go) that yields to a long queue of new
//! coroutines): an `Rc`, a `RefCell` borrow, `rand::thread_rng()`, a `tracing` span guard, even
//! a std `MutexGuard`, without a data race. A `thread_local!` is per
//! *thread*, though: every coroutine on a worker shares it, interleaved at parks. And a
//! std or parking_lot lock held across a park deadlocks if another coroutine on the same worker
//! waits for it, since that blocks the thread the holder needs: use [`sync::Mutex`], which
//! parks. Coroutines that have not started yet go to idle workers, which spreads the load;
//! [`Builder::allow_migration`] (`unsafe`) lets a coroutine whose author vouches for it move at
//! any park. `docs/design.md` ("Why it is sound") gives the whole argument.
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
    bounded, chan, never, never_sender, unbounded, IntoIter, Iter, ReadyTimeoutError, Receiver,
    RecvError, RecvTimeoutError, Select, SelectTimeoutError, SelectedOperation, SendError,
    SendTimeoutError, Sender, TryIter, TryReadyError, TryRecvError, TrySelectError, TrySendError,
};

#[cfg(not(loom))]
pub use runtime::blocking::blocking;
#[cfg(not(loom))]
pub use runtime::config::{
    AlreadyStarted, Config, DEFAULT_BLOCKING_KEEP_ALIVE, DEFAULT_BLOCKING_THREADS,
    DEFAULT_STACK_SIZE, DEFAULT_STALL_REPORT, MAX_STACK_SIZE,
};
pub use runtime::go::go;
pub use runtime::join::JoinHandle;
pub use runtime::park::yield_now;
#[cfg(not(loom))]
#[doc(hidden)]
pub use runtime::spawn::__resource_counts;
#[cfg(not(loom))]
pub use runtime::spawn::dump;
#[cfg(not(loom))]
pub use runtime::spawn::num_coroutines;
pub use runtime::spawn::{run, Builder};
/// crossbeam-channel's timer channels, at the root where crossbeam code looks for them.
#[cfg(not(loom))]
pub use time::{after, at, tick};

/// The porting guide's snippets, compiled and run by `cargo test --doc` so the guide cannot
/// drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../docs/porting-from-go.md")]
pub struct PortingFromGoGuide;
