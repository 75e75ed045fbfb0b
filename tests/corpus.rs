//! Hostile inputs: every file under `tests/corpus/` (broken and adversarial exports and
//! profiles), plus inputs too big to commit that are generated here at run time, each run
//! through the real binary under a time limit and with its peak memory measured.
//!
//! Each case has one documented outcome: the exit code and words of its one `error:` line,
//! or success with a table of so many rows and runs.csv of so many runs, and the values it
//! must hold. Whatever the case: no panic (exit 101 or "panicked"), no death by a signal, no
//! hang (killed after the time limit), no memory beyond the limit, and no error line longer
//! than a screenful.

mod support;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use support::*;

const USAGE: i32 = 2;
const INPUT: i32 = 3;
const EMPTY: i32 = 5;

/// What a case must end with.
enum Expect {
    /// This exit code; the last stderr line is `error: ...` and holds each of these.
    Fails(i32, &'static [&'static str]),
    /// Exit 0 with `rows` table rows and `runs` runs in runs.csv; each `(row, column,
    /// value)` is a cell of mdl-table.csv (row 0 is the first after the header).
    Table {
        rows: usize,
        runs: usize,
        cells: &'static [(usize, &'static str, &'static str)],
    },
}

use Expect::*;

struct Case {
    name: String,
    /// Arguments; `{corpus}` is `tests/corpus`, `{gen}` the folder of generated inputs.
    args: Vec<String>,
    expect: Expect,
    /// Words stderr must also hold (warnings about skipped runs, say).
    stderr: &'static [&'static str],
    /// Kill after this long: a hang.
    time: Duration,
    /// Peak resident memory allowed, in MiB.
    max_rss_mib: u64,
}

/// The default limits: generous for a debug binary on a busy 2-core machine, and still far
/// below what a hang or unbounded growth reaches.
const TIME: Duration = Duration::from_secs(10);
const RSS_MIB: u64 = 200;

fn case(name: &str, args: &[&str], expect: Expect) -> Case {
    Case {
        name: name.to_string(),
        args: args.iter().map(|a| a.to_string()).collect(),
        expect,
        stderr: &[],
        time: TIME,
        max_rss_mib: RSS_MIB,
    }
}

/// `--export 6=tests/corpus/exports/FILE`.
fn export(file: &str, expect: Expect) -> Case {
    let spec = format!("6={{corpus}}/exports/{file}");
    case(file, &["--export", &spec], expect)
}

/// `--config tests/corpus/profiles/FILE --export 6=good.csv`.
fn profile(file: &str, expect: Expect) -> Case {
    let config = format!("{{corpus}}/profiles/{file}");
    case(
        file,
        &["--config", &config, "--export", "6={corpus}/exports/good.csv"],
        expect,
    )
}

/// `--export 6={gen}/FILE`, for generated inputs, which are big.
fn generated(file: &str, expect: Expect) -> Case {
    let spec = format!("6={{gen}}/{file}");
    case(file, &["--export", &spec], expect).slow()
}

impl Case {
    /// Big work for a debug binary (10-30x slower than release): 90 s before it counts as
    /// hung; a release build (`cargo test --release`) keeps the 10 s limit.
    fn slow(mut self) -> Case {
        if cfg!(debug_assertions) {
            self.time = Duration::from_secs(90);
        }
        self
    }

    fn stderr(mut self, words: &'static [&'static str]) -> Case {
        self.stderr = words;
        self
    }
}

const G6: &str = "blocks.6.hook_resid_pre_12288_topk_32_0.0";

