#!/usr/bin/env bash
# The instruction guard CI runs: counts, with valgrind's callgrind, the instructions of
#
#   offline_100k      a whole `mdl-fetch --export 6=.. --export 7=.. --export 8=.. --no-runs-csv
#                     --jobs 1 --out DIR` run on 3 exports of 100,000 rows each (gen_sweep's,
#                     seed 2025), from its start to its exit;
#   decode_page_1000  decoding one 1,000-run GraphQL page into cache rows
#                     (`benches/decode_page.rs`: its decode function alone),
#
# and fails when a count is past its budget in benches/instruction_budget.toml, printing
# the count and the budget. An instruction count does not move with the machine's load as
# seconds do: the same build on the same input counts the same to within a few thousand.
#
#   scripts/instruction_guard.sh            # count and check
#   COUNT_ONLY=1 scripts/instruction_guard.sh   # count and print, no check
#
# valgrind is installed from apt when missing. About 10 s of callgrind besides the build.
set -euo pipefail
cd "$(dirname "$0")/.."

BUDGETS=benches/instruction_budget.toml
DATA=target/guard-data/100000
OUT=target/guard-out

command -v valgrind >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
}

cargo build -q --release --bin mdl-fetch --example gen_sweep
DECODE=$(cargo bench -q --bench decode_page --no-run --message-format=json 2>/dev/null \
    | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "decode_page" and m.get("executable"):
        print(m["executable"])')
[[ -f $DATA/layer-8.csv ]] || target/release/examples/gen_sweep "$DATA" 100000 2>/dev/null

# count NAME FUNCTION COMMAND... -> instructions callgrind counted in the command (only
# within FUNCTION, unless it is empty); the command must succeed
count() {
    local name=$1 log=target/guard-$1.log options=(--tool=callgrind --callgrind-out-file=/dev/null)
    [[ -z $2 ]] || options+=("--toggle-collect=$2")
    shift 2
    if ! valgrind "${options[@]}" "$@" >"$log" 2>&1; then
        cat "$log" >&2
        echo "instruction guard: $name failed to run under valgrind (log above)" >&2
        exit 1
    fi
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$log"
}

# budget NAME -> the budget in $BUDGETS (underscores between digits allowed)
budget() {
    sed -n "s/^$1 *= *\([0-9_]*\).*/\1/p" "$BUDGETS" | tr -d _
}

rm -rf "$OUT"
offline=$(count offline_100k "" target/release/mdl-fetch --export "6=$DATA/layer-6.csv" \
    --export "7=$DATA/layer-7.csv" --export "8=$DATA/layer-8.csv" --no-runs-csv --jobs 1 \
    --out "$OUT" -q)
# The run must have made the table: a run cut short would count fewer instructions.
[[ $(grep -c '^| ' "$OUT/mdl-table.md") -ge 12 ]] || {
    echo "instruction guard: offline_100k wrote no whole table in $OUT" >&2
    exit 1
}
decode=$(count decode_page_1000 '*decode_page_under_guard*' "$DECODE")

# grouped N -> N with commas between thousands
grouped() {
    sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"
}

failed=0
for pair in "offline_100k $offline" "decode_page_1000 $decode"; do
    read -r name measured <<<"$pair"
    limit=$(budget "$name")
    if [[ -z $limit || $limit == 0 ]]; then
        echo "instruction guard: $BUDGETS has no budget for $name (measured $measured)" >&2
        failed=1
        continue
    fi
    printf '%-18s %15s instructions, budget %15s (%d %%)\n' "$name" \
        "$(grouped "$measured")" "$(grouped "$limit")" "$((measured * 100 / limit))"
    if [[ ${COUNT_ONLY:-0} != 1 && $measured -gt $limit ]]; then
        echo "instruction guard: $name counts $measured instructions, past its budget of $limit:" \
            "find what got slower (callgrind_annotate on its profile), or raise the budget in" \
            "$BUDGETS in a commit that says why" >&2
        failed=1
    fi
done
exit $failed
