#!/usr/bin/env python3
"""Tables for the online benchmark (scripts/bench_online.sh), from its results folder.

Each hyperfine invocation times one tool on one project size in one round; beside it the
fake server's counters for exactly those runs (`.stats.json`) and how many runs that was
(`.meta.json`). Times are pooled over rounds per (size, tool); requests and bytes are per
run. Prints markdown: the comparison at 30,000 runs, the scaling rows, and the targets.

    summary.py --results target/bench-results/online [--defaults-project 3000]
    wandb_client.py ... | summary.py --check-table out/mdl-table.csv   # same picks?
"""

import argparse
import csv
import glob
import json
import os
import statistics
import sys
from collections import defaultdict

MAIN_SIZE = 30000


def check_table(path):
    """stdin: wandb_client.py's line; exit 1 unless its picks are mdl-fetch's table's runs."""
    line = sys.stdin.read().strip()
    picks = dict(item.split("=", 1) for item in line.split(" best ", 1)[1].split(";"))
    with open(path, newline="") as f:
        table = {f"{r['layer']}/{r['activation']}": r["run"] for r in csv.DictReader(f)}
    if picks != table:
        sys.exit(f"the official client's picks differ from mdl-fetch's table:\n{picks}\n{table}")
    print(f"same picks: {len(table)} rows ({line.split(' best ')[0]})", file=sys.stderr)


def load(results):
    """(size, tool) -> {"times", "rounds": {round: median}, "stats": per run, "busy": [server ms per run]}"""
    out = defaultdict(lambda: {"times": [], "rounds": {}, "stats": None, "busy": []})
    for meta_path in sorted(glob.glob(os.path.join(results, "*.meta.json"))):
        base = meta_path[: -len(".meta.json")]
        meta = json.load(open(meta_path))
        hf = json.load(open(base + ".json"))["results"][0]
        stats = json.load(open(base + ".stats.json"))
        n = meta["executions"]
        per_run = {k: v / n for k, v in stats.items()}
        if stats["requests"] % n or stats["run_edges"] % n:
            print(f"warning: {base}: counters not a multiple of {n} runs: {stats}", file=sys.stderr)
        entry = out[(meta["size"], meta["tool"])]
        entry["times"].extend(hf["times"])
        entry["rounds"][meta["round"]] = statistics.median(hf["times"])
        entry["busy"].append(per_run.pop("busy_us") / 1000)
        if entry["stats"] is None:
            entry["stats"] = per_run
        elif entry["stats"] != per_run:
            print(f"warning: {base}: requests or bytes differ between rounds", file=sys.stderr)
    return out


def med(e):
    return statistics.median(e["times"])


def busy(e):
    return f"{statistics.median(e['busy']):,.0f}"


def fmt_s(x):
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def kb(x):
    return f"{x / 1000:,.0f}"


