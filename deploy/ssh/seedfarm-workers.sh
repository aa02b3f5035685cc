#!/usr/bin/env bash
# Start, stop or list seedfarm workers on a list of hosts over ssh.
#
#   deploy/ssh/seedfarm-workers.sh start  HOSTS_FILE --connect tcp://COORD:5555 [options]
#   deploy/ssh/seedfarm-workers.sh stop   HOSTS_FILE [--grace SECONDS]
#   deploy/ssh/seedfarm-workers.sh status HOSTS_FILE
#
# HOSTS_FILE: one host per line, as ssh takes it ([user@]host), optionally followed by
# the number of workers for that host; '#' starts a comment. Default count: --workers N,
# else `nproc` on that host.
# Options:
#   --connect ENDPOINT   coordinator endpoint the workers join (start: required)
#   --workers N          workers per host when the hosts file gives no count
#   --threads N          BLAS threads per worker (default 1)
#   --curve-secret FILE --server-key FILE   CURVE key paths ON THE REMOTE HOST
#   --run-dir DIR        remote directory for pid and log files (default .seedfarm/workers,
#                        relative to the remote home)
#   --remote-bin DIR     remote directory of the `worker` binary (default $SEEDFARM_REMOTE_BIN,
#                        else /opt/seedfarm/bin)
#   --grace SECONDS      stop: SIGTERM, then SIGKILL after this long (default 30)
# Environment: SEEDFARM_SSH is the ssh command (default: ssh -o BatchMode=yes
# -o ConnectTimeout=10); it is called as `$SEEDFARM_SSH HOST COMMAND`.
# Worker ids are HOSTLABEL-i; pid files RUN_DIR/HOSTLABEL-i.pid, logs RUN_DIR/HOSTLABEL-i.log.
# start skips workers already running (idempotent). Exit status: 0 when every host
# succeeded (status: every expected worker is running), 1 otherwise, 2 usage error.
set -euo pipefail

usage() { sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
(($# >= 2)) || usage
action=$1 hosts_file=$2
shift 2
case $action in start|stop|status) ;; *) echo "seedfarm-workers: unknown action $action" >&2; usage ;; esac
[[ -r $hosts_file ]] || { echo "seedfarm-workers: cannot read hosts file $hosts_file" >&2; exit 2; }

connect="" workers="" threads=1 secret="" server_key="" run_dir=.seedfarm/workers grace=30
remote_bin=${SEEDFARM_REMOTE_BIN:-/opt/seedfarm/bin}
while (($#)); do
    [[ $# -ge 2 ]] || { echo "seedfarm-workers: $1 needs a value" >&2; usage; }
    case $1 in
        --connect) connect=$2 ;;
        --workers) workers=$2 ;;
        --threads) threads=$2 ;;
        --curve-secret) secret=$2 ;;
        --server-key) server_key=$2 ;;
        --run-dir) run_dir=$2 ;;
        --remote-bin) remote_bin=$2 ;;
        --grace) grace=$2 ;;
        *) echo "seedfarm-workers: unknown option $1" >&2; usage ;;
    esac
    shift 2
done
if [[ $action == start ]]; then
    [[ -n $connect ]] || { echo "seedfarm-workers: start needs --connect ENDPOINT" >&2; usage; }
    [[ -z $secret && -z $server_key || -n $secret && -n $server_key ]] \
        || { echo "seedfarm-workers: --curve-secret and --server-key go together" >&2; usage; }
fi
for v in "$threads" "$grace" ${workers:+"$workers"}; do
    [[ $v =~ ^[0-9]+$ ]] || { echo "seedfarm-workers: '$v' is not a number" >&2; usage; }
done
read -r -a ssh_cmd <<<"${SEEDFARM_SSH:-ssh -o BatchMode=yes -o ConnectTimeout=10}"

