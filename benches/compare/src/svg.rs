//! docs/benchmarks.svg: per workload, a horizontal bar for each Rust system's ratio to the
//! reference Go, on a log scale centred on a line at 1.0 (not the base's: see `chart`).
//!
//! A bar runs from the 1.0 line to the ratio, so a bar to the left means better than Go and one
//! to the right worse, and equal factors look equally long either way. Plain SVG 1.1 written as
//! text: no scripts, no external fonts (`sans-serif`), a white background so that it also reads
//! on GitHub's dark theme.

use std::fmt::Write;

use crate::report::Report;
use crate::systems::Role;

/// Width of the picture.
const WIDTH: f64 = 900.0;
/// Left edge of the plot: the workload names are right-aligned before it.
const PLOT_LEFT: f64 = 120.0;
/// Right edge of the plot.
const PLOT_RIGHT: f64 = WIDTH - 30.0;
/// Top of the first workload's bars.
const PLOT_TOP: f64 = 100.0;
/// Height of one bar, and the space between bars of one workload and between workloads.
const BAR: f64 = 11.0;
const BAR_GAP: f64 = 2.0;
const GROUP_GAP: f64 = 9.0;
/// Room kept beyond the longest bars for their labels, in pixels.
const LABEL_ROOM: f64 = 42.0;
/// Bar colours, one per compared system in order (offshoot, may, tokio, ...).
const COLOURS: [&str; 5] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"];
/// Where ticks may go.
const TICKS: [f64; 13] = [
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0,
];

/// The log10 range shown on the x axis.
#[derive(Clone, Copy, Debug)]
struct Scale {
    lo: f64,
    hi: f64,
}

impl Scale {
    /// A range holding 1.0, 0.5 to 2.0 and every ratio, with room for labels, within 0.01..100.
    fn fit(ratios: impl Iterator<Item = f64>) -> Scale {
        let (mut lo, mut hi) = (0.5f64.log10(), 2f64.log10());
        for r in ratios {
            lo = lo.min(r.log10());
            hi = hi.max(r.log10());
        }
        let pad = LABEL_ROOM / (PLOT_RIGHT - PLOT_LEFT);
        let span = (hi - lo) / (1.0 - 2.0 * pad);
        Scale {
            lo: (lo - pad * span).max(-2.0),
            hi: (hi + pad * span).min(2.0),
        }
    }