def round_ratios(a, b):
    """Ratio of a's to b's per-round medians, over the rounds both ran: (min, max)."""
    common = sorted(set(a["rounds"]) & set(b["rounds"]))
    rs = [a["rounds"][r] / b["rounds"][r] for r in common]
    return (min(rs), max(rs)) if rs else (float("nan"), float("nan"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--results")
    p.add_argument("--defaults-project", type=int, default=3000)
    p.add_argument("--latency-ms", type=int, default=50)
    p.add_argument("--page-cap", type=int, default=1000)
    p.add_argument("--check-table")
    args = p.parse_args()
    if args.check_table:
        return check_table(args.check_table)

    data = load(args.results)
    sizes = sorted({s for s, _ in data})
    fetched = MAIN_SIZE // 4
    print(f"## Layers 6-8 of a {MAIN_SIZE:,}-run project ({fetched:,} runs), "
          f"{args.latency_ms} ms per request, pages of at most {args.page_cap}\n")
    print("Per tool: wall time over all rounds (median, min-max, samples); per run: requests, "
          "runs pages, bytes the server sent (body on the wire, gzip when the client accepted it; "
          "body before gzip), the bytes of the requests' bodies, and the server's time answering "
          "(summed over requests, injected latency excluded; median over rounds).\n")
    print("| tool | median s | min-max s | n | requests | pages | received on the wire KB | "
          "received uncompressed KB | sent KB | server busy ms | x floor (per-round range) |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
    floor = data.get((MAIN_SIZE, "floor"))
    order = ["mdl-fetch", "mdl-fetch-disk", "floor", "floor-mdl-query", "official-tuned"]
    for tool in order:
        e = data.get((MAIN_SIZE, tool))
        if not e:
            continue
        s = e["stats"]
        x = ""
        if floor:
            lo, hi = round_ratios(e, floor)
            x = f"{med(e) / med(floor):.2f} ({lo:.2f}-{hi:.2f})"
        print(f"| {tool} | {fmt_s(med(e))} | {fmt_s(min(e['times']))}-{fmt_s(max(e['times']))} | "
              f"{len(e['times'])} | {s['requests']:.0f} | {s['runs_pages']:.0f} | {kb(s['wire_body_bytes'])} | "
              f"{kb(s['response_body_bytes'])} | {kb(s['request_body_bytes'])} | {busy(e)} | {x} |")
    dsize = args.defaults_project
    d = data.get((dsize, "official-defaults"))
    scale = MAIN_SIZE / dsize
    if d:
        s = d["stats"]
        print(f"| official-defaults, measured on the {dsize:,}-run project ({dsize // 4:,} runs) | "
              f"{fmt_s(med(d))} | {fmt_s(min(d['times']))}-{fmt_s(max(d['times']))} | {len(d['times'])} | "
              f"{s['requests']:.0f} | {s['runs_pages']:.0f} | {kb(s['wire_body_bytes'])} | "
              f"{kb(s['response_body_bytes'])} | {kb(s['request_body_bytes'])} | {busy(d)} | |")
        print(f"| official-defaults, scaled x{scale:g} to {fetched:,} runs | {fmt_s(med(d) * scale)} | "
              f"{fmt_s(min(d['times']) * scale)}-{fmt_s(max(d['times']) * scale)} | | {s['requests'] * scale:.0f} | "
              f"{s['runs_pages'] * scale:.0f} | {kb(s['wire_body_bytes'] * scale)} | "
              f"{kb(s['response_body_bytes'] * scale)} | {kb(s['request_body_bytes'] * scale)} | | |")
    print()

    print("## Scaling: project size, runs of layers 6-8, pages\n")
    print("| project runs | runs fetched | mdl-fetch pages | mdl-fetch median s (min-max) | floor median s | "
          "mdl-fetch / floor | floor with mdl-fetch's query s | official tuned s | mdl-fetch requests | "
          "mdl-fetch KB on the wire | mdl-fetch ms per page per layer | server ms per page (mdl-fetch, floor) |")
    print("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for size in sizes:
        m, f = data.get((size, "mdl-fetch")), data.get((size, "floor"))
        fq, o = data.get((size, "floor-mdl-query")), data.get((size, "official-tuned"))
        if not m or not f:
            continue
        s = m["stats"]
        pages_per_layer = s["runs_pages"] / 3
        print(f"| {size:,} | {s['run_edges']:,.0f} | {s['runs_pages']:.0f} | "
              f"{fmt_s(med(m))} ({fmt_s(min(m['times']))}-{fmt_s(max(m['times']))}) | {fmt_s(med(f))} | "
              f"{med(m) / med(f):.2f} | {fmt_s(med(fq)) if fq else '-'} | {fmt_s(med(o)) if o else '-'} | "
              f"{s['requests']:.0f} | {kb(s['wire_body_bytes'])} | {med(m) * 1000 / pages_per_layer:.0f} | "
              f"{statistics.median(m['busy']) / s['runs_pages']:.0f}, "
              f"{statistics.median(f['busy']) / f['stats']['runs_pages']:.0f} |")
    print()

    m, f, o = (data.get((MAIN_SIZE, t)) for t in ("mdl-fetch", "floor", "official-tuned"))
    if m and f and o:
        print("## Targets (issue 6), at the 30,000-run project\n")
        print("| target | measured | status |")
        print("|---|---|---|")
        r = med(m) / med(f)
        print(f"| mdl-fetch <= 1.25x the round-trip floor | {r:.2f}x | {'met' if r <= 1.25 else 'missed'} |")
        r = med(o) / med(m)
        print(f"| >= 10x faster than the tuned official client | {r:.1f}x | {'met' if r >= 10 else 'missed'} |")
        if d:
            r = med(d) * scale / med(m)
            print(f"| >= 500x faster than the official client's defaults | {r:.0f}x (defaults scaled from "
                  f"{dsize // 4:,} runs) | {'met' if r >= 500 else 'missed'} |")
        for what, key in (("on the wire", "wire_body_bytes"), ("uncompressed", "response_body_bytes")):
            r = m["stats"][key] / o["stats"][key]
            print(f"| <= 1/5 of the bytes the full-fragment query receives ({what}) | 1/{1 / r:.1f} | "
                  f"{'met' if r <= 0.2 else 'missed'} |")


if __name__ == "__main__":
    main()
