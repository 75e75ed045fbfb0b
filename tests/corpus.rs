//! Hostile inputs: every file under `tests/corpus/` (broken and adversarial exports and
//! profiles), plus inputs too big to commit that are generated here at run time, each run
//! through the real binary under a time limit and with its peak memory measured.
//!
//! Each case has one documented outcome: the exit code and words of its one `error:` line,
//! or success with a table of so many rows and runs.csv of so many runs, and the values it
//! must hold. Whatever the case: no panic (exit 101 or "panicked"), no death by a signal, no
//! hang (killed after the time limit), no memory beyond the limit, and no error line longer
//! than a screenful.
//!
//! Each case is a test of its own in module `corpus`, named for its input:
//! `cargo test --test main corpus::utf16le` runs one. How a case
//! runs is in `tests/corpus_run/`.

#[path = "corpus_run/mod.rs"]
mod corpus_run;

use corpus_run::*;

/// A `#[test]` for each `name => case` (in module `corpus`), and `cases()`: all of them,
/// for the check that every corpus file is some case's input.
macro_rules! corpus_cases {
    ($($name:ident => $case:expr,)*) => {
        mod corpus {
            use super::*;

            $(
                #[test]
                fn $name() {
                    run($case);
                }
            )*
        }

        fn cases() -> Vec<Case> {
            vec![$($case),*]
        }
    };
}

const G6: &str = "blocks.6.hook_resid_pre_12288_topk_32_0.0";

