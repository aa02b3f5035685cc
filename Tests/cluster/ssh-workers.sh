#!/usr/bin/env bash
# deploy/ssh/seedfarm-workers.sh against a real sshd on loopback (127.0.0.1:22222 by
# default, its own host key, client key and config in a temp dir; nothing in /etc/ssh
# is used or changed). The hosts file names this machine twice (127.0.0.1 with 2
# workers, localhost with the nproc default) so two "hosts" are exercised.
#   1. start -> status: all running; the (stand-in or real) coordinator's sweep
#      completes with those workers and they leave on bye;
#   2. start against no coordinator, start again (idempotent), stop (SIGTERM): none left;
#   3. with the stand-ins, workers that ignore SIGTERM are SIGKILLed after --grace.
#
#   Tests/cluster/ssh-workers.sh
#
# Not root, or no sshd and openssh-server not installable: "SKIP: reason", exit 0.
# SEEDFARM_BIN as in the other checks (the repo's .build/release, else the stand-ins).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
script=$repo/deploy/ssh/seedfarm-workers.sh
port=${SEEDFARM_SSHD_PORT:-22222}
coord_port=${SEEDFARM_SSH_COORD_PORT:-15556}

[[ $(id -u) -eq 0 ]] || { echo "SKIP: ssh-workers.sh needs root (runs sshd)"; exit 0; }
if [[ ! -x /usr/sbin/sshd ]]; then
    command -v apt-get >/dev/null 2>&1 || { echo "SKIP: no sshd and no apt-get"; exit 0; }
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server openssh-client; } >/dev/null 2>&1 \
        || { echo "SKIP: could not install openssh-server"; exit 0; }
fi
command -v ssh >/dev/null 2>&1 || { echo "SKIP: no ssh client"; exit 0; }
if [[ -z ${SEEDFARM_BIN:-} ]]; then
    if [[ -x $repo/.build/release/coordinator && -x $repo/.build/release/worker ]]; then
        SEEDFARM_BIN=$repo/.build/release
    else
        SEEDFARM_BIN=$here/standin
    fi
fi
standin=0
[[ $(readlink -f "$SEEDFARM_BIN") == $(readlink -f "$here/standin") ]] && standin=1

