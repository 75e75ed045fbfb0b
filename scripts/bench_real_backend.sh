#!/usr/bin/env bash
# One large layer fetched from the fake W&B server in its kind mode and in its real-backend
# mode (offset cursors, tied rows in a new order on each request, ...), with runs started
# BURST to a second, at --concurrency 1 and 8, in one stream and in windows: the tables
# and caches must be byte-identical across every mode, and each fetch's time and requests
# are printed (median of ROUNDS, with the server's request counts).
#
#   scripts/bench_real_backend.sh                 # 100,000 runs, 31 to a second
#   RUNS=3000 ROUNDS=1 scripts/bench_real_backend.sh
#   OLD_BIN=path/to/older/mdl-fetch scripts/bench_real_backend.sh   # also time an older build
#
# Needs hyperfine (apt-get install hyperfine) and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-100000}
BURST=${BURST:-31}
ROUNDS=${ROUNDS:-3}
LATENCY_MS=${LATENCY_MS:-50}
PAGE_CAP=${PAGE_CAP:-1000}
OLD_BIN=${OLD_BIN:-}
ENTITY=bench PROJECT=large KEY=0123456789abcdef0123456789abcdef01234567
export WANDB_API_KEY=$KEY
WORK=$(mktemp -d)
SERVER_PID=
stop_server() { [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=; }
trap 'stop_server; rm -rf "$WORK"' EXIT

cargo build -q --release --bin mdl-fetch --example fake_wandb
BIN=$PWD/target/release/mdl-fetch

start_server() { # extra flags
    stop_server
    target/release/examples/fake_wandb --runs "$RUNS" --layers 6 --burst "$BURST" \
        --latency-ms "$LATENCY_MS" --page-cap "$PAGE_CAP" --key "$KEY" --entity "$ENTITY" \
        --project "$PROJECT" --port 0 "$@" >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1200); do
        grep -q '^listening ' "$WORK/server.log" && break
        sleep 0.1
    done
    export WANDB_BASE_URL=$(sed -n 's/^listening \(.*\)$/\1/p' "$WORK/server.log")
    [[ -n $WANDB_BASE_URL ]] || { cat "$WORK/server.log" >&2; exit 1; }
}

# name, binary, mdl-fetch flags: one fetch kept for comparing, then ROUNDS timed.
run() {
    local name=$1 bin=$2; shift 2
    local dir=$WORK/$name
    local cmd="$bin --project $PROJECT --entity $ENTITY --layers 6 --cache-dir $dir/cache --out $dir/out -q $*"
    rm -rf "$dir"
    curl -sf "$WANDB_BASE_URL/__stats/reset" >/dev/null
    local status=0
    $cmd 2>"$dir.err" || status=$?
    if ((status != 0)); then
        echo "$name: exit $status ($(tail -1 "$dir.err"))"
        return
    fi
    local requests
    requests=$(curl -sf "$WANDB_BASE_URL/__stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
    hyperfine -N --style none --runs "$ROUNDS" --prepare "rm -rf $dir/cache $dir/out" \
        --export-json "$dir.json" "$cmd" >/dev/null 2>&1
    python3 - "$name" "$dir.json" "$requests" <<'PY'
import json, sys
name, path, requests = sys.argv[1], sys.argv[2], sys.argv[3]
times = sorted(json.load(open(path))["results"][0]["times"])
print(f"{name:28} median {times[len(times)//2]:.2f} s (min {times[0]:.2f}, max {times[-1]:.2f}), {requests} requests")
PY
    $cmd 2>/dev/null
    (cd "$dir" && sha256sum out/mdl-table.md cache/*/*/layer-*.csv | sed 's/-[0-9a-f]*\.csv$/.csv/') >"$dir.sums"
}

for mode in kind real; do
    flags=()
    [[ $mode == real ]] && flags=(--real)
    start_server "${flags[@]}"
    echo "== $RUNS runs in one layer, $BURST to a second, $mode backend, ${LATENCY_MS} ms a request"
    for concurrency in 1 8; do
        run "$mode-c$concurrency-stream" "$BIN" --concurrency $concurrency --window-runs 0
        run "$mode-c$concurrency-windows" "$BIN" --concurrency $concurrency
        [[ -n $OLD_BIN ]] && run "$mode-c$concurrency-old" "$OLD_BIN" --concurrency $concurrency
    done
done

# Every fetch that succeeded holds the same table and cache as the kind backend's first.
reference=$WORK/kind-c1-stream.sums
for sums in "$WORK"/*.sums; do
    if cmp -s "$sums" "$reference"; then
        echo "same table and cache: $(basename "$sums" .sums)"
    else
        echo "DIFFERENT table or cache: $(basename "$sums" .sums)"
    fi
done
