//! Starting and joining coroutines: `go`, `go!`, `Builder`, `JoinHandle`, `run`, panics, many
//! coroutines, spawning from threads and from coroutines, detached coroutines.

mod common;

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{panic_message, run_watched, wait_until, watchdog, WATCHDOG_SECS};
use offshoot::sync::WaitGroup;

/// A value that counts its drops, to check a result is handed over exactly once.
struct DropCounter {
    id: usize,
    drops: Arc<AtomicUsize>,
}

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

#[derive(Debug, PartialEq, Eq)]
struct Unit;

#[test]
fn join_returns_the_value_of_any_type() {
    run_watched("join_returns_the_value_of_any_type", || {
        assert_eq!(offshoot::go(|| 42_i32).join().unwrap(), 42);
        assert_eq!(offshoot::go(|| u128::MAX).join().unwrap(), u128::MAX);
        assert_eq!(
            offshoot::go(|| String::from("owned")).join().unwrap(),
            "owned"
        );
        assert_eq!(
            offshoot::go(|| vec![String::from("a"), String::from("b")])
                .join()
                .unwrap(),
            ["a", "b"]
        );
        assert_eq!(offshoot::go(|| ()).join().unwrap(), ());
        assert_eq!(offshoot::go(|| Unit).join().unwrap(), Unit);
        assert_eq!(
            offshoot::go(|| Some(Box::new(7))).join().unwrap(),
            Some(Box::new(7))
        );
        let big = offshoot::go(|| [9_u64; 2048]).join().unwrap();
        assert!(big.iter().all(|&x| x == 9));
        let err: Result<u8, String> = offshoot::go(|| Err("no".to_string())).join().unwrap();
        assert_eq!(err, Err("no".to_string()));
    });
}

#[test]
fn a_result_is_dropped_exactly_once() {
    run_watched("a_result_is_dropped_exactly_once", || {
        let drops = Arc::new(AtomicUsize::new(0));
        // Joined: handed to the joiner, dropped by it.
        let d = drops.clone();
        let value = offshoot::go(move || DropCounter { id: 5, drops: d })
            .join()
            .unwrap();
        assert_eq!(value.id, 5);
        assert_eq!(drops.load(Ordering::SeqCst), 0, "not dropped on the way");
        drop(value);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        // Never joined: dropped with the handle or with the finished coroutine, once.
        let d = drops.clone();
        let handle = offshoot::go(move || DropCounter { id: 6, drops: d });
        while !handle.is_finished() {
            offshoot::yield_now();
        }
        drop(handle);
        // The coroutine's own reference to the slot may outlive `is_finished` by a moment.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while drops.load(Ordering::SeqCst) < 2 && std::time::Instant::now() < deadline {
            offshoot::yield_now();
        }
        assert_eq!(drops.load(Ordering::SeqCst), 2);
        offshoot::time::sleep(Duration::from_millis(20));
        assert_eq!(drops.load(Ordering::SeqCst), 2, "dropped twice");
    });
}

#[test]
fn a_panic_comes_back_as_err_with_its_payload() {
    run_watched("a_panic_comes_back_as_err_with_its_payload", || {
        let literal = offshoot::go(|| -> u32 { panic!("static message") });
        let err = literal.join().expect_err("the coroutine panicked");
        assert_eq!(err.downcast_ref::<&str>(), Some(&"static message"));

        let n = 17;
        let formatted = offshoot::go(move || -> u32 { panic!("formatted {n}") });
        let err = formatted.join().expect_err("the coroutine panicked");
        assert_eq!(
            err.downcast_ref::<String>().map(String::as_str),
            Some("formatted 17")
        );

        let custom = offshoot::go(|| std::panic::panic_any(1234_u64));
        let err = custom.join().expect_err("the coroutine panicked");
        assert_eq!(err.downcast_ref::<u64>(), Some(&1234));
    });
}

