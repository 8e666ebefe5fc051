//! `compare.svg`: the loss curves of a Rust and a Python run on a log axis, and their
//! absolute difference per step underneath, the first difference marked.

use super::style::{
    self, axes, axis_fonts, dashed, err, framed_chart, log_tick, Area, FONT, GOOD_COLOUR,
    MARK_COLOUR, PYTHON_COLOUR, RUST_COLOUR,
};
use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Loss curves of 100 000 steps would make multi-megabyte SVGs; this many buckets keep the
/// shape (each keeps its lowest and highest value) at a few hundred kilobytes.
const MAX_BUCKETS: usize = 1500;

/// What `compare.svg` shows.
pub struct ComparePlot<'a> {
    pub title: &'a str,
    /// One line under the title (the verdict).
    pub subtitle: &'a str,
    /// "epochs" or "samples".
    pub step_unit: &'a str,
    /// What made the Rust curve, as its legend names it: `Rust (exact engine)`.
    pub rust_label: &'a str,
    pub rust: &'a [f64],
    pub python: &'a [f64],
    /// The first step whose two losses differ, if any.
    pub first_difference: Option<usize>,
}

/// Both loss curves on a log axis, and their absolute difference underneath.
pub fn compare(plot: &ComparePlot, path: &Path) -> Result<()> {
    style::write_svg(path, (1000, 780), |root| {
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
        difference_panel(plot, &lower)
    })
}

fn x_range(n: usize) -> std::ops::Range<f64> {
    0.0..(n.max(2) - 1) as f64
}

fn step_label(x: &f64) -> String {
    format!("{x:.0}")
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

fn loss_panel(plot: &ComparePlot, area: &Area) -> Result<()> {
    let n = plot.rust.len().max(plot.python.len());
    let (lo, hi) = log_range(plot.rust.iter().chain(plot.python).copied()).unwrap_or((0.1, 1.0));
    let mut chart = framed_chart(area, "loss at each step", 18, 40, 80)
        .build_cartesian_2d(x_range(n), (lo..hi).log_scale())
        .map_err(err)?;
    axes(&mut chart.configure_mesh())
        .x_desc(plot.step_unit)
        .y_desc("loss (log scale)")
        .y_labels(8)
        .x_label_formatter(&step_label)
        .y_label_formatter(&log_tick)
        .draw()
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(
            decimate(plot.rust),
            RUST_COLOUR.stroke_width(4),
        ))
        .map_err(err)?
        .label(format!("{}, {} steps", plot.rust_label, plot.rust.len()))
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
            .draw_series(dashed((x, lo), (x, hi), MARK_COLOUR.stroke_width(1)))
            .map_err(err)?
            .label(format!("first difference: step {step}"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], MARK_COLOUR.stroke_width(1)));
    }
    style::legend(&mut chart, SeriesLabelPosition::UpperRight)
}

fn difference_panel(plot: &ComparePlot, area: &Area) -> Result<()> {
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
        return no_difference(plot, &diffs, &caption, area);
    };
    // log10 on a linear axis, labelled 1e-k at whole powers: plotters' own log axis drops
    // its labels for differences as small as 1e-17.
    let (lo, hi) = (lo.log10().floor(), hi.log10().ceil());
    let mut chart = framed_chart(area, caption, 18, 40, 80)
        .build_cartesian_2d(x_range(n), lo..hi)
        .map_err(err)?;
    axes(&mut chart.configure_mesh())
        .x_desc(plot.step_unit)
        .y_desc("|difference| (log; 0 not drawn)")
        .x_label_formatter(&step_label)
        .y_labels((hi - lo) as usize + 1)
        .y_label_formatter(&|y| {
            if (y - y.round()).abs() < 1e-9 {
                format!("1e{:.0}", y)
            } else {
                String::new()
            }
        })
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
            .draw_series(dashed((x, lo), (x, hi), MARK_COLOUR.stroke_width(1)))
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

/// The difference panel when no difference can go on a log axis: says so where the curve
/// would be.
fn no_difference(plot: &ComparePlot, diffs: &[f64], caption: &str, area: &Area) -> Result<()> {
    let n = plot.rust.len().max(plot.python.len());
    let mut chart = framed_chart(area, caption, 18, 40, 80)
        .build_cartesian_2d(x_range(n), 0.0..1.0)
        .map_err(err)?;
    axis_fonts(&mut chart.configure_mesh())
        .x_desc(plot.step_unit)
        .y_desc("absolute difference")
        .x_label_formatter(&step_label)
        .y_labels(2)
        .y_label_formatter(&|_| String::new())
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
                .color(&GOOD_COLOUR)
                .pos(Pos::new(HPos::Center, VPos::Center)),
        )])
        .map_err(err)?;
    Ok(())
}
