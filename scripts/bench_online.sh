#!/usr/bin/env bash
# Online benchmark (issue 6): fetching layers 6-8 from the fake W&B server
# (examples/fake_wandb: generated sweep over layers 0-11, summaries 40+ keys wide, 50 ms
# injected latency per request, pages of at most 1000 runs) with
#   - mdl-fetch (a full fetch each run: fresh cache and out folders, -q);
#   - the official Python client (benches/online/wandb_client.py), tuned (per_page=1000,
#     lazy=False) and at its defaults (one more request per run, so timed on a smaller
#     project and scaled by runs);
#   - the round-trip floor (examples/online_floor: the fewest sequential pages, layers in
#     parallel, the table's fields only), and the same floor sending mdl-fetch's query.
# Wall times from hyperfine; requests and bytes counted by the server (GET /__stats).
#
#   scripts/bench_online.sh          # 30k-run project, then the 3k/30k/100k scaling rows
#   WINDOWS_ONLY=1 scripts/bench_online.sh   # only the one-large-layer part below
#
# One large layer (all runs in layer 6; WINDOW_SIZES, "10000 30000 100000"): mdl-fetch's
# creation-time windows (--concurrency WINDOW_CONCURRENCY, 8) against mdl-fetch fetching
# the layer sequentially (--concurrency 1: one stream, one request at a time), on each
# server of WINDOW_SERVERS ("kind:50 kind:200 serial:200"): KIND:LATENCY_MS, where kind is
# the fake as the tests run it (requests served side by side, counts from an index) and
# serial serves one request's latency and work at a time and makes each count take
# SCAN_US (40) microseconds per run it counts, as a backend without parallel workers or a
# usable index would (issue 27 measured such a server at 200 ms). WINDOW_ROUNDS (5)
# rounds, each timing both once, in turn (the order swapped every round, so load from
# other work falls on both); the two fetches must write the same cache file and table
# first. WINDOW_FLOOR=1 also times the sequential cursor floor (examples/online_floor);
# OLD_BIN=path/to/an/older/mdl-fetch also times its windows (`windows-before`) each round.
# Then TAIL_RUNS (3) runs of each give the tail: the time from the server's last answer
# (`last_answer_unix_us` in its stats) to mdl-fetch's exit, its table and cache written.
# WINDOWS (1) runs this part after the others; WINDOWS_ONLY=1 runs it alone.
#
# Environment: ROUNDS (3) rounds, each timing every tool in turn (so load from other work
# on the machine falls on all of them); RUNS (3) runs per tool per round, after 1 warm-up;
# OFFICIAL_RUNS (2) runs of the tuned official client per round; DEFAULTS_PROJECT (3000)
# project size for the official client's defaults, DEFAULTS_RUNS (1) runs of it per round;
# SIZES ("3000 30000 100000") project sizes; OFFICIAL_AT_100K (1) also time the tuned
# official client on the largest project; LATENCY_MS (50); PAGE_CAP (1000); EXTRA_KEYS (40);
# OUT_ROOT (/dev/shm when writable) where mdl-fetch's cache and out go (mdl-fetch fsyncs;
# tmpfs keeps disk noise out), DISK (1) also times mdl-fetch with them in target/.
# benches/online/field_cost.py then prices each field of mdl-fetch's query on the server.
# Results: target/bench-results/online/*.json, and a markdown summary on stdout (also
# target/bench-results/online-tables.md).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-3}
OFFICIAL_RUNS=${OFFICIAL_RUNS:-2}
DEFAULTS_PROJECT=${DEFAULTS_PROJECT:-3000}
DEFAULTS_RUNS=${DEFAULTS_RUNS:-1}
SIZES=${SIZES:-3000 30000 100000}
OFFICIAL_AT_100K=${OFFICIAL_AT_100K:-1}
LATENCY_MS=${LATENCY_MS:-50}
PAGE_CAP=${PAGE_CAP:-1000}
EXTRA_KEYS=${EXTRA_KEYS:-40}
DISK=${DISK:-1}
WINDOWS=${WINDOWS:-1}
WINDOWS_ONLY=${WINDOWS_ONLY:-0}
WINDOW_SIZES=${WINDOW_SIZES:-10000 30000 100000}
WINDOW_CONCURRENCY=${WINDOW_CONCURRENCY:-8}
WINDOW_SERVERS=${WINDOW_SERVERS:-kind:50 kind:200 serial:200}
WINDOW_ROUNDS=${WINDOW_ROUNDS:-5}
WINDOW_FLOOR=${WINDOW_FLOOR:-0}
TAIL_RUNS=${TAIL_RUNS:-3}
SCAN_US=${SCAN_US:-40}
WANDB_VERSION=0.31.0
RESULTS=target/bench-results/online
if [[ -z "${OUT_ROOT:-}" ]]; then
    if [[ -d /dev/shm && -w /dev/shm ]]; then OUT_ROOT=/dev/shm; else OUT_ROOT=target/bench-out; fi