fn cases() -> Vec<Case> {
    vec![
        // Cut short.
        export(
            "truncated-in-quoted-field.csv",
            Fails(INPUT, &[":3:", "never closed"]),
        ),
        export(
            "truncated-mid-header.csv",
            Fails(INPUT, &[":1:", "no \"l0_norm\" column"]),
        ),
        export(
            "truncated-mid-utf8.csv",
            Fails(INPUT, &[":3:", "a quoted field opened here is never closed"]),
        ),
        // A cut right after a comma leaves an empty (missing) error: undetectable, and the
        // run simply never wins.
        export(
            "truncated-after-comma.csv",
            Table {
                rows: 1,
                runs: 2,
                cells: &[(0, "run", G6)],
            },
        ),
        // Unquoted cells cut mid-number read as the shorter number (W&B quotes every
        // field, so a real cut shows as an unclosed quote instead).
        export(
            "truncated-unquoted-number.csv",
            Table {
                rows: 1,
                runs: 2,
                cells: &[(0, "tolerance", "0.0"), (0, "run", "a_topk_64_0")],
            },
        ),
        export("empty.csv", Fails(INPUT, &[":1:", "the file is empty"])),
        export("bom-only.csv", Fails(INPUT, &[":1:", "the file is empty"])),
        export("only-newlines.csv", Fails(INPUT, &[":1:", "the file is empty"])),
        export(
            "header-only-bom-crlf.csv",
            Fails(EMPTY, &[":1:", "header but no runs"]),
        ),
        // NUL bytes and other binary.
        export(
            "nul-in-name.csv",
            Table {
                rows: 1,
                runs: 1,
                cells: &[(0, "run", "blocks.6\0.hook_resid_pre_12288_topk_32_0.0")],
            },
        ),
        export(
            "nul-in-number.csv",
            Fails(INPUT, &[":2:", "l2_loss value \"0.068\\0\" is not a number"]),
        ),
        export(
            "all-nul.csv",
            Fails(INPUT, &[":1:", "no \"Name\" column", "(4096 bytes)"]),
        ),
        export("utf16le.csv", Fails(INPUT, &[":1:", "not UTF-8"])),
        export("gzipped.csv", Fails(INPUT, &[":1:", "not UTF-8"])),
        // Not an export at all.
        export(
            "html-login-page.csv",
            Fails(INPUT, &[":1:", "no \"Name\" column"]),
        ),
        export("json-instead.csv", Fails(INPUT, &[":1:", "no \"Name\" column"])),
        export(
            "semicolon-delimited.csv",
            Fails(INPUT, &[":1:", "no \"Name\" column"]),
        ),
        export("tab-delimited.csv", Fails(INPUT, &[":1:", "no \"Name\" column"])),
        export("excel-sep-line.csv", Fails(INPUT, &[":1:", "\"sep=\""])),
        export("space-padded-header.csv", Fails(INPUT, &[":1:", "\"Name \""])),
        export(
            "header-wrong-case.csv",
            Fails(INPUT, &[":1:", "no \"Name\" column", "\"name\""]),
        ),
        export("bom-twice.csv", Fails(INPUT, &[":1:", "no \"Name\" column"])),
        export(
            "duplicate-header.csv",
            Fails(INPUT, &[":1:", "\"l0_norm\" appears twice"]),
        ),
        export(
            "ragged-short-row.csv",
            Fails(INPUT, &[":3:", "row has 2 fields but the header has 3"]),
        ),
        // Quoting.
        export(
            "nested-quotes.csv",
            Table {
                rows: 1,
                runs: 2,
                cells: &[(0, "activation", "topk"), (0, "k", "32")],
            },
        ),
        // Seven quotes after the name: three escaped, one closing; the row is whole.
        export(
            "quotes-odd-run.csv",
            Table {
                rows: 1,
                runs: 2,
                cells: &[(0, "run", G6)],
            },
        ),
        export(
            "quote-inside-unquoted.csv",
            Table {
                rows: 1,
                runs: 1,
                cells: &[(0, "run", "a\"b_topk_32_0")],
            },
        ),
        // Text after a closing quote joins the field, as `csv` (and pandas) read it.
        export(
            "text-after-closing-quote.csv",
            Table {
                rows: 1,
                runs: 1,
                cells: &[(0, "run", "a_topk_32_0x")],
            },
        ),
        // Line ends.
        export(
            "mixed-line-endings.csv",
            Table {
                rows: 4,
                runs: 5,
                cells: &[(0, "activation", "batchtopk"), (3, "run", "b_topk_32_0")],
            },
        ),
        export(
            "cr-only.csv",
            Table {
                rows: 2,
                runs: 2,
                cells: &[(0, "activation", "relu"), (1, "activation", "topk")],
            },
        ),
        export(
            "blank-lines-everywhere.csv",
            Table {
                rows: 2,
                runs: 2,
                cells: &[(0, "activation", "relu")],
            },
        ),
        // A name spanning three lines: the skipped run after it is reported on line 5.
        export(
            "newline-inside-quoted-name.csv",
            Table {
                rows: 1,
                runs: 2,
                cells: &[(0, "run", "multi\r\nline\nname_topk_32_0")],
            },
        )
        .stderr(&["newline-inside-quoted-name.csv:5: run \"one-part\""]),
        // Lines are counted as an editor shows them, CRLF or not (`csv` alone puts each row
        // after a CRLF on the line before).
        export(
            "crlf-line-numbers.csv",
            Table {
                rows: 2,
                runs: 2,
                cells: &[(0, "run", "b_relu_32_0")],
            },
        )
        .stderr(&[
            "crlf-line-numbers.csv:3: run \"bad\"",
            "crlf-line-numbers.csv:6: run \"worse\"",
        ]),
        // Numbers.
        export(
            "l0-1e400.csv",
            Table {
                rows: 1,
                runs: 1,
                cells: &[(0, "l0", "inf"), (0, "MDL(tolerance)", "inf")],
            },
        ),
        export(
            "l2-1e400-loses.csv",
            Table {
                rows: 1,
                runs: 2,
                cells: &[(0, "run", "b_topk_32_0")],
            },
        ),
        export(
            "l2-only-infinite.csv",
            Table {
                rows: 1,
                runs: 1,
                cells: &[(0, "tolerance", "inf")],
            },
        ),
        // Extreme finite values: the plot's log axes once padded these past f64's range and
        // rendering frontier.svg spun forever (and ignored the first SIGTERM).
        export(
            "subnormal-l0.csv",
            Table {
                rows: 1,
                runs: 1,
                cells: &[
                    (0, "l0", "1e-310"),
                    (0, "MDL(tolerance)", "2.05849625007211e-309"),
                ],
            },
        ),
        export(
            "near-max-metrics.csv",
            Table {
                rows: 1,
                runs: 1,
                cells: &[(0, "tolerance", "1.5e+308"), (0, "l0", "8e+306")],
            },
        ),
        export(
            "extreme-identical.csv",
            Table {
                rows: 2,
                runs: 3,
                cells: &[
                    (0, "MDL(tolerance)", "inf"),
                    (1, "tolerance", "5e-324"),
                    (1, "run", "a_12288_topk_64_0"),
                ],
            },
        ),
        // Taken as given, as the notebook did: the smallest error wins even below zero, and
        // a negative L0 prices negative.
        export(
            "negative-metrics.csv",
            Table {
                rows: 1,
                runs: 2,
                cells: &[
                    (0, "tolerance", "-0.5"),
                    (0, "l0", "-5.0"),
                    (0, "MDL(tolerance)", "-102.92481250360578"),
                ],
            },
        ),
        export(
            "nan-metrics.csv",
            Fails(EMPTY, &["3 run(s) read", "usable l2_loss"]),
        ),
        export(
            "nan-l0.csv",
            Table {
                rows: 1,
                runs: 1,
                cells: &[(0, "MDL(tolerance)", "nan")],
            },
        ),
        export(
            "float-spellings.csv",
            Table {
                rows: 6,
                runs: 6,
                cells: &[
                    (0, "tolerance", "1000.0"),
                    (0, "l0", "inf"),
                    (1, "l0", "-inf"),
                    (2, "tolerance", "5.0"),
                    (3, "l0", "2.0"),
                    (4, "l0", "0.0"),
                    (5, "tolerance", "-0.0"),
                ],
            },
        ),
        export(
            "underscore-number.csv",
            Fails(INPUT, &[":2:", "\"1_000\" is not a number"]),
        ),
        export(
            "hex-float.csv",
            Fails(INPUT, &[":2:", "\"0x1p3\" is not a number"]),
        ),
        export(
            "k-overflow.csv",
            Table {
                rows: 1,
                runs: 1,
                cells: &[(0, "k", "-9223372036854775808")],
            },
        )
        .stderr(&[":2: run \"a_topk_99999999999999999999_0\"", "is not an integer"]),
        // A layer column is read only when --export gives no layer.
        case(
            "layer-column-junk.csv",
            &["--export", "{corpus}/exports/layer-column-junk.csv"],
            Fails(INPUT, &[":2:", "layer value \"six\" is not a whole number"]),
        ),
        case(
            "layer-column-1e400.csv",
            &["--export", "{corpus}/exports/layer-column-1e400.csv"],
            Fails(INPUT, &[":2:", "layer value \"1e400\" is not a whole number"]),
        ),
        case(
            "layer-column-negative-zero.csv",
            &[
                "--export",
                "{corpus}/exports/layer-column-negative-zero.csv",
                "--layers",
                "0",
            ],
            Fails(INPUT, &[":3:", "layer value \"9e15\" is not a whole number"]),
        ),
        // A dictionary size that is negative, zero or empty falls back to the default D.
        export(
            "dict-size-column-odd.csv",
            Table {
                rows: 3,
                runs: 3,
                cells: &[
                    (0, "dict_size", "12288"),
                    (1, "dict_size", "12288"),
                    (2, "dict_size", "12288"),
                ],
            },
        ),
        // Unicode: no normalization, groups by code point, RTL overrides passed through.
        export(
            "unicode-rtl.csv",
            Table {
                rows: 4,
                runs: 4,
                cells: &[
                    (0, "activation", "topk"),
                    (1, "activation", "\u{5d8}\u{5d5}\u{5e4}\u{5e7}"),
                    (2, "activation", "\u{637}\u{648}\u{628}\u{643}"),
                    (3, "activation", "\u{202e}topk\u{202c}"),
                ],
            },
        ),
        export(
            "unicode-combining.csv",
            Table {
                rows: 3,
                runs: 3,
                cells: &[(1, "activation", "re\u{301}lu"), (2, "activation", "r\u{e9}lu")],
            },
        ),
        export(
            "unicode-emoji.csv",
            Table {
                rows: 3,
                runs: 3,
                cells: &[
                    (0, "activation", "\u{1f1fa}\u{1f1f3}"),
                    (1, "activation", "\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}"),
                    (2, "activation", "\u{1f525}"),
                ],
            },
        ),
        // A fullwidth low line is not `_`, Arabic-Indic digits are not a k (Python's int()
        // would take them), no-break spaces around k are trimmed as Python's are.
        export(
            "unicode-lookalike-separators.csv",
            Table {
                rows: 1,
                runs: 1,
                cells: &[(0, "k", "32")],
            },
        )
        .stderr(&["skipped 2 run(s)", ":3: run \"a_topk_\u{663}\u{662}_0\""]),
        // Terminal escapes in names: passed through to the table, escaped in messages.
        export(
            "control-chars-in-names.csv",
            Table {
                rows: 1,
                runs: 1,
                cells: &[(0, "activation", "t\u{1b}[31mk\u{7}")],
            },
        )
        .stderr(&[":3: run \"\\u{1b}]0;pwned\\u{7}_x\""]),
        // Exports carry no run id: every row is a run; the smallest error wins, a tie goes to
        // the first.
        export(
            "duplicate-runs.csv",
            Table {
                rows: 1,
                runs: 4,
                cells: &[(0, "l0", "31.9")],
            },
        ),
        // Profiles: wrong types, bad values, bad regexes.
        profile(
            "wrong-type-bits.toml",
            Fails(
                INPUT,
                &["wrong-type-bits.toml:2:", "invalid type: string \"seven\""],
            ),
        ),
        profile(
            "wrong-type-layers-string.toml",
            Fails(INPUT, &[":1:", "expected a sequence"]),
        ),
        profile(
            "wrong-type-layers-float.toml",
            Fails(INPUT, &[":1:", "floating point `6.5`, expected i64"]),
        ),
        profile(
            "wrong-type-name-index.toml",
            Fails(INPUT, &[":2:", "expected isize"]),
        ),
        profile(
            "negative-dict-size.toml",
            Fails(INPUT, &[":1:", "integer `-1`, expected u64"]),
        ),
        profile("page-size-overflow.toml", Fails(INPUT, &[":2:", "expected u32"])),
        profile("columns-as-array.toml", Fails(INPUT, &[":1:", "bad profile"])),
        profile(
            "exports-as-string.toml",
            Fails(INPUT, &[":1:", "expected a sequence"]),
        ),
        profile(
            "export-without-path.toml",
            Fails(INPUT, &[":1:", "missing field `path`"]),
        ),
        profile(
            "inline-table-garbage.toml",
            Fails(INPUT, &[":1:", "expected isize"]),
        ),
        profile(
            "unknown-key.toml",
            Fails(INPUT, &[":3:", "unknown field `page_sise`"]),
        ),
        profile(
            "duplicate-key.toml",
            Fails(INPUT, &[":2:", "duplicate key `bits`"]),
        ),
        profile(
            "not-utf8.toml",
            Fails(INPUT, &["cannot read profile", "valid UTF-8"]),
        ),
        profile(
            "nul-byte.toml",
            Fails(INPUT, &["nul-byte.toml:1:", "bad profile"]),
        ),
        profile(
            "bits-nan.toml",
            Fails(USAGE, &["NaN", "B must be a finite number"]),
        ),
        profile(
            "bits-inf.toml",
            Fails(USAGE, &["inf", "B must be a finite number"]),
        ),
        profile("timeout-nan.toml", Fails(USAGE, &["--timeout NaN", "seconds"])),
        profile("deadline-1e300.toml", Fails(USAGE, &["--deadline", "seconds"])),
        profile("dict-size-zero.toml", Fails(USAGE, &["D must be at least 1"])),
        profile("page-size-zero.toml", Fails(USAGE, &["--page-size"])),
        profile(
            "empty-separator.toml",
            Fails(INPUT, &["name.separator must not be empty"]),
        ),
        profile(
            "regex-invalid.toml",
            Fails(INPUT, &["name.regex is not a valid regex", "unclosed group"]),
        ),
        profile(
            "regex-huge.toml",
            Fails(INPUT, &["name.regex is not a valid regex", "size limit"]),
        )
        .slow(),
        profile("regex-missing-groups.toml", Fails(INPUT, &["needs named groups"])),
        case(
            "layer-regex-without-group.toml",
            &[
                "--config",
                "{corpus}/profiles/layer-regex-without-group.toml",
                "--export",
                "{corpus}/exports/good.csv",
            ],
            Fails(EMPTY, &["all 2 run(s) were skipped", "no layer"]),
        ),
        case(
            "layer-regex-overflow.toml: a 20-digit layer",
            &[
                "--config",
                "{corpus}/profiles/layer-regex-overflow.toml",
                "--export",
                "{gen}/layer-overflow.csv",
            ],
            Fails(EMPTY, &["all 1 run(s) were skipped", "no layer"]),
        ),
        profile(
            "name-index-extremes.toml",
            Fails(EMPTY, &["index 9223372036854775807"]),
        ),
        profile("layers-empty.toml", Fails(EMPTY, &["none in layers []"])),
        profile(
            "layers-extreme.toml",
            Table {
                rows: 2,
                runs: 2,
                cells: &[(0, "layer", "6")],
            },
        ),
        profile(
            "empty.toml",
            Table {
                rows: 2,
                runs: 2,
                cells: &[(1, "run", G6)],
            },
        ),
        profile(
            "bom.toml",
            Table {
                rows: 2,
                runs: 2,
                cells: &[(0, "bits", "8.0")],
            },
        ),
        profile(
            "crlf.toml",
            Table {
                rows: 2,
                runs: 2,
                cells: &[(0, "bits", "8.0")],
            },
        ),
        case(
            "exports-self.toml",
            &["--config", "{corpus}/profiles/exports-self.toml", "--offline"],
            Fails(INPUT, &["exports-self.toml:1:", "no \"Name\" column"]),
        ),
        case(
            "export-is-directory.toml",
            &[
                "--config",
                "{corpus}/profiles/export-is-directory.toml",
                "--offline",
            ],
            Fails(INPUT, &["cannot read", "Is a directory"]),
        ),
        // A pattern exponential for a backtracking engine, on a 100k-character name that
        // almost matches: the regex crate is linear, so this is quick.
        case(
            "regex-catastrophic.toml",
            &[
                "--config",
                "{corpus}/profiles/regex-catastrophic.toml",
                "--export",
                "6={gen}/catastrophic.csv",
            ],
            Table {
                rows: 1,
                runs: 1,
                cells: &[(0, "activation", "aaa"), (0, "k", "32")],
            },
        )
        .stderr(&[
            "skipped 1 run(s)",
            "(100001 bytes)",
            "does not match the name regex",
        ]),
        // Generated: too big to commit.
        generated(
            "ten-mb-name.csv",
            Table {
                rows: 1,
                runs: 1,
                cells: &[(0, "activation", "topk"), (0, "k", "32")],
            },
        ),
        generated(
            "ten-mb-ignored-field.csv",
            Table {
                rows: 1,
                runs: 1,
                cells: &[(0, "run", "a_topk_32_0")],
            },
        ),
        // The one field swallows the rest of the file.
        generated(
            "ten-mb-unclosed-quote.csv",
            Fails(INPUT, &[":2:", "a quoted field opened here is never closed"]),
        ),
        generated(
            "twenty-mb-unclosed-quote.csv",
            Fails(INPUT, &[":2:", "runs past 16 MiB"]),
        ),
        generated(
            "hundred-thousand-columns.csv",
            Table {
                rows: 1,
                runs: 1,
                cells: &[(0, "run", "a_topk_32_0")],
            },
        ),
        generated(
            "two-million-commas.csv",
            Fails(INPUT, &[":1:", "more than 1048576 fields"]),
        ),
        generated(
            "ten-k-underscores.csv",
            Fails(EMPTY, &["all 1 run(s) were skipped", "(10000 bytes)"]),
        ),
        generated(
            "ten-k-underscores-then-a-name.csv",
            Table {
                rows: 1,
                runs: 1,
                cells: &[(0, "activation", "topk")],
            },
        ),
        generated(
            "deep-quotes.csv",
            Fails(INPUT, &[":2:", "a quoted field opened here is never closed"]),
        ),
        generated(
            "million-blank-lines.csv",
            Table {
                rows: 1,
                runs: 1,
                cells: &[(0, "run", "a_topk_32_0")],
            },
        ),
        generated(
            "hundred-thousand-runs.csv",
            Table {
                rows: 3,
                runs: 100_000,
                cells: &[(0, "activation", "relu"), (2, "activation", "topk")],
            },
        ),
        case(
            "/dev/zero: endless NULs, no line end",
            &["--export", "6=/dev/zero"],
            Fails(INPUT, &["/dev/zero:1:", "runs past 16 MiB"]),
        ),
        case(
            "deep-nesting.toml: 100k nested arrays",
            &[
                "--config",
                "{gen}/deep-nesting.toml",
                "--export",
                "6={corpus}/exports/good.csv",
            ],
            Fails(INPUT, &["deep-nesting.toml:1:", "recursion limit"]),
        ),
    ]
}

