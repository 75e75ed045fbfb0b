//! mdl-report.html opened in a real browser, headless Chromium with every host unreachable:
//! the page renders its rows (run names that hold HTML stay text), each linked to its run,
//! the frontier plot and the data notes, with no console output and no error; its headers
//! sort the table. Skipped, saying so, where no Chromium is installed.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::*;

/// A sweep of one layer whose names hold HTML, one run still running (a data note), with
/// W&B ids so that rows link to their pages.
const EXPORT: &str = r#""Name","ID","State","l0_norm","l2_loss"
"<img src=x onerror=alert(1)>_topk_64_0","r1","finished","40","0.01"
"</td><script>alert(2)</script>_batchtopk_32_0","r2","running","30","0.02"
"plain_topafa_0_0","r3","finished","900","0.003"
"other_topk_16_0","r4","finished","16","0.05"
"#;

/// The Chromium binary, or `None` (and a note on stderr) when there is none.
fn chromium(test: &str) -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    if found.is_none() {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!("skipping {test}: no chromium binary (apt-get install chromium)\n").as_bytes(),
        );
    }
    found.map(PathBuf::from)
}

/// The DOM Chromium renders from `page` once its scripts have run, and what it logged.
fn render(chromium: &Path, work: &Workdir, page: &Path) -> (String, String) {
    let profile = work.join("chromium-profile");
    let output = Command::new(chromium)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--enable-logging=stderr",
            "--v=0",
        ])
        // No host resolves: a page that fetched anything would log an error.
        .arg("--host-resolver-rules=MAP * ~NOTFOUND")
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(output.status.success(), "chromium: {}", stderr(&output));
    (stdout(&output), stderr(&output))
}

/// The report of `EXPORT` with two ε, written to `out/`.
fn report(work: &Workdir) -> PathBuf {
    work.write("sweep.csv", EXPORT);
    let output = work
        .command()
        .args(["--export", "6=sweep.csv", "--project", "sweep", "--entity", "lab"])
        .args(["--tolerance", "0.02", "--tolerance", "1e-4", "--out", "out", "-q"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    work.join("out/mdl-report.html")
}

/// The text of the element with `id` in `dom`, up to its closing tag `end`.
fn element<'d>(dom: &'d str, id: &str, end: &str) -> &'d str {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in\n{dom}"));
    let rest = &dom[start..];
    &rest[..rest.find(end).unwrap()]
}

#[test]
fn the_report_renders_its_rows_plot_and_notes_in_chromium_without_errors() {
    let Some(chromium) = chromium("the_report_renders_its_rows_plot_and_notes_in_chromium_without_errors")
    else {
        return;
    };
    let work = Workdir::new();
    let page = report(&work);
    let (dom, log) = render(&chromium, &work, &page);
    let errors = element(&dom, "page-errors", "</p>");
    assert!(errors.ends_with("hidden=\"\">"), "the page met errors: {errors}");
    let console: Vec<&str> = log.lines().filter(|line| line.contains("CONSOLE")).collect();
    assert!(console.is_empty(), "console output: {console:?}");
    // Three groups, one row each, every run linked to its page; the names are text.
    let best = element(&dom, "best", "</table>");
    assert_eq!(best.matches("<tr>").count(), 1 + 3, "{best}");
    for id in ["r1", "r2", "r3"] {
        let href = format!("href=\"{WEB_URL}/lab/sweep/runs/{id}\"");
        assert!(best.contains(&href), "{href} in {best}");
    }
    assert!(
        best.contains("&lt;/td&gt;&lt;script&gt;alert(2)&lt;/script&gt;_batchtopk_32_0"),
        "{best}"
    );
    assert!(
        best.contains("&lt;img src=x onerror=alert(1)&gt;_topk_64_0"),
        "{best}"
    );
    assert!(!dom.contains("<img") && !dom.contains("<script>alert"), "{dom}");
    // The ε tables, the plot (a panel caption and the legend's activations) and the notes.
    assert!(element(&dom, "tolerance-2", "</table>").contains("no run ≤ ε"));
    let plot = element(&dom, "frontier", "</figure>");
    assert!(plot.contains("<svg") && plot.contains("layer 6"), "{plot}");
    for activation in ["batchtopk", "topafa", "topk"] {
        assert!(
            plot.contains(&format!(">{activation}</text>"))
                || plot.contains(&format!(">\n{activation}\n</text>")),
            "{activation}"
        );
    }
    let notes = element(&dom, "notes", "</ul>");
    assert!(notes.contains("running"), "{notes}");
    let provenance = element(&dom, "provenance", "</dl>");
    assert!(provenance.contains("mdl-fetch ") && provenance.contains("exports named with --export"));
    let inputs = element(&dom, "inputs", "</table>");
    let digest = blake3::hash(&read(work.join("sweep.csv"))).to_hex();
    assert!(
        inputs.contains(digest.as_str()),
        "the input's BLAKE3 digest {digest} in {inputs}"
    );
}

/// The page's own script sorts: a script added to a copy of the page clicks the DL header
/// (then again) and writes the column's order into the page, which Chromium dumps.
#[test]
fn clicking_a_header_sorts_the_table_by_it_both_ways() {
    let Some(chromium) = chromium("clicking_a_header_sorts_the_table_by_it_both_ways") else {
        return;
    };
    let work = Workdir::new();
    let html = String::from_utf8(read(report(&work))).unwrap();
    let clicks = r#"<pre id="order"></pre><script>
      var table = document.getElementById("best");
      var dl = Array.prototype.findIndex.call(table.tHead.rows[0].cells, function (c) { return c.textContent === "DL (bits)"; });
      function order() {
        return Array.prototype.map.call(table.tBodies[0].rows, function (r) { return r.cells[dl].getAttribute("data-sort"); }).join(",");
      }
      var lines = [order()];
      var button = table.tHead.rows[0].cells[dl].querySelector("button");
      button.click(); lines.push(order());
      button.click(); lines.push(order());
      document.getElementById("order").textContent = lines.join("\n");
    </script></body>"#;
    let page = work.write("clicked.html", html.replace("</body>", clicks));
    let (dom, _) = render(&chromium, &work, &page);
    let order = element(&dom, "order", "</pre>");
    let lines: Vec<Vec<f64>> = (order.split_once('>').unwrap().1.lines())
        .map(|line| line.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(lines.len(), 3, "{order}");
    let mut ascending = lines[0].clone();
    ascending.sort_by(f64::total_cmp);
    assert_ne!(
        lines[0], ascending,
        "the table starts in another order: {lines:?}"
    );
    assert_eq!(lines[1], ascending, "first click: ascending");
    let descending: Vec<f64> = ascending.iter().rev().copied().collect();
    assert_eq!(lines[2], descending, "second click: descending");
    assert!(element(&dom, "page-errors", "</p>").ends_with("hidden=\"\">"));
}
