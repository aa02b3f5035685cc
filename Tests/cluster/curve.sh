#!/usr/bin/env bash
# CURVE across three hosts (network namespaces from netns.sh): keys from `coordinator keygen`
# and `worker keygen`; the coordinator in <prefix>-coord (10.77.0.1) with
# --curve-secret coord.key --allow-keys allowed/, where allowed/ holds only w1's public key.
#   1. Before the sweep can start, two intruders in <prefix>-w2 (10.77.0.12): "rogue", a
#      CURVE worker with the right server key but an unlisted key of its own, and "plain", a
#      worker without CURVE. The coordinator's stderr must log both refusals (ZAP "client key
#      not allowed" with rogue's public key, and a failed security handshake). Then w1 (listed)
#      in <prefix>-w1 joins and does every task; the sweep exits 0 with the table; rogue and
#      plain never join, never appear as "done by", never hear bye (still running at the end).
#   2. With tcpdump (installed if missing; skipped with a note if it cannot be): the traffic on
#      the coordinator's side during sweep 1 holds no plaintext fragment of a task spec or of the
#      protocol ("kind", adaptation, mnist-subset, SEEDFARM/1), while a control sweep WITHOUT
#      CURVE, captured the same way, holds every one of them (so the check can fail).
#
#   Tests/cluster/curve.sh
#
# Root and `ip` needed, and the real binaries (see farm-lib.sh for SEEDFARM_BIN,
# SEEDFARM_TEST_DATA, SF_NETNS_PREFIX, SEEDFARM_KEEP_TMP); otherwise "SKIP: reason", exit 0.
# Prints "ok - ..." per check; a failed check prints "FAIL: ..." and the logs, and exits 1.
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/farm-lib.sh"
farm_init curve

port=${SEEDFARM_CURVE_PORT:-5555}
endpoint=tcp://${NETNS_ADDR[coord]}:$port
# Strings that only a task spec or a protocol frame puts on the wire.
fragments=('"kind"' adaptation mnist-subset SEEDFARM/1)

capture=1
if ! command -v tcpdump >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tcpdump; } \
            >"$T/apt.log" 2>&1 || true
    fi
    command -v tcpdump >/dev/null 2>&1 || capture=0
fi
((capture)) || echo "# tcpdump not installable: the traffic checks are skipped"

start_capture() { # name
    ((capture)) || return 0
    farm_start "$1" coord tcpdump -i any -U -n -w "$T/$1.pcap" "tcp port $port"
    farm_wait_log "$1" 'listening on' 20 "'listening on' from tcpdump"
}

stop_capture() { # name: stops it and checks that it saw the sweep's traffic
    ((capture)) || return 0
    farm_stop "$1"
    local packets bytes
    packets=$(tcpdump -r "$T/$1.pcap" -nn 2>/dev/null | wc -l)
    bytes=$(stat -c %s "$T/$1.pcap")
    # Foundation weights (about 470 kB each) went to the coordinator and on to the workers.
    ((packets > 20 && bytes > 500000)) || fail "capture $1: only $packets packets, $bytes bytes (did it see the sweep?)"
    echo "# capture $1: $packets packets, $bytes bytes on tcp port $port in ${SF_NETNS_PREFIX}-coord"
}

# ---- keys
mkdir -p "$T/keys/allowed"
"$T/bin/coordinator" keygen --out "$T/keys/coord" >/dev/null
"$T/bin/worker" keygen --out "$T/keys/w1" >/dev/null
"$T/bin/worker" keygen --out "$T/keys/rogue" >/dev/null
cp "$T/keys/w1.pub" "$T/keys/allowed/"
for k in coord w1 rogue; do
    [[ $(stat -c %a "$T/keys/$k.key") == 600 ]] || fail "keygen: $k.key is not mode 0600"
    [[ -s $T/keys/$k.pub ]] || fail "keygen: no $k.pub"
