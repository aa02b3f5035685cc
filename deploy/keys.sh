#!/usr/bin/env bash
# CURVE keys for a farm: one coordinator key pair and N worker key pairs.
#
#   deploy/keys.sh DIR N [--names a,b,c] [--force]
#
# Layout (DIR is created 0700):
#   DIR/coordinator.key   coordinator secret (0600)  -> coordinator --curve-secret
#   DIR/coordinator.pub   coordinator public key     -> every worker's --server-key
#   DIR/allowed/NAME.pub  worker public keys only    -> coordinator --allow-keys DIR/allowed
#   DIR/workers/NAME.key  worker secrets (0600)      -> that worker's --curve-secret
#   DIR/workers/NAME.pub
# NAME is worker-1..worker-N, or the names given with --names (N is then their count).
# Adding workers later: run again with a larger N; existing keys are kept (never
# overwritten without --force). Revoking one: delete DIR/allowed/NAME.pub and restart
# the coordinator (same --out: it resumes).
# Binaries: $SEEDFARM_BIN/{coordinator,worker} (default: the repo's .build/release, else
# /opt/seedfarm/bin, else $PATH).
set -euo pipefail

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "keys.sh: $*" >&2; exit 1; }

dir="" count="" names="" force=0
while (($#)); do
    case $1 in
        --names) [[ $# -ge 2 ]] || usage; names=$2; shift 2 ;;
        --force) force=1; shift ;;
        -h|--help) usage ;;
        -*) echo "keys.sh: unknown option $1" >&2; usage ;;
        *) if [[ -z $dir ]]; then dir=$1; elif [[ -z $count ]]; then count=$1; else usage; fi; shift ;;
    esac
done
[[ -n $dir ]] || usage
if [[ -n $names ]]; then
    IFS=, read -r -a list <<<"$names"
else
    [[ $count =~ ^[0-9]+$ && $count -ge 1 ]] || { echo "keys.sh: N must be a positive integer" >&2; usage; }
    list=()
    for ((i = 1; i <= count; i++)); do list+=("worker-$i"); done
fi
for n in "${list[@]}"; do
    [[ $n =~ ^[A-Za-z0-9._-]+$ ]] || die "bad worker name '$n' (letters, digits, . _ - only)"
done

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ -z ${SEEDFARM_BIN:-} ]]; then
    if [[ -x $here/../.build/release/coordinator ]]; then SEEDFARM_BIN=$(cd "$here/.." && pwd)/.build/release
    elif [[ -x /opt/seedfarm/bin/coordinator ]]; then SEEDFARM_BIN=/opt/seedfarm/bin
    else SEEDFARM_BIN=$(dirname "$(command -v coordinator || echo /nonexistent/coordinator)")
    fi
fi
[[ -x $SEEDFARM_BIN/coordinator && -x $SEEDFARM_BIN/worker ]] \
    || die "coordinator/worker not found in $SEEDFARM_BIN (build with swift build -c release, or set SEEDFARM_BIN)"

umask 077
mkdir -p "$dir/allowed" "$dir/workers"
chmod 700 "$dir" "$dir/workers"
chmod 755 "$dir/allowed"

made=0 kept=0
gen() { # role prefix
    if [[ -e $2.key && $force -eq 0 ]]; then kept=$((kept + 1)); return; fi
    rm -f "$2.key" "$2.pub"
    "$SEEDFARM_BIN/$1" keygen --out "$2" >/dev/null || die "$1 keygen --out $2 failed"
    [[ -s $2.key && -s $2.pub ]] || die "$1 keygen did not write $2.key and $2.pub"
    chmod 600 "$2.key"; chmod 644 "$2.pub"
    made=$((made + 1))
}
gen coordinator "$dir/coordinator"
for n in "${list[@]}"; do
    gen worker "$dir/workers/$n"
    install -m 644 "$dir/workers/$n.pub" "$dir/allowed/$n.pub"
done
echo "keys.sh: $made key pairs made, $kept kept, in $dir (allow list: $dir/allowed, ${#list[@]} workers)"
