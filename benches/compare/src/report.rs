//! The table, for the terminal and for docs/benchmarks.md, and the rest of that page.
//!
//! Each system's cell is its median with the spread (smallest and largest good run) beside it;
//! the reference Go's median is marked (`*` in the terminal, bold on the page). Each Rust
//! system then has a column with its ratio to the reference Go: below 1.0, it did better. With a
//! base (OFFSHOOT_BASE), a last column has offshoot's ratio to it, oriented the same way; the
//! rest of the page (the chart, where offshoot is slower) is about offshoot alone.

use std::fmt::Write;

use crate::machine::Machine;
use crate::stats::{Cell, Row};
use crate::systems::{Role, System};

/// Everything one comparison produced, for the reports.
#[derive(Debug)]
pub struct Report {
    /// The systems, in the order they ran.
    pub systems: Vec<System>,
    /// One row per workload run.
    pub rows: Vec<Row>,
    /// Counted runs per system and workload.
    pub runs: usize,
    /// The command that produced this report.
    pub command: String,
    /// The machine it ran on.
    pub machine: Machine,
    /// When it started, UTC.
    pub date: String,
    /// How long it took, in minutes.
    pub minutes: f64,
}

/// Terminal or Markdown.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Text,
    Markdown,
}

impl Report {
    /// The systems that have a ratio column: offshoot and the peers.
    fn compared(&self) -> impl Iterator<Item = (usize, &System)> {
        self.systems
            .iter()
            .enumerate()
            .filter(|(_, s)| s.role != Role::Go)
    }

    /// Whether any Go ran, so that ratios exist.
    pub fn has_go(&self) -> bool {
        self.systems.iter().any(|s| s.role == Role::Go)
    }

    /// The base, if one was asked for.
    fn base(&self) -> Option<&System> {
        self.systems.iter().find(|s| s.role == Role::Base)
    }

    /// The header and rows of the table, as strings.
    fn table(&self, style: Style) -> Vec<Vec<String>> {
        let mut header = vec!["workload".to_string(), "unit".to_string()];
        header.extend(self.systems.iter().map(|s| s.name.clone()));
        if self.has_go() {
            header.extend(self.compared().map(|(_, s)| format!("{}/Go", s.name)));
        }
        if self.base().is_some() {
            header.push(TO_BASE.into());
        }
        let mut table = vec![header];
        for row in &self.rows {
            let mut line = vec![
                row.workload.name.to_string(),
                row.workload.shown.to_string(),
            ];
            for (i, cell) in row.cells.iter().enumerate() {
                line.push(cell_text(cell, row.reference == Some(i), style));
            }
            if self.has_go() {
                line.extend(self.compared().map(|(i, _)| ratio_text(row.ratios[i])));
            }
            if self.base().is_some() {
                line.push(ratio_text(row.to_base));
            }
            table.push(line);
        }
        table
    }

