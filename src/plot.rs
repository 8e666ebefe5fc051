//! The plots, as SVG through `plotters` (no system libraries): the loss curves of a Rust and
//! a Python run with their difference (`compare.svg`), notebook 002's prediction surface
//! (`surface.svg`), and the histogram of a sweep's final losses (`sweep.svg`).
//!
//! Every plot is drawn into a string and written with `record::write_atomic`, so an
//! interrupted command never leaves half an SVG.

use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

const RUST_COLOUR: RGBColor = RGBColor(31, 119, 180);
const PYTHON_COLOUR: RGBColor = RGBColor(255, 127, 14);
const MARK_COLOUR: RGBColor = RGBColor(214, 39, 40);
const FONT: &str = "sans-serif";
/// Loss curves of 100 000 steps would make multi-megabyte SVGs; this many buckets keep the
/// shape (each keeps its lowest and highest value) at a few hundred kilobytes.
const MAX_BUCKETS: usize = 1500;

fn err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("cannot draw the plot: {e}")
}

/// What `compare.svg` shows.
pub struct ComparePlot<'a> {
    pub title: &'a str,
    /// One line under the title (the verdict).
    pub subtitle: &'a str,
    /// "epochs" or "samples".
    pub step_unit: &'a str,
    pub rust: &'a [f64],
    pub python: &'a [f64],
    /// The first step whose two losses differ, if any.
    pub first_difference: Option<usize>,
}

/// Both loss curves on a log axis, and their absolute difference underneath.
pub fn compare(plot: &ComparePlot, path: &Path) -> Result<()> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 780)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let root = root
            .titled(plot.title, (FONT, 24).into_font().style(FontStyle::Bold))
            .map_err(err)?;
        let (head, body) = root.split_vertically(28);
        head.draw(&Text::new(
            plot.subtitle.to_string(),
            (20, 4),
            (FONT, 16).into_font().color(&BLACK.mix(0.8)),
        ))
        .map_err(err)?;
        let (upper, lower) = body.split_vertically(430);
        loss_panel(plot, &upper)?;
        difference_panel(plot, &lower)?;
        root.present().map_err(err)?;
    }
    crate::record::write_atomic(path, svg)
}

fn x_range(n: usize) -> std::ops::Range<f64> {
    0.0..(n.max(2) - 1) as f64
}

/// `[lo, hi]` padded for a log axis, from the positive finite values.
fn log_range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if hi == 0.0 {
        return None;
    }
    // At least two decades, so the axis always carries labelled powers of ten.
    let (lo, hi) = (lo / 1.6, hi * 1.6);
    let widen = (100.0 / (hi / lo)).max(1.0).sqrt();
    Some((lo / widen, hi * widen))
}

/// Up to `2 × MAX_BUCKETS` points keeping each bucket's lowest and highest value in step
/// order; values a log axis cannot show (≤ 0, not finite) are left out.
fn decimate(values: &[f64]) -> Vec<(f64, f64)> {
    let keep = |v: f64| v.is_finite() && v > 0.0;
    if values.len() <= 2 * MAX_BUCKETS {
        return values
            .iter()
            .enumerate()
            .filter(|(_, v)| keep(**v))
            .map(|(i, v)| (i as f64, *v))
            .collect();
    }
    let size = values.len().div_ceil(MAX_BUCKETS);
    let mut points = Vec::with_capacity(2 * MAX_BUCKETS);
    for (b, chunk) in values.chunks(size).enumerate() {
        let start = b * size;
        let mut lo: Option<(usize, f64)> = None;
        let mut hi: Option<(usize, f64)> = None;
        for (i, &v) in chunk.iter().enumerate().filter(|(_, v)| keep(**v)) {
            if lo.is_none_or(|(_, l)| v < l) {
                lo = Some((start + i, v));
            }
            if hi.is_none_or(|(_, h)| v > h) {
                hi = Some((start + i, v));
            }
        }
        let mut pair: Vec<(usize, f64)> = lo.into_iter().chain(hi).collect();
        pair.sort_by_key(|(i, _)| *i);
        pair.dedup_by_key(|(i, _)| *i);
        points.extend(pair.into_iter().map(|(i, v)| (i as f64, v)));
    }
    points
}

