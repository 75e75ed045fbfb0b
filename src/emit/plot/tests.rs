//! Tests of frontier.svg: its axes, and the figure read back from the SVG text.

use super::*;

/// A text element of the SVG: its attributes and its text.
struct SvgText {
    attributes: String,
    text: String,
}

impl SvgText {
    fn attribute(&self, name: &str) -> Option<&str> {
        let start = self.attributes.find(&format!(" {name}=\""))? + name.len() + 3;
        let end = start + self.attributes[start..].find('"')?;
        Some(&self.attributes[start..end])
    }

    fn number(&self, name: &str) -> f64 {
        self.attribute(name).unwrap().parse().unwrap()
    }

    /// Which panel (row, column) of `grid` the text is in, by its position.
    fn panel(&self, grid: &Grid) -> (u32, u32) {
        let column_width = grid.width / grid.columns as u32;
        let (x, y) = (self.number("x") as u32, self.number("y") as u32);
        (y / PANEL_HEIGHT, x / column_width)
    }

    /// The box the text covers, estimated from its position, anchor, baseline shift, font
    /// size and length (a glyph 0.64 em wide, as DejaVu Sans' digits, the widest the
    /// labels hold), and its rotation: left, top, right, bottom.
    fn area(&self) -> [f64; 4] {
        let size = self.number("font-size");
        let width = self.text.chars().count() as f64 * size * 0.64;
        let (x, y) = (self.number("x"), self.number("y"));
        let left = match self.attribute("text-anchor") {
            Some("middle") => x - width / 2.0,
            Some("end") => x - width,
            _ => x,
        };
        let baseline = match self.attribute("dy") {
            Some("0.76em") => y + 0.76 * size,
            Some("0.5ex") => y + 0.25 * size,
            Some("-0.5ex") => y - 0.25 * size,
            _ => y,
        };
        let [l, t, r, b] = [left, baseline - 0.76 * size, left + width, baseline + 0.24 * size];
        match self.attribute("transform") {
            // rotate(270, x, y): (px, py) goes to (x + (py - y), y - (px - x)).
            Some(rotation) if rotation.starts_with("rotate(270") => {
                [x + (t - y), y - (r - x), x + (b - y), y - (l - x)]
            }
            Some(other) => panic!("a transform the test cannot place: {other}"),
            None => [l, t, r, b],
        }
    }
}