corpus_cases! {
    // Cut short.
    truncated_in_quoted_field => export(
        "truncated-in-quoted-field.csv",
        Fails(INPUT, &[":3:", "never closed"]),
    ),
    truncated_mid_header => export(
        "truncated-mid-header.csv",
        Fails(INPUT, &[":1:", "no \"l0_norm\" column"]),
    ),
    truncated_mid_utf8 => export(
        "truncated-mid-utf8.csv",
        Fails(INPUT, &[":3:", "a quoted field opened here is never closed"]),
    ),
    // A cut right after a comma leaves an empty (missing) error: undetectable, and the
    // run simply never wins.
    truncated_after_comma => export(
        "truncated-after-comma.csv",
        Table {
            rows: 1,
            runs: 2,
            cells: &[(0, "run", G6)],
        },
    ),
    // Unquoted cells cut mid-number read as the shorter number (W&B quotes every
    // field, so a real cut shows as an unclosed quote instead).
    truncated_unquoted_number => export(
        "truncated-unquoted-number.csv",
        Table {
            rows: 1,
            runs: 2,
            cells: &[(0, "tolerance", "0.0"), (0, "run", "a_topk_64_0")],
        },
    ),
    empty_csv => export("empty.csv", Fails(INPUT, &[":1:", "the file is empty"])),
    bom_only => export("bom-only.csv", Fails(INPUT, &[":1:", "the file is empty"])),
    only_newlines => export("only-newlines.csv", Fails(INPUT, &[":1:", "the file is empty"])),
    header_only_bom_crlf => export(
        "header-only-bom-crlf.csv",
        Fails(EMPTY, &[":1:", "header but no runs"]),
    ),
    // NUL bytes and other binary.
    nul_in_name => export(
        "nul-in-name.csv",
        Table {
            rows: 1,
            runs: 1,
            cells: &[(0, "run", "blocks.6\0.hook_resid_pre_12288_topk_32_0.0")],
        },
    ),
    nul_in_number => export(
        "nul-in-number.csv",
        Fails(INPUT, &[":2:", "l2_loss value \"0.068\\0\" is not a number"]),
    ),
    all_nul => export(
        "all-nul.csv",
        Fails(INPUT, &[":1:", "no \"Name\" column", "(4096 bytes)"]),
    ),
    utf16le => export("utf16le.csv", Fails(INPUT, &[":1:", "not UTF-8"])),
    gzipped => export("gzipped.csv", Fails(INPUT, &[":1:", "not UTF-8"])),
    // Not an export at all.
    html_login_page => export(
        "html-login-page.csv",
        Fails(INPUT, &[":1:", "no \"Name\" column"]),
    ),
    json_instead => export("json-instead.csv", Fails(INPUT, &[":1:", "no \"Name\" column"])),
    semicolon_delimited => export(
        "semicolon-delimited.csv",
        Fails(INPUT, &[":1:", "no \"Name\" column"]),
    ),
    tab_delimited => export("tab-delimited.csv", Fails(INPUT, &[":1:", "no \"Name\" column"])),
    excel_sep_line => export("excel-sep-line.csv", Fails(INPUT, &[":1:", "\"sep=\""])),
    space_padded_header => export("space-padded-header.csv", Fails(INPUT, &[":1:", "\"Name \""])),
    header_wrong_case => export(
        "header-wrong-case.csv",
        Fails(INPUT, &[":1:", "no \"Name\" column", "\"name\""]),
    ),
    bom_twice => export("bom-twice.csv", Fails(INPUT, &[":1:", "no \"Name\" column"])),
    duplicate_header => export(
        "duplicate-header.csv",
        Fails(INPUT, &[":1:", "\"l0_norm\" appears twice"]),
    ),
    ragged_short_row => export(
        "ragged-short-row.csv",
        Fails(INPUT, &[":3:", "row has 2 fields but the header has 3"]),
    ),
    // Quoting.
    nested_quotes => export(
        "nested-quotes.csv",
        Table {
            rows: 1,
            runs: 2,
            cells: &[(0, "activation", "topk"), (0, "k", "32")],
        },
    ),
    // Seven quotes after the name: three escaped, one closing; the row is whole.
    quotes_odd_run => export(
        "quotes-odd-run.csv",
        Table {
            rows: 1,
            runs: 2,
            cells: &[(0, "run", G6)],
        },
    ),
    quote_inside_unquoted => export(
        "quote-inside-unquoted.csv",
        Table {
            rows: 1,
            runs: 1,
            cells: &[(0, "run", "a\"b_topk_32_0")],
        },
    ),
    // Text after a closing quote joins the field, as `csv` (and pandas) read it.
    text_after_closing_quote => export(
        "text-after-closing-quote.csv",
        Table {
            rows: 1,
            runs: 1,
            cells: &[(0, "run", "a_topk_32_0x")],
        },
    ),
    // Line ends.
    mixed_line_endings => export(
        "mixed-line-endings.csv",
        Table {
            rows: 4,
            runs: 5,
            cells: &[(0, "activation", "batchtopk"), (3, "run", "b_topk_32_0")],
        },
    ),
    cr_only => export(
        "cr-only.csv",
        Table {
            rows: 2,
            runs: 2,
            cells: &[(0, "activation", "relu"), (1, "activation", "topk")],
        },
    ),
    blank_lines_everywhere => export(
        "blank-lines-everywhere.csv",
        Table {
            rows: 2,
            runs: 2,
            cells: &[(0, "activation", "relu")],
        },
    ),
    // A name spanning three lines: the skipped run after it is reported on line 5.
    newline_inside_quoted_name => export(
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
    crlf_line_numbers => export(
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
    l0_1e400 => export(
        "l0-1e400.csv",
        Table {
            rows: 1,
            runs: 1,
            cells: &[(0, "l0", "inf"), (0, "MDL(tolerance)", "inf")],
        },
    ),
    l2_1e400_loses => export(
        "l2-1e400-loses.csv",
        Table {
            rows: 1,
            runs: 2,
            cells: &[(0, "run", "b_topk_32_0")],
        },
    ),
    l2_only_infinite => export(
        "l2-only-infinite.csv",
        Table {
            rows: 1,
            runs: 1,
            cells: &[(0, "tolerance", "inf")],
        },
    ),
    // Extreme finite values: the plot's log axes once padded these past f64's range and
    // rendering frontier.svg spun forever (and ignored the first SIGTERM).
    subnormal_l0 => export(
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
    near_max_metrics => export(
        "near-max-metrics.csv",
        Table {
            rows: 1,
            runs: 1,
            cells: &[(0, "tolerance", "1.5e+308"), (0, "l0", "8e+306")],
        },
    ),
    extreme_identical => export(
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
    negative_metrics => export(
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
    nan_metrics => export(
        "nan-metrics.csv",
        Fails(EMPTY, &["3 run(s) read", "usable l2_loss"]),
    ),
    nan_l0 => export(
        "nan-l0.csv",
        Table {
            rows: 1,
            runs: 1,
            cells: &[(0, "MDL(tolerance)", "nan")],
        },
    ),
    float_spellings => export(
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
    underscore_number => export(
        "underscore-number.csv",
        Fails(INPUT, &[":2:", "\"1_000\" is not a number"]),
    ),
    hex_float => export(
        "hex-float.csv",
        Fails(INPUT, &[":2:", "\"0x1p3\" is not a number"]),
    ),
    // Python's int() reads a k past i64, so the notebook would tabulate the run: refused
    // (mdl-fetch keeps k in 64 bits) rather than skipped.
    k_overflow => export(
        "k-overflow.csv",
        Fails(
            INPUT,
            &[
                ":2: run \"a_topk_99999999999999999999_0\"",
                "k \"99999999999999999999\" is a whole number past the 64-bit range",
            ],
        ),
    ),
    // A layer column is read only when --export gives no layer.
    layer_column_junk => case(
        "layer-column-junk.csv",
        &["--export", "{corpus}/exports/layer-column-junk.csv"],
        Fails(INPUT, &[":2:", "layer value \"six\" is not a whole number"]),
    ),
    layer_column_1e400 => case(
        "layer-column-1e400.csv",
        &["--export", "{corpus}/exports/layer-column-1e400.csv"],
        Fails(INPUT, &[":2:", "layer value \"1e400\" is not a whole number"]),
    ),
    layer_column_negative_zero => case(
        "layer-column-negative-zero.csv",
        &[
            "--export",
            "{corpus}/exports/layer-column-negative-zero.csv",
            "--layers",
            "0",
        ],
        // pandas reads the column as floats and `int()` takes 9e15 as a whole number: a
        // layer, not asked for here; -0.0 is layer 0.
        Table {
            rows: 1,
            runs: 2,
            cells: &[(0, "layer", "0")],
        },
    ),
    // A dictionary size that is negative, zero or empty falls back to the default D.
    // D of -5 and 0 is no dictionary size: those runs are skipped (a data warning), never
    // priced with the default D; an empty cell is no D given, so the default prices it.
    dict_size_column_odd => export(
        "dict-size-column-odd.csv",
        Table {
            rows: 1,
            runs: 1,
            cells: &[(0, "activation", "topafa"), (0, "dict_size", "12288")],
        },
    ),
    // Unicode: no normalization, groups by code point, RTL overrides passed through.
    unicode_rtl => export(
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
    unicode_combining => export(
        "unicode-combining.csv",
        Table {
            rows: 3,
            runs: 3,
            cells: &[(1, "activation", "re\u{301}lu"), (2, "activation", "r\u{e9}lu")],
        },
    ),
    unicode_emoji => export(
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
    // A fullwidth low line is not `_`; Arabic-Indic digits are a k, as Python's int()
    // reads them; no-break spaces around k are trimmed as Python's are.
    unicode_lookalike_separators => export(
        "unicode-lookalike-separators.csv",
        Table {
            rows: 1,
            runs: 2,
            cells: &[(0, "k", "32"), (0, "tolerance", "0.25")],
        },
    )
    .stderr(&["skipped 1 run(s)", ":2: run \"a\u{ff3f}topk"]),
    // Terminal escapes in names: escaped in messages; an activation left with a control
    // character (BEL) once its colour codes are set aside is refused, as tabulate's width
    // for it depends on the optional wcwidth package.
    control_chars_in_names => export(
        "control-chars-in-names.csv",
        Fails(
            INPUT,
            &[
                "control-chars-in-names.csv:2: activation \"t\\u{1b}[31mk\\u{7}\"",
                "holds a control character",
            ],
        ),
    ),
    // Exports carry no run id: every row is a run; the smallest error wins, a tie goes to
    // the first.
    duplicate_runs => export(
        "duplicate-runs.csv",
        Table {
            rows: 1,
            runs: 4,
            cells: &[(0, "l0", "31.9")],
        },
    ),
    // Profiles: wrong types, bad values, bad regexes.
    wrong_type_bits => profile(
        "wrong-type-bits.toml",
        Fails(
            INPUT,
            &["wrong-type-bits.toml:2:", "invalid type: string \"seven\""],
        ),
    ),
    wrong_type_layers_bool => profile(
        "wrong-type-layers-bool.toml",
        Fails(INPUT, &[":1:", "expected a list of layers such as [6, 7, 8]"]),
    ),
    wrong_type_layers_float => profile(
        "wrong-type-layers-float.toml",
        Fails(INPUT, &[":1:", "floating point `6.5`, expected i64"]),
    ),
    wrong_type_name_index => profile(
        "wrong-type-name-index.toml",
        Fails(INPUT, &[":2:", "expected isize"]),
    ),
    negative_dict_size => profile(
        "negative-dict-size.toml",
        Fails(INPUT, &[":1:", "integer `-1`, expected u64"]),
    ),
    page_size_overflow => profile("page-size-overflow.toml", Fails(INPUT, &[":2:", "expected u32"])),
    columns_as_array => profile("columns-as-array.toml", Fails(INPUT, &[":1:", "bad profile"])),
    exports_as_string => profile(
        "exports-as-string.toml",
        Fails(INPUT, &[":1:", "expected a sequence"]),
    ),
    export_without_path => profile(
        "export-without-path.toml",
        Fails(INPUT, &[":1:", "missing field `path`"]),
    ),
    inline_table_garbage => profile(
        "inline-table-garbage.toml",
        Fails(INPUT, &[":1:", "expected isize"]),
    ),
    unknown_key => profile(
        "unknown-key.toml",
        Fails(INPUT, &[":3:", "unknown field `page_sise`"]),
    ),
    duplicate_key => profile(
        "duplicate-key.toml",
        Fails(INPUT, &[":2:", "duplicate key `bits`"]),
    ),
    not_utf8 => profile(
        "not-utf8.toml",
        Fails(INPUT, &["cannot read profile", "valid UTF-8"]),
    ),
    nul_byte => profile(
        "nul-byte.toml",
        Fails(INPUT, &["nul-byte.toml:1:", "bad profile"]),
    ),
    bits_nan => profile(
        "bits-nan.toml",
        Fails(USAGE, &["NaN", "B must be a finite number"]),
    ),
    bits_inf => profile(
        "bits-inf.toml",
        Fails(USAGE, &["inf", "B must be a finite number"]),
    ),
    timeout_nan => profile("timeout-nan.toml", Fails(USAGE, &["--timeout NaN", "seconds"])),
    deadline_1e300 => profile("deadline-1e300.toml", Fails(USAGE, &["--deadline", "seconds"])),
    dict_size_zero => profile("dict-size-zero.toml", Fails(USAGE, &["D must be at least 1"])),
    page_size_zero => profile("page-size-zero.toml", Fails(USAGE, &["--page-size"])),
    empty_separator => profile(
        "empty-separator.toml",
        Fails(INPUT, &["name.separator must not be empty"]),
    ),
    regex_invalid => profile(
        "regex-invalid.toml",
        Fails(INPUT, &["name.regex is not a valid regex", "unclosed group"]),
    ),
    regex_huge => profile(
        "regex-huge.toml",
        Fails(INPUT, &["name.regex is not a valid regex", "size limit"]),
    )
    .slow(),
    regex_missing_groups => profile("regex-missing-groups.toml", Fails(INPUT, &["needs named groups"])),
    layer_regex_without_group => case(
        "layer-regex-without-group.toml",
        &[
            "--config",
            "{corpus}/profiles/layer-regex-without-group.toml",
            "--export",
            "{corpus}/exports/good.csv",
        ],
        Fails(EMPTY, &["all 2 run(s) were skipped", "no layer"]),
    ),
    layer_regex_overflow => case(
        "layer-regex-overflow.toml: a 20-digit layer",
        &[
            "--config",
            "{corpus}/profiles/layer-regex-overflow.toml",
            "--export",
            "{gen}/layer-overflow.csv",
        ],
        Fails(EMPTY, &["all 1 run(s) were skipped", "no layer"]),
    ),
    name_index_extremes => profile(
        "name-index-extremes.toml",
        Fails(EMPTY, &["index 9223372036854775807"]),
    ),
    layers_empty => profile("layers-empty.toml", Fails(INPUT, &[":1:", "names no layer"])),
    layers_extreme => profile(
        "layers-extreme.toml",
        Table {
            rows: 2,
            runs: 2,
            cells: &[(0, "layer", "6")],
        },
    ),
    empty => profile(
        "empty.toml",
        Table {
            rows: 2,
            runs: 2,
            cells: &[(1, "run", G6)],
        },
    ),
    bom => profile(
        "bom.toml",
        Table {
            rows: 2,
            runs: 2,
            cells: &[(0, "bits", "8.0")],
        },
    ),
    crlf => profile(
        "crlf.toml",
        Table {
            rows: 2,
            runs: 2,
            cells: &[(0, "bits", "8.0")],
        },
    ),
    exports_self => case(
        "exports-self.toml",
        &["--config", "{corpus}/profiles/exports-self.toml", "--offline"],
        Fails(INPUT, &["exports-self.toml:1:", "no \"Name\" column"]),
    ),
    export_is_directory => case(
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
    regex_catastrophic => case(
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
    ten_mb_name => generated(
        "ten-mb-name.csv",
        Table {
            rows: 1,
            runs: 1,
            cells: &[(0, "activation", "topk"), (0, "k", "32")],
        },
    ),
    ten_mb_ignored_field => generated(
        "ten-mb-ignored-field.csv",
        Table {
            rows: 1,
            runs: 1,
            cells: &[(0, "run", "a_topk_32_0")],
        },
    ),
    // The one field swallows the rest of the file.
    ten_mb_unclosed_quote => generated(
        "ten-mb-unclosed-quote.csv",
        Fails(INPUT, &[":2:", "a quoted field opened here is never closed"]),
    ),
    twenty_mb_unclosed_quote => generated(
        "twenty-mb-unclosed-quote.csv",
        Fails(INPUT, &[":2:", "runs past 16 MiB"]),
    ),
    hundred_thousand_columns => generated(
        "hundred-thousand-columns.csv",
        Table {
            rows: 1,
            runs: 1,
            cells: &[(0, "run", "a_topk_32_0")],
        },
    ),
    two_million_commas => generated(
        "two-million-commas.csv",
        Fails(INPUT, &[":1:", "more than 1048576 fields"]),
    ),
    ten_k_underscores => generated(
        "ten-k-underscores.csv",
        Fails(EMPTY, &["all 1 run(s) were skipped", "(10000 bytes)"]),
    ),
    ten_k_underscores_then_a_name => generated(
        "ten-k-underscores-then-a-name.csv",
        Table {
            rows: 1,
            runs: 1,
            cells: &[(0, "activation", "topk")],
        },
    ),
    deep_quotes => generated(
        "deep-quotes.csv",
        Fails(INPUT, &[":2:", "a quoted field opened here is never closed"]),
    ),
    million_blank_lines => generated(
        "million-blank-lines.csv",
        Table {
            rows: 1,
            runs: 1,
            cells: &[(0, "run", "a_topk_32_0")],
        },
    ),
    hundred_thousand_runs => generated(
        "hundred-thousand-runs.csv",
        Table {
            rows: 3,
            runs: 100_000,
            cells: &[(0, "activation", "relu"), (2, "activation", "topk")],
        },
    ),
    dev_zero => case(
        "/dev/zero: endless NULs, no line end",
        &["--export", "6=/dev/zero"],
        Fails(INPUT, &["/dev/zero:1:", "runs past 16 MiB"]),
    ),
    deep_nesting => case(
        "deep-nesting.toml: 100k nested arrays",
        &[
            "--config",
            "{gen}/deep-nesting.toml",
            "--export",
            "6={corpus}/exports/good.csv",
        ],
        Fails(INPUT, &["deep-nesting.toml:1:", "recursion limit"]),
    ),
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
