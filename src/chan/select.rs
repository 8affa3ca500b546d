//! `Select`: a select over a set of operations known only at run time (Go's `reflect.Select`),
//! in crossbeam-channel's shape.
//!
//! Cases are added with [`Select::recv`] and [`Select::send`]; a `select*` call chooses one and
//! returns a [`SelectedOperation`], which must then be completed with the same receiver or
//! sender (and, for a send, the message). The chosen operation is reserved until then, so the
//! completion cannot fail for want of a peer or of room.

use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::time::{Duration, Instant};

use super::case::{self, Case, RecvCase, SendCase, Wait};
use super::channel::ChannelHandle;
use super::error::{
    ReadyTimeoutError, RecvError, SelectTimeoutError, SendError, TryReadyError, TrySelectError,
};
use super::receiver::Receiver;
use super::sender::Sender;

/// A case of a `Select`, which can hand its reservation over to a `SelectedOperation`.
trait OwnedCase<'a>: Case {
    fn is_send(&self) -> bool;
    /// Moves the reservation into a new heap case; returns it and the function that frees it.
    fn detach(&self) -> Detached;
    fn boxed_clone(&self) -> Box<dyn OwnedCase<'a> + 'a>;
}

/// A reservation moved out of a `Select`: a `Box<RecvCase<T>>` or `Box<SendCase<T>>`, erased.
struct Detached {
    case: NonNull<()>,
    /// Frees the box (giving back the reservation if it was not completed).
    drop_case: unsafe fn(NonNull<()>),
}

impl<'a, T> OwnedCase<'a> for RecvCase<'a, T> {
    fn is_send(&self) -> bool {
        false
    }
    fn detach(&self) -> Detached {
        let moved = RecvCase::new(self.chan);
        *moved.reservation.borrow_mut() = self.reservation.borrow_mut().take();
        Detached {
            case: NonNull::from(Box::leak(Box::new(moved))).cast(),
            drop_case: drop_boxed::<RecvCase<'a, T>>,
        }
    }
    fn boxed_clone(&self) -> Box<dyn OwnedCase<'a> + 'a> {
        Box::new(RecvCase::new(self.chan))
    }
}

impl<'a, T> OwnedCase<'a> for SendCase<'a, T> {
    fn is_send(&self) -> bool {
        true
    }
    fn detach(&self) -> Detached {
        let moved = SendCase::new(self.chan);
        *moved.reservation.borrow_mut() = self.reservation.borrow_mut().take();
        Detached {
            case: NonNull::from(Box::leak(Box::new(moved))).cast(),
            drop_case: drop_boxed::<SendCase<'a, T>>,
        }
    }
    fn boxed_clone(&self) -> Box<dyn OwnedCase<'a> + 'a> {
        Box::new(SendCase::new(self.chan))
    }
}

/// Frees a detached case of type `C`.
///
/// # Safety
/// `ptr` came from `Box::leak` of a `Box<C>` in `detach`, and is freed once.
unsafe fn drop_boxed<C>(ptr: NonNull<()>) {
    // SAFETY: the caller's contract.
    drop(unsafe { Box::from_raw(ptr.cast::<C>().as_ptr()) });
}

/// Chooses one of several channel operations, built at run time. Like [`select!`](crate::select)
/// but for a number of cases not known at compile time.
///
/// ```
/// use offshoot::{chan, Select};
/// let (tx1, rx1) = chan::<i32>(1);
/// let (tx2, rx2) = chan::<i32>(1);
/// tx2.send(2).unwrap();
///
/// let mut sel = Select::new();
/// let first = sel.recv(&rx1);
/// let second = sel.recv(&rx2);
/// let oper = sel.select();
/// match oper.index() {
///     i if i == first => panic!("rx1 is empty: {:?}", oper.recv(&rx1)),
///     i if i == second => assert_eq!(oper.recv(&rx2), Ok(2)),
///     _ => unreachable!(),
/// }
/// # drop(tx1);
/// ```
pub struct Select<'a> {
    /// By index; `None` once removed.
    cases: Vec<Option<Box<dyn OwnedCase<'a> + 'a>>>,
    /// Poll in the order added instead of from a random start.
    biased: bool,
}

