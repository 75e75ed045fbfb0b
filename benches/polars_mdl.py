"""The seed notebook's computation written well in polars, the fast peer for the offline
benchmark: lazy scan, vectorised name split, one group-by with arg_min, then the table.

    python benches/polars_mdl.py 6=layer-6.csv 7=layer-7.csv 8=layer-8.csv

Prints the markdown table the seed prints (tabulate, github). Per (layer, activation) the
run with the smallest l2_loss; NaN and empty never win; the first run wins a tie.
"""

import math
import sys

import polars as pl
from tabulate import tabulate

B, D = 7, 12288


def layer_frame(layer: int, path: str) -> pl.LazyFrame:
    parts = pl.col("Name").str.split("_")
    return (
        pl.scan_csv(path, schema_overrides={"l0_norm": pl.Float64, "l2_loss": pl.Float64})
        .select("Name", "l0_norm", "l2_loss")
        .with_columns(
            layer=pl.lit(layer, dtype=pl.Int64),
            activation=parts.list.get(-3),
            k=parts.list.get(-2).cast(pl.Int64),
        )
    )


def main(args: list[str]) -> None:
    frames = []
    for arg in args:
        layer, path = arg.split("=", 1)
        frames.append(layer_frame(int(layer), path))
    best = (
        pl.concat(frames)
        .filter(pl.col("l2_loss").is_not_null() & pl.col("l2_loss").is_not_nan())
        .group_by("layer", "activation")
        .agg(
            pl.col("l2_loss").get(pl.col("l2_loss").arg_min()).alias("tolerance"),
            pl.col("l0_norm").get(pl.col("l2_loss").arg_min()).alias("l0"),
        )
        .sort("layer", "activation")
        .with_columns((pl.col("l0") * (B + math.log2(D))).alias("MDL(tolerance)"))
        .select("layer", "activation", "tolerance", "MDL(tolerance)")
        .collect()
    )
    rows = best.rows()
    print(tabulate(rows, headers=best.columns, tablefmt="github", showindex=False))


if __name__ == "__main__":
    main(sys.argv[1:])
