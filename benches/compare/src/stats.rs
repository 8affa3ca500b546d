//! From runs to the numbers on the page: the median and spread of each system's runs of a
//! workload, the reference Go, each Rust system's ratio to it, and offshoot's ratio to the base
//! (`base`), when there is one.
//!
//! Values are converted to the shown unit (round trips per second for echo) before the median
//! is taken, so the spread is in the shown unit too. Failed runs are left out of the median and
//! counted; a median needs at least one good run.

use crate::runner::{Outcome, TIME_LIMIT};
use crate::systems::{Role, System};
use crate::workloads::{Better, Workload};

/// One system's runs of one workload, summarised.
#[derive(Debug, Default)]
pub struct Cell {
    /// The median of the good runs, in the shown unit.
    pub median: Option<f64>,
    /// The smallest good run.
    pub min: f64,
    /// The largest good run.
    pub max: f64,
    /// Good runs.
    pub good: usize,
    /// Why runs failed, one entry per failed run.
    pub failures: Vec<String>,
    /// Why the system cannot run the workload, if it said so.
    pub not_applicable: Option<String>,
}

/// One row of the table: a workload, every system's cell, and the ratios to Go.
#[derive(Debug)]
pub struct Row {
    /// The workload.
    pub workload: &'static Workload,
    /// One cell per system, in the systems' order.
    pub cells: Vec<Cell>,
    /// The index of the reference Go: the Go system that did best on this workload.
    pub reference: Option<usize>,
    /// Per system, its ratio to the reference Go (`None` for Go itself or without medians).
    pub ratios: Vec<Option<f64>>,
    /// offshoot's ratio to the base (OFFSHOOT_BASE), oriented like the ratios to Go: below 1.0,
    /// this checkout did better than the base. `None` without a base or without both medians.
    pub to_base: Option<f64>,
}

/// Summarises the runs of one system on one workload.
pub fn cell(outcomes: &[Outcome], workload: &Workload) -> Cell {
    let mut values: Vec<f64> = Vec::new();
    let mut cell = Cell::default();
    for outcome in outcomes {
        match outcome {
            Outcome::Value(v) => values.push((workload.convert)(*v)),
            Outcome::NotApplicable(why) => cell.not_applicable = Some(why.clone()),
            Outcome::Failed(why) => cell.failures.push(why.clone()),
            Outcome::TimedOut => cell.failures.push(timed_out()),
        }
    }
    values.sort_by(f64::total_cmp);
    cell.good = values.len();
    if let (Some(&min), Some(&max)) = (values.first(), values.last()) {
        let mid = values.len() / 2;
        let median = if values.len() % 2 == 1 {
            values[mid]
        } else {
            (values[mid - 1] + values[mid]) / 2.0
        };
        (cell.median, cell.min, cell.max) = (Some(median), min, max);
    }
    cell
}

/// Why a run that was killed for taking too long failed.
pub fn timed_out() -> String {
    format!("over {} s, killed", TIME_LIMIT.as_secs())
}

/// Builds a row from every system's runs (`runs[s]` belongs to `systems[s]`).
pub fn row(workload: &'static Workload, systems: &[System], runs: &[Vec<Outcome>]) -> Row {
    let cells: Vec<Cell> = runs.iter().map(|r| cell(r, workload)).collect();
    let reference = best_go(workload, systems, &cells);
    let go = reference.and_then(|g| cells[g].median);
    let ratios = systems
        .iter()
        .zip(&cells)
        .map(|(s, c)| match (s.role, c.median, go) {
            (Role::Go, _, _) => None,
            (_, Some(v), Some(g)) => ratio(v, g, workload.better),
            _ => None,
        })
        .collect();
    let median = |role| {
        let i = systems.iter().position(|s| s.role == role)?;
        cells[i].median
    };
    let to_base = match (median(Role::Offshoot), median(Role::Base)) {
        (Some(now), Some(base)) => ratio(now, base, workload.better),
        _ => None,
    };
    Row {
        workload,
        cells,
        reference,
        ratios,
        to_base,
    }
}

