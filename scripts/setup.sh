#!/usr/bin/env bash
# setup.sh — install the Debian packages that talentflow needs to build and test.
#
# Idempotent: checks each package with dpkg -s and does nothing when all are installed;
# otherwise runs `apt-get update` once and installs the missing ones. Runs as root, or
# through sudo when that exists; never asks a question (CI has no standard input).
# The list is the project's whole set of build dependencies: add to it, here only.
#
#   scripts/setup.sh               the build's packages, and the web page's front-end
#                                  packages from npm (web/package-lock.json) when npm is there
#   scripts/setup.sh --test-tools  also what the browser and load tests of `talentflow serve`
#                                  use: Debian's chromium and wrk, and npm (CI passes this;
#                                  without them those tests report that they skipped)
set -euo pipefail

test_tools=0
for arg in "$@"; do
    case "$arg" in
    --test-tools) test_tools=1 ;;
    *) echo "setup: unknown option $arg (known: --test-tools)" >&2; exit 2 ;;
    esac
done

packages=(
    cmake            # build
    make
    gcc
    pkg-config
    libjansson-dev   # JSON
    libcsv-dev       # CSV (the world pack's importer)
    libxxhash-dev    # the rule set's version: a hash of its texts
    libcmocka-dev    # unit tests
    clang            # fuzzing (make fuzz)
    libclang-rt-14-dev
    libmicrohttpd-dev # talentflow serve: HTTP
    libsqlite3-dev   # talentflow serve: the decision log
    python3-numpy    # bench/reference: the numpy reference of the batch benchmark
)
if [ "$test_tools" = 1 ]; then
    packages+=(
        chromium     # the browser test of the web page (tests/browser), headless
        wrk          # the load test and the benchmark of talentflow serve
    )
    # npm drives the browser test (playwright-core); Node.js may come from elsewhere.
    command -v npm >/dev/null 2>&1 || packages+=(npm)
fi

# web_packages: the web page's front-end packages (esbuild, playwright-core), pinned by
# web/package-lock.json, into web/node_modules. Without them the page is still built,
# from the unminified sources, and the browser test skips: a failure here is a warning.
web_packages() {
    local web
    web="$(cd "$(dirname "$0")/.." && pwd)/web"
    [ -f "$web/package-lock.json" ] || return 0
    if ! command -v npm >/dev/null 2>&1; then
        echo "setup: no npm: the web page is built unminified (scripts/setup.sh --test-tools installs npm)"
        return 0
    fi
    if [ -f "$web/node_modules/.package-lock.json" ] &&
        ! [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
        return 0
    fi
    echo "setup: installing the web page's packages (npm ci in web/)"
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error </dev/null) ||
        echo "setup: warning: npm ci failed: the web page is built unminified" >&2
}

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
    web_packages
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
web_packages
