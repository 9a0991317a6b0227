#!/usr/bin/env bash
# setup.sh — install the Debian packages that talentflow needs to build and test.
#
# Idempotent: checks each package with dpkg -s and does nothing when all are installed;
# otherwise runs `apt-get update` once and installs the missing ones. Runs as root, or
# through sudo when that exists; never asks a question (CI has no standard input).
# The list is the project's whole set of build dependencies: add to it, here only.
set -euo pipefail

packages=(
    cmake            # build
    make
    gcc
    pkg-config
    libjansson-dev   # JSON
    libcsv-dev       # CSV (the world pack's importer)
    libcmocka-dev    # unit tests
    clang            # fuzzing (make fuzz)
    libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
    # dpkg -s succeeds for a removed package whose configuration is left: read Status.
    if dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed'; then
        continue
    fi
    missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: all ${#packages[@]} packages are installed"
    exit 0
fi

# as_root CMD...: runs CMD as root, non-interactively.
if [ "$(id -u)" -eq 0 ]; then
    as_root() { env DEBIAN_FRONTEND=noninteractive "$@"; }
elif command -v sudo >/dev/null 2>&1; then
    as_root() { sudo -n env DEBIAN_FRONTEND=noninteractive "$@"; }
else
    echo "setup: missing packages: ${missing[*]}" >&2
    echo "setup: not root and no sudo; install them by hand" >&2
    exit 1
fi

echo "setup: missing ${missing[*]}; running apt-get update and install"
as_root apt-get update
as_root apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
echo "setup: installed ${missing[*]}"
