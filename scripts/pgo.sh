#!/usr/bin/env bash
# pgo.sh — talentflow built with profile-guided optimisation (gcc), in build-pgo/.
#
#   scripts/pgo.sh [BUILD_DIR [CMAKE_ARGS...]]   (default: build-pgo; `make build-pgo` runs it)
#
# CMAKE_ARGS go to both configurations, e.g. -DCMAKE_C_FLAGS=-march=native for a build
# that runs only on machines like this one.
#
# Three steps in one build directory (gcc finds a profile by its object's path, so the two
# builds must share it): an instrumented build (-DTF_PGO=generate); a training run, the
# batch over a synthetic population for every kind of evaluation — --check, each points
# scheme, two routes, --all; CSV and JSONL, in and out; 1 and 2 threads — which writes the
# profile beside the objects; then the build again from that profile (-DTF_PGO=use). Code
# the training does not reach (the service, the single-case commands) is optimised as in
# the usual build. The result is the binary docs/performance.md measures as "PGO"; its
# outputs are the usual build's, byte for byte (the training compares them).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-pgo}
extra=("${@:2}")
jobs=$(nproc 2>/dev/null || echo 2)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTF_PGO=generate "${extra[@]}" > /dev/null
find "$dir" -name '*.gcda' -delete
cmake --build "$dir" -j "$jobs" --target talentflow

tf="$dir/talentflow"
echo "pgo.sh: training run"
"$tf" synth --n 200000 --seed 11 -o "$tmp/pop.csv"
"$tf" synth --n 20000 --seed 12 --format jsonl -o "$tmp/pop.jsonl"
for kind in --check "--scheme ca.crs" "--scheme jp.hsp" "--scheme gb.skilled_worker" "--scheme au.skilled_189" \
    "--scheme cn.work_permit" "--route ca.citizenship" "--route gb.ilr" --all; do
    for threads in 1 2; do
        # shellcheck disable=SC2086
        "$tf" batch $kind --as-of 2025-06-01 --threads "$threads" "$tmp/pop.csv" -o "$tmp/out-$threads.csv" 2> /dev/null
    done
    # shellcheck disable=SC2086
    "$tf" batch $kind --as-of 2025-06-01 --format jsonl "$tmp/pop.jsonl" -o "$tmp/out.jsonl" 2> /dev/null
    cmp -s "$tmp/out-1.csv" "$tmp/out-2.csv" || { echo "pgo.sh: $kind: 1 and 2 threads differ" >&2; exit 1; }
    cp "$tmp/out-1.csv" "$tmp/gen${kind// /}.csv"
done

cmake -S . -B "$dir" -DTF_PGO=use "${extra[@]}" > /dev/null
cmake --build "$dir" -j "$jobs" --target talentflow
for kind in --check "--scheme ca.crs" --all; do
    # shellcheck disable=SC2086
    "$tf" batch $kind --as-of 2025-06-01 --threads 2 "$tmp/pop.csv" -o "$tmp/use.csv" 2> /dev/null
    cmp -s "$tmp/use.csv" "$tmp/gen${kind// /}.csv" || { echo "pgo.sh: $kind: the PGO build's output differs" >&2; exit 1; }
done
echo "pgo.sh: $tf is built from the profile"