#[test]
fn a_panic_leaves_other_coroutines_running() {
    run_watched("a_panic_leaves_other_coroutines_running", || {
        let handles: Vec<_> = (0..50_u64)
            .map(|i| {
                offshoot::go(move || {
                    for _ in 0..10 {
                        offshoot::yield_now();
                    }
                    if i % 7 == 3 {
                        panic!("coroutine {i} fails");
                    }
                    i * 2
                })
            })
            .collect();
        for (i, handle) in (0..50_u64).zip(handles) {
            match handle.join() {
                Ok(v) => {
                    assert_ne!(i % 7, 3, "coroutine {i} should have panicked");
                    assert_eq!(v, i * 2);
                }
                Err(payload) => {
                    assert_eq!(i % 7, 3, "coroutine {i} panicked unexpectedly");
                    assert_eq!(panic_message(&*payload), format!("coroutine {i} fails"));
                }
            }
        }
        // The runtime still works after the panics.
        assert_eq!(offshoot::go(|| 1 + 1).join().unwrap(), 2);
    });
}

/// 100,000 coroutines in batches of 10,000 (so that the test binary's memory mappings stay far
/// from `vm.max_map_count`), half the batches started from a coroutine, half from a plain thread.
#[test]
fn a_hundred_thousand_coroutines_are_spawned_and_joined() {
    const TOTAL: u64 = 100_000;
    const BATCH: u64 = 10_000;
    fn batch(start: u64) -> u64 {
        let handles: Vec<_> = (start..start + BATCH)
            .map(|i| offshoot::go(move || black_box(i)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    }
    let sum = watchdog(
        "a_hundred_thousand_coroutines_are_spawned_and_joined",
        WATCHDOG_SECS,
        || {
            let mut sum = 0;
            for (k, start) in (0..TOTAL).step_by(BATCH as usize).enumerate() {
                sum += if k % 2 == 0 {
                    offshoot::run(move || batch(start))
                } else {
                    batch(start)
                };
            }
            sum
        },
    );
    assert_eq!(sum, TOTAL * (TOTAL - 1) / 2);
}

#[test]
fn plain_threads_spawn_and_join_coroutines() {
    watchdog(
        "plain_threads_spawn_and_join_coroutines",
        WATCHDOG_SECS,
        || {
            let threads: Vec<_> = (0..4_u64)
                .map(|t| {
                    std::thread::spawn(move || {
                        let handles: Vec<_> = (0..1_000_u64)
                            .map(|i| {
                                offshoot::go(move || {
                                    if i % 10 == 0 {
                                        offshoot::yield_now();
                                    }
                                    t * 1_000_000 + i
                                })
                            })
                            .collect();
                        handles
                            .into_iter()
                            .enumerate()
                            .map(|(i, h)| {
                                let v = h.join().unwrap();
                                assert_eq!(v, t * 1_000_000 + i as u64, "a result went astray");
                                v
                            })
                            .sum::<u64>()
                    })
                })
                .collect();
            let total: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
            let per_thread_i: u64 = (0..1_000).sum();
            assert_eq!(
                total,
                (0..4).map(|t| t * 1_000_000_000 + per_thread_i).sum()
            );
        },
    );
}

#[test]
fn coroutines_spawn_and_join_coroutines() {
    /// A tree of coroutines `depth` levels deep with `fan` children each; returns its leaf count.
    fn tree(depth: u32, fan: usize) -> usize {
        if depth == 0 {
            offshoot::yield_now();
            return 1;
        }
        let children: Vec<_> = (0..fan)
            .map(|_| offshoot::go(move || tree(depth - 1, fan)))
            .collect();
        children.into_iter().map(|c| c.join().unwrap()).sum()
    }
    let leaves = run_watched("coroutines_spawn_and_join_coroutines", || tree(5, 4));
    assert_eq!(leaves, 4_usize.pow(5));
}

#[test]
fn the_go_macro_starts_a_coroutine_on_an_expression() {
    fn add(a: u32, b: u32) -> u32 {
        a + b
    }
    run_watched("the_go_macro_starts_a_coroutine_on_an_expression", || {
        assert_eq!(offshoot::go!(add(2, 3)).join().unwrap(), 5);
        let owned = String::from("moved in");
        let handle = offshoot::go!(owned.len());
        assert_eq!(handle.join().unwrap(), 8);
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        offshoot::go!(f.store(true, Ordering::SeqCst))
            .join()
            .unwrap();
        assert!(flag.load(Ordering::SeqCst));
    });
}

#[test]
fn builder_names_the_coroutine() {
    run_watched("builder_names_the_coroutine", || {
        let named = offshoot::Builder::new()
            .name("worker-7".to_string())
            .spawn(|| 7)
            .expect("spawn with a name");
        assert_eq!(named.name(), Some("worker-7"));
        assert!(format!("{named:?}").contains("worker-7"));
        assert_eq!(named.join().unwrap(), 7);
        let unnamed = offshoot::go(|| 8);
        assert_eq!(unnamed.name(), None);
        assert_eq!(unnamed.join().unwrap(), 8);
    });
}

/// About 1 MiB of stack (64 frames of a 16 KiB array each), which the default 256 KiB stack
/// could not hold, on a 4 MiB stack.
#[test]
fn builder_stack_size_gives_room_for_deep_recursion() {
    const FRAME: usize = 16 * 1024;
    #[inline(never)]
    fn deep(depth: usize) -> u64 {
        let mut local = [0_u8; FRAME];
        local[depth % FRAME] = depth as u8;
        let local = black_box(local);
        let below = if depth == 0 { 0 } else { deep(depth - 1) };
        black_box(below + local[depth % FRAME] as u64 + local[FRAME - 1] as u64)
    }
    let expected: u64 = (0..=64_u64).map(|d| d % 256).sum();
    let result = watchdog(
        "builder_stack_size_gives_room_for_deep_recursion",
        WATCHDOG_SECS,
        || {
            offshoot::Builder::new()
                .name("deep".to_string())
                .stack_size(4 << 20)
                .spawn(|| deep(64))
                .expect("a 4 MiB stack")
                .join()
                .unwrap()
        },
    );
    assert_eq!(result, expected);
}

#[test]
fn is_finished_turns_true_when_the_coroutine_ends() {
    watchdog(
        "is_finished_turns_true_when_the_coroutine_ends",
        WATCHDOG_SECS,
        || {
            let gate = WaitGroup::new();
            gate.add(1);
            let started = WaitGroup::new();
            started.add(1);
            let (g, s) = (gate.clone(), started.clone());
            let handle = offshoot::go(move || {
                s.done();
                g.wait();
                "done"
            });
            started.wait();
            assert!(!handle.is_finished(), "it is parked on the gate");
            gate.done();
            assert!(
                wait_until(Duration::from_secs(10), || handle.is_finished()),
                "is_finished never turned true"
            );
            assert_eq!(handle.join().unwrap(), "done");

            let panicked = offshoot::go(|| panic!("finished by panicking"));
            assert!(
                wait_until(Duration::from_secs(10), || panicked.is_finished()),
                "is_finished never turned true after a panic"
            );
            assert!(panicked.join().is_err());
        },
    );
}

#[test]
fn run_returns_the_value_of_its_closure() {
    let value = watchdog(
        "run_returns_the_value_of_its_closure",
        WATCHDOG_SECS,
        || offshoot::run(|| offshoot::go(|| vec![1, 2, 3]).join().unwrap()),
    );
    assert_eq!(value, [1, 2, 3]);
}

#[test]
#[should_panic(expected = "run re-raises this")]
fn run_re_raises_a_panic_of_its_closure() {
    watchdog(
        "run_re_raises_a_panic_of_its_closure",
        WATCHDOG_SECS,
        || offshoot::run(|| -> u8 { panic!("run re-raises this") }),
    );
}

#[test]
fn a_detached_coroutine_runs_to_completion() {
    watchdog(
        "a_detached_coroutine_runs_to_completion",
        WATCHDOG_SECS,
        || {
            let steps = Arc::new(AtomicUsize::new(0));
            for _ in 0..20 {
                let steps = steps.clone();
                drop(offshoot::go(move || {
                    for _ in 0..5 {
                        offshoot::yield_now();
                        offshoot::time::sleep(Duration::from_millis(2));
                        steps.fetch_add(1, Ordering::SeqCst);
                    }
                }));
            }
            // A detached coroutine that panics harms nobody.
            drop(offshoot::go(|| panic!("detached and failing")));
            assert!(
                wait_until(Duration::from_secs(20), || steps.load(Ordering::SeqCst)
                    == 100),
                "detached coroutines stopped at {} of 100 steps",
                steps.load(Ordering::SeqCst)
            );
        },
    );
}