done
rogue_key=$(grep -v '^#' "$T/keys/rogue.pub" | head -1)
[[ ${#rogue_key} -eq 40 ]] || fail "keygen: rogue.pub does not hold a 40-character Z85 key"
ok "keygen: coord, w1 and rogue key pairs (secret keys 0600); allowed/ holds only w1.pub"

# ---- 1. CURVE sweep with two intruders
echo "# 1. CURVE sweep: rogue (unlisted key) and plain (no CURVE) in w2, then w1 (listed) in w1"
start_capture cap-curve
farm_start coord coord env SEEDFARM_DEBUG=1 "$T/bin/coordinator" sweep --data "$FARM_DATA" --seeds 2 \
    --methods frozen,taugate,lora --epochs-foundation 1 --epochs-adapt 1 --out "$T/run-curve" \
    --bind "$endpoint" --local-workers 0 --heartbeat-timeout 3 \
    --curve-secret "$T/keys/coord.key" --allow-keys "$T/keys/allowed"
farm_wait_log coord "accepting workers at $endpoint" 20 "'accepting workers' from the coordinator"
grep -q 'CURVE on: 1 worker key(s) allowed' "$T/coord.err" || fail "the coordinator did not report CURVE on with 1 allowed key"
ok "coordinator up with CURVE, 1 allowed key"
farm_start rogue w2 "$T/bin/worker" --connect "$endpoint" --id rogue --heartbeat-timeout 3 \
    --curve-secret "$T/keys/rogue.key" --server-key "$T/keys/coord.pub"
farm_start plain w2 "$T/bin/worker" --connect "$endpoint" --id plain --heartbeat-timeout 3
# Both refusals are logged before any listed worker exists, so the intruders are there for the
# whole sweep.
deadline=$((SECONDS + 20))
until grep -F "refused a worker from ${NETNS_ADDR[w2]}" "$T/coord.err" | grep -F "$rogue_key" | grep -q 'client key not allowed'; do
    ((SECONDS < deadline)) || fail "the coordinator logged no ZAP refusal naming rogue's key within 20s"
    sleep 0.1
done
ok "coordinator logs the refusal of rogue: $(grep -F "$rogue_key" "$T/coord.err" | head -1 | sed 's/^[^ ]* //')"
farm_wait_log coord 'refused a connection on .*security handshake failed' 20 \
    "refusal of the worker without CURVE (a failed security handshake) in the coordinator's log"
ok "coordinator logs the refusal of plain: $(grep -m1 'security handshake failed' "$T/coord.err" | sed 's/^[^ ]* //')"
farm_start w1 w1 "$T/bin/worker" --connect "$endpoint" --id w1 --heartbeat-timeout 3 \
    --curve-secret "$T/keys/w1.key" --server-key "$T/keys/coord.pub"
farm_wait_exit coord 120
[[ ${FARM_RC[coord]} -eq 0 ]] || fail "CURVE sweep: coordinator exited ${FARM_RC[coord]}"
tasks=$(sed -nE 's/.*run directory .*: ([0-9]+) tasks .*/\1/p' "$T/coord.err" | head -1)
for m in frozen taugate lora; do
    grep -q "^| $m |" "$T/run-curve/table.md" || fail "CURVE sweep: table.md has no row for $m"
    grep -q "^| $m |" "$T/coord.out" || fail "CURVE sweep: the table on stdout has no row for $m"
done
ok "CURVE sweep exits 0 with the table ($tasks tasks)"
grep -q 'worker w1 joined from' "$T/coord.err" || fail "w1 never joined"
n_w1=$(grep -c 'done by w1$' "$T/coord.err" || true)
n_all=$(grep -c ' done by ' "$T/coord.err" || true)
[[ $n_w1 -eq $tasks && $n_all -eq $tasks ]] || fail "expected all $tasks tasks done by w1; w1 did $n_w1 of $n_all"
ok "w1 (listed key) joined and did all $tasks tasks"
if grep -E 'done by (rogue|plain)|worker (rogue|plain) joined' "$T/coord.err"; then
    fail "an intruder joined or did a task"
fi
for w in rogue plain; do
    farm_running "$w" || fail "$w exited (${w} should still be knocking: it was never welcomed, so never told bye)"
    if grep -q 'joined the coordinator\|running task' "$T/$w.err"; then fail "$w's log says it joined or ran a task"; fi
done
ok "rogue and plain never joined, never did a task, were never told bye (still running)"
farm_wait_exit w1 15
[[ ${FARM_RC[w1]} -eq 0 ]] || fail "w1 exited ${FARM_RC[w1]}"
ok "w1 left with exit 0 on bye"
refusals=$(grep -c 'refused a ' "$T/coord.err" || true)
echo "# the coordinator logged $refusals refusal line(s) during the sweep (warnings are rate-limited to 20/s)"
stop_capture cap-curve
farm_stop rogue
farm_stop plain

if ((capture)); then
    for f in "${fragments[@]}"; do
        if grep -a -q -F -- "$f" "$T/cap-curve.pcap"; then
            fail "the CURVE sweep's traffic holds the plaintext '$f'"
        fi
    done
    ok "CURVE traffic holds none of: ${fragments[*]}"

    # ---- 2. control: the same capture without CURVE must show the plaintext
    echo "# 2. control sweep without CURVE (1 seed x taugate), same capture"
    start_capture cap-plain
    farm_start coord-plain coord env SEEDFARM_DEBUG=1 "$T/bin/coordinator" sweep --data "$FARM_DATA" --seeds 1 \
        --methods taugate --epochs-foundation 1 --epochs-adapt 1 --out "$T/run-plain" \
        --bind "$endpoint" --local-workers 0 --heartbeat-timeout 3
    farm_wait_log coord-plain "accepting workers at $endpoint" 20 "'accepting workers' from the control coordinator"
    farm_start w1-plain w1 "$T/bin/worker" --connect "$endpoint" --id w1 --heartbeat-timeout 3
    farm_wait_exit coord-plain 120
    [[ ${FARM_RC[coord-plain]} -eq 0 ]] || fail "control sweep: coordinator exited ${FARM_RC[coord-plain]}"
    farm_wait_exit w1-plain 15
    stop_capture cap-plain
    for f in "${fragments[@]}"; do
        grep -a -q -F -- "$f" "$T/cap-plain.pcap" || fail "control: the traffic without CURVE does not hold '$f' (the check above proves nothing)"
    done
    ok "control without CURVE: the same capture holds every one of: ${fragments[*]}"
else
    echo "# skip - traffic checks: no tcpdump"
fi
echo "curve: all checks passed"
