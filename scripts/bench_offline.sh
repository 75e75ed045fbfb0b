#!/usr/bin/env bash
# Offline benchmark: mdl-fetch replaying 3 exports of N runs each (with --no-runs-csv, the
# table's artifacts: the peers' computation; and with every artifact), against the seed
# notebook's pandas code, the same computation in polars, and the csv-crate floor (one
# ByteRecord pass, nothing else). Medians of hyperfine runs, peak RSS from /usr/bin/time.
#
#   scripts/bench_offline.sh            # 1M rows per layer + the 10k/100k/1M scaling table
#
# Environment: RUNS (default 5) runs per command; PANDAS_ROWS (100000) rows per layer for the
# seed's pandas code, which is timed there and scaled linearly to 1M (it takes minutes);
# PANDAS_RUNS (RUNS); SCALING=0 skips the scaling table; OUT_ROOT (default /dev/shm when it
# exists, so that the 400 MB runs.csv measures the pipeline, not the disk; mdl-fetch
# fsyncs its artifacts) where outputs go; DISK=1 also times mdl-fetch writing to target/.
# Results: target/bench-results/offline-*.json and a markdown summary on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
PANDAS_ROWS=${PANDAS_ROWS:-100000}
PANDAS_RUNS=${PANDAS_RUNS:-$RUNS}
SCALING=${SCALING:-1}
DATA=target/bench-data
RESULTS=target/bench-results
if [[ -z "${OUT_ROOT:-}" ]]; then
    if [[ -d /dev/shm && -w /dev/shm ]]; then OUT_ROOT=/dev/shm/mdl-bench; else OUT_ROOT=target/bench-out; fi
fi
mkdir -p "$RESULTS" "$OUT_ROOT"

need_apt() { command -v "$1" >/dev/null || { apt-get install -y "$2" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$2" >/dev/null; }; }; }
need_apt hyperfine hyperfine
[[ -x /usr/bin/time ]] || need_apt /usr/bin/time time
python3 -c "import pandas, polars, tabulate" 2>/dev/null || python3 -m pip install -q pandas polars tabulate

cargo build -q --release --bin mdl-fetch --example gen_sweep
FLOOR=$(cargo bench -q --bench csv_floor --no-run --message-format=json 2>/dev/null \
    | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "csv_floor" and m.get("executable"):
        print(m["executable"])')
BIN=target/release/mdl-fetch

data() { # rows -> directory with layer-{6,7,8}.csv
    local dir=$DATA/$1
    [[ -f $dir/layer-8.csv ]] || target/release/examples/gen_sweep "$dir" "$1" 2>/dev/null
    echo "$dir"
}
exports() { echo "--export 6=$1/layer-6.csv --export 7=$1/layer-7.csv --export 8=$1/layer-8.csv"; }
pairs() { echo "6=$1/layer-6.csv 7=$1/layer-7.csv 8=$1/layer-8.csv"; }
files() { echo "$1/layer-6.csv $1/layer-7.csv $1/layer-8.csv"; }

rss() { # command... -> peak RSS in KB
    /usr/bin/time -f "%M" -o "$OUT_ROOT/rss" "$@" >/dev/null 2>&1
    cat "$OUT_ROOT/rss"
}

check_same() { # the peers must print mdl-fetch's table
    local dir=$1
    rm -rf "$OUT_ROOT/check"
    $BIN $(exports "$dir") --out "$OUT_ROOT/check" -q
    python3 benches/polars_mdl.py $(pairs "$dir") | cmp -s - "$OUT_ROOT/check/mdl-table.md" \
        || { echo "polars table differs from mdl-fetch's on $dir" >&2; exit 1; }
}

# mdl-fetch, polars and the floor at one size; pandas separately (slow).
bench_size() { # rows
    local rows=$1 dir; dir=$(data "$rows")
    check_same "$dir"
    local out=$OUT_ROOT/out-$rows
    local cmds=(
        -n mdl-fetch-table "$BIN $(exports "$dir") --out $out-table -q --no-runs-csv"
        -n mdl-fetch-default "$BIN $(exports "$dir") --out $out-default -q"
        -n mdl-fetch-all "$BIN $(exports "$dir") --out $out -q --runs-csv"
        -n polars "python3 benches/polars_mdl.py $(pairs "$dir")"
        -n csv-floor "$FLOOR $(files "$dir")"
    )
    if [[ ${DISK:-0} == 1 && $rows == 1000000 ]]; then
        cmds+=(-n mdl-fetch-disk "$BIN $(exports "$dir") --out target/bench-out/disk-$rows -q --runs-csv")
    fi
    hyperfine -N --style basic --warmup 1 --runs "$RUNS" --export-json "$RESULTS/offline-$rows.json" "${cmds[@]}" >&2
    {
        echo "mdl-fetch-table $(rss $BIN $(exports "$dir") --out "$out-table" -q --no-runs-csv)"
        echo "mdl-fetch-default $(rss $BIN $(exports "$dir") --out "$out-default" -q)"
        echo "mdl-fetch-all $(rss $BIN $(exports "$dir") --out "$out" -q --runs-csv)"
        echo "polars $(rss python3 benches/polars_mdl.py $(pairs "$dir"))"
        echo "csv-floor $(rss $FLOOR $(files "$dir"))"
    } >"$RESULTS/offline-$rows.rss"
}

bench_pandas() { # rows
    local rows=$1 dir; dir=$(data "$rows")
    python3 benches/seed_pandas.py $(pairs "$dir") | cmp -s - <($BIN $(exports "$dir") --out "$OUT_ROOT/pandas-check" -q; cat "$OUT_ROOT/pandas-check/mdl-table.md") \
        || { echo "seed pandas table differs from mdl-fetch's on $dir" >&2; exit 1; }
    hyperfine -N --style basic --runs "$PANDAS_RUNS" --export-json "$RESULTS/offline-pandas-$rows.json" \
        -n seed-pandas "python3 benches/seed_pandas.py $(pairs "$dir")" >&2
    echo "seed-pandas $(rss python3 benches/seed_pandas.py $(pairs "$dir"))" >"$RESULTS/offline-pandas-$rows.rss"
}

bench_size 1000000
bench_pandas "$PANDAS_ROWS"
if [[ $SCALING == 1 ]]; then
    bench_size 10000
    bench_size 100000
    [[ $PANDAS_ROWS == 10000 ]] || bench_pandas 10000
fi
python3 scripts/bench_summary.py offline "$RESULTS" "$PANDAS_ROWS"
