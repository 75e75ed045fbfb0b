//! `frontier.svg`: per layer, DL against error on log axes, one series per activation, the
//! selected (smallest-error) runs marked, and the dense baseline drawn.

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::Emitter;
use crate::model::select::GroupResult;
use crate::model::table::MdlTable;

pub struct FrontierPlot;

const PANEL_WIDTH: u32 = 520;
const HEIGHT: u32 = 460;
const PALETTE: [RGBColor; 6] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
];

impl Emitter for FrontierPlot {
    fn file_name(&self) -> &'static str {
        "frontier.svg"
    }

    fn render(&self, table: &MdlTable) -> String {
        let mut svg = String::new();
        if let Err(error) = draw(table, &mut svg) {
            return format!("<svg xmlns=\"http://www.w3.org/2000/svg\"><text x=\"10\" y=\"20\">plot failed: {error}</text></svg>\n");
        }
        svg
    }
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn draw(table: &MdlTable, svg: &mut String) -> DrawResult {
    let layers: Vec<i64> = {
        let mut layers: Vec<i64> = table.groups.iter().map(|g| g.layer).collect();
        layers.dedup();
        layers
    };
    let activations: Vec<&str> = {
        let mut names: Vec<&str> = table.groups.iter().map(|g| g.activation.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    };
    let width = PANEL_WIDTH * layers.len().max(1) as u32;
    let root = SVGBackend::with_string(svg, (width, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((1, layers.len().max(1)));
    for (panel, layer) in panels.iter().zip(&layers) {
        draw_layer(table, *layer, &activations, panel)?;
    }
    root.present()?;
    Ok(())
}

/// Text XML 1.0 can hold: plotters escapes `<` and `&`, but a control character (a NUL or an
/// escape sequence in a run name) would make the whole SVG unreadable, so it becomes U+FFFD.
fn xml_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => '\u{fffd}',
            _ => c,
        })
        .collect()
}

/// One log axis, drawn in log10 space on a linear scale: any positive finite value (from
/// subnormals to `f64::MAX`) maps to -324..309, so the bounds and padding stay finite and
/// plotters places its ticks on an ordinary linear range.
#[derive(Debug, Clone, PartialEq)]
struct LogAxis {
    low: f64,
    high: f64,
}

impl LogAxis {
    /// The axis over the positive finite `values`, padded a little beyond the data.
    fn over(values: impl Iterator<Item = f64>) -> LogAxis {
        let (low, high) = values
            .filter_map(log10_of)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        let (low, high) = if low > high { (-6.0, 0.0) } else { (low, high) };
        let pad = ((high - low) * 0.05).max(0.2);
        LogAxis {
            low: low - pad,
            high: high + pad,
        }
    }
}

/// log10 of a positive finite value, else `None` (a log axis cannot place it).
fn log10_of(value: f64) -> Option<f64> {
    (value.is_finite() && value > 0.0).then(|| value.log10())
}

/// A tick label for a log10 position: `1e-3`, or the plain number for DLs below 10^7.
fn power_label(position: f64, plain_below: f64) -> String {
    let value = 10f64.powf(position);
    if value < plain_below && value >= 1.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.0e}")
    }
}

/// A point in log10 space, when both coordinates can be placed.
fn log_point(error: f64, dl_bits: f64) -> Option<(f64, f64)> {
    Some((log10_of(error)?, log10_of(dl_bits)?))
}

type Panel<'b> = DrawingArea<SVGBackend<'b>, plotters::coord::Shift>;
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn draw_layer(table: &MdlTable, layer: i64, activations: &[&str], panel: &Panel<'_>) -> DrawResult {
    let groups: Vec<&GroupResult> = table.groups.iter().filter(|g| g.layer == layer).collect();
    let dense = table.dense_bits();
    let points = || groups.iter().flat_map(|g| g.frontier.iter().chain(g.best.iter()));
    let x_axis = LogAxis::over(points().map(|p| p.run.error));
    let y_axis = LogAxis::over(points().map(|p| p.dl_bits).chain([dense]));
    let mut chart = chart_with_mesh(panel, layer, &x_axis, &y_axis)?;
    for group in &groups {
        draw_frontier(&mut chart, group, activations)?;
    }
    draw_selected(&mut chart, &groups)?;
    draw_baseline(&mut chart, dense, &x_axis)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font(("sans-serif", 13))
        .draw()?;
    Ok(())
}

