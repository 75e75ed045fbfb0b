//! The real binary against a deliberately simple re-implementation of the seed's rules, on many generated sweeps full of ties, NaN, missing cells, bad names and stray layers.
//!
//! The oracle here re-reads nothing from the crate: it knows the values it generated and
//! applies the rules in the plainest way (split on `_`, activation = parts[-3],
//! k = int(parts[-2]); layer from `LAYER=`, else the `layer` column, else `blocks.N.` when
//! the sae-sweeps profile is in use; per (layer, activation) the smallest l2, NaN never
//! wins, first in input order wins a tie; rows by layer then activation by code point;
//! DL = L0 * (B + log2 D), D being the run's own dictionary size unless
//! `--fixed-dict-size`). A failing case prints its seed; `DIFF_SEED=n` reruns only it.

use crate::support;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use support::*;

const CASES: u64 = 160;
const DEFAULT_BITS: f64 = 7.0;
const DEFAULT_DICT: u64 = 12288;

/// A metric cell: the text written to the export and the value it stands for.
#[derive(Debug, Clone)]
struct Metric {
    text: String,
    value: f64,
}

fn metric(value: f64) -> Metric {
    Metric {
        text: format!("{value}"),
        value,
    }
}

fn missing() -> Metric {
    Metric {
        text: String::new(),
        value: f64::NAN,
    }
}

fn spelled(text: &str, value: f64) -> Metric {
    Metric {
        text: text.into(),
        value,
    }
}

#[derive(Debug, Clone)]
struct Run {
    name: String,
    l0: Metric,
    l2: Metric,
    /// The `layer` cell (when the file has the column) and the integer it holds.
    layer_cell: Option<(String, Option<i64>)>,
    /// The `dict_size` cell (when the file has the column) and what it holds.
    dict_cell: Option<(String, Option<u64>)>,
}

#[derive(Debug, Clone)]
struct Export {
    file: String,
    /// `--export LAYER=file` when set, else `--export file`.
    given_layer: Option<i64>,
    has_layer_column: bool,
    runs: Vec<Run>,
    /// Layout choices that must not matter.
    quote_all: bool,
    crlf: bool,
    bom: bool,
    trailing_newline: bool,
    column_order: Vec<&'static str>,
}

#[derive(Debug, Clone)]
struct Case {
    seed: u64,
    exports: Vec<Export>,
    sae_profile: bool,
    layers: Option<Vec<i64>>,
    bits: Option<f64>,
    dict_size: Option<u64>,
    fixed_dict_size: bool,
}

fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

/// Layers, mostly 6–8 but with strays the default layer set drops.
fn layer(rng: &mut fastrand::Rng) -> i64 {
    *pick(rng, &[6, 6, 7, 7, 8, 8, 0, 5, 9, 12, 31])
}

fn gen_metric_l2(rng: &mut fastrand::Rng) -> Metric {
    match rng.u32(0..100) {
        // A few shared values, so groups have ties.
        0..=44 => metric(*pick(rng, &[0.5, 0.25, 1e-5, 0.000165, 3.0, 0.0, 7.5e-7])),
        45..=49 => spelled("-0.0", -0.0),
        50..=74 => metric(rng.f64() * 10f64.powi(rng.i32(-8..3))),
        75..=82 => spelled("NaN", f64::NAN),
        83..=91 => missing(),
        92..=95 => spelled("Infinity", f64::INFINITY),
        96..=97 => spelled("-Infinity", f64::NEG_INFINITY),
        _ => spelled(" 0.5 ", 0.5),
    }
}

fn gen_metric_l0(rng: &mut fastrand::Rng) -> Metric {
    match rng.u32(0..100) {
        0..=69 => metric(rng.f64() * 4000.0),
        70..=84 => metric(rng.u32(1..9000) as f64),
        85..=91 => missing(),
        92..=95 => spelled("NaN", f64::NAN),
        _ => metric(0.0),
    }
}

const ACTIVATIONS: [&str; 9] = [
    "topk",
    "batchtopk",
    "topafa",
    "jumprelu",
    "ReLU",
    "Zeta",
    "ünit",
    "a",
    "top-k",
];

