//! What the plots share, so they look alike: colours and font, the SVG canvas, the chart
//! frame, axes, legend and dashed markers.

use anyhow::{anyhow, Result};
use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

pub(super) const FONT: &str = "sans-serif";
pub(super) const RUST_COLOUR: RGBColor = RGBColor(31, 119, 180);
pub(super) const PYTHON_COLOUR: RGBColor = RGBColor(255, 127, 14);
/// Differences and the first of them.
pub(super) const MARK_COLOUR: RGBColor = RGBColor(214, 39, 40);
/// "Solved", "bit-identical".
pub(super) const GOOD_COLOUR: RGBColor = RGBColor(44, 160, 44);

/// A region of an SVG canvas.
pub(super) type Area<'svg> = DrawingArea<SVGBackend<'svg>, Shift>;

pub(super) fn err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("cannot draw the plot: {e}")
}

/// Draws onto a white canvas of `size` pixels and writes the SVG to `path` with
/// `record::write_atomic`, so an interrupted command never leaves half an SVG.
pub(super) fn write_svg(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Area) -> Result<()>,
) -> Result<()> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        draw(&root)?;
        root.present().map_err(err)?;
    }
    crate::record::write_atomic(path, svg)
}

/// A chart in the frame the loss and sweep charts share: 16 px margins, 30 on the right so
/// the last x label is not cut, a caption, and label areas of the given widths.
pub(super) fn framed_chart<'a, 'b>(
    area: &'a Area<'b>,
    caption: impl AsRef<str>,
    caption_size: u32,
    x_label_area: u32,
    y_label_area: u32,
) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(16)
        .margin_right(30)
        .caption(caption, (FONT, caption_size))
        .x_label_area_size(x_label_area)
        .y_label_area_size(y_label_area);
    builder
}

/// Tick labels and axis names in the plots' sizes.
pub(super) fn axis_fonts<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB> {
    mesh.label_style((FONT, 14)).axis_desc_style((FONT, 15))
}

/// `axis_fonts`, and grid lines at the labelled ticks only: the light lines between them
/// would crowd the curves.
pub(super) fn axes<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB> {
    axis_fonts(mesh).light_line_style(WHITE.mix(0.0))
}

/// The legend, on a nearly opaque box at `position`.
pub(super) fn legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<()>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .label_font((FONT, 14))
        .draw()
        .map_err(err)
}

/// A dashed line from `from` to `to`, the plots' markers.
pub(super) fn dashed<X: Clone, Y: Clone>(
    from: (X, Y),
    to: (X, Y),
    style: ShapeStyle,
) -> DashedLineSeries<std::array::IntoIter<(X, Y), 2>, u32> {
    DashedLineSeries::new([from, to], 4, 4, style)
}

/// Labels for a log axis: `0.25`, `0.001`, `1e-7`.
pub(super) fn log_tick(v: &f64) -> String {
    let v = *v;
    if (1e-3..1e4).contains(&v.abs()) {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    } else {
        format!("{v:.0e}")
    }
}
