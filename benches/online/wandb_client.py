#!/usr/bin/env python3
"""The official `wandb` client's side of the online benchmark (scripts/bench_online.sh).

Fetches the runs of some layers the way the client's docs show, reads each run's layer,
name and the two summary values the MDL table needs, and picks per (layer, activation) the
run with the smallest l2_loss, so it does the work mdl-fetch's table needs:

    api = wandb.Api()
    runs = api.runs("entity/project", filters={"config.layer": {"$in": [6, 7, 8]}})
    for run in runs: run.config["layer"], run.summary["l0_norm"], run.summary["l2_loss"]

--mode defaults: `api.runs(path, filters=...)` as documented (lazy, 50 runs a page: each
run's summary then costs one more request); --mode tuned: `per_page=1000, lazy=False`
(the full run fragment, every summary and config key, in pages of 1000).

Reads WANDB_BASE_URL and WANDB_API_KEY from the environment. Prints one line: the runs
read and the selected (layer, activation, run name) rows.
"""

import argparse
import math
import sys


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--entity", required=True)
    p.add_argument("--project", required=True)
    p.add_argument("--layers", default="6,7,8")
    p.add_argument("--mode", choices=["defaults", "tuned"], required=True)
    p.add_argument("--expect", type=int, default=None, help="fail unless this many runs arrive")
    args = p.parse_args()
    layers = [int(x) for x in args.layers.split(",")]

    import wandb

    api = wandb.Api()
    path = f"{args.entity}/{args.project}"
    filters = {"config.layer": {"$in": layers}}
    if args.mode == "defaults":
        runs = api.runs(path, filters=filters)
    else:
        runs = api.runs(path, filters=filters, per_page=1000, lazy=False)

    best = {}  # (layer, activation) -> (l2_loss, name)
    count = 0
    for run in runs:
        count += 1
        layer = run.config.get("layer")
        summary = run.summary
        l0, l2 = summary.get("l0_norm"), summary.get("l2_loss")
        parts = run.name.split("_")
        activation = parts[-3] if len(parts) >= 3 else run.name
        if l0 is None or l2 is None or (isinstance(l2, float) and math.isnan(l2)):
            continue
        key = (layer, activation)
        if key not in best or l2 < best[key][0]:
            best[key] = (l2, run.name)
    if args.expect is not None and count != args.expect:
        sys.exit(f"wandb_client: {count} runs arrived, expected {args.expect}")
    rows = ";".join(f"{k[0]}/{k[1]}={v[1]}" for k, v in sorted(best.items()))
    print(f"runs {count} best {rows}")


if __name__ == "__main__":
    main()