/// A run name: mostly well formed, sometimes too short, sometimes with a k that is no integer.
fn gen_name(rng: &mut fastrand::Rng, id: usize, activations: &[&str], name_layer: Option<i64>) -> String {
    let activation = pick(rng, activations);
    let prefix = match name_layer {
        Some(layer) if rng.bool() => format!("blocks.{layer}.hook_resid_pre{id}"),
        Some(layer) => format!("blocks.0{layer}.r{id}"),
        None => format!("run{id}"),
    };
    let k = match rng.u32(0..100) {
        0..=89 => pick(rng, &[32, 64, 128, 1024, 8192, 0]).to_string(),
        _ => pick(rng, &["3x", "1.5", "", "ten", "0x10"]).to_string(),
    };
    let dict = pick(rng, &["12288", "24576", "1", "0", "big"]);
    match rng.u32(0..100) {
        0..=59 => format!("{prefix}_{dict}_{activation}_{k}_0.{id}"),
        60..=79 => format!("{prefix}_{activation}_{k}_0.{id}"),
        80..=89 => format!("{activation}_{k}_{id}"),
        90..=94 => format!("{activation}{id}_{k}"),
        _ => prefix,
    }
}

fn gen_case(seed: u64) -> Case {
    let mut rng = fastrand::Rng::with_seed(seed);
    let sae_profile = rng.bool();
    let mut activations: Vec<&str> = ACTIVATIONS.to_vec();
    rng.shuffle(&mut activations);
    activations.truncate(rng.usize(1..=4));
    let files = rng.usize(1..=4);
    let mut exports = Vec::new();
    let mut id = 0;
    for f in 0..files {
        let given_layer = (rng.u32(0..100) < 45).then(|| layer(&mut rng));
        let has_layer_column = given_layer.is_none() && rng.bool() || rng.u32(0..10) == 0;
        let has_dict_column = rng.u32(0..4) == 0;
        let rows = match rng.u32(0..10) {
            0 => 0,
            1..=6 => rng.usize(1..12),
            _ => rng.usize(12..40),
        };
        let mut runs = Vec::new();
        // Most files given a layer hold only that layer's runs; the others, any layers
        // (which their layer column or names may then contradict: an error).
        let consistent = given_layer.filter(|_| rng.u32(0..10) < 8);
        for _ in 0..rows {
            id += 1;
            let row_layer = consistent.unwrap_or_else(|| layer(&mut rng));
            let name_layer = (rng.u32(0..10) < 8).then_some(row_layer);
            let layer_cell = has_layer_column.then(|| match rng.u32(0..10) {
                0..=5 => (row_layer.to_string(), Some(row_layer)),
                6 => (format!("{row_layer}.0"), Some(row_layer)),
                7 => (format!(" {row_layer} "), Some(row_layer)),
                _ => (String::new(), None),
            });
            let dict_cell = has_dict_column.then(|| match rng.u32(0..10) {
                0..=4 => ("12288".to_string(), Some(12288)),
                5..=6 => ("4096.0".to_string(), Some(4096)),
                7 => ("0".to_string(), Some(0)),
                _ => (String::new(), None),
            });
            runs.push(Run {
                name: gen_name(&mut rng, id, &activations, name_layer),
                l0: gen_metric_l0(&mut rng),
                l2: gen_metric_l2(&mut rng),
                layer_cell,
                dict_cell,
            });
        }
        let mut column_order = vec!["Name", "l0_norm", "l2_loss", "afa_coeff", "_wandb"];
        if has_layer_column {
            column_order.push("layer");
        }
        if has_dict_column {
            column_order.push("dict_size");
        }
        if rng.u32(0..3) == 0 {
            rng.shuffle(&mut column_order);
        }
        exports.push(Export {
            file: format!("exports/f{f}.csv"),
            given_layer,
            has_layer_column,
            runs,
            quote_all: rng.u32(0..4) != 0,
            crlf: rng.u32(0..5) == 0,
            bom: rng.u32(0..8) == 0,
            trailing_newline: rng.bool(),
            column_order,
        });
    }
    let layers = match rng.u32(0..6) {
        0 => Some(vec![5, 9]),
        1 => Some(vec![8, 0, 6, 31]),
        _ => None,
    };
    let bits = match rng.u32(0..5) {
        0 => Some(*pick(&mut rng, &[0.0, 4.0, 8.5, 16.0])),
        _ => None,
    };
    let dict_size = match rng.u32(0..5) {
        0 => Some(*pick(&mut rng, &[1, 4096, 25000])),
        _ => None,
    };
    Case {
        seed,
        exports,
        sae_profile,
        layers,
        bits,
        dict_size,
        fixed_dict_size: rng.u32(0..4) == 0,
    }
}