    /// The x coordinate of a ratio, clamped to the plot.
    fn x(self, ratio: f64) -> f64 {
        let t = ((ratio.log10() - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0);
        PLOT_LEFT + t * (PLOT_RIGHT - PLOT_LEFT)
    }

    /// Whether a ratio falls inside the range.
    fn holds(self, ratio: f64) -> bool {
        (self.lo..=self.hi).contains(&ratio.log10())
    }
}

/// The whole chart.
pub fn chart(report: &Report) -> String {
    // The base (OFFSHOOT_BASE) is left out: the chart shows this checkout, as the page's headline.
    let compared: Vec<usize> = (0..report.systems.len())
        .filter(|&i| !matches!(report.systems[i].role, Role::Go | Role::Base))
        .collect();
    let all = report
        .rows
        .iter()
        .flat_map(|r| compared.iter().filter_map(|&i| r.ratios[i]));
    let scale = Scale::fit(all);
    let group = compared.len() as f64 * (BAR + BAR_GAP) - BAR_GAP + GROUP_GAP;
    let bottom = PLOT_TOP + report.rows.len() as f64 * group;
    let height = bottom + 55.0;
    let mut svg = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" font-family=\"sans-serif\">\n\
         <rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"{height}\" fill=\"#ffffff\"/>\n"
    );
    if !report.has_go() {
        text(
            &mut svg,
            20.0,
            28.0,
            "start",
            16.0,
            "#000000",
            "No Go was found: no ratios to draw.",
        );
        svg.push_str("</svg>\n");
        return svg;
    }
    header(&mut svg, report, &compared);
    // Every other workload on a light band, so that a bar is easily matched to its name.
    for n in (1..report.rows.len()).step_by(2) {
        let y = PLOT_TOP + n as f64 * group - GROUP_GAP / 2.0;
        writeln!(
            svg,
            "<rect x=\"10\" y=\"{y:.1}\" width=\"{}\" height=\"{group:.1}\" fill=\"#f2f2f2\"/>",
            WIDTH - 20.0
        )
        .unwrap();
    }
    grid(&mut svg, scale, bottom);
    for (n, row) in report.rows.iter().enumerate() {
        let top = PLOT_TOP + n as f64 * group;
        let middle = top + (group - GROUP_GAP) / 2.0;
        text(
            &mut svg,
            PLOT_LEFT - 8.0,
            middle + 4.0,
            "end",
            12.0,
            "#000000",
            row.workload.name,
        );
        for (k, &s) in compared.iter().enumerate() {
            let y = top + k as f64 * (BAR + BAR_GAP);
            bar(
                &mut svg,
                scale,
                y,
                COLOURS[k % COLOURS.len()],
                row.ratios[s],
                &row.cells[s],
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}

/// Title, subtitle and legend.
fn header(svg: &mut String, report: &Report, compared: &[usize]) {
    let goes: Vec<&str> = report
        .systems
        .iter()
        .filter(|s| s.role == Role::Go)
        .map(|s| s.name.as_str())
        .collect();
    let title = format!(
        "Ratio to Go per workload, {}, {}",
        report.machine.short(),
        report.date
    );
    text(svg, 20.0, 28.0, "start", 16.0, "#000000", &title);
    let sub = format!(
        "median over the median of the better Go per workload ({}); time, memory, 1/throughput; \
         below 1 = better than Go; log scale",
        goes.join(" or ")
    );
    text(svg, 20.0, 48.0, "start", 11.0, "#444444", &sub);
    let mut x = 20.0;
    for (k, &s) in compared.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        writeln!(
            svg,
            "<rect x=\"{x}\" y=\"62\" width=\"14\" height=\"11\" fill=\"{colour}\"/>"
        )
        .unwrap();
        let label = format!("{} / Go", report.systems[s].name);
        text(svg, x + 19.0, 72.0, "start", 12.0, "#000000", &label);
        x += 30.0 + 7.5 * label.len() as f64;
    }
}

/// Vertical grid lines with tick labels, the 1.0 line, and which side is better.
fn grid(svg: &mut String, scale: Scale, bottom: f64) {
    let top = PLOT_TOP - 6.0;
    for t in TICKS.into_iter().filter(|&t| scale.holds(t)) {
        let x = scale.x(t);
        let (colour, width) = if t == 1.0 {
            ("#000000", 1.5)
        } else {
            ("#dddddd", 1.0)
        };
        writeln!(
            svg,
            "<line x1=\"{x:.1}\" y1=\"{top}\" x2=\"{x:.1}\" y2=\"{bottom}\" stroke=\"{colour}\" stroke-width=\"{width}\"/>"
        )
        .unwrap();
        text(
            svg,
            x,
            bottom + 16.0,
            "middle",
            11.0,
            "#000000",
            &format!("{t}"),
        );
    }
    let one = scale.x(1.0);
    text(
        svg,
        one - 8.0,
        bottom + 36.0,
        "end",
        12.0,
        "#2a7a2a",
        "\u{2190} better than Go",
    );
    text(
        svg,
        one + 8.0,
        bottom + 36.0,
        "start",
        12.0,
        "#a02020",
        "worse than Go \u{2192}",
    );
}

/// One system's bar for one workload, with its value, or a note where there is none.
fn bar(
    svg: &mut String,
    scale: Scale,
    y: f64,
    colour: &str,
    ratio: Option<f64>,
    cell: &crate::stats::Cell,
) {
    let one = scale.x(1.0);
    let Some(r) = ratio else {
        let why = match (cell.median, &cell.not_applicable) {
            (_, Some(_)) => "n/a",
            (None, None) => "failed",
            (Some(_), None) => "no Go value",
        };
        text(svg, one + 4.0, y + BAR - 2.0, "start", 10.0, "#777777", why);
        return;
    };
    let x = scale.x(r);
    let (left, width) = (one.min(x), (one - x).abs().max(1.0));
    writeln!(
        svg,
        "<rect x=\"{left:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{BAR}\" fill=\"{colour}\"/>"
    )
    .unwrap();
    let label = format!("{r:.2}");
    if r < 1.0 {
        text(svg, x - 3.0, y + BAR - 2.0, "end", 10.0, "#000000", &label);
    } else {
        text(
            svg,
            x + 3.0,
            y + BAR - 2.0,
            "start",
            10.0,
            "#000000",
            &label,
        );
    }
}

/// A line of text, XML-escaped.
fn text(svg: &mut String, x: f64, y: f64, anchor: &str, size: f64, colour: &str, content: &str) {
    writeln!(
        svg,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" font-size=\"{size}\" fill=\"{colour}\">{}</text>",
        escape(content)
    )
    .unwrap();
}

/// `text` with XML's special characters replaced by entities.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_holds_one_and_every_ratio() {
        let s = Scale::fit([0.3, 3.0].into_iter());
        assert!(s.holds(1.0) && s.holds(0.3) && s.holds(3.0));
        assert!(s.x(0.3) > PLOT_LEFT && s.x(3.0) < PLOT_RIGHT);
        assert!((s.x(1.0) - (s.x(0.5) + s.x(2.0)) / 2.0).abs() < 1e-9);
    }

    #[test]
    fn escapes() {
        assert_eq!(escape("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");
    }
}
