//! Synchronization for coroutines: waiting parks the coroutine, not its worker thread.
//!
//! Channels are the first way for coroutines to share data; these are for the cases Go's `sync`
//! package covers.

mod mutex;
mod wait_group;

pub use mutex::{Mutex, MutexGuard};
pub use wait_group::WaitGroup;
