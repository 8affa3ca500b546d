//! The runtime: coroutines, their stacks, the M:N scheduler, park/unpark, timers, the blocking
//! pool and the net poller.
//!
//! It knows nothing of channels or locks: those are built on [`park`]'s park/unpark.

#[cfg(not(loom))]
pub(crate) mod blocking;
#[cfg(not(loom))]
pub(crate) mod config;
#[cfg(not(loom))]
pub(crate) mod context;
#[cfg(not(loom))]
mod deadlock;
#[cfg(not(loom))]
pub(crate) mod dump;
pub(crate) mod go;
#[cfg_attr(loom, allow(dead_code))]
pub(crate) mod idle;
#[cfg_attr(loom, allow(dead_code))]
pub(crate) mod inbox;
#[cfg(not(loom))]
pub(crate) mod join;
#[cfg(all(test, loom))]
mod loom_wake;
#[cfg(not(loom))]
pub(crate) mod monitor;
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
pub(crate) mod registry;
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
pub(crate) mod spawn;
#[cfg(not(loom))]
pub(crate) mod stack;
#[cfg(not(loom))]
pub(crate) mod stack_memory;
#[cfg(not(loom))]
mod stall_report;
#[cfg(not(loom))]
pub(crate) mod task;
#[cfg(not(loom))]
mod thread_parker;
#[cfg(not(loom))]
pub(crate) mod timer;
#[cfg_attr(loom, allow(dead_code))]
pub(crate) mod wait;
#[cfg(not(loom))]
pub(crate) mod worker;

// Under `cfg(loom)` the runtime is loom's threads: see `modelled.rs`.
#[cfg(loom)]
mod modelled;
#[cfg(loom)]
pub(crate) use modelled::{join, park, spawn};
