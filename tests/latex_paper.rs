//! mdl-table.tex for papers: the seed's tables (plain, with ε columns, and with headers,
//! digits, alignment, caption and label from a profile and flags) byte for byte against
//! golden files, each compiled by pdflatex, and the plain columns' decimal points measured
//! by TeX itself to line up.

use crate::support;

use std::path::Path;
use std::process::Command;

use support::*;

/// The profile of the renamed table: every `[latex]` key, one header overridden by a flag;
/// LaTeX in TOML's literal strings ('...'), where a backslash is a backslash.
const RENAMING_PROFILE: &str = r#"[latex]
digits = 4
align = "siunitx"
caption = 'Description length of the smallest-error SAE per layer, and at $\varepsilon$.'
label = "tab:mdl"

[latex.headers]
layer = '$\ell$'
activation = "Architecture"
error = '$\|x - \hat{x}\|_2^2$'
dl = "Bits"
tolerance = 'MDL at $\varepsilon={eps}$'
"#;

/// Each golden file with the flags that make it from the seed's exports (and whether it
/// is read through the renaming profile).
const GOLDEN: [(&str, &[&str], bool); 3] = [
    ("seed-mdl-table.tex", &[], false),
    (
        "seed-mdl-table-eps.tex",
        &["--tolerance", "2e-4", "--tolerance", "1.8e-4"],
        false,
    ),
    (
        "seed-mdl-table-renamed.tex",
        &["--tolerance", "2e-4", "--latex-header", "dl=DL / bits"],
        true,
    ),
];

/// The seed's table with `flags`, written to `tables/` and printed with `--format latex`;
/// both must be the same text, which is returned.
fn seed_latex(work: &Workdir, paths: &[std::path::PathBuf; 3], flags: &[&str], profile: bool) -> String {
    let mut command = work.command();
    command.args(seed_export_args(paths));
    if profile {
        let path = work.write("paper.toml", RENAMING_PROFILE);
        command.arg("--config").arg(path);
    }
    let output = command
        .args(["--out", "tables", "--format", "latex"])
        .args(flags)
        .output()
        .unwrap();
    assert!(output.status.success(), "{flags:?}: {}", stderr(&output));
    let written = std::fs::read_to_string(work.join("tables/mdl-table.tex")).unwrap();
    assert_eq!(stdout(&output), written, "{flags:?}: stdout is the artifact");
    // The markdown stays the notebook's, whatever the LaTeX looks like.
    let markdown = std::fs::read_to_string(work.join("tables/mdl-table.md")).unwrap();
    assert_eq!(markdown, seed_expected_table(), "{flags:?}");
    written
}

#[test]
fn seed_tables_match_their_golden_files() {
    let Some(paths) = seed_exports() else { return };
    for (name, flags, profile) in GOLDEN {
        let work = Workdir::new();
        let tex = seed_latex(&work, &paths, flags, profile);
        let golden = String::from_utf8(read(root().join("tests/golden").join(name))).unwrap();
        assert_eq!(tex, golden, "{name}");
        // The manifest records the style asked for (and, asked none, no more than before).
        let manifest: serde_json::Value =
            serde_json::from_slice(&read(work.join("tables/manifest.json"))).unwrap();
        let latex = &manifest["settings"]["latex"];
        match profile {
            true => {
                assert_eq!(
                    (latex["digits"].as_u64(), latex["align"].as_str()),
                    (Some(4), Some("siunitx"))
                );
                assert_eq!(latex["headers"]["dl"], "DL / bits", "the flag over the profile");
                assert_eq!(latex["label"], "tab:mdl");
            }
            false => assert!(latex.is_null(), "{name}: {latex}"),
        }
    }
}

