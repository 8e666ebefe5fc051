//! `surface.svg`: a network's output over the unit square as a heat map, with the four XOR
//! points and a colour bar.

use super::style::{self, err, Area, FONT};
use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

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
    style::write_svg(path, (720, 620), |root| {
        let (main, bar) = root.split_horizontally(610);
        // Square-ish cells: narrower margins and label areas than the other charts.
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
        colour_bar(&bar)
    })
}

fn colour_bar(area: &Area) -> Result<()> {
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
