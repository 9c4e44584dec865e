#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Merge the per-step result dirs of separate runs (one per CI job, each
# from `run-series.sh --step N --results DIR`) into one results dir and
# print the table with report.sh. Exits non-zero when a step failed, a
# step is missing from the range, or two runs disagree on the base.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $0 [--out DIR] RESULTDIR|STEPDIR...  (default out: results/merged)" >&2
	exit 2
}
out=$HMMCI_TOP/results/merged
if [ "${1:-}" = --out ]; then
	[ $# -ge 2 ] || usage
	out=$2
	shift 2
fi
[ $# -ge 1 ] || usage
rm -rf "$out"
mkdir -p "$out"

add_step() { # STEPDIR
	local n
	n=$(basename "$1")
	[ -f "$1/subject" ] || die merge "$1" "ls $1" "not a step result dir (no subject)"
	[ ! -e "$out/$n" ] || die merge "$1" "ls $out/$n" "step $n appears in two runs"
	cp -a "$1" "$out/$n"
}

for r in "$@"; do
	[ -d "$r" ] || die merge "$r" "ls $r" "no such results dir"
	case $(basename "$r") in
	[0-9][0-9]) add_step "$r"; continue ;;
	esac
	found=0
	for d in "$r"/[0-9][0-9]; do
		[ -d "$d" ] || continue
		add_step "$d"
		found=1
	done
	[ $found -eq 1 ] || die merge "$r" "ls $r" "no step dir (NN/) in this results dir"
	if [ -f "$r/base" ]; then
		if [ -f "$out/base" ]; then
			cmp -s "$r/base" "$out/base" || die merge "$r/base" "cat $r/base $out/base" \
				"the runs disagree on the base: $(cat "$r/base") vs $(cat "$out/base")"
		else
			cp "$r/base" "$out/base"
		fi
	fi
done

# The merged steps must be a contiguous range.
mapfile -t steps < <(cd "$out" && ls -d [0-9][0-9] | sort)
missing=()
for i in $(seq "$((10#${steps[0]}))" "$((10#${steps[-1]}))"); do
	[ -d "$out/$(printf '%02d' "$i")" ] || missing+=("$(printf '%02d' "$i")")
done
log "merged ${#steps[@]} steps (${steps[0]}..${steps[-1]}) from $# runs into $out"

"$HMMCI_TOP/scripts/report.sh" "$out"
read -r _ nfail _ <"$out/counts"
[ ${#missing[@]} -eq 0 ] || { echo "missing steps: ${missing[*]}" >&2; exit 1; }
[ "$nfail" -eq 0 ]
