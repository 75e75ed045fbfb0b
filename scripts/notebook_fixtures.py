#!/usr/bin/env python3
"""Reference readings from pandas and Python, for tests/notebook_readings.rs.

The seed notebook read each export with `pd.read_csv`, read k from the run name with
`int(name.split('_')[-2])` and printed its table with tabulate. This script pins what
those calls do with the cells the seed's exports never had:

- `cells.json`: metric cells as `pd.read_csv` reads them: a float, NaN (pandas' NA
  spellings: `null`, `NA`, `N/A`, `None`, `#N/A`, `<NA>`, `-NaN`, ...), or text (the
  column is then a text column, which the notebook compares as text).
- `ints.json`: texts as `int()` reads them (Unicode digits, blanks, underscores, big
  integers, more than 4300 digits) and as `float()` reads them.
- `cases.json` and `<case>.md`: small exports run through the notebook's own code, with
  the table it printed (or the exception it raised), and what mdl-fetch must do.

    python3 scripts/notebook_fixtures.py --write fixtures/notebook

What mdl-fetch does where the notebook's output cannot be matched is set per case in
`MDL_FETCH` below, with the reason; the Rust test holds mdl-fetch to it. Every other
case must give the notebook's table byte for byte. Needs `pip install tabulate pandas`.
"""

import argparse
import io
import json
import math
import pathlib
import sys

import pandas as pd
from tabulate import __version__ as tabulate_version
from tabulate import tabulate

HEADER = '"Name","l0_norm","l2_loss"'


def notebook_table(csv_text, layer=6):
    """The seed notebook's cells 2-4, on one export given as text."""
    df = pd.read_csv(io.StringIO(csv_text))
    df["layer"] = layer

    def parse_name(name):
        parts_underscore = name.split("_")
        activation = parts_underscore[-3]
        k = int(parts_underscore[-2])
        return activation, k

    df[["activation", "k"]] = df["Name"].apply(lambda name: pd.Series(parse_name(name)))
    result = df.loc[df.groupby("activation")["l2_loss"].idxmin()][
        ["activation", "l0_norm", "l2_loss"]
    ]
    result = result.sort_values(by="activation")
    result.insert(0, "layer", layer)
    summary_df = pd.concat([result], ignore_index=True)
    summary_df["description_length"] = summary_df["l0_norm"].apply(
        lambda L0: L0 * (7 + math.log2(12288))
    )
    final_df = summary_df.drop(columns=["l0_norm"]).rename(
        columns={"l2_loss": "tolerance", "description_length": "MDL(tolerance)"}
    )
    return tabulate(final_df, headers="keys", tablefmt="github", showindex=False) + "\n"


def export(rows):
    """An export as the W&B UI writes one: every field quoted."""
    return "\n".join([HEADER] + [",".join(f'"{cell}"' for cell in row) for row in rows]) + "\n"


# pandas' default NA spellings (`pandas._libs.parsers.STR_NA_VALUES`), but the empty cell.
NA_SPELLINGS = sorted(s for s in pd._libs.parsers.STR_NA_VALUES if s)

# Metric cells: NA spellings, NaN and infinity spellings pandas does or does not take,
# blanks it skips (C's isspace) and those it does not (Unicode, \x1c).
METRIC_CELLS = NA_SPELLINGS + [
    "NAN", "Nan", "+nan", "+NaN", "-NAN", " nan ", "NaN ", " NA", "NA ", "na", "none",
    "Null", "NONE", "N/a", "#n/a", "nan(1)", "1.#INF",
    "inf", "-inf", "+inf", "Inf", "INF", "iNf", "infinity", "-Infinity", "+Infinity",
    "INFINITY", "infinite", " inf ", "\tinf",
    " 1.5 ", "1.5 ", "\t1.5", "\x0b1.5", "\x0c1.5", "\r1.5", "1.5\n", " +1.5", " -1.5",
    "- 1.5", "\xa01.5", "1.5\xa0", "\u20001.5", "\x1c1.5", "1.5\x1c", "  ",
    "1e400", "-1e400", "1e-400", "1E3", ".5", "5.", "+.5", "1_000", "0x10", "1d3", "1.5e",
    "e5", "1,5", "--1", "\uff11\uff12", "\u0663\u0662",
]


def pandas_cell(cell):
    """What `pd.read_csv` makes of one metric cell: a float repr, "nan", or "text"."""
    frame = pd.read_csv(io.StringIO(export([["a_topk_1_0", "1.0", "1.0"], ["b_topk_1_0", "1.0", cell]])))
    column = frame["l2_loss"]
    if column.dtype != "float64":
        return "text"
    value = float(column[1])
    return "nan" if math.isnan(value) else repr(value)


INT_TEXTS = [
    "64", "007", " 64 ", "+64", "-64", "- 64", "6_4", "6__4", "_64", "64_", "64.0", "",
    "\u0663\u0662", "\uff11\uff12", "\u0e52", "\U0001d7ce\U0001d7d7", "\u00b2", "\u2155",
    "\u3000" + "64" + "\u3000", "\xa064", "\x8564", "\x1c64", "64\x1f", "\t64\n",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808",
    "-9223372036854775809", "99999999999999999999", "1" * 4300, "1" * 4301,
    "0" * 4300 + "1", "1_" * 2300 + "1", "1e3", "0x40", "inf", "nan", "1,000",
]


