//! loom models of the wake-up path a started coroutine takes home (issue 11): the park state
//! decides who wins the wake-up, the winner pushes the task to its home worker's inbox, and the
//! home worker takes it from there. Checked: the task reaches its home exactly once per park,
//! never another worker's inbox, is never in an inbox twice at once (loom would see the two
//! pushes race on the task's link), and no wake-up is lost.
//!
//! A third model checks how a new coroutine is handed to another worker (`Scheduler::hand_over`):
//! put in that worker's `runnext`, displacing what was there, while the worker takes from it and
//! goes to sleep. Checked: each task is run once, the displaced one stays with its worker, and
//! the worker does not sleep through the hand-over.
//!
//! The scheduler around them (crossbeam-deque, corosensei) is outside what loom can model; these
//! are the real `ParkState`, `Inbox`, `RunNext` and `Idle`, with a task reduced to what they
//! touch.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release --lib loom_wake
//! ```

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

use super::idle::{Idle, Wake};
use super::inbox::{Inbox, Link, Linked};
use super::park_state::{ParkState, Unparked};
use super::run_next::RunNext;

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

#[test]
fn a_new_coroutine_handed_to_a_worker_going_to_sleep_runs_once_and_the_displaced_stays() {
    loom::model(|| {
        const TARGET: usize = 1;
        let idle = Arc::new(Idle::new(2));
        let runnext = Arc::new(RunNext::<Task>::default());
        let inbox = Arc::new(Inbox::<Task>::default());
        // A started coroutine of the target, just woken there, waits in its `runnext`.
        let own = Arc::new(Task {
            home: TARGET,
            ..Task::default()
        });
        let new = Arc::new(Task {
            home: usize::MAX,
            ..Task::default()
        });
        assert!(runnext.put(own.clone()).is_none());

        let spawner = {
            let (idle, runnext, inbox, new) = (idle.clone(), runnext.clone(), inbox.clone(), new);
            // `Scheduler::hand_over`.
            thread::spawn(move || {
                if let Some(displaced) = runnext.put(new) {
                    assert_eq!(
                        displaced.home, TARGET,
                        "only the target's own task was there"
                    );
                    // SAFETY: taking it from `runnext` gave this thread its run right.
                    unsafe { inbox.push(displaced) };
                }
                idle.wake_worker(TARGET, || ());
            })
        };

        // The target worker: runs what `runnext` and the inbox hold, sleeps when both are empty.
        idle.register(TARGET);
        let mut ran = Vec::new();
        while ran.len() < 2 {
            if let Some(task) = runnext.take() {
                ran.push(task);
                continue;
            }
            let before = ran.len();
            ran.extend(inbox.take_all());
            if ran.len() == before {
                let has_work = || !runnext.is_empty() || !inbox.is_empty();
                if idle.sleep(TARGET, false, has_work, None) == Wake::Woken {
                    idle.stop_searching();
                }
            }
        }
        spawner.join().unwrap();
        assert_eq!(ran.iter().filter(|t| Arc::ptr_eq(t, &own)).count(), 1);
        assert_eq!(ran.iter().filter(|t| t.home == usize::MAX).count(), 1);
        assert!(runnext.is_empty() && inbox.is_empty());
    });
}
