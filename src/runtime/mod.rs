//! The runtime: coroutines, their stacks, the M:N scheduler, park/unpark, timers, the blocking
//! pool and the net poller.
//!
//! It knows nothing of channels or locks: those are built on [`park`]'s park/unpark.
//!
//! # Layers
//!
//! Each file imports only from its own layer or the ones below (`docs/design.md` has the
//! picture). Within a layer, two small circles remain, each a pair that is one concept split in
//! two: a task and the unparker that wakes it (with the join slot the task holds), and the
//! scheduler's shared state and the worker that runs it.
//!
//! 1. **The coroutine**, which knows nothing of scheduling: `task` (with `entry_point`, `join_slot` and
//!    `unparker`, which reaches the scheduler only through the `Ready` it registers),
//!    `park_state`, `stack`, `stack_memory`, `task_cache`, `sanitizer`, `wait`, `thread_parker`, `inbox`,
//!    `run_next`, `signal_stack`, `config`.
//! 2. **The machine**: the parts the scheduler owns (`timer`, `poller`, `blocking_pool`,
//!    `registry`, `idle`, `processor`, `spares`, `monitor`), `context`, the scheduler and its workers
//!    (`scheduler`, `worker`), and what watches them (`dump`, `stall_report`, `deadlock`,
//!    `sigquit`, `watch`, `overflow`, `panic_hook`).
//! 3. **The start**: `start`, which makes the scheduler on first use and starts its threads.
//! 4. **The surface**, which reaches the runtime through `start::get`: `park`, `signal`,
//!    `io_wait`, `blocking`, `join`, `spawn`, `go`.

#[cfg(not(loom))]
pub(crate) mod blocking;
#[cfg(not(loom))]
mod blocking_pool;
#[cfg(not(loom))]
pub(crate) mod config;
#[cfg(not(loom))]
pub(crate) mod context;
#[cfg(not(loom))]
mod deadlock;
#[cfg(not(loom))]
mod dump;
#[cfg(not(loom))]
mod entry_point;
pub(crate) mod go;
#[cfg_attr(loom, allow(dead_code))]
pub(crate) mod idle;
#[cfg_attr(loom, allow(dead_code))]
pub(crate) mod inbox;
#[cfg(not(loom))]
pub(crate) mod io_wait;
#[cfg(not(loom))]
pub(crate) mod join;
#[cfg(not(loom))]
mod join_slot;
#[cfg(all(test, loom))]
mod loom_wake;
#[cfg(not(loom))]
mod monitor;
#[cfg(not(loom))]
mod overflow;
#[cfg(not(loom))]
mod panic_hook;
#[cfg(not(loom))]
pub(crate) mod park;
#[cfg_attr(loom, allow(dead_code))]
pub(crate) mod park_state;
#[cfg(not(loom))]
pub(crate) mod poller;
#[cfg(not(loom))]
pub(crate) mod processor;
#[cfg(not(loom))]
mod registry;
#[cfg_attr(loom, allow(dead_code))]
pub(crate) mod run_next;
#[cfg(not(loom))]
pub(crate) mod sanitizer;
#[cfg(not(loom))]
pub(crate) mod scheduler;
pub(crate) mod signal;
#[cfg(not(loom))]
mod signal_stack;
#[cfg(not(loom))]
mod sigquit;
#[cfg(not(loom))]
mod spares;
#[cfg(not(loom))]
pub(crate) mod spawn;
#[cfg(not(loom))]
pub(crate) mod stack;
#[cfg(not(loom))]
pub(crate) mod stack_memory;
#[cfg(not(loom))]
mod stall_report;
#[cfg(not(loom))]
pub(crate) mod start;
#[cfg(not(loom))]
mod steal_patience;
#[cfg(not(loom))]
pub(crate) mod task;
#[cfg(not(loom))]
mod task_cache;
#[cfg(not(loom))]
mod thread_parker;
#[cfg(not(loom))]
pub(crate) mod timer;
#[cfg(not(loom))]
mod unparker;
#[cfg_attr(loom, allow(dead_code))]
pub(crate) mod wait;
#[cfg(not(loom))]
mod watch;
#[cfg(not(loom))]
pub(crate) mod worker;

// Under `cfg(loom)` the runtime is loom's threads: see `modelled.rs`.
#[cfg(loom)]
mod modelled;
#[cfg(loom)]
pub(crate) use modelled::{join, park, spawn};
