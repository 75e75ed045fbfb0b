//! Bad exports, profiles and flags must fail cleanly: the documented exit code, one `error:` line naming the file (and line), no panic, and the previous artifacts left exactly as they were.
//!
//! Good-but-odd inputs (BOM, CRLF, unquoted cells, ...) are in a second table: they must
//! succeed, which also shows the artifact check can tell a run that wrote from one that
//! did not.

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;

use support::*;

const HEADER: &str = "\"Name\",\"l0_norm\",\"l2_loss\"";
const USAGE: i32 = 2;
const INPUT: i32 = 3;
const EMPTY: i32 = 5;

/// One bad input: files to create in the work dir, the arguments (`--out out` is added),
/// the exit code, and what the single error line must contain.
struct Bad {
    name: &'static str,
    files: Vec<(&'static str, Vec<u8>)>,
    args: Vec<&'static str>,
    code: i32,
    stderr: Vec<&'static str>,
}

fn bad(
    name: &'static str,
    files: &[(&'static str, &[u8])],
    args: &[&'static str],
    code: i32,
    stderr: &[&'static str],
) -> Bad {
    Bad {
        name,
        files: files.iter().map(|(n, c)| (*n, c.to_vec())).collect(),
        args: args.to_vec(),
        code,
        stderr: stderr.to_vec(),
    }
}

/// An export with the seed's header and these data lines.
fn export(rows: &[&str]) -> Vec<u8> {
    let mut text = HEADER.to_string();
    for row in rows {
        text.push('\n');
        text.push_str(row);
    }
    text.into_bytes()
}

const GOOD_ROW: &str = "\"blocks.6.hook_resid_pre_12288_topk_32_0.0\",\"31.9\",\"0.068\"";

fn bad_cases() -> Vec<Bad> {
    let good = export(&[GOOD_ROW]);
    let mut invalid_name = export(&[]);
    invalid_name.extend_from_slice(b"\n\"a_to\xffpk_32_0\",\"1\",\"2\"");
    let mut invalid_header = b"\"Na\xffme\",\"l0_norm\",\"l2_loss\"\n".to_vec();
    invalid_header.extend_from_slice(GOOD_ROW.as_bytes());
    vec![
        bad(
            "empty file",
            &[("a.csv", b"")],
            &["--export", "6=a.csv"],
            INPUT,
            &["a.csv:1:", "empty"],
        ),
        bad(
            "header only",
            &[("a.csv", &export(&[]))],
            &["--export", "6=a.csv"],
            EMPTY,
            &["a.csv:1:", "header but no runs"],
        ),
        bad(
            "header only, with a newline",
            &[("a.csv", format!("{HEADER}\r\n").as_bytes())],
            &["--export", "6=a.csv"],
            EMPTY,
            &["a.csv:1:", "header but no runs"],
        ),
        bad(
            "missing Name column",
            &[(
                "a.csv",
                b"\"name\",\"l0_norm\",\"l2_loss\"\n\"a_topk_32_0\",\"1\",\"2\"",
            )],
            &["--export", "6=a.csv"],
            INPUT,
            &["a.csv:1:", "no \"Name\" column", "columns.name"],
        ),
        bad(
            "missing l2_loss column",
            &[("a.csv", b"\"Name\",\"l0_norm\"\n\"a_topk_32_0\",\"1\"")],
            &["--export", "6=a.csv"],
            INPUT,
            &["a.csv:1:", "no \"l2_loss\" column"],
        ),
        bad(
            "missing l0_norm column",
            &[("a.csv", b"\"Name\",\"l2_loss\"\n\"a_topk_32_0\",\"1\"")],
            &["--export", "6=a.csv"],
            INPUT,
            &["a.csv:1:", "no \"l0_norm\" column"],
        ),
        bad(
            "duplicate header",
            &[(
                "a.csv",
                b"\"Name\",\"l0_norm\",\"l2_loss\",\"l0_norm\"\n\"a_topk_32_0\",\"1\",\"2\",\"3\"",
            )],
            &["--export", "6=a.csv"],
            INPUT,
            &["a.csv:1:", "\"l0_norm\" appears twice"],
        ),
        bad(
            "header not UTF-8",
            &[("a.csv", &invalid_header)],
            &["--export", "6=a.csv"],
            INPUT,
            &["a.csv:1:", "UTF-8"],
        ),
        bad(
            "unterminated quote in the last row",
            &[("a.csv", &export(&[GOOD_ROW, "\"a_topk_64_0\",\"1\",\"0.5"]))],
            &["--export", "6=a.csv"],
            INPUT,
            &["a.csv:3:", "never closed"],
        ),
        bad(
            "unterminated quote mid-file",
            &[(
                "a.csv",
                &export(&[GOOD_ROW, "\"a_topk_64_0,\"1\",\"0.5\"", GOOD_ROW]),
            )],
            &["--export", "6=a.csv"],
            INPUT,
            &["a.csv:3:"],
        ),
        bad(
            "invalid UTF-8 in a name",
            &[("a.csv", &invalid_name)],
            &["--export", "6=a.csv"],
            INPUT,
            &["a.csv:2:", "\"Name\"", "UTF-8"],
        ),
        bad(
            "non-numeric L0",
            &[("a.csv", &export(&[GOOD_ROW, "\"a_topk_64_0\",\"many\",\"0.5\""]))],
            &["--export", "6=a.csv"],
            INPUT,
            &["a.csv:3:", "l0_norm value \"many\" is not a number"],
        ),
        bad(
            "non-numeric l2",
            &[("a.csv", &export(&["\"a_topk_64_0\",\"1\",\"0.5x\""]))],
            &["--export", "6=a.csv"],
            INPUT,
            &["a.csv:2:", "l2_loss value \"0.5x\" is not a number"],
        ),
        bad(
            "k not an integer, the only row",
            &[(
                "a.csv",
                &export(&["\"blocks.6.hook_resid_pre_12288_topk_3x2_0.0\",\"1\",\"0.5\""]),
            )],
            &["--export", "6=a.csv"],
            EMPTY,
            &["nothing to tabulate", "a.csv:2:", "\"3x2\" is not an integer"],
        ),
        bad(
            "too few name parts",
            &[("a.csv", &export(&["\"topk_32\",\"1\",\"0.5\""]))],
            &["--export", "6=a.csv"],
            EMPTY,
            &["nothing to tabulate", "a.csv:2:", "too few"],
        ),
        bad(
            "unmapped layer: no LAYER=, no layer column, no blocks.N. in the name",
            &[("a.csv", &export(&[&GOOD_ROW.replace("blocks.6.", "")]))],
            &["--export", "a.csv"],
            EMPTY,
            &["nothing to tabulate", "a.csv:2:", "no layer"],
        ),
        bad(
            "every run skipped across files names the first",
            &[
                (
                    "a.csv",
                    &export(&["\"x_topk_y_0\",\"1\",\"0.5\"", "\"topk\",\"1\",\"0.5\""]),
                ),
                ("b.csv", &export(&["\"z\",\"1\",\"0.5\""])),
            ],
            &["--export", "6=a.csv", "--export", "7=b.csv"],
            EMPTY,
            &["all 3 run(s) were skipped", "first: a.csv:2:"],
        ),
        bad(
            "layer column not a whole number",
            &[(
                "a.csv",
                b"\"Name\",\"l0_norm\",\"l2_loss\",\"layer\"\n\"a_topk_32_0\",\"1\",\"2\",\"6.5\"",
            )],
            &["--export", "a.csv"],
            INPUT,
            &["a.csv:2:", "layer value \"6.5\""],
        ),
        bad(
            "--strict turns a skip into an error",
            &[("a.csv", &export(&[GOOD_ROW, "\"topk_32\",\"1\",\"0.5\""]))],
            &["--export", "6=a.csv", "--strict"],
            INPUT,
            &["a.csv:3:", "--strict"],
        ),
        bad(
            "unknown profile key",
            &[
                ("typo.toml", b"layers = [6]\n[columns]\nnmae = \"Name\"\n"),
                ("a.csv", &good),
            ],
            &["--config", "typo.toml", "--export", "6=a.csv"],
            INPUT,
            &["typo.toml:3:", "unknown field `nmae`"],
        ),
        bad(
            "profile key of the wrong type",
            &[
                ("wrong.toml", b"layers = [6]\nbits = \"seven\"\n"),
                ("a.csv", &good),
            ],
            &["--config", "wrong.toml", "--export", "6=a.csv"],
            INPUT,
            &["wrong.toml:2:", "invalid type"],
        ),
        bad(
            "profile that is not TOML",
            &[("broken.toml", b"layers = [6]\nbits = \n"), ("a.csv", &good)],
            &["--config", "broken.toml", "--export", "6=a.csv"],
            INPUT,
            &["broken.toml:2:", "bad profile"],
        ),
        bad(
            "missing profile",
            &[("a.csv", &good)],
            &["--config", "nope.toml", "--export", "6=a.csv"],
            USAGE,
            &["--config nope.toml: no such file (looked in <work>)"],
        ),
        bad(
            "missing export path",
            &[],
            &["--export", "6=nope.csv"],
            INPUT,
            &["nope.csv", "cannot open"],
        ),
        bad(
            "missing bundled export",
            &[("p.toml", b"[[exports]]\nlayer = 6\npath = \"gone.csv\"\n")],
            &["--config", "p.toml", "--offline"],
            INPUT,
            &["gone.csv", "cannot open"],
        ),
        bad(
            "export is a folder",
            &[("dir/x", b"")],
            &["--export", "6=dir"],
            INPUT,
            &["dir", "cannot"],
        ),
        bad(
            "--export x=a.csv: a bad layer",
            &[("a.csv", &good)],
            &["--export", "x=a.csv"],
            USAGE,
            &["--export x=a.csv", "\"x\" is not a layer number"],
        ),
        bad(
            "--export 6= has no path",
            &[("a.csv", &good)],
            &["--export", "6="],
            USAGE,
            &["--export 6=", "no path"],
        ),
        bad(
            "row with too many fields",
            &[(
                "a.csv",
                &export(&[GOOD_ROW, "\"a_topk_64_0\",\"1\",\"0.5\",\"extra\""]),
            )],
            &["--export", "6=a.csv"],
            INPUT,
            &["a.csv:3:", "row has 4 fields but the header has 3"],
        ),
        bad(
            "row with too few fields",
            &[("a.csv", &export(&["\"a_topk_64_0\",\"1\"", GOOD_ROW]))],
            &["--export", "6=a.csv"],
            INPUT,
            &["a.csv:2:", "row has 2 fields but the header has 3"],
        ),
        bad(
            "--bits -1",
            &[("a.csv", &good)],
            &["--export", "6=a.csv", "--bits", "-1"],
            USAGE,
            &["--bits -1", ">= 0"],
        ),
        bad(
            "--bits NaN",
            &[("a.csv", &good)],
            &["--export", "6=a.csv", "--bits", "NaN"],
            USAGE,
            &["--bits NaN"],
        ),
        bad(
            "--timeout 0",
            &[("a.csv", &good)],
            &["--export", "6=a.csv", "--timeout", "0"],
            USAGE,
            &["--timeout 0", "more than 0"],
        ),
        bad(
            "--dict-size 0",
            &[("a.csv", &good)],
            &["--export", "6=a.csv", "--dict-size", "0"],
            USAGE,
            &["--dict-size 0"],
        ),
        bad(
            "no usable l2 at all",
            &[(
                "a.csv",
                &export(&["\"a_topk_32_0\",\"1\",\"\"", "\"a_topk_64_0\",\"1\",\"NaN\""]),
            )],
            &["--export", "6=a.csv"],
            EMPTY,
            &["nothing to tabulate", "2 run(s) read", "usable l2_loss"],
        ),
        bad(
            "no run in the wanted layers",
            &[("a.csv", &good)],
            &["--export", "6=a.csv", "--layers", "9"],
            EMPTY,
            &["nothing to tabulate", "none in layers 9", "the runs read are in layers 6"],
        ),
        bad(
            "a layer-7 export given as layer 6, by the names",
            &[
                ("l7.csv", &export(&[&GOOD_ROW.replace("blocks.6.", "blocks.7.")])),
                ("p.toml", b"[name]\nlayer_regex = '^blocks\\.(\\d+)\\.'\n"),
            ],
            &["--config", "p.toml", "--export", "6=l7.csv"],
            INPUT,
            &["l7.csv:2:", "layer 7 by its name", "given as layer 6", "--export 7=PATH"],
        ),
        bad(
            "a layer-7 export given as layer 6, by a layer column",
            &[("c7.csv", b"\"Name\",\"l0_norm\",\"l2_loss\",\"layer\"\n\"a_12288_topk_64_0\",\"10\",\"0.5\",\"6\"\n\"b_12288_topk_64_0\",\"10\",\"0.5\",\"7.0\"\n")],
            &["--export", "6=c7.csv"],
            INPUT,
            &["c7.csv:3:", "layer 7 by its layer column", "given as layer 6"],
        ),
    ]
}

/// Artifacts a previous run left in `out/`.
const PREVIOUS: [(&str, &str); 3] = [
    ("mdl-table.md", "| previous | table |\n"),
    ("mdl-table.csv", "layer,activation\n6,previous\n"),
    ("runs.csv", "file,line\nprevious.csv,2\n"),
];

fn with_previous_artifacts() -> Workdir {
    let work = Workdir::new();
    for (name, text) in PREVIOUS {
        work.write(&format!("out/{name}"), text);
    }
    work
}

/// Every file under `dir` (names relative to it, hidden ones included) and its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let bytes = if entry.file_type().unwrap().is_dir() {
            b"<dir>".to_vec()
        } else {
            std::fs::read(entry.path()).unwrap()
        };
        files.insert(name, bytes);
    }
    files
}

/// What one run of a case did: exit code, stderr, and what went wrong besides.
struct Ran {
    code: i32,
    stderr: String,
    faults: Vec<String>,
}

fn run_case(case: &Bad, quiet: bool) -> Ran {
    let work = with_previous_artifacts();
    for (name, contents) in &case.files {
        work.write(name, contents);
    }
    let before = snapshot(&work.join("out"));
    assert_eq!(before.len(), PREVIOUS.len());
    let mut args = case.args.clone();
    args.extend(["--out", "out"]);
    if quiet {
        args.push("--quiet");
    }
    let output = work.run(&args);
    let mut faults = Vec::new();
    if !output.stdout.is_empty() {
        faults.push(format!("printed a table: {:?}", stdout(&output)));
    }
    let after = snapshot(&work.join("out"));
    if after != before {
        let names: Vec<_> = after.keys().collect();
        faults.push(format!("out/ changed, now holds {names:?}"));
    }
    // An error may name the work folder, which differs between the loud and quiet runs.
    let real = std::fs::canonicalize(work.path()).unwrap();
    Ran {
        code: output.status.code().unwrap_or(-1),
        stderr: stderr(&output).replace(&real.display().to_string(), "<work>"),
        faults,
    }
}

#[test]
fn bad_inputs_fail_with_one_error_line_and_leave_artifacts_alone() {
    let cases = bad_cases();
    assert!(cases.len() >= 15);
    let mut problems = Vec::new();
    for case in &cases {
        let loud_run = run_case(case, false);
        let quiet_run = run_case(case, true);
        let (code, loud) = (loud_run.code, loud_run.stderr.as_str());
        let (quiet_code, quiet) = (quiet_run.code, quiet_run.stderr.as_str());
        let mut fault = |what: String| problems.push(format!("{}: {what}\n  stderr: {loud:?}", case.name));
        for what in loud_run.faults.iter().chain(&quiet_run.faults) {
            fault(what.clone());
        }
        if loud.contains("panicked") || quiet.contains("panicked") {
            fault("panicked".into());
            continue;
        }
        if code != case.code || quiet_code != case.code {
            fault(format!(
                "exit {code} (quiet {quiet_code}), expected {}",
                case.code
            ));
        }
        // With --quiet, stderr is the error line, after nothing but notes and warnings about
        // the data (which --quiet does not silence).
        let quiet_lines: Vec<&str> = quiet.lines().collect();
        let Some((&error, notes)) = quiet_lines.split_last() else {
            fault("--quiet stderr is empty".into());
            continue;
        };
        if !error.starts_with("error: ")
            || !quiet.ends_with('\n')
            || !notes
                .iter()
                .all(|l| l.starts_with("note: ") || l.starts_with("warning: ") || l.starts_with("  "))
        {
            fault(format!(
                "--quiet stderr is not one `error: ` line after notes: {quiet:?}"
            ));
            continue;
        }
        for wanted in &case.stderr {
            if !error.contains(wanted) {
                fault(format!("error line lacks {wanted:?}"));
            }
        }
        // Without it, the same line comes last, after nothing but warnings.
        let lines: Vec<&str> = loud.lines().collect();
        if lines.last() != Some(&error) {
            fault("the error is not the last line without --quiet".into());
        }
        let others = &lines[..lines.len().saturating_sub(1)];
        if let Some(stray) = others.iter().find(|line| {
            !(line.starts_with("warning: ") || line.starts_with("note: ") || line.starts_with("  "))
        }) {
            fault(format!("stray stderr line {stray:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A skipped run is a warning that names file:line, and the run still succeeds.
#[test]
fn skipped_runs_are_warned_about_with_their_place() {
    let work = Workdir::new();
    work.write("a.csv", export(&[GOOD_ROW, "\"topk_32\",\"1\",\"0.5\""]));
    let output = work.run(&["--export", "6=a.csv", "--out", "out"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.starts_with("warning: skipped 1 run(s)"), "{err}");
    assert!(err.contains("a.csv:3: run \"topk_32\""), "{err}");
    let (warnings, closing) = err.split_at(err.find("wrote out/ (").expect("a closing line"));
    assert_eq!(closing.lines().count(), 1, "{err}");
    let quiet = work.run(&["--export", "6=a.csv", "--out", "out", "--quiet"]);
    assert!(quiet.status.success());
    assert_eq!(
        stderr(&quiet),
        warnings,
        "--quiet keeps the warnings about the data"
    );
}

/// One odd but valid input and the table rows it must give: (layer, activation, run, tolerance).
struct Good {
    name: &'static str,
    files: Vec<(&'static str, Vec<u8>)>,
    args: Vec<&'static str>,
    rows: Vec<[&'static str; 4]>,
}

fn good(
    name: &'static str,
    files: &[(&'static str, &[u8])],
    args: &[&'static str],
    rows: &[[&'static str; 4]],
) -> Good {
    Good {
        name,
        files: files.iter().map(|(n, c)| (*n, c.to_vec())).collect(),
        args: args.to_vec(),
        rows: rows.to_vec(),
    }
}

fn good_cases() -> Vec<Good> {
    vec![
        good(
            "CRLF line ends and a UTF-8 BOM",
            &[(
                "a.csv",
                b"\xef\xbb\xbf\"Name\",\"l0_norm\",\"l2_loss\"\r\n\"a_topk_32_0\",\"1\",\"0.25\"\r\n\"a_topk_64_0\",\"2\",\"0.5\"\r\n",
            )],
            &["--export", "6=a.csv"],
            &[["6", "topk", "a_topk_32_0", "0.25"]],
        ),
        good(
            "BOM before an unquoted header",
            &[("a.csv", b"\xef\xbb\xbfName,l0_norm,l2_loss\na_topk_32_0,1,0.25")],
            &["--export", "6=a.csv"],
            &[["6", "topk", "a_topk_32_0", "0.25"]],
        ),
        good(
            "unquoted cells, blank lines and a trailing newline",
            &[("a.csv", b"Name,l0_norm,l2_loss\n\na_topk_32_0,1,0.5\n\na_relu_1_0, 2 ,0.125\n")],
            &["--export", "7=a.csv"],
            &[["7", "relu", "a_relu_1_0", "0.125"], ["7", "topk", "a_topk_32_0", "0.5"]],
        ),
        good(
            "escaped quotes and a comma inside a name",
            &[("a.csv", &export(&["\"a,b_t\"\"k_32_0\",\"1\",\"0.5\""]))],
            &["--export", "6=a.csv"],
            &[["6", "t\"k", "a,b_t\"k_32_0", "0.5"]],
        ),
        good(
            "columns reordered, extra columns, a layer column",
            &[(
                "a.csv",
                b"\"_wandb\",\"l2_loss\",\"layer\",\"Name\",\"l0_norm\"\n\"\",\"0.5\",\"6\",\"a_topk_32_0\",\"1\"\n\"{}\",\"0.25\",\"7.0\",\"b_topk_32_0\",\"1\"",
            )],
            &["--export", "a.csv"],
            &[["6", "topk", "a_topk_32_0", "0.5"], ["7", "topk", "b_topk_32_0", "0.25"]],
        ),
        good(
            "NaN, Infinity and empty errors lose to any number",
            &[(
                "a.csv",
                &export(&[
                    "\"a_topk_32_0\",\"1\",\"NaN\"",
                    "\"b_topk_32_0\",\"1\",\"\"",
                    "\"c_topk_32_0\",\"1\",\"Infinity\"",
                    "\"d_topk_32_0\",\"1\",\"1e300\"",
                ]),
            )],
            &["--export", "6=a.csv"],
            &[["6", "topk", "d_topk_32_0", "1e+300"]],
        ),
        good(
            "a file whose name holds '=' is still a path",
            &[("x=a.csv", &export(&[GOOD_ROW]))],
            &["--export", "x=a.csv", "--layers", "6", "--config", "p.toml"],
            &[["6", "topk", "blocks.6.hook_resid_pre_12288_topk_32_0.0", "0.068"]],
        ),
        good(
            "a header-only file beside a good one",
            &[("a.csv", &export(&[])), ("b.csv", &export(&[GOOD_ROW]))],
            &["--export", "6=a.csv", "--export", "6=b.csv"],
            &[["6", "topk", "blocks.6.hook_resid_pre_12288_topk_32_0.0", "0.068"]],
        ),
        good(
            "--bits=0 is allowed",
            &[("a.csv", &export(&[GOOD_ROW]))],
            &["--export", "6=a.csv", "--bits", "0"],
            &[["6", "topk", "blocks.6.hook_resid_pre_12288_topk_32_0.0", "0.068"]],
        ),
    ]
}

fn read_table(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .records()
        .map(|record| record.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn odd_but_valid_inputs_succeed_and_replace_the_artifacts() {
    for case in good_cases() {
        let work = with_previous_artifacts();
        work.write("p.toml", "[name]\nlayer_regex = '^blocks\\.(\\d+)\\.'\n");
        for (name, contents) in &case.files {
            work.write(name, contents);
        }
        let mut args = case.args.clone();
        args.extend(["--out", "out", "--quiet"]);
        let output = work.run(&args);
        assert!(output.status.success(), "{}: {}", case.name, stderr(&output));
        assert_eq!(stderr(&output), "", "{}", case.name);
        let rows: Vec<[String; 4]> = read_table(&work.join("out/mdl-table.csv"))
            .into_iter()
            .map(|row| [row[0].clone(), row[1].clone(), row[4].clone(), row[2].clone()])
            .collect();
        let expected: Vec<[String; 4]> = case.rows.iter().map(|row| row.map(str::to_string)).collect();
        assert_eq!(rows, expected, "{}", case.name);
        let after = snapshot(&work.join("out"));
        for (name, previous) in PREVIOUS {
            assert_ne!(
                after[name],
                previous.as_bytes(),
                "{}: {name} not rewritten",
                case.name
            );
        }
        let temps: Vec<_> = after.keys().filter(|name| name.starts_with('.')).collect();
        assert!(temps.is_empty(), "{}: temp files left: {temps:?}", case.name);
    }
}
