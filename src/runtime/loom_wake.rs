//! loom models of the wake-up path a started coroutine takes home (issue 11): the park state
//! decides who wins the wake-up, the winner pushes the task to its home worker's inbox, and the
//! home worker takes it from there. Checked: the task reaches its home exactly once per park,
//! never another worker's inbox, is never in an inbox twice at once (loom would see the two
//! pushes race on the task's link), and no wake-up is lost.
//!
//! The scheduler around them (crossbeam-deque, corosensei) is outside what loom can model; these
//! are the real `ParkState` and `Inbox`, with a task reduced to what they touch.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release --lib loom_wake
//! ```

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

use super::inbox::{Inbox, Link, Linked};
use super::park_state::{ParkState, Unparked};

/// What of a task the wake-up path touches.
#[derive(Default)]
struct Task {
    state: ParkState,
    link: Link<Task>,
    /// The worker it lives on.
    home: usize,
    /// The condition the coroutine waits for: how many wakers have come.
    wakers_come: AtomicUsize,
    /// How many times a waker took it from PARKED (and so sent it home).
    sent_home: AtomicUsize,
}

impl Linked for Task {
    fn link(&self) -> &Link<Task> {
        &self.link
    }
}

/// A waker: publishes the condition, then `Unparker::unpark` for a task woken away from its
/// home (`Scheduler::ready` pushes it to the home inbox).
fn wake(task: &Arc<Task>, inboxes: &[Inbox<Task>]) {
    task.wakers_come.fetch_add(1, Ordering::Release);
    if task.state.unpark() == Unparked::Parked {
        task.sent_home.fetch_add(1, Ordering::Relaxed);
        // SAFETY: winning PARKED -> RUNNING gave this thread the run right, handed on here.
        unsafe { inboxes[task.home].push(task.clone()) };
    }
}

/// `Task::park` and the home worker around it: a token ends the park at once; else the worker
/// publishes PARKED (`finish_park`) and, if no wake-up came first, takes the task back from its
/// inbox when a waker sends it home. Returns true if it came back through the inbox.
fn park(task: &Arc<Task>, inboxes: &[Inbox<Task>]) -> bool {
    if task.state.take_token() || !task.state.finish_park() {
        return false;
    }
    loop {
        let mut came = inboxes[task.home].take_all();
        if let Some(back) = came.next() {
            assert!(Arc::ptr_eq(&back, task), "only this task lives here");
            assert!(came.next().is_none(), "a task is in the inbox once");
            return true;
        }
        thread::yield_now();
    }
}

/// The coroutine: parks in a loop until `wakers` wakers have come, as every user of `park`
/// does. A lost wake-up would leave it parked for ever, which loom reports.
fn wait_for_wakers(task: &Arc<Task>, inboxes: &[Inbox<Task>], wakers: usize) -> usize {
    let mut returns = 0;
    while task.wakers_come.load(Ordering::Acquire) < wakers {
        returns += usize::from(park(task, inboxes));
    }
    returns
}

#[test]
fn a_coroutine_woken_by_two_threads_goes_home_once_per_park() {
    loom::model(|| {
        let inboxes = Arc::new(vec![Inbox::default(), Inbox::default()]);
        let task = Arc::new(Task {
            home: 1,
            ..Task::default()
        });
        let wakers: Vec<_> = (0..2)
            .map(|_| {
                let (task, inboxes) = (task.clone(), inboxes.clone());
                thread::spawn(move || wake(&task, &inboxes))
            })
            .collect();
        let returns = wait_for_wakers(&task, &inboxes, 2);
        for waker in wakers {
            waker.join().unwrap();
        }
        assert_eq!(returns, task.sent_home.load(Ordering::Relaxed));
        assert!(inboxes[0].is_empty(), "nothing goes to another worker");
        assert!(inboxes[1].is_empty(), "nothing left behind");
    });
}

#[test]
fn two_coroutines_of_one_worker_woken_at_once_both_come_home_once() {
    loom::model(|| {
        let inboxes = Arc::new(vec![Inbox::default()]);
        let tasks = [Arc::new(Task::default()), Arc::new(Task::default())];
        for task in &tasks {
            assert!(task.state.finish_park());
        }
        let wakers: Vec<_> = tasks
            .iter()
            .map(|task| {
                let (task, inboxes) = (task.clone(), inboxes.clone());
                thread::spawn(move || wake(&task, &inboxes))
            })
            .collect();
        // The home worker takes its inbox while the pushes race each other.
        let mut came = [0; 2];
        while came.iter().sum::<usize>() < 2 {
            for back in inboxes[0].take_all() {
                let k = tasks.iter().position(|t| Arc::ptr_eq(t, &back)).unwrap();
                came[k] += 1;
            }
            thread::yield_now();
        }
        for waker in wakers {
            waker.join().unwrap();
        }
        assert_eq!(came, [1, 1]);
        assert!(inboxes[0].is_empty());
    });
}
