//! What a parked coroutine waits for, and since when: the labels of the coroutine dump and the
//! deadlock report.
//!
//! Every park names its reason ([`WaitReason`]). The runtime knows nothing of channels or locks; the
//! reasons are only labels, given by the code that parks (Go's `waitReason`).
//!
//! # The coarse clock
//!
//! A park also records when it began, for "waiting for 3 s" in a dump. Reading the system clock
//! on every park would cost a channel hand-off a tenth of its time, so the time recorded is
//! [`coarse_now`]: milliseconds since the runtime started, as last refreshed by the monitor
//! (every few milliseconds while any worker is awake) and by each worker as it wakes from sleep
//! (so a park right after a long idle spell is not dated to its start). It lags the true time by
//! at most the monitor's interval while workers run.

use std::fmt;
use std::sync::OnceLock;
use std::time::Instant;

// std's atomics, not the loom facade: these are diagnostics that order nothing, and a static
// cannot hold a loom atomic.
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crossbeam_utils::CachePadded;

/// Why a coroutine is parked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum WaitReason {
    /// Not parked since it last ran (or a park gave no reason).
    Unknown = 0,
    /// A channel receive (`recv`, `for v in &rx`).
    Recv,
    /// A channel send.
    Send,
    /// A `select!` over several cases.
    Select,
    /// A `select!` with no case that can ever be ready (Go's `select {}`).
    SelectNoCases,
    /// `sleep`, or a timer it waits for alone.
    Sleep,
    /// A socket or descriptor to become readable.
    SocketRead,
    /// A socket or descriptor to become writable.
    SocketWrite,
    /// `Mutex::lock`.
    Mutex,
    /// `WaitGroup::wait`.
    WaitGroup,
    /// `JoinHandle::join`.
    Join,
    /// A call running on the blocking pool (`blocking`, file I/O).
    Blocking,
}

impl WaitReason {
    const ALL: [WaitReason; 12] = [
        WaitReason::Unknown,
        WaitReason::Recv,
        WaitReason::Send,
        WaitReason::Select,
        WaitReason::SelectNoCases,
        WaitReason::Sleep,
        WaitReason::SocketRead,
        WaitReason::SocketWrite,
        WaitReason::Mutex,
        WaitReason::WaitGroup,
        WaitReason::Join,
        WaitReason::Blocking,
    ];

    /// The reason stored as `byte` by [`WaitRecord`].
    fn from_byte(byte: u8) -> WaitReason {
        WaitReason::ALL
            .get(usize::from(byte))
            .copied()
            .unwrap_or(WaitReason::Unknown)
    }

    /// True if only another coroutine or thread can end this wait (no timer, socket or pool
    /// call will): what the deadlock rule may count as stuck.
    pub(crate) fn needs_a_peer(self) -> bool {
        !matches!(
            self,
            WaitReason::Sleep
                | WaitReason::SocketRead
                | WaitReason::SocketWrite
                | WaitReason::Blocking
        )
    }
}

impl fmt::Display for WaitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Go's words where Go has them (runtime2.go's waitReasonStrings).
        f.write_str(match self {
            WaitReason::Unknown => "parked",
            WaitReason::Recv => "chan receive",
            WaitReason::Send => "chan send",
            WaitReason::Select => "select",
            WaitReason::SelectNoCases => "select (no cases)",
            WaitReason::Sleep => "sleep",
            WaitReason::SocketRead => "IO wait (read)",
            WaitReason::SocketWrite => "IO wait (write)",
            WaitReason::Mutex => "sync.Mutex.Lock",
            WaitReason::WaitGroup => "sync.WaitGroup.Wait",
            WaitReason::Join => "join",
            WaitReason::Blocking => "blocking call",
        })
    }
}

/// A [`WaitReason`] and the coarse time it began, in one atomic word (one store per park),
/// readable from any thread.
#[derive(Debug, Default)]
pub(crate) struct WaitRecord {
    /// The coarse time in the high 32 bits, the reason in the low 8.
    packed: AtomicU64,
}

impl WaitRecord {
    /// Records that the coroutine is about to park for `reason`.
    #[inline]
    pub(crate) fn set(&self, reason: WaitReason) {
        let packed = (u64::from(coarse_now()) << 32) | reason as u64;
        self.packed.store(packed, Ordering::Relaxed);
    }

    /// The last reason recorded, and the coarse time it was.
    pub(crate) fn get(&self) -> (WaitReason, u32) {
        let packed = self.packed.load(Ordering::Relaxed);
        (WaitReason::from_byte(packed as u8), (packed >> 32) as u32)
    }
}

/// Milliseconds since [`epoch`], as last refreshed (see the module docs). Read at every park,
/// written every few milliseconds: on a cache line of its own, so that no other static's writes
/// take the line from the readers.
static COARSE_MS: CachePadded<AtomicU32> = CachePadded::new(AtomicU32::new(0));

/// The instant the coarse clock counts from.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// The coarse clock: milliseconds since the runtime started, as last refreshed. Wraps after 49
/// days, which only misdates a wait longer than that.
#[inline]
pub(crate) fn coarse_now() -> u32 {
    COARSE_MS.load(Ordering::Relaxed)
}

/// Sets the coarse clock to the true time, and returns it.
pub(crate) fn refresh_coarse_clock() -> u32 {
    let now = precise_now();
    COARSE_MS.store(now, Ordering::Relaxed);
    now
}

/// The true time on the coarse clock's scale.
pub(crate) fn precise_now() -> u32 {
    epoch().elapsed().as_millis() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_survives_its_byte() {
        for reason in WaitReason::ALL {
            assert_eq!(WaitReason::from_byte(reason as u8), reason);
        }
        assert_eq!(WaitReason::from_byte(200), WaitReason::Unknown);
    }

    #[test]
    fn a_record_keeps_the_reason_and_the_clock() {
        let record = WaitRecord::default();
        let now = refresh_coarse_clock();
        record.set(WaitReason::Mutex);
        let (reason, since) = record.get();
        assert_eq!(reason, WaitReason::Mutex);
        assert!(since >= now);
    }
}
