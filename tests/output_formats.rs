//! `--format` on stdout, the LaTeX table compiled by pdflatex, and `--png`'s frontier.png.

use crate::support;

use std::path::Path;
use std::process::Command;

use support::*;

/// The bundled sample project, replayed offline into `out/sae-sweeps/`.
fn bundled(work: &Workdir, args: &[&str]) -> std::process::Output {
    work.command()
        .env("MDL_FETCH_CONFIG_DIR", root().join("config"))
        .args(["--project", "sae-sweeps", "--offline"])
        .args(args)
        .output()
        .unwrap()
}

fn artifact(work: &Workdir, name: &str) -> String {
    String::from_utf8(read(work.join("out/sae-sweeps").join(name))).unwrap()
}

#[test]
fn csv_and_json_formats_print_their_artifacts() {
    let work = Workdir::new();
    for (format, name) in [("csv", "mdl-table.csv"), ("json", "mdl-table.json")] {
        let output = bundled(&work, &["--format", format, "--tolerance", "1e-2"]);
        assert!(output.status.success(), "{}", stderr(&output));
        let expected = match format {
            // With --tolerance, the ε rows follow the table after a blank line.
            "csv" => format!(
                "{}\n{}",
                artifact(&work, name),
                artifact(&work, "mdl-tolerance.csv")
            ),
            _ => artifact(&work, name),
        };
        assert_eq!(stdout(&output), expected, "--format {format}");
    }
}

#[test]
fn an_unknown_format_is_a_usage_error_naming_the_formats() {
    let output = Workdir::new().run(&["--format", "html", "--export", "x.csv"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("md, csv, json, latex"), "{err}");
}

/// A W&B export whose activations hold every character LaTeX treats specially.
const AWKWARD_NAMES: &str = r#""Name","l0_norm","l2_loss","sae_type","top_k"
"r1","40","0.01","top_k","64"
"r2","2000","1e-5","50%&#$","0"
"r3","60","0.02","a{b}~^\x","8"
"r4","70","0.03","<relu>--`q'","8"
"#;

/// The seed's golden table and one of awkward names with ε columns (one with no run
/// within), each `\input` into a booktabs document, compile; skipped (with a note) where
/// pdflatex is not installed.
#[test]
fn latex_tables_compile_with_pdflatex() {
    if Command::new("pdflatex").arg("--version").output().is_err() {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"skipping latex_tables_compile_with_pdflatex: pdflatex not found (apt-get install texlive-latex-base texlive-latex-recommended)\n",
        );
        return;
    }
    let work = Workdir::new();
    let export = work.write("names.csv", AWKWARD_NAMES);
    let output = work.run(&[
        "--export",
        &format!("6={}", export.display()),
        "--column",
        "activation=sae_type",
        "--column",
        "k=top_k",
        "--format",
        "latex",
        "--tolerance",
        "0.015",
        "--tolerance",
        "1e-9",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("\\varepsilon") && stdout(&output).contains("{c}{--}"));
    work.write("names.tex", stdout(&output));
    work.write("seed.tex", read(root().join("tests/golden/seed-mdl-table.tex")));
    work.write(
        "paper.tex",
        "\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n\
         \\begin{table}\\centering\\input{seed.tex}\\caption{Seed}\\end{table}\n\
         \\begin{table}\\centering\\input{names.tex}\\caption{Names}\\end{table}\n\
         \\end{document}\n",
    );
    let compiled = pdflatex(work.path(), "paper.tex");
    let log = String::from_utf8_lossy(&read(work.join("paper.log"))).into_owned();
    assert!(compiled, "pdflatex failed:\n{log}");
    assert!(work.join("paper.pdf").is_file());
    assert!(!log.contains("Missing character"), "{log}");
    assert!(!log.contains("Undefined control sequence"), "{log}");
}

fn pdflatex(dir: &Path, file: &str) -> bool {
    let output = Command::new("pdflatex")
        .args(["-interaction=nonstopmode", "-halt-on-error", file])
        .current_dir(dir)
        .output()
        .unwrap();
    output.status.success()
}

/// Width and height from a PNG's IHDR chunk.
#[cfg(feature = "png")]
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "the PNG signature");
    assert_eq!(&png[12..16], b"IHDR");
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

