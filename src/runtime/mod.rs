//! The runtime: coroutines, their stacks, the M:N scheduler, park/unpark, timers, the blocking
//! pool and the net poller.
//!
//! It knows nothing of channels or locks: those are built on [`park`]'s park/unpark.

pub(crate) mod blocking;
pub(crate) mod config;
pub(crate) mod context;
pub(crate) mod idle;
pub(crate) mod join;
pub(crate) mod monitor;
pub(crate) mod park;
pub(crate) mod poller;
pub(crate) mod processor;
pub(crate) mod scheduler;
pub(crate) mod spawn;
pub(crate) mod stack;
pub(crate) mod stack_memory;
pub(crate) mod task;
pub(crate) mod timer;
pub(crate) mod worker;
