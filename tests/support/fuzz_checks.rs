//! What each fuzz target checks, shared by the targets in `fuzz/` and by
//! `tests/fuzz_regressions.rs`, which replays every input a fuzzer ever found.
//!
//! Each check panics on a finding: a panic inside the code under test, or a broken
//! property (a result that depends on how the input was chunked, a split that disagrees with
//! Python's, an error message that is not one line, ...).
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use clap::Parser;
use mdl_fetch::config::cli::Cli;
use mdl_fetch::config::grammar::{LayerRule, NameGrammar};
use mdl_fetch::config::profile::Profile;
use mdl_fetch::config::settings::Settings;
use mdl_fetch::emit::runs_csv::RunsCsv;
use mdl_fetch::fetch::graphql::decode::{decode_data, quote_non_finite, RunsData, ViewerData};
use mdl_fetch::model::layers::LayerSet;
use mdl_fetch::model::mdl::Pricing;
use mdl_fetch::model::record::{RecordSink, RunRef};
use mdl_fetch::model::select::Selector;
use mdl_fetch::model::table::{InputFile, MdlTable};
use mdl_fetch::read::export::{read_export_from, ExportRef, ExportStats};

/// A fuzz target's checks.
pub type Check = fn(&[u8]);

/// The fuzz targets by name, for the regression replay.
pub const TARGETS: [(&str, Check); 5] = [
    ("export_reader", export_reader),
    ("emitters", emitters),
    ("name_grammar", name_grammar),
    ("graphql_page", graphql_page),
    ("profile", profile),
];

/// Errors reach the user as one `error: ...` line.
fn assert_one_line(what: &str, message: &str) {
    assert!(
        !message.contains(['\n', '\r']),
        "{what}: error message is not one line: {message:?}"
    );
}

/// Settings as `mdl-fetch --export 6=fuzz.csv` resolves them, with no profile.
fn base_settings() -> &'static Settings {
    static SETTINGS: OnceLock<Settings> = OnceLock::new();
    SETTINGS.get_or_init(|| {
        let cli = Cli::try_parse_from(["mdl-fetch", "--export", "6=fuzz.csv"]).unwrap();
        Settings::load(&cli.table, &mdl_fetch::config::resolve::Env::process()).unwrap()
    })
}

/// A run as the reader handed it over, with floats as bits so NaN compares equal.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    name: String,
    layer: i64,
    activation: String,
    k: i64,
    l0: u64,
    error: u64,
    dict_size: Option<u64>,
    line: u64,
}

#[derive(Default)]
struct Collect {
    runs: Vec<Seen>,
}

impl RecordSink for Collect {
    fn accept(&mut self, run: &RunRef<'_>) -> anyhow::Result<()> {
        // The activation is a slice of the name, as the grammar reads it.
        let name = run.name.as_bytes().as_ptr_range();
        let activation = run.activation.as_bytes().as_ptr_range();
        assert!(
            name.start <= activation.start && activation.end <= name.end,
            "activation {:?} is not part of the name {:?}",
            run.activation,
            run.name
        );
        // Lines are counted at LFs: in a file with CR-only line ends (old Mac exports) every
        // row is on line 1, a known limitation.
        assert!(run.line >= 1, "a data row on line 0: {run:?}");
        self.runs.push(Seen {
            name: run.name.into(),
            layer: run.layer,
            activation: run.activation.into(),
            k: run.k,
            l0: run.l0.to_bits(),
            error: run.error.to_bits(),
            dict_size: run.dict_size,
            line: run.line,
        });
        Ok(())
    }
}

/// Sends each run to every sink, as the pipeline does.
struct Tee<'a>(Vec<&'a mut dyn RecordSink>);

impl RecordSink for Tee<'_> {
    fn accept(&mut self, run: &RunRef<'_>) -> anyhow::Result<()> {
        for sink in &mut self.0 {
            sink.accept(run)?;
        }
        Ok(())
    }
}