impl<'a> Select<'a> {
    /// An empty select; ready cases are chosen uniformly at random.
    pub fn new() -> Select<'a> {
        Select {
            cases: Vec::new(),
            biased: false,
        }
    }

    /// An empty select that prefers the first-added ready case.
    pub fn new_biased() -> Select<'a> {
        Select {
            cases: Vec::new(),
            biased: true,
        }
    }

    /// Adds a send on `s`; returns the case's index.
    pub fn send<T>(&mut self, s: &'a Sender<T>) -> usize {
        self.cases.push(Some(Box::new(SendCase::new(&s.chan))));
        self.cases.len() - 1
    }

    /// Adds a receive on `r`; returns the case's index.
    pub fn recv<T>(&mut self, r: &'a Receiver<T>) -> usize {
        self.cases.push(Some(Box::new(RecvCase::new(&r.chan))));
        self.cases.len() - 1
    }

    /// Removes the case with index `index`; the other indices stay as they are.
    ///
    /// # Panics
    /// If there is no such case (never added, or already removed).
    pub fn remove(&mut self, index: usize) {
        let case = self.cases.get_mut(index).and_then(Option::take);
        assert!(
            case.is_some(),
            "no operation with index {index} in this Select"
        );
    }

    /// Chooses a ready operation without waiting.
    pub fn try_select(&mut self) -> Result<SelectedOperation<'a>, TrySelectError> {
        self.run(Wait::Never).ok_or(TrySelectError)
    }

    /// Chooses an operation, parking until one is ready.
    ///
    /// # Panics
    /// If the select has no cases (it would wait forever; Go's `select {}` does, here it panics
    /// as crossbeam's does, since it is surely a bug).
    pub fn select(&mut self) -> SelectedOperation<'a> {
        assert!(
            self.cases.iter().any(Option::is_some),
            "no operations have been added to `Select`"
        );
        self.run(Wait::Forever)
            .expect("a blocking select returns an operation")
    }

    /// Chooses an operation, waiting at most `timeout`.
    pub fn select_timeout(
        &mut self,
        timeout: Duration,
    ) -> Result<SelectedOperation<'a>, SelectTimeoutError> {
        self.run(case::wait_for(timeout)).ok_or(SelectTimeoutError)
    }

    /// Chooses an operation, waiting until `deadline` at the latest.
    pub fn select_deadline(
        &mut self,
        deadline: Instant,
    ) -> Result<SelectedOperation<'a>, SelectTimeoutError> {
        self.run(Wait::Until(deadline)).ok_or(SelectTimeoutError)
    }

    /// Returns the index of an operation that is ready now, without performing it. It may no
    /// longer be ready when the caller gets to it (another party may take it first).
    pub fn try_ready(&mut self) -> Result<usize, TryReadyError> {
        self.watch(Wait::Never).ok_or(TryReadyError)
    }

    /// Parks until an operation is ready and returns its index, without performing it.
    ///
    /// # Panics
    /// If the select has no cases.
    pub fn ready(&mut self) -> usize {
        assert!(
            self.cases.iter().any(Option::is_some),
            "no operations have been added to `Select`"
        );
        self.watch(Wait::Forever)
            .expect("a blocking ready returns an index")
    }

    /// As [`ready`](Self::ready), waiting at most `timeout`.
    pub fn ready_timeout(&mut self, timeout: Duration) -> Result<usize, ReadyTimeoutError> {
        self.watch(case::wait_for(timeout)).ok_or(ReadyTimeoutError)
    }

    /// As [`ready`](Self::ready), waiting until `deadline` at the latest.
    pub fn ready_deadline(&mut self, deadline: Instant) -> Result<usize, ReadyTimeoutError> {
        self.watch(Wait::Until(deadline)).ok_or(ReadyTimeoutError)
    }

    fn live_cases(&self) -> (Vec<usize>, Vec<&dyn Case>) {
        self.cases
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.as_deref().map(|c| (i, c as &dyn Case)))
            .unzip()
    }

    fn watch(&mut self, wait: Wait) -> Option<usize> {
        let (indices, cases) = self.live_cases();
        case::ready(&cases, wait, self.biased).map(|k| indices[k])
    }

    fn run(&mut self, wait: Wait) -> Option<SelectedOperation<'a>> {
        let (indices, cases) = self.live_cases();
        let chosen = case::select_with(&cases, wait, self.biased, false)?;
        let case = self.cases[indices[chosen]].as_deref().expect("a live case");
        Some(SelectedOperation {
            index: indices[chosen],
            channel: case.channel().id(),
            is_send: case.is_send(),
            reservation: Some(case.detach()),
            marker: PhantomData,
        })
    }
}

