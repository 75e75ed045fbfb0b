//! MDL at ε reaches every output: `mdl-tolerance.csv` (written only while `--tolerance` is
//! given), the ε columns of `mdl-table.tex`, and `--format csv|latex|json|md` on stdout.

use crate::support;

use std::collections::BTreeMap;

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

/// A CSV's rows as maps from its header's names.
fn csv_rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    (reader.records())
        .map(|record| {
            let record = record.unwrap();
            header
                .iter()
                .map(String::from)
                .zip(record.iter().map(String::from))
                .collect()
        })
        .collect()
}

/// From runs.csv, read plainly: per (layer, activation), the naive-code DL (B = 7, D from
/// the run or 12288) of the cheapest run with error <= eps, or `None`.
fn cheapest_within(runs_csv: &str, eps: f64) -> BTreeMap<(String, String), Option<f64>> {
    let mut cheapest: BTreeMap<(String, String), Option<f64>> = BTreeMap::new();
    for run in csv_rows(runs_csv) {
        let slot = cheapest
            .entry((run["layer"].clone(), run["activation"].clone()))
            .or_default();
        let error: f64 = run["error"].parse().unwrap();
        let l0: f64 = run["l0"].parse().unwrap();
        let dict_size: f64 = run["dict_size"].parse().unwrap_or(12288.0);
        if error <= eps {
            let bits = l0 * (7.0 + dict_size.log2());
            *slot = Some(slot.map_or(bits, |known| known.min(bits)));
        }
    }
    cheapest
}

#[test]
fn mdl_tolerance_csv_has_a_row_per_group_and_epsilon_priced_as_the_runs_say() {
    let work = Workdir::new();
    let output = bundled(&work, &["--tolerance", "3e-3", "--tolerance", "1e-9", "-q"]);
    ok(&output);
    let rows = csv_rows(&artifact(&work, "mdl-tolerance.csv"));
    let runs = artifact(&work, "runs.csv");
    let expected: Vec<_> = [("3e-3", 3e-3), ("1e-9", 1e-9)]
        .into_iter()
        .map(|(text, eps)| (text, cheapest_within(&runs, eps)))
        .collect();
    let groups = expected[0].1.len();
    assert_eq!(groups, 9, "the bundled sweep's groups");
    assert_eq!(rows.len(), groups * 2, "{rows:?}");
    for (at, row) in rows.iter().enumerate() {
        let (eps_text, cheapest) = &expected[at % 2];
        let eps: f64 = row["epsilon"].parse().unwrap();
        assert_eq!(eps, eps_text.parse::<f64>().unwrap(), "{row:?}");
        let key = (row["layer"].clone(), row["activation"].clone());
        match cheapest[&key] {
            Some(bits) => {
                let got: f64 = row["MDL(epsilon)"].parse().unwrap();
                assert!((got - bits).abs() <= 1e-9 * bits, "{row:?}: {bits}");
                let error: f64 = row["error"].parse().unwrap();
                assert!(error <= eps, "{row:?}");
                assert!(!row["run"].is_empty() && row["code"] == "naive", "{row:?}");
            }
            None => {
                for column in ["MDL(epsilon)", "error", "run", "k", "l0", "dict_size"] {
                    assert_eq!(row[column], "", "{column} of {row:?}");
                }
            }
        }
    }
    assert!(
        rows.iter().any(|row| row["MDL(epsilon)"].is_empty()),
        "1e-9 has no run"
    );
    let header = artifact(&work, "mdl-tolerance.csv")
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(
        header.ends_with(",code,entity,project,run_id,state,url"),
        "{header}"
    );
}

