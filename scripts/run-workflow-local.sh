#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run .github/workflows/series.yml's entry points here, in sequence, as its
# jobs would: list the steps, run-series.sh --step N into a separate
# results dir per step, then merge-results.sh. Slow (one build per step);
# not part of test.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat >&2 <<-USAGE
	usage: $0 [--steps A..B] [--out DIR] [run-series.sh options...]
	  --steps A..B  only these steps (default: every step --list-steps prints)
	  --out DIR     where the per-step dirs and merged/ go
	                (default: results/workflow)
	  other options (--quick, --no-boot, --force, --no-setup, --series ...)
	  are passed to every run-series.sh --step N
	USAGE
	exit 2
}
out=$HMMCI_TOP/results/workflow lo= hi=
pass=()
while [ $# -gt 0 ]; do
	case $1 in
	--steps) [[ ${2:-} =~ ^[0-9]+\.\.[0-9]+$ ]] || usage
		lo=$((10#${2%%..*})) hi=$((10#${2##*..})); shift ;;
	--out) [ $# -ge 2 ] || usage; out=$2; shift ;;
	--series | --patches | --tree | --base) [ $# -ge 2 ] || usage; pass+=("$1" "$2"); shift ;;
	-h | --help) usage ;;
	*) pass+=("$1") ;;
	esac
	shift
done
rs=$HMMCI_TOP/scripts/run-series.sh
cache_lock

# job steps: the matrix.
mapfile -t steps < <("$rs" --list-steps "${pass[@]}" | cut -d' ' -f1)
sel=()
for n in "${steps[@]}"; do
	if [ -n "$lo" ] && { [ $((10#$n)) -lt "$lo" ] || [ $((10#$n)) -gt "$hi" ]; }; then
		continue
	fi
	sel+=("$n")
done
[ ${#sel[@]} -gt 0 ] || die steps "$out" "$rs --list-steps" "no step selected"
log "workflow: steps ${sel[*]} into $out"
rm -rf "$out"
mkdir -p "$out"

# job step, once per matrix entry (fail-fast: false: go on after a failure).
dirs=()
for n in "${sel[@]}"; do
	t=$(date +%s)
	rc=0
	"$rs" --step "$n" --results "$out/step-$n" "${pass[@]}" >"$out/step-$n.log" 2>&1 || rc=$?
	log "workflow: step $n exit $rc in $(($(date +%s) - t))s: $(tail -n1 "$out/step-$n.log")"
	dirs+=("$out/step-$n")
done

# job merge.
"$HMMCI_TOP/scripts/merge-results.sh" --out "$out/merged" "${dirs[@]}"