impl Default for Select<'_> {
    fn default() -> Self {
        Select::new()
    }
}

impl<'a> Clone for Select<'a> {
    fn clone(&self) -> Self {
        Select {
            cases: self
                .cases
                .iter()
                .map(|c| c.as_ref().map(|c| c.boxed_clone()))
                .collect(),
            biased: self.biased,
        }
    }
}

impl fmt::Debug for Select<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field("cases", &self.cases.iter().filter(|c| c.is_some()).count())
            .finish()
    }
}

/// The operation a `Select` chose, reserved until completed with [`recv`](Self::recv) or
/// [`send`](Self::send). Dropping it unfinished gives the reservation back where it can (a buffer
/// slot or value); a peer already paired with it is told the operation failed.
#[must_use = "a selected operation must be completed with `recv` or `send`"]
pub struct SelectedOperation<'a> {
    index: usize,
    /// The chosen case's channel (`ChannelHandle::id`), to check the completion uses it.
    channel: usize,
    is_send: bool,
    reservation: Option<Detached>,
    marker: PhantomData<&'a ()>,
}

impl SelectedOperation<'_> {
    /// The index of the chosen case, as returned by `Select::recv` or `Select::send`.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Completes the chosen receive.
    ///
    /// # Panics
    /// If `r` is not the receiver of the chosen case.
    pub fn recv<T>(mut self, r: &Receiver<T>) -> Result<T, RecvError> {
        self.check(r.chan.id(), false, "a receiver that wasn't selected");
        let detached = self.reservation.take().expect("completed once");
        // SAFETY: the case was detached from a `RecvCase` on this very channel (checked above),
        // and a channel's element type is fixed, so the box holds a `RecvCase<'_, T>`.
        let case = unsafe { Box::from_raw(detached.case.cast::<RecvCase<'_, T>>().as_ptr()) };
        case.complete_recv()
    }

    /// Completes the chosen send with `msg`.
    ///
    /// # Panics
    /// If `s` is not the sender of the chosen case.
    pub fn send<T>(mut self, s: &Sender<T>, msg: T) -> Result<(), SendError<T>> {
        self.check(s.chan.id(), true, "a sender that wasn't selected");
        let detached = self.reservation.take().expect("completed once");
        // SAFETY: as in `recv`, for a `SendCase<'_, T>`.
        let case = unsafe { Box::from_raw(detached.case.cast::<SendCase<'_, T>>().as_ptr()) };
        case.complete_send(msg)
    }

    fn check(&self, channel: usize, is_send: bool, what: &str) {
        assert!(
            channel == self.channel && is_send == self.is_send,
            "passed {what} to SelectedOperation"
        );
    }
}

impl Drop for SelectedOperation<'_> {
    fn drop(&mut self) {
        if let Some(detached) = self.reservation.take() {
            // SAFETY: `detached` came from `detach` and was not completed; freed once, here.
            unsafe { (detached.drop_case)(detached.case) };
        }
    }
}

impl fmt::Debug for SelectedOperation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SelectedOperation")
            .field("index", &self.index)
            .finish()
    }
}