fi
OUT_ROOT=$OUT_ROOT/mdl-online-bench # only this folder is emptied, whatever OUT_ROOT says
DISK_ROOT=target/bench-out/online-disk
rm -rf "$RESULTS" "$OUT_ROOT" "$DISK_ROOT"
mkdir -p "$RESULTS" "$OUT_ROOT" "$DISK_ROOT"

need_apt() { command -v "$1" >/dev/null || { apt-get install -y "$2" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$2" >/dev/null; }; }; }
need_apt hyperfine hyperfine
need_apt curl curl
if [[ $WINDOWS_ONLY != 1 ]]; then
    python3 -c "import wandb, sys; sys.exit(wandb.__version__ != '$WANDB_VERSION')" 2>/dev/null \
        || python3 -m pip install -q "wandb==$WANDB_VERSION"
fi

cargo build -q --release --bin mdl-fetch --example fake_wandb --example online_floor
BIN=target/release/mdl-fetch
FLOOR=target/release/examples/online_floor

# The official client checks the key's length (40+); its settings and caches stay here.
export WANDB_API_KEY=bench0123456789abcdef0123456789abcdef0123
export WANDB_SILENT=true WANDB_CONFIG_DIR=$OUT_ROOT/wandb-config WANDB_CACHE_DIR=$OUT_ROOT/wandb-cache
export WANDB_DATA_DIR=$OUT_ROOT/wandb-data
# No profile: the defaults (layers 6-8, pages of 1000, 4 layers at once).
export MDL_FETCH_CONFIG_DIR=$OUT_ROOT/no-profiles
mkdir -p "$WANDB_CONFIG_DIR" "$WANDB_CACHE_DIR" "$WANDB_DATA_DIR" "$MDL_FETCH_CONFIG_DIR"
ENTITY=bench-entity
PROJECT=bench-sweep

SERVER_PID=
stop_server() { if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=; fi; }
trap stop_server EXIT

start_server() { # project runs [layers [latency ms [more flags]]] -> sets PORT, WANDB_BASE_URL
    stop_server
    # A log of its own (and none left over): a line from an earlier server must not be read.
    local log=$OUT_ROOT/server-$1-${3:-$LATENCY_MS}${4:+-serial}.log
    rm -f "$log"
    target/release/examples/fake_wandb --runs "$1" --layers "${2:-0-11}" --extra-keys "$EXTRA_KEYS" \
        --latency-ms "${3:-$LATENCY_MS}" --page-cap "$PAGE_CAP" --key "$WANDB_API_KEY" \
        --entity "$ENTITY" --project "$PROJECT" --port 0 ${4:-} >"$log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 600); do
        grep -q '^listening ' "$log" && break
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; exit 1; }
        sleep 0.1
    done
    PORT=$(sed -n 's/^listening http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$log")
    [[ -n $PORT ]] || { echo "fake_wandb did not start" >&2; exit 1; }
    export WANDB_BASE_URL=http://127.0.0.1:$PORT
}

stats() { curl -sf "$WANDB_BASE_URL/__stats${1:-}"; }

# Each tool, as hyperfine runs it: name, command, and the command to prepare each run.
mdl_cmd() { echo "$BIN --project $PROJECT --entity $ENTITY --cache-dir $1/cache --out $1/out -q"; }
tool_cmd() { # tool size
    # Runs go to layers 0-11 round-robin: layer L holds ceil((size - L) / 12) of them.
    local expect=$(( ($2 - 6 + 11) / 12 + ($2 - 7 + 11) / 12 + ($2 - 8 + 11) / 12 ))
    case $1 in
        mdl-fetch) mdl_cmd "$OUT_ROOT" ;;
        mdl-fetch-disk) mdl_cmd "$DISK_ROOT" ;;
        floor) echo "$FLOOR --entity $ENTITY --project $PROJECT" ;;
        floor-mdl-query) echo "$FLOOR --entity $ENTITY --project $PROJECT --query mdl-fetch" ;;
        official-tuned) echo "python3 benches/online/wandb_client.py --entity $ENTITY --project $PROJECT --mode tuned --expect $expect" ;;
        official-defaults) echo "python3 benches/online/wandb_client.py --entity $ENTITY --project $PROJECT --mode defaults --expect $expect" ;;
        windows) echo "$(mdl_cmd "$OUT_ROOT") --layers 6 --concurrency $WINDOW_CONCURRENCY -v" ;;
        windows-before) echo "$(BIN=$OLD_BIN mdl_cmd "$OUT_ROOT") --layers 6 --concurrency $WINDOW_CONCURRENCY" ;;
        sequential) echo "$(mdl_cmd "$OUT_ROOT") --layers 6 --concurrency 1" ;;
        floor-one-layer) echo "$FLOOR --entity $ENTITY --project $PROJECT --layers 6" ;;
    esac
}
tool_prepare() {
    case $1 in
        mdl-fetch | windows | windows-before | sequential) echo "rm -rf $OUT_ROOT/cache $OUT_ROOT/out" ;;
        mdl-fetch-disk) echo "rm -rf $DISK_ROOT/cache $DISK_ROOT/out" ;;
        *) echo "true" ;;
    esac
}

