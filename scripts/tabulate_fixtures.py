#!/usr/bin/env python3
"""Reference layouts from Python's `tabulate`, for tests/markdown_layout.rs.

The seed notebook printed its table with

    tabulate(final_df, headers="keys", tablefmt="github", showindex=False)

where `final_df` was a pandas DataFrame with columns layer (int), activation (str),
tolerance (float) and MDL(tolerance) (float). This script builds DataFrames of the same
shape for layouts the seed's table never exercised (exponent notation, huge and negative
numbers, NaN/inf, long names, one row, ...) and prints each table the same way.

    python3 scripts/tabulate_fixtures.py                          # print every case
    python3 scripts/tabulate_fixtures.py --write fixtures/tabulate

`--write` stores the inputs as `cases.json` and each expected table as `<case>.md`
(tabulate's text plus the newline `print` adds, as `mdl-table.md` ends). The outputs are
committed, so the Rust test never needs Python. In `cases.json` each column has a type,
"int", "text" or "float"; float cells are stored as Python `repr` strings so NaN and
infinities survive JSON. A case with `"mdl_fetch": "refuses"` is one mdl-fetch refuses
to print (see the comment above those cases); its `.md` is what tabulate printed.

Widths are what tabulate measures with the `wcwidth` package installed (as in a Jupyter
notebook, where IPython brings it); for the texts of these cases that is one column a
character, terminal escapes not counted. Needs `pip install tabulate pandas wcwidth`.
"""

import argparse
import json
import math
import pathlib
import random
import sys

import pandas as pd
from tabulate import __version__ as tabulate_version
from tabulate import tabulate

SEED_HEADERS = ["layer", "activation", "tolerance", "MDL(tolerance)"]
SEED_TYPES = ["int", "text", "float", "float"]


def case(name, rows, headers=SEED_HEADERS, types=SEED_TYPES):
    return {"name": name, "headers": headers, "types": types, "rows": rows}


def activations(name, names, refused=False):
    """One row per activation name, the other cells plain; `refused`: mdl-fetch refuses it."""
    rows = [[6 + n % 3, text, 0.5 / (n + 1), 1000.0 + n] for n, text in enumerate(names)]
    spec = case(name, rows)
    if refused:
        spec["mdl_fetch"] = "refuses"
    return spec


def random_rows(seed, count):
    """Rows whose floats span many magnitudes, both signs and both notations."""
    rng = random.Random(seed)
    activations = ["topk", "batchtopk", "topafa", "jumprelu", "relu", "gated_sae_v2"]
    rows = []
    for _ in range(count):
        layer = rng.choice([0, 6, 7, 8, 11, 47, -1, 1000, 2**31])
        tolerance = rng.choice([1, -1]) * 10 ** rng.uniform(-9, 9)
        mdl = rng.choice(
            [
                rng.uniform(0, 100000),
                float(rng.randrange(1, 10**7)),
                round(rng.uniform(0, 1000), rng.randrange(0, 4)),
                10 ** rng.uniform(-8, 12),
            ]
        )
        rows.append([layer, rng.choice(activations), tolerance, mdl])
    return rows


