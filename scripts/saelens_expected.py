#!/usr/bin/env python3
"""The expected table of the SAELens-style fixture sweep, computed by pandas, for
tests/saelens_sweep.rs.

`fixtures/saelens-sweep/export.csv` is what `cargo run --example gen_saelens_sweep` writes
(a W&B web-page export of 300 runs with random names, the layout in config columns). This
script makes its table as the seed notebook makes one, with the profile `mdl-fetch init`
writes for it: finished runs only, layers 4-10, per (hook_layer, architecture) the run
with the smallest `losses/mse_loss` (`idxmin`: NaN skipped, the first row wins a tie), and
DL = L0 * (B + log2 D) with B = 7 and D each run's own `d_sae`.

- `expected-table.md`: the table as `tabulate(..., tablefmt="github")` prints it.
- `expected-table.csv`: the same rows with the selected run's name, D and L0, and the
  floats as Python's `repr` writes them.

    python3 scripts/saelens_expected.py --write fixtures/saelens-sweep

Needs `pip install pandas tabulate`.
"""

import argparse
import math
import pathlib

import pandas as pd
from tabulate import tabulate

EXPORT = "export.csv"
LAYERS = range(4, 11)
STATES = ["finished"]
B = 7


def best_runs(export_path):
    """Per layer and architecture, the kept run with the smallest error."""
    df = pd.read_csv(export_path)
    df = df[df["State"].isin(STATES) & df["hook_layer"].isin(LAYERS)]
    best = df.loc[df.groupby(["hook_layer", "architecture"])["losses/mse_loss"].idxmin()]
    best = best.sort_values(by=["hook_layer", "architecture"])
    best = best.assign(
        dl=[l0 * (B + math.log2(d)) for l0, d in zip(best["metrics/l0"], best["d_sae"])]
    )
    return best


def markdown(best):
    final_df = pd.DataFrame(
        {
            "layer": best["hook_layer"].to_list(),
            "activation": best["architecture"].to_list(),
            "tolerance": best["losses/mse_loss"].to_list(),
            "MDL(tolerance)": best["dl"].to_list(),
        }
    )
    return tabulate(final_df, headers="keys", tablefmt="github", showindex=False) + "\n"


def csv_text(best):
    lines = ["layer,activation,run,d_sae,l0,tolerance,mdl"]
    for row in best.to_dict("records"):
        cells = [
            str(int(row["hook_layer"])),
            row["architecture"],
            row["Name"],
            str(int(row["d_sae"])),
            repr(float(row["metrics/l0"])),
            repr(float(row["losses/mse_loss"])),
            repr(float(row["dl"])),
        ]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", metavar="DIR", help="write the two files into DIR")
    parser.add_argument("--export", default=None, help="the export (default DIR/export.csv)")
    args = parser.parse_args()
    folder = pathlib.Path(args.write or "fixtures/saelens-sweep")
    best = best_runs(args.export or folder / EXPORT)
    table, rows = markdown(best), csv_text(best)
    if not args.write:
        print(table, end="")
        print(rows, end="")
        return
    (folder / "expected-table.md").write_text(table)
    (folder / "expected-table.csv").write_text(rows)
    print(f"wrote {folder}/expected-table.md and expected-table.csv ({len(best)} rows)")


if __name__ == "__main__":
    main()
