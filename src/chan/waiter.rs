//! Parked channel operations: the entries in a channel's wait queues (Go's `sudog`), and the
//! selection they belong to.
//!
//! # The claim protocol
//!
//! A coroutine (or thread) that must wait for a channel creates one [`Selection`], and one
//! [`Entry`] per operation it waits on: one for a plain `send` or `recv`, one per case for a
//! `select`. Both live on the waiter's own stack: parking allocates nothing.
//!
//! Whoever completes a parked operation (the peer on the other end, or a close) first *claims*
//! its selection with a CAS from `WAITING` to the case's index. Exactly one claim wins, so a
//! select fires exactly one case however many channels race to wake it. The owner, for its part,
//! may *abort* (CAS `WAITING` to `ABORTED`) when its deadline passes; if that CAS fails, a claim
//! won first and the owner must see the operation through.
//!
//! # Lifetimes: why the raw pointers are sound
//!
//! The queues hold raw pointers to entries on other stacks. Three rules make every use valid:
//! 1. An entry is pushed to, searched in, and removed from a channel's queue only under that
//!    channel's lock, and claims are attempted only under that lock too.
//! 2. The winner of a claim may use the entry after the lock is released, until it sets the
//!    entry's `ready` flag: from then on it must not touch it (it takes a clone of the owner's
//!    unparker first).
//! 3. The owner does not return (and so does not free the entry) before it has (a) seen `ready`
//!    on the case that was claimed, and (b) removed every entry from every queue it was pushed to,
//!    each under its channel's lock; an entry a failed claimer popped is simply absent then.
//!
//! So whoever reads an entry either holds the lock of a queue it is still in (rule 1 and 3b keep
//! it alive), or won its claim and has not yet set `ready` (rules 2 and 3a).

use std::collections::VecDeque;
use std::ptr::{self, NonNull};
use std::time::Instant;

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use crate::runtime::park::{self, Unparker, WaitReason};

const WAITING: usize = usize::MAX;
const ABORTED: usize = usize::MAX - 1;

/// One waiting coroutine's decision: which of its parked operations completed.
#[derive(Debug)]
pub(crate) struct Selection {
    /// WAITING, ABORTED, or the index of the case a claimer chose.
    state: AtomicUsize,
    /// Wakes the owner.
    unparker: Unparker,
}

impl Selection {
    /// A selection for the calling coroutine or thread.
    pub(crate) fn new() -> Selection {
        Selection {
            state: AtomicUsize::new(WAITING),
            unparker: park::current(),
        }
    }

    /// Claims the selection for `case`. Only under the lock of a channel the entry is queued on.
    fn try_claim(&self, case: usize) -> bool {
        self.state
            .compare_exchange(WAITING, case, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// The owner gives up waiting. `Err(case)` if a claim won first: the owner must complete it.
    pub(crate) fn try_abort(&self) -> Result<(), usize> {
        match self
            .state
            .compare_exchange(WAITING, ABORTED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Ok(()),
            Err(case) => Err(case),
        }
    }

    /// True while no claim has won (and the owner has not aborted).
    fn is_waiting(&self) -> bool {
        self.state.load(Ordering::Acquire) == WAITING
    }

    /// Parks the owner, which waits for `why`, until a claim wins, or until `deadline`; then
    /// returns the chosen case, or `None` if the owner aborted at the deadline.
    pub(crate) fn wait(&self, deadline: Option<Instant>, why: WaitReason) -> Option<usize> {
        loop {
            let state = self.state.load(Ordering::Acquire);
            if state != WAITING {
                debug_assert_ne!(
                    state, ABORTED,
                    "only the owner aborts, and it does not wait after"
                );
                return Some(state);
            }
            match deadline {
                None => park::park(why),
                Some(deadline) if Instant::now() < deadline => park::park_until(deadline, why),
                Some(_) => return self.try_abort().err(),
            }
        }
    }
}

/// How a claimer completed an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Not yet completed.
    Pending,
    /// Send: the message was taken. Recv: a value was put in the slot.
    Done,
    /// The channel closed (or lost its last receiver, for a send).
    Closed,
    /// Lazy send (a `select` send case): a buffer slot was reserved for the message.
    BufferSlot,
    /// Lazy send: a receiver waits in `packet` for the message.
    Packet,
    /// The claimer gave up (a select whose send message panicked, or whose chosen operation was
    /// dropped): nothing happened, and the owner starts its operation over.
    Abandoned,
}

/// A parked operation on one channel. Lives on the stack of its owner.
pub(crate) struct Entry<T> {
    /// The owner's selection (on the owner's stack, outliving the entry).
    sel: *const Selection,
    /// This operation's index within the selection.
    case: usize,
    /// Send: the message (`None` for a lazy select case, supplied at completion). Recv: where the
    /// value is put. Written by the owner before queueing, then by the claimer, then read by the
    /// owner after `ready`.
    slot: UnsafeCell<Option<T>>,
    /// What the claimer did. Written by the claimer before `ready`.
    outcome: UnsafeCell<Outcome>,
    /// For `Outcome::Packet`: the waiting receiver's entry to write the message into. Written
    /// by the claimer before `ready`.
    packet: UnsafeCell<*const Entry<T>>,
    /// Set (release) by the claimer when it is done with the entry (rule 2 above).
    ready: AtomicBool,
}

// An entry is shared between its owner and one claimer at a time (module docs): queue access
// under the channel lock, the claimer's until `ready` (release), the owner's after (acquire).
// SAFETY: access is one thread at a time as above, and `T: Send` lets values cross via `slot`.
unsafe impl<T: Send> Send for Entry<T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send> Sync for Entry<T> {}

impl<T> Entry<T> {
    /// An entry for case `case` of `sel`, holding `slot` (a send's message, or `None`).
    pub(crate) fn new(sel: &Selection, case: usize, slot: Option<T>) -> Entry<T> {
        Entry {
            sel,
            case,
            slot: UnsafeCell::new(slot),
            outcome: UnsafeCell::new(Outcome::Pending),
            packet: UnsafeCell::new(ptr::null()),
            ready: AtomicBool::new(false),
        }
    }

