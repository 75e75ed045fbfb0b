//! `frontier.svg`: per layer, DL against error on log axes, one series per activation (a
//! colour and a marker each), the selected (smallest-error) runs ringed, the dense baseline
//! and each `--tolerance` ε dashed; the y axis shared by all panels, one legend under them.

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::plot_legend as legend;
use super::plot_style::{self as style, SeriesStyle, AXIS_TITLE, CAPTION, TICK_LABEL};
use super::Emitter;
use crate::emit::pyfmt::general;
use crate::model::select::GroupResult;
use crate::model::table::MdlTable;

pub struct FrontierPlot;

pub const FILE_NAME: &str = "frontier.svg";

const PANEL_WIDTH: u32 = 520;
/// The panels' height; the legend's strip comes under them.
const PANEL_HEIGHT: u32 = 460;

impl Emitter for FrontierPlot {
    fn file_name(&self) -> &'static str {
        FILE_NAME
    }

    fn render(&self, table: &MdlTable) -> String {
        let mut svg = String::new();
        if let Err(error) = draw(table, &mut svg) {
            return format!("<svg xmlns=\"http://www.w3.org/2000/svg\"><text x=\"10\" y=\"20\">plot failed: {error}</text></svg>\n");
        }
        svg
    }
}

type DrawResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// The figure: the panels side by side, the legend under them, then the dashed lines
/// (plotters draws no SVG dashes) added before the closing tag.
fn draw(table: &MdlTable, svg: &mut String) -> DrawResult {
    let layers: Vec<i64> = {
        let mut layers: Vec<i64> = table.groups.iter().map(|g| g.layer).collect();
        layers.dedup();
        layers
    };
    let series: Vec<(String, SeriesStyle)> = {
        let mut names: Vec<&str> = table.groups.iter().map(|g| g.activation.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        (names.iter().enumerate())
            .map(|(index, name)| (xml_text(name), SeriesStyle::of(index)))
            .collect()
    };
    let dense = table.dense_bits();
    let entries = legend::entries(&series, &general(dense), !table.tolerances.is_empty());
    let width = PANEL_WIDTH * layers.len().max(1) as u32;
    let height = PANEL_HEIGHT + legend::height(&entries, width);
    // One y axis for every panel, so that heights compare across layers.
    let groups = || table.groups.iter();
    let y_axis = LogAxis::over(groups().flat_map(plotted).map(|p| p.dl_bits).chain([dense]));
    let mut dashed = Vec::new();
    {
        let root = SVGBackend::with_string(svg, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let (plots, legend_area) = root.split_vertically(PANEL_HEIGHT);
        let panels = plots.split_evenly((1, layers.len().max(1)));
        for (index, (panel, layer)) in panels.iter().zip(&layers).enumerate() {
            let activations = Panel {
                table,
                layer: *layer,
                series: &series,
                y_axis: &y_axis,
                first: index == 0,
            };
            dashed.extend(activations.draw(panel)?);
        }
        dashed.extend(legend::draw(&legend_area, PANEL_HEIGHT as i32, &entries)?);
        root.present()?;
    }
    let end = svg.rfind("</svg>").ok_or("plotters wrote no closing tag")?;
    svg.insert_str(end, &dashed.concat());
    Ok(())
}

/// The points a group puts on the plot: its frontier and its selected run.
fn plotted(group: &GroupResult) -> impl Iterator<Item = &crate::model::frontier::Priced> {
    group.frontier.iter().chain(group.best.iter())
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

/// The label of a tick at a log10 position on an axis `span` decades long: over two
/// decades or more only whole powers of ten are labelled (the ticks between them stay
/// bare), so that no label reads `31623`; on a shorter axis every tick is.
fn tick_label(position: f64, span: f64, plain_below: f64) -> String {
    let whole = (position - position.round()).abs() < 1e-9;
    match whole || span < 2.0 {
        true => power_label(position, plain_below),
        false => String::new(),
    }
}

/// A point in log10 space, when both coordinates can be placed.
fn log_point(error: f64, dl_bits: f64) -> Option<(f64, f64)> {
    Some((log10_of(error)?, log10_of(dl_bits)?))
}

type Area<'b> = DrawingArea<SVGBackend<'b>, plotters::coord::Shift>;
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// One layer's panel and what it shares with the others.
struct Panel<'t> {
    table: &'t MdlTable,
    layer: i64,
    /// Every activation of the table, by name, with its style.
    series: &'t [(String, SeriesStyle)],
    y_axis: &'t LogAxis,
    /// The leftmost panel, which alone names the shared y axis.
    first: bool,
}

impl Panel<'_> {
    /// Draws the panel; returns its dashed lines and their labels as SVG text.
    fn draw(&self, area: &Area<'_>) -> DrawResult<Vec<String>> {
        let groups: Vec<&GroupResult> = (self.table.groups.iter())
            .filter(|g| g.layer == self.layer)
            .collect();
        let errors = groups.iter().flat_map(|g| plotted(g)).map(|p| p.run.error);
        let x_axis = LogAxis::over(errors.chain(self.table.tolerances.iter().copied()));
        let mut chart = self.chart(area, &x_axis)?;
        let lines: Vec<(SeriesStyle, Vec<(f64, f64)>)> = (groups.iter())
            .map(|group| (self.style_of(group), frontier_points(group)))
            .collect();
        // Every line first, then every marker: a line drawn later never hides the markers
        // of an activation whose frontier it runs along.
        for (style, points) in &lines {
            chart.draw_series(LineSeries::new(points.clone(), style.color.stroke_width(2)))?;
        }
        let plotting = chart.plotting_area();
        for (style, points) in &lines {
            for point in points {
                plotting.draw(&style.marker(*point))?;
            }
        }
        draw_selected(&mut chart, &groups)?;
        let mut dashed = self.baseline(&chart, &x_axis);
        dashed.extend(self.tolerance_lines(&chart));
        Ok(dashed)
    }

    fn style_of(&self, group: &GroupResult) -> SeriesStyle {
        let name = xml_text(&group.activation);
        (self.series.iter())
            .find(|(shown, _)| *shown == name)
            .map_or(SeriesStyle::of(0), |(_, style)| *style)
    }

    /// The panel's chart: caption, log10 axes with power-of-ten ticks, no grid lines.
    fn chart<'a, 'b>(&self, area: &'a Area<'b>, x_axis: &LogAxis) -> DrawResult<Chart<'a, 'b>> {
        let y_axis = self.y_axis;
        let mut chart = ChartBuilder::on(area)
            .caption(format!("layer {}", self.layer), ("sans-serif", CAPTION))
            .margin(12)
            .x_label_area_size(52)
            .y_label_area_size(76)
            .build_cartesian_2d(x_axis.low..x_axis.high, y_axis.low..y_axis.high)?;
        let (x_span, y_span) = (x_axis.high - x_axis.low, y_axis.high - y_axis.low);
        let x_label = move |x: &f64| tick_label(*x, x_span, 0.0);
        let y_label = move |y: &f64| tick_label(*y, y_span, 1e7);
        let mut mesh = chart.configure_mesh();
        mesh.x_desc("error (log scale)")
            .x_labels(7)
            .y_labels(7)
            .axis_desc_style(("sans-serif", AXIS_TITLE))
            .label_style(("sans-serif", TICK_LABEL))
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .light_line_style(WHITE.mix(0.0));
        if self.first {
            mesh.y_desc("description length (bits, log scale)");
        }
        mesh.draw()?;
        Ok(chart)
    }

    /// The dense baseline across the panel, when it can be placed on a log axis.
    fn baseline(&self, chart: &Chart<'_, '_>, x_axis: &LogAxis) -> Vec<String> {
        let Some(y) = log10_of(self.table.dense_bits()) else {
            return Vec::new();
        };
        let (from, to) = (
            chart.backend_coord(&(x_axis.low, y)),
            chart.backend_coord(&(x_axis.high, y)),
        );
        vec![style::dashed_line(
            "dense-baseline",
            from,
            to,
            style::BASELINE_DASH,
        )]
    }

    /// A vertical line per `--tolerance` ε, labelled at its top (labels stacked so that
    /// close values stay readable).
    fn tolerance_lines(&self, chart: &Chart<'_, '_>) -> Vec<String> {
        let y_axis = self.y_axis;
        let mut out = Vec::new();
        for (index, eps) in self.table.tolerances.iter().enumerate() {
            let Some(x) = log10_of(*eps) else { continue };
            let (top, bottom) = (
                chart.backend_coord(&(x, y_axis.high)),
                chart.backend_coord(&(x, y_axis.low)),
            );
            out.push(style::dashed_line(
                "tolerance",
                top,
                bottom,
                style::TOLERANCE_DASH,
            ));
            let label_at = (top.0 + 4, top.1 + 4 + 16 * index as i32);
            out.push(style::eps_label(label_at, &format!("ε = {}", general(*eps))));
        }
        out
    }
}

/// A group's frontier as points in log10 space, those a log axis can place.
fn frontier_points(group: &GroupResult) -> Vec<(f64, f64)> {
    (group.frontier.iter())
        .filter_map(|p| log_point(p.run.error, p.dl_bits))
        .collect()
}

/// Rings around each group's selected (smallest-error) run.
fn draw_selected(chart: &mut Chart<'_, '_>, groups: &[&GroupResult]) -> DrawResult {
    let selected: Vec<(f64, f64)> = groups
        .iter()
        .filter_map(|g| g.best.as_ref())
        .filter_map(|b| log_point(b.run.error, b.dl_bits))
        .collect();
    chart.draw_series(selected.iter().map(|p| Circle::new(*p, 9, BLACK.stroke_width(2))))?;
    Ok(())
}

#[cfg(test)]
mod tests;
