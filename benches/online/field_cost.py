#!/usr/bin/env python3
"""What each field of mdl-fetch's runs query costs the server (scripts/bench_online.sh).

Asks the fake W&B server (WANDB_BASE_URL, WANDB_API_KEY) for one page of up to 1000 runs
of layer 6, one request at a time, with the floor's minimal selection plus one field of
mdl-fetch's query at a time, then mdl-fetch's whole query; rounds interleave the variants.
Prints markdown: per variant the median wall time of the request, the server's time
answering it (injected latency excluded, from GET /__stats), and the page's bytes.

    field_cost.py --entity E --project P [--rounds 9]
"""

import argparse
import base64
import json
import os
import statistics
import time
import urllib.request

MINIMAL = 'displayName config(keys: ["dict_size"]) summaryMetrics(keys: ["l0_norm", "l2_loss"])'
MDL_FETCH = ('name displayName state createdAt config(keys: ["layer", "dict_size"]) '
             'summaryMetrics(keys: ["l0_norm", "l2_loss"])')
VARIANTS = [  # name, node fields, runCount, edge cursors
    ("floor's minimal selection", MINIMAL, False, False),
    ("+ name (run id)", MINIMAL + " name", False, False),
    ("+ state", MINIMAL + " state", False, False),
    ("+ createdAt", MINIMAL + " createdAt", False, False),
    ('+ config "layer"', MINIMAL.replace('["dict_size"]', '["layer", "dict_size"]'), False, False),
    ("+ runCount(filters)", MINIMAL, True, False),
    ("+ every edge's cursor", MINIMAL, False, True),
    ("mdl-fetch's page 1 (runCount, no edge cursors)", MDL_FETCH, True, False),
    ("mdl-fetch's later pages", MDL_FETCH, False, False),
]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--entity", required=True)
    p.add_argument("--project", required=True)
    p.add_argument("--rounds", type=int, default=9)
    args = p.parse_args()
    base = os.environ["WANDB_BASE_URL"].rstrip("/")
    auth = base64.b64encode(f"api:{os.environ['WANDB_API_KEY']}".encode()).decode()

    def stats():
        return json.loads(urllib.request.urlopen(f"{base}/__stats/reset").read())

    def ask(fields, count, cursors):
        query = ("query Q($project: String!, $entity: String!, $filters: JSONString) { "
                 "project(name: $project, entityName: $entity) { %s runs(filters: $filters, first: 1000, "
                 "order: \"+created_at\") { edges { node { %s }%s } pageInfo { endCursor hasNextPage } } } }"
                 % ("runCount(filters: $filters)" if count else "", fields, " cursor" if cursors else ""))
        body = json.dumps({"query": query, "variables": {
            "project": args.project, "entity": args.entity, "filters": '{"config.layer":{"$in":[6]}}'}}).encode()
        req = urllib.request.Request(f"{base}/graphql", data=body, headers={
            "content-type": "application/json", "accept-encoding": "gzip", "authorization": f"Basic {auth}"})
        started = time.monotonic()
        urllib.request.urlopen(req).read()
        return time.monotonic() - started

    wall = {v[0]: [] for v in VARIANTS}
    busy = {v[0]: [] for v in VARIANTS}
    size = {}
    stats()
    for _ in range(args.rounds):
        for name, fields, count, cursors in VARIANTS:
            wall[name].append(ask(fields, count, cursors))
            s = stats()
            busy[name].append(s["busy_us"] / 1000)
            size[name] = (s["response_body_bytes"], s["wire_body_bytes"])
    first = VARIANTS[0][0]
    print(f"One page of layer 6, one request at a time, medians of {args.rounds} interleaved rounds.\n")
    print("| selection | request ms | server ms | server ms over the minimal | page KB | page KB gzipped |")
    print("|---|---:|---:|---:|---:|---:|")
    b0 = statistics.median(busy[first])
    for name, *_ in VARIANTS:
        b = statistics.median(busy[name])
        print(f"| {name} | {statistics.median(wall[name]) * 1000:.1f} | {b:.1f} | {b - b0:+.1f} | "
              f"{size[name][0] / 1000:.0f} | {size[name][1] / 1000:.0f} |")


if __name__ == "__main__":
    main()
