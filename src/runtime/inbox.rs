//! A worker's inbox: where other threads hand back the coroutines that live on that worker.
//!
//! A coroutine that has started runs only on its home worker's thread (see `task.rs`, "Why a
//! started coroutine keeps its thread"). When another thread wakes it (a coroutine on another
//! worker, the monitor firing a timer, the poller, a blocking-pool thread, a plain thread), it
//! cannot touch the home worker's run queues, which only their owner may push to; it pushes the
//! task here instead and wakes the home worker if it sleeps. The owner takes everything at once
//! at each scheduling round.
//!
//! # The algorithm
//!
//! A lock-free stack of tasks linked through a field inside each task (intrusive, so a push
//! allocates nothing): a push is a compare-and-swap of the head, and the owner takes the whole
//! stack with one swap of the head to null, then reverses it, so tasks come out in the order
//! they were pushed. Because the owner never pops a single node, the ABA problem of a Treiber
//! stack's pop cannot arise.
//!
//! # Invariants
//!
//! - An item is in at most one inbox at a time, once: whoever pushes it holds its run right
//!   (it won the item's wake-up, see `park_state.rs`), and the right passes to the owner with the
//!   item. So an item's link is written by one pusher before the push publishes it (release) and
//!   read by the owner after its swap takes it (acquire), never both at once.
//! - Only the owning worker takes from the inbox.

use std::marker::PhantomData;
use std::ptr;

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicPtr, Ordering};
use crate::loom::sync::Arc;

/// The link an item carries for the inbox it is in.
#[derive(Debug)]
pub(crate) struct Link<T> {
    next: UnsafeCell<*const T>,
}

// SAFETY: the link is a pointer to another item of the same inbox, which the inbox owns as an
// `Arc<T>`; it is read and written only by the inbox, by one thread at a time (see the module
// invariants), so sharing or sending an item with its link is as safe as sharing `Arc<T>`.
unsafe impl<T: Send + Sync> Send for Link<T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send + Sync> Sync for Link<T> {}

impl<T> Default for Link<T> {
    fn default() -> Link<T> {
        Link {
            next: UnsafeCell::new(ptr::null()),
        }
    }
}

/// An item that can wait in an inbox.
pub(crate) trait Linked: Sized {
    /// The item's link, used only by the inbox it is in.
    fn link(&self) -> &Link<Self>;
}

/// Items handed to one owner by any thread, taken by the owner in arrival order.
#[derive(Debug)]
pub(crate) struct Inbox<T: Linked> {
    /// The most recent push; each item links to the one pushed before it.
    head: AtomicPtr<T>,
    /// The inbox owns an `Arc<T>` for every item in it.
    marker: PhantomData<Arc<T>>,
}

// SAFETY: the inbox holds `Arc<T>`s (as raw pointers) and hands them from pushing threads to the
// owner, so it may cross threads when `Arc<T>` may: `T: Send + Sync`. Its only shared state is the
// atomic head; each item's link is touched by one thread at a time (see the module invariants).
unsafe impl<T: Linked + Send + Sync> Send for Inbox<T> {}
// SAFETY: as for `Send`: `push` from many threads is a CAS on the head, `take_all` a swap.
unsafe impl<T: Linked + Send + Sync> Sync for Inbox<T> {}

impl<T: Linked> Default for Inbox<T> {
    fn default() -> Inbox<T> {
        Inbox {
            head: AtomicPtr::new(ptr::null_mut()),
            marker: PhantomData,
        }
    }
}

impl<T: Linked> Inbox<T> {
    /// Adds `item`. Any thread may push.
    ///
    /// # Safety
    /// `item` is in no inbox now, and nobody else pushes it until the owner has taken it out:
    /// the caller holds the item's run right, which it gives up here.
    pub(crate) unsafe fn push(&self, item: Arc<T>) {
        let item = Arc::into_raw(item);
        // SAFETY: `item` comes from `Arc::into_raw` just above and we own that reference.
        let link = unsafe { &(*item).link().next };
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            // SAFETY: the item is in no inbox (the caller's promise), so no other thread reads or
            // writes its link until the CAS below publishes it.
            link.with_mut(|next| unsafe { *next = head });
            // Release: the owner's acquire swap sees the link written above.
            match self.head.compare_exchange_weak(
                head,
                item.cast_mut(),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => head = actual,
            }
        }
    }

    /// True if nothing waits. A hint for other threads; exact for the owner as to its own takes.
    pub(crate) fn is_empty(&self) -> bool {
        self.head.load(Ordering::Acquire).is_null()
    }

    /// Takes every item, in the order they were pushed. Called by the owner only.
    pub(crate) fn take_all(&self) -> Drain<T> {
        if self.is_empty() {
            return Drain { next: ptr::null() };
        }
        // Acquire pairs with the pushers' release: their links are visible.
        let mut newest: *const T = self.head.swap(ptr::null_mut(), Ordering::Acquire);
        // Reverse the list in place: oldest first.
        let mut oldest_first: *const T = ptr::null();
        while !newest.is_null() {
            // SAFETY: every node came from `push` (an `Arc::into_raw` whose reference the inbox
            // owns), and the swap made this list ours alone: no pusher touches these links now.
            let link = unsafe { &(*newest).link().next };
            // SAFETY: as above: this thread alone reaches the link.
            let older =
                link.with_mut(|next| unsafe { std::mem::replace(&mut *next, oldest_first) });
            oldest_first = newest;
            newest = older;
        }
        Drain { next: oldest_first }
    }
}

