#!/usr/bin/env bash
# deploy/slurm/seedfarm.sbatch on a throw-away single-node Slurm (slurm-single-node.sh):
#   1. a sweep with 2 workers completes, the job exits 0 and the run dir has table.md;
#   2. a coordinator usage error makes the job exit 2;
#   with the stand-in binaries also (they can be told to misbehave):
#   3. workers that ignore bye are stopped with SIGTERM, the job still exits 0;
#   4. workers that ignore SIGTERM too are killed, the job still exits 0.
#
#   Tests/cluster/slurm-sweep.sh
#   SEEDFARM_BIN=$PWD/.build/release SEEDFARM_SWEEP_ARGS="--dataset synthetic --seeds 1" Tests/cluster/slurm-sweep.sh
#
# SEEDFARM_BIN defaults to the repo's .build/release when both binaries are built there,
# else the stand-ins in Tests/cluster/standin (which check the plumbing, not the farm).
# Not root or no Slurm: "SKIP: reason", exit 0 (from slurm-single-node.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
sbatch_script=$repo/deploy/slurm/seedfarm.sbatch

if [[ ${1:-} != --inner ]]; then
    [[ $(id -u) -eq 0 ]] || { echo "SKIP: slurm-sweep.sh needs root"; exit 0; }
    if [[ -z ${SEEDFARM_BIN:-} ]]; then
        if [[ -x $repo/.build/release/coordinator && -x $repo/.build/release/worker ]]; then
            SEEDFARM_BIN=$repo/.build/release
        else
            SEEDFARM_BIN=$here/standin
        fi
    fi
    export SEEDFARM_BIN
    export SEEDFARM_PORT=${SEEDFARM_PORT:-15555}
    work=$(mktemp -d /tmp/sf-slurm-sweep.XXXXXX)
    trap 'rm -rf "$work"' EXIT
    echo "slurm-sweep: binaries from $SEEDFARM_BIN"
    "$here/slurm-single-node.sh" "$0" --inner "$work"
    exit $?
fi

# ---- inside the cluster (SLURM_CONF is set)
work=$2
standin=0
[[ $(readlink -f "$SEEDFARM_BIN") == $(readlink -f "$here/standin") ]] && standin=1
# Never the default dataset (MNIST, which may be downloaded): tests stay offline.
read -r -a sweep_args <<<"${SEEDFARM_SWEEP_ARGS:---dataset synthetic --seeds 1 --epochs-foundation 1 --epochs-adapt 1}"
failures=0
check() { # name expected actual
    if [[ $2 == "$3" ]]; then echo "ok: $1"; else echo "FAIL: $1 (expected $2, got $3)"; failures=$((failures + 1)); fi
}
run_job() { # name extra-env... -- sbatch-script-args...
    local name=$1; shift
    local envs=()
    while [[ $1 != -- ]]; do envs+=("$1"); shift; done
    shift
    local rc=0
    env "${envs[@]}" SEEDFARM_RUN_DIR="$work/$name" \
        timeout 300 sbatch --wait --quiet --nodes=1 --ntasks-per-node=2 --cpus-per-task=1 \
        --output="$work/$name.out" "$sbatch_script" "$@" || rc=$?
    echo "$rc"
}

rc=$(run_job sweep -- "${sweep_args[@]}")
check "sweep job exits 0" 0 "$rc"
check "table.md written" yes "$([[ -s $work/sweep/table.md ]] && echo yes || echo no)"
if ((standin)); then
    check "both workers took tasks" 2 "$(grep -c '^| vm\|^| '"$(hostname -s)"'-' "$work/sweep/table.md" || true)"
fi

rc=$(run_job usage -- --no-such-option)
check "coordinator usage error gives job status 2" 2 "$rc"

if ((standin)); then
    rc=$(run_job straggler SEEDFARM_STANDIN_IGNORE_BYE=1 SEEDFARM_WORKER_GRACE=2 --)
    check "workers ignoring bye: job exits 0" 0 "$rc"
    check "stragglers got SIGTERM and left" 2 "$(grep -c 'SIGTERM: leaving' "$work/straggler.out" || true)"
    rc=$(run_job stubborn SEEDFARM_STANDIN_IGNORE_BYE=1 SEEDFARM_STANDIN_IGNORE_TERM=1 SEEDFARM_WORKER_GRACE=2 --)
    check "workers ignoring SIGTERM too: job exits 0" 0 "$rc"
    check "stubborn workers' step cancelled" 1 "$(grep -c 'cancelling the worker step' "$work/stubborn.out" || true)"
fi

echo "---- sweep job output (last 12 lines)"; tail -n 12 "$work/sweep.out"
if ((failures)); then
    for f in "$work"/*.out; do echo "---- $f"; tail -n 30 "$f"; done
fi
echo "slurm-sweep: $((standin ? 7 : 3)) checks, $failures failed"
exit $((failures > 0))
