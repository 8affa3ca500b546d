//! One million parked coroutines on one machine. Needs `vm.max_map_count` of at least about
//! 2,100,000 (two mappings per stack); `.ci/run` raises it for this test and puts it back after.
//! Run by hand with `cargo test --release --test million -- --ignored`.

use offshoot::sync::WaitGroup;

#[test]
#[ignore = "needs vm.max_map_count >= 2,100,000 and ~6 GiB of memory: run by .ci/run"]
fn one_million_parked_coroutines() {
    const N: usize = 1_000_000;
    let max: usize = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        max >= 2 * N + 100_000,
        "raise vm.max_map_count (now {max}) to run this test"
    );
    let n = offshoot::run(|| {
        let release = WaitGroup::new();
        release.add(1);
        let started = WaitGroup::new();
        let handles: Vec<_> = (0..N)
            .map(|i| {
                let (release, started) = (release.clone(), started.clone());
                started.add(1);
                offshoot::go(move || {
                    started.done();
                    release.wait();
                    i
                })
            })
            .collect();
        started.wait();
        let live = offshoot::num_coroutines();
        assert!(live > N, "all parked at once: {live}");
        release.done();
        let sum: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(
            sum,
            N * (N - 1) / 2,
            "every coroutine finished exactly once"
        );
        live
    });
    println!("{n} coroutines were alive at once");
}