/// Hands out the input a few bytes at a time, to catch state lost between reads.
struct Trickle<'a> {
    data: &'a [u8],
    sizes: &'a [u8],
    turn: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let size = self
            .sizes
            .get(self.turn % self.sizes.len().max(1))
            .copied()
            .unwrap_or(1);
        self.turn += 1;
        let n = (size as usize % 7 + 1).min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// The export reader, under settings picked by the first byte, read whole and read in
/// trickles: both must agree, and whatever is read must select and render without a panic.
pub fn export_reader(data: &[u8]) {
    let Some((&knobs, csv)) = data.split_first() else {
        return;
    };
    let mut rules = base_settings().rules.clone();
    rules.strict = knobs & 1 != 0;
    if knobs & 2 != 0 {
        let pattern =
            r"^(?:blocks\.(?P<layer>\d+)\.)?.*_(?P<activation>[^_]*)_(?P<k>[^_]*)_(?P<dict_size>[^_]*)$";
        rules.grammar = NameGrammar::Pattern(regex::Regex::new(pattern).unwrap());
    }
    if knobs & 4 != 0 {
        rules.layer_rule = Some(LayerRule::new(regex::Regex::new(r"^blocks\.(\d+)\.").unwrap()));
    }
    let given_layer = (knobs & 8 != 0).then_some(6);
    let file: Arc<str> = "fuzz.csv".into();
    let export = ExportRef {
        file: &file,
        layer: given_layer,
        source: 0,
        project: None,
    };

    let mut whole = Collect::default();
    let mut selector = Selector::new(
        &LayerSet::Only(vec![6, 7, 8]),
        &[0.0, 1e-3, f64::MAX],
        Pricing::seed(),
    );
    let mut runs_csv = RunsCsv::new(Vec::new()).unwrap();
    let result = {
        let mut tee = Tee(vec![&mut whole, &mut selector, &mut runs_csv]);
        read_export_from(csv, export, &rules, &mut tee)
    };
    let mut trickled = Collect::default();
    let trickle = Trickle {
        data: csv,
        sizes: &data[..data.len().min(16)],
        turn: 0,
    };
    let again = read_export_from(trickle, export, &rules, &mut trickled);
    let summary = |r: &anyhow::Result<ExportStats>| match r {
        Ok(stats) => Ok((stats.rows, stats.records, stats.skips.clone())),
        Err(e) => Err(format!("{e:#}")),
    };
    assert_eq!(summary(&result), summary(&again), "whole vs trickled read");
    assert_eq!(whole.runs, trickled.runs, "whole vs trickled runs");
    let stats = match result {
        Ok(stats) => stats,
        Err(e) => return assert_one_line("export", &format!("{e:#}")),
    };
    assert_eq!(
        stats.records + stats.skips.count,
        stats.rows,
        "every row is a record or a skip"
    );
    assert_eq!(stats.records, whole.runs.len() as u64);
    assert!(
        whole.runs.windows(2).all(|w| w[0].line <= w[1].line),
        "lines out of order: {:?}",
        whole.runs.iter().map(|r| r.line).collect::<Vec<_>>()
    );
    // Without quotes, each row is a non-empty stretch between line breaks: the line it
    // starts on (counting LFs) is easy to know.
    if !csv.contains(&b'"') {
        let body = csv.strip_prefix(b"\xef\xbb\xbf").unwrap_or(csv);
        let mut starts = Vec::new();
        let (mut line, mut fresh) = (1, true);
        for &byte in body {
            match byte {
                b'\n' | b'\r' => fresh = true,
                _ if fresh => {
                    starts.push(line);
                    fresh = false;
                }
                _ => {}
            }
            if byte == b'\n' {
                line += 1;
            }
        }
        for run in &whole.runs {
            assert!(
                starts[1..].contains(&run.line),
                "a run on line {}, rows start on {starts:?}",
                run.line
            );
        }
    }
    for example in &stats.skips.examples {
        assert_one_line("skip", example);
    }
    runs_csv.finish().unwrap();
    let table = MdlTable {
        groups: selector.finish(),
        pricing: Pricing::seed(),
        d_model: 768,
        tolerances: vec![0.0, 1e-3, f64::MAX],
        layers: LayerSet::Only(vec![6, 7, 8]),
        left_out: Default::default(),
        dict_size_like: None,
        inputs: vec![InputFile {
            file: file.to_string(),
            layer: given_layer,
            rows: stats.rows,
            runs: stats.records,
            skipped: stats.skips.count,
            filtered_out: stats.filtered_out,
            blake3: String::new(),
        }],
        skips: stats.skips,
        notes: vec!["a note about the data".into()],
    };
    for emitter in mdl_fetch::emit::table_emitters(&Default::default()) {
        emitter.render(&table);
    }
}

