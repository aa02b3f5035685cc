#!/usr/bin/env bash
# A real sweep across three hosts (network namespaces from netns.sh): the coordinator in
# <prefix>-coord (10.77.0.1, --local-workers 0, --heartbeat-timeout 3), worker w1 in
# <prefix>-w1 (10.77.0.11) and worker w2 in <prefix>-w2 (10.77.0.12).
#   a. the sweep (2 seeds x frozen,taugate,lora, 1 epoch each) completes; its table.md is the
#      reference; both workers leave with exit 0 on bye;
#   b. the same sweep in a fresh run dir, workers with SEEDFARM_FAULTS=delay=1: as soon as
#      the coordinator logs "task ... done by w1", w1's cable is pulled (netns.sh link-down).
#      The coordinator presumes w1 dead, w2 finishes the sweep, table.md is byte-identical to
#      the reference, the journal holds each of the sweep's task ids exactly once. w1 is still
#      running (it never heard bye) and has noticed the coordinator went silent;
#   c. cable back (link-up), and a new, different sweep (its tasks are not those of a/b) on
#      the same address with no other worker: it can only finish if the w1 process from b
#      reconnects by itself; it must join, do both tasks and exit 0 on bye. (Deterministic:
#      w1's reconnect back-off is bounded, 32 s at most, so the deadline is fixed.)
#
#   Tests/cluster/netns-sweep.sh
#
# Root and `ip` needed, and the real binaries (see farm-lib.sh for SEEDFARM_BIN,
# SEEDFARM_TEST_DATA, SF_NETNS_PREFIX, SEEDFARM_KEEP_TMP); otherwise "SKIP: reason", exit 0.
# Prints "ok - ..." per check; a failed check prints "FAIL: ..." and the logs, and exits 1.
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/farm-lib.sh"
farm_init netns-sweep

port=${SEEDFARM_NETNS_PORT:-5555}
endpoint=tcp://${NETNS_ADDR[coord]}:$port
# shellcheck disable=SC2054  # the commas belong to --methods
sweep=(--data "$FARM_DATA" --seeds 2 --methods frozen,taugate,lora --epochs-foundation 1 --epochs-adapt 1)

start_coordinator() { # name out-dir sweep-args...
    local name=$1 out=$2
    shift 2
    farm_start "$name" coord env SEEDFARM_DEBUG=1 "$T/bin/coordinator" sweep "$@" --out "$out" \
        --bind "$endpoint" --local-workers 0 --heartbeat-timeout 3
    farm_wait_log "$name" "accepting workers at $endpoint" 20 "'accepting workers' from the coordinator $name"
}

start_worker() { # name host id [env...]
    local name=$1 host=$2 id=$3
    shift 3
    farm_start "$name" "$host" env "$@" "$T/bin/worker" --connect "$endpoint" --id "$id" --heartbeat-timeout 3
}

check_journal() { # run-dir expected-count what
    local ids total unique
    ids=$(farm_journal_ids "$1/journal.jsonl")
    total=$(grep -c . <<<"$ids" || true)
    unique=$(sort -u <<<"$ids" | grep -c . || true)
    [[ $total -eq $2 && $unique -eq $2 ]] || fail "$3: journal has $total records for $unique task ids, expected $2 records, each id once"
    [[ $(grep -c . "$1/journal.jsonl") -eq $2 ]] || fail "$3: journal has lines that are not task records"
}

# ---- a. reference sweep
echo "# a. reference sweep, both workers"
start_coordinator coord-a "$T/run-a" "${sweep[@]}"
start_worker w1-a w1 w1
start_worker w2-a w2 w2
farm_wait_exit coord-a 120
[[ ${FARM_RC[coord-a]} -eq 0 ]] || fail "a: coordinator exited ${FARM_RC[coord-a]}"
ok "a: sweep across 3 hosts exits 0"
tasks=$(sed -nE 's/.*run directory .*: ([0-9]+) tasks .*/\1/p' "$T/coord-a.err" | head -1)
[[ $tasks -eq 8 ]] || fail "a: expected 8 tasks (2 foundations + 2 x 3 adaptations), the coordinator said '${tasks:-nothing}'"
for id in w1 w2; do
    grep -q "worker $id joined from" "$T/coord-a.err" || fail "a: worker $id never joined"
done
ok "a: w1 (${NETNS_ADDR[w1]}) and w2 (${NETNS_ADDR[w2]}) joined"
[[ -s $T/run-a/table.md ]] || fail "a: no table.md"
for m in frozen taugate lora; do
    grep -q "^| $m |" "$T/run-a/table.md" || fail "a: table.md has no row for $m"
    grep -q "^| $m |" "$T/coord-a.out" || fail "a: the table on stdout has no row for $m"
done
ok "a: table.md and stdout hold the frozen, taugate and lora rows"
check_journal "$T/run-a" "$tasks" a
ok "a: journal holds each of the $tasks task ids once"
for w in w1-a w2-a; do
    farm_wait_exit "$w" 15
    [[ ${FARM_RC[$w]} -eq 0 ]] || fail "a: worker $w exited ${FARM_RC[$w]}"
