//! The `select!` macro: crossbeam-channel's grammar, Go's semantics; and `select_biased!`,
//! crossbeam's variant that prefers the first ready case.
//!
//! Both are one token muncher, which carries a flag (`true` for biased) from its first stage
//! to the select loop. It has three stages:
//! 1. `@list` turns the input into a list of normalized cases `kind(args) -> pat => { body },`,
//!    accepting every form crossbeam accepts: a body as an expression followed by a comma, or as
//!    a block with or without one; trailing commas inside argument lists; `default`,
//!    `default()` and `default(timeout)`. Common mistakes get crossbeam's error messages.
//! 2. `@assign` names each `recv`/`send` case from a fixed list (a local for its typed case, a
//!    local for its result, and its index) and sets `default` aside.
//! 3. `@gen` declares the result locals, then `@bind` borrows each channel in source order and
//!    makes its case (a `RecvCase`/`SendCase` on the stack), runs the select loop over them as
//!    `&dyn Case`, and completes the chosen one into its result local: a send's message
//!    expression is evaluated only if its case is chosen. Only then, with every borrow of the
//!    channels over, `@dispatch` runs the chosen body, so a body may reassign a channel variable
//!    (Go's idiom of switching a case off with a nil channel, here `never()` or
//!    `never_sender()`).
//!
//! The expansion has no loop of its own, so `break` and `continue` in a case's body reach the
//! user's enclosing loop, as they would in Go.

/// Waits on several channel operations at once, and runs the body of the one that completes.
///
/// ```text
/// select! {
///     recv(rx) -> v => ...,          // v: Result<T, RecvError>
///     send(tx, value) -> r => ...,   // r: Result<(), SendError<T>>; `value` evaluated only if chosen
///     default => ...,                // optional: run if no case is ready now
///     default(timeout) => ...,       // or: run if none became ready within `timeout`
/// }
/// ```
///
/// As in Go: if several cases are ready, one is chosen uniformly at random; a receive on a
/// closed channel is ready (it yields `Err(RecvError)`), as is a send on one (it fails with the
/// message); without `default` the caller parks until exactly one case fires. A receive on
/// [`never()`](crate::never) and a send on [`never_sender()`](crate::never_sender) are never
/// ready: use them to switch a case off, as Go uses a nil channel. `recv` takes a `Receiver`
/// or a reference to one, `send` a `Sender` or a reference.
///
/// ```
/// use offshoot::{chan, select};
/// use std::time::Duration;
///
/// let (tx1, rx1) = chan::<i32>(1);
/// let (tx2, rx2) = chan::<&str>(1);
/// tx2.send("two").unwrap();
/// select! {
///     recv(rx1) -> v => panic!("nothing was sent on rx1: {v:?}"),
///     recv(rx2) -> v => assert_eq!(v, Ok("two")),
///     default(Duration::from_secs(1)) => panic!("rx2 was ready"),
/// }
/// # drop(tx1);
/// ```
#[macro_export]
macro_rules! select {
    ($($tokens:tt)*) => {
        $crate::__select_internal!(@list false ($($tokens)*) ())
    };
}

