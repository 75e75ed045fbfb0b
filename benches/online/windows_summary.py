#!/usr/bin/env python3
"""The one-large-layer tables of the online benchmark (scripts/bench_online.sh, its
windows part), from its results folder (`target/bench-results/online/windows`).

Per server (kind or serial, and its latency) and layer size: mdl-fetch fetching the layer
sequentially (--concurrency 1) and in windows (--concurrency N), each the median of its
rounds with the min-max; the ratio windows / sequential as the median of the per-round
ratios (each round times both, in turn), with its min-max; and the requests the server
counted for one fetch of each (and, when the script was given OLD_BIN, an older build's
windows against the same sequential runs). Targets (issue 27): windows <= 1.0x sequential
on the serial server, <= 0.35x on the kind one.

    windows_summary.py --results target/bench-results/online/windows --page-cap 1000 \
        --concurrency 8 --scan-us 40
"""

import argparse
import glob
import json
import os
import statistics
from collections import defaultdict

TARGETS = {"kind": 0.35, "serial": 1.0}


def load(folder):
    """(server, latency, size, tool) -> {round: (seconds, requests)}"""
    out = defaultdict(dict)
    for meta_path in sorted(glob.glob(os.path.join(folder, "*.meta.json"))):
        base = meta_path[: -len(".meta.json")]
        meta = json.load(open(meta_path))
        if "server" not in meta:
            continue
        times = json.load(open(base + ".json"))["results"][0]["times"]
        stats = json.load(open(base + ".stats.json"))
        key = (meta["server"], meta["latency_ms"], meta["size"], meta["tool"])
        out[key][meta["round"]] = (statistics.median(times), stats["requests"] / meta["executions"])
    return out


def spread(values, digits):
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--page-cap", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--scan-us", type=int, default=40)
    a = ap.parse_args()
    data = load(a.results)
    servers = sorted({(server, latency) for server, latency, _, _ in data})
    print(f"One layer, pages of at most {a.page_cap} runs; windows at --concurrency {a.concurrency}, "
          f"sequential at --concurrency 1. Medians of the rounds (min-max); the ratio is the median "
          f"of each round's windows / sequential. The serial server serves one request at a time "
          f"and its counts take {a.scan_us} us per run counted.")
    print()
    print("| server | runs | sequential | windows | windows / sequential | target | requests: sequential, windows |")
    print("|---|---:|---:|---:|---:|---|---:|")
    verdicts = []
    for server, latency in servers:
        sizes = sorted({size for s, l, size, _ in data if (s, l) == (server, latency)})
        for size in sizes:
            seq = data.get((server, latency, size, "sequential"), {})
            win = data.get((server, latency, size, "windows"), {})
            rounds = sorted(set(seq) & set(win))
            if not rounds:
                continue
            ratios = [win[r][0] / seq[r][0] for r in rounds]
            target = TARGETS[server]
            met = statistics.median(ratios) <= target
            requests = f"{statistics.median(seq[r][1] for r in rounds):.0f}, {statistics.median(win[r][1] for r in rounds):.0f}"
            before = data.get((server, latency, size, "windows-before"), {})
            if set(rounds) <= set(before):
                old = [before[r][0] / seq[r][0] for r in rounds]
                requests += f"; the build before: {spread(old, 2)}x, {statistics.median(before[r][1] for r in rounds):.0f} requests"
            print(f"| {server}, {latency} ms | {size:,} | {spread([seq[r][0] for r in rounds], 3)} s | "
                  f"{spread([win[r][0] for r in rounds], 3)} s | **{spread(ratios, 2)}x** | "
                  f"<= {target}x: {'met' if met else 'not met'} | {requests} |")
            verdicts.append((server, latency, size, met))
    print()
    print(f"{sum(met for *_, met in verdicts)} of {len(verdicts)} targets met.")
    tails(a.results)
    for path in sorted(glob.glob(os.path.join(a.results, "*-plan.txt"))):
        with open(path) as f:
            line = f.read().strip()
        if line:
            print(f"- {os.path.basename(path)[:-len('-plan.txt')]}: {line}")


def tails(folder):
    """The tail: from the server's last answer to mdl-fetch's exit (cache, table and
    artifacts written), per server and size, each the median of its runs (min-max)."""
    rows = []
    for path in sorted(glob.glob(os.path.join(folder, "*-tail.jsonl"))):
        server, latency, size = os.path.basename(path)[: -len("-tail.jsonl")].split("-")
        by_tool = defaultdict(list)
        with open(path) as f:
            for line in f:
                if line.strip():
                    entry = json.loads(line)
                    by_tool[entry["tool"]].append(entry["us"] / 1000)
        rows.append((server, int(latency), int(size), by_tool))
    if not rows:
        return
    print()
    print("The tail: from the server's last answer to mdl-fetch's exit, in ms (median, min-max).")
    print()
    print("| server | runs | windows | sequential |")
    print("|---|---:|---:|---:|")
    for server, latency, size, by_tool in sorted(rows):
        cells = [spread(by_tool[tool], 0) if by_tool[tool] else "-" for tool in ("windows", "sequential")]
        print(f"| {server}, {latency} ms | {size:,} | {cells[0]} | {cells[1]} |")
    print()


if __name__ == "__main__":
    main()
