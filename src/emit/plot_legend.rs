//! frontier.svg's one legend: a strip under the panels naming every activation (its colour,
//! line and marker), the selected runs' ring, the dense baseline and the ε lines.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::plot_style::{
    dashed_line, px, text_width, SeriesStyle, BASELINE_DASH, LEGEND_TEXT, TOLERANCE_DASH,
};

/// Pixels: a sample's width, the room between sample and text and between entries, a row.
const SAMPLE: i32 = 36;
const TEXT_GAP: i32 = 8;
const ENTRY_GAP: i32 = 30;
const ROW: i32 = 26;
const PADDING: i32 = 10;

/// What an entry's sample shows.
#[derive(Debug, Clone)]
pub enum Sample {
    Series(SeriesStyle),
    Ring,
    Dashed(&'static str, &'static str),
}

/// One legend entry: its sample and its text.
#[derive(Debug, Clone)]
pub struct Entry {
    pub sample: Sample,
    pub text: String,
}

/// The entries for these activations (with their styles), and the ε lines when there are any.
pub fn entries(series: &[(String, SeriesStyle)], dense_bits: &str, tolerances: bool) -> Vec<Entry> {
    let mut entries: Vec<Entry> = (series.iter())
        .map(|(name, style)| Entry {
            sample: Sample::Series(*style),
            text: name.clone(),
        })
        .collect();
    entries.push(Entry {
        sample: Sample::Ring,
        text: "selected: smallest error".into(),
    });
    entries.push(Entry {
        sample: Sample::Dashed("legend dense-baseline", BASELINE_DASH),
        text: format!("dense baseline: d_model × B = {dense_bits} bits"),
    });
    if tolerances {
        entries.push(Entry {
            sample: Sample::Dashed("legend tolerance", TOLERANCE_DASH),
            text: "tolerance ε (--tolerance)".into(),
        });
    }
    entries
}

/// An entry's width in pixels, its text's estimated from the font size.
fn width(entry: &Entry) -> i32 {
    let text = text_width(&entry.text, px(LEGEND_TEXT)).ceil() as i32;
    SAMPLE + TEXT_GAP + text + ENTRY_GAP
}

/// The narrowest figure the legend fits in: its widest entry, padded.
pub fn least_width(entries: &[Entry]) -> u32 {
    let widest = entries.iter().map(width).max().unwrap_or(0);
    (widest - ENTRY_GAP + 2 * PADDING) as u32
}

/// The entries in rows no wider than `width`: each row's entries and its width.
fn rows(entries: &[Entry], max_width: i32) -> Vec<(Vec<&Entry>, i32)> {
    let mut rows: Vec<(Vec<&Entry>, i32)> = Vec::new();
    for entry in entries {
        let w = width(entry);
        match rows.last_mut() {
            Some((row, used)) if *used + w <= max_width => {
                row.push(entry);
                *used += w;
            }
            _ => rows.push((vec![entry], w)),
        }
    }
    rows
}

/// The legend strip's height for `entries` in a figure `width` pixels wide.
pub fn height(entries: &[Entry], figure_width: u32) -> u32 {
    (rows(entries, figure_width as i32 - 2 * PADDING).len() as i32 * ROW + 2 * PADDING) as u32
}

type Area<'b> = DrawingArea<SVGBackend<'b>, plotters::coord::Shift>;

/// Draws the legend on `area` (whose top is `top` pixels down the figure); returns the
/// dashed samples as SVG lines, in figure pixels, to add after plotters' output.
pub fn draw(area: &Area<'_>, top: i32, entries: &[Entry]) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let (figure_width, _) = area.dim_in_pixel();
    let font = ("sans-serif", LEGEND_TEXT)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let mut raw = Vec::new();
    for (index, (row, used)) in rows(entries, figure_width as i32 - 2 * PADDING)
        .iter()
        .enumerate()
    {
        let y = PADDING + index as i32 * ROW + ROW / 2;
        // Centred: the last entry's trailing gap is not part of the row.
        let mut x = (figure_width as i32 - (used - ENTRY_GAP)) / 2;
        for entry in row {
            let (left, right, middle) = ((x, y), (x + SAMPLE, y), (x + SAMPLE / 2, y));
            match &entry.sample {
                Sample::Series(style) => {
                    area.draw(&PathElement::new(vec![left, right], style.color.stroke_width(2)))?;
                    area.draw(&style.marker(middle))?;
                }
                Sample::Ring => area.draw(&Circle::new(middle, 9, BLACK.stroke_width(2)))?,
                Sample::Dashed(class, dash) => {
                    raw.push(dashed_line(class, (left.0, top + y), (right.0, top + y), dash));
                }
            }
            area.draw(&Text::new(
                entry.text.clone(),
                (x + SAMPLE + TEXT_GAP, y),
                font.clone(),
            ))?;
            x += width(entry);
        }
    }
    Ok(raw)
}
