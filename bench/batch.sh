#!/usr/bin/env bash
# batch.sh — the batch benchmark: rows per second end to end, CSV in and CSV out.
#
#   bench/batch.sh [BUILD_DIR] [ROWS] [REFERENCE_BUILD_DIR...]    (defaults: build, 10000000)
#   ROUNDS=N bench/batch.sh ...                                   (default: 1)
#   RUNS=FILE bench/batch.sh ...       also keeps every run's line (build input kind threads
#                                      seconds user system maxrss_kb) in FILE
#
# Writes a synthetic population of ROWS cases (talentflow synth --seed 1) and its first
# million rows, then times `talentflow batch` on each — --check and --scheme ca.crs,
# with 1 and 2 worker threads — writing CSV to a file beside the input, and reports rows
# per second (wall clock), CPU time per row and peak memory (maximum resident set, from
# /usr/bin/time). With reference builds (another commit, or the usual build beside
# build-pgo), every round runs each configuration once per build, the builds in turn
# (each round starting with the next build), so that the host's changing load falls on
# all of them alike; each figure is the median of its ROUNDS runs. Then runs the numpy reference of the same CRS rules
# (bench/reference/crs_numpy.py, Debian's python3-numpy) on the million rows, checks that
# its totals equal talentflow's row for row, and reports the ratio. Results are printed
# as Markdown tables (docs/performance.md, section "Batch"). Timings are measured here,
# never in tests. The files go to a temporary folder, removed at the end.
set -euo pipefail

build=${1:-build}
rows=${2:-10000000}
refs=("${@:3}")
rounds=${ROUNDS:-1}
py=/usr/bin/python3 # Debian's, with python3-numpy (scripts/setup.sh)
here="$(cd "$(dirname "$0")" && pwd)"
builds=("$build" "${refs[@]}")
for b in "${builds[@]}"; do
    [ -x "$b/talentflow" ] || { echo "batch.sh: no $b/talentflow (build first: make build)" >&2; exit 2; }
done
tf="$build/talentflow"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$tf" synth --n "$rows" --seed 1 -o "$tmp/big.csv"
head -n 1000001 "$tmp/big.csv" > "$tmp/1m.csv"
label_of() { awk -v n="$1" 'BEGIN { if (n % 1000000 == 0) printf "%dM", n / 1000000; else printf "%d", n }'; }
big_label=$(label_of "$rows")
small=$((rows < 1000000 ? rows : 1000000))
small_label=$(label_of "$small")

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input: $(wc -c < "$tmp/1m.csv") bytes per million rows; $rounds round(s), builds in turn: ${builds[*]}"

# one line per run in $tmp/runs: build input kind threads seconds user system maxrss_kb
for ((round = 1; round <= rounds; round++)); do
    for input in 1m big; do
        for kind in "--check" "--scheme ca.crs"; do
            for threads in 1 2; do
                # the builds in turn, each round starting with the next one: none always
                # runs first, or always after the same one
                for ((i = 0; i < ${#builds[@]}; i++)); do
                    b=${builds[$(((i + round) % ${#builds[@]}))]}
                    rm -f "$tmp/out.csv" # not timed: truncating the last run's output is the file system's work
                    /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" \
                        "$b/talentflow" batch $kind --as-of 2025-06-01 --threads "$threads" "$tmp/$input.csv" \
                        -o "$tmp/out.csv" 2> /dev/null
                    echo "$b $input ${kind#--} $threads $(cat "$tmp/time")" >> "$tmp/runs"
                done
            done
        done
    done
done

# the medians, one table per build
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
declare -A secs
for b in "${builds[@]}"; do
    echo
    echo "$b:"
    echo
    echo "| rows | evaluation | threads | seconds | rows/s | CPU µs/row | peak RSS |"
    echo "|---:|---|---:|---:|---:|---:|---:|"
    for input in 1m big; do
        if [ "$input" = 1m ]; then n=$small; label=$small_label; else n=$rows; label=$big_label; fi
        for kind in "check" "scheme ca.crs"; do
            for threads in 1 2; do
                rs=$(awk -v b="$b" -v i="$input" -v k="$kind" -v t="$threads" \
                    '{ kk = $3; f = 4; if (kk == "scheme") { kk = kk " " $4; f = 5 } }
                     $1 == b && $2 == i && kk == k && $f == t { print $(f + 1), $(f + 2) + $(f + 3), $(f + 4) }' "$tmp/runs")
                e=$(echo "$rs" | awk '{ print $1 }' | median)
                c=$(echo "$rs" | awk '{ print $2 }' | median)
                m=$(echo "$rs" | awk '{ print $3 }' | median)
                secs["$b $label $kind $threads"]=$e
                awk -v n="$n" -v e="$e" -v c="$c" -v m="$m" -v l="$label" -v k="$kind" -v t="$threads" \
                    'BEGIN { printf "| %s | %s | %d | %.2f | %.2fM | %.2f | %.0f MB |\n", l, k, t, e, n / e / 1e6, c / n * 1e6, m / 1024 }'
            done
        done
    done
done

[ -z "${RUNS:-}" ] || cp "$tmp/runs" "$RUNS"

# the reference, on the million rows
"$tf" batch --scheme ca.crs --as-of 2025-06-01 --threads 1 "$tmp/1m.csv" -o "$tmp/tf.csv" 2> /dev/null
/usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$py" "$here/reference/crs_numpy.py" "$tmp/1m.csv" "$tmp/ref.csv" \
    --as-of 2025-06-01 > "$tmp/ref.log"
read -r e u s m < "$tmp/time"
"$py" - "$tmp/tf.csv" "$tmp/ref.csv" <<'EOF'
import csv, sys
a = [r[2] for r in csv.reader(open(sys.argv[1]))][1:]
b = [r[2] for r in csv.reader(open(sys.argv[2]))][1:]
bad = sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))
print(f"\nnumpy reference: {len(b)} rows, {bad} totals differ from talentflow's")
if bad:
    sys.exit(1)
EOF
echo "numpy reference ($small_label rows, ca.crs): $e s end to end ($(cat "$tmp/ref.log")), peak RSS $((m / 1024)) MB"
awk -v r="$e" -v t1="${secs["$build $small_label scheme ca.crs 1"]}" -v t2="${secs["$build $small_label scheme ca.crs 2"]}" \
    -v b="$build" -v l="$small_label" \
    'BEGIN { printf "talentflow (%s) / numpy, %s rows of ca.crs end to end: %.1fx with 1 thread, %.1fx with 2\n", b, l, r / t1, r / t2 }'
