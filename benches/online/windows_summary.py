#!/usr/bin/env python3
"""The one-large-layer table of the online benchmark (scripts/bench_online.sh, its
windows part), from its results folder (`target/bench-results/online/windows`).

Per layer size: the sequential cursor floor (one stream of the fewest pages), mdl-fetch
in one stream (--window-runs 0) and mdl-fetch's creation-time windows; medians pooled over
rounds, and the requests the fake server counted per run, split into pages and count
requests (the first count request also asks for the newest run, so the server counts it
among the runs pages: one per layer, moved back). Targets: windows <= 0.35x the floor;
requests <= (pages + count requests) x 1.10, pages being the floor's. The time target is
the issue's, for a layer of 100,000 runs; smaller layers are reported against the floor
only (fewer pages leave less to run side by side).

    windows_summary.py --results target/bench-results/online/windows --page-cap 1000 \
        --latency-ms 50 --concurrency 8
"""

import argparse
import glob
import json
import os
import statistics
from collections import defaultdict

# The layer size the issue sets the time target (<= 0.35x the floor) for.
TIME_TARGET_RUNS = 100_000


def load(folder):
    """(size, tool) -> {"times": [...], "rounds": [medians], "stats": per-run counters}"""
    out = defaultdict(lambda: {"times": [], "rounds": [], "stats": None})
    for meta_path in sorted(glob.glob(os.path.join(folder, "*.meta.json"))):
        base = meta_path[: -len(".meta.json")]
        meta = json.load(open(meta_path))
        times = json.load(open(base + ".json"))["results"][0]["times"]
        stats = json.load(open(base + ".stats.json"))
        n = meta["executions"]
        entry = out[(meta["size"], meta["tool"])]
        entry["times"].extend(times)
        entry["rounds"].append(statistics.median(times))
        entry["stats"] = {k: v / n for k, v in stats.items()}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--page-cap", type=int, default=1000)
    ap.add_argument("--latency-ms", type=int, default=50)
    ap.add_argument("--concurrency", type=int, default=8)
    a = ap.parse_args()
    folder = a.results
    data = load(folder)
    sizes = sorted({size for size, _ in data})
    print(f"One layer, pages of at most {a.page_cap} runs, {a.latency_ms} ms per request; "
          f"windows at --concurrency {a.concurrency}. Medians over all rounds.")
    print()
    print("| runs | floor (one stream) | mdl-fetch, one stream | mdl-fetch, windows | windows / floor "
          "(per round) | floor pages | windows: requests = pages + count requests | "
          "requests / (pages + counts) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    verdicts = []
    for size in sizes:
        floor, one, win = (data.get((size, t)) for t in ("floor-one-layer", "one-stream", "windows"))
        if not (floor and one and win):
            continue
        f, o, w = (statistics.median(e["times"]) for e in (floor, one, win))
        per_round = [wr / fr for wr, fr in zip(win["rounds"], floor["rounds"])]
        pages = floor["stats"]["runs_pages"]
        requests = win["stats"]["requests"]
        runs_pages = win["stats"]["runs_pages"] - 1
        counts = requests - runs_pages
        budget = (pages + counts) * 1.10
        print(f"| {size:,} | {f:.3f} s | {o:.3f} s | {w:.3f} s | **{w / f:.2f}x** "
              f"({min(per_round):.2f}-{max(per_round):.2f}) | {pages:.0f} | "
              f"{requests:.0f} = {runs_pages:.0f} + {counts:.0f} | {requests / (pages + counts):.3f} |")
        verdicts.append((size, w / f, requests <= budget))
    print()
    for size, ratio, requests_ok in verdicts:
        time = (f"target <= 0.35x: {'met' if ratio <= 0.35 else 'not met'}" if size >= TIME_TARGET_RUNS
                else "no time target at this size")
        print(f"- {size:,} runs: windows {ratio:.2f}x the floor ({time}); requests within pages + "
              f"counts + 10 %: {'met' if requests_ok else 'not met'}")
    for path in sorted(glob.glob(os.path.join(folder, "*-plan.txt"))):
        with open(path) as f:
            line = f.read().strip()
        if line:
            print(f"- plan, {os.path.basename(path).split('-')[0]} runs: {line}")


if __name__ == "__main__":
    main()