    /// The table aligned in columns, for the terminal.
    pub fn terminal(&self) -> String {
        let table = self.table(Style::Text);
        let widths: Vec<usize> = (0..table[0].len())
            .map(|c| {
                table
                    .iter()
                    .map(|r| r[c].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in &table {
            for (c, text) in row.iter().enumerate() {
                let pad = widths[c] - text.chars().count();
                match c {
                    0 | 1 => write!(out, "{text}{}  ", " ".repeat(pad)),
                    _ => write!(out, "{}{text}  ", " ".repeat(pad)),
                }
                .unwrap();
            }
            out.truncate(out.trim_end().len());
            out.push('\n');
        }
        out.push_str(&self.legend(Style::Text));
        out.push_str(&self.notes(Style::Text));
        out
    }

    /// What the marks in the table mean.
    fn legend(&self, style: Style) -> String {
        let mut out = self.go_legend(style);
        if let Some(base) = self.base() {
            if style == Style::Markdown {
                out.push('\n');
            }
            writeln!(
                out,
                "{TO_BASE}: offshoot's median over {}'s, inverted for throughput, so below 1.00 \
                 means this checkout did better than the base.",
                base.name
            )
            .unwrap();
        }
        out
    }

    /// What the marks for the ratios to Go mean.
    fn go_legend(&self, style: Style) -> String {
        if !self.has_go() {
            return "No Go was found, so there are no ratios to Go.\n".into();
        }
        let mark = if style == Style::Markdown {
            "in bold"
        } else {
            "marked *"
        };
        let runs = match self.runs {
            1 => "1 run".to_string(),
            n => format!("{n} runs"),
        };
        format!(
            "Median of {runs}, (min-max) beside it. Ratio: the system's median over the best Go's \
             ({mark}), inverted for throughput (rt/s), so below 1.00 means better than Go.\n"
        )
    }

    /// Failed runs and workloads a system cannot run, one line each.
    fn notes(&self, style: Style) -> String {
        let mut out = String::new();
        let bullet = if style == Style::Markdown { "- " } else { "  " };
        for row in &self.rows {
            for (system, cell) in self.systems.iter().zip(&row.cells) {
                let (name, w) = (&system.name, row.workload.name);
                if let Some(why) = &cell.not_applicable {
                    writeln!(out, "{bullet}{name} cannot run {w}: {why}").unwrap();
                }
                let mut reasons: Vec<&String> = cell.failures.iter().collect();
                reasons.sort();
                reasons.dedup();
                for why in reasons {
                    let n = cell.failures.iter().filter(|f| *f == why).count();
                    let runs = if n == 1 {
                        "1 run"
                    } else {
                        &format!("{n} runs")
                    };
                    writeln!(out, "{bullet}{name}, {w}: {runs} failed: {why}").unwrap();
                }
            }
        }
        out
    }

    /// The whole of docs/benchmarks.md.
    pub fn page(&self) -> String {
        let mut out = String::new();
        out.push_str(&self.intro());
        out.push_str("## Results\n\n");
        out.push_str(&markdown(&self.table(Style::Markdown)));
        out.push('\n');
        out.push_str(&self.legend(Style::Markdown));
        let notes = self.notes(Style::Markdown);
        if !notes.is_empty() {
            write!(out, "\nLeft out of the medians:\n\n{notes}").unwrap();
        }
        if self.has_go() {
            out.push_str(
                "\n![Ratios to Go per workload: offshoot, may and tokio](benchmarks.svg)\n",
            );
        }
        out.push_str(&self.slower());
        out.push_str(&self.machine_section());
        out.push_str(&workloads_section(self));
        wrap(&out)
    }

    /// What the page is and how to make it again.
    fn intro(&self) -> String {
        let names: Vec<&str> = self.systems.iter().map(|s| s.name.as_str()).collect();
        format!(
            "# Benchmarks\n\n\
             offshoot against Go, and the Rust runtimes may and tokio, on the same workloads: the \
             programs are `benches/go/main.go`, `benches/runtime.rs`, `benches/chan.rs`, \
             `benches/io.rs` and `benches/peers/`, and every one does the same work and times it \
             itself. This page and `docs/benchmarks.svg` are written by\n\n\
             ```sh\nbenches/compare.sh [RUNS] [WORKLOAD...]   # default: 5 runs, every workload\n\
             OFFSHOOT_BASE=REV benches/compare.sh ...   # and offshoot at git revision REV, as offshoot@REV\n```\n\n\
             which builds every system in release mode, runs each workload once per system as a \
             warm-up (not counted), then RUNS times with the systems interleaved ({}, {}, ...), \
             and takes medians. A run that fails or takes over 120 s counts as failed and is left \
             out. The reference for the ratios is, per workload, whichever Go version did better. \
             Each program measures wall-clock time (or memory) itself; on a shared machine, read a \
             ratio near 1.0 together with the spreads beside the medians. \
             This run: `{}`, {}, {:.0} minutes.\n\n{}",
            names.join(", "),
            names[0],
            self.command,
            self.date,
            self.minutes,
            self.base_note(),
        )
    }

    /// Whether this run included a base, and what it was.
    fn base_note(&self) -> String {
        let Some(base) = self.base() else {
            return String::new();
        };
        let commit = base.name.strip_prefix("offshoot@").unwrap_or(&base.name);
        format!(
            "This run included a base: `{}` is offshoot at commit {commit}, built in a git \
             worktree under `target/compare/` and run interleaved with the others; the column \
             {TO_BASE} is this checkout's median over the base's. The chart and the list of \
             workloads where offshoot is slower than Go are about this checkout (`offshoot`) \
             only.\n\n",
            base.name
        )
    }

    /// The workloads where offshoot did worse than the reference Go.
    fn slower(&self) -> String {
        if !self.has_go() {
            return String::new();
        }
        let mut out = String::from("\n## Where offshoot is slower than Go\n\n");
        let offshoot = self.systems.iter().position(|s| s.role == Role::Offshoot);
        let offshoot = offshoot.expect("offshoot is always built");
        let slower: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.ratios[offshoot].is_some_and(|x| x > 1.0))
            .collect();
        if slower.is_empty() {
            out.push_str("Nowhere in this run.\n");
        }
        for row in slower {
            let go = row.reference.expect("a ratio has a reference");
            let value = |s: usize| row.cells[s].median.map_or_else(|| "-".into(), number);
            writeln!(
                out,
                "- **{}**: {} ({} {}, against {} for {}).\n  {}",
                row.workload.name,
                ratio_text(row.ratios[offshoot]),
                value(offshoot),
                row.workload.shown,
                value(go),
                self.systems[go].name,
                reason(row.workload.name),
            )
            .unwrap();
        }
        out
    }

    /// The machine and every version.
    fn machine_section(&self) -> String {
        let m = &self.machine;
        let mut out = format!(
            "\n## Machine and versions\n\n\
             - machine: {} cores (nproc), {}, {} memory, Linux {}\n\
             - date: {}\n\
             - {}\n",
            m.cores, m.cpu, m.memory, m.kernel, self.date, m.rustc
        );
        for s in &self.systems {
            writeln!(out, "- {}", s.version).unwrap();
        }
        out
    }
}

/// The workloads, one line each.
fn workloads_section(report: &Report) -> String {
    let mut out = String::from("\n## Workloads\n\n");
    for row in &report.rows {
        writeln!(out, "- `{}`: {}.", row.workload.name, row.workload.what).unwrap();
    }
    out
}

/// Markdown with its long prose lines wrapped at [`WRAP`] columns, as the other pages under
/// docs/ are; table rows, headings, code blocks and images are left whole.
fn wrap(page: &str) -> String {
    let mut out = String::new();
    let mut code = false;
    for line in page.lines() {
        code ^= line.starts_with("```");
        let whole = code || line.starts_with(['|', '#', '!', '`']);
        if whole || line.chars().count() <= WRAP {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        // List items continue under their text, other lines under their own start.
        let indent = if line.starts_with("- ") { "  " } else { "" };
        let mut width = 0;
        for (i, word) in line.split(' ').enumerate() {
            let n = word.chars().count();
            if i > 0 && width + 1 + n > WRAP {
                out.push('\n');
                out.push_str(indent);
                width = indent.len();
            } else if i > 0 {
                out.push(' ');
                width += 1;
            }
            out.push_str(word);
            width += n;
        }
        out.push('\n');
    }
    out
}

/// The header of the column with offshoot's ratio to the base.
const TO_BASE: &str = "offshoot/base";

/// The width prose is wrapped at.
const WRAP: usize = 100;

/// A table as Markdown, numbers right-aligned.
fn markdown(table: &[Vec<String>]) -> String {
    let mut out = String::new();
    for (r, row) in table.iter().enumerate() {
        writeln!(out, "| {} |", row.join(" | ")).unwrap();
        if r == 0 {
            let align: Vec<&str> = (0..row.len())
                .map(|c| if c < 2 { "---" } else { "---:" })
                .collect();
            writeln!(out, "|{}|", align.join("|")).unwrap();
        }
    }
    out
}

/// A cell: `median (min-max)`, the reference marked, failures counted.
fn cell_text(cell: &Cell, reference: bool, style: Style) -> String {
    let Some(median) = cell.median else {
        return if cell.not_applicable.is_some() {
            "n/a".into()
        } else {
            "failed".into()
        };
    };
    let (median, dash) = match (style, reference) {
        (Style::Markdown, true) => (format!("**{}**", number(median)), "–"),
        (Style::Markdown, false) => (number(median), "–"),
        (Style::Text, true) => (format!("{}*", number(median)), "-"),
        (Style::Text, false) => (number(median), "-"),
    };
    let mut text = format!("{median} ({}{dash}{})", number(cell.min), number(cell.max));
    if !cell.failures.is_empty() {
        write!(text, " {} failed", cell.failures.len()).unwrap();
    }
    text
}

/// A ratio to two decimals, or `-`.
fn ratio_text(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "-".into(), |r| format!("{r:.2}"))
}

/// A value with about four significant digits: `0.93`, `27.7`, `5,167`, `193,500`.
pub fn number(v: f64) -> String {
    if v.abs() < 10.0 {
        return format!("{v:.2}");
    }
    if v.abs() < 1000.0 {
        return format!("{v:.1}");
    }
    let digits = format!("{:.0}", v.abs());
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if v < 0.0 {
        grouped.insert(0, '-');
    }
    grouped
}

/// Why offshoot is slower than Go on `workload`, from benches/compare/reasons.txt (compiled in,
/// and the runner is rebuilt on every run, so an edit shows in the next page).
fn reason(workload: &str) -> String {
    include_str!("../reasons.txt")
        .lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| line.strip_prefix(workload)?.strip_prefix(": "))
        .map_or_else(
            || "Not profiled yet: see docs/performance.md.".to_string(),
            |why| format!("Why: {why}"),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::Outcome;
    use crate::workloads::find;

    #[test]
    fn wraps_prose_only() {
        let long = format!("- {}", "word ".repeat(30).trim_end());
        let wrapped = wrap(&format!("| {long} |\n{long}\n"));
        let lines: Vec<&str> = wrapped.lines().collect();
        assert_eq!(lines[0], format!("| {long} |"));
        assert!(lines[1..].iter().all(|l| l.len() <= 100));
        assert!(lines[2].starts_with("  word"));
        assert_eq!(lines[1..].join(" ").split_whitespace().count(), 31);
    }

    #[test]
    fn numbers() {
        assert_eq!(number(0.934), "0.93");
        assert_eq!(number(27.74), "27.7");
        assert_eq!(number(5167.4), "5,167");
        assert_eq!(number(193_500.0), "193,500");
        assert_eq!(number(1_234_567.0), "1,234,567");
    }

    /// A report of offshoot, a base and one Go on pingpong and echo.
    fn with_base() -> Report {
        report(true)
    }

    /// A report of offshoot, the base if `base`, and one Go on pingpong and echo.
    fn report(base: bool) -> Report {
        let system = |name: &str, role| System::offshoot(name.into(), role, name.into(), vec![]);
        let mut systems = vec![
            system("offshoot", Role::Offshoot),
            system("offshoot@b9c8e0e", Role::Base),
            system("go1.19", Role::Go),
        ];
        let v = |x: f64| vec![Outcome::Value(x)];
        let mut pingpong = vec![v(100.0), v(200.0), v(400.0)];
        let mut echo = vec![v(10_000.0), v(5000.0), v(5000.0)];
        if !base {
            systems.remove(1);
            pingpong.remove(1);
            echo.remove(1);
        }
        let rows = vec![
            crate::stats::row(find("pingpong").unwrap(), &systems, &pingpong),
            crate::stats::row(find("echo").unwrap(), &systems, &echo),
        ];
        Report {
            systems,
            rows,
            runs: 1,
            command: "OFFSHOOT_BASE=main benches/compare.sh 1 pingpong echo".into(),
            machine: Machine {
                cores: 2,
                cpu: "cpu".into(),
                kernel: "6.1".into(),
                memory: "1 GiB".into(),
                rustc: "rustc".into(),
            },
            date: "2026-01-01 00:00 UTC".into(),
            minutes: 1.0,
        }
    }

    #[test]
    fn a_base_has_its_ratio_to_go_and_offshoot_its_ratio_to_the_base() {
        let report = with_base();
        let table = report.table(Style::Text);
        assert_eq!(
            table[0][2..],
            [
                "offshoot",
                "offshoot@b9c8e0e",
                "go1.19",
                "offshoot/Go",
                "offshoot@b9c8e0e/Go",
                "offshoot/base"
            ]
        );
        // pingpong: 100 ns against the base's 200 and Go's 400.
        assert_eq!(table[1][5..], ["0.25", "0.50", "0.50"]);
        // echo: 100,000 rt/s against the base's and Go's 200,000: offshoot is twice as slow.
        assert_eq!(table[2][5..], ["2.00", "1.00", "2.00"]);
        assert!(report
            .terminal()
            .contains("offshoot/base: offshoot's median over offshoot@b9c8e0e's"));
    }

    #[test]
    fn the_page_says_a_base_was_included_and_keeps_offshoot_the_headline() {
        let page = with_base().page();
        assert!(
            page.contains("This run included a base: `offshoot@b9c8e0e`"),
            "{page}"
        );
        let unwrapped = page.replace('\n', " ");
        assert!(unwrapped.contains("`OFFSHOOT_BASE=main benches/compare.sh 1 pingpong echo`"));
        // Only offshoot's slower workload is listed, not the base's.
        let slower = &page[page.find("## Where offshoot is slower").unwrap()..];
        let slower = &slower[..slower.find("## Machine").unwrap()];
        assert!(
            slower.contains("**echo**: 2.00") && !slower.contains("pingpong"),
            "{slower}"
        );
        let chart = crate::svg::chart(&with_base());
        assert!(
            chart.contains("offshoot / Go") && !chart.contains("offshoot@"),
            "{chart}"
        );
    }

    #[test]
    fn without_a_base_there_is_no_column_for_it() {
        let report = report(false);
        assert!(!report.table(Style::Text)[0]
            .iter()
            .any(|h| h.contains("base")));
        assert!(!report.page().contains("included a base"));
    }
}