/// Axis labels for a log axis: `0.25`, `0.001`, `1e-7`.
fn tick(v: &f64) -> String {
    let v = *v;
    if (1e-3..1e4).contains(&v.abs()) {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    } else {
        format!("{v:.0e}")
    }
}

fn loss_panel(plot: &ComparePlot, area: &DrawingArea<SVGBackend, Shift>) -> Result<()> {
    let n = plot.rust.len().max(plot.python.len());
    let (lo, hi) = log_range(plot.rust.iter().chain(plot.python).copied()).unwrap_or((0.1, 1.0));
    let mut chart = ChartBuilder::on(area)
        .margin(16)
        .margin_right(30)
        .caption("loss at each step", (FONT, 18))
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(x_range(n), (lo..hi).log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(plot.step_unit)
        .y_desc("loss (log scale)")
        .y_labels(8)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&tick)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(
            decimate(plot.rust),
            RUST_COLOUR.stroke_width(4),
        ))
        .map_err(err)?
        .label(format!("Rust (tch), {} steps", plot.rust.len()))
        .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], RUST_COLOUR.stroke_width(4)));
    // Thinner on top, so where the curves coincide both stay visible.
    chart
        .draw_series(LineSeries::new(
            decimate(plot.python),
            PYTHON_COLOUR.stroke_width(1),
        ))
        .map_err(err)?
        .label(format!("Python, {} steps", plot.python.len()))
        .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], PYTHON_COLOUR.stroke_width(1)));
    if let Some(step) = plot.first_difference {
        let x = step as f64;
        chart
            .draw_series(DashedLineSeries::new(
                [(x, lo), (x, hi)],
                4,
                4,
                MARK_COLOUR.stroke_width(1),
            ))
            .map_err(err)?
            .label(format!("first difference: step {step}"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], MARK_COLOUR.stroke_width(1)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .label_font((FONT, 14))
        .draw()
        .map_err(err)?;
    Ok(())
}

fn difference_panel(plot: &ComparePlot, area: &DrawingArea<SVGBackend, Shift>) -> Result<()> {
    let n = plot.rust.len().max(plot.python.len());
    let diffs: Vec<f64> = plot
        .rust
        .iter()
        .zip(plot.python)
        .map(|(a, b)| {
            if a.to_bits() == b.to_bits() {
                0.0
            } else {
                (a - b).abs()
            }
        })
        .collect();
    let nonzero = diffs.iter().filter(|d| **d != 0.0).count();
    let caption = format!(
        "|Rust − Python| per step: {nonzero} of {} steps differ",
        diffs.len()
    );
    let Some((lo, hi)) = log_range(diffs.iter().copied()) else {
        // Nothing to draw on a log axis: say so where the curve would be.
        let mut chart = ChartBuilder::on(area)
            .margin(16)
            .margin_right(30)
            .caption(caption, (FONT, 18))
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(x_range(n), 0.0..1.0)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(plot.step_unit)
            .y_desc("absolute difference")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_labels(2)
            .y_label_formatter(&|_| String::new())
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .disable_mesh()
            .draw()
            .map_err(err)?;
        let text = if plot.rust.len() == plot.python.len() {
            format!("bit-identical: all {} losses equal", diffs.len())
        } else {
            format!(
                "common {} steps bit-identical; lengths differ ({} vs {})",
                diffs.len(),
                plot.rust.len(),
                plot.python.len()
            )
        };
        chart
            .draw_series([Text::new(
                text,
                (x_range(n).end * 0.5, 0.5),
                (FONT, 26)
                    .into_font()
                    .color(&RGBColor(44, 160, 44))
                    .pos(text_centre()),
            )])
            .map_err(err)?;
        return Ok(());
    };
    // log10 on a linear axis, labelled 1e-k at whole powers: plotters' own log axis drops
    // its labels for differences as small as 1e-17.
    let (lo, hi) = (lo.log10().floor(), hi.log10().ceil());
    let mut chart = ChartBuilder::on(area)
        .margin(16)
        .margin_right(30)
        .caption(caption, (FONT, 18))
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(x_range(n), lo..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(plot.step_unit)
        .y_desc("|difference| (log; 0 not drawn)")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_labels((hi - lo) as usize + 1)
        .y_label_formatter(&|y| {
            if (y - y.round()).abs() < 1e-9 {
                format!("1e{:.0}", y)
            } else {
                String::new()
            }
        })
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    chart
        .draw_series(
            decimate(&diffs)
                .into_iter()
                .map(|(x, d)| Circle::new((x, d.log10()), 3, MARK_COLOUR.mix(0.8).filled())),
        )
        .map_err(err)?;
    if let Some(step) = plot.first_difference {
        let x = step as f64;
        chart
            .draw_series(DashedLineSeries::new(
                [(x, lo), (x, hi)],
                4,
                4,
                MARK_COLOUR.stroke_width(1),
            ))
            .map_err(err)?;
        // Beside the marker, on whichever side has room.
        let width = x_range(n).end;
        let (anchor, shift) = if x > width * 0.6 {
            (HPos::Right, -0.01 * width)
        } else {
            (HPos::Left, 0.01 * width)
        };
        chart
            .draw_series([Text::new(
                format!("first difference: step {step}"),
                (x + shift, hi),
                (FONT, 15)
                    .into_font()
                    .color(&MARK_COLOUR)
                    .pos(Pos::new(anchor, VPos::Top)),
            )])
            .map_err(err)?;
    }
    Ok(())
}

fn text_centre() -> Pos {
    Pos::new(HPos::Center, VPos::Center)
}

/// Viridis, from its five quartile colours; enough for a 0..1 heat map.
fn viridis(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 5] = [
        (68, 1, 84),
        (59, 82, 139),
        (33, 145, 140),
        (94, 201, 98),
        (253, 231, 37),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (STOPS.len() - 1) as f64;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The network's output over the unit square (`surface.csv`: x1, x2, prediction on a
/// regular grid) as a heat map, with the four XOR points and a colour bar.
pub fn surface(points: &[[f64; 3]], title: &str, path: &Path) -> Result<()> {
    let mut xs: Vec<f64> = points.iter().map(|p| p[0]).collect();
    let mut ys: Vec<f64> = points.iter().map(|p| p[1]).collect();
    for v in [&mut xs, &mut ys] {
        v.sort_by(f64::total_cmp);
        v.dedup();
    }
    // Half a grid step around each point, so the cells tile the square without gaps.
    let half = |v: &[f64]| {
        if v.len() < 2 {
            0.5
        } else {
            (v[v.len() - 1] - v[0]) / (v.len() - 1) as f64 / 2.0
        }
    };
    let (hx, hy) = (half(&xs), half(&ys));
    let (x0, x1) = (xs[0] - hx, xs[xs.len() - 1] + hx);
    let (y0, y1) = (ys[0] - hy, ys[ys.len() - 1] + hy);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 620)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (main, bar) = root.split_horizontally(610);
        let mut chart = ChartBuilder::on(&main)
            .margin(16)
            .margin_right(24)
            .caption(title, (FONT, 20))
            .x_label_area_size(45)
            .y_label_area_size(55)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("x1")
            .y_desc("x2")
            .x_label_formatter(&|x| format!("{x:.1}"))
            .y_label_formatter(&|y| format!("{y:.1}"))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(points.iter().map(|&[x, y, p]| {
                Rectangle::new([(x - hx, y - hy), (x + hx, y + hy)], viridis(p).filled())
            }))
            .map_err(err)?;
        // The XOR inputs, labelled with their targets.
        for (input, target) in crate::xor::INPUTS.iter().zip(crate::xor::TARGETS) {
            let (x, y) = (input[0], input[1]);
            let fill = if target == 1.0 { WHITE } else { BLACK };
            let edge = if target == 1.0 { BLACK } else { WHITE };
            chart
                .draw_series([
                    Circle::new((x, y), 9, fill.filled()),
                    Circle::new((x, y), 9, edge.stroke_width(2)),
                ])
                .map_err(err)?;
            let dx = if x < 0.5 { 0.04 } else { -0.04 };
            let dy = if y < 0.5 { 0.05 } else { -0.05 };
            let h = if x < 0.5 { HPos::Left } else { HPos::Right };
            // Dark text on the bright end of the map, light text on the dark end.
            let under = points
                .iter()
                .min_by(|a, b| {
                    let d = |p: &[f64; 3]| (p[0] - x - dx).powi(2) + (p[1] - y - dy).powi(2);
                    d(a).total_cmp(&d(b))
                })
                .map_or(0.0, |p| p[2]);
            let ink = if under > 0.6 { BLACK } else { WHITE };
            chart
                .draw_series([Text::new(
                    format!("target {target:.0}"),
                    (x + dx, y + dy),
                    (FONT, 15)
                        .into_font()
                        .color(&ink)
                        .pos(Pos::new(h, VPos::Center)),
                )])
                .map_err(err)?;
        }
        colour_bar(&bar)?;
        root.present().map_err(err)?;
    }
    crate::record::write_atomic(path, svg)
}

fn colour_bar(area: &DrawingArea<SVGBackend, Shift>) -> Result<()> {
    let mut chart = ChartBuilder::on(area)
        .caption("prediction", (FONT, 14))
        .margin_top(20)
        .margin_bottom(61)
        .margin_right(50)
        .y_label_area_size(0)
        .right_y_label_area_size(40)
        .build_cartesian_2d(0.0..1.0, 0.0..1.0)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(6)
        .y_label_formatter(&|y| format!("{y:.1}"))
        .label_style((FONT, 13))
        .draw()
        .map_err(err)?;
    let steps = 100;
    chart
        .draw_series((0..steps).map(|i| {
            let (a, b) = (i as f64 / steps as f64, (i + 1) as f64 / steps as f64);
            Rectangle::new([(0.0, a), (1.0, b)], viridis((a + b) / 2.0).filled())
        }))
        .map_err(err)?;
    Ok(())
}

/// One seed's end for `sweep.svg`: its final loss and its outcome class.
pub struct SweepPoint<'a> {
    pub final_loss: f64,
    pub outcome: &'a str,
}

