//! The markdown table must be laid out exactly as Python's `tabulate(tablefmt="github")` lays out the notebook's DataFrame, also for values the seed's table never had.
//!
//! Inputs and expected outputs live in `fixtures/tabulate/`, made once by
//! `scripts/tabulate_fixtures.py` with the real tabulate and committed; this test needs
//! no Python.

use crate::support;

use std::path::PathBuf;

use mdl_fetch::emit::github_table::{refusal, render, Cell};
use serde_json::Value;

fn fixtures() -> PathBuf {
    support::root().join("fixtures/tabulate")
}

struct Case {
    name: String,
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
    /// mdl-fetch refuses the table rather than print what tabulate printed.
    refused: bool,
}

/// One cell of `cases.json`: ints as JSON integers, text as strings, floats as Python reprs.
fn cell(value: &Value, kind: &str, case: &str) -> Cell {
    match kind {
        "int" => Cell::Int(value.as_i64().unwrap_or_else(|| panic!("{case}: int {value}"))),
        "text" => Cell::Text(value.as_str().unwrap().to_string()),
        "float" => {
            let repr = value.as_str().unwrap_or_else(|| panic!("{case}: float {value}"));
            Cell::Float(repr.parse().unwrap_or_else(|_| panic!("{case}: float {repr:?}")))
        }
        other => panic!("{case}: unknown column type {other:?}"),
    }
}

fn load_cases() -> Vec<Case> {
    let text = std::fs::read_to_string(fixtures().join("cases.json")).unwrap();
    let document: Value = serde_json::from_str(&text).unwrap();
    document["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| {
            let name = case["name"].as_str().unwrap().to_string();
            let strings = |key: &str| -> Vec<String> {
                case[key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect()
            };
            let headers = strings("headers");
            let types = strings("types");
            assert_eq!(headers.len(), types.len(), "{name}");
            let rows = case["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| {
                    let row = row.as_array().unwrap();
                    assert_eq!(row.len(), types.len(), "{name}: row width");
                    row.iter()
                        .zip(&types)
                        .map(|(value, kind)| cell(value, kind, &name))
                        .collect()
                })
                .collect();
            let refused = match case.get("mdl_fetch").and_then(Value::as_str) {
                None => false,
                Some("refuses") => true,
                Some(other) => panic!("{name}: unknown mdl_fetch {other:?}"),
            };
            Case {
                name,
                headers,
                rows,
                refused,
            }
        })
        .collect()
}

#[test]
fn every_case_matches_tabulate_byte_for_byte() {
    let cases = load_cases();
    assert!(cases.len() >= 40, "cases.json lost its cases");
    assert!(cases.iter().filter(|case| case.refused).count() >= 8);
    let mut failures = Vec::new();
    for case in &cases {
        let expected = std::fs::read_to_string(fixtures().join(format!("{}.md", case.name)))
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let headers: Vec<&str> = case.headers.iter().map(String::as_str).collect();
        let refused = refusal(&headers, &case.rows);
        if refused.is_some() != case.refused {
            failures.push(format!(
                "case {}: refused {refused:?}, expected {}",
                case.name, case.refused
            ));
            continue;
        }
        let actual = render(&headers, &case.rows);
        if !case.refused && actual != expected {
            failures.push(format!(
                "case {}:\n--- tabulate\n{expected}--- mdl-fetch\n{actual}",
                case.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_fixture_file_has_a_case() {
    let names: Vec<String> = load_cases().into_iter().map(|case| case.name).collect();
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "md") {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            assert!(
                names.contains(&stem),
                "{} has no case in cases.json",
                path.display()
            );
        }
    }
}

/// The seed case is the notebook's own table (first rows): the fixture generator and the
/// seed agree, so the fixtures were made with a tabulate that lays out like the notebook's.
#[test]
fn the_seed_case_agrees_with_the_notebooks_printed_table() {
    let seed = std::fs::read_to_string(fixtures().join("seed.md")).unwrap();
    let lines: Vec<&str> = seed.lines().collect();
    assert_eq!(
        lines[0],
        "|   layer | activation   |   tolerance |   MDL(tolerance) |"
    );
    assert_eq!(
        lines[1],
        "|---------|--------------|-------------|------------------|"
    );
    assert_eq!(
        lines[2],
        "|       6 | batchtopk    | 0.000165076 |          21079   |"
    );
}