/// Bytes of an `emitters` input per run: layer, activation, k, then l0 and error as f64 bits.
pub const EMITTER_RUN_BYTES: usize = 19;

/// A value from the bits, kept finite: infinities and NaN become the largest finite value
/// of their sign (the emitters' promise is about finite values; NaN errors are read as
/// missing before they reach them).
fn finite_from(bytes: &[u8]) -> f64 {
    let value = f64::from_le_bytes(bytes.try_into().unwrap());
    match value {
        v if v.is_finite() => v,
        v if v.is_sign_negative() => f64::MIN,
        _ => f64::MAX,
    }
}

/// Every table emitter on arbitrary finite runs and extreme pricing: the first bytes pick
/// B, D, d_model, the code and the tolerances; the rest are runs. Each artifact must render
/// (the plot without falling back to its error stub), the JSON must parse, the markdown
/// table must hold a line per row.
pub fn emitters(data: &[u8]) {
    use mdl_fetch::model::mdl::Code;
    let Some((knobs, runs)) = data.split_at_checked(4) else {
        return;
    };
    let bits = [7.0, 1e-300, 1e300, 0.0, 5e-324, f64::MAX, 1.0, 32.0][knobs[0] as usize % 8];
    let dict_size = [12288, 1, 2, u64::MAX, 1 << 40, 6144][knobs[1] as usize % 6];
    let d_model = [768, 0, 1, u64::MAX][knobs[2] as usize % 4];
    let code = if knobs[0] & 0x80 != 0 {
        Code::Binomial
    } else {
        Code::Naive
    };
    let tolerances: Vec<f64> = match knobs[3] % 4 {
        0 => vec![],
        1 => vec![1e-3],
        2 => vec![0.0, 5e-324, f64::MAX],
        _ => vec![f64::MIN, -0.0, 1e-310, 1e308],
    };
    let pricing = Pricing {
        code,
        bits,
        dict_size,
        fixed_dict_size: knobs[1] & 0x80 != 0,
    };
    let file: Arc<str> = "fuzz.csv".into();
    let mut selector = Selector::new(&LayerSet::Only(vec![6, 7, 8]), &tolerances, pricing);
    let activations = [
        "topk",
        "batchtopk",
        "topafa",
        "a|b",
        "x\ny",
        "\u{1b}[31m",
        "",
        "é",
    ];
    for (line, run) in runs.chunks_exact(EMITTER_RUN_BYTES).enumerate() {
        let name = format!("run{line}");
        let (layer, activation) = (
            6 + i64::from(run[0] % 3),
            activations[run[1] as usize % activations.len()],
        );
        let (l0, error) = (finite_from(&run[3..11]), finite_from(&run[11..19]));
        let reference = RunRef {
            k: [0, 1, 64, i64::MAX, i64::MIN][run[2] as usize % 5],
            dict_size: (run[0] & 0x80 != 0).then_some(dict_size / 2 + 1),
            ..RunRef::plain(&name, &file, line as u64 + 2, layer, activation, l0, error)
        };
        selector.accept(&reference).unwrap();
    }
    let table = MdlTable {
        groups: selector.finish(),
        pricing,
        d_model,
        tolerances,
        layers: LayerSet::Only(vec![6, 7, 8]),
        left_out: Default::default(),
        dict_size_like: None,
        inputs: Vec::new(),
        skips: Default::default(),
        notes: Vec::new(),
    };
    for emitter in mdl_fetch::emit::table_emitters(&Default::default()) {
        let text = emitter.render(&table);
        match emitter.file_name() {
            "mdl-table.json" => {
                if let Err(e) = serde_json::from_str::<serde_json::Value>(&text) {
                    panic!("mdl-table.json does not parse: {e}\n{text}");
                }
            }
            "frontier.svg" => {
                assert!(text.starts_with("<svg"), "{text}");
                assert!(!text.contains("plot failed"), "{text}");
            }
            "mdl-table.md" => {
                let rows = table.best_rows().count();
                let one_line =
                    |g: &mdl_fetch::model::select::GroupResult| !g.activation.contains(['\n', '\r']);
                if table.groups.iter().all(one_line) {
                    assert_eq!(text.lines().count(), rows + 2, "{text}");
                }
            }
            _ => {}
        }
    }
}