/// The `width` and `height` of frontier.svg.
fn svg_size(svg: &str) -> (u32, u32) {
    let number = |name: &str| -> u32 {
        let start = svg.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        svg[start..].split('"').next().unwrap().parse().unwrap()
    };
    (number("width"), number("height"))
}

#[cfg(feature = "png")]
#[test]
fn png_writes_frontier_png_beside_the_svg_and_only_while_asked() {
    let work = Workdir::new();
    let output = bundled(&work, &["--png", "--tolerance", "3e-3", "-q"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let png = read(work.join("out/sae-sweeps/frontier.png"));
    let (width, height) = png_size(&png);
    let (svg_width, svg_height) = svg_size(&artifact(&work, "frontier.svg"));
    assert_eq!((width, height), (2 * svg_width, 2 * svg_height));
    assert!(
        (1000..=8000).contains(&width) && (500..=4000).contains(&height),
        "{width}x{height}"
    );
    // The manifest vouches for the PNG and the LaTeX table as for the other artifacts.
    let manifest: serde_json::Value = serde_json::from_str(&artifact(&work, "manifest.json")).unwrap();
    let outputs = manifest["outputs"].as_array().unwrap();
    for name in ["frontier.png", "mdl-table.tex"] {
        let entry = outputs.iter().find(|o| o["file"] == name);
        assert!(entry.is_some(), "{name} not in {outputs:?}");
    }
    // The same inputs give the same bytes, so --check passes.
    let check = bundled(&work, &["--png", "--tolerance", "3e-3", "--check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    // Without --png, the PNG would show numbers the folder no longer vouches for: a check
    // says it would go, and a run removes it.
    let check = bundled(&work, &["--tolerance", "3e-3", "--check"]);
    assert_eq!(check.status.code(), Some(20), "{}", stderr(&check));
    assert!(stderr(&check).contains("frontier.png: left by an earlier run, would be removed"));
    let output = bundled(&work, &["--tolerance", "3e-3", "-q"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!work.join("out/sae-sweeps/frontier.png").exists());
}

/// Run names reach mdl-report.md as text a markdown viewer shows as it is (no HTML, no
/// emphasis), and run ids are percent-encoded in the links, so `id)3` cannot end a link.
#[test]
fn run_names_and_ids_in_the_report_are_inert_text_and_whole_links() {
    let work = Workdir::new();
    let names = [
        ("<img src=x onerror=alert(1)>_topk_64_0", "id)3"),
        ("<script>alert(2)</script>_batchtopk_32_0", "a b"),
        ("*b* `x` [l](http://e)_topafa_0_0", "plain1"),
    ];
    let mut export = String::from("\"Name\",\"ID\",\"l0_norm\",\"l2_loss\"\n");
    for (name, id) in names {
        export.push_str(&format!("\"{name}\",\"{id}\",\"10\",\"0.5\"\n"));
    }
    work.write("a.csv", export);
    let output = work
        .command()
        .args([
            "--export",
            "6=a.csv",
            "--project",
            "p",
            "--entity",
            "e",
            "--out",
            "out",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let report = String::from_utf8(read(work.join("out/mdl-report.md"))).unwrap();
    let mut html = String::new();
    let parser = pulldown_cmark::Parser::new_ext(&report, pulldown_cmark::Options::ENABLE_TABLES);
    pulldown_cmark::html::push_html(&mut html, parser);
    assert_eq!(html.matches("<img").count(), 1, "only the frontier plot:\n{html}");
    for tag in ["<script", "onerror=\"", "<em>", "<b>", "href=\"http://e\""] {
        assert!(!html.contains(tag), "{tag} in the rendered report:\n{html}");
    }
    for shown in [
        "&lt;script&gt;alert(2)&lt;/script&gt;",
        "&lt;img src=x onerror=alert(1)&gt;",
    ] {
        assert!(html.contains(shown), "{shown} not shown:\n{html}");
    }
    for href in ["/e/p/runs/id%293\"", "/e/p/runs/a%20b\"", "/e/p/runs/plain1\""] {
        assert!(html.contains(href), "{href} not a link:\n{html}");
    }
}

/// A build without the `png` feature refuses `--png` with a usage error naming the
/// feature, and writes nothing.
#[cfg(not(feature = "png"))]
#[test]
fn a_build_without_png_support_refuses_png() {
    let work = Workdir::new();
    let output = bundled(&work, &["--png"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("`png` feature"), "{}", stderr(&output));
    assert!(!work.join("out").exists());
}
