//! frontier.svg's look: colours, a marker shape per activation, font sizes, and the dashed
//! lines (written as SVG `<line>`s with `stroke-dasharray`, which plotters cannot draw).

use plotters::element::{DynElement, IntoDynElement};
use plotters::prelude::*;

/// Colours by activation (sorted by name), repeating past six.
pub const PALETTE: [RGBColor; 6] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
];

/// plotters writes a font size of `n` as `n / 1.24` px: these give the pixel sizes in
/// their names (whole numbers: the mesh's labels drop a fraction), so that no text is
/// smaller than 14 px (6.4 pt when a 3-panel row, 1020 px, is printed 6.5 in wide).
pub const CAPTION: f64 = 20.0; // 16.1 px
pub const AXIS_TITLE: f64 = 18.0; // 14.5 px
pub const TICK_LABEL: f64 = 18.0; // 14.5 px
pub const LEGEND_TEXT: f64 = 18.0; // 14.5 px
/// The ε labels beside their lines, written in px directly.
pub const EPS_LABEL_PX: u32 = 14;
/// A glyph's width in ems, at most, for the digits and letters the labels hold: what text
/// widths are estimated with (DejaVu Sans' digits, which frontier.png is drawn in, are
/// 0.636 em wide; the browsers' sans-serif fonts' are narrower).
pub const GLYPH_WIDTH: f64 = 0.64;

/// A plotters font size in pixels.
pub fn px(size: f64) -> f64 {
    size / 1.24
}

/// The dense baseline's and the ε lines' grey, and their dash pattern (px on, px off).
pub const DASH_GREY: &str = "#595959";
pub const BASELINE_DASH: &str = "7 4";
pub const TOLERANCE_DASH: &str = "3 3";

/// One activation's colour and marker, by its place among the sorted activation names.
#[derive(Debug, Clone, Copy)]
pub struct SeriesStyle {
    pub color: RGBColor,
    shape: usize,
}

/// Marker shapes, filled small ones alternating with larger hollow ones, so that two
/// activations whose frontiers coincide still show both markers.
const SHAPES: usize = 6;

impl SeriesStyle {
    pub fn of(index: usize) -> SeriesStyle {
        SeriesStyle {
            color: PALETTE[index % PALETTE.len()],
            shape: index % SHAPES,
        }
    }

    /// The activation's marker centred on `at`.
    pub fn marker<'a, DB, C>(&self, at: C) -> DynElement<'a, DB, C>
    where
        DB: DrawingBackend + 'a,
        C: Clone + 'a,
    {
        let (fill, line) = (self.color.filled(), self.color.stroke_width(2));
        let anchor = EmptyElement::at(at);
        match self.shape {
            0 => (anchor + Circle::new((0, 0), 4, fill)).into_dyn(),
            1 => (anchor + Rectangle::new([(-6, -6), (6, 6)], line)).into_dyn(),
            2 => (anchor + PathElement::new(vec![(0, -8), (7, 5), (-7, 5), (0, -8)], line)).into_dyn(),
            3 => (anchor + Polygon::new(vec![(0, -6), (6, 0), (0, 6), (-6, 0)], fill)).into_dyn(),
            4 => (anchor + Cross::new((0, 0), 6, line)).into_dyn(),
            _ => (anchor + Circle::new((0, 0), 7, line)).into_dyn(),
        }
    }
}

/// A dashed SVG line from (x1, y1) to (x2, y2) in pixels; `class` says what it is.
pub fn dashed_line(class: &str, from: (i32, i32), to: (i32, i32), dash: &str) -> String {
    format!(
        "<line class=\"{class}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{DASH_GREY}\" stroke-width=\"1.5\" stroke-dasharray=\"{dash}\"/>\n",
        from.0, from.1, to.0, to.1
    )
}

/// A small grey label (`ε = 2e-4`) with its top-left corner at `at`, in pixels, or its
/// top-right corner when `leftwards`.
pub fn eps_label(at: (i32, i32), text: &str, leftwards: bool) -> String {
    let anchor = if leftwards { " text-anchor=\"end\"" } else { "" };
    format!(
        "<text class=\"tolerance\" x=\"{}\" y=\"{}\" dy=\"0.76em\"{anchor} font-family=\"sans-serif\" font-size=\"{EPS_LABEL_PX}\" fill=\"{DASH_GREY}\">{text}</text>\n",
        at.0, at.1
    )
}

/// A label's width in pixels at `px`, estimated.
pub fn text_width(text: &str, px: f64) -> f64 {
    text.chars().count() as f64 * px * GLYPH_WIDTH
}