/// What the renamed golden file shows of its settings: every header, the digits, siunitx,
/// the caption and the label; and the others' headers say what their columns are.
#[test]
fn golden_files_show_what_was_asked() {
    let golden = |name: &str| String::from_utf8(read(root().join("tests/golden").join(name))).unwrap();
    let seed = golden("seed-mdl-table.tex");
    assert!(seed.contains("\nLayer & SAE & MSE & DL (bits) \\\\\n"), "{seed}");
    assert!(seed.contains("\\begin{tabular}{rlrr}") && !seed.contains("\\begin{table}"));
    let eps = golden("seed-mdl-table-eps.tex");
    assert!(eps.contains(
        "& $\\mathrm{DL}_{\\varepsilon=2\\cdot10^{-4}}$ & $\\mathrm{DL}_{\\varepsilon=1.8\\cdot10^{-4}}$ \\\\"
    ));
    let renamed = golden("seed-mdl-table-renamed.tex");
    for shown in [
        "$\\ell$ & Architecture & {$\\|x - \\hat{x}\\|_2^2$} & {DL / bits} & {MDL at $\\varepsilon=2\\cdot10^{-4}$} \\\\",
        "\\caption{Description length of the smallest-error SAE per layer, and at $\\varepsilon$.}\n\\label{tab:mdl}\n\\end{table}\n",
        "{rlS[table-format=1.7]S[table-format=1.3e1]S[table-format=1.3e1]}",
        "6 & topafa & 0.0001641 & 4.194e4 & 4.194e4 \\\\",
        "Numbers to 4 significant digits",
    ] {
        assert!(renamed.contains(shown), "{shown} not in\n{renamed}");
    }
}

/// Whether pdflatex is installed (a note on stderr when not: the test is skipped).
fn have_pdflatex(test: &str) -> bool {
    let found = Command::new("pdflatex").arg("--version").output().is_ok();
    if !found {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!("skipping {test}: pdflatex not found (apt-get install texlive-latex-base texlive-latex-recommended)\n").as_bytes(),
        );
    }
    found
}

/// Whether LaTeX finds siunitx (a note on stderr when not).
fn have_siunitx(test: &str) -> bool {
    let found =
        (Command::new("kpsewhich").arg("siunitx.sty").output()).is_ok_and(|output| output.status.success());
    if !found {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!("{test}: siunitx.sty not found (apt-get install texlive-science): its table is not compiled\n").as_bytes(),
        );
    }
    found
}

/// Runs pdflatex on `file` in `dir`; its log when it fails.
fn pdflatex(dir: &Path, file: &str) -> Result<String, String> {
    let output = Command::new("pdflatex")
        .args(["-interaction=nonstopmode", "-halt-on-error", file])
        .current_dir(dir)
        .output()
        .unwrap();
    let log = std::fs::read_to_string(dir.join(file.replace(".tex", ".log"))).unwrap_or_default();
    match output.status.success() {
        true => Ok(log),
        false => Err(log),
    }
}

/// Every golden file compiles, each as a paper uses it: `\input` inside a `table`
/// environment, or (the captioned one) as a float of its own.
#[test]
fn golden_files_compile_with_pdflatex() {
    if !have_pdflatex("golden_files_compile_with_pdflatex") {
        return;
    }
    let siunitx = have_siunitx("golden_files_compile_with_pdflatex");
    let work = Workdir::new();
    let mut body = String::new();
    for (name, _, _) in GOLDEN {
        let tex = String::from_utf8(read(root().join("tests/golden").join(name))).unwrap();
        if tex.contains("siunitx") && !siunitx {
            continue;
        }
        work.write(name, &tex);
        body += &match tex.contains("\\begin{table}") {
            true => format!("\\input{{{name}}}\n"),
            false => {
                format!("\\begin{{table}}\\centering\\input{{{name}}}\\caption{{{name}}}\\end{{table}}\n")
            }
        };
    }
    let packages = if siunitx { "booktabs,siunitx" } else { "booktabs" };
    work.write(
        "paper.tex",
        format!("\\documentclass{{article}}\n\\usepackage{{{packages}}}\n\\begin{{document}}\n{body}See Table~\\ref{{tab:mdl}}.\n\\end{{document}}\n"),
    );
    let log = pdflatex(work.path(), "paper.tex").unwrap_or_else(|log| panic!("pdflatex failed:\n{log}"));
    assert!(work.join("paper.pdf").is_file());
    for problem in [
        "Missing character",
        "Undefined control sequence",
        "Overfull",
        "siunitx error",
    ] {
        assert!(!log.contains(problem), "{problem}:\n{log}");
    }
}

/// An export whose numbers need every part of a padded cell: exponents of one and two
/// digits and of either sign, fractions of every length, and groups with no run within ε.
const WIDE_NUMBERS: &str = r#""Name","l0_norm","l2_loss"
"a_topk_64_0","40","1.5e-5"
"b_topk_64_0","3","0.002"
"c_batchtopk_64_0","55555","2e-12"
"d_topafa_0_0","123456789","0.0123"
"e_relu_0_0","0.25","0.31"
"f_jump_0_0","0.000001","0.5"
"#;

