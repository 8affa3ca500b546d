//! The stack-overflow report: a coroutine that runs off the end of its stack is named, and the
//! process stops with a message instead of a bare `SIGSEGV`, as Go's fatal error does.
//!
//! Every stack has a guard page at its low end (`stack_memory.rs`), so an overflow faults there.
//! A `SIGSEGV`/`SIGBUS` handler, installed when the first coroutine is spawned, looks at the fault
//! address: if it lies in the guard page of the coroutine running on the faulting thread, the
//! handler writes
//!
//! ```text
//! offshoot: coroutine 17 "name" overflowed its 256 KiB stack; give it more with
//! Builder::stack_size or OFFSHOOT_STACK_SIZE
//! ```
//!
//! and aborts. Any other fault goes to the handler that was installed before ours (std's, which
//! reports overflows of thread stacks, a sanitizer's, or the default action), as if ours were not
//! there.
//!
//! # In a signal handler
//! The handler allocates nothing, takes no lock and calls only `write`, `abort` and
//! `sigaction`, which are async-signal-safe. It reads the current task through a thread-local
//! with a constant initializer and no destructor (a plain load from the thread's TLS block,
//! which the worker has already touched), and the task's number, guard range, stack size and
//! name, which are immutable from spawn on. It runs on the thread's alternate signal stack,
//! since the faulting stack has no room left: std gives every thread it spawns one (for its own
//! overflow report), and `signal_stack.rs` gives a worker one where none is set.
//!
//! A frame larger than a page can step over the guard into memory below it; that fault (or
//! silent write) is not recognised as an overflow. Stacks come from batched mappings, so what
//! lies below a guard is usually another stack's top, not unmapped memory.

use std::io;
use std::ptr;
use std::sync::OnceLock;

use super::context;
use super::task::Task;

/// The handlers that were installed before ours: `[SIGSEGV, SIGBUS]`.
static PREVIOUS: OnceLock<[libc::sigaction; 2]> = OnceLock::new();

/// Installs the handler, once per process. Errors are reported and otherwise ignored: without
/// the handler an overflow still faults, it is only not named.
pub(crate) fn install() {
    PREVIOUS.get_or_init(|| {
        let install = |signal| -> io::Result<libc::sigaction> {
            // SAFETY: `sigaction` with a zeroed struct filled in here; the handler is an
            // `extern "C"` function with the `SA_SIGINFO` signature, and the old action is
            // written to a local we own.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_fault as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                libc::sigemptyset(&mut action.sa_mask);
                let mut previous: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(signal, &action, &mut previous) != 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(previous)
            }
        };
        let mut previous = [default_action(), default_action()];
        for (slot, signal) in previous.iter_mut().zip([libc::SIGSEGV, libc::SIGBUS]) {
            match install(signal) {
                Ok(action) => *slot = action,
                Err(err) => eprintln!("offshoot: stack overflows will not be named: {err}"),
            }
        }
        previous
    });
}

fn default_action() -> libc::sigaction {
    // SAFETY: an all-zero `sigaction` is `SIG_DFL` with no flags and an empty mask.
    unsafe { std::mem::zeroed() }
}

extern "C" fn on_fault(
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid `siginfo_t` for a `SA_SIGINFO` handler of a fault.
    let address = unsafe { (*info).si_addr() } as usize;
    let task = context::current_task();
    // SAFETY: a non-null current task is the one whose coroutine this thread is running (or
    // was running when it faulted); the worker holds an `Arc` to it for the whole `resume`.
    if let Some(task) = unsafe { task.as_ref() } {
        if task.guard().contains(&address) {
            report(task);
            // SAFETY: `abort` is async-signal-safe and does not return.
            unsafe { libc::abort() };
        }
    }
    // SAFETY: as the kernel would: the arguments are the ones it gave us.
    unsafe { chain(signal, info, context) };
}

/// Hands a fault that is not ours to the handler installed before ours.
///
/// # Safety
/// Called from the signal handler with the kernel's arguments.
unsafe fn chain(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let index = usize::from(signal == libc::SIGBUS);
    let previous = PREVIOUS
        .get()
        .map(|p| p[index])
        .unwrap_or_else(default_action);
    match previous.sa_sigaction {
        libc::SIG_DFL | libc::SIG_IGN => {
            // Restore the default and return: the faulting instruction runs again and the
            // kernel's default action (a core dump) follows, as with no handler at all.
            let default = default_action();
            // SAFETY: `sigaction` is async-signal-safe; the struct is valid.
            unsafe { libc::sigaction(signal, &default, ptr::null_mut()) };
        }
        handler if previous.sa_flags & libc::SA_SIGINFO != 0 => {
            // SAFETY: the previous handler was installed with `SA_SIGINFO`, so it has this
            // signature; it gets what the kernel gave us.
            let handler: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                unsafe { std::mem::transmute(handler) };
            handler(signal, info, context);
        }
        handler => {
            // SAFETY: without `SA_SIGINFO` a handler takes the signal number only.
            let handler: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(handler) };
            handler(signal);
        }
    }
}

/// Writes the report to stderr, formatting into a buffer on the signal stack.
fn report(task: &Task) {
    let mut message = Message::default();
    message.push(b"offshoot: coroutine ");
    message.push_number(task.id() as usize);
    if let Some(name) = task.name() {
        message.push(b" \"");
        message.push(name.as_bytes());
        message.push(b"\"");
    }
    message.push(b" overflowed its ");
    message.push_number(task.stack_size() / 1024);
    message.push(b" KiB stack; give it more with Builder::stack_size or OFFSHOOT_STACK_SIZE\n");
    // SAFETY: `write` is async-signal-safe; the buffer is valid for `len` bytes.
    unsafe {
        libc::write(
            libc::STDERR_FILENO,
            message.bytes.as_ptr().cast(),
            message.len,
        )
    };
}

/// A fixed buffer: no allocation in the handler. A message longer than it is cut short.
struct Message {
    bytes: [u8; 512],
    len: usize,
}

impl Default for Message {
    fn default() -> Message {
        Message {
            bytes: [0; 512],
            len: 0,
        }
    }
}

impl Message {
    fn push(&mut self, text: &[u8]) {
        let room = self.bytes.len() - self.len;
        let take = text.len().min(room);
        self.bytes[self.len..self.len + take].copy_from_slice(&text[..take]);
        self.len += take;
    }

    fn push_number(&mut self, mut n: usize) {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.push(&digits[start..]);
    }
}

#[cfg(test)]
mod tests {
    use super::Message;

    #[test]
    fn the_message_buffer_formats_and_truncates() {
        let mut message = Message::default();
        message.push(b"size ");
        message.push_number(0);
        message.push(b" ");
        message.push_number(18_446_744_073_709_551_615);
        assert_eq!(
            &message.bytes[..message.len],
            b"size 0 18446744073709551615"
        );
        for _ in 0..100 {
            message.push(b"0123456789");
        }
        assert_eq!(message.len, 512, "cut short, never past the buffer");
    }
}
