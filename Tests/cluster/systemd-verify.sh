#!/usr/bin/env bash
# systemd-analyze verify on deploy/systemd/*.service (the worker template as instance @1).
#
#   Tests/cluster/systemd-verify.sh
#
# verify checks that ExecStart's binary exists. The units name /opt/seedfarm/bin:
#  - if the binaries are installed there, the unit files are verified as they are;
#  - else, as root, stand-ins (symlinks to $SEEDFARM_BIN, default the repo's
#    .build/release when built, else Tests/cluster/standin) are put at
#    /opt/seedfarm/bin for the check and removed after it, with any directory created;
#  - else (not root) copies with ExecStart pointed at $SEEDFARM_BIN are verified.
# Also checks that verify does fail on a broken copy (so a pass means something).
# Installs Debian's systemd package if systemd-analyze is missing (root), else SKIP.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
units=$repo/deploy/systemd
prefix=/opt/seedfarm/bin

if ! command -v systemd-analyze >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd; } >/dev/null 2>&1 \
            || { echo "SKIP: could not install systemd (for systemd-analyze)"; exit 0; }
    else
        echo "SKIP: systemd-analyze not found (apt-get install systemd)"; exit 0
    fi
fi
if [[ -z ${SEEDFARM_BIN:-} ]]; then
    if [[ -x $repo/.build/release/coordinator && -x $repo/.build/release/worker ]]; then
        SEEDFARM_BIN=$repo/.build/release
    else
        SEEDFARM_BIN=$here/standin
    fi
fi

work=$(mktemp -d /tmp/sf-systemd.XXXXXX)
created=()   # paths we made under /opt, removed newest first
cleanup() {
    local rc=$? i
    for ((i = ${#created[@]} - 1; i >= 0; i--)); do
        if [[ -d ${created[i]} && ! -L ${created[i]} ]]; then rmdir "${created[i]}" 2>/dev/null || true
        else rm -f "${created[i]}"; fi
    done
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT

mode=""
if [[ -x $prefix/coordinator && -x $prefix/worker ]]; then
    mode="installed binaries in $prefix"
elif [[ $(id -u) -eq 0 && ! -e $prefix/coordinator && ! -e $prefix/worker ]]; then
    mode="stand-ins at $prefix -> $SEEDFARM_BIN (removed afterwards)"
    for d in /opt/seedfarm /opt/seedfarm/bin; do
        [[ -d $d ]] || { mkdir "$d"; created+=("$d"); }
    done
    for b in coordinator worker; do
        ln -s "$SEEDFARM_BIN/$b" "$prefix/$b"; created+=("$prefix/$b")
    done
fi

mkdir "$work/units"
cp "$units/seedfarm-coordinator.service" "$units/seedfarm-worker@.service" "$work/units/"
if [[ -z $mode ]]; then
    mode="copies with ExecStart pointed at $SEEDFARM_BIN"
    sed -i "s|$prefix/|$SEEDFARM_BIN/|" "$work/units/"*.service
fi
ln -s 'seedfarm-worker@.service' "$work/units/seedfarm-worker@1.service"
echo "systemd-verify: $(systemd-analyze --version | head -n1); $mode"

failures=0
verify() { # files...: 0 when verify exits 0 and prints nothing
    local out rc=0
    out=$(systemd-analyze verify "$@" 2>&1) || rc=$?
    [[ -n $out ]] && printf '%s\n' "$out" | sed 's/^/  /'
    ((rc == 0)) && [[ -z $out ]]
}
for u in seedfarm-coordinator.service seedfarm-worker@1.service; do
    if verify "$work/units/$u"; then echo "ok: $u verifies"
    else echo "FAIL: $u"; failures=$((failures + 1)); fi
done

mkdir "$work/broken"
sed 's/^Restart=on-failure/Restart=sometimes/; s/^TimeoutStopSec=30s/TimeoutStopSec=soon/' \
    "$work/units/seedfarm-worker@.service" >"$work/broken/seedfarm-worker@.service"
sed 's|^ExecStart=[^ ]*|ExecStart=/nonexistent/worker|' \
    "$work/units/seedfarm-worker@.service" >"$work/broken/seedfarm-nobinary@.service"
ln -s 'seedfarm-worker@.service' "$work/broken/seedfarm-worker@1.service"
ln -s 'seedfarm-nobinary@.service' "$work/broken/seedfarm-nobinary@1.service"
for u in seedfarm-worker@1.service seedfarm-nobinary@1.service; do
    if verify "$work/broken/$u" >/dev/null; then echo "FAIL: broken $u passed verify"; failures=$((failures + 1))
    else echo "ok: broken $u is rejected"; fi
done
echo "systemd-verify: 4 checks, $failures failed"
exit $((failures > 0))
