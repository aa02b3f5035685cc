# shellcheck shell=bash disable=SC2034  # FARM_RC, FARM_DATA are read by the scripts
# Shared by Tests/cluster/netns-sweep.sh and Tests/cluster/curve.sh (sourced, not run):
# the real coordinator and workers on three hosts made of network namespaces (netns.sh).
#
#   farm_init NAME        root/ip/binaries/data checks (SKIP and exit 0 when missing), a temp
#                         dir $T with copies of the binaries in $T/bin, the namespaces up,
#                         and an EXIT trap that stops every process started here and removes
#                         the namespaces (and $T unless a check failed or SEEDFARM_KEEP_TMP=1)
#   farm_start NAME HOST CMD...   CMD in HOST's namespace (coord|w1|w2) in the background;
#                         stdout $T/NAME.out, stderr $T/NAME.err, pid in FARM_PID[NAME]
#   farm_wait_log NAME ERE SECONDS [WHAT]   wait until $T/NAME.err has a line matching ERE
#   farm_wait_exit NAME SECONDS   wait for NAME to exit; its status in FARM_RC[NAME]
#   farm_running NAME     0 while NAME runs
#   farm_stop NAME        SIGTERM, then SIGKILL after 3 s
#   ok TEXT / fail TEXT / skip TEXT
#
# The namespaces are called $SF_NETNS_PREFIX-coord, -w1, -w2, -lan; the prefix defaults to
# sf-t<pid> so a run never tears down the hosts of another test on the same machine (netns.sh
# `up` first kills everything in namespaces of its names). Addresses are netns.sh's 10.77.0.x,
# which exist only inside those namespaces.
# Binaries: $SEEDFARM_BIN, else the repo's .build/release (copied, so a rebuild during the test
# does not change them). Data: $SEEDFARM_TEST_DATA, else ../shared/data/mnist-subset relative
# to the repo root.

farm_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
farm_repo=$(cd "$farm_here/../.." && pwd)
export SF_NETNS_PREFIX=${SF_NETNS_PREFIX:-sf-t$$}
# At file scope: netns.sh's `declare -A` inside a function would make its tables local.
# shellcheck source=netns.sh
. "$farm_here/netns.sh"
declare -A FARM_PID=() FARM_RC=()
FARM_NAME=""
FARM_FAILED=0
FARM_NETNS_UP=0
T=""

ok() { echo "ok - $*"; }
skip() { echo "SKIP: $*"; exit 0; }

# Prints the end of every log, so a CI failure can be read without the temp dir.
farm_dump_logs() {
    local f
    [[ -n $T && -d $T ]] || return 0
    for f in "$T"/*.err "$T"/*.out; do
        [[ -s $f ]] || continue
        echo "---- ${f##*/} (last 25 lines)"
        tail -n 25 "$f"
    done
    echo "---- logs and run directories kept in $T"
}

fail() {
    echo "FAIL: $FARM_NAME: $*"
    FARM_FAILED=1
    farm_dump_logs
    exit 1
}

farm_running() {
    local pid=${FARM_PID[$1]:-} state
    [[ -n $pid ]] || return 1
    state=$(ps -o stat= -p "$pid" 2>/dev/null) || return 1
    [[ $state != Z* ]]
}

farm_stop() {
    local pid=${FARM_PID[$1]:-} i
    [[ -n $pid ]] || return 0
    if farm_running "$1"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 30; i++)); do farm_running "$1" || break; sleep 0.1; done
        farm_running "$1" && kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null || true
    unset "FARM_PID[$1]"
}

farm_cleanup() {
    local rc=$? name
    set +e
    trap - EXIT INT TERM
    for name in "${!FARM_PID[@]}"; do farm_stop "$name"; done
    # Anything still inside our namespaces (it can only be ours: the names are this run's).
    ((FARM_NETNS_UP)) && netns_down
    if [[ -n $T && -d $T ]]; then
        if ((FARM_FAILED == 0 && rc == 0)) && [[ ${SEEDFARM_KEEP_TMP:-0} != 1 ]]; then
            rm -rf "$T"
        else
            echo "(temp dir kept: $T)"
        fi
    fi
    exit "$rc"
}

farm_init() {
    FARM_NAME=$1
    [[ $(id -u) -eq 0 ]] || skip "$FARM_NAME needs root (network namespaces)"
    command -v ip >/dev/null 2>&1 || skip "ip (iproute2) not found"
    local bin=${SEEDFARM_BIN:-$farm_repo/.build/release}
    [[ -x $bin/coordinator && -x $bin/worker ]] \
        || skip "no coordinator and worker in $bin (swift build -c release, or set SEEDFARM_BIN)"
    [[ $(readlink -f "$bin") != $(readlink -f "$farm_here/standin") ]] \
        || skip "the stand-in binaries cannot run a real sweep; build the real ones"
    local data=${SEEDFARM_TEST_DATA:-../shared/data/mnist-subset}
    if [[ $data != /* && ! -d $data ]]; then data=$farm_repo/$data; fi
    [[ -d $data ]] || skip "no test data at $data (set SEEDFARM_TEST_DATA)"
    FARM_DATA=$(cd "$data" && pwd)

    T=$(mktemp -d "/tmp/sf-$FARM_NAME.XXXXXX")
    trap farm_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    mkdir -p "$T/bin"
    cp "$bin/coordinator" "$bin/worker" "$T/bin/"
    FARM_NETNS_UP=1
    netns_up >"$T/netns.log" 2>&1 || { cat "$T/netns.log"; skip "could not create network namespaces"; }
    local h
    for h in coord w1 w2; do
        ip netns list | grep -q "^$SF_NETNS_PREFIX-$h\b" \
            || { cat "$T/netns.log"; skip "could not create network namespace $SF_NETNS_PREFIX-$h"; }
    done
    echo "# hosts: $SF_NETNS_PREFIX-coord ${NETNS_ADDR[coord]}, $SF_NETNS_PREFIX-w1 ${NETNS_ADDR[w1]}, $SF_NETNS_PREFIX-w2 ${NETNS_ADDR[w2]}; data $FARM_DATA; temp $T"
}

farm_start() {
    local name=$1 host=$2 ns
    shift 2
    ns=$(_ns "$host")
    # A simple command in the background: $! is ip, which execs CMD (same pid).
    ip netns exec "$ns" "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null &
    FARM_PID[$name]=$!
}

farm_wait_log() {
    local name=$1 pattern=$2 seconds=$3 what=${4:-"'$2' in $1's log"}
    local deadline=$((SECONDS + seconds))
    until grep -Eq -- "$pattern" "$T/$name.err" 2>/dev/null; do
        ((SECONDS < deadline)) || fail "no $what within ${seconds}s"
        sleep 0.1
    done
}

farm_wait_exit() {
    local name=$1 seconds=$2 deadline pid rc=0
    pid=${FARM_PID[$name]}
    deadline=$((SECONDS + seconds))
    while farm_running "$name"; do
        ((SECONDS < deadline)) || fail "$name still running after ${seconds}s"
        sleep 0.1
    done
    wait "$pid" 2>/dev/null || rc=$?
    FARM_RC[$name]=$rc
    unset "FARM_PID[$name]"
}

# The task ids in a journal (one JSON record per line, after a checksum), one per line.
farm_journal_ids() {
    grep -o '"task_id":"[^"]*"' "$1" | cut -d'"' -f4
}
