//! Lost data is never silent: skipped runs, groups without a usable error and asked-for
//! layers without runs are warned about on stderr even with `--quiet` (which silences
//! progress and the table, not data), and `--strict` makes each one an error.

use crate::support;

use support::*;

const HEADER: &str = "\"Name\",\"l0_norm\",\"l2_loss\"";

fn export(rows: &[String]) -> String {
    let mut text = HEADER.to_string();
    for row in rows {
        text.push('\n');
        text.push_str(row);
    }
    text
}

fn run(name: &str, l0: &str, error: &str) -> String {
    format!("\"{name}\",\"{l0}\",\"{error}\"")
}

#[test]
fn skipped_runs_are_warned_about_with_quiet() {
    let work = Workdir::new();
    // 7 of 12 runs (58 %) have names the grammar cannot read.
    let mut rows: Vec<String> = (0..5)
        .map(|i| run(&format!("r{i}_12288_topk_{}_0", 32 << i), "10", "0.5"))
        .collect();
    rows.extend((0..7).map(|i| run(&format!("icy-pine-{i}"), "10", "0.1")));
    work.write("a.csv", export(&rows));
    let output = work.run(&["--export", "6=a.csv", "-q"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
    let err = stderr(&output);
    assert!(
        err.starts_with("warning: skipped 7 run(s)\n  a.csv:7: run \"icy-pine-0\""),
        "{err}"
    );
    let strict = work.run(&["--export", "6=a.csv", "-q", "--strict"]);
    assert_eq!(strict.status.code(), Some(3), "{}", stderr(&strict));
}

#[test]
fn a_group_without_a_usable_error_is_a_warning_and_under_strict_an_error() {
    let work = Workdir::new();
    let rows = [
        run("a_12288_topk_32_0", "10", "0.5"),
        run("b_12288_relu_32_0", "10", "NaN"),
        run("c_12288_relu_32_0", "12", ""),
    ];
    work.write("a.csv", export(&rows));
    let output = work.run(&["--export", "6=a.csv", "-q"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let line = "warning: layer 6 activation \"relu\": none of its 2 run(s) has a usable l2_loss; the group is left out";
    assert_eq!(stderr(&output).lines().collect::<Vec<_>>(), vec![line]);
    let note = line.trim_start_matches("warning: ");
    let report = std::fs::read_to_string(work.join("out/exports/mdl-report.md")).unwrap();
    assert!(
        report.contains(&format!("## Data notes\n\n- {note}\n")),
        "{report}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(work.join("out/exports/mdl-table.json")).unwrap())
            .unwrap();
    assert_eq!(json["data_notes"], serde_json::json!([note]));
    let strict = work.run(&["--export", "6=a.csv", "-q", "--strict", "--out", "strict"]);
    assert_eq!(strict.status.code(), Some(5), "{}", stderr(&strict));
    assert_eq!(
        stderr(&strict),
        format!("error: --strict: {note}\n"),
        "the problem said once, as the error"
    );
    assert!(!work.join("strict/mdl-table.md").exists());
}

#[test]
fn an_asked_for_layer_without_runs_is_a_warning_and_under_strict_an_error() {
    let work = Workdir::new();
    work.write("a.csv", export(&[run("a_12288_topk_32_0", "10", "0.5")]));
    let output = work.run(&["--export", "6=a.csv", "--layers", "6,9", "-q"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("warning: no run in layer 9: the table has no row for it"),
        "{}",
        stderr(&output)
    );
    let strict = work.run(&["--export", "6=a.csv", "--layers", "6,9", "-q", "--strict"]);
    assert_eq!(strict.status.code(), Some(5), "{}", stderr(&strict));
    let clean = work.run(&["--export", "6=a.csv", "--layers", "6", "-q", "--strict"]);
    assert!(
        clean.status.success() && stderr(&clean).is_empty(),
        "{}",
        stderr(&clean)
    );
}
