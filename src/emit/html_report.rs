//! `mdl-report.html`: the report as one self-contained page, for a browser with no network:
//! the tables with sortable columns, each row linked to its run, the frontier plot inline,
//! the data notes and the provenance (tool, inputs with their digests, settings). Made with
//! maud, which escapes every text and attribute from the runs.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::html_assets::{CSS, ERRORS, SORT};
use super::html_tables;
use super::plot::FrontierPlot;
use super::Emitter;
use crate::emit::pyfmt::general;
use crate::model::mdl::Code;
use crate::model::table::MdlTable;

pub const FILE_NAME: &str = "mdl-report.html";

/// Where the table came from, as `manifest.json` records it, less what changes from run to
/// run of the same inputs (the time, the server's address): the page stays the same bytes
/// while the table does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Provenance {
    /// Where the inputs came from, in words.
    pub source: String,
    /// The settings as `manifest.json` records them, and their sha256 as it gives it.
    pub settings: serde_json::Value,
    pub settings_sha256: String,
    /// The profile read: its file name and sha256.
    pub profile: Option<(String, String)>,
}

/// The HTML report, with the provenance it shows.
#[derive(Debug, Clone, Default)]
pub struct HtmlReport {
    pub provenance: Provenance,
}

impl Emitter for HtmlReport {
    fn file_name(&self) -> &'static str {
        FILE_NAME
    }

    fn render(&self, table: &MdlTable) -> String {
        page(table, &self.provenance, &FrontierPlot.render(table)).into_string()
    }
}

/// The whole page; `svg` is frontier.svg, put inline.
fn page(table: &MdlTable, provenance: &Provenance, svg: &str) -> Markup {
    let project = provenance.settings["project"].as_str().unwrap_or_default();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Description lengths: " (project) }
                script { (PreEscaped(ERRORS)) }
                style { (PreEscaped(CSS)) }
            }
            body {
                h1 { "Description lengths " small { (project) } }
                p id="page-errors" hidden {}
                (pricing(table))
                h2 { "Smallest error per layer and activation" }
                p { "The notebook's rule: per layer and activation, the run with the smallest error. Click a column's header to sort by it." }
                (html_tables::best(table))
                @for (index, eps) in table.tolerances.iter().enumerate() {
                    h2 { "MDL at tolerance ε = " (general(*eps)) ": the cheapest run with error ≤ ε" }
                    (html_tables::within(table, index))
                }
                h2 { "DL against error" }
                figure id="frontier" { (PreEscaped(svg)) }
                @if !table.notes.is_empty() {
                    h2 { "Data notes" }
                    ul id="notes" { @for note in &table.notes { li { (note) } } }
                }
                (provenance_section(table, provenance))
                script { (PreEscaped(SORT)) }
            }
        }
    }
}

/// The code, B, D and the dense baseline, as mdl-report.md says them.
fn pricing(table: &MdlTable) -> Markup {
    let pricing = &table.pricing;
    let formula = match pricing.code {
        Code::Naive => "L0 × (B + log2 D)",
        Code::Binomial => "L0 × B + log2 C(D, L0)",
    };
    let dict = match pricing.fixed_dict_size {
        true => format!("D = {} for every run", pricing.dict_size),
        false => format!(
            "D = each run's dictionary size ({} when a run gives none)",
            pricing.dict_size
        ),
    };
    html! {
        p {
            "Code: " strong { (pricing.code.to_string()) } ", DL = " (formula)
            " bits per activation vector; B = " (general(pricing.bits)) " bits; " (dict) "."
        }
        p {
            "Dense baseline: d_model × B = " (table.d_model) " × " (general(pricing.bits)) " = "
            (general(table.dense_bits())) " bits, the cost of sending the raw activations."
        }
    }
}

