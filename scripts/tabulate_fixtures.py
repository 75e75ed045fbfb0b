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
infinities survive JSON. Needs `pip install tabulate pandas`.
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
        for key in ["name", "headers", "types"]:
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
        if any("|" in str(cell) for row in spec["rows"] for cell in row):
            sys.exit(f"case {spec['name']}: '|' is escaped by the Rust renderer on purpose")
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