/// Colours of the outcome classes, in legend order; others are grey.
const OUTCOME_COLOURS: [(&str, RGBColor); 5] = [
    ("solved", RGBColor(44, 160, 44)),
    ("solved-slow", RGBColor(152, 223, 138)),
    ("plateau-1/6", RGBColor(255, 127, 14)),
    ("plateau-1/8", RGBColor(148, 103, 189)),
    ("plateau-1/4", RGBColor(214, 39, 40)),
];

fn outcome_colour(outcome: &str) -> RGBColor {
    OUTCOME_COLOURS
        .iter()
        .find(|(name, _)| *name == outcome)
        .map(|(_, c)| *c)
        .unwrap_or(RGBColor(127, 127, 127))
}

/// Histogram of final losses over log-spaced bins (eight per decade, which keeps the MSE
/// plateaus 1/8, 1/6 and 1/4 in separate bins), stacked by outcome, the plateaus marked.
pub fn sweep_histogram(points: &[SweepPoint], title: &str, path: &Path) -> Result<()> {
    const PER_DECADE: f64 = 8.0;
    let finite: Vec<&SweepPoint> = points
        .iter()
        .filter(|p| p.final_loss.is_finite() && p.final_loss > 0.0)
        .collect();
    let left_out = points.len() - finite.len();
    let logs: Vec<f64> = finite.iter().map(|p| p.final_loss.log10()).collect();
    let lo_log = logs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi_log = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo_log, hi_log) = if logs.is_empty() {
        (-1.0, 0.0)
    } else {
        let lo = (lo_log * PER_DECADE).floor() / PER_DECADE;
        let hi = ((hi_log * PER_DECADE).floor() + 1.0) / PER_DECADE;
        (lo.min(hi - 1.0), hi.max(lo + 1.0))
    };
    let bins = ((hi_log - lo_log) * PER_DECADE).round() as usize;
    let mut outcomes: Vec<&str> = Vec::new();
    for (name, _) in OUTCOME_COLOURS {
        if finite.iter().any(|p| p.outcome == name) {
            outcomes.push(name);
        }
    }
    for p in &finite {
        if !outcomes.contains(&p.outcome) {
            outcomes.push(p.outcome);
        }
    }
    // counts[bin][outcome]
    let mut counts = vec![vec![0u32; outcomes.len()]; bins];
    for (p, l) in finite.iter().zip(&logs) {
        let bin = (((l - lo_log) * PER_DECADE).floor() as usize).min(bins - 1);
        let k = outcomes.iter().position(|o| *o == p.outcome).unwrap();
        counts[bin][k] += 1;
    }
    let top = counts
        .iter()
        .map(|c| c.iter().sum::<u32>())
        .max()
        .unwrap_or(0)
        .max(1);
    let (lo, hi) = (10f64.powf(lo_log), 10f64.powf(hi_log));
    let y_top = (top as f64 * 1.15).ceil().max(top as f64 + 1.0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let caption = if left_out > 0 {
            format!("{title} ({left_out} seeds with a non-finite or zero loss not shown)")
        } else {
            title.to_string()
        };
        let mut chart = ChartBuilder::on(&root)
            .margin(16)
            .margin_right(30)
            .caption(caption, (FONT, 20))
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d((lo..hi).log_scale(), 0.0..y_top)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("final loss (log scale)")
            .y_desc("seeds")
            .x_label_formatter(&tick)
            // Counts are whole: label only whole ticks.
            .y_labels((y_top as usize + 1).min(11))
            .y_label_formatter(&|y| {
                if (y - y.round()).abs() < 1e-9 {
                    format!("{y:.0}")
                } else {
                    String::new()
                }
            })
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        for (k, outcome) in outcomes.iter().enumerate() {
            let colour = outcome_colour(outcome);
            let total: u32 = counts.iter().map(|c| c[k]).sum();
            let bars = counts
                .iter()
                .enumerate()
                .filter(|(_, c)| c[k] > 0)
                .map(|(b, c)| {
                    let base: u32 = c[..k].iter().sum();
                    let x0 = 10f64.powf(lo_log + b as f64 / PER_DECADE);
                    let x1 = 10f64.powf(lo_log + (b + 1) as f64 / PER_DECADE);
                    Rectangle::new(
                        [(x0, base as f64), (x1, (base + c[k]) as f64)],
                        colour.filled(),
                    )
                });
            chart
                .draw_series(bars)
                .map_err(err)?
                .label(format!("{outcome} ({total})"))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.filled())
                });
        }
        for (value, label) in [(0.125, "1/8"), (1.0 / 6.0, "1/6"), (0.25, "1/4")] {
            if value > lo && value < hi {
                let y_mark = top as f64 * 1.05;
                chart
                    .draw_series(DashedLineSeries::new(
                        [(value, 0.0), (value, y_mark)],
                        4,
                        4,
                        BLACK.mix(0.5).stroke_width(1),
                    ))
                    .map_err(err)?;
                chart
                    .draw_series([Text::new(
                        label,
                        (value, y_mark),
                        (FONT, 13)
                            .into_font()
                            .color(&BLACK.mix(0.7))
                            .pos(Pos::new(HPos::Center, VPos::Bottom)),
                    )])
                    .map_err(err)?;
            }
        }
        chart
            .configure_series_labels()
            // Between the solved runs (left) and the plateaus (right) there is room.
            .position(SeriesLabelPosition::UpperMiddle)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .label_font((FONT, 14))
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    crate::record::write_atomic(path, svg)
}