# One hyperfine invocation of one tool; the server's counters cover exactly its runs.
time_tool() { # tool size round runs warmup
    local tool=$1 size=$2 round=$3 runs=$4 warmup=$5
    local base=$RESULTS/$size-$tool-r$round
    stats /reset >/dev/null
    hyperfine -N --style basic --warmup "$warmup" --runs "$runs" \
        --prepare "$(tool_prepare "$tool")" --export-json "$base.json" \
        -n "$tool" "$(tool_cmd "$tool" "$size")" >&2
    stats >"$base.stats.json"
    echo "{\"executions\": $((runs + warmup)), \"size\": $size, \"tool\": \"$tool\", \"round\": $round}" >"$base.meta.json"
}

# The tools agree on the table before anything is timed: the official client's pick per
# (layer, activation) is the run in mdl-fetch's mdl-table.csv.
check_same() {
    rm -rf "$OUT_ROOT/check"
    $BIN --project $PROJECT --entity $ENTITY --cache-dir "$OUT_ROOT/check/cache" --out "$OUT_ROOT/check/out" -q
    python3 benches/online/wandb_client.py --entity $ENTITY --project $PROJECT --mode tuned \
        | python3 benches/online/summary.py --check-table "$OUT_ROOT/check/out/mdl-table.csv"
}

# Microseconds from the server's last answer to the end of one fetch by `tool` (size).
tail_us() { # tool size
    rm -rf "$OUT_ROOT/cache" "$OUT_ROOT/out"
    stats /reset >/dev/null
    $(tool_cmd "$1" "$2") >/dev/null 2>&1
    local end
    end=$(date +%s%6N)
    echo $((end - $(stats | python3 -c 'import json, sys; print(json.load(sys.stdin)["last_answer_unix_us"])')))
}

