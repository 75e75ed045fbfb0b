//! `frontier.svg`: per layer, DL against error on log axes, one series per activation (a
//! colour and a marker each), the selected (smallest-error) runs ringed, the dense baseline
//! and each `--tolerance` ε dashed. The panels stand in a grid, at most 3 a row, each row
//! on one y range; one legend under them. Sized to be read at a paper's width.

use plotters::prelude::*;

use super::plot_axis::{log10_of, ticks, LogAxis, Tick, Ticked};
use super::plot_legend as legend;
use super::plot_style::{self as style, SeriesStyle, AXIS_TITLE, CAPTION, TICK_LABEL};
use super::Emitter;
use crate::emit::pyfmt::general;
use crate::model::select::GroupResult;
use crate::model::table::MdlTable;

pub struct FrontierPlot;

pub const FILE_NAME: &str = "frontier.svg";

/// The most panels in a row: three side by side still read at a paper's width.
pub const COLUMNS: usize = 3;
/// A panel's size in pixels; the legend's strip comes under the grid.
pub const PANEL_WIDTH: u32 = 340;
pub const PANEL_HEIGHT: u32 = 300;
/// Pixels around a panel's chart, and its axes' label areas.
const MARGIN: u32 = 8;
const X_LABEL_AREA: u32 = 46;
const Y_LABEL_AREA: u32 = 80;
/// Pixels a panel's caption takes above its chart, about.
const CAPTION_AREA: u32 = 28;
/// The least room between two tick labels, in pixels.
const TICK_GAP: f64 = 6.0;

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

/// How the panels stand: panels a row, rows, and the figure's width.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    pub columns: usize,
    pub rows: usize,
    pub width: u32,
}

impl Grid {
    /// The grid of `panels` panels, at least `least_width` wide (the legend's widest entry).
    pub fn of(panels: usize, least_width: u32) -> Grid {
        let columns = panels.clamp(1, COLUMNS);
        Grid {
            columns,
            rows: panels.max(1).div_ceil(columns),
            width: (PANEL_WIDTH * columns as u32).max(least_width),
        }
    }

    /// The panels' height, all rows.
    pub fn height(&self) -> u32 {
        PANEL_HEIGHT * self.rows as u32
    }
}

/// The figure: the panels in a grid, the legend under them, then the dashed lines
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
    let grid = Grid::of(layers.len(), legend::least_width(&entries));
    let height = grid.height() + legend::height(&entries, grid.width);
    let mut dashed = Vec::new();
    {
        let root = SVGBackend::with_string(svg, (grid.width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let (plots, legend_area) = root.split_vertically(grid.height());
        let areas = plots.split_evenly((grid.rows, grid.columns));
        for (row, row_layers) in layers.chunks(grid.columns).enumerate() {
            let y_axis = row_axis(table, row_layers);
            let y_pixels = (PANEL_HEIGHT - 2 * MARGIN - X_LABEL_AREA - CAPTION_AREA) as f64;
            let tick_px = style::px(TICK_LABEL);
            // A y label may stand above the plot's top, beside the caption.
            let y_ticks = ticks(&y_axis, y_pixels, &|_| tick_px, TICK_GAP, tick_px);
            for (column, layer) in row_layers.iter().enumerate() {
                let panel = Panel {
                    table,
                    layer: *layer,
                    series: &series,
                    y_axis: &y_axis,
                    y_ticks: &y_ticks,
                    first: column == 0,
                };
                dashed.extend(panel.draw(&areas[row * grid.columns + column])?);
            }
        }
        dashed.extend(legend::draw(&legend_area, grid.height() as i32, &entries)?);
        root.present()?;
    }
    let end = svg.rfind("</svg>").ok_or("plotters wrote no closing tag")?;
    svg.insert_str(end, &dashed.concat());
    Ok(())
}

/// The y axis a row of panels shares, so that heights compare across its layers: over
/// their points and the dense baseline.
fn row_axis(table: &MdlTable, layers: &[i64]) -> LogAxis {
    let groups = (table.groups.iter()).filter(|group| layers.contains(&group.layer));
    LogAxis::over(
        groups
            .flat_map(plotted)
            .map(|p| p.dl_bits)
            .chain([table.dense_bits()]),
    )
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

/// A point in log10 space, when both coordinates can be placed.
fn log_point(error: f64, dl_bits: f64) -> Option<(f64, f64)> {
    Some((log10_of(error)?, log10_of(dl_bits)?))
}

type Area<'b> = DrawingArea<SVGBackend<'b>, plotters::coord::Shift>;
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Ticked, Ticked>>;

/// One layer's panel and what it shares with the others.
struct Panel<'t> {
    table: &'t MdlTable,
    layer: i64,
    /// Every activation of the table, by name, with its style.
    series: &'t [(String, SeriesStyle)],
    /// The y axis and ticks its row shares.
    y_axis: &'t LogAxis,
    y_ticks: &'t [Tick],
    /// The leftmost panel of its row, which alone names the y axis.
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

    /// The panel's chart: caption, log10 axes ticked at powers of ten or round numbers,
    /// no grid lines.
    fn chart<'a, 'b>(&self, area: &'a Area<'b>, x_axis: &LogAxis) -> DrawResult<Chart<'a, 'b>> {
        let (y_axis, y_ticks) = (self.y_axis, self.y_ticks);
        let x_pixels = (area.dim_in_pixel().0 - 2 * MARGIN - Y_LABEL_AREA) as f64;
        let tick_px = style::px(TICK_LABEL);
        let width = |label: &str| label.chars().count() as f64 * tick_px * style::GLYPH_WIDTH;
        // An x label may reach into the margin, not into the next panel.
        let x_ticks = ticks(x_axis, x_pixels, &width, TICK_GAP, MARGIN as f64 - 2.0);
        let mut chart = ChartBuilder::on(area)
            .caption(format!("layer {}", self.layer), ("sans-serif", CAPTION))
            .margin(MARGIN)
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(Y_LABEL_AREA)
            .build_cartesian_2d(Ticked::new(x_axis, &x_ticks), Ticked::new(y_axis, y_ticks))?;
        let x_label = |x: &f64| label_at(&x_ticks, *x);
        let y_label = |y: &f64| label_at(y_ticks, *y);
        let mut mesh = chart.configure_mesh();
        mesh.x_desc("error (log scale)")
            .axis_desc_style(("sans-serif", AXIS_TITLE))
            .label_style(("sans-serif", TICK_LABEL))
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .light_line_style(WHITE.mix(0.0));
        if self.first {
            mesh.y_desc("DL (bits, log scale)");
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
    /// close values stay readable), on its left where the right has no room.
    fn tolerance_lines(&self, chart: &Chart<'_, '_>) -> Vec<String> {
        let y_axis = self.y_axis;
        let right = chart.plotting_area().get_pixel_range().0.end;
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
            let label = format!("ε = {}", general(*eps));
            let width = style::text_width(&label, style::EPS_LABEL_PX as f64);
            let leftwards = top.0 + 4 + width.ceil() as i32 > right;
            let x = if leftwards { top.0 - 4 } else { top.0 + 4 };
            let y = top.1 + 4 + (style::EPS_LABEL_PX as i32 + 4) * index as i32;
            out.push(style::eps_label((x, y), &label, leftwards));
        }
        out
    }
}

/// The label of the tick at `position`.
fn label_at(ticks: &[Tick], position: f64) -> String {
    (ticks.iter())
        .find(|(at, _)| (at - position).abs() < 1e-9)
        .map_or_else(String::new, |(_, label)| label.clone())
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
