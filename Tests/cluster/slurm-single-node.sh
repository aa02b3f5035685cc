#!/usr/bin/env bash
# A throw-away single-node Slurm cluster on this host, for running a command against it.
#
#   Tests/cluster/slurm-single-node.sh COMMAND [ARGS...]
#   e.g. Tests/cluster/slurm-single-node.sh sbatch --wait --ntasks=2 --wrap 'srun hostname'
#
# Installs slurm-wlm and munge if missing, writes a minimal slurm.conf (this host's
# `hostname -s`, CPUs from nproc, select/cons_tres, proctrack/linuxproc, no cgroups,
# ReturnToService=2, all state, spool, logs and the munge socket under one temp dir),
# starts munged, slurmctld and slurmd by hand (no systemd needed), waits until the
# node is idle, runs COMMAND with SLURM_CONF exported, then cancels any jobs left,
# stops the daemons and removes the temp dir. Exits with COMMAND's status.
# All Slurm traffic is on loopback (NodeAddr and SlurmctldHost are 127.0.0.1).
#
# Not root, or slurm/munge not installable: prints "SKIP: reason" and exits 0.
# Knobs: SEEDFARM_SLURM_CTLD_PORT (default 16817), SEEDFARM_SLURM_D_PORT (16818),
#        SEEDFARM_SLURM_KEEP=1 keeps the temp dir (logs) for debugging.
set -euo pipefail

skip() { echo "SKIP: $*"; exit 0; }
log() { echo "slurm-single-node: $*" >&2; }

(($# > 0)) || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || skip "slurm-single-node.sh needs root (starts slurmd and munged)"

need_install=()
for p in slurm-wlm munge; do
    [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true) == ii* ]] || need_install+=("$p")
done
if ((${#need_install[@]})); then
    command -v apt-get >/dev/null 2>&1 || skip "slurm-wlm/munge missing and no apt-get"
    log "installing ${need_install[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Debian's postinst would try to start services; without systemd/init that only warns.
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_install[@]}"; } >/dev/null 2>&1 \
        || skip "could not install ${need_install[*]}"
fi
for t in munged slurmctld slurmd sinfo srun sbatch scancel squeue; do
    command -v "$t" >/dev/null 2>&1 || skip "$t not found after installing slurm-wlm munge"
done

HOST=$(hostname -s)
CPUS=$(nproc)
CTLD_PORT=${SEEDFARM_SLURM_CTLD_PORT:-16817}
SLURMD_PORT=${SEEDFARM_SLURM_D_PORT:-16818}
T=$(mktemp -d /tmp/sf-slurm.XXXXXX)
chmod 700 "$T"
mkdir -p "$T/state" "$T/spool" "$T/munge"
chmod 700 "$T/munge"
pids=()

our_stepds() { # live slurmstepd processes of this cluster's slurmd (environ has our SLURM_CONF)
    local d
    for d in /proc/[0-9]*; do
        [[ $(cat "$d/comm" 2>/dev/null) == slurmstepd ]] || continue
        tr '\0' '\n' 2>/dev/null <"$d/environ" | grep -qxF "SLURM_CONF=$T/slurm.conf" && echo "${d#/proc/}"
    done
    return 0
}

wait_stepds() { # seconds: 0 when none of ours is left
    local i
    for ((i = 0; i < $1 * 4; i++)); do
        [[ -z $(our_stepds) ]] && return 0
        sleep 0.25
    done
    return 1
}

cleanup() {
    local rc=$?
    set +e
    if [[ -S $T/munge/munge.socket ]] && [[ -f $T/slurm.conf ]]; then
        # Jobs first (their slurmstepd outlive slurmd), then the daemons, newest first.
        SLURM_CONF=$T/slurm.conf scancel --quiet --full --user="$(id -un)" 2>/dev/null
        for _ in $(seq 1 40); do
            [[ -z $(SLURM_CONF=$T/slurm.conf squeue -h 2>/dev/null) ]] && break
            sleep 0.5
        done
    fi
    # A cancelled job's slurmstepd outlives it by a moment, and needs slurmd to finish.
    wait_stepds 10
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill -TERM "${pids[i]}" 2>/dev/null
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if ! wait_stepds 5; then
        log "killing leftover slurmstepd: $(our_stepds)"
        kill -KILL $(our_stepds) 2>/dev/null
    fi
    if ((rc != 0)) || [[ ${SEEDFARM_SLURM_KEEP:-0} == 1 ]]; then
        for f in slurmctld.log slurmd.log munged.log; do
            [[ -s $T/$f ]] && { echo "---- last lines of $f" >&2; tail -n 15 "$T/$f" >&2; }
        done
    fi
    if [[ ${SEEDFARM_SLURM_KEEP:-0} == 1 ]]; then
        log "kept $T"
    else
        rm -rf "$T"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 1. munge: own key, socket, pid and log under $T (root needs --force).
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$T/munge/munge.key"
munged --foreground --force \
    --key-file="$T/munge/munge.key" --socket="$T/munge/munge.socket" \
    --pid-file="$T/munge/munged.pid" --log-file="$T/munged.log" \
    --seed-file="$T/munge/munged.seed" >>"$T/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 40); do [[ -S $T/munge/munge.socket ]] && break; sleep 0.25; done
[[ -S $T/munge/munge.socket ]] || { log "munged did not start"; exit 1; }

# 2. slurm.conf
cat >"$T/slurm.conf" <<CONF
ClusterName=seedfarm-test
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.socket
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SlurmdParameters=config_overrides
ReturnToService=2
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=5
NodeName=$HOST NodeAddr=127.0.0.1 NodeHostname=$HOST CPUs=$CPUS State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
export SLURM_CONF=$T/slurm.conf

# 3. the daemons, in the foreground of background jobs so we own their pids.
slurmctld -D -i -f "$SLURM_CONF" >>"$T/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >>"$T/slurmd.out" 2>&1 &
pids+=($!)

# 4. wait for the node to be idle.
state=""
for _ in $(seq 1 120); do
    state=$(sinfo -h -n "$HOST" -o '%t' 2>/dev/null | head -n1 || true)
    [[ $state == idle ]] && break
    for pid in "${pids[@]}"; do
        kill -0 "$pid" 2>/dev/null || { log "a daemon exited early (pid $pid)"; exit 1; }
    done
    sleep 0.5
done
[[ $state == idle ]] || { log "node $HOST not idle after 60 s (state '$state')"; exit 1; }
log "node $HOST idle with $CPUS CPUs; running: $*"

# 5. the command.
set +e
"$@"
rc=$?
set -e
log "command exited $rc"
exit "$rc"
