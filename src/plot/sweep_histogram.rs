//! `sweep.svg`: how a sweep's seeds ended, as a histogram of their final losses stacked by
//! outcome, with the MSE plateaus marked.

use super::style::{self, axes, dashed, err, framed_chart, log_tick, FONT, GOOD_COLOUR};
use crate::sweep::outcome::Outcome;
use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// One seed's end for `sweep.svg`: its final loss and its outcome class.
pub struct SweepPoint {
    pub final_loss: f64,
    pub outcome: Outcome,
}

/// The colour of each outcome class; the legend lists them in `Outcome::ALL`'s order.
fn outcome_colour(outcome: Outcome) -> RGBColor {
    match outcome {
        Outcome::Solved => GOOD_COLOUR,
        Outcome::SolvedSlow => RGBColor(152, 223, 138),
        Outcome::PlateauSixth => RGBColor(255, 127, 14),
        Outcome::PlateauEighth => RGBColor(148, 103, 189),
        Outcome::PlateauQuarter => RGBColor(214, 39, 40),
        Outcome::Unsolved => RGBColor(127, 127, 127),
    }
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
    let outcomes: Vec<Outcome> = Outcome::ALL
        .into_iter()
        .filter(|o| finite.iter().any(|p| p.outcome == *o))
        .collect();
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
    style::write_svg(path, (900, 560), |root| {
        let caption = if left_out > 0 {
            format!("{title} ({left_out} seeds with a non-finite or zero loss not shown)")
        } else {
            title.to_string()
        };
        let mut chart = framed_chart(root, caption, 20, 45, 60)
            .build_cartesian_2d((lo..hi).log_scale(), 0.0..y_top)
            .map_err(err)?;
        axes(&mut chart.configure_mesh())
            .x_desc("final loss (log scale)")
            .y_desc("seeds")
            .x_label_formatter(&log_tick)
            // Counts are whole: label only whole ticks.
            .y_labels((y_top as usize + 1).min(11))
            .y_label_formatter(&|y| {
                if (y - y.round()).abs() < 1e-9 {
                    format!("{y:.0}")
                } else {
                    String::new()
                }
            })
            .draw()
            .map_err(err)?;
        for (k, outcome) in outcomes.iter().enumerate() {
            let colour = outcome_colour(*outcome);
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
                    .draw_series(dashed(
                        (value, 0.0),
                        (value, y_mark),
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
        // Between the solved runs (left) and the plateaus (right) there is room.
        style::legend(&mut chart, SeriesLabelPosition::UpperMiddle)
    })
}
