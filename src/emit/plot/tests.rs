//! Tests of frontier.svg: its axes, and the figure read back from the SVG text.

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

#[test]
fn long_axes_label_whole_powers_only() {
    assert_eq!(tick_label(4.0, 3.0, 1e7), "10000");
    assert_eq!(tick_label(4.5, 3.0, 1e7), "");
    assert_eq!(tick_label(-3.0 + 1e-12, 3.0, 0.0), "1e-3");
    assert_eq!(tick_label(4.5, 1.5, 1e7), "31623");
}

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

    /// Which panel (from 0) the text is in, by its x.
    fn panel(&self) -> u32 {
        let x: f64 = self.attribute("x").unwrap().parse().unwrap();
        x as u32 / PANEL_WIDTH
    }
}

fn texts(svg: &str) -> Vec<SvgText> {
    let pattern = regex::Regex::new(r"(?s)<text( [^>]*)>(.*?)</text>").unwrap();
    (pattern.captures_iter(svg))
        .map(|c| SvgText {
            attributes: c[1].to_string(),
            text: c[2].trim().to_string(),
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
    }
    crate::emit::sample_table::table(&runs, &[2e-3, 1e-2], 768)
}

#[test]
fn every_panel_shows_the_same_y_ticks() {
    let svg = FrontierPlot.render(&three_layers());
    let y_ticks = |panel: u32| -> Vec<String> {
        (texts(&svg).into_iter())
            .filter(|t| t.attribute("text-anchor") == Some("end") && t.panel() == panel)
            .map(|t| t.text)
            .filter(|text| !text.is_empty())
            .collect()
    };
    let first = y_ticks(0);
    assert!(first.len() >= 3, "{first:?}");
    assert_eq!(y_ticks(1), first);
    assert_eq!(y_ticks(2), first);
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
fn no_text_is_smaller_than_12_px() {
    let svg = FrontierPlot.render(&three_layers());
    let sizes: Vec<f64> = (texts(&svg).iter())
        .map(|t| t.attribute("font-size").unwrap().parse().unwrap())
        .collect();
    assert!(sizes.len() > 20, "{sizes:?}");
    assert!(sizes.iter().all(|&px| px >= 12.0), "{sizes:?}");
}

#[test]
fn coinciding_frontiers_keep_both_markers() {
    let svg = FrontierPlot.render(&three_layers());
    // batchtopk (first by name) is filled circles, topk (third) hollow triangles: both
    // are drawn in layer 7, where their points are the same.
    let panel_7 = |line: &&str| {
        let x = regex::Regex::new(r#"(?:cx|points)="(\d+)"#).unwrap();
        (x.captures(line)).is_some_and(|c| c[1].parse::<u32>().unwrap() / PANEL_WIDTH == 1)
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