impl<T: Linked> Drop for Inbox<T> {
    fn drop(&mut self) {
        drop(self.take_all());
    }
}

/// The items taken by [`Inbox::take_all`], oldest first. Dropping it drops the rest.
#[derive(Debug)]
pub(crate) struct Drain<T: Linked> {
    next: *const T,
}

impl<T: Linked> Iterator for Drain<T> {
    type Item = Arc<T>;

    fn next(&mut self) -> Option<Arc<T>> {
        if self.next.is_null() {
            return None;
        }
        let item = self.next;
        // SAFETY: the drained list belongs to this `Drain` alone (see `take_all`).
        self.next = unsafe { &(*item).link().next }.with(|next| unsafe { *next });
        // SAFETY: `item` came from `Arc::into_raw` in `push`, and this is its one way out.
        Some(unsafe { Arc::from_raw(item) })
    }
}

impl<T: Linked> Drop for Drain<T> {
    fn drop(&mut self) {
        for item in self.by_ref() {
            drop(item);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Item {
        id: usize,
        link: Link<Item>,
    }

    impl Linked for Item {
        fn link(&self) -> &Link<Item> {
            &self.link
        }
    }

    fn item(id: usize) -> Arc<Item> {
        Arc::new(Item {
            id,
            ..Item::default()
        })
    }

    #[test]
    fn takes_in_push_order_and_empties() {
        let inbox = Inbox::default();
        assert!(inbox.is_empty());
        for id in 0..5 {
            // SAFETY: each item is new, in no inbox.
            unsafe { inbox.push(item(id)) };
        }
        assert!(!inbox.is_empty());
        let ids: Vec<usize> = inbox.take_all().map(|i| i.id).collect();
        assert_eq!(ids, [0, 1, 2, 3, 4]);
        assert!(inbox.is_empty());
        assert_eq!(inbox.take_all().count(), 0);
    }

    #[test]
    fn drops_what_it_holds() {
        let kept = item(7);
        {
            let inbox = Inbox::default();
            // SAFETY: `kept` is in no inbox.
            unsafe { inbox.push(kept.clone()) };
            assert_eq!(Arc::strong_count(&kept), 2);
            let mut drain = inbox.take_all();
            // SAFETY: the second item is new.
            unsafe { inbox.push(item(8)) };
            assert_eq!(drain.next().map(|i| i.id), Some(7));
            drop(drain);
        }
        assert_eq!(
            Arc::strong_count(&kept),
            1,
            "the inbox released its references"
        );
    }

    #[test]
    fn many_pushers_one_owner_lose_and_duplicate_nothing() {
        const THREADS: usize = 4;
        const EACH: usize = 20_000;
        let inbox = Arc::new(Inbox::default());
        let pushers: Vec<_> = (0..THREADS)
            .map(|t| {
                let inbox = inbox.clone();
                std::thread::spawn(move || {
                    for k in 0..EACH {
                        // SAFETY: each item is new, in no inbox.
                        unsafe { inbox.push(item(t * EACH + k)) };
                    }
                })
            })
            .collect();
        let mut seen = vec![false; THREADS * EACH];
        let mut last = [None::<usize>; THREADS];
        let mut count = 0;
        while count < THREADS * EACH {
            for i in inbox.take_all() {
                assert!(!std::mem::replace(&mut seen[i.id], true), "{} twice", i.id);
                let (t, k) = (i.id / EACH, i.id % EACH);
                assert!(last[t].is_none_or(|l| l < k), "order kept per pusher");
                last[t] = Some(k);
                count += 1;
            }
        }
        for p in pushers {
            p.join().unwrap();
        }
        assert!(inbox.is_empty());
    }
}