#[test]
fn mdl_tolerance_csv_is_checked_and_goes_when_no_tolerance_is_given() {
    let work = Workdir::new();
    ok(&bundled(&work, &["--tolerance", "3e-3", "-q"]));
    let manifest = artifact(&work, "manifest.json");
    assert!(manifest.contains("\"mdl-tolerance.csv\""), "{manifest}");
    // --check compares it like any artifact.
    ok(&bundled(&work, &["--tolerance", "3e-3", "--check"]));
    std::fs::write(work.join("out/sae-sweeps/mdl-tolerance.csv"), "stale\n").unwrap();
    let stale = bundled(&work, &["--tolerance", "3e-3", "--check"]);
    assert_eq!(stale.status.code(), Some(20), "{}", stderr(&stale));
    assert!(
        stderr(&stale).contains("mdl-tolerance.csv: differs"),
        "{}",
        stderr(&stale)
    );
    ok(&bundled(&work, &["--tolerance", "3e-3", "-q"]));
    // Without --tolerance the file would show numbers the folder no longer vouches for.
    let check = bundled(&work, &["--check"]);
    assert_eq!(check.status.code(), Some(20), "{}", stderr(&check));
    let said = stderr(&check);
    assert!(
        said.contains("mdl-tolerance.csv: left by an earlier run, would be removed"),
        "{said}"
    );
    ok(&bundled(&work, &["-q"]));
    assert!(!work.join("out/sae-sweeps/mdl-tolerance.csv").exists());
    assert!(!artifact(&work, "manifest.json").contains("mdl-tolerance.csv"));
    ok(&bundled(&work, &["--check"]));
}

#[test]
fn format_csv_prints_the_table_then_a_blank_line_and_the_tolerance_rows() {
    let work = Workdir::new();
    let output = bundled(
        &work,
        &["--format", "csv", "--tolerance", "3e-3", "--tolerance", "1e-9"],
    );
    ok(&output);
    let table = artifact(&work, "mdl-table.csv");
    let tolerance = artifact(&work, "mdl-tolerance.csv");
    assert_eq!(stdout(&output), format!("{table}\n{tolerance}"));
    let plain = bundled(&work, &["--format", "csv", "--out", "plain"]);
    ok(&plain);
    assert_eq!(
        stdout(&plain),
        String::from_utf8(read(work.join("plain/mdl-table.csv"))).unwrap()
    );
}

#[test]
fn format_latex_prints_the_tex_with_a_column_per_epsilon() {
    let work = Workdir::new();
    let output = bundled(
        &work,
        &["--format", "latex", "--tolerance", "3e-3", "--tolerance", "1e-9"],
    );
    ok(&output);
    let tex = artifact(&work, "mdl-table.tex");
    assert_eq!(stdout(&output), tex);
    assert!(tex.contains("\\begin{tabular}{rlrrrr}"), "{tex}");
    assert!(
        tex.contains(
            "DL (bits) & $\\mathrm{DL}_{\\varepsilon=3\\cdot10^{-3}}$ & $\\mathrm{DL}_{\\varepsilon=10^{-9}}$ \\\\"
        ),
        "{tex}"
    );
    let rows: Vec<&str> = (tex.lines())
        .skip_while(|line| *line != "\\midrule")
        .skip(1)
        .take_while(|line| *line != "\\bottomrule")
        .filter(|line| *line != "\\addlinespace")
        .collect();
    assert_eq!(rows.len(), 9, "{tex}");
    for row in rows {
        let cells: Vec<&str> = row.trim_end_matches(" \\\\").split(" & ").collect();
        assert_eq!(cells.len(), 6, "{row}");
        // A number padded to the column's widest fraction: its digits before `\phantom`.
        let number = cells[4].split("\\phantom").next().unwrap();
        assert!(
            number.parse::<f64>().is_ok(),
            "every group has a run within 3e-3: {row}"
        );
        assert_eq!(
            cells[5], "\\multicolumn{1}{c}{--}",
            "no run is within 1e-9: {row}"
        );
    }
}

#[test]
fn format_json_prints_the_tolerance_rows_too() {
    let work = Workdir::new();
    let output = bundled(
        &work,
        &["--format", "json", "--tolerance", "3e-3", "--tolerance", "1e-9"],
    );
    ok(&output);
    assert_eq!(stdout(&output), artifact(&work, "mdl-table.json"));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["settings"]["tolerances"], serde_json::json!([3e-3, 1e-9]));
    let tolerance = csv_rows(&artifact(&work, "mdl-tolerance.csv"));
    let groups = json["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 9);
    for (group, rows) in groups.iter().zip(tolerance.chunks(2)) {
        let at = group["at_tolerance"].as_array().unwrap();
        assert_eq!(at.len(), 2, "{group}");
        assert_eq!(at[0]["tolerance"], 3e-3);
        let bits = at[0]["run"]["dl_bits"].as_f64().unwrap();
        assert_eq!(bits, rows[0]["MDL(epsilon)"].parse::<f64>().unwrap(), "{group}");
        assert!(at[1]["run"].is_null(), "{group}");
    }
}