/// The provenance: tool, source, settings and profile with their digests, each input with
/// its digest, and every setting.
fn provenance_section(table: &MdlTable, provenance: &Provenance) -> Markup {
    let settings: Vec<(&String, String)> = match provenance.settings.as_object() {
        Some(object) => object
            .iter()
            .map(|(key, value)| (key, value.to_string()))
            .collect(),
        None => Vec::new(),
    };
    html! {
        h2 { "Provenance" }
        dl.facts id="provenance" {
            dt { "Tool" } dd { (crate::about::TOOL) }
            dt { "Inputs" } dd { (provenance.source) }
            dt { "Settings sha256" } dd.digest { (provenance.settings_sha256) }
            @if let Some((file, sha256)) = &provenance.profile {
                dt { "Profile" } dd { code { (file) } " " span.digest { "sha256 " (sha256) } }
            }
        }
        h3 { "Inputs read" }
        (html_tables::inputs(&table.inputs))
        h3 { "Settings" }
        table id="settings" {
            thead { tr { th { "setting" } th { "value" } } }
            tbody { @for (key, value) in &settings { tr { td { code { (key) } } td { code { (value) } } } } }
        }
        p { "manifest.json, beside this file, records the same with the time the table was made, the server it came from and every artifact's sha256." }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::project::ProjectRef;
    use std::sync::Arc;

    /// Two layers, one ε; layer 6's topk run named to break out of HTML, with a page.
    fn table() -> MdlTable {
        let runs = [
            (6, "topk", 64, 40.0, 0.01),
            (6, "<b>relu</b>", 0, 900.0, 0.003),
            (7, "topk", 64, 60.0, 0.02),
        ];
        let mut table = crate::emit::sample_table::table(&runs, &[0.005], 768);
        let best = table.groups[1].best.as_mut().unwrap();
        best.run.name = "</td><script>alert(1)</script>".into();
        best.run.id = "a\"b".into();
        best.run.state = "running".into();
        best.run.origin.project = Some(Arc::new(ProjectRef {
            entity: Some("lab".into()),
            project: "sweep".into(),
            ui: Some("https://wandb.ai".into()),
        }));
        table.notes = vec!["layer 6 <b> not finished & more".into()];
        table
    }

    fn provenance() -> Provenance {
        Provenance {
            source: "exports named with --export".into(),
            settings: serde_json::json!({"project": "p<1>", "bits": 7.0}),
            settings_sha256: "ab12".into(),
            profile: Some(("p.toml".into(), "cd34".into())),
        }
    }

    #[test]
    fn text_from_the_runs_is_escaped_and_links_go_to_run_pages() {
        let page = HtmlReport {
            provenance: provenance(),
        }
        .render(&table());
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(
            page.contains("&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{page}"
        );
        assert!(page.contains("&lt;b&gt;relu&lt;/b&gt;"));
        assert!(page.contains("<li>layer 6 &lt;b&gt; not finished &amp; more</li>"));
        assert!(page.contains("<title>Description lengths: p&lt;1&gt;</title>"));
        assert!(
            page.contains("href=\"https://wandb.ai/lab/sweep/runs/a%22b\""),
            "{page}"
        );
        assert_eq!(
            page.matches("<a ").count(),
            1,
            "the one run with a page is linked"
        );
    }

    #[test]
    fn the_page_holds_everything_it_shows() {
        let table = table();
        let page = HtmlReport {
            provenance: provenance(),
        }
        .render(&table);
        assert!(page.starts_with("<!DOCTYPE html><html lang=\"en\">"));
        // No file or address is loaded: the style, scripts and plot are inline.
        for outside in [" src=", "<link", "@import", "url("] {
            assert!(!page.contains(outside), "{outside} in the page");
        }
        assert_eq!(page.matches("<svg").count(), 1);
        assert!(page.contains(&FrontierPlot.render(&table)));
        // The notebook's table has a row per group with a run, the ε table a row per group.
        let best = page
            .split("id=\"best\"")
            .nth(1)
            .unwrap()
            .split("</table>")
            .next()
            .unwrap();
        assert_eq!(best.matches("<tr>").count(), 1 + 3, "header and rows");
        let within = page.split("id=\"tolerance-1\"").nth(1).unwrap();
        assert!(within.contains("<td colspan=\"8\">no run ≤ ε</td>"), "{within}");
        // Numbers sort by their full value and show as the markdown does.
        assert!(
            page.contains("<td class=\"number\" data-sort=\"0.003\">0.003</td>"),
            "{page}"
        );
        for shown in [
            "mdl-fetch 0.1.0",
            "exports named with --export",
            "ab12",
            "p.toml",
            "sha256 cd34",
            "<code>bits</code>",
            "<code>7.0</code>",
        ] {
            assert!(page.contains(shown), "{shown} not in the page");
        }
    }
}
