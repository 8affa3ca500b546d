//! What every offshoot bench binary shares: its command line and its output line.

use std::time::Instant;

/// A workload: its name on the command line, and the function that runs it and returns its line.
pub type Workload = (&'static str, fn() -> String);

/// Runs the workloads named on the command line (all of them with none), each as a coroutine,
/// and prints the line each returns (`workload value unit`). An unknown name exits with 2.
pub fn main_with(workloads: &[Workload]) {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let names: Vec<&str> = workloads.iter().map(|(name, _)| *name).collect();
    let chosen: Vec<&str> = if args.is_empty() {
        names.clone()
    } else {
        args.iter().map(String::as_str).collect()
    };
    for name in chosen {
        let Some(&(_, workload)) = workloads.iter().find(|(n, _)| *n == name) else {
            eprintln!("unknown workload {name:?}; expected one of {names:?}");
            std::process::exit(2);
        };
        println!("{}", offshoot::run(workload));
    }
}

/// The line for `ops` operations timed from `start`: `name <ns per op> ns/op`.
pub fn per_op(name: &str, start: Instant, ops: u64) -> String {
    format!(
        "{name} {:.1} ns/op",
        start.elapsed().as_nanos() as f64 / ops as f64
    )
}