fn quote(text: &str, all: bool) -> String {
    if all || text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn export_bytes(export: &Export) -> Vec<u8> {
    let newline = if export.crlf { "\r\n" } else { "\n" };
    let mut lines = vec![export
        .column_order
        .iter()
        .map(|c| quote(c, export.quote_all))
        .collect::<Vec<_>>()
        .join(",")];
    for run in &export.runs {
        let cells: Vec<String> = export
            .column_order
            .iter()
            .map(|column| {
                let text = match *column {
                    "Name" => run.name.clone(),
                    "l0_norm" => run.l0.text.clone(),
                    "l2_loss" => run.l2.text.clone(),
                    "afa_coeff" => "0.0625".into(),
                    "_wandb" => "{}".into(),
                    "layer" => run.layer_cell.as_ref().unwrap().0.clone(),
                    "dict_size" => run.dict_cell.as_ref().unwrap().0.clone(),
                    other => unreachable!("{other}"),
                };
                quote(&text, export.quote_all)
            })
            .collect();
        lines.push(cells.join(","));
    }
    let mut text = lines.join(newline);
    if export.trailing_newline {
        text.push_str(newline);
    }
    let mut bytes = if export.bom {
        vec![0xef, 0xbb, 0xbf]
    } else {
        Vec::new()
    };
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

fn args(case: &Case) -> Vec<String> {
    let mut args = Vec::new();
    for export in &case.exports {
        args.push("--export".to_string());
        args.push(match export.given_layer {
            Some(layer) => format!("{layer}={}", export.file),
            None => export.file.clone(),
        });
    }
    if case.sae_profile {
        args.push("--config".into());
        args.push(root().join("config/sae-sweeps.toml").display().to_string());
    }
    if let Some(layers) = &case.layers {
        let list: Vec<String> = layers.iter().map(i64::to_string).collect();
        args.push(format!("--layers={}", list.join(",")));
    }
    if let Some(bits) = case.bits {
        args.push(format!("--bits={bits}"));
    }
    if let Some(dict) = case.dict_size {
        args.push(format!("--dict-size={dict}"));
    }
    if case.fixed_dict_size {
        args.push("--fixed-dict-size".into());
    }
    args.extend(["--out".into(), "out".into()]);
    args
}

/// A table row the oracle expects, in `mdl-table.csv`'s terms.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    layer: i64,
    activation: String,
    run: String,
    k: i64,
    l2: f64,
    l0: f64,
    dict_size: u64,
    dl: f64,
}

#[derive(Debug, Default)]
struct Expected {
    rows: Vec<Row>,
    skipped: usize,
    /// (layer, activation, runs) of groups with no usable l2.
    empty_groups: Vec<(i64, String, usize)>,
    /// `file:line:` of the first run whose layer column or name contradicts the layer its
    /// file was given: the run must fail there (exit 3).
    conflict: Option<String>,
}

/// `blocks.N.` at the start of a name, as the sae-sweeps profile's layer_regex reads it.
fn layer_from_name(name: &str) -> Option<i64> {
    let rest = name.strip_prefix("blocks.")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || !rest[digits.len()..].starts_with('.') {
        return None;
    }
    digits.parse().ok()
}

/// `blocks.N.` anywhere in a name, as the default layer rule (no profile) reads it: the
/// first place it occurs, its digits read as a layer when they fit.
fn layer_anywhere_in_name(name: &str) -> Option<i64> {
    for (at, _) in name.match_indices("blocks.") {
        let rest = &name[at + "blocks.".len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() && rest[digits.len()..].starts_with('.') {
            return digits.parse().ok();
        }
    }
    None
}

fn oracle(case: &Case) -> Expected {
    // `--layers`, else the profile's 6-8, else every layer.
    let wanted = (case.layers.clone()).or_else(|| case.sae_profile.then(|| vec![6, 7, 8]));
    let bits = case.bits.unwrap_or(DEFAULT_BITS);
    let default_dict = case.dict_size.unwrap_or(DEFAULT_DICT);
    let mut expected = Expected::default();
    // (layer, activation) -> (runs seen, best so far)
    let mut groups: BTreeMap<(i64, String), (usize, Option<Row>)> = BTreeMap::new();
    for export in &case.exports {
        for (row, run) in export.runs.iter().enumerate() {
            let parts: Vec<&str> = run.name.split('_').collect();
            if parts.len() < 3 {
                expected.skipped += 1;
                continue;
            }
            let activation = parts[parts.len() - 3];
            let Ok(k) = parts[parts.len() - 2].trim().parse::<i64>() else {
                expected.skipped += 1;
                continue;
            };
            // A dictionary-size part of 0 is no D: the name does not parse.
            let name_dict = (case.sae_profile && parts.len() >= 4).then(|| parts[parts.len() - 4]);
            if name_dict
                .and_then(|part| part.parse::<i64>().ok())
                .is_some_and(|d| d < 1)
            {
                expected.skipped += 1;
                continue;
            }
            let said = run.layer_cell.as_ref().and_then(|cell| cell.1).or_else(|| {
                if case.sae_profile {
                    layer_from_name(&run.name)
                } else {
                    layer_anywhere_in_name(&run.name)
                }
            });
            if let Some(given) = export.given_layer {
                if said.is_some_and(|said| said != given) && expected.conflict.is_none() {
                    expected.conflict = Some(format!("{}:{}:", export.file, row + 2));
                }
            }
            let layer = export.given_layer.or(said);
            let Some(layer) = layer else {
                expected.skipped += 1;
                continue;
            };
            // A dictionary-size cell of 0 is no D: the run is skipped, never priced.
            if run.dict_cell.as_ref().is_some_and(|cell| cell.1 == Some(0)) {
                expected.skipped += 1;
                continue;
            }
            if wanted.as_ref().is_some_and(|wanted| !wanted.contains(&layer)) {
                continue;
            }
            let own_dict = run.dict_cell.as_ref().and_then(|cell| cell.1).or_else(|| {
                if case.sae_profile && parts.len() >= 4 {
                    parts[parts.len() - 4].parse().ok()
                } else {
                    None
                }
            });
            let dict_size = match own_dict {
                Some(d) if d > 0 && !case.fixed_dict_size => d,
                _ => default_dict,
            };
            let row = Row {
                layer,
                activation: activation.to_string(),
                run: run.name.clone(),
                k,
                l2: run.l2.value,
                l0: run.l0.value,
                dict_size,
                dl: run.l0.value * (bits + (dict_size as f64).log2()),
            };
            let group = groups.entry((layer, activation.to_string())).or_default();
            group.0 += 1;
            if row.l2.is_nan() {
                continue;
            }
            // Strictly smaller only: an equal l2 later in input order never replaces.
            if group.1.as_ref().is_none_or(|best| row.l2 < best.l2) {
                group.1 = Some(row);
            }
        }
    }
    for ((layer, activation), (runs, best)) in groups {
        match best {
            Some(row) => expected.rows.push(row),
            None => expected.empty_groups.push((layer, activation, runs)),
        }
    }
    expected
}

fn same_float(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

fn same_row(a: &Row, b: &Row) -> bool {
    a.layer == b.layer
        && a.activation == b.activation
        && a.run == b.run
        && a.k == b.k
        && a.dict_size == b.dict_size
        && same_float(a.l2, b.l2)
        && a.l2.is_sign_negative() == b.l2.is_sign_negative()
        && same_float(a.l0, b.l0)
        && same_float(a.dl, b.dl)
}

/// The rows of `mdl-table.csv`, found by column name.
fn read_rows(text: &str, bits: f64) -> Result<Vec<Row>, String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(String::from)
        .collect();
    let want = [
        "layer",
        "activation",
        "tolerance",
        "MDL(tolerance)",
        "run",
        "k",
        "l0",
        "dict_size",
        "bits",
    ];
    if header[..want.len()] != want {
        return Err(format!("mdl-table.csv header is {header:?}"));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        let float = |i: usize| {
            record[i]
                .parse::<f64>()
                .map_err(|e| format!("{:?}: {e}", &record[i]))
        };
        if float(8)? != bits {
            return Err(format!("bits column {:?}, expected {bits}", &record[8]));
        }
        rows.push(Row {
            layer: record[0].parse().map_err(|e| format!("layer: {e}"))?,
            activation: record[1].to_string(),
            l2: float(2)?,
            dl: float(3)?,
            run: record[4].to_string(),
            k: record[5].parse().map_err(|e| format!("k: {e}"))?,
            l0: float(6)?,
            dict_size: record[7].parse().map_err(|e| format!("dict_size: {e}"))?,
        });
    }
    Ok(rows)
}

/// Runs one case; `Err` describes how the binary and the oracle disagree.
fn check(case: &Case) -> Result<(), String> {
    let work = Workdir::new();
    for export in &case.exports {
        work.write(&export.file, export_bytes(export));
    }
    let args = args(case);
    let output = work.command().args(&args).output().unwrap();
    let err = stderr(&output);
    let expected = oracle(case);
    if err.contains("panicked") {
        return Err(format!("panicked: {err}"));
    }
    if let Some(place) = &expected.conflict {
        let given = err
            .lines()
            .any(|l| l.starts_with(&format!("error: {place}")) && l.contains("given as layer"));
        return match output.status.code() {
            Some(3) if given && !work.join("out/mdl-table.csv").exists() => Ok(()),
            code => Err(format!(
                "expected exit 3 at {place} (a layer contradicting LAYER=), got {code:?}: {err}"
            )),
        };
    }
    let skipped = format!("warning: skipped {} run(s)", expected.skipped);
    if expected.skipped > 0 && !err.lines().any(|line| line == skipped) {
        return Err(format!("expected {skipped:?} in stderr: {err}"));
    }
    if expected.skipped == 0 && err.contains("warning: skipped") {
        return Err(format!("no run should be skipped: {err}"));
    }
    for (layer, activation, runs) in &expected.empty_groups {
        let line = format!(
            "warning: layer {layer} activation {activation:?}: none of its {runs} run(s) has a usable l2_loss; the group is left out"
        );
        if !err.lines().any(|l| l == line) {
            return Err(format!("expected {line:?} in stderr: {err}"));
        }
    }
    let warned = (err.lines())
        .filter(|l| l.starts_with("warning: layer ") && l.contains("has a usable"))
        .count();
    if warned != expected.empty_groups.len() {
        return Err(format!(
            "{warned} empty-group warnings, expected {}: {err}",
            expected.empty_groups.len()
        ));
    }
    if expected.rows.is_empty() {
        return match output.status.code() {
            Some(5) if work.join("out/mdl-table.csv").exists() => Err("exit 5 but wrote artifacts".into()),
            Some(5) => Ok(()),
            code => Err(format!(
                "expected exit 5 (nothing to tabulate), got {code:?}: {err}"
            )),
        };
    }
    if !output.status.success() {
        return Err(format!("exit {:?}: {err}", output.status.code()));
    }
    let table = std::fs::read_to_string(work.join("out/mdl-table.csv")).unwrap();
    let actual = read_rows(&table, case.bits.unwrap_or(DEFAULT_BITS))?;
    let markdown = std::fs::read_to_string(work.join("out/mdl-table.md")).unwrap();
    if stdout(&output) != markdown {
        return Err("stdout is not mdl-table.md".into());
    }
    if markdown.lines().count() != expected.rows.len() + 2 {
        return Err(format!("mdl-table.md has the wrong number of rows:\n{markdown}"));
    }
    if actual.len() != expected.rows.len() || !actual.iter().zip(&expected.rows).all(|(a, b)| same_row(a, b))
    {
        let mut diff = String::new();
        for i in 0..actual.len().max(expected.rows.len()) {
            let _ = writeln!(
                diff,
                "  binary: {:?}\n  oracle: {:?}",
                actual.get(i),
                expected.rows.get(i)
            );
        }
        return Err(format!("tables differ:\n{diff}"));
    }
    Ok(())
}

fn describe(case: &Case) -> String {
    let mut text = format!("seed {} args {:?}\n", case.seed, args(case));
    for export in &case.exports {
        let _ = writeln!(
            text,
            "--- {}\n{}",
            export.file,
            String::from_utf8_lossy(&export_bytes(export))
        );
    }
    text
}

#[test]
fn binary_agrees_with_the_simple_oracle_on_generated_sweeps() {
    let seeds: Vec<u64> = match std::env::var("DIFF_SEED") {
        Ok(seed) => vec![seed.parse().unwrap()],
        Err(_) => (0..CASES).collect(),
    };
    let mut failures = Vec::new();
    let mut tabulated = 0;
    for &seed in &seeds {
        let case = gen_case(seed);
        if !oracle(&case).rows.is_empty() {
            tabulated += 1;
        }
        if let Err(why) = check(&case) {
            failures.push(format!("{why}\n{}", describe(&case)));
        }
    }
    let shown: Vec<_> = failures.iter().take(3).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree; first ones:\n{}",
        failures.len(),
        seeds.len(),
        shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
    );
    // The generator must keep producing cases that reach the table, or the test tests nothing.
    if seeds.len() > 1 {
        assert!(
            tabulated * 5 > seeds.len() * 3,
            "only {tabulated} of {} cases had rows",
            seeds.len()
        );
    }
}

/// The generator must really produce the hard parts (else the oracle check proves little).
#[test]
fn generated_sweeps_cover_the_hard_parts() {
    let cases: Vec<Case> = (0..CASES).map(gen_case).collect();
    let runs = || {
        cases
            .iter()
            .flat_map(|c| c.exports.iter().flat_map(|e| e.runs.iter()))
    };
    let count = |what: &dyn Fn(&Run) -> bool| runs().filter(|r| what(r)).count();
    assert!(count(&|r| r.l2.text.is_empty()) > 50, "empty l2");
    assert!(count(&|r| r.l0.text.is_empty()) > 50, "empty L0");
    assert!(count(&|r| r.l2.text == "NaN") > 50, "NaN l2");
    assert!(count(&|r| r.name.split('_').count() < 3) > 20, "too few parts");
    assert!(
        count(&|r| r.name.split('_').count() >= 3
            && r.name.split('_').rev().nth(1).unwrap().parse::<i64>().is_err())
            > 20,
        "bad k"
    );
    // Ties: a group's winner has the same l2 as a later run of the same group.
    let mut tie_cases = 0;
    let mut multi_file_wins = 0;
    for case in &cases {
        let expected = oracle(case);
        let all: Vec<&Run> = case.exports.iter().flat_map(|e| e.runs.iter()).collect();
        let tie = expected.rows.iter().any(|row| {
            all.iter()
                .filter(|r| r.l2.value == row.l2 && r.name.contains(&format!("_{}_", row.activation)))
                .count()
                > 1
        });
        tie_cases += usize::from(tie);
        let first_file = &case.exports[0];
        multi_file_wins += usize::from(
            case.exports.len() > 1
                && expected
                    .rows
                    .iter()
                    .any(|row| !first_file.runs.iter().any(|r| r.name == row.run)),
        );
    }
    assert!(tie_cases > 30, "only {tie_cases} cases with ties");
    assert!(
        multi_file_wins > 20,
        "only {multi_file_wins} cases where a later file wins"
    );
    assert!(cases.iter().filter(|c| c.sae_profile).count() > 40);
    assert!(
        cases
            .iter()
            .filter(|c| c.exports.iter().any(|e| e.has_layer_column))
            .count()
            > 40
    );
}