done
ok "a: both workers left with exit 0 on bye"

# ---- b. cut w1 mid-sweep
echo "# b. same sweep, workers delayed 1 s per task, w1's link pulled after its first result"
start_coordinator coord-b "$T/run-b" "${sweep[@]}"
start_worker w1-b w1 w1 SEEDFARM_FAULTS=delay=1
start_worker w2-b w2 w2 SEEDFARM_FAULTS=delay=1
farm_wait_log coord-b 'task [0-9a-f]+ done by w1$' 60 "'task ... done by w1' from the coordinator"
netns_link down w1
cut_line=$(wc -l <"$T/coord-b.err")
done_before=$(grep -c 'done by' "$T/coord-b.err" || true)
ok "b: link-down w1 after w1's first result ($done_before of $tasks tasks done)"
farm_wait_log coord-b 'worker w1 presumed dead' 20 "'worker w1 presumed dead' from the coordinator"
ok "b: the coordinator presumed w1 dead"
farm_wait_exit coord-b 120
[[ ${FARM_RC[coord-b]} -eq 0 ]] || fail "b: coordinator exited ${FARM_RC[coord-b]}"
ok "b: sweep exits 0 without w1"
after_cut=$(tail -n +"$((cut_line + 1))" "$T/coord-b.err" | grep -c 'done by w2$' || true)
((after_cut >= 1)) || fail "b: no task done by w2 after the cut"
ok "b: w2 did $after_cut task(s) after the cut"
if grep -q 'back in the queue.*w1 presumed dead' "$T/coord-b.err"; then
    echo "# b: w1 held a task at the cut; it went back in the queue: $(grep -m1 -o 'task [0-9a-f]* back in the queue' "$T/coord-b.err")"
fi
cmp -s "$T/run-a/table.md" "$T/run-b/table.md" \
    || { diff "$T/run-a/table.md" "$T/run-b/table.md" || true; fail "b: table.md differs from the reference"; }
ok "b: table.md identical to the reference"
check_journal "$T/run-b" "$tasks" b
diff <(farm_journal_ids "$T/run-a/journal.jsonl" | sort) <(farm_journal_ids "$T/run-b/journal.jsonl" | sort) >/dev/null \
    || fail "b: the journal's task ids are not those of the reference sweep"
ok "b: journal holds each of the $tasks task ids exactly once (the reference's ids)"
farm_wait_exit w2-b 15
[[ ${FARM_RC[w2-b]} -eq 0 ]] || fail "b: worker w2 exited ${FARM_RC[w2-b]}"
ok "b: w2 left with exit 0 on bye"
farm_running w1-b || fail "b: the w1 worker process is gone (it should outlive the cut)"
grep -q 'coordinator silent for' "$T/w1-b.err" || fail "b: w1 never noticed that the coordinator went silent"
ok "b: w1 still running, reconnecting with back-off ('coordinator silent' in its log)"

# ---- c. cable back: the cut-off worker rejoins a new sweep by itself
echo "# c. link-up w1, a new sweep (1 seed x frozen, 2 epochs) that only w1 can do"
netns_link up w1
start_coordinator coord-c "$T/run-c" --data "$FARM_DATA" --seeds 1 --methods frozen --epochs-foundation 2 --epochs-adapt 2
# w1's back-off doubles from 1 s to at most 32 s, plus the 3 s liveness per try.
farm_wait_log coord-c 'worker w1 joined from' 60 "'worker w1 joined' from the new coordinator"
ok "c: w1 reconnected and said hello to the new coordinator"
farm_wait_exit coord-c 60
[[ ${FARM_RC[coord-c]} -eq 0 ]] || fail "c: coordinator exited ${FARM_RC[coord-c]}"
n=$(grep -c 'done by w1$' "$T/coord-c.err" || true)
[[ $n -eq 2 ]] || fail "c: expected both tasks done by w1, the coordinator logged $n"
check_journal "$T/run-c" 2 c
if comm -12 <(farm_journal_ids "$T/run-b/journal.jsonl" | sort) <(farm_journal_ids "$T/run-c/journal.jsonl" | sort) | grep -q .; then
    fail "c: the new sweep shares task ids with b (it should be disjoint)"
fi
ok "c: the new sweep exits 0, both of its tasks done by w1"
if grep -q 'which is not in this sweep; acked, not recorded' "$T/coord-c.err"; then
    echo "# c: w1 re-sent its unacknowledged result from b; the new coordinator acked it without recording it"
fi
farm_wait_exit w1-b 15
[[ ${FARM_RC[w1-b]} -eq 0 ]] || fail "c: w1 exited ${FARM_RC[w1-b]}"
grep -q 'the coordinator said bye' "$T/w1-b.err" || fail "c: w1 exited without hearing bye"
ok "c: the w1 process that was cut off exits 0 on the new coordinator's bye"
echo "netns-sweep: all checks passed"
