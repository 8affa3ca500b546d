//! offshoot-compare: offshoot against Go, may and tokio on the same workloads (issue 6).
//!
//! `benches/compare.sh [RUNS] [WORKLOAD...]` builds this crate and runs it from the repository's
//! root. It builds every system in release mode (`systems`), then, workload by workload, runs
//! each system once as a warm-up that is not counted and RUNS times more with the systems
//! interleaved (offshoot, Go, may, tokio, offshoot, ...), so that a slow phase of a shared
//! machine falls on every system alike (`runner`). It takes medians and spreads and the ratios
//! to the better Go (`stats`), prints the table, and writes docs/benchmarks.md (`report`) and
//! docs/benchmarks.svg (`svg`). The raw runs go to target/compare/runs.txt.
//!
//! With `OFFSHOOT_BASE=REV` in the environment, offshoot at git revision REV is built too and
//! runs as one more system, `offshoot@<shortrev>`, right after offshoot (`base`): before and
//! after a change in one run.
//!
//! Rejected: a shell script (the table, the medians and the SVG are far clearer in Rust, and
//! Rust is the one toolchain every checkout has); running each system's runs back to back (a
//! burst of load from a neighbour would then fall on one system only).

mod base;
mod machine;
mod report;
mod runner;
mod stats;
mod svg;
mod systems;
mod workloads;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::exit;
use std::time::Instant;

use machine::Machine;
use report::Report;
use runner::Outcome;
use systems::System;
use workloads::Workload;

const USAGE: &str = "usage: [OFFSHOOT_BASE=REV] benches/compare.sh [RUNS] [WORKLOAD...]   \
                     (default: 5 runs, every workload; REV adds offshoot at that git revision)";

/// Counted runs per system and workload when none are asked for.
const DEFAULT_RUNS: usize = 5;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("offshoot against Go, may and tokio; writes docs/benchmarks.md and .svg\n{USAGE}");
        return;
    }
    let (runs, chosen) = parse_args(&args).unwrap_or_else(|msg| {
        eprintln!("{msg}\n{USAGE}");
        exit(2)
    });
    let started = Instant::now();
    let date = machine::now_utc();
    let root = repository_root();
    let out = root.join("target/compare");
    fs::create_dir_all(&out).unwrap_or_else(|e| fail(&format!("{}: {e}", out.display())));
    let base = base::requested();
    let systems = systems::build_all(&root, &out, base.as_deref()).unwrap_or_else(|e| fail(&e));
    let log = out.join("runs.txt");
    let outcomes = measure(&systems, &chosen, runs, &log);
    let rows = chosen
        .iter()
        .zip(&outcomes)
        .map(|(w, o)| stats::row(w, &systems, o))
        .collect();
    let report = Report {
        systems,
        rows,
        runs,
        command: command(base.as_deref(), &args),
        machine: Machine::read(),
        date,
        minutes: started.elapsed().as_secs_f64() / 60.0,
    };
    print!("\n{}", report.terminal());
    write(&root.join("docs/benchmarks.md"), &report.page());
    write(&root.join("docs/benchmarks.svg"), &svg::chart(&report));
    println!(
        "wrote docs/benchmarks.md and docs/benchmarks.svg; every run is in {}",
        log.display()
    );
    println!("took {:.1} minutes", started.elapsed().as_secs_f64() / 60.0);
}

