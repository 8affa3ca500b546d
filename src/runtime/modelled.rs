//! The runtime under `cfg(loom)`: a coroutine is a loom thread.
//!
//! loom cannot see inside corosensei's stack switches, so a model cannot interleave coroutines;
//! it can interleave threads. In a loom build `go` starts a `loom::thread`, `park` and `unpark`
//! are loom's, and `JoinHandle` wraps loom's, so code written against offshoot's channels,
//! `select!`, `Select` and `sync` runs unchanged inside `loom::model`, which then explores every
//! interleaving of its threads' synchronization. What loom cannot model is left out of the
//! build: the scheduler, timers (`time`), sockets (`net`), `fs` and `blocking`.
//!
//! Deadlines are not modelled either (loom has no clock): a wait with a deadline still in the
//! future waits as if it had none, so a model that needs a timeout to end is reported as a
//! deadlock. Operations whose deadline has passed on entry (the `try_` forms, `default` cases)
//! behave as usual.

pub(crate) mod park {
    use std::sync::Arc;
    use std::time::Instant;

    use loom::sync::{Condvar, Mutex};

    pub(crate) use crate::runtime::wait::WaitReason;

    /// A modelled thread's wake-up token with std's semantics: `unpark` leaves a token that the
    /// next `park` consumes. Built from a loom `Mutex` and `Condvar` rather than loom's own
    /// `Thread::unpark`, which also wakes a thread blocked on a loom lock (loom#249): a late
    /// unpark, harmless with std (it leaves a token), would otherwise abort the model.
    #[derive(Default)]
    struct Token {
        set: Mutex<bool>,
        changed: Condvar,
    }

    impl std::fmt::Debug for Token {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.pad("Token")
        }
    }

    loom::thread_local! {
        // std's `Arc`: loom's would be checked for leaks when the thread-local is dropped at the
        // end of a failed execution, turning an expected panic into an abort.
        static TOKEN: Arc<Token> = Arc::new(Token::default());
    }

    /// A handle that wakes one parked loom thread.
    #[derive(Debug, Clone)]
    pub(crate) struct Unparker(Arc<Token>);

    impl Unparker {
        /// Wakes the thread, or leaves it a token.
        pub(crate) fn unpark(&self) {
            *self.0.set.lock().expect("never poisoned") = true;
            self.0.changed.notify_one();
        }

        /// Like [`unpark`](Self::unpark), for a handle that is no longer needed.
        pub(crate) fn unpark_owned(self) {
            self.unpark();
        }
    }

    /// A handle that wakes the calling thread.
    pub(crate) fn current() -> Unparker {
        Unparker(TOKEN.with(Arc::clone))
    }

    /// Parks the calling thread until a token is there, and consumes it. (The reason is for
    /// the dump, which a model has not.)
    pub(crate) fn park(_why: WaitReason) {
        let token = TOKEN.with(Arc::clone);
        let mut set = token.set.lock().expect("never poisoned");
        while !*set {
            set = token.changed.wait(set).expect("never poisoned");
        }
        *set = false;
    }

    /// Deadlines are not modelled: parks as [`park`] does.
    pub(crate) fn park_until(_deadline: Instant, why: WaitReason) {
        park(why);
    }

    /// Deadlines are not modelled: a sleep that has not ended on entry never ends, which loom
    /// reports as a deadlock if nothing else can run.
    pub(crate) fn sleep_until(deadline: Instant) {
        if Instant::now() < deadline {
            loop {
                park(WaitReason::Sleep);
            }
        }
    }

    /// Lets loom run another thread here.
    pub fn yield_now() {
        loom::thread::yield_now();
    }
}

pub(crate) mod join {
    use std::fmt;
    use std::thread;

    use crate::loom::sync::atomic::{AtomicBool, Ordering};
    use crate::loom::sync::Arc;

    /// A handle to a coroutine, here a loom thread: `join` waits for it and returns its result.
    pub struct JoinHandle<T> {
        pub(super) inner: loom::thread::JoinHandle<T>,
        pub(super) name: Option<String>,
        /// Set when the body has returned.
        pub(super) finished: Arc<AtomicBool>,
    }

    impl<T: 'static> JoinHandle<T> {
        /// Waits for the thread to end and returns its result.
        pub fn join(self) -> thread::Result<T> {
            self.inner.join()
        }
    }

    impl<T> JoinHandle<T> {
        /// True once the body has returned.
        pub fn is_finished(&self) -> bool {
            self.finished.load(Ordering::Acquire)
        }

        /// The name given by [`Builder::name`](crate::Builder::name), if any.
        pub fn name(&self) -> Option<&str> {
            self.name.as_deref()
        }
    }

    impl<T> fmt::Debug for JoinHandle<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("JoinHandle")
                .field("name", &self.name)
                .finish_non_exhaustive()
        }
    }
}

pub(crate) mod spawn {
    use std::io;

    use super::join::JoinHandle;
    use crate::loom::sync::atomic::{AtomicBool, Ordering};
    use crate::loom::sync::Arc;

    /// Runs `f` on the calling thread, which inside `loom::model` is already a modelled one.
    pub fn run<F, T>(f: F) -> T
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        f()
    }

    /// Options for a new coroutine. Under loom only the name is kept.
    #[derive(Debug, Default)]
    pub struct Builder {
        name: Option<String>,
    }

    impl Builder {
        /// Default options.
        pub fn new() -> Builder {
            Builder::default()
        }

        /// Names the coroutine.
        pub fn name(mut self, name: String) -> Builder {
            self.name = Some(name);
            self
        }

        /// Ignored under loom: loom threads have no stack of their own to size.
        pub fn stack_size(self, _bytes: usize) -> Builder {
            self
        }

        /// Starts `f` on a new loom thread.
        pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
        where
            F: FnOnce() -> T + Send + 'static,
            T: Send + 'static,
        {
            let finished = Arc::new(AtomicBool::new(false));
            let flag = finished.clone();
            let inner = loom::thread::spawn(move || {
                let value = f();
                flag.store(true, Ordering::Release);
                value
            });
            Ok(JoinHandle {
                inner,
                name: self.name,
                finished,
            })
        }
    }
}
