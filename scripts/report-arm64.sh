#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The arm64 check's report (arm64-check.sh), from the records of its step
# directories alone (RESULTS/NN-PS/record, written by step-record.sh):
# one line per verdict (RESULTS/rows.txt, and on stderr), the table
# (RESULTS/table.md: a build and a warnings column per page size for
# every step, then the boots of the base and the last step) and the
# counts (RESULTS/counts: "PASSED FAILED SKIPPED"). A verdict a record
# lacks is a failure. The last line is "arm64: N passed, N failed, N
# skipped"; exits 1 when a verdict failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $0 [--no-boot] RESULTS PAGESIZE..." >&2
	echo "  --no-boot: the steps were built only (no boot rows)" >&2
	exit 2
}
boot=1
if [ "${1:-}" = --no-boot ]; then
	boot=0
	shift
fi
[ $# -ge 2 ] && [ -d "$1" ] || usage
results=$(cd "$1" && pwd)
shift
sizes=("$@")

step_dir() { printf '%s/%02d-%s' "$results" "$1" "$2"; }
# cell STEPDIR KEY: KEY's value in the step's record, or a failure when
# the record or the key is missing
cell() {
	awk -v k="$2" 'index($0, k "=") == 1 { print substr($0, length(k) + 2); f = 1; exit }
		END { exit !f }' "$1/record" 2>/dev/null ||
		echo "FAIL no result (see $1/errors.txt)"
}

# The steps: those with a directory of any page size; the last is the
# highest.
steps=()
mapfile -t steps < <(for ps in "${sizes[@]}"; do
	for d in "$results"/[0-9]*-"$ps"; do
		[ -d "$d" ] || continue
		d=${d##*/}
		echo "${d%%-*}"
	done
done | sort -n -u)
[ ${#steps[@]} -gt 0 ] || { echo "$0: no step directories in $results" >&2; exit 1; }
last=$((10#${steps[-1]}))
ends=(0)
[ "$last" -eq 0 ] || ends+=("$last")
is_end() { [ "$1" -eq 0 ] || [ "$1" -eq "$last" ]; }

rows=$results/rows.txt
: >"$rows"
pass=0 fail=0 skip=0
row() { # NAME STEPDIR KEY: print and count one verdict
	local v
	v=$(cell "$2" "$3")
	printf '%-26s %s\n' "$1" "$v" | tee -a "$rows" >&2
	case $v in
	PASS*) pass=$((pass + 1)) ;;
	SKIP*) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
}
for n in "${steps[@]}"; do
	i=$((10#$n))
	for ps in "${sizes[@]}"; do
		d=$(step_dir "$i" "$ps")
		[ -d "$d" ] || continue
		row "$n $ps build" "$d" build
		row "$n $ps warnings" "$d" warnings
		if [ $boot -eq 1 ] && is_end "$i"; then
			row "$n $ps boot" "$d" boot
			row "$n $ps kunit" "$d" kunit
			row "$n $ps hmm-tests" "$d" kselftest
		fi
	done
done

{
	printf '| step | patch |'
	for ps in "${sizes[@]}"; do printf ' %s build s | %s new warnings |' "$ps" "$ps"; done
	printf '\n|---|---|'
	for ps in "${sizes[@]}"; do printf -- '---|---|'; done
	printf '\n'
	for n in "${steps[@]}"; do
		i=$((10#$n))
		[ -d "$(step_dir "$i" "${sizes[0]}")" ] || continue
		subject=$(cell "$(step_dir "$i" "${sizes[0]}")" subject)
		printf '| %s | %s |' "$n" "${subject:0:60}"
		for ps in "${sizes[@]}"; do
			d=$(step_dir "$i" "$ps")
			printf ' %s | %s |' "$(cell "$d" build | cut -c1-40)" \
				"$(cell "$d" warnings | sed -E 's/^PASS warnings before: ([0-9]+), new: 0/0 (of \1)/' | cut -c1-40)"
		done
		printf '\n'
	done
	if [ $boot -eq 1 ]; then
		printf '\n| step | page size | boot | KUnit p/f/s | hmm-tests p/f/s |\n|---|---|---|---|---|\n'
		for i in "${ends[@]}"; do
			for ps in "${sizes[@]}"; do
				d=$(step_dir "$i" "$ps")
				s=$(cell "$d" boot_s)
				[[ $s != FAIL* ]] || s=
				printf '| %02d | %s | %s%s | %s | %s |\n' "$i" "$ps" \
					"$(cell "$d" boot | cut -c1-60)" "${s:+ ${s}s}" \
					"$(cell "$d" kunit | cut -c1-40)" "$(cell "$d" kselftest | cut -c1-40)"
			done
		done
	fi
	for ps in "${sizes[@]}"; do
		f=$HMMCI_TOP/ci/arm64/$ps/excluded.txt
		[ $boot -eq 1 ] && [ -f "$f" ] || continue
		printf '\nLeft out of the %s boots (`ci/arm64/%s/excluded.txt`):\n\n' "$ps" "$ps"
		sed -nE 's/^([a-z0-9-]+) ([^ ]+) # (.*)/- \1 `\2`: \3/p' "$f"
	done
} >"$results/table.md"
echo "$pass $fail $skip" >"$results/counts"
echo "arm64: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