    fn selection(&self) -> &Selection {
        // SAFETY: the selection outlives its entries (both on the owner's stack, the selection
        // declared first); whoever holds a reference to the entry may read it (module docs).
        unsafe { &*self.sel }
    }

    /// Owner: waits until the claimer is done with this entry (a moment: the claimer is running).
    pub(crate) fn wait_ready(&self, why: WaitReason) {
        while !self.ready.load(Ordering::Acquire) {
            park::park(why);
        }
    }

    /// Owner, after `ready`: how the operation was completed.
    pub(crate) fn outcome(&self) -> Outcome {
        debug_assert!(self.ready.load(Ordering::Relaxed));
        // SAFETY: the claimer wrote it before `ready` (release), which the owner has seen
        // (acquire); no claimer touches the entry after that.
        self.outcome.with(|outcome| unsafe { *outcome })
    }

    /// Owner, after `ready` (or before queueing): takes the slot's contents.
    pub(crate) fn take_slot(&self) -> Option<T> {
        // SAFETY: the owner touches the slot only when no claimer can: before the entry is
        // queued, or after `ready` (acquire) ended the claimer's access.
        self.slot.with_mut(|slot| unsafe { (*slot).take() })
    }

    /// Owner, after `ready` with `Outcome::Packet`: the receiver's entry to fill.
    pub(crate) fn packet(&self) -> NonNull<Entry<T>> {
        // SAFETY: as in `outcome`.
        let packet = self.packet.with(|packet| unsafe { *packet });
        NonNull::new(packet.cast_mut()).expect("a packet outcome has a packet")
    }
}

/// A claimed entry: proof that the holder won the claim and may use the entry until `finish`.
pub(crate) struct Claimed<T> {
    entry: NonNull<Entry<T>>,
}

// SAFETY: a claim gives exclusive use of the entry until `finish`; see `Entry`'s `Send`.
unsafe impl<T: Send> Send for Claimed<T> {}

impl<T> std::fmt::Debug for Claimed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claimed")
            .field("entry", &self.entry)
            .finish()
    }
}

impl<T> Claimed<T> {
    /// Claims an entry that is not in any queue: a receiver's packet, owned by a waiting peer.
    ///
    /// # Safety
    /// `entry` is alive and its owner waits for `ready` without touching it (rule 2).
    pub(crate) unsafe fn packet(entry: NonNull<Entry<T>>) -> Claimed<T> {
        Claimed { entry }
    }

