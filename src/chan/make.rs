//! Making channels: Go's `make(chan T, n)`, crossbeam-channel's `bounded` and `unbounded`, and
//! the nil channels `never` and `never_sender`.
//!
//! All of them give the same [`Sender`] and [`Receiver`] types, so one `select!` mixes them
//! freely. They differ in what ends a channel:
//!
//! | made by | ends when | a dropped last `Sender` | a dropped last `Receiver` |
//! |---|---|---|---|
//! | [`chan`] | `close()` only | changes nothing: receivers wait | changes nothing: senders wait |
//! | [`bounded`], [`unbounded`] | `close()`, or a side is gone | receivers drain, then fail | sends fail, buffer dropped |
//! | [`never`], [`never_sender`] | never | (no other end) | (no other end) |
//!
//! Pick `chan` for code ported from Go, where a goroutine left blocked on a send that nobody
//! will take is a leak, not an error, and a channel is closed by its owner. Pick `bounded` or
//! `unbounded` for code written against crossbeam-channel (or std's `mpsc`), where dropping the
//! senders is how a consumer learns that the work is done.

use super::channel::{Chan, Lifetime};
use super::receiver::Receiver;
use super::sender::Sender;
use crate::loom::sync::Arc;

/// Makes a channel with room for `cap` buffered values: Go's `make(chan T, cap)`.
///
/// With `cap == 0` the channel is unbuffered: a send completes only when a receiver takes the
/// value (a rendezvous). Both ends may be cloned.
///
/// As in Go, the channel is closed only by [`Sender::close`]. Dropping every `Sender` does not
/// close it (a receiver goes on waiting), and dropping every `Receiver` does not make sends fail
/// (a sender waits for room that never comes): an operation that can never complete waits, and
/// a `select!` case on it is never ready. Values still buffered are dropped with the channel.
///
/// ```
/// let (tx, rx) = offshoot::chan(0);
/// offshoot::go(move || {
///     tx.send("ping").unwrap();
///     tx.close(); // Go's close(ch): without it, the loop below would wait for ever
/// });
/// let got: Vec<&str> = rx.iter().collect();
/// assert_eq!(got, ["ping"]);
/// ```
pub fn chan<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    pair(Chan::new(Some(cap), Lifetime::UntilClosed))
}

/// Makes a channel with room for `cap` buffered values, with crossbeam-channel's rules: it is
/// *disconnected* when every sender or every receiver is gone.
///
/// When the last `Sender` is dropped, receivers get what is buffered, then an error (so
/// `for v in &rx` ends). When the last `Receiver` is dropped, every send fails at once (parked
/// ones too), handing its message back, and the buffered values are dropped. `close()` works as
/// on a [`chan`]. A capacity of 0 makes a rendezvous channel, as `chan(0)`.
///
/// ```
/// use offshoot::{bounded, go, SendError};
///
/// let (tx, rx) = bounded(1);
/// go(move || {
///     for i in 0..3 {
///         tx.send(i).unwrap();
///     }
///     // `tx` is dropped here: the channel is disconnected once drained.
/// });
/// assert_eq!(rx.iter().collect::<Vec<_>>(), [0, 1, 2]);
///
/// let (tx, rx) = bounded(1);
/// drop(rx);
/// assert_eq!(tx.send(7), Err(SendError(7)));
/// ```
pub fn bounded<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    pair(Chan::new(Some(cap), Lifetime::WhileConnected))
}

/// Makes a channel with no limit on its buffer, with crossbeam-channel's rules (see
/// [`bounded`]): a send never waits; it fails only once the channel is closed or every receiver
/// is gone. [`Sender::capacity`] is `None`.
///
/// The buffer grows as needed and shrinks again as it drains, so a burst does not keep its
/// memory for the channel's life.
///
/// ```
/// let (tx, rx) = offshoot::unbounded();
/// for i in 0..10_000 {
///     tx.send(i).unwrap(); // never waits, no receiver needed
/// }
/// drop(tx);
/// assert_eq!(rx.iter().sum::<i32>(), (0..10_000).sum());
/// assert_eq!(rx.capacity(), None);
/// ```
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    pair(Chan::new(None, Lifetime::WhileConnected))
}

fn pair<T>(chan: Chan<T>) -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(chan);
    (Sender { chan: chan.clone() }, Receiver::from_chan(chan))
}

/// A receiver that never receives anything: Go's nil channel, to switch a `select!` receive case
/// off (see [`never_sender`] for send cases).
///
/// ```
/// use std::time::Duration;
/// let (tx, rx) = offshoot::chan::<i32>(1);
/// tx.send(1).unwrap();
/// // With `rx` switched off, only the timeout can fire.
/// let off = offshoot::never::<i32>();
/// offshoot::select! {
///     recv(off) -> _ => unreachable!(),
///     default(Duration::from_millis(10)) => {}
/// }
/// assert_eq!(rx.recv(), Ok(1));
/// ```
pub fn never<T>() -> Receiver<T> {
    // Its sender count starts at one and has no `Sender` to drop: nothing is ever sent and it
    // never closes.
    Receiver::from_chan(Arc::new(Chan::nil()))
}

/// A sender that never sends anything: Go's nil channel on the sending side, to switch a
/// `select!` send case off until there is something to send (Go's `var out chan T`). A send on
/// it waits forever (with a timeout, it times out; `try_send` finds it full), and `close` does
/// nothing and returns false (where Go's `close` of a nil channel panics).
///
/// ```
/// use offshoot::{chan, never, never_sender, select, Receiver, Sender};
///
/// let (results, collected) = chan::<u32>(16);
/// let (jobs, incoming) = chan::<u32>(16);
/// for job in 1..=3 {
///     jobs.send(job).unwrap();
/// }
/// jobs.close();
/// // Go's loop with `var in, out chan int`: `in` is set while there is room for a job, `out`
/// // while a result is pending; a nil channel's case is never chosen.
/// let mut pending: Option<u32> = None;
/// let mut incoming = Some(incoming);
/// while incoming.is_some() || pending.is_some() {
///     let input: Receiver<u32> = match (&incoming, pending) {
///         (Some(rx), None) => rx.clone(),
///         _ => never(),
///     };
///     let out: Sender<u32> = if pending.is_some() { results.clone() } else { never_sender() };
///     select! {
///         recv(input) -> job => match job {
///             Ok(job) => pending = Some(job * 10),
///             Err(_) => incoming = None,
///         },
///         send(out, pending.unwrap_or_default()) -> sent => {
///             sent.unwrap();
///             pending = None;
///         },
///     }
/// }
/// let mut got: Vec<u32> = collected.try_iter().collect();
/// got.sort();
/// assert_eq!(got, [10, 20, 30]);
/// ```
pub fn never_sender<T>() -> Sender<T> {
    // Its receiver count starts at one and has no `Receiver` to drop: nothing is ever taken,
    // and sends never fail.
    Sender {
        chan: Arc::new(Chan::nil()),
    }
}
