//! `explain.svg`: how the difference between two runs grows after they part — |loss
//! difference| per step on a log axis, with the traced steps' largest difference and the
//! first divergence marked.

use super::style::{
    err, write_svg, FONT, MARK_COLOUR, PYTHON_COLOUR as TRACE_COLOUR, RUST_COLOUR as LOSS_COLOUR,
};
use anyhow::Result;
use plotters::prelude::*;
use std::path::Path;

/// What `explain.svg` shows.
pub struct GrowthPlot<'a> {
    pub title: &'a str,
    pub subtitle: &'a str,
    pub step_unit: &'a str,
    /// |loss difference| per step (0 where identical).
    pub loss: &'a [f64],
    /// (step, largest |difference| of a traced value).
    pub traced: &'a [(usize, f64)],
    /// The step of the first divergence.
    pub first: Option<usize>,
}

pub fn growth(plot: &GrowthPlot, path: &Path) -> Result<()> {
    write_svg(path, (1000, 560), |root| {
        let root = root
            .titled(plot.title, (FONT, 22).into_font().style(FontStyle::Bold))
            .map_err(err)?;
        let (head, body) = root.split_vertically(26);
        head.draw(&Text::new(
            plot.subtitle.to_string(),
            (20, 2),
            (FONT, 15).into_font().color(&BLACK.mix(0.8)),
        ))
        .map_err(err)?;
        let positive = plot
            .loss
            .iter()
            .copied()
            .chain(plot.traced.iter().map(|t| t.1))
            .filter(|v| v.is_finite() && *v > 0.0);
        let (lo, hi) = positive.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        let (lo, hi) = if hi == 0.0 {
            (1e-18, 1.0)
        } else {
            (lo / 3.0, hi * 3.0)
        };
        let steps = plot
            .loss
            .len()
            .max(plot.traced.last().map_or(0, |t| t.0 + 1))
            .max(2);
        let mut chart = ChartBuilder::on(&body)
            .margin(20)
            .x_label_area_size(45)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..(steps - 1) as f64, (lo..hi).log_scale())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(plot.step_unit)
            .y_desc("|difference|")
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .label_style((FONT, 14))
            .draw()
            .map_err(err)?;
        let loss_points: Vec<(f64, f64)> = thin(plot.loss)
            .into_iter()
            .filter(|(_, v)| *v > 0.0 && v.is_finite())
            .collect();
        chart
            .draw_series(
                loss_points
                    .iter()
                    .map(|&p| Circle::new(p, 1, LOSS_COLOUR.filled())),
            )
            .map_err(err)?
            .label("|loss difference|")
            .legend(|(x, y)| Circle::new((x + 10, y), 4, LOSS_COLOUR.filled()));
        chart
            .draw_series(
                plot.traced
                    .iter()
                    .filter(|t| t.1 > 0.0 && t.1.is_finite())
                    .map(|&(s, v)| Cross::new((s as f64, v), 5, TRACE_COLOUR.stroke_width(2))),
            )
            .map_err(err)?
            .label("largest |difference| of a traced value")
            .legend(|(x, y)| Cross::new((x + 10, y), 5, TRACE_COLOUR.stroke_width(2)));
        if let Some(first) = plot.first {
            chart
                .draw_series(LineSeries::new(
                    [(first as f64, lo), (first as f64, hi)],
                    MARK_COLOUR.stroke_width(1),
                ))
                .map_err(err)?
                .label(format!("first divergence (step {first})"))
                .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], MARK_COLOUR));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 14))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(err)?;
        Ok(())
    })
}

/// At most about 2000 points: the largest value of each bucket of steps.
fn thin(values: &[f64]) -> Vec<(f64, f64)> {
    let bucket = values.len().div_ceil(2000).max(1);
    values
        .chunks(bucket)
        .enumerate()
        .map(|(i, chunk)| {
            let (j, v) =
                chunk.iter().enumerate().fold(
                    (0, 0.0f64),
                    |(bj, bv), (j, &v)| if v > bv { (j, v) } else { (bj, bv) },
                );
            ((i * bucket + j) as f64, v)
        })
        .collect()
}