/// [`select!`] that, when several cases are ready, chooses the first of them in source order
/// instead of one at random: crossbeam-channel's `select_biased!`. The syntax is the same.
///
/// Go has no such statement (its priority select is a `select` with `default` inside another
/// `select`). Use it when one channel must win over another, a quit signal over work for
/// example, and mind that a case that is always ready starves the ones after it.
///
/// ```
/// use offshoot::{chan, select_biased};
///
/// let (quit_tx, quit) = chan::<()>(1);
/// let (work_tx, work) = chan::<u32>(8);
/// for job in 0..8 {
///     work_tx.send(job).unwrap();
/// }
/// quit_tx.send(()).unwrap();
/// // Both are ready; the quit case comes first, so it wins every time.
/// let quitting = select_biased! {
///     recv(quit) -> _ => true,
///     recv(work) -> _ => false,
/// };
/// assert!(quitting);
/// assert_eq!(work.len(), 8);
/// ```
#[macro_export]
macro_rules! select_biased {
    ($($tokens:tt)*) => {
        $crate::__select_internal!(@list true ($($tokens)*) ())
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select_internal {
    // ---- stage 1: normalize the list of cases ----

    (@list $biased:tt () ($($head:tt)*)) => {
        $crate::__select_internal!(@assign $biased ((__select_case_0 __select_result_0 0) (__select_case_1 __select_result_1 1) (__select_case_2 __select_result_2 2) (__select_case_3 __select_result_3 3) (__select_case_4 __select_result_4 4) (__select_case_5 __select_result_5 5) (__select_case_6 __select_result_6 6) (__select_case_7 __select_result_7 7) (__select_case_8 __select_result_8 8) (__select_case_9 __select_result_9 9) (__select_case_10 __select_result_10 10) (__select_case_11 __select_result_11 11) (__select_case_12 __select_result_12 12) (__select_case_13 __select_result_13 13) (__select_case_14 __select_result_14 14) (__select_case_15 __select_result_15 15) (__select_case_16 __select_result_16 16) (__select_case_17 __select_result_17 17) (__select_case_18 __select_result_18 18) (__select_case_19 __select_result_19 19) (__select_case_20 __select_result_20 20) (__select_case_21 __select_result_21 21) (__select_case_22 __select_result_22 22) (__select_case_23 __select_result_23 23) (__select_case_24 __select_result_24 24) (__select_case_25 __select_result_25 25) (__select_case_26 __select_result_26 26) (__select_case_27 __select_result_27 27) (__select_case_28 __select_result_28 28) (__select_case_29 __select_result_29 29) (__select_case_30 __select_result_30 30) (__select_case_31 __select_result_31 31) (__select_case_32 __select_result_32 32) (__select_case_33 __select_result_33 33) (__select_case_34 __select_result_34 34) (__select_case_35 __select_result_35 35) (__select_case_36 __select_result_36 36) (__select_case_37 __select_result_37 37) (__select_case_38 __select_result_38 38) (__select_case_39 __select_result_39 39) (__select_case_40 __select_result_40 40) (__select_case_41 __select_result_41 41) (__select_case_42 __select_result_42 42) (__select_case_43 __select_result_43 43) (__select_case_44 __select_result_44 44) (__select_case_45 __select_result_45 45) (__select_case_46 __select_result_46 46) (__select_case_47 __select_result_47 47) (__select_case_48 __select_result_48 48) (__select_case_49 __select_result_49 49) (__select_case_50 __select_result_50 50) (__select_case_51 __select_result_51 51) (__select_case_52 __select_result_52 52) (__select_case_53 __select_result_53 53) (__select_case_54 __select_result_54 54) (__select_case_55 __select_result_55 55) (__select_case_56 __select_result_56 56) (__select_case_57 __select_result_57 57) (__select_case_58 __select_result_58 58) (__select_case_59 __select_result_59 59) (__select_case_60 __select_result_60 60) (__select_case_61 __select_result_61 61) (__select_case_62 __select_result_62 62) (__select_case_63 __select_result_63 63)) ($($head)*) () ())
    };
    (@list $biased:tt (default => $($tail:tt)*) ($($head:tt)*)) => {
        $crate::__select_internal!(@list $biased (default() => $($tail)*) ($($head)*))
    };
    (@list $biased:tt (default -> $($tail:tt)*) ($($head:tt)*)) => {
        ::core::compile_error!("expected `=>` after `default` case, found `->`")
    };
    (@list $biased:tt (default $args:tt -> $($tail:tt)*) ($($head:tt)*)) => {
        ::core::compile_error!("expected `=>` after `default` case, found `->`")
    };
    (@list $biased:tt (recv($($args:tt)*) => $($tail:tt)*) ($($head:tt)*)) => {
        ::core::compile_error!("expected `->` after `recv` case, found `=>`")
    };
    (@list $biased:tt (send($($args:tt)*) => $($tail:tt)*) ($($head:tt)*)) => {
        ::core::compile_error!("expected `->` after `send` operation, found `=>`")
    };
    (@list $biased:tt ($case:ident $args:tt -> $res:tt -> $($tail:tt)*) ($($head:tt)*)) => {
        ::core::compile_error!("expected `=>`, found `->`")
    };
    (@list $biased:tt ($case:ident $args:tt $(-> $res:pat)* => $body:block; $($tail:tt)*) ($($head:tt)*)) => {
        ::core::compile_error!("did you mean to put a comma instead of the semicolon after `}`?")
    };
    (@list $biased:tt ($case:ident ($($args:tt)*) $(-> $res:pat)* => $body:expr, $($tail:tt)*) ($($head:tt)*)) => {
        $crate::__select_internal!(@list $biased ($($tail)*) ($($head)* $case ($($args)*) $(-> $res)* => { $body },))
    };
    (@list $biased:tt ($case:ident ($($args:tt)*) $(-> $res:pat)* => $body:block $($tail:tt)*) ($($head:tt)*)) => {
        $crate::__select_internal!(@list $biased ($($tail)*) ($($head)* $case ($($args)*) $(-> $res)* => { $body },))
    };
    (@list $biased:tt ($case:ident ($($args:tt)*) $(-> $res:pat)* => $body:expr) ($($head:tt)*)) => {
        $crate::__select_internal!(@list $biased () ($($head)* $case ($($args)*) $(-> $res)* => { $body },))
    };
    (@list $biased:tt ($case:ident ($($args:tt)*) $(-> $res:pat)* => $body:expr,) ($($head:tt)*)) => {
        $crate::__select_internal!(@list $biased () ($($head)* $case ($($args)*) $(-> $res)* => { $body },))
    };
    (@list $biased:tt ($($tail:tt)*) ($($head:tt)*)) => {
        $crate::__select_internal!(@error $($tail)*)
    };

    (@error $case:ident) => {
        ::core::compile_error!(::core::concat!("missing argument list after `", ::core::stringify!($case), "`"))
    };
    (@error $case:ident => $($tail:tt)*) => {
        ::core::compile_error!(::core::concat!("missing argument list after `", ::core::stringify!($case), "`"))
    };
    (@error $case:ident ($($args:tt)*) $(-> $r:pat)*) => {
        ::core::compile_error!(::core::concat!("missing `=>` after `", ::core::stringify!($case), "` case"))
    };
    (@error $case:ident ($($args:tt)*) $(-> $r:pat)* =>) => {
        ::core::compile_error!("expected expression after `=>`")
    };
    (@error $case:ident ($($args:tt)*) -> => $($tail:tt)*) => {
        ::core::compile_error!("missing pattern after `->`")
    };
    (@error $case:ident ($($args:tt)*) $(-> $r:pat)* => $body:expr; $($tail:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "did you mean to put a comma instead of the semicolon after `", ::core::stringify!($body), "`?"
        ))
    };
    (@error $t:tt $($tail:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "invalid select! syntax near `", ::core::stringify!($t), "`: expected `recv(r) -> v => body`, ",
            "`send(s, msg) -> r => body`, `default => body` or `default(timeout) => body`"
        ))
    };

    // ---- stage 2: name each case, set `default` aside ----

    (@assign $biased:tt ($($names:tt)*) () ($($items:tt)*) ($($default:tt)*)) => {
        $crate::__select_internal!(@gen $biased ($($items)*) ($($default)*))
    };
    (@assign $biased:tt (($case:ident $result:ident $index:tt) $($names:tt)*)
        (recv($r:expr $(,)?) -> $res:pat => $body:tt, $($tail:tt)*) ($($items:tt)*) $default:tt) => {
        $crate::__select_internal!(@assign $biased ($($names)*) ($($tail)*)
            ($($items)* ($case $result $index recv($r) [$res] $body)) $default)
    };
    (@assign $biased:tt (($case:ident $result:ident $index:tt) $($names:tt)*)
        (send($s:expr, $m:expr $(,)?) -> $res:pat => $body:tt, $($tail:tt)*) ($($items:tt)*) $default:tt) => {
        $crate::__select_internal!(@assign $biased ($($names)*) ($($tail)*)
            ($($items)* ($case $result $index send($s, $m) [$res] $body)) $default)
    };
    (@assign $biased:tt $names:tt (default($($t:expr)? $(,)?) => $body:tt, $($tail:tt)*) $items:tt ()) => {
        $crate::__select_internal!(@assign $biased $names ($($tail)*) $items (($($t)?) $body))
    };
    (@assign $biased:tt $names:tt (default $($tail:tt)*) $items:tt ($($default:tt)+)) => {
        ::core::compile_error!("there can be only one `default` case in a `select!` block")
    };
    (@assign $biased:tt $names:tt (recv($($args:tt)*) $($tail:tt)*) $items:tt $default:tt) => {
        ::core::compile_error!(::core::concat!("invalid argument list in `recv(", ::core::stringify!($($args)*), ")`"))
    };
    (@assign $biased:tt $names:tt (send($($args:tt)*) $($tail:tt)*) $items:tt $default:tt) => {
        ::core::compile_error!(::core::concat!("invalid argument list in `send(", ::core::stringify!($($args)*), ")`"))
    };
    (@assign $biased:tt $names:tt (default($($args:tt)*) $($tail:tt)*) $items:tt $default:tt) => {
        ::core::compile_error!(::core::concat!("invalid argument list in `default(", ::core::stringify!($($args)*), ")`"))
    };
    (@assign $biased:tt () ($($tail:tt)+) $items:tt $default:tt) => {
        ::core::compile_error!("too many operations in a `select!` block (at most 64)")
    };
    (@assign $biased:tt $names:tt ($case:ident $($tail:tt)*) $items:tt $default:tt) => {
        ::core::compile_error!(::core::concat!(
            "expected one of `recv`, `send`, or `default`, found `", ::core::stringify!($case), "`"
        ))
    };

    // ---- stage 3: run the select in a scope that borrows the channels, then the chosen body
    // outside it (so the body may reassign a channel variable, Go's nil-channel idiom) ----

    (@gen $biased:tt ($(($case:ident $result:ident $index:tt $kind:ident $args:tt [$($res:tt)*] $body:tt))*) $default:tt) => {{
        $(let mut $result = ::core::option::Option::None;)*
        $crate::__select_internal!(@bind $biased ($(($case $result $index $kind $args))*) () $default);
        $crate::__select_internal!(@dispatch ($(($result [$($res)*] $body))*) $default)
    }};

    // Borrow each channel (in source order, as Go evaluates them) and make its typed case.
    (@bind $biased:tt (($case:ident $result:ident $index:tt recv($r:expr)) $($rest:tt)*) ($($bound:tt)*) $default:tt) => {
        match $r {
            ref receiver => {
                let receiver: &$crate::Receiver<_> = receiver;
                let $case = $crate::__private::recv_case(receiver);
                $crate::__select_internal!(@bind $biased ($($rest)*) ($($bound)* ($case $result $index recv())) $default)
            }
        }
    };
    (@bind $biased:tt (($case:ident $result:ident $index:tt send($s:expr, $m:expr)) $($rest:tt)*) ($($bound:tt)*) $default:tt) => {
        match $s {
            ref sender => {
                let sender: &$crate::Sender<_> = sender;
                let $case = $crate::__private::send_case(sender);
                $crate::__select_internal!(@bind $biased ($($rest)*) ($($bound)* ($case $result $index send($m))) $default)
            }
        }
    };
    (@bind $biased:tt () ($(($case:ident $result:ident $index:tt $kind:ident($($m:expr)?)))*) ($($default:tt)*)) => {{
        let cases: &[&dyn $crate::__private::Case] = &[$(&$case),*];
        match $crate::__private::select(cases, $crate::__select_internal!(@wait $($default)*), $biased) {
            $(::core::option::Option::Some($index) => {
                $result = ::core::option::Option::Some($crate::__select_internal!(@complete $case $kind($($m)?)));
            })*
            ::core::option::Option::None => {}
            ::core::option::Option::Some(_) => ::core::unreachable!(),
        }
    }};

    (@dispatch (($result:ident [$($res:tt)*] $body:tt) $($rest:tt)*) $default:tt) => {
        match $result {
            ::core::option::Option::Some($($res)*) => $body,
            ::core::option::Option::None => $crate::__select_internal!(@dispatch ($($rest)*) $default),
        }
    };
    (@dispatch () ()) => { ::core::unreachable!("a select! without default returned no case") };
    (@dispatch () ($args:tt $body:tt)) => { $body };

    (@wait) => { $crate::__private::Wait::Forever };
    (@wait () $body:tt) => { $crate::__private::Wait::Never };
    (@wait ($t:expr) $body:tt) => { $crate::__private::wait_for($t) };

    (@complete $case:ident recv()) => { $case.complete_recv() };
    (@complete $case:ident send($m:expr)) => { $case.complete_send($m) };
}