/// Unescaped text: `&lt;` is one character.
fn unescape(text: &str) -> String {
    [
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&apos;", "'"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(text.to_string(), |text, (entity, c)| text.replace(entity, c))
}

fn texts(svg: &str) -> Vec<SvgText> {
    let pattern = regex::Regex::new(r"(?s)<text( [^>]*)>(.*?)</text>").unwrap();
    (pattern.captures_iter(svg))
        .map(|c| SvgText {
            attributes: c[1].to_string(),
            text: unescape(c[2].trim()),
        })
        .collect()
}

/// Three layers whose DLs lie decades apart, so that axes of their own would differ;
/// topk and batchtopk run along the same points in layer 7.
fn three_layers() -> MdlTable {
    let mut runs = Vec::new();
    for (layer, scale) in [(6, 1.0), (7, 30.0), (8, 1000.0)] {
        for (k, error) in [(16, 0.02), (64, 0.005), (256, 0.001)] {
            let l0 = k as f64 * scale / 10.0;
            runs.push((layer, "topk", k, l0, error));
            let shifted = if layer == 7 { error } else { error * 1.3 };
            runs.push((layer, "batchtopk", k, l0, shifted));
        }
        runs.push((layer, "topafa", 0, 50.0 * scale, 0.003));
        // An x axis ending just past 10⁻¹, whose label must not stick out of the figure.
        runs.push((layer, "topafa", 0, 10.0 * scale, 0.075));
    }
    crate::emit::sample_table::table(&runs, &[2e-3, 1e-2], 768)
}

/// The figure's width and height.
fn size(svg: &str) -> (u32, u32) {
    let open = texts_tag(svg);
    let number = |name: &str| -> u32 {
        let start = open.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        open[start..].split('"').next().unwrap().parse().unwrap()
    };
    (number("width"), number("height"))
}

fn texts_tag(svg: &str) -> &str {
    let start = svg.find("<svg").unwrap();
    &svg[start..start + svg[start..].find('>').unwrap()]
}

/// The y tick labels of each panel, by panel.
fn y_ticks(svg: &str, grid: &Grid) -> std::collections::BTreeMap<(u32, u32), Vec<String>> {
    let mut ticks: std::collections::BTreeMap<(u32, u32), Vec<String>> = Default::default();
    for text in texts(svg)
        .into_iter()
        .filter(|t| t.attribute("text-anchor") == Some("end"))
    {
        if text.attribute("class").is_none() && !text.text.is_empty() {
            ticks.entry(text.panel(grid)).or_default().push(text.text.clone());
        }
    }
    ticks
}

#[test]
fn every_panel_of_a_row_shows_the_same_y_ticks() {
    let svg = FrontierPlot.render(&three_layers());
    let grid = Grid::of(3, 0);
    let ticks = y_ticks(&svg, &grid);
    assert_eq!(ticks.len(), 3, "{ticks:?}");
    let first = &ticks[&(0, 0)];
    assert!(first.len() >= 3, "{first:?}");
    assert!(ticks.values().all(|panel| panel == first), "{ticks:?}");
}

/// `layers` layers of three activations each, every layer's DLs twice the one before, so
/// that rows of panels have y ranges of their own.
fn layers(layers: i64) -> MdlTable {
    let mut runs = Vec::new();
    for layer in 0..layers {
        let scale = 2f64.powi(layer as i32);
        for (k, error) in [(16, 0.02), (64, 0.005), (256, 0.001)] {
            let l0 = k as f64 * scale;
            runs.push((layer, "topk", k, l0, error));
            runs.push((layer, "batchtopk", k, l0 * 1.1, error * 1.3));
        }
        runs.push((layer, "topafa", 0, 50.0 * scale, 0.003));
        // An x axis ending just past 10⁻¹, whose label must not stick out of the figure.
        runs.push((layer, "topafa", 0, 10.0 * scale, 0.075));
    }
    crate::emit::sample_table::table(&runs, &[2e-3, 1e-2], 768)
}

/// A page 6.5 in (468 pt) wide: what a paper's column gives a figure.
const PAGE_POINTS: f64 = 468.0;

#[test]
fn panels_stand_at_most_three_a_row_and_read_at_a_papers_width() {
    for count in [1, 3, 7, 12] {
        let svg = FrontierPlot.render(&layers(count));
        let rows = (count as u32).div_ceil(3);
        let (width, height) = size(&svg);
        let columns = count.min(3) as u32;
        assert!(
            width >= PANEL_WIDTH * columns && width <= 3 * PANEL_WIDTH,
            "{count} layers: {width} px wide"
        );
        assert!(
            (rows * PANEL_HEIGHT + 40..rows * PANEL_HEIGHT + 160).contains(&height),
            "{count} layers: {height} px high for {rows} rows"
        );
        let captions = texts(&svg)
            .into_iter()
            .filter(|t| t.text.starts_with("layer "))
            .count();
        assert_eq!(captions, count as usize, "{count} layers");
        let smallest = (texts(&svg).iter())
            .map(|t| t.number("font-size"))
            .fold(f64::INFINITY, f64::min);
        let points = smallest * PAGE_POINTS / width as f64;
        assert!(
            points >= 6.0,
            "{count} layers: {smallest} px text is {points:.1} pt at 6.5 in"
        );
    }
}

#[test]
fn no_two_texts_overlap_and_all_are_inside_the_figure() {
    for count in [1, 3, 7, 12] {
        let svg = FrontierPlot.render(&layers(count));
        let (width, height) = size(&svg);
        let texts: Vec<SvgText> = texts(&svg).into_iter().filter(|t| !t.text.is_empty()).collect();
        for text in &texts {
            let [l, t, r, b] = text.area();
            let inside = l >= 0.0 && t >= 0.0 && r <= width as f64 && b <= height as f64;
            assert!(
                inside,
                "{count} layers: {:?} at {:?} leaves the figure",
                text.text,
                text.area()
            );
        }
        for (i, a) in texts.iter().enumerate() {
            for b in &texts[i + 1..] {
                let ([al, at, ar, ab], [bl, bt, br, bb]) = (a.area(), b.area());
                // Two pixels apart at least, so that no two texts touch.
                let overlap = al < br + 2.0 && bl < ar + 2.0 && at < bb + 2.0 && bt < ab + 2.0;
                assert!(
                    !overlap,
                    "{count} layers: {:?} {:?} overlaps {:?} {:?}",
                    a.text,
                    a.area(),
                    b.text,
                    b.area()
                );
            }
        }
    }
}

#[test]
fn each_row_has_its_own_y_range_and_round_ticks() {
    let svg = FrontierPlot.render(&layers(7));
    let grid = Grid::of(7, 0);
    let ticks = y_ticks(&svg, &grid);
    assert_eq!(ticks.len(), 7, "{ticks:?}");
    for ((row, _), panel) in &ticks {
        assert_eq!(panel, &ticks[&(*row, 0)], "row {row}: {ticks:?}");
    }
    assert_ne!(ticks[&(0, 0)], ticks[&(2, 0)], "rows 32x apart share no range");
    let round =
        regex::Regex::new(r"^(10[⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+|[1-9]×10[⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+|[1-9]0*|0\.0*[1-9])$").unwrap();
    let ticks = |t: &&SvgText| t.attribute("class").is_none() && t.attribute("transform").is_none();
    for text in texts(&svg).iter().filter(ticks) {
        let tick = text.attribute("text-anchor") == Some("end")
            || (text.attribute("dy") == Some("0.76em") && !text.text.starts_with("layer "));
        if tick && !text.text.is_empty() {
            assert!(round.is_match(&text.text), "tick label {:?}", text.text);
        }
    }
}

#[cfg(feature = "png")]
#[test]
fn a_grid_of_panels_rasterizes_at_twice_its_size() {
    let svg = FrontierPlot.render(&layers(7));
    let (width, height) = size(&svg);
    let png = crate::emit::png::rasterize(&svg).unwrap();
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    assert_eq!(&png[12..16], b"IHDR");
    assert_eq!((be(16), be(20)), (2 * width, 2 * height));
}

#[test]
fn each_tolerance_is_one_dashed_line_per_panel() {
    let table = three_layers();
    let svg = FrontierPlot.render(&table);
    let dashed = |class: &str| {
        (svg.lines())
            .filter(|l| l.starts_with(&format!("<line class=\"{class}\"")))
            .filter(|l| l.contains("stroke-dasharray"))
            .count()
    };
    assert_eq!(dashed("tolerance"), table.tolerances.len() * 3);
    assert_eq!(dashed("dense-baseline"), 3);
    let labels = texts(&svg).into_iter().filter(|t| t.text == "ε = 0.002").count();
    assert_eq!(labels, 3, "one label per panel");
    // Without --tolerance, no ε lines and no ε entry in the legend.
    let plain = crate::emit::sample_table::table(&[(6, "topk", 16, 10.0, 0.1)], &[], 768);
    let svg = FrontierPlot.render(&plain);
    assert!(!svg.contains("tolerance"), "{svg}");
}

#[test]
fn one_legend_names_every_activation_once() {
    let svg = FrontierPlot.render(&three_layers());
    let texts = texts(&svg);
    for name in ["topk", "batchtopk", "topafa", "selected: smallest error"] {
        let count = texts.iter().filter(|t| t.text == name).count();
        assert_eq!(count, 1, "{name:?} in {count} legends");
    }
    let dense = texts
        .iter()
        .filter(|t| t.text.starts_with("dense baseline"))
        .count();
    assert_eq!(dense, 1);
    assert_eq!(svg.matches("class=\"legend tolerance\"").count(), 1);
}

#[test]
fn no_text_is_smaller_than_14_px() {
    let svg = FrontierPlot.render(&three_layers());
    let sizes: Vec<f64> = (texts(&svg).iter())
        .map(|t| t.attribute("font-size").unwrap().parse().unwrap())
        .collect();
    assert!(sizes.len() > 20, "{sizes:?}");
    assert!(sizes.iter().all(|&px| px >= 14.0), "{sizes:?}");
}

#[test]
fn coinciding_frontiers_keep_both_markers() {
    let svg = FrontierPlot.render(&three_layers());
    // batchtopk (first by name) is filled circles, topk (third) hollow triangles: both
    // are drawn in layer 7, where their points are the same.
    let at = regex::Regex::new(r#"(?:cx="(\d+)" cy="(\d+)"|points="(\d+),(\d+))"#).unwrap();
    let panel_7 = |line: &&str| {
        let number = |c: &regex::Captures, i: usize| -> u32 {
            c.get(i).or(c.get(i + 2)).unwrap().as_str().parse().unwrap()
        };
        (at.captures(line)).is_some_and(|c| number(&c, 1) / PANEL_WIDTH == 1 && number(&c, 2) < PANEL_HEIGHT)
    };
    let blue = format!("#{:02X}{:02X}{:02X}", PALETTE_0.0, PALETTE_0.1, PALETTE_0.2);
    let green = format!("#{:02X}{:02X}{:02X}", PALETTE_2.0, PALETTE_2.1, PALETTE_2.2);
    let circles = (svg.lines().filter(panel_7))
        .filter(|l| l.starts_with("<circle") && l.contains(&format!("fill=\"{blue}\"")))
        .count();
    let triangles = (svg.lines().filter(panel_7))
        .filter(|l| l.starts_with("<polyline") && l.contains(&format!("stroke=\"{green}\"")))
        .filter(|l| l.matches(',').count() == 4)
        .count();
    assert_eq!((circles, triangles), (3, 3), "markers of layer 7");
}

const PALETTE_0: RGBColor = style::PALETTE[0];
const PALETTE_2: RGBColor = style::PALETTE[2];

#[test]
fn the_same_table_gives_the_same_bytes() {
    assert_eq!(
        FrontierPlot.render(&three_layers()),
        FrontierPlot.render(&three_layers())
    );
}
