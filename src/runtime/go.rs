//! `go` and `go!`: Go's `go` statement, over whichever runtime is built (the scheduler's
//! `Builder`, or loom threads under `cfg(loom)`).

use super::join::JoinHandle;
use super::spawn::Builder;

/// Starts a coroutine running `f` and returns a handle to join it: Go's `go` statement.
///
/// Callable from a coroutine or from any thread; the runtime starts itself on first use. The new
/// coroutine runs next on the caller's processor when called from a coroutine, else on whichever
/// worker picks it up.
///
/// Called from a coroutine whose worker already has more than 8,192 coroutines waiting to
/// start, `go` yields to them (as [`yield_now`](crate::yield_now) does) before it returns: back
/// pressure on a loop that spawns faster than its coroutines can run, which would otherwise pile
/// them up without bound. Go's scheduler gets the same by preempting a goroutine that has run for
/// 10 ms. So `go` is a point where other coroutines of the same worker may run, like a channel
/// operation: a std lock held across it deadlocks if one of them wants it (use
/// [`sync::Mutex`](crate::sync::Mutex)).
///
/// # Panics
/// If no stack can be had for the coroutine (see [`Builder::spawn`] for the error, which this
/// function panics with).
///
/// ```
/// let handle = offshoot::go(|| "hello from a coroutine");
/// assert_eq!(handle.join().unwrap(), "hello from a coroutine");
/// ```
#[track_caller]
pub fn go<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match Builder::new().spawn(f) {
        Ok(handle) => handle,
        Err(err) => panic!("{err}"),
    }
}

/// Starts a coroutine: `go!(say("world"))` is Go's `go say("world")`.
///
/// For a function call (`f(a, b)`, `path::to::f(a, b)`), the arguments are evaluated here, in
/// the caller, before the coroutine starts, as Go evaluates them at the `go` statement; the
/// call itself runs in the new coroutine. Any other expression, a method call or a block,
/// runs wholly in the coroutine: `go!(expr)` is then `go(move || expr)`.
///
/// ```
/// fn sum(part: Vec<i32>, out: offshoot::Sender<i32>) {
///     out.send(part.iter().sum()).unwrap();
/// }
/// let numbers = vec![1, 2, 3, 4];
/// let (tx, rx) = offshoot::chan(2);
/// offshoot::go!(sum(numbers[..2].to_vec(), tx.clone())); // `numbers` is only borrowed here
/// offshoot::go!(sum(numbers[2..].to_vec(), tx.clone()));
/// let total: i32 = rx.recv().unwrap() + rx.recv().unwrap();
/// assert_eq!(total, 10);
/// ```
#[macro_export]
macro_rules! go {
    ($($f:ident)::+ ($($arg:expr),* $(,)?)) => {
        $crate::__go_call!(($($f)::+) () ($($arg),*) (__go_arg_0 __go_arg_1 __go_arg_2 __go_arg_3 __go_arg_4 __go_arg_5 __go_arg_6 __go_arg_7 __go_arg_8 __go_arg_9 __go_arg_10 __go_arg_11 __go_arg_12 __go_arg_13 __go_arg_14 __go_arg_15 __go_arg_16 __go_arg_17 __go_arg_18 __go_arg_19 __go_arg_20 __go_arg_21 __go_arg_22 __go_arg_23 __go_arg_24 __go_arg_25 __go_arg_26 __go_arg_27 __go_arg_28 __go_arg_29 __go_arg_30 __go_arg_31))
    };
    ($($body:tt)+) => {
        $crate::go(move || { $($body)+ })
    };
}

/// `go!`'s call form: binds each argument to a local, in order, then starts the call.
#[doc(hidden)]
#[macro_export]
macro_rules! __go_call {
    ($f:tt ($($bound:ident)*) ($arg:expr $(, $rest:expr)*) ($next:ident $($names:ident)*)) => {{
        let $next = $arg;
        $crate::__go_call!($f ($($bound)* $next) ($($rest),*) ($($names)*))
    }};
    (($($f:tt)*) ($($bound:ident)*) () $names:tt) => {
        $crate::go(move || $($f)*($($bound),*))
    };
    ($f:tt $bound:tt ($($args:tt)+) ()) => {
        ::core::compile_error!("go!: a call with more than 32 arguments")
    };
}