/// The Go system with the best median on this workload.
fn best_go(workload: &Workload, systems: &[System], cells: &[Cell]) -> Option<usize> {
    let goes = (0..systems.len()).filter(|&i| systems[i].role == Role::Go);
    let with_median = goes.filter_map(|i| cells[i].median.map(|m| (i, m)));
    let best = match workload.better {
        Better::Lower => with_median.min_by(|a, b| a.1.total_cmp(&b.1)),
        Better::Higher => with_median.max_by(|a, b| a.1.total_cmp(&b.1)),
    };
    best.map(|(i, _)| i)
}

/// A system's value over a reference's (Go's, or the base's), oriented so that below 1.0 means
/// the system did better.
pub fn ratio(system: f64, reference: f64, better: Better) -> Option<f64> {
    let r = match better {
        Better::Lower => system / reference,
        Better::Higher => reference / system,
    };
    (r.is_finite() && r > 0.0).then_some(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::find;

    #[test]
    fn median_and_spread_skip_failures() {
        let runs = [
            Outcome::Value(3.0),
            Outcome::Failed("x".into()),
            Outcome::Value(1.0),
            Outcome::Value(2.0),
        ];
        let c = cell(&runs, find("pingpong").unwrap());
        assert_eq!(
            (c.median, c.min, c.max, c.good, c.failures.len()),
            (Some(2.0), 1.0, 3.0, 3, 1)
        );
        let c = cell(&runs[..2], find("pingpong").unwrap());
        assert_eq!(c.median, Some(3.0));
        let c = cell(
            &[Outcome::Value(1.0), Outcome::Value(4.0)],
            find("pingpong").unwrap(),
        );
        assert_eq!(c.median, Some(2.5));
    }

    #[test]
    fn echo_is_throughput() {
        // 5,000 ns per round trip is 200,000 round trips per second.
        let c = cell(&[Outcome::Value(5000.0)], find("echo").unwrap());
        assert_eq!(c.median, Some(200_000.0));
        // offshoot at 250,000 rt/s against Go at 200,000: offshoot is better, ratio 0.8.
        assert_eq!(ratio(250_000.0, 200_000.0, Better::Higher), Some(0.8));
        assert_eq!(ratio(4.0, 2.0, Better::Lower), Some(2.0));
        assert_eq!(ratio(4.0, 0.0, Better::Lower), None);
    }

    fn system(name: &str, role: Role) -> System {
        System::offshoot(name.into(), role, name.into(), Vec::new())
    }

    #[test]
    fn ratios_to_go_and_to_the_base() {
        let systems = [
            system("offshoot", Role::Offshoot),
            system("offshoot@b9c8e0e", Role::Base),
            system("go1.19", Role::Go),
            system("go1.27", Role::Go),
        ];
        let v = |values: &[f64]| {
            values
                .iter()
                .map(|&v| Outcome::Value(v))
                .collect::<Vec<_>>()
        };
        let runs = [v(&[2.0, 4.0, 3.0]), v(&[6.0]), v(&[5.0]), v(&[4.0])];
        let row = super::row(find("pingpong").unwrap(), &systems, &runs);
        assert_eq!(row.reference, Some(3));
        assert_eq!(row.ratios, [Some(0.75), Some(1.5), None, None]);
        assert_eq!(row.to_base, Some(0.5));
        // Throughput: 5,000 ns is 200,000 rt/s, twice the base's 100,000: better, 0.5.
        let runs = [v(&[5000.0]), v(&[10_000.0]), v(&[4000.0]), v(&[8000.0])];
        let row = super::row(find("echo").unwrap(), &systems, &runs);
        assert_eq!(row.reference, Some(2));
        assert_eq!(row.ratios[..2], [Some(1.25), Some(2.5)]);
        assert_eq!(row.to_base, Some(0.5));
        // A base that cannot run the workload has no ratio, and neither has offshoot to it.
        let na = vec![Outcome::NotApplicable("no bench target `io`".into())];
        let runs = [v(&[5000.0]), na, v(&[4000.0]), v(&[8000.0])];
        let row = super::row(find("echo").unwrap(), &systems, &runs);
        assert_eq!((row.ratios[1], row.to_base), (None, None));
        // Without a base there is no ratio to it.
        let runs = [v(&[1.0]), v(&[2.0])];
        let row = super::row(
            find("ring").unwrap(),
            &[system("offshoot", Role::Offshoot), system("go", Role::Go)],
            &runs,
        );
        assert_eq!((row.ratios[0], row.to_base), (Some(0.5), None));
    }
}