/// The cells of the table's rows, by row, without the trailing `\\`.
fn rows(tex: &str) -> Vec<Vec<String>> {
    (tex.lines())
        .skip_while(|line| *line != "\\midrule")
        .skip(1)
        .take_while(|line| *line != "\\bottomrule")
        .filter(|line| *line != "\\addlinespace")
        .map(|line| {
            (line.trim_end_matches(" \\\\").split(" & "))
                .map(String::from)
                .collect()
        })
        .collect()
}

/// A padded cell's integer part: everything before its decimal point or padding.
fn lead(cell: &str) -> &str {
    let end = [".", "\\phantom", "${}"]
        .iter()
        .filter_map(|mark| cell.find(mark))
        .min()
        .unwrap_or(cell.len());
    &cell[..end]
}

/// TeX measures each number cell of a plain table and the integer part before its decimal
/// point: what follows is the same width in every cell of a column, so the points line up.
#[test]
fn plain_columns_line_up_their_decimal_points() {
    if !have_pdflatex("plain_columns_line_up_their_decimal_points") {
        return;
    }
    let work = Workdir::new();
    work.write("wide.csv", WIDE_NUMBERS);
    let output = work.run(&[
        "--export",
        "6=wide.csv",
        "--out",
        "-",
        "--format",
        "latex",
        "--tolerance",
        "0.01",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let tex = stdout(&output);
    let rows = rows(&tex);
    assert_eq!(rows.len(), 5, "{tex}");
    assert!(
        tex.contains("10^{-12}") && tex.contains("10^{\\phantom{-}"),
        "{tex}"
    );
    let mut measures = String::new();
    for (row, cells) in rows.iter().enumerate() {
        for (column, cell) in cells.iter().enumerate().skip(2) {
            if cell.starts_with("\\multicolumn") {
                continue;
            }
            measures += &format!(
                "\\setbox0\\hbox{{{cell}}}\\setbox1\\hbox{{{}}}\\typeout{{TAIL {column} {row} \\the\\dimexpr\\wd0-\\wd1\\relax}}\n",
                lead(cell)
            );
        }
    }
    work.write(
        "measure.tex",
        format!("\\documentclass{{article}}\n\\begin{{document}}\n{measures}x\n\\end{{document}}\n"),
    );
    let log = pdflatex(work.path(), "measure.tex").unwrap_or_else(|log| panic!("pdflatex failed:\n{log}"));
    let mut tails: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for line in log.lines().filter_map(|line| line.strip_prefix("TAIL ")) {
        let parts: Vec<&str> = line.split(' ').collect();
        tails
            .entry(parts[0].to_string())
            .or_default()
            .push(parts[2].to_string());
    }
    assert_eq!(tails.len(), 3, "three number columns:\n{log}");
    for (column, widths) in &tails {
        assert!(widths.len() >= 2, "column {column}: {widths:?}");
        assert!(
            widths.iter().all(|width| width == &widths[0]),
            "column {column}'s cells end {widths:?} after their decimal point:\n{tex}"
        );
    }
}

/// The README's `[latex]` profile, as the README writes it, gives the float it describes.
#[test]
fn the_readmes_latex_profile_is_read_as_written() {
    let readme = String::from_utf8(read(root().join("README.md"))).unwrap();
    let profile = (readme.split("```toml\n").skip(1))
        .map(|block| block.split("```").next().unwrap())
        .find(|block| block.starts_with("[latex]"))
        .expect("the README shows a [latex] profile");
    let work = Workdir::new();
    work.write("config/sae-sweeps.toml", profile);
    let fixtures = root().join("fixtures/sae-sweeps");
    let mut command = work.command();
    for layer in [6, 7, 8] {
        command
            .arg("--export")
            .arg(format!("{layer}={}/layer-{layer}.csv", fixtures.display()));
    }
    let output = command
        .args([
            "--project",
            "sae-sweeps",
            "--out",
            "-",
            "--format",
            "latex",
            "--tolerance",
            "3e-3",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let tex = stdout(&output);
    for shown in [
        "\\caption{Description length per layer; $\\varepsilon$ columns at a shared error.}\n\\label{tab:mdl}\n",
        "Layer & Architecture & {MSE} & {DL (bits)} & {MDL at $\\varepsilon=3\\cdot10^{-3}$} \\\\",
        "S[table-format=",
    ] {
        assert!(tex.contains(shown), "{shown} not in\n{tex}");
    }
}