/// Writes the inputs too big to commit, once per test run.
fn generated_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let put = |name: &str, bytes: Vec<u8>| std::fs::write(dir.path().join(name), bytes).unwrap();
        let header = "\"Name\",\"l0_norm\",\"l2_loss\"\n";
        let ten_mb = "a".repeat(10_000_000);
        put(
            "ten-mb-name.csv",
            format!("{header}\"{ten_mb}_topk_32_0\",\"1\",\"0.5\"\n").into_bytes(),
        );
        put(
            "ten-mb-ignored-field.csv",
            format!("\"x\",{header}\"{ten_mb}\",\"a_topk_32_0\",\"1\",\"0.5\"\n").into_bytes(),
        );
        put(
            "ten-mb-unclosed-quote.csv",
            format!("{header}\"{ten_mb}").into_bytes(),
        );
        put(
            "twenty-mb-unclosed-quote.csv",
            format!("{header}\"{}", "bbbbbbbbbbbbbbbbbbb\n".repeat(1_000_000)).into_bytes(),
        );
        let mut wide = String::new();
        for i in 0..99_997 {
            wide.push_str(&format!("\"c{i}\","));
        }
        wide.push_str(header);
        wide.push_str(&"\"\",".repeat(99_997));
        wide.push_str("\"a_topk_32_0\",\"1\",\"0.5\"\n");
        put("hundred-thousand-columns.csv", wide.into_bytes());
        put("two-million-commas.csv", ",".repeat(2_000_000).into_bytes());
        let underscores = "_".repeat(10_000);
        put(
            "ten-k-underscores.csv",
            format!("{header}\"{underscores}\",\"1\",\"0.5\"\n").into_bytes(),
        );
        put(
            "ten-k-underscores-then-a-name.csv",
            format!("{header}\"{underscores}topk_32_0\",\"1\",\"0.5\"\n").into_bytes(),
        );
        // A field of 2M quote characters after the one that opens it: all escaped quotes, so
        // the field never closes.
        put(
            "deep-quotes.csv",
            format!("{header}\"{}", "\"".repeat(2_000_000)).into_bytes(),
        );
        put(
            "million-blank-lines.csv",
            format!(
                "{header}{}\"a_topk_32_0\",\"1\",\"0.5\"\n",
                "\n".repeat(1_000_000)
            )
            .into_bytes(),
        );
        let mut many = String::from(header);
        for i in 0..100_000 {
            let activation = ["topk", "relu", "topafa"][i % 3];
            many.push_str(&format!(
                "\"run{i}_{activation}_{}_0\",\"{}\",\"{}\"\n",
                i % 64,
                i % 97,
                1.0 / (i + 1) as f64
            ));
        }
        put("hundred-thousand-runs.csv", many.into_bytes());
        put(
            "catastrophic.csv",
            format!(
                "{header}\"{}!\",\"1\",\"0.5\"\n\"aaa_32\",\"2\",\"0.25\"\n",
                "a".repeat(100_000)
            )
            .into_bytes(),
        );
        put(
            "layer-overflow.csv",
            format!("{header}\"99999999999999999999_topk_32_0\",\"1\",\"0.5\"\n").into_bytes(),
        );
        put(
            "deep-nesting.toml",
            format!("layers = {}{}\n", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
        );
        dir
    })
    .path()
}