/// Python's `int(text)` for ASCII text: blanks around, one sign, digits with single `_`
/// between them, 4300 digits at most; `None` when Python raises, `Some(None)` past i64.
/// (Unicode digits are pinned against Python itself in `tests/notebook_readings.rs`.)
/// A name's dictionary-size part as the grammar must read it: no D when it is no number,
/// refused (`Err`) when it is a whole number below 1 or past 64 bits.
fn dict_size_of(part: &str) -> Result<Option<u64>, ()> {
    if let Ok(value) = part.trim().parse::<u64>() {
        return if value >= 1 { Ok(Some(value)) } else { Err(()) };
    }
    match python_int(part) {
        Some(Some(value)) if value >= 1 => Ok(Some(value as u64)),
        Some(_) => Err(()),
        None => Ok(None),
    }
}

fn python_int(text: &str) -> Option<Option<i64>> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let groups: Vec<&str> = digits.split('_').collect();
    if groups
        .iter()
        .any(|g| g.is_empty() || !g.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let digits = groups.concat();
    if digits.len() > 4300 {
        return None;
    }
    let mut value: Option<i64> = Some(0);
    for digit in digits.bytes() {
        let d = i64::from(digit - b'0');
        value = value.and_then(|v| v.checked_mul(10)).and_then(|v| {
            if negative {
                v.checked_sub(d)
            } else {
                v.checked_add(d)
            }
        });
    }
    Some(value)
}

/// Python's `parts[index]` for `parts = name.split(separator)`.
fn python_index<'a>(parts: &[&'a str], index: isize) -> Option<&'a str> {
    let at = if index < 0 {
        parts.len().checked_sub(index.unsigned_abs())?
    } else {
        index as usize
    };
    parts.get(at).copied()
}

/// An index from one byte: small ones both ways, and the extremes.
fn index_of(byte: u8) -> isize {
    match byte {
        0 => isize::MIN,
        255 => isize::MAX,
        b => (b as i8 / 8) as isize,
    }
}