T=$(mktemp -d /tmp/sf-ssh.XXXXXX)
chmod 755 "$T"
made_run_sshd=0
sshd_pid="" coord_pid=""
cleanup() {
    local rc=$?
    set +e
    [[ -n $coord_pid ]] && { kill -TERM "$coord_pid" 2>/dev/null; wait "$coord_pid" 2>/dev/null; }
    # Workers the checks may have left: only those whose pid files are in our run dir.
    for f in "$T"/run/*.pid; do
        [[ -f $f ]] && kill -KILL "$(cat "$f")" 2>/dev/null
    done
    [[ -n $sshd_pid ]] && { kill -TERM "$sshd_pid" 2>/dev/null; wait "$sshd_pid" 2>/dev/null; }
    ((made_run_sshd)) && rmdir /run/sshd 2>/dev/null
    rm -rf "$T"
    exit "$rc"
}
trap cleanup EXIT

[[ -d /run/sshd ]] || { mkdir -p /run/sshd; chmod 755 /run/sshd; made_run_sshd=1; }
ssh-keygen -q -t ed25519 -N '' -f "$T/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$T/client_key"
cp "$T/client_key.pub" "$T/authorized_keys"
chmod 600 "$T/authorized_keys"
cat >"$T/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $port
HostKey $T/host_key
PidFile $T/sshd.pid
AuthorizedKeysFile $T/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AcceptEnv SEEDFARM_STANDIN_*
LogLevel ERROR
CONF
/usr/sbin/sshd -D -e -f "$T/sshd_config" 2>"$T/sshd.log" &
sshd_pid=$!
export SEEDFARM_SSH="ssh -F /dev/null -p $port -i $T/client_key -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=$T/known_hosts -o LogLevel=ERROR"
for _ in $(seq 1 40); do $SEEDFARM_SSH 127.0.0.1 true 2>/dev/null && break; sleep 0.25; done
$SEEDFARM_SSH 127.0.0.1 true || { echo "FAIL: sshd on 127.0.0.1:$port not reachable"; cat "$T/sshd.log"; exit 1; }

printf '# test hosts\n127.0.0.1 2\nlocalhost   # nproc workers\n' >"$T/hosts"
n_local=$(nproc)
expected=$((2 + n_local))
common=(--run-dir "$T/run" --remote-bin "$SEEDFARM_BIN")
failures=0
check() { if [[ $2 == "$3" ]]; then echo "ok: $1"; else echo "FAIL: $1 (expected $2, got $3)"; failures=$((failures + 1)); fi; }
live() { kill -0 "$1" 2>/dev/null && [[ $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) != Z ]]; }
count_pids() { local n=0 f; for f in "$T"/run/*.pid; do [[ -f $f ]] && live "$(cat "$f")" && n=$((n + 1)); done; echo $n; }
status_rc() { local rc=0; "$script" status "$T/hosts" "${common[@]}" >/dev/null || rc=$?; echo $rc; }

# 1. workers started over ssh first (they wait for the coordinator), then a sweep
rc=0; "$script" start "$T/hosts" --connect "tcp://127.0.0.1:$coord_port" "${common[@]}" || rc=$?
check "start exits 0" 0 "$rc"
check "workers running after start" "$expected" "$(count_pids)"
check "status exits 0 with all running" 0 "$(status_rc)"
SEEDFARM_STANDIN_TASKS=$((expected * 4)) \
    "$SEEDFARM_BIN/coordinator" sweep --bind "tcp://127.0.0.1:$coord_port" --local-workers 0 \
    --out "$T/sweep" ${SEEDFARM_SWEEP_ARGS:---dataset synthetic --seeds 2 --methods frozen,bitfit --epochs-foundation 1 --epochs-adapt 1} \
    >"$T/coordinator.log" 2>&1 &
coord_pid=$!
rc=0; wait "$coord_pid" || rc=$?; coord_pid=""
check "sweep completes with the ssh-started workers" 0 "$rc"
if ((standin)); then
    check "every worker took tasks" "$expected" "$(grep -c '^| ' "$T/sweep/table.md" | awk '{print $1 - 1}')"
fi
for _ in $(seq 1 20); do [[ $(count_pids) == 0 ]] && break; sleep 0.5; done
check "workers left on bye" 0 "$(count_pids)"
check "status exits non-zero when none run" 1 "$(status_rc)"
"$script" stop "$T/hosts" "${common[@]}" >/dev/null

# 2. start (no coordinator), start again, stop
"$script" start "$T/hosts" --connect "tcp://127.0.0.1:$((coord_port + 1))" "${common[@]}" >/dev/null
first=$(cat "$T"/run/*.pid | sort | tr '\n' ' ')
out=$("$script" start "$T/hosts" --connect "tcp://127.0.0.1:$((coord_port + 1))" "${common[@]}")
check "second start starts nothing" "$first" "$(cat "$T"/run/*.pid | sort | tr '\n' ' ')"
check "second start reports all already running" 2 "$(grep -c 'started 0, already running' <<<"$out")"
rc=0; "$script" stop "$T/hosts" --grace 10 "${common[@]}" >"$T/stop.out" || rc=$?
check "stop exits 0" 0 "$rc"
check "no worker left after stop" 0 "$(count_pids)"
check "stop needed no SIGKILL" 2 "$(grep -c '(0 needed SIGKILL)' "$T/stop.out")"

# 3. workers that ignore SIGTERM (stand-ins only)
if ((standin)); then
    SEEDFARM_SSH="$SEEDFARM_SSH -o SetEnv=SEEDFARM_STANDIN_IGNORE_TERM=1" \
        "$script" start "$T/hosts" --connect "tcp://127.0.0.1:$((coord_port + 1))" "${common[@]}" >/dev/null
    pids=$(cat "$T"/run/*.pid)
    "$script" stop "$T/hosts" --grace 1 "${common[@]}" >"$T/stop.out"
    alive=0; for p in $pids; do live "$p" && alive=$((alive + 1)); done
    check "stubborn workers SIGKILLed after the grace period" 0 "$alive"
    check "stop reports the SIGKILLs" "$expected" "$(sed -n 's/.*(\([0-9]*\) needed SIGKILL).*/\1/p' "$T/stop.out" | paste -sd+ | bc)"
fi
((failures)) && { echo "---- coordinator log"; tail -n 20 "$T/coordinator.log"; tail -n 5 "$T"/run/*.log 2>/dev/null; }
echo "ssh-workers: $failures failed"
exit $((failures > 0))
