#!/bin/sh
# median.sh — run a benchmark several times and print its output with every figure
# replaced by its median over the runs (docs/performance.md quotes these).
#
#   bench/median.sh RUNS ./build/bench_check [ARGS...]
#
# The runs must print the same lines: a line is matched by its position and its shape
# (the text with every number taken out). Each number of a matched line becomes the
# median of that number over the runs (the lower middle one for an even count, as
# stats.h's p50), printed with the decimals, width and leading zeros it had in the first
# run. A line
# whose shape differs between runs ("MET" in one, "NOT MET" in another) is printed
# from the first run and marked with "  [differs between runs]". The raw outputs are
# kept in a temporary folder whose name is printed last.
set -eu
if [ $# -lt 2 ] || ! [ "$1" -ge 1 ] 2>/dev/null; then
    echo "usage: bench/median.sh RUNS BENCH [ARGS...]" >&2
    exit 2
fi
runs=$1
shift
dir=$(mktemp -d "${TMPDIR:-/tmp}/tf-bench.XXXXXX")
i=1
while [ "$i" -le "$runs" ]; do
    echo "run $i of $runs: $*" >&2
    "$@" >"$dir/run$i.txt"
    i=$((i + 1))
done

awk -v runs="$runs" '
function shape(s) { gsub(/[0-9]+(\.[0-9]+)?/, "#", s); gsub(/ +/, " ", s); return s }
FNR == 1 { r++ }
{ line[r, FNR] = $0; if (FNR > nlines) nlines = FNR }
END {
    for (i = 1; i <= nlines; i++) {
        text = line[1, i]
        same = 1
        for (k = 2; k <= runs; k++)
            if (shape(line[k, i]) != shape(text)) same = 0
        if (!same) { print text "  [differs between runs]"; continue }
        out = ""
        rest = text
        n = 0
        while (match(rest, /[0-9]+(\.[0-9]+)?/)) {
            n++
            at = RSTART  # the match() calls below overwrite RSTART and RLENGTH
            len = RLENGTH
            tok = substr(rest, at, len)
            out = out substr(rest, 1, at - 1)
            # the n-th number of this line in every run, sorted
            for (k = 1; k <= runs; k++) {
                s = line[k, i]
                for (m = 1; m <= n; m++) {
                    match(s, /[0-9]+(\.[0-9]+)?/)
                    v = substr(s, RSTART, RLENGTH)
                    s = substr(s, RSTART + RLENGTH)
                }
                val[k] = v + 0
            }
            for (a = 2; a <= runs; a++)
                for (b = a; b > 1 && val[b - 1] > val[b]; b--) { t = val[b]; val[b] = val[b - 1]; val[b - 1] = t }
            med = val[int((runs + 1) / 2)]
            dec = index(tok, ".") ? length(tok) - index(tok, ".") : 0
            zero = substr(tok, 1, 1) == "0" && length(tok) > 1 && !dec  # "06" in a date
            out = out sprintf(zero ? "%0*.*f" : "%*.*f", length(tok), dec, med)
            rest = substr(rest, at + len)
        }
        print out rest
    }
}' $(i=1; while [ "$i" -le "$runs" ]; do echo "$dir/run$i.txt"; i=$((i + 1)); done)
echo "(median of $runs runs; raw outputs in $dir)"
