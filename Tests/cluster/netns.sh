#!/usr/bin/env bash
# Three test hosts in network namespaces, joined by a bridge in a fourth:
#   sf-coord 10.77.0.1, sf-w1 10.77.0.11, sf-w2 10.77.0.12, bridge sf-br (namespace sf-lan).
# Nothing is added to the root namespace: each host's eth0 is a veth whose peer sits
# in sf-lan on the bridge. The addresses exist only inside these namespaces.
#
#   Tests/cluster/netns.sh up                 create (idempotent: down first)
#   Tests/cluster/netns.sh down               remove everything
#   Tests/cluster/netns.sh link-down w1       pull w1's cable (its bridge port goes down)
#   Tests/cluster/netns.sh link-up w1
#   Tests/cluster/netns.sh exec coord CMD...  run CMD in sf-coord (coord | w1 | w2)
#   Tests/cluster/netns.sh check              ping between the namespaces; also checks that
#                                             link-down isolates w1 and link-up restores it
#   Tests/cluster/netns.sh status
# Sourcing it (`. Tests/cluster/netns.sh`) defines the same as functions netns_up, ...
# Needs root and `ip` (iproute2); `check` needs ping (iputils-ping, installed if missing). Without them
# `check` prints "SKIP: reason" and exits 0; the other subcommands fail.
# SF_NETNS_PREFIX=NAME (default sf) names the namespaces NAME-coord, NAME-w1, NAME-w2, NAME-lan
# instead, so two tests on one machine do not tear down each other's hosts.
set -euo pipefail

NETNS_PREFIX=${SF_NETNS_PREFIX:-sf}
NETNS_LAN=$NETNS_PREFIX-lan
NETNS_HOSTS=(coord w1 w2)
declare -A NETNS_ADDR=([coord]=10.77.0.1 [w1]=10.77.0.11 [w2]=10.77.0.12)

_ns() { # coord|w1|w2|PREFIX-coord... -> namespace name
    case $1 in
        coord|w1|w2) echo "$NETNS_PREFIX-$1" ;;
        "$NETNS_PREFIX-coord"|"$NETNS_PREFIX-w1"|"$NETNS_PREFIX-w2") echo "$1" ;;
        *) echo "netns.sh: unknown host '$1' (coord, w1 or w2)" >&2; return 2 ;;
    esac
}

netns_down() {
    local h
    for h in "${NETNS_HOSTS[@]}" ; do
        ip netns pids "$NETNS_PREFIX-$h" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
        ip netns del "$NETNS_PREFIX-$h" 2>/dev/null || true
    done
    ip netns del "$NETNS_LAN" 2>/dev/null || true
}

netns_up() {
    local h ns
    netns_down
    ip netns add "$NETNS_LAN"
    ip -n "$NETNS_LAN" link set lo up
    ip -n "$NETNS_LAN" link add sf-br type bridge
    ip -n "$NETNS_LAN" link set sf-br up
    for h in "${NETNS_HOSTS[@]}"; do
        ns=$NETNS_PREFIX-$h
        ip netns add "$ns"
        ip -n "$ns" link set lo up
        # veth created inside the host namespace, peer moved to the LAN namespace.
        ip -n "$ns" link add eth0 type veth peer name "port-$h" netns "$NETNS_LAN"
        ip -n "$ns" addr add "${NETNS_ADDR[$h]}/24" dev eth0
        ip -n "$ns" link set eth0 up
        ip -n "$NETNS_LAN" link set "port-$h" master sf-br
        ip -n "$NETNS_LAN" link set "port-$h" up
    done
}

netns_link() { # down|up host
    local h=${2#"$NETNS_PREFIX"-}
    _ns "$h" >/dev/null
    ip -n "$NETNS_LAN" link set "port-$h" "$1"
}

netns_exec() { # host cmd...
    local ns
    ns=$(_ns "$1"); shift
    ip netns exec "$ns" "$@"
}

netns_ping() { # from to-host: 0 when 2 pings get through within 3 s
    netns_exec "$1" ping -c 2 -i 0.2 -W 1 -w 3 -q "${NETNS_ADDR[$2]}" >/dev/null 2>&1
}

netns_status() {
    local h
    ip netns list | grep -E "^$NETNS_PREFIX-" || { echo "no $NETNS_PREFIX- namespaces"; return 0; }
    for h in "${NETNS_HOSTS[@]}"; do
        ip netns list | grep -q "^$NETNS_PREFIX-$h\b" || continue
        printf '%s-%s: %s, bridge port %s\n' "$NETNS_PREFIX" "$h" \
            "$(ip -n "$NETNS_PREFIX-$h" -br addr show dev eth0 | awk '{print $3}')" \
            "$(ip -n "$NETNS_LAN" -br link show dev "port-$h" | awk '{print $2}')"
    done
}

netns_check() {
    [[ $(id -u) -eq 0 ]] || { echo "SKIP: netns.sh needs root"; return 0; }
    command -v ip >/dev/null 2>&1 || { echo "SKIP: ip (iproute2) not found"; return 0; }
    if ! command -v ping >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iputils-ping; } >/dev/null 2>&1 || true
    fi
    command -v ping >/dev/null 2>&1 || { echo "SKIP: ping not found (apt-get install iputils-ping)"; return 0; }
    local failures=0 a b
    _check() { if [[ $2 == "$3" ]]; then echo "ok: $1"; else echo "FAIL: $1 (expected $2, got $3)"; failures=$((failures + 1)); fi; }
    _reach() { if netns_ping "$1" "$2"; then echo yes; else echo no; fi; }
    trap 'netns_down' EXIT
    netns_up || { echo "SKIP: could not create network namespaces"; return 0; }
    for a in "${NETNS_HOSTS[@]}"; do
        for b in "${NETNS_HOSTS[@]}"; do
            [[ $a == "$b" ]] && continue
            _check "$a reaches $b" yes "$(_reach "$a" "$b")"
        done
    done
    netns_link down w1
    _check "link-down w1: coord no longer reaches w1" no "$(_reach coord w1)"
    _check "link-down w1: w1 no longer reaches coord" no "$(_reach w1 coord)"
    _check "link-down w1: coord still reaches w2" yes "$(_reach coord w2)"
    netns_link up w1
    _check "link-up w1: coord reaches w1 again" yes "$(_reach coord w1)"
    netns_down
    trap - EXIT
    _check "down removes every $NETNS_PREFIX- namespace" 0 "$(ip netns list | grep -c "^$NETNS_PREFIX-" || true)"
    echo "netns: $failures failed"
    return $((failures > 0))
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    cmd=${1:-}
    shift || true
    case $cmd in
        up) netns_up ;;
        down) netns_down ;;
        link-down) netns_link down "${1:?host}" ;;
        link-up) netns_link up "${1:?host}" ;;
        exec) h=${1:?host}; shift; netns_exec "$h" "$@" ;;
        status) netns_status ;;
        check) netns_check ;;
        *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
fi