# The one-large-layer part: every run in layer 6, on each server of WINDOW_SERVERS.
windows_part() {
    local RESULTS=$RESULTS/windows # time_tool writes here (bash locals are seen by callees)
    mkdir -p "$RESULTS"
    local spec kind latency flags size round tools tool
    for spec in $WINDOW_SERVERS; do
        kind=${spec%%:*} latency=${spec##*:} flags=
        [[ $kind == serial ]] && flags="--serial --scan-us $SCAN_US"
        for size in $WINDOW_SIZES; do
            echo "== one layer of $size runs, $kind server, $latency ms a request" >&2
            start_server "$size" 6 "$latency" "$flags"
            # Windowed and sequential agree on the cache and the table before anything is
            # timed (runs.csv and the JSON name the cache's folder, which differs).
            rm -rf "$OUT_ROOT/check-w" "$OUT_ROOT/check-s"
            $BIN --project $PROJECT --entity $ENTITY --layers 6 --concurrency "$WINDOW_CONCURRENCY" --cache-dir "$OUT_ROOT/check-w/cache" --out "$OUT_ROOT/check-w/out" -q
            $BIN --project $PROJECT --entity $ENTITY --layers 6 --concurrency 1 --cache-dir "$OUT_ROOT/check-s/cache" --out "$OUT_ROOT/check-s/out" -q
            for f in mdl-table.md mdl-table.csv frontier.csv; do
                cmp "$OUT_ROOT/check-w/out/$f" "$OUT_ROOT/check-s/out/$f"
            done
            cmp "$OUT_ROOT"/check-w/cache/$ENTITY/$PROJECT/layer-6-*.csv "$OUT_ROOT"/check-s/cache/$ENTITY/$PROJECT/layer-6-*.csv
            for round in $(seq "$WINDOW_ROUNDS"); do
                tools="sequential windows"
                ((round % 2 == 0)) && tools="windows sequential"
                [[ $WINDOW_FLOOR == 1 ]] && tools+=" floor-one-layer"
                [[ -n ${OLD_BIN:-} ]] && tools+=" windows-before"
                for tool in $tools; do
                    time_tool "$tool" "$size" "$round" 1 0
                    mv "$RESULTS/$size-$tool-r$round.json" "$RESULTS/$kind-$latency-$size-$tool-r$round.json"
                    mv "$RESULTS/$size-$tool-r$round.stats.json" "$RESULTS/$kind-$latency-$size-$tool-r$round.stats.json"
                    echo "{\"executions\": 1, \"size\": $size, \"tool\": \"$tool\", \"round\": $round, \"server\": \"$kind\", \"latency_ms\": $latency}" \
                        >"$RESULTS/$kind-$latency-$size-$tool-r$round.meta.json"
                    rm -f "$RESULTS/$size-$tool-r$round.meta.json"
                done
            done
            local tails=
            for round in $(seq "$TAIL_RUNS"); do
                for tool in windows sequential; do
                    tails+="{\"tool\": \"$tool\", \"us\": $(tail_us "$tool" "$size")}"$'\n'
                done
            done
            printf '%s' "$tails" >"$RESULTS/$kind-$latency-$size-tail.jsonl"
            # What -v says of the windows, once.
            rm -rf "$OUT_ROOT/cache" "$OUT_ROOT/out"
            $(tool_cmd windows "$size") 2>&1 | grep 'creation-time windows' >"$RESULTS/$kind-$latency-$size-plan.txt" || true
        done
    done
    stop_server
    python3 benches/online/windows_summary.py --results "$RESULTS" --page-cap "$PAGE_CAP" \
        --concurrency "$WINDOW_CONCURRENCY" --scan-us "$SCAN_US" \
        | tee target/bench-results/online-windows.md
}

if [[ $WINDOWS_ONLY == 1 ]]; then
    windows_part
    exit 0
fi

sizes=" $SIZES "
[[ $sizes == *" $DEFAULTS_PROJECT "* ]] || sizes="$DEFAULTS_PROJECT$sizes"
first=1
for size in $sizes; do
    echo "== project of $size runs" >&2
    start_server "$size"
    if [[ $first == 1 ]]; then check_same; first=0; fi
    tools=()
    [[ " $SIZES " == *" $size "* ]] && tools=(mdl-fetch floor floor-mdl-query)
    [[ $DISK == 1 && $size == 30000 ]] && tools+=(mdl-fetch-disk)
    for round in $(seq "$ROUNDS"); do
        for tool in "${tools[@]}"; do time_tool "$tool" "$size" "$round" "$RUNS" 1; done
        if [[ $size -le 30000 ]]; then
            time_tool official-tuned "$size" "$round" "$OFFICIAL_RUNS" 0
        elif [[ $OFFICIAL_AT_100K == 1 ]]; then
            time_tool official-tuned "$size" "$round" 1 0
        fi
        if [[ $size == "$DEFAULTS_PROJECT" ]]; then
            time_tool official-defaults "$size" "$round" "$DEFAULTS_RUNS" 0
        fi
    done
    if [[ $size == 30000 ]]; then
        python3 benches/online/field_cost.py --entity $ENTITY --project $PROJECT >"$RESULTS/field-cost.md"
    fi
done
stop_server

{
    python3 benches/online/summary.py --results "$RESULTS" --defaults-project "$DEFAULTS_PROJECT" \
        --latency-ms "$LATENCY_MS" --page-cap "$PAGE_CAP"
    if [[ -f $RESULTS/field-cost.md ]]; then
        echo
        echo "## What mdl-fetch's fields cost the server (30,000-run project)"
        echo
        cat "$RESULTS/field-cost.md"
    fi
} | tee target/bench-results/online-tables.md

if [[ $WINDOWS == 1 ]]; then windows_part; fi
