#!/usr/bin/env bash
# Run-folder benchmark: mdl-fetch --runs-dir on 10,000 W&B run folders, against `find`
# plus reading the two files a table needs of each (files/config.yaml and
# files/wandb-summary.json). Online folders have both files (and a small .wandb log, whose
# first and last blocks mdl-fetch reads for the run's name and exit); offline folders keep
# everything in their log, which is then read whole. Medians of hyperfine runs, warm cache.
#
#   scripts/bench_run_folders.sh            # 10,000 folders of each layout
#
# Environment: RUNS (default 10) runs per command; FOLDERS (10000); DATA (default
# /dev/shm/mdl-bench-runs when /dev/shm exists: making 40,000 files on a slow disk takes
# minutes) where the folders go. Results: target/bench-results/run-folders-*.json and a
# markdown summary on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-10}
FOLDERS=${FOLDERS:-10000}
RESULTS=target/bench-results
if [[ -z "${DATA:-}" ]]; then
    if [[ -d /dev/shm && -w /dev/shm ]]; then DATA=/dev/shm/mdl-bench-runs; else DATA=target/bench-runs; fi
fi
mkdir -p "$RESULTS" "$DATA"

command -v hyperfine >/dev/null || { apt-get install -y hyperfine >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y hyperfine >/dev/null; }; }
cargo build -q --release --bin mdl-fetch --example gen_run_folders
BIN=target/release/mdl-fetch
COLUMNS="--column layer=hook_layer --column activation=sae_type --column k=top_k --column dict_size=d_sae --column l0=metrics/l0 --column error=losses/mse_loss"

median() { # hyperfine json -> median seconds of command $2
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(next(x["median"] for x in r if x["command"]==sys.argv[2]))' "$1" "$2"
}

bench_layout() { # layout
    local layout=$1 dir=$DATA/$1/wandb out=$DATA/out-$1
    [[ -d $dir ]] || target/release/examples/gen_run_folders "$dir" "$FOLDERS" "$layout" 2>/dev/null
    local json=$RESULTS/run-folders-$layout.json
    # Offline folders have neither file: their log is what there is to read.
    local files="-name config.yaml -o -name wandb-summary.json"
    [[ $layout == offline ]] && files="-name \\*.wandb"
    hyperfine -N --style basic --warmup 2 --runs "$RUNS" --export-json "$json" \
        -n find-and-read "sh -c 'find $dir $files | xargs cat > /dev/null'" \
        -n mdl-fetch "$BIN --runs-dir $dir --layers all -q --out $out $COLUMNS" \
        -n mdl-fetch-1-thread "$BIN --runs-dir $dir --layers all -q --out $out-1 --jobs 1 $COLUMNS" >&2
    local base ours one
    base=$(median "$json" find-and-read)
    ours=$(median "$json" mdl-fetch)
    one=$(median "$json" mdl-fetch-1-thread)
    python3 -c 'import sys; l,b,o,s=sys.argv[1],*map(float,sys.argv[2:]); print(f"| {l} | {b*1e3:.0f} ms | {o*1e3:.0f} ms | {o/b:.2f}x | {s*1e3:.0f} ms |")' \
        "$layout" "$base" "$ours" "$one"
}

echo "| $FOLDERS folders | find + reading the two files (offline: the log) | mdl-fetch --runs-dir (all artifacts) | ratio | mdl-fetch, one thread |"
echo "|---|---|---|---|---|"
for layout in online-newer online-older offline; do
    bench_layout "$layout"
done
