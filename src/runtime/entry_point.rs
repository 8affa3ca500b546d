//! A coroutine's entry point: the closure its body runs, kept in the task until the coroutine
//! starts.
//!
//! `go` is called in tight loops, and a boxed closure cost each call a `malloc` on the
//! spawning worker and a `free` on whichever worker ran the coroutine: a tenth of the `spawn`
//! benchmark's time went to glibc's slow path for memory freed on another core. Most closures
//! passed to `go` capture a few handles (a `Sender`, a `WaitGroup`, an `Arc`), so an [`EntryPoint`]
//! keeps a closure of up to [`INLINE_WORDS`] words, word-aligned, inside itself (and so inside
//! the task); a bigger or more aligned one is boxed, and the box's pointer kept inline instead.
//!
//! The argument type `A` is the coroutine's suspend handle (`task::Yielder`) in the runtime;
//! the entry point itself knows nothing of coroutines.
//!
//! An entry point is a closure with its type erased by hand: the storage holds an `F`, and two
//! functions made for that `F` call it (moving it out) or drop it. Each is called at most once,
//! and exactly one of them is: `call` consumes the entry point without running its `Drop`.

use std::marker::PhantomData;
use std::mem::{self, ManuallyDrop, MaybeUninit};

/// Words of closure kept inline; a closure that captures more is boxed.
const INLINE_WORDS: usize = 3;

type Storage = MaybeUninit<[usize; INLINE_WORDS]>;

/// What an entry point can do with the closure in its storage.
struct Vtable<A> {
    /// Moves the closure out of the storage and runs it.
    call: unsafe fn(*mut Storage, &A),
    /// Drops the closure in the storage.
    drop: unsafe fn(*mut Storage),
}

/// The vtable of closures of type `F`, stored inline, taking an `&A`.
struct Inline<F, A>(PhantomData<F>, PhantomData<fn(&A)>);

impl<F: FnOnce(&A), A> Inline<F, A> {
    const VTABLE: Vtable<A> = Vtable {
        call: Self::call,
        drop: Self::drop,
    };

    /// # Safety
    /// `storage` holds a valid `F`, which is not used again.
    unsafe fn call(storage: *mut Storage, arg: &A) {
        // SAFETY: the caller promises a valid `F` that nobody else will read or drop, so it
        // may be moved out; `EntryPoint::new` checked that `F` fits the storage and its alignment.
        let f = unsafe { storage.cast::<F>().read() };
        f(arg);
    }

    /// # Safety
    /// As for `call`.
    unsafe fn drop(storage: *mut Storage) {
        // SAFETY: as in `call`: a valid `F`, dropped once, in place.
        unsafe { storage.cast::<F>().drop_in_place() };
    }
}

/// A closure to run once, given an `&A` (the coroutine's suspend handle, when it starts).
pub(crate) struct EntryPoint<A: 'static> {
    storage: Storage,
    vtable: &'static Vtable<A>,
    /// The closure may hold anything `Send`, including values that are not `Sync`.
    not_sync: PhantomData<std::cell::Cell<()>>,
}

// SAFETY: an entry point owns a closure that `new` required to be `Send`, and only moves it or
// drops it; the storage and vtable are plain data.
unsafe impl<A> Send for EntryPoint<A> {}

impl<A> EntryPoint<A> {
    /// Wraps `f`, inline if it fits, else boxed.
    pub(crate) fn new<F>(f: F) -> EntryPoint<A>
    where
        F: FnOnce(&A) + Send + 'static,
    {
        if fits::<F>() {
            EntryPoint::inline(f)
        } else {
            let boxed = Box::new(f);
            EntryPoint::inline(move |arg: &A| boxed(arg))
        }
    }

    /// Wraps `f`, which must fit the storage (checked).
    fn inline<F>(f: F) -> EntryPoint<A>
    where
        F: FnOnce(&A) + Send + 'static,
    {
        assert!(fits::<F>(), "the closure fits the storage");
        let mut storage = Storage::uninit();
        // SAFETY: `F` fits the storage in size and alignment (asserted above), and the storage
        // is fresh, so writing overwrites nothing.
        unsafe { storage.as_mut_ptr().cast::<F>().write(f) };
        EntryPoint {
            storage,
            vtable: &Inline::<F, A>::VTABLE,
            not_sync: PhantomData,
        }
    }

    /// Runs the closure, consuming it.
    pub(crate) fn call(self, arg: &A) {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: the storage holds the closure the vtable was made for (see `inline`), and
        // `ManuallyDrop` keeps `Drop` from touching it after `call` has moved it out.
        unsafe { (this.vtable.call)(&mut this.storage, arg) };
    }
}

impl<A> Drop for EntryPoint<A> {
    fn drop(&mut self) {
        // SAFETY: an entry point that was not called still holds its closure (`call` forgets
        // it), and this is the one drop.
        unsafe { (self.vtable.drop)(&mut self.storage) };
    }
}

/// True if a closure of type `F` fits an entry point's storage.
const fn fits<F>() -> bool {
    mem::size_of::<F>() <= mem::size_of::<Storage>()
        && mem::align_of::<F>() <= mem::align_of::<Storage>()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;

    /// Counts its drops.
    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn small_and_big_closures_run_once_and_drop_what_they_hold_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let ran = Arc::new(AtomicUsize::new(0));
        let (small, r) = (Counted(drops.clone()), ran.clone());
        assert!(fits::<(Counted, Arc<AtomicUsize>)>());
        EntryPoint::new(move |n: &usize| {
            let _small = &small;
            r.fetch_add(*n, Ordering::SeqCst);
        })
        .call(&1);
        let (big, r) = ([0u64; 16], ran.clone());
        let counted = Counted(drops.clone());
        EntryPoint::new(move |n: &usize| {
            let _ = (&counted, big);
            r.fetch_add(*n, Ordering::SeqCst);
        })
        .call(&10);
        assert_eq!(ran.load(Ordering::SeqCst), 11);
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn an_entry_never_called_drops_its_closure_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let counted = Counted(drops.clone());
        drop(EntryPoint::new(move |_: &()| drop(counted)));
        let counted = Counted(drops.clone());
        let big = [1u128; 8];
        drop(EntryPoint::new(move |_: &()| drop((counted, big))));
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn over_aligned_closures_are_boxed() {
        #[repr(align(64))]
        struct Aligned(u8);
        assert!(!fits::<Aligned>());
        let value = Aligned(7);
        let seen = Arc::new(AtomicUsize::new(0));
        let s = seen.clone();
        EntryPoint::new(move |_: &()| {
            assert_eq!(&value as *const Aligned as usize % 64, 0);
            s.store(value.0 as usize, Ordering::SeqCst);
        })
        .call(&());
        assert_eq!(seen.load(Ordering::SeqCst), 7);
    }
}
