#!/usr/bin/env bash
# batch.sh — the batch benchmark: rows per second end to end, CSV in and CSV out.
#
#   bench/batch.sh [BUILD_DIR] [ROWS]      (defaults: build, 10000000)
#
# Writes a synthetic population of ROWS cases (talentflow synth --seed 1) and its first
# million rows, then times `talentflow batch` on each — --check and --scheme ca.crs,
# with 1 and 2 worker threads — writing CSV to a file beside the input, and reports rows
# per second (wall clock), CPU time per row and peak memory (maximum resident set, from
# /usr/bin/time). Then runs the numpy reference of the same CRS rules
# (bench/reference/crs_numpy.py, Debian's python3-numpy) on the million rows, checks that
# its totals equal talentflow's row for row, and reports the ratio. Results are printed
# as a Markdown table (docs/performance.md, section "Batch"). Timings are measured here,
# never in tests. The files go to a temporary folder, removed at the end.
set -euo pipefail

build=${1:-build}
rows=${2:-10000000}
tf="$build/talentflow"
py=/usr/bin/python3 # Debian's, with python3-numpy (scripts/setup.sh)
here="$(cd "$(dirname "$0")" && pwd)"
[ -x "$tf" ] || { echo "batch.sh: no $tf (build first: make build)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$tf" synth --n "$rows" --seed 1 -o "$tmp/big.csv"
head -n 1000001 "$tmp/big.csv" > "$tmp/1m.csv"
big_label=$(awk -v n="$rows" 'BEGIN { if (n % 1000000 == 0) printf "%dM", n / 1000000; else printf "%d", n }')

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input: $(wc -c < "$tmp/1m.csv") bytes per million rows"
echo
echo "| rows | evaluation | threads | seconds | rows/s | CPU µs/row | peak RSS |"
echo "|---:|---|---:|---:|---:|---:|---:|"
declare -A secs
for input in 1m big; do
    if [ "$input" = 1m ]; then n=1000000; label=1M; else n=$rows; label=$big_label; fi
    for kind in "--check" "--scheme ca.crs"; do
        for threads in 1 2; do
            /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" \
                "$tf" batch $kind --as-of 2025-06-01 --threads "$threads" "$tmp/$input.csv" -o "$tmp/out.csv" 2> /dev/null
            read -r e u s m < "$tmp/time"
            secs["$label $kind $threads"]=$e
            awk -v n="$n" -v e="$e" -v u="$u" -v s="$s" -v m="$m" -v l="$label" -v k="${kind#--}" -v t="$threads" \
                'BEGIN { printf "| %s | %s | %d | %.2f | %.2fM | %.2f | %.0f MB |\n", l, k, t, e, n / e / 1e6, (u + s) / n * 1e6, m / 1024 }'
        done
    done
done

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
echo "numpy reference (1M rows, ca.crs): $e s end to end ($(cat "$tmp/ref.log")), peak RSS $((m / 1024)) MB"
awk -v r="$e" -v t1="${secs["1M --scheme ca.crs 1"]}" -v t2="${secs["1M --scheme ca.crs 2"]}" \
    'BEGIN { printf "talentflow / numpy, 1M rows of ca.crs end to end: %.1fx with 1 thread, %.1fx with 2\n", r / t1, r / t2 }'