fn corpus_dir() -> PathBuf {
    root().join("tests/corpus")
}

/// What one run did.
struct Ran {
    code: Option<i32>,
    signal: Option<i32>,
    stderr: String,
    elapsed: Duration,
    peak_rss_kib: u64,
    hung: bool,
}

/// Peak resident memory so far (VmHWM), in KiB, while the process is alive.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs the binary under a time limit, sampling its peak memory until it exits. Where
/// `prlimit` exists, address space is also capped at 4 GiB, so a runaway fails fast rather
/// than taking the machine with it.
fn run_limited(work: &Workdir, args: &[String], limit: Duration) -> Ran {
    let mut command = work.command();
    if Path::new("/usr/bin/prlimit").exists() {
        let program = command.get_program().to_owned();
        let mut wrapped = Command::new("/usr/bin/prlimit");
        wrapped.arg("--as=4294967296").arg(program);
        for (key, value) in command.get_envs() {
            match value {
                Some(value) => wrapped.env(key, value),
                None => wrapped.env_remove(key),
            };
        }
        wrapped.current_dir(work.path());
        command = wrapped;
    }
    let stderr_path = work.join("stderr.txt");
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(File::create(work.join("stdout.txt")).unwrap())
        .stderr(File::create(&stderr_path).unwrap());
    let start = Instant::now();
    let mut child = command.spawn().unwrap();
    let pid = child.id();
    let mut peak = 0;
    let mut hung = false;
    let status = loop {
        if let Some(kib) = peak_rss_kib(pid) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            hung = true;
            child.kill().unwrap();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    use std::os::unix::process::ExitStatusExt;
    Ran {
        code: status.code(),
        signal: status.signal(),
        stderr: String::from_utf8_lossy(&std::fs::read(&stderr_path).unwrap()).into_owned(),
        elapsed: start.elapsed(),
        peak_rss_kib: peak,
        hung,
    }
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().iter().map(str::to_string).collect();
    let rows = reader
        .records()
        .map(|record| record.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// Checks one case; returns what is wrong with it.
fn check(case: &Case) -> Vec<String> {
    let work = Workdir::new();
    let corpus = corpus_dir().display().to_string();
    let generated = generated_dir().display().to_string();
    let mut args: Vec<String> = case
        .args
        .iter()
        .map(|a| a.replace("{corpus}", &corpus).replace("{gen}", &generated))
        .collect();
    args.extend(["--out", "out", "--lock-wait", "0"].map(String::from));
    let ran = run_limited(&work, &args, case.time);
    let mut faults = Vec::new();
    let err = &ran.stderr;
    if ran.hung {
        faults.push(format!("hangs: killed after {:?}", case.time));
    }
    if err.contains("panicked") || ran.code == Some(101) {
        faults.push(format!("panicked: {err}"));
    }
    if let Some(signal) = ran.signal.filter(|_| !ran.hung) {
        faults.push(format!("killed by signal {signal} (out of memory?)"));
    }
    let peak_mib = ran.peak_rss_kib / 1024;
    if peak_mib > case.max_rss_mib {
        faults.push(format!("peak memory {peak_mib} MiB > {} MiB", case.max_rss_mib));
    }
    if !faults.is_empty() {
        return faults;
    }
    let last = err.lines().last().unwrap_or("");
    match &case.expect {
        Fails(code, words) => {
            if ran.code != Some(*code) {
                faults.push(format!("exit {:?}, expected {code}", ran.code));
            }
            if !last.starts_with("error: ") {
                faults.push(format!("last stderr line is not an error: {last:?}"));
            }
            if last.len() > 2000 {
                faults.push(format!("error line of {} bytes", last.len()));
            }
            for word in *words {
                if !last.contains(word) {
                    faults.push(format!("error line lacks {word:?}: {last:?}"));
                }
            }
            if work.join("out/mdl-table.csv").exists() {
                faults.push("failed but wrote artifacts".into());
            }
        }
        Table { rows, runs, cells } => {
            if ran.code != Some(0) {
                faults.push(format!("exit {:?}, expected success: {err}", ran.code));
                return faults;
            }
            let (header, table) = read_csv(&work.join("out/mdl-table.csv"));
            if table.len() != *rows {
                faults.push(format!("{} table rows, expected {rows}", table.len()));
            }
            let (_, run_rows) = read_csv(&work.join("out/runs.csv"));
            if run_rows.len() != *runs {
                faults.push(format!("{} runs in runs.csv, expected {runs}", run_rows.len()));
            }
            for (row, column, value) in *cells {
                let index = header.iter().position(|h| h == column).expect(column);
                let found = table.get(*row).map(|r| r[index].as_str());
                if found != Some(value) {
                    faults.push(format!("row {row} {column} is {found:?}, expected {value:?}"));
                }
            }
            // XML 1.0 allows no control characters but tab and line ends.
            let svg = std::fs::read_to_string(work.join("out/frontier.svg")).unwrap();
            if let Some(c) = svg
                .chars()
                .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
            {
                faults.push(format!("frontier.svg holds {c:?}: not well-formed XML"));
            }
        }
    }
    for word in case.stderr {
        if !err.contains(word) {
            faults.push(format!("stderr lacks {word:?}: {err:?}"));
        }
    }
    if std::env::var_os("MDL_FETCH_CORPUS_VERBOSE").is_some() {
        eprintln!(
            "{}: exit {:?} in {:?}, peak {peak_mib} MiB",
            case.name, ran.code, ran.elapsed
        );
    }
    faults
}

#[test]
fn every_hostile_input_ends_in_a_clear_error_or_a_documented_result() {
    let cases = cases();
    // Two at a time: the generated inputs are big, and the timings should mean something.
    let (left, right): (Vec<_>, Vec<_>) = cases.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let problems: Vec<String> = std::thread::scope(|scope| {
        let halves = [left, right].map(|half| {
            scope.spawn(move || {
                half.into_iter()
                    .flat_map(|(_, case)| check(case).into_iter().map(|f| format!("{}: {f}", case.name)))
                    .collect::<Vec<_>>()
            })
        });
        halves.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every committed corpus file is some case's input, and there are at least 40 of them.
#[test]
fn the_corpus_is_all_in_the_table() {
    let cases = cases();
    let mut files = Vec::new();
    for folder in ["exports", "profiles"] {
        for entry in std::fs::read_dir(corpus_dir().join(folder)).unwrap() {
            files.push(format!(
                "{folder}/{}",
                entry.unwrap().file_name().to_string_lossy()
            ));
        }
    }
    assert!(files.len() >= 40, "only {} corpus files", files.len());
    let unused: Vec<_> = files
        .iter()
        .filter(|file| {
            !cases
                .iter()
                .any(|case| case.args.iter().any(|a| a.ends_with(file.as_str())))
        })
        .filter(|file| file.as_str() != "exports/good.csv")
        .collect();
    assert!(unused.is_empty(), "corpus files no case reads: {unused:?}");
}
