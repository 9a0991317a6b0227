#!/usr/bin/env bash
# bench.sh — the throughput and latency of `talentflow serve` on POST /v1/check, with wrk
# on loopback: keep-alive, 64 connections, 30 s (docs/performance.md, "Service").
#
#   bash bench/serve/bench.sh            (or: make bench-serve)
#
# Starts build/talentflow serve on a free port with a fresh decision log in a temporary
# folder, warms it up for 3 s, then runs wrk with bench/serve/check.lua (one case, the
# README's French business visitor) and bench/serve/varied.lua (a rotation of cases:
# visa-free, transit, refused, several nationalities and dates). Prints wrk's report,
# the decisions logged and the commits they took (group commit) from /metrics, and the
# machine's load. Run on demand, not in CI: figures from a shared or busy machine say
# little. Settings: DURATION (30s), CONNECTIONS (64), THREADS (wrk's, 2), SERVE_ARGS
# (extra options for the server, e.g. "--decision-log-sync full"), BIN.
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=${BIN:-build/talentflow}
DURATION=${DURATION:-30s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
SERVE_ARGS=${SERVE_ARGS:-}

command -v wrk >/dev/null 2>&1 || { echo "bench.sh: wrk is not installed (scripts/setup.sh --test-tools)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "bench.sh: $BIN: not built (make build)" >&2; exit 1; }

tmp=$(mktemp -d)
# shellcheck disable=SC2086 # SERVE_ARGS is a list of options
"$BIN" serve --listen 127.0.0.1:0 --decision-log "$tmp/decisions.db" $SERVE_ARGS >"$tmp/out" 2>"$tmp/err" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do
    grep -q 'listening on' "$tmp/out" 2>/dev/null && break
    sleep 0.1
done
url=$(grep -o 'http://[^/]*' "$tmp/out") || { cat "$tmp/err" >&2; exit 1; }

echo "== machine: $(nproc) cores, $(uname -srm); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== server: $(head -1 "$tmp/out")"
metric() { curl -s "$url/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
# The server's CPU time (user + system, in clock ticks): per request it says what a
# decision costs, whatever else the machine is running.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)

wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s bench/serve/check.lua "$url/v1/check" >/dev/null # warm-up
for script in check varied; do
    rows0=$(metric talentflow_decisions_logged_total)
    commits0=$(metric talentflow_decision_log_commits_total)
    cpu0=$(cpu_ticks)
    echo
    echo "== POST /v1/check, $script.lua: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "bench/serve/$script.lua" "$url/v1/check"
    rows=$(( $(metric talentflow_decisions_logged_total) - rows0 ))
    commits=$(( $(metric talentflow_decision_log_commits_total) - commits0 ))
    cpu=$(( $(cpu_ticks) - cpu0 ))
    echo "decision log: $rows decisions committed in $commits transactions ($(( rows / (commits > 0 ? commits : 1) )) per commit)"
    echo "server CPU: $(( cpu * 100 / hz ))e-2 s for $rows decisions: $(( rows > 0 ? cpu * 1000000 / hz / rows : 0 )) us per decision"
done
echo
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
