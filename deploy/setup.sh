#!/usr/bin/env bash
# Installs the system packages seedfarm builds and runs against, on Debian or Ubuntu.
# Idempotent: when every package is already installed, apt is not touched at all.
#
#   deploy/setup.sh            # install what is missing
#   deploy/setup.sh --check    # exit 0 if all installed, 1 if not; installs nothing
#
# Packages (override with SEEDFARM_PACKAGES="a b c"):
#   libopenblas-dev       BLAS for Learning (sgemm, saxpy)
#   libzmq3-dev           ZeroMQ 4.3 with CURVE
#   zlib1g-dev            gzip'd IDX files
#   pkg-config            how the system-library targets find the above
#   dataset-fashion-mnist full-size data set in /usr/share/datasets/fashion-mnist
set -euo pipefail

PACKAGES=(${SEEDFARM_PACKAGES:-libopenblas-dev libzmq3-dev zlib1g-dev pkg-config dataset-fashion-mnist})

die() { echo "setup.sh: $*" >&2; exit 1; }

check_only=0
case "${1:-}" in
    --check) check_only=1 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    "") ;;
    *) echo "setup.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
esac

command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 \
    || die "this script needs a Debian or Ubuntu system (dpkg-query and apt-get not found). Install the equivalents of: ${PACKAGES[*]}"

missing=()
for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
    [[ "$status" == ii* ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
    echo "setup.sh: all ${#PACKAGES[@]} packages already installed"
    exit 0
fi
if ((check_only)); then
    echo "setup.sh: missing: ${missing[*]}"
    exit 1
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "not root and sudo not found; run as root: apt-get install ${missing[*]}"
    SUDO=(sudo)
fi

echo "setup.sh: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq || die "apt-get update failed"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install failed for: ${missing[*]}"
echo "setup.sh: done"
