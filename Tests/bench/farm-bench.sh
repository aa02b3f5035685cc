#!/usr/bin/env bash
# Farm benchmarks: prints figures, asserts nothing (these machines are shared and noisy).
#
#   Tests/bench/farm-bench.sh [DATA_DIR] [RUNS]
#
# 1. scaling: the default sweep (5 seeds x 6 methods = 35 tasks) on DATA_DIR (default
#    ../shared/data/mnist-subset) with 1 and with 2 local workers, RUNS times each
#    (default 3), process start-up included; median wall time of each and their ratio.
# 2. coordinator overhead: a --dry-run sweep (workers answer at once) of 300 seeds x 6
#    methods = 2,100 tasks with 8 local workers on loopback, journaled with fsync; the
#    coordinator's own tasks/s figure, median over RUNS.
# Uses .build/release (run `swift build -c release` first) or SEEDFARM_BIN.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bin=${SEEDFARM_BIN:-$PWD/.build/release}
data=${1:-../shared/data/mnist-subset}
runs=${2:-3}
[[ -x $bin/coordinator && -x $bin/worker ]] || { echo "build first: swift build -c release" >&2; exit 2; }
[[ -d $data ]] || { echo "no data directory $data" >&2; exit 2; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

sweep_seconds() {  # workers -> wall seconds of one fresh default sweep
    rm -rf "$scratch/run"
    local start end
    start=$(date +%s.%N)
    "$bin/coordinator" sweep --data "$data" --local-workers "$1" --out "$scratch/run" >/dev/null 2>"$scratch/err" \
        || { cat "$scratch/err" >&2; exit 1; }
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }' 
}

echo "== scaling: default sweep (35 tasks) on $data, $runs runs each, $(nproc) cores"
declare -A med
for workers in 1 2; do
    times=()
    for _ in $(seq "$runs"); do times+=("$(sweep_seconds "$workers")"); done
    med[$workers]=$(printf '%s\n' "${times[@]}" | median)
    printf '  %d worker(s): median %.2f s  (runs: %s)\n' "$workers" "${med[$workers]}" "$(printf '%.2f ' "${times[@]}")"
done
printf '  speed-up with 2 workers: %.2fx\n' "$(awk -v a="${med[1]}" -v b="${med[2]}" 'BEGIN { print a / b }')"

echo "== coordinator overhead: dry-run sweep, 2100 tasks, 8 local workers, fsynced journal"
rates=()
for _ in $(seq "$runs"); do
    rm -rf "$scratch/dry"
    "$bin/coordinator" sweep --dry-run --data "$data" --seeds 300 --local-workers 8 --out "$scratch/dry" \
        >/dev/null 2>"$scratch/err" || { cat "$scratch/err" >&2; exit 1; }
    rate=$(grep -o '([0-9]* tasks/s)' "$scratch/err" | tr -dc '0-9')
    lines=$(wc -l < "$scratch/dry/journal.jsonl")
    [[ $lines == 2100 ]] || { echo "journal has $lines lines, expected 2100" >&2; exit 1; }
    rates+=("$rate")
done
printf '  tasks/s: median %s  (runs: %s)\n' "$(printf '%s\n' "${rates[@]}" | median)" "${rates[*]}"