# The script each host runs (bash, fed on stdin). Arguments: action label count
# run_dir bin connect threads grace secret server_key.
remote_script=$(cat <<'REMOTE'
set -euo pipefail
action=$1 label=$2 count=$3 run_dir=$4 bin=$5 connect=$6 threads=$7 grace=$8 secret=$9 server_key=${10}
mkdir -p "$run_dir"
cd "$run_dir"
alive() { # pid file: 0 when its process is alive and is a worker
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    [[ -r /proc/$pid/stat ]] || return 0    # no /proc: trust kill -0
    [[ $(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f1) != Z ]] || return 1   # a zombie is gone
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q worker    # pid reused by something else?
}
running() { # pid: alive and not a zombie
    kill -0 "$1" 2>/dev/null || return 1
    [[ ! -r /proc/$1/stat || $(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1) != Z ]]
}
case $action in
start)
    [[ $count == auto ]] && count=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)
    [[ -x $bin/worker ]] || { echo "$label: no worker at $bin/worker"; exit 1; }
    keys=()
    [[ -n $secret ]] && keys=(--curve-secret "$secret" --server-key "$server_key")
    started=0 running=0
    for ((i = 1; i <= count; i++)); do
        if alive "$label-$i.pid"; then running=$((running + 1)); continue; fi
        nohup "$bin/worker" --connect "$connect" --threads "$threads" --id "$label-$i" "${keys[@]}" \
            >"$label-$i.log" 2>&1 </dev/null &
        echo $! >"$label-$i.pid"
        started=$((started + 1))
    done
    sleep 1
    failed=0
    for ((i = 1; i <= count; i++)); do
        alive "$label-$i.pid" || { failed=$((failed + 1)); echo "$label: worker $i exited at once:"; tail -n 5 "$label-$i.log" | sed 's/^/    /'; }
    done
    echo "$label: started $started, already running $running, failed $failed (of $count; pid/log files in $PWD)"
    ((failed == 0))
    ;;
stop)
    shopt -s nullglob
    pids=()
    for f in "$label"-*.pid; do
        if alive "$f"; then pids+=("$(cat "$f")"); fi
    done
    ((${#pids[@]})) && kill -TERM "${pids[@]}" 2>/dev/null || true
    for ((t = 0; t < grace * 4; t++)); do
        left=()
        for p in "${pids[@]}"; do running "$p" && left+=("$p"); done
        ((${#left[@]} == 0)) && break
        sleep 0.25
    done
    left=()
    for p in "${pids[@]}"; do running "$p" && left+=("$p"); done
    ((${#left[@]})) && kill -KILL "${left[@]}" 2>/dev/null || true
    rm -f "$label"-*.pid
    echo "$label: stopped ${#pids[@]} workers (${#left[@]} needed SIGKILL)"
    ;;
status)
    shopt -s nullglob
    up=0 down=0
    for f in "$label"-*.pid; do
        if alive "$f"; then up=$((up + 1)); else down=$((down + 1)); fi
    done
    echo "$label: $up running, $down dead"
    ((up > 0 && down == 0))
    ;;
esac
REMOTE
)

rc=0 hosts=0
while read -r host count _; do
    [[ -z $host || $host == \#* ]] && continue
    hosts=$((hosts + 1))
    [[ -z ${count:-} || $count == \#* ]] && count=${workers:-auto}
    [[ $count == auto || $count =~ ^[0-9]+$ ]] || { echo "seedfarm-workers: bad count '$count' for $host" >&2; rc=1; continue; }
    label=${host#*@}
    label=${label//[^A-Za-z0-9._-]/_}
    args=("$action" "$label" "$count" "$run_dir" "$remote_bin" "$connect" "$threads" "$grace" "$secret" "$server_key")
    remote="bash -s --$(printf ' %q' "${args[@]}")"
    "${ssh_cmd[@]}" "$host" "$remote" <<<"$remote_script" || { echo "seedfarm-workers: $action failed on $host" >&2; rc=1; }
done <"$hosts_file"
((hosts)) || { echo "seedfarm-workers: no hosts in $hosts_file" >&2; exit 2; }
exit "$rc"