/// The name grammar, split form (against a plain Python-style split) and regex form, and the
/// layer rule.
pub fn name_grammar(data: &[u8]) {
    let [mode, a, k, d, rest @ ..] = data else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let Some((rule, name)) = text.split_once('\n') else {
        return;
    };
    if mode & 1 == 0 {
        if rule.is_empty() {
            return;
        }
        let (activation, k, dict_size) = (index_of(*a), index_of(*k), (d & 1 == 1).then(|| index_of(*d)));
        let grammar = NameGrammar::Split {
            separator: rule.to_string(),
            activation,
            k,
            dict_size,
        };
        let parts: Vec<&str> = name.split(rule).collect();
        let k_part = python_index(&parts, k);
        let ascii = k_part.is_none_or(str::is_ascii);
        let expected_k = k_part.map(python_int);
        let expected_d = dict_size
            .and_then(|i| python_index(&parts, i))
            .filter(|part| part.is_ascii())
            .map(dict_size_of);
        match grammar.parse(name) {
            Ok(parsed) => {
                assert_eq!(
                    Some(parsed.activation),
                    python_index(&parts, activation),
                    "activation"
                );
                if ascii {
                    assert_eq!(Some(Some(parsed.k.ok())), expected_k, "k");
                }
                if let Some(Ok(expected_d)) = expected_d {
                    assert_eq!(parsed.dict_size, expected_d, "dict_size");
                }
            }
            Err(reason) => {
                // The reason quotes the separator, which is the profile author's.
                if !rule.contains('\r') {
                    assert_one_line("grammar", &reason);
                }
                let d_readable = !matches!(expected_d, Some(Err(())));
                let readable = ascii
                    && python_index(&parts, activation).is_some()
                    && expected_k.flatten().is_some()
                    && d_readable;
                assert!(!readable, "rejected a name Python reads: {reason}");
            }
        }
        return;
    }
    if rule.len() > 512 {
        return;
    }
    let Ok(regex) = regex::Regex::new(rule) else {
        return;
    };
    let grammar = NameGrammar::Pattern(regex.clone());
    match grammar.parse(name) {
        Ok(parsed) => {
            let caps = regex.captures(name).expect("parsed without a match");
            assert_eq!(
                caps.name("activation").map(|m| m.as_str()),
                Some(parsed.activation)
            );
            let k_text = caps.name("k").map_or("", |m| m.as_str());
            if k_text.is_ascii() {
                assert_eq!(python_int(k_text), Some(parsed.k.ok()), "k {k_text:?}");
            }
        }
        // The reason quotes the regex, which is the profile author's: a line break in it
        // is theirs to keep.
        Err(reason) if !rule.contains('\r') => assert_one_line("grammar", &reason),
        Err(_) => {}
    }
    let layer = LayerRule::new(regex.clone()).layer_of(name);
    let expected = regex
        .captures(name)
        .and_then(|caps| caps.name("layer").or_else(|| caps.get(1)))
        .and_then(|m| m.as_str().parse::<i64>().ok());
    assert_eq!(layer, expected, "layer");
}

/// The GraphQL page decoder, and the NaN/Infinity quoting of JSON strings.
pub fn graphql_page(data: &[u8]) {
    match decode_data::<RunsData>(data) {
        Ok(page) => {
            if let Some(project) = page.project {
                for edge in &project.runs.edges {
                    let _ = (&edge.node.config, &edge.node.summary_metrics);
                }
            }
        }
        Err(e) => assert_one_line("decode", &format!("{e:?}")),
    }
    let _ = decode_data::<ViewerData>(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let quoted = quote_non_finite(text);
    // Only quotes are ever added...
    assert_eq!(
        quoted.replace('"', ""),
        text.replace('"', ""),
        "quoting changed more than quotes"
    );
    // ...and valid JSON, which has no bare NaN, is left alone.
    if serde_json::from_str::<serde_json::Value>(text).is_ok() {
        assert_eq!(quoted, text, "valid JSON was changed");
    }
}

/// The profile parser, and the settings resolved from a profile that parses.
pub fn profile(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz/p.toml");
    match Profile::parse(text, path) {
        Ok(profile) => {
            for entry in &profile.exports {
                assert!(entry.path.starts_with("fuzz") || entry.path.is_absolute());
            }
        }
        Err(e) => return assert_one_line("profile", &format!("{e:#}")),
    }
    let file = profile_file();
    std::fs::write(file, text).unwrap();
    let config = file.display().to_string();
    let cli = Cli::try_parse_from(["mdl-fetch", "--config", &config, "--export", "6=fuzz.csv"]).unwrap();
    if let Err(e) = Settings::load(&cli.table, &mdl_fetch::config::resolve::Env::process()) {
        assert_one_line("settings", &format!("{e:#}"));
    }
}

/// One temp file per process for profiles that `Settings::resolve` reads back.
fn profile_file() -> &'static PathBuf {
    static FILE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = FILE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        (dir, path)
    });
    path
}