CASES = [
    case(
        "seed",
        [
            [6, "batchtopk", 0.0001650755002629012, 21079.0],
            [6, "topafa", 0.00016411, 41937.49],
            [7, "topk", 0.000181183, 60874.6],
        ],
    ),
    case(
        "exponent_notation",
        [
            [6, "topk", 1e-05, 1.5e-07],
            [6, "batchtopk", 1.5e-07, 21079.0],
            [7, "topafa", 0.000165076, 0.0001],
            [8, "topk", 9.99999e-05, 3.25e-12],
        ],
    ),
    case(
        "large_values",
        [
            [6, "topk", 123456789.0, 999999.5],
            [7, "batchtopk", 1e16, 123456.5],
            [8, "topafa", 0.5, 1e100],
            [9, "topk", 999999.0, 1234567.0],
        ],
    ),
    case(
        "large_integers_in_layer",
        [
            [123456789, "topk", 0.0001, 21079.0],
            [6, "batchtopk", 0.0002, 41937.5],
            [9007199254740993, "topafa", 0.0003, 1.0],
        ],
    ),
    case(
        "negative_numbers",
        [
            [-1, "topk", -0.0001, -21079.0],
            [6, "batchtopk", -1e-05, 2.5],
            [-123, "topafa", -123456.7, -0.0],
            [7, "relu", 0.25, -1.5e-07],
        ],
    ),
    case(
        "nan_and_inf",
        [
            [6, "topk", math.nan, 21079.0],
            [6, "batchtopk", 0.000165076, math.inf],
            [7, "topafa", math.inf, -math.inf],
            [8, "topk", -math.inf, math.nan],
            [8, "relu", 1.5, 2.0],
        ],
    ),
    case(
        "long_activation_names",
        [
            [6, "topk", 0.0001, 21079.0],
            [6, "batchtopk_with_a_really_quite_long_activation_name", 0.0002, 41937.5],
            [7, "a", 0.0003, 1.5],
        ],
    ),
    case("single_row", [[6, "topk", 0.000173874, 21068.6]]),
    case(
        "mixed_integral_and_fractional",
        [
            [6, "topk", 1.0, 21079.0],
            [6, "batchtopk", 0.5, 41937.49],
            [7, "topafa", 2.0, 5.0],
            [7, "topk", 0.125, 0.0],
            [8, "relu", 3.0, 100.25],
        ],
    ),
    case(
        "all_integral_floats",
        [[6, "topk", 1.0, 21079.0], [7, "batchtopk", 20.0, 3.0]],
    ),
    case(
        "narrow_values_wide_headers",
        [[1, "x", 0.5, 1.0], [2, "y", 0.25, 2.0]],
        headers=["layer_index_long_header", "act", "tol", "MDL(tolerance) in bits"],
    ),
    case("random_a", random_rows(1, 12)),
    case("random_b", random_rows(2, 12)),
    case("random_c", random_rows(3, 20)),
    # Activations are text, but tabulate types a column by its cells: a column of
    # number-like names is right-aligned on the point, an int column keeps each text as it
    # is (blanks too), a float column prints `format(float(text), "g")`.
    activations("activations_all_integers", ["1", "22", "3"]),
    activations("activations_ints_and_floats", ["007", "2.5", "1e3", "-0.000012345"]),
    activations("activations_thousands_separators", ["1,000", "1,000.5", "2"]),
    activations("activations_blanks_in_an_int_column", [" 7 ", "12", "+5", "-0"]),
    activations("activations_blanks_in_a_float_column", [" 7 ", "1.5"]),
    activations("activations_nan_and_inf", ["nan", "inf", "-inf", "1"]),
    activations("activations_unicode_digits", ["\uff11\uff12", "\u0663.\u0665"]),
    activations("activations_underscores", ["1_000", "2_0.5"]),
    activations("activations_bool_and_number", ["True", "1.5"]),
    activations("activations_number_words_tabulate_keeps", ["+inf", "1e400", "1"]),
    activations("activations_empty_among_words", ["", "topk"]),
    activations("activations_empty_among_numbers", ["", "7"]),
    # Python's str.strip() also strips \x1c-\x1f (and int() does not), and a line break at
    # either end of a text cell is stripped before tabulate looks for multi-line cells.
    activations("activations_information_separators", ["\x1ctopk\x1f", "\x1e relu\x1d", "batchtopk"]),
    activations("activations_separators_around_digits", ["\x1c7\x1f", "12"]),
    activations("activations_outer_line_breaks", ["topk\n", "\r\nrelu", "batchtopk"]),
    activations("activations_line_break_after_an_int", ["7\n", "12"]),
    # Terminal escapes are printed, but not counted in the width.
    activations("activations_ansi_colour", ["\x1b[31mred\x1b[0m", "topk", "\x1b[1;4mbold\x1b[0m"]),
    activations(
        "activations_ansi_hyperlink",
        ["\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\", "topk"],
    ),
    # mdl-fetch refuses these (exit 3, naming the file and line of the run), rather than
    # print what tabulate prints: a bare '|' splits the markdown row into extra columns,
    # a line break inside a name makes tabulate print the row over two table rows, a
    # control character left inside makes the layout depend on whether the optional
    # wcwidth package is installed (it counts such a text as -1 columns wide), and a
    # number in terminal escapes goes through tabulate's colour-code rewriting.
    activations("refused_pipe", ["a|b", "topk"], refused=True),
    activations("refused_newline", ["a\nb", "topk"], refused=True),
    activations("refused_carriage_return", ["a\rb", "topk"], refused=True),
    activations("refused_crlf", ["a\r\nb", "topk"], refused=True),
    activations("refused_control_inside", ["a\x1cb", "topk"], refused=True),
    activations("refused_tab_inside", ["a\tb", "topk"], refused=True),
    activations("refused_bare_escape", ["\x1bred", "topk"], refused=True),
    activations("refused_number_in_escapes", ["\x1b[31m7\x1b[0m", "12"], refused=True),
]


def frame(spec):
    """The DataFrame the notebook would have built: int, str and float64 columns."""
    data = {}
    for index, (header, kind) in enumerate(zip(spec["headers"], spec["types"])):
        values = [row[index] for row in spec["rows"]]
        dtype = {"int": "int64", "text": "object", "float": "float64"}[kind]
        data[header] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(data)


def render(spec):
    return tabulate(frame(spec), headers="keys", tablefmt="github", showindex=False) + "\n"


def to_json(spec):
    def cell(value, kind):
        return repr(float(value)) if kind == "float" else value

    rows = [[cell(v, k) for v, k in zip(row, spec["types"])] for row in spec["rows"]]
    return dict(spec, rows=rows)


def compact_json(document):
    """JSON with one case row per line, so diffs of cases.json stay readable."""
    lines = ["{"]
    for key in ["generated_by", "tabulate_version", "pandas_version"]:
        lines.append(f" {json.dumps(key)}: {json.dumps(document[key])},")
    lines.append(' "cases": [')
    for n, spec in enumerate(document["cases"]):
        lines.append("  {")
        for key in ["name", "headers", "types", "mdl_fetch"]:
            if key in spec:
                lines.append(f"   {json.dumps(key)}: {json.dumps(spec[key])},")
        rows = ",\n".join(f"    {json.dumps(row)}" for row in spec["rows"])
        lines.append(f'   "rows": [\n{rows}\n   ]')
        lines.append("  }" + ("," if n + 1 < len(document["cases"]) else ""))
    lines.append(" ]")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == document
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", metavar="DIR", help="write cases.json and <case>.md here")
    args = parser.parse_args()
    for spec in CASES:
        print(f"## {spec['name']}\n{render(spec)}")
    if args.write:
        out = pathlib.Path(args.write)
        out.mkdir(parents=True, exist_ok=True)
        document = {
            "generated_by": "scripts/tabulate_fixtures.py",
            "tabulate_version": tabulate_version,
            "pandas_version": pd.__version__,
            "cases": [to_json(spec) for spec in CASES],
        }
        (out / "cases.json").write_text(compact_json(document))
        for spec in CASES:
            (out / f"{spec['name']}.md").write_text(render(spec))
        print(f"wrote {len(CASES)} cases to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
