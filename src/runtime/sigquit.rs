//! The dump on `SIGQUIT` (Ctrl-\ in a terminal, `kill -QUIT`), as Go's runtime prints every
//! goroutine and exits with status 2. Opt-in: `Config::dump_on_sigquit` or
//! `OFFSHOOT_SIGQUIT_DUMP=1`; a library should not take a signal from its program unasked.
//!
//! Nothing of the dump may run in a signal handler (it allocates and takes locks), so the
//! handler only writes one byte to a pipe (`write` is async-signal-safe), and a thread of the
//! runtime, `offshoot-sigquit`, blocked reading the other end, prints the dump and exits.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use super::dump;
use super::scheduler::Scheduler;

/// The pipe's write end, for the handler; -1 until installed.
static WRITE_END: AtomicI32 = AtomicI32::new(-1);
/// True once the handler and its thread are in place.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Threads this module runs (for the deadlock rule's count of the runtime's threads).
pub(crate) fn threads() -> usize {
    usize::from(INSTALLED.load(Ordering::SeqCst))
}

/// Installs the handler and starts the thread that dumps. Called once, with the first
/// coroutine.
pub(crate) fn install(sched: &'static Scheduler) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Err(err) = try_install(sched) {
            eprintln!("offshoot: no coroutine dump on SIGQUIT: {err}");
        }
    });
}

fn try_install(sched: &'static Scheduler) -> io::Result<()> {
    let mut fds = [0; 2];
    // SAFETY: `pipe2` writes two descriptors into the array we own.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let [read_end, write_end] = fds;
    // The write end does not block: a signal that finds the pipe full is one too many anyway.
    // SAFETY: `fcntl` on a descriptor we just opened.
    unsafe { libc::fcntl(write_end, libc::F_SETFL, libc::O_NONBLOCK) };
    WRITE_END.store(write_end, Ordering::SeqCst);
    // Counted before it starts (never more threads than counted), uncounted if it cannot start.
    INSTALLED.store(true, Ordering::SeqCst);
    let started = std::thread::Builder::new()
        .name("offshoot-sigquit".into())
        .spawn(move || wait_and_dump(sched, read_end));
    if let Err(err) = started {
        INSTALLED.store(false, Ordering::SeqCst);
        return Err(err);
    }
    // SAFETY: `sigaction` with a zeroed struct filled in here; the handler is an `extern "C"`
    // function with the plain one-argument signature (no `SA_SIGINFO`).
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigquit as *const () as usize;
        // On the alternate signal stack where there is one: a coroutine's stack may be near
        // its guard page.
        action.sa_flags = libc::SA_RESTART | libc::SA_ONSTACK;
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(libc::SIGQUIT, &action, std::ptr::null_mut()) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

extern "C" fn on_sigquit(_signal: libc::c_int) {
    let fd = WRITE_END.load(Ordering::Relaxed);
    let byte = 1u8;
    // The handler saves `errno` and puts it back, so the code it interrupted does not see
    // `write`'s. A failed write (a full pipe: a dump is already on its way) is ignored.
    // SAFETY: `errno` is this thread's own; `write` of one byte from a local to a descriptor
    // this module opened and never closes is async-signal-safe.
    unsafe {
        let errno = *libc::__errno_location();
        libc::write(fd, (&byte as *const u8).cast(), 1);
        *libc::__errno_location() = errno;
    }
}

/// The dump thread: waits for the handler's byte, prints every coroutine, exits with status 2.
fn wait_and_dump(sched: &Scheduler, read_end: i32) {
    let mut byte = 0u8;
    loop {
        // SAFETY: `read` of one byte into a local from the pipe's read end, which we own.
        let n = unsafe { libc::read(read_end, (&mut byte as *mut u8).cast(), 1) };
        if n == 1 {
            break;
        }
        if n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
            continue;
        }
        INSTALLED.store(false, Ordering::SeqCst);
        return; // the pipe is gone: nothing more will come
    }
    let _ = writeln!(io::stderr(), "SIGQUIT: quit\n\n{}", dump::text(sched));
    std::process::exit(2);
}