/// The layer's panel: caption, log10 axes with power-of-ten ticks, no grid lines.
fn chart_with_mesh<'a, 'b>(
    panel: &'a Panel<'b>,
    layer: i64,
    x_axis: &LogAxis,
    y_axis: &LogAxis,
) -> Result<Chart<'a, 'b>, Box<dyn std::error::Error>> {
    let mut chart = ChartBuilder::on(panel)
        .caption(format!("layer {layer}"), ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(70)
        .build_cartesian_2d(x_axis.low..x_axis.high, y_axis.low..y_axis.high)?;
    chart
        .configure_mesh()
        .x_desc("reconstruction error (l2_loss, log)")
        .y_desc("description length (bits, log)")
        .x_labels(6)
        .y_labels(6)
        .axis_desc_style(("sans-serif", 15))
        .label_style(("sans-serif", 13))
        .x_label_formatter(&|x| power_label(*x, 0.0))
        .y_label_formatter(&|y| power_label(*y, 1e7))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    Ok(chart)
}

/// One activation's frontier: a line with its points, in the activation's colour.
fn draw_frontier(chart: &mut Chart<'_, '_>, group: &GroupResult, activations: &[&str]) -> DrawResult {
    let index = activations
        .iter()
        .position(|a| *a == group.activation)
        .unwrap_or(0);
    let color = PALETTE[index % PALETTE.len()];
    let line: Vec<(f64, f64)> = (group.frontier.iter())
        .filter_map(|p| log_point(p.run.error, p.dl_bits))
        .collect();
    chart
        .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))?
        .label(xml_text(&group.activation))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
    chart.draw_series(line.iter().map(|p| Circle::new(*p, 3, color.filled())))?;
    Ok(())
}

/// Rings around each group's selected (smallest-error) run.
fn draw_selected(chart: &mut Chart<'_, '_>, groups: &[&GroupResult]) -> DrawResult {
    let selected: Vec<(f64, f64)> = groups
        .iter()
        .filter_map(|g| g.best.as_ref())
        .filter_map(|b| log_point(b.run.error, b.dl_bits))
        .collect();
    chart
        .draw_series(selected.iter().map(|p| Circle::new(*p, 7, BLACK.stroke_width(2))))?
        .label("selected (smallest error)")
        .legend(|(x, y)| Circle::new((x + 9, y), 5, BLACK.stroke_width(2)));
    Ok(())
}

/// The dense baseline, dashed across the panel (in the legend even when it cannot be drawn).
fn draw_baseline(chart: &mut Chart<'_, '_>, dense: f64, x_axis: &LogAxis) -> DrawResult {
    let baseline = match log10_of(dense) {
        Some(y) => vec![(x_axis.low, y), (x_axis.high, y)],
        None => Vec::new(),
    };
    chart
        .draw_series(DashedLineSeries::new(
            baseline,
            6,
            4,
            BLACK.mix(0.6).stroke_width(1),
        ))?
        .label("dense baseline (d_model × B)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.mix(0.6)));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_stay_finite_for_any_positive_finite_value() {
        let extremes = [5e-324, 1e-310, f64::MIN_POSITIVE, 1.0, 8e306, f64::MAX];
        for &a in &extremes {
            for &b in &extremes {
                let axis = LogAxis::over([a, b].into_iter());
                assert!(
                    axis.low.is_finite() && axis.high.is_finite(),
                    "{a:e} {b:e}: {axis:?}"
                );
                assert!(axis.high - axis.low > 0.39, "{a:e} {b:e}: {axis:?}");
                assert!(axis.low >= -360.0 && axis.high <= 360.0, "{a:e} {b:e}: {axis:?}");
            }
        }
    }

    #[test]
    fn nothing_placeable_gives_a_default_axis() {
        let axis = LogAxis::over([0.0, -1.0, f64::NAN, f64::INFINITY].into_iter());
        assert!(
            (axis.low + 6.3).abs() < 1e-9 && (axis.high - 0.3).abs() < 1e-9,
            "{axis:?}"
        );
    }

    #[test]
    fn tick_labels_are_powers_of_ten() {
        assert_eq!(power_label(3.0, 1e7), "1000");
        assert_eq!(power_label(-4.0, 0.0), "1e-4");
        assert_eq!(power_label(300.0, 1e7), "1e300");
        assert_eq!(power_label(-2.5, 0.0), "3e-3");
    }
}
