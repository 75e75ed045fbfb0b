#!/usr/bin/env python3
"""The official `wandb` client lists runs from the tests' fake W&B server.

Why: the fake server is only worth testing against if the real client accepts it. This
starts `examples/fake_wandb` (unless WANDB_BASE_URL is already set), then lists layers
6-8 with `wandb.Api().runs(...)`, lazily and eagerly, and reads every run's summary.

    python3 -m venv .venv-wandb && .venv-wandb/bin/pip install wandb
    .venv-wandb/bin/python scripts/wandb_client_smoke.py

Exits 0 when the client saw every matching run with its l0_norm/l2_loss (NaN included).
"""

import math
import os
import subprocess
import sys
import tempfile

KEY = "smoke-0123456789abcdef0123456789abcdef01234567"
ENTITY, PROJECT = "smoke-entity", "smoke-project"
RUNS, LAYERS = 240, range(12)  # 20 runs per layer


def start_server():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cmd = [
        "cargo", "run", "--quiet", "--example", "fake_wandb", "--",
        "--runs", str(RUNS), "--layers", "0-11", "--extra-keys", "40", "--nan-rate", "0.1",
        "--page-cap", "25", "--key", KEY, "--entity", ENTITY, "--project", PROJECT, "--port", "0",
    ]
    proc = subprocess.Popen(cmd, cwd=root, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("listening "):
        proc.kill()
        sys.exit(f"fake_wandb did not start: {line!r}")
    return proc, line.split(" ", 1)[1]


def main():
    proc = None
    if not os.environ.get("WANDB_BASE_URL"):
        proc, url = start_server()
        os.environ["WANDB_BASE_URL"] = url
        os.environ["WANDB_API_KEY"] = KEY
    os.environ.setdefault("WANDB_SILENT", "true")
    # Keep the client's settings and caches out of the user's home.
    os.environ.setdefault("WANDB_CONFIG_DIR", tempfile.mkdtemp(prefix="wandb-smoke-"))
    os.environ.setdefault("WANDB_CACHE_DIR", os.environ["WANDB_CONFIG_DIR"])
    try:
        import wandb

        api = wandb.Api(timeout=30)
        path = f"{ENTITY}/{PROJECT}"
        filters = {"config.layer": {"$in": [6, 7, 8]}}
        seen = {}
        for lazy in (True, False):
            runs = api.runs(path, filters=filters, per_page=50, lazy=lazy)
            rows = {}
            for run in runs:
                s = run.summary
                rows[run.id] = (run.config.get("layer"), s.get("l0_norm"), s.get("l2_loss"))
            assert len(rows) == len(runs) == RUNS // len(LAYERS) * 3, (len(rows), len(runs))
            assert {r[0] for r in rows.values()} == {6, 7, 8}
            assert all(isinstance(r[1], float) for r in rows.values())
            seen[lazy] = rows
            nan = sum(1 for r in rows.values() if isinstance(r[2], float) and math.isnan(r[2]))
            print(f"lazy={lazy}: {len(rows)} runs of layers 6-8, {nan} with NaN l2_loss")

        def same(a, b):
            return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))

        assert seen[True].keys() == seen[False].keys()
        assert all(all(same(x, y) for x, y in zip(seen[True][k], seen[False][k])) for k in seen[True])
        print("ok: the official wandb client reads the fake server")
    finally:
        if proc:
            proc.kill()


if __name__ == "__main__":
    main()