    fn entry(&self) -> &Entry<T> {
        // SAFETY: the claimer may use the entry until `finish` (rule 2); `finish` consumes self.
        unsafe { self.entry.as_ref() }
    }

    /// Takes the entry's slot: a parked sender's message (`None` for a lazy select send).
    pub(crate) fn take_slot(&self) -> Option<T> {
        // SAFETY: the claim gives exclusive access to the slot until `finish`.
        self.entry().slot.with_mut(|slot| unsafe { (*slot).take() })
    }

    /// Puts a value in the entry's slot: a parked receiver's value.
    pub(crate) fn put_slot(&self, value: T) {
        // SAFETY: as in `take_slot`.
        self.entry()
            .slot
            .with_mut(|slot| unsafe { *slot = Some(value) });
    }

    /// Points a lazy send entry at the receiver's packet it must fill.
    pub(crate) fn set_packet(&self, packet: &Entry<T>) {
        // SAFETY: as in `take_slot`.
        self.entry().packet.with_mut(|p| unsafe { *p = packet });
    }

    /// True if this is a lazy send entry: a select case whose message is not yet known.
    pub(crate) fn is_lazy_send(&self) -> bool {
        // SAFETY: as in `take_slot`.
        self.entry().slot.with(|slot| unsafe { (*slot).is_none() })
    }

    /// Records the outcome, hands the entry back to its owner, and returns its unparker, which the
    /// caller must call (after releasing any channel lock).
    #[must_use = "the owner must be unparked"]
    pub(crate) fn finish(self, outcome: Outcome) -> Unparker {
        let entry = self.entry();
        // SAFETY: as in `take_slot`.
        entry.outcome.with_mut(|o| unsafe { *o = outcome });
        // Clone before `ready`: after it the owner may return and free the entry.
        let unparker = entry.selection().unparker.clone();
        entry.ready.store(true, Ordering::Release);
        unparker
    }
}

/// A channel's queue of parked senders or receivers, in arrival order.
pub(crate) struct WaitQueue<T> {
    entries: VecDeque<NonNull<Entry<T>>>,
}

// SAFETY: the queue is only reached under its channel's lock; the entries it points to are
// `Send` for `T: Send` (see `Entry`).
unsafe impl<T: Send> Send for WaitQueue<T> {}

impl<T> Default for WaitQueue<T> {
    fn default() -> Self {
        WaitQueue {
            entries: VecDeque::new(),
        }
    }
}

impl<T> WaitQueue<T> {
    /// Queues an entry. Under the channel lock.
    pub(crate) fn push(&mut self, entry: &Entry<T>) {
        self.entries.push_back(NonNull::from(entry));
    }

    /// Removes an entry if it is still queued. Under the channel lock.
    pub(crate) fn remove(&mut self, entry: &Entry<T>) {
        let target = NonNull::from(entry);
        if let Some(pos) = self.entries.iter().position(|&e| e == target) {
            self.entries.remove(pos);
        }
    }

    /// Pops and claims the first entry not belonging to `exclude` (a select must not pair with
    /// itself). Entries whose selection was already decided are dropped on the way. Under the lock.
    pub(crate) fn claim_first(&mut self, exclude: *const Selection) -> Option<Claimed<T>> {
        let mut i = 0;
        while i < self.entries.len() {
            let ptr = self.entries[i];
            // SAFETY: a queued entry is alive while we hold the lock (rule 1 and 3b).
            let entry = unsafe { ptr.as_ref() };
            if ptr::eq(entry.sel, exclude) {
                i += 1;
                continue;
            }
            self.entries.remove(i);
            if entry.selection().try_claim(entry.case) {
                return Some(Claimed { entry: ptr });
            }
        }
        None
    }

    /// True if `claim_first(exclude)` would succeed now. Under the lock.
    pub(crate) fn has_claimable(&self, exclude: *const Selection) -> bool {
        self.entries.iter().any(|ptr| {
            // SAFETY: as in `claim_first`.
            let entry = unsafe { ptr.as_ref() };
            !ptr::eq(entry.sel, exclude) && entry.selection().is_waiting()
        })
    }

    /// Claims every queued entry that can still be claimed (for a close). Under the lock.
    pub(crate) fn claim_all(&mut self) -> Vec<Claimed<T>> {
        let mut claimed = Vec::new();
        while let Some(entry) = self.claim_first(ptr::null()) {
            claimed.push(entry);
        }
        claimed
    }
}
