#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the per-step table of a series run (and write it to table.md),
# every skip with its reason, every failure with its cause, then the
# last line "N passed, N failed, N skipped".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || { echo "usage: $0 RESULTDIR" >&2; exit 2; }
res=$1
mapfile -t checks < <(step_checks)
mapfile -t titles < <(step_check_titles)
pass=0 fail=0 skip=0
notes=()

# Each step's record (step-record.sh); a step dir without one (written by
# an older harness) gets it now.
declare -A rec
load_record() { # STEPDIR: its record into rec[]
	local line
	[ -f "$1/record" ] || "$HMMCI_TOP/scripts/step-record.sh" "$1"
	rec=()
	while IFS= read -r line; do
		rec[${line%%=*}]=${line#*=}
	done <"$1/record"
}

cell() { # STEP CHECK: short cell of rec[CHECK], and count it
	local st rest
	if [ -z "${rec[$2]+set}" ]; then
		echo "-"
		return
	fi
	read -r st rest <<<"${rec[$2]}" || true
	case $st in
	PASS) pass=$((pass + 1)) ;;
	FAIL) fail=$((fail + 1)); notes+=("step $1 $2: FAILED ($rest)") ;;
	SKIP) skip=$((skip + 1)); notes+=("step $1 $2: SKIPPED ($rest)") ;;
	esac
	case $2 in
	kunit | kselftest) [ "$st" = SKIP ] && echo "skip" || echo "$st ${rest%% failed:*}" ;;
	warnings) [ "$st" = PASS ] && echo 0 || echo "$st ${rest%% *}" ;;
	*) echo "$st" ;;
	esac
}

table=$res/table.md
{
	printf '| step | patch |'
	printf ' %s |' "${titles[@]}"
	echo
	printf '|---|---|'
	printf -- '---|%.0s' "${titles[@]}"
	echo
	for d in "$res"/[0-9][0-9]; do
		[ -d "$d" ] || continue
		load_record "$d"
		row="| ${rec[step]} | $(cut -c1-60 <<<"${rec[subject]}")"
		for c in "${checks[@]}"; do
			v=$(cell "${rec[step]}" "$c")
			[ "$c" = build ] && v="$v ${rec[build_s]:--}"
			[ "$c" = build ] && [ -n "${rec[reused]:-}" ] && v="$v (reused)"
			[ "$c" = boot ] && [ -n "${rec[boot_s]:-}" ] && v="$v ${rec[boot_s]}s ${rec[accel]:-}"
			[ "$c" = boot ] && [ -n "${rec[boot_reused]:-}" ] && v="$v (boot of step ${rec[boot_reused]}, same image)"
			row+=" | $v"
		done
		echo "$row |"
	done
} >"$table.tmp"
# cell() counts in a subshell above; count again here.
pass=0 fail=0 skip=0 notes=()
for d in "$res"/[0-9][0-9]; do
	[ -d "$d" ] || continue
	load_record "$d"
	for c in "${checks[@]}"; do cell "${rec[step]}" "$c" >/dev/null; done
done
mv "$table.tmp" "$table"
{
	echo
	cat "$table"
	echo
	sed -nE 's/^([A-Z_]+)[[:space:]]*#[[:space:]]*(.*)/  checkpatch ignores \1: \2/p' "$HMMCI_TOP/ci/checkpatch.ignore"
	sed -nE 's/^([a-z0-9-]+) ([^ ]+) # (.*)/  excluded from every boot: \1 \2 (\3)/p' "$HMMCI_TOP/ci/guest/excluded.txt"
	for n in "${notes[@]}"; do echo "  $n"; done
	for d in "$res"/[0-9][0-9]; do
		for f in skips:skipped failures:failed xfail:xfail new-warnings:'new warning' flaky:flaky; do
			if [ -f "$d/${f%%:*}.txt" ]; then
				sed "s/^/  step $(basename "$d") ${f#*:}: /" "$d/${f%%:*}.txt"
			fi
		done
	done
	# The benchmarks of the last step that ran them (reported, never judged).
	for b in hmm-hugepage:hmm-hugepage-bench odp-hugetlb:odp-hugetlb-bench; do
		bench=$(ls "$res"/[0-9][0-9]/guest/"${b#*:}".log 2>/dev/null | tail -n1 || true)
		[ -n "$bench" ] || continue
		echo
		echo "benchmark (bench/${b#*:}.c, step $(basename "$(dirname "$(dirname "$bench")")")):"
		grep '^# ' "$bench" | grep -v '^# Totals' | sed 's/^# /  /' | tee "$res/bench-${b%%:*}.txt"
	done
} | tee "$res/report.txt"
echo "$pass $fail $skip" >"$res/counts"
echo "$pass passed, $fail failed, $skip skipped"
