"""Summarises hyperfine JSON and RSS files written by scripts/bench_offline.sh as markdown.

    python scripts/bench_summary.py offline target/bench-results PANDAS_ROWS
"""

import json
import os
import statistics
import sys


def load(results, name):
    path = os.path.join(results, name)
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {r["command"]: r for r in json.load(f)["results"]}


def rss(results, name):
    path = os.path.join(results, name)
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {k: int(v) / 1024 for k, v in (line.split() for line in f if line.strip())}


def median(r):
    return statistics.median(r["times"])


def offline(results, pandas_rows):
    pandas_rows = int(pandas_rows)
    main = load(results, "offline-1000000.json")
    mem = rss(results, "offline-1000000.rss")
    pandas = load(results, f"offline-pandas-{pandas_rows}.json")
    mem.update(rss(results, f"offline-pandas-{pandas_rows}.rss"))
    ours = median(main["mdl-fetch-table"])
    labels = {
        "mdl-fetch-table": "mdl-fetch --no-runs-csv (the table's artifacts)",
        "mdl-fetch-default": "mdl-fetch (the default: no runs.csv past 1M rows)",
        "mdl-fetch-all": "mdl-fetch --runs-csv (every artifact, 400 MB runs.csv)",
        "polars": "polars",
        "csv-floor": "csv floor",
    }
    print("### Offline, 3 x 1,000,000 rows\n")
    print("| tool | median s | runs | min-max s | user CPU s | time / mdl-fetch --no-runs-csv | peak RSS MB |")
    print("|---|---:|---:|---|---:|---:|---:|")
    rows = list(main.items())
    if "seed-pandas" in pandas:
        rows.append(("seed-pandas", pandas["seed-pandas"]))
    for name, r in rows:
        m = median(r)
        label = labels.get(name, name)
        user = r.get("user", float("nan"))
        if name == "seed-pandas":
            scale = 1_000_000 / pandas_rows
            label = f"seed pandas (timed at 3 x {pandas_rows:,}, x{scale:g})"
            m *= scale
            user *= scale
            spread = f"{min(r['times']) * scale:.1f}-{max(r['times']) * scale:.1f}"
            mem_text = f"{mem.get(name, float('nan')):.0f} (at {pandas_rows:,})"
        else:
            spread = f"{min(r['times']):.3f}-{max(r['times']):.3f}"
            mem_text = f"{mem.get(name, float('nan')):.0f}"
        print(f"| {label} | {m:.3f} | {len(r['times'])} | {spread} | {user:.2f} | {m / ours:.2f} | {mem_text} |")
    if "csv-floor" in main:
        floor = median(main["csv-floor"])
        ratio = lambda name: f"{median(main[name]) / floor:.2f}" if name in main else "-"
        print(f"\nmdl-fetch --no-runs-csv / csv floor = {ours / floor:.2f}; "
              f"mdl-fetch (the default) / csv floor = {ratio('mdl-fetch-default')}; "
              f"mdl-fetch --runs-csv (every artifact) / csv floor = {ratio('mdl-fetch-all')}")
    print("\n### Scaling (median s)\n")
    print("| rows per layer | mdl-fetch --no-runs-csv | mdl-fetch (default) | mdl-fetch --runs-csv | polars | csv floor | seed pandas | mdl-fetch RSS MB (--runs-csv) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for rows in (10_000, 100_000, 1_000_000):
        r = load(results, f"offline-{rows}.json")
        p = load(results, f"offline-pandas-{rows}.json")
        m = rss(results, f"offline-{rows}.rss")
        if not r:
            continue
        cell = lambda d, k: f"{median(d[k]):.3f}" if k in d else "-"
        print(f"| {rows:,} | {cell(r, 'mdl-fetch-table')} | {cell(r, 'mdl-fetch-default')} | {cell(r, 'mdl-fetch-all')} | {cell(r, 'polars')} | "
              f"{cell(r, 'csv-floor')} | {cell(p, 'seed-pandas')} | {m.get('mdl-fetch-all', float('nan')):.1f} |")

if __name__ == "__main__":
    {"offline": offline}[sys.argv[1]](*sys.argv[2:])
