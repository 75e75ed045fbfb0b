//! `frontier.svg`: per layer, DL against error on log axes, one series per activation, the
//! selected (smallest-error) runs marked, and the dense baseline drawn.

use plotters::prelude::*;

use super::Emitter;
use crate::table::MdlTable;

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

/// Log-axis bounds padded a little beyond the data.
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (low, high) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if low > high {
        return (1e-6, 1.0);
    }
    (low / 1.6, high * 1.6)
}

fn draw_layer(
    table: &MdlTable,
    layer: i64,
    activations: &[&str],
    panel: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
) -> DrawResult {
    let groups: Vec<_> = table.groups.iter().filter(|g| g.layer == layer).collect();
    let dense = table.dense_bits();
    let points = || groups.iter().flat_map(|g| g.frontier.iter().chain(g.best.iter()));
    let x_range = bounds(points().map(|p| p.run.error));
    let y_range = bounds(points().map(|p| p.dl_bits).chain([dense]));
    let mut chart = ChartBuilder::on(panel)
        .caption(format!("layer {layer}"), ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(70)
        .build_cartesian_2d(
            (x_range.0..x_range.1).log_scale(),
            (y_range.0..y_range.1).log_scale(),
        )?;
    chart
        .configure_mesh()
        .x_desc("reconstruction error (l2_loss, log)")
        .y_desc("description length (bits, log)")
        .x_labels(6)
        .y_labels(6)
        .axis_desc_style(("sans-serif", 15))
        .label_style(("sans-serif", 13))
        .x_label_formatter(&|x| format!("{x:.0e}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for group in &groups {
        let index = activations
            .iter()
            .position(|a| *a == group.activation)
            .unwrap_or(0);
        let color = PALETTE[index % PALETTE.len()];
        let line: Vec<(f64, f64)> = group.frontier.iter().map(|p| (p.run.error, p.dl_bits)).collect();
        chart
            .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))?
            .label(xml_text(&group.activation))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
        chart.draw_series(line.iter().map(|p| Circle::new(*p, 3, color.filled())))?;
    }
    let selected: Vec<(f64, f64)> = groups
        .iter()
        .filter_map(|g| g.best.as_ref())
        .map(|b| (b.run.error, b.dl_bits))
        .filter(|(e, d)| *e > 0.0 && *d > 0.0)
        .collect();
    chart
        .draw_series(selected.iter().map(|p| Circle::new(*p, 7, BLACK.stroke_width(2))))?
        .label("selected (smallest error)")
        .legend(|(x, y)| Circle::new((x + 9, y), 5, BLACK.stroke_width(2)));
    let baseline = vec![(x_range.0, dense), (x_range.1, dense)];
    chart
        .draw_series(DashedLineSeries::new(
            baseline,
            6,
            4,
            BLACK.mix(0.6).stroke_width(1),
        ))?
        .label("dense baseline (d_model × B)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.mix(0.6)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font(("sans-serif", 13))
        .draw()?;
    Ok(())
}