/// The command line that made this report, as the page shows it.
fn command(base: Option<&str>, args: &[String]) -> String {
    let base = base.map(|rev| format!("{}={rev}", base::VARIABLE));
    base.into_iter()
        .chain(std::iter::once("benches/compare.sh".to_string()))
        .chain(args.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `[RUNS] [WORKLOAD...]` as the number of counted runs and the workloads, in table order.
fn parse_args(args: &[String]) -> Result<(usize, Vec<&'static Workload>), String> {
    let (runs, names) = match args.first().map(|a| a.parse::<usize>()) {
        Some(Ok(0)) => return Err("RUNS must be at least 1".into()),
        Some(Ok(n)) => (n, &args[1..]),
        _ => (DEFAULT_RUNS, args),
    };
    for name in names {
        if workloads::find(name).is_none() {
            let all: Vec<&str> = workloads::ALL.iter().map(|w| w.name).collect();
            return Err(format!(
                "unknown workload {name:?}; the workloads: {}",
                all.join(" ")
            ));
        }
    }
    let chosen = workloads::ALL
        .iter()
        .filter(|w| names.is_empty() || names.iter().any(|n| n == w.name));
    Ok((runs, chosen.collect()))
}

/// Runs every workload: per workload, one warm-up round and `runs` counted rounds, each round
/// every system once in order. Returns, per workload, per system, the counted outcomes (and a
/// system's `NotApplicable`, which it gives once, in the warm-up).
fn measure(
    systems: &[System],
    chosen: &[&Workload],
    runs: usize,
    log: &Path,
) -> Vec<Vec<Vec<Outcome>>> {
    let mut log =
        fs::File::create(log).unwrap_or_else(|e| fail(&format!("{}: {e}", log.display())));
    let total = chosen.len() * (runs + 1) * systems.len();
    let mut done = 0;
    let mut all = Vec::new();
    for workload in chosen {
        let mut counted: Vec<Vec<Outcome>> = systems.iter().map(|_| Vec::new()).collect();
        let mut warm_up: Vec<Option<Outcome>> = systems.iter().map(|_| None).collect();
        for round in 0..=runs {
            for (s, system) in systems.iter().enumerate() {
                done += 1;
                let Some(outcome) = run_once(system, workload, &warm_up[s]) else {
                    continue;
                };
                let what = match round {
                    0 => "warm-up".to_string(),
                    _ => format!("run {round}/{runs}"),
                };
                let result = describe(&outcome, workload);
                let line = format!(
                    "{:<10} {what:<9} {:<16} {result}",
                    workload.name, system.name
                );
                eprintln!("[{done:>4}/{total}] {line}");
                let _ = writeln!(log, "{line}");
                if round > 0 || matches!(outcome, Outcome::NotApplicable(_)) {
                    counted[s].push(outcome.clone());
                }
                if round == 0 {
                    warm_up[s] = Some(outcome);
                }
            }
        }
        all.push(counted);
    }
    all
}

/// Runs `system` on `workload` once, given what its warm-up run gave (`None` for the warm-up
/// itself); `None` if it need not run.
fn run_once(system: &System, workload: &Workload, warm_up: &Option<Outcome>) -> Option<Outcome> {
    match warm_up {
        // A system that cannot run a workload says so every time: once is enough.
        Some(Outcome::NotApplicable(_)) => None,
        // One that ran past the time limit once would only do it again, for minutes: its
        // counted runs fail without being run.
        Some(Outcome::TimedOut) => Some(Outcome::Failed(format!(
            "not run: the warm-up was {}",
            stats::timed_out()
        ))),
        _ => Some(match system.binary(workload) {
            Ok(binary) => runner::run(binary, workload),
            Err(why) => Outcome::NotApplicable(why),
        }),
    }
}

/// One outcome as the progress line and the log show it.
fn describe(outcome: &Outcome, workload: &Workload) -> String {
    match outcome {
        Outcome::Value(v) => format!("{v} {}", workload.printed),
        Outcome::NotApplicable(why) => format!("n/a {why}"),
        Outcome::Failed(why) => format!("FAILED {why}"),
        Outcome::TimedOut => format!("FAILED {}", stats::timed_out()),
    }
}

/// The repository's root: the nearest directory up from here holding benches/compare.
fn repository_root() -> PathBuf {
    let here = std::env::current_dir().unwrap_or_else(|e| fail(&format!("current directory: {e}")));
    let found = here
        .ancestors()
        .find(|d| d.join("benches/compare/Cargo.toml").exists());
    found
        .map(Path::to_path_buf)
        .unwrap_or_else(|| fail("run me inside the offshoot repository"))
}

/// Writes a generated file, or ends the program.
fn write(path: &Path, text: &str) {
    fs::write(path, text).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
}

/// Reports `msg` and ends the program with status 1.
fn fail(msg: &str) -> ! {
    eprintln!("compare: {msg}");
    exit(1)
}
