//! Cells, k and whole exports read as the seed notebook's pandas and Python read them.
//!
//! `fixtures/notebook/` was made by `scripts/notebook_fixtures.py` with the real pandas,
//! `int()` and tabulate: metric cells as `pd.read_csv` reads them (pandas' NA spellings
//! as NaN), texts as `int()` and `float()` read them, and small exports run through the
//! notebook's own code with the table it printed. This test needs no Python.

use crate::support;

use mdl_fetch::pynum::{self, PyInt};
use mdl_fetch::read::cells::number;
use serde_json::Value;
use support::*;

fn fixture(name: &str) -> Vec<Value> {
    let path = root().join("fixtures/notebook").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let document: Value = serde_json::from_str(&text).unwrap();
    let key = name.trim_end_matches(".json");
    document[key].as_array().unwrap().clone()
}

/// A Python float `repr` as a float.
fn python_float(repr: &str) -> f64 {
    repr.parse().unwrap_or_else(|_| panic!("repr {repr:?}"))
}

fn same_float(ours: f64, repr: &str) -> bool {
    let theirs = python_float(repr);
    ours.to_bits() == theirs.to_bits() || (ours.is_nan() && theirs.is_nan())
}

#[test]
fn metric_cells_read_as_pandas_reads_them() {
    let cells = fixture("cells.json");
    assert!(cells.len() >= 60, "cells.json lost its cells");
    let mut wrong = Vec::new();
    for cell in &cells {
        let text = cell["cell"].as_str().unwrap();
        let pandas = cell["pandas"].as_str().unwrap();
        let ours = number(text.as_bytes(), "cells.json", 2, "l2_loss").ok();
        let agrees = match (pandas, ours) {
            ("text", None) => true,
            ("text", Some(_)) | (_, None) => false,
            ("nan", Some(value)) => value.is_nan(),
            (repr, Some(value)) => same_float(value, repr),
        };
        if !agrees {
            wrong.push(format!("{text:?}: pandas {pandas}, mdl-fetch {ours:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn texts_read_as_pythons_int_and_float_read_them() {
    let ints = fixture("ints.json");
    assert!(ints.len() >= 30, "ints.json lost its texts");
    let mut wrong = Vec::new();
    for item in &ints {
        let text = item["text"].as_str().unwrap();
        let int_ok = match (item["int"].as_str(), pynum::int(text)) {
            (None, None) => true,
            (Some(python), Some(PyInt::Small(ours))) => python == ours.to_string(),
            (Some(python), Some(PyInt::Big)) => python.parse::<i64>().is_err(),
            _ => false,
        };
        let float_ok = match (item["float"].as_str(), pynum::float(text)) {
            (None, None) => true,
            (Some(python), Some(ours)) => same_float(ours, python),
            _ => false,
        };
        if !int_ok || !float_ok {
            let shown: String = text.chars().take(40).collect();
            wrong.push(format!("{shown:?}: int {int_ok}, float {float_ok}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Runs one case's export as layer 6 in a folder of its own.
fn run_case(case: &Value) -> (std::process::Output, String) {
    let name = case["name"].as_str().unwrap();
    let work = Workdir::new();
    let file = format!("{name}.csv");
    let export = work.write(&file, case["csv"].as_str().unwrap());
    let out = work.join("out");
    let output = work.run(&[
        "--export",
        &format!("6={}", export.display()),
        "--out",
        &out.display().to_string(),
    ]);
    let table = std::fs::read_to_string(out.join("mdl-table.md")).unwrap_or_default();
    (output, table)
}

#[test]
fn exports_give_the_notebooks_table_or_a_refusal_on_the_line() {
    let cases = fixture("cases.json");
    assert!(cases.len() >= 10, "cases.json lost its cases");
    let mut wrong = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let (output, table) = run_case(case);
        let err = stderr(&output);
        match case["outcome"].as_str().unwrap() {
            "matches" => {
                let path = root().join(format!("fixtures/notebook/{name}.md"));
                let expected = std::fs::read_to_string(path).unwrap();
                if !output.status.success() || stdout(&output) != expected || table != expected {
                    wrong.push(format!(
                        "{name}:\n--- notebook\n{expected}--- mdl-fetch\n{}{err}",
                        stdout(&output)
                    ));
                }
            }
            "refuses" => {
                let line = case["line"].as_u64().unwrap();
                let place = format!("{name}.csv:{line}:");
                if output.status.code() != Some(3) || !err.contains(&place) || !table.is_empty() {
                    wrong.push(format!(
                        "{name}: expected exit 3 naming {place}, got {:?}: {err}",
                        output.status.code()
                    ));
                }
            }
            other => panic!("{name}: unknown outcome {other:?}"),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_table_fixture_has_a_case() {
    let names: Vec<String> = (fixture("cases.json").iter())
        .map(|case| case["name"].as_str().unwrap().to_string())
        .collect();
    for entry in std::fs::read_dir(root().join("fixtures/notebook")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "md") {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            assert!(names.contains(&stem), "{} has no case", path.display());
        }
    }
}