def python_reading(conv, text):
    try:
        return str(conv(text)) if conv is int else repr(conv(text))
    except ValueError:
        return None


def named(name, k):
    return f"blocks.6.hook_resid_pre_12288_{name}_{k}_0"


# Exports run through the notebook. In each, the run whose cell is under test is the one
# the notebook selects, so that reading it any other way changes the table.
CASES = {
    "na_spellings_as_errors": export(
        [[named("topk", 64), "64.0", "0.5"]]
        + [[named(f"s{n}", 64), "64.0", na] for n, na in enumerate(NA_SPELLINGS)]
        + [[named(f"s{n}", 64), "32.0", "0.25"] for n in range(len(NA_SPELLINGS))]
    ),
    "na_spellings_as_l0": export(
        [[named(f"s{n}", 64), na, "0.125"] for n, na in enumerate(NA_SPELLINGS)]
        + [[named(f"s{n}", 64), "32.0", "0.25"] for n in range(len(NA_SPELLINGS))]
    ),
    "infinity_spellings": export(
        [[named(f"s{n}", 64), cell, "0.125"] for n, cell in
         enumerate(["inf", "-Infinity", "INF", "+inf", "iNfInItY", "1e400"])]
        + [[named("blank", 64), " 12.5 ", "\t0.25"]]
    ),
    "k_in_unicode_digits": export(
        [
            [named("topk", "\u0663\u0662"), "32.0", "0.125"],
            [named("topk", 64), "64.0", "0.25"],
            [named("relu", "\uff11\uff12"), "12.0", "0.125"],
            [named("relu", 64), "64.0", "0.25"],
            [named("batchtopk", "\u3000" + "16" + "\xa0"), "16.0", "0.125"],
            [named("batchtopk", 64), "64.0", "0.25"],
            [named("jumprelu", "\u0660\u0660\u0667"), "7.0", "0.125"],
            [named("jumprelu", 64), "64.0", "0.25"],
        ]
    ),
    "k_past_64_bits": export(
        [
            [named("topk", "99999999999999999999"), "32.0", "0.125"],
            [named("topk", 64), "64.0", "0.25"],
        ]
    ),
}
for n, cell in enumerate(["NAN", "+nan", " nan ", " NA", "\xa01.5", "1.5\x1c", "  ", "infinite"]):
    CASES[f"metric_pandas_reads_as_text_{n}"] = export(
        [[named("topk", 64), "64.0", "0.25"], [named("topk", 32), "32.0", cell]]
    )

# What mdl-fetch does instead of printing the notebook's table (or failing as it does).
MDL_FETCH = {
    # int() reads it, but mdl-fetch keeps k in 64 bits: exit 3 on the run's line.
    "k_past_64_bits": {"outcome": "refuses", "line": 2},
}
# A metric cell pandas does not read as a number turns the whole column into text; the
# notebook then picks each group's run by comparing texts ("+nan" < "0.25" < "NAN") and
# prints whichever text won. That is no reading of the numbers: mdl-fetch refuses the
# export with exit 3, naming the cell's line.
for name in CASES:
    if name.startswith("metric_pandas_reads_as_text_"):
        MDL_FETCH[name] = {"outcome": "refuses", "line": 3}


def run_notebook(csv_text):
    try:
        return notebook_table(csv_text), None
    except Exception as error:  # the notebook's failure is the expectation
        return None, type(error).__name__


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", metavar="DIR", help="write the fixtures here")
    args = parser.parse_args()
    cells = [{"cell": cell, "pandas": pandas_cell(cell)} for cell in METRIC_CELLS]
    ints = [
        {"text": t, "int": python_reading(int, t), "float": python_reading(float, t)}
        for t in INT_TEXTS
    ]
    cases = []
    tables = {}
    for name, csv_text in CASES.items():
        table, raised = run_notebook(csv_text)
        expected = MDL_FETCH.get(name, {"outcome": "matches"})
        if expected["outcome"] == "matches" and table is None:
            sys.exit(f"case {name}: the notebook raised {raised}; say what mdl-fetch does")
        cases.append(dict({"name": name, "csv": csv_text, "notebook": raised or "table"}, **expected))
        if table is not None:
            tables[name] = table
        print(f"## {name} ({raised or 'table'})\n{table or ''}")
    if args.write:
        out = pathlib.Path(args.write)
        out.mkdir(parents=True, exist_ok=True)
        versions = {
            "generated_by": "scripts/notebook_fixtures.py",
            "tabulate_version": tabulate_version,
            "pandas_version": pd.__version__,
            "python_version": sys.version.split()[0],
        }
        for file, key, items in [("cells.json", "cells", cells), ("ints.json", "ints", ints), ("cases.json", "cases", cases)]:
            body = ",\n".join(f"  {json.dumps(item)}" for item in items)
            head = "".join(f" {json.dumps(k)}: {json.dumps(v)},\n" for k, v in versions.items())
            text = "{\n" + head + f' "{key}": [\n{body}\n ]\n}}\n'
            assert json.loads(text)[key] == items
            (out / file).write_text(text)
        for name, table in tables.items():
            (out / f"{name}.md").write_text(table)
        print(f"wrote {len(cells)} cells, {len(ints)} ints, {len(cases)} cases to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
