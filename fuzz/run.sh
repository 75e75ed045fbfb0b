#!/usr/bin/env bash
# Runs one fuzz target for a while: fuzz/run.sh TARGET [SECONDS] [extra libFuzzer flags...]
# Needs cargo-fuzz (`cargo install cargo-fuzz`); RUSTC_BOOTSTRAP=1 lets stable Rust take the
# nightly flags it passes. The growing corpus stays in fuzz/corpus/TARGET (not committed),
# seeded from fuzz/seeds/TARGET; crashes land in fuzz/artifacts/TARGET.
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?usage: fuzz/run.sh TARGET [SECONDS] [libFuzzer flags...]}
seconds=${2:-300}
shift $(( $# < 2 ? $# : 2 ))
mkdir -p "corpus/$target"
RUSTC_BOOTSTRAP=1 exec cargo fuzz run -O -s none "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len=8192 \
    -dict="dicts/$target.dict" -print_final_stats=1 "$@"
