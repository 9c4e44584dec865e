#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test command: the series CI over every step (run-series.sh), the
# checks reviewers run on the whole series and the b4 dry run
# (check-series.sh), the proofs that each test patch placed after its fix
# fails on the base (prove-tests.sh), the unit tests of the parsers on
# recorded logs (unit-tests.sh), the harness self-tests, then the
# second architecture (arm64-check.sh --ends: the base and the last step
# built for arm64 with 4 KiB and 64 KiB pages, and booted; every step is
# built for arm64 by the GitHub workflow). Ends with one line
# "N passed, N failed, N skipped; ..." that also says what the time
# budget skipped.
#
# HMMCI_TIME_BUDGET (seconds from the start, default 4800): every part
# checks it before a build, a boot or a check that could end later, and
# skips that with the reason instead (a SKIP row, listed on the last
# line); a boot's timeout never reaches past it. HMMCI_FORCE=1: rerun
# every step of the series (default: a step whose stored row matches its
# tree, patch, config and harness is reused, as run-series.sh --reuse).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 0 ] || { echo "usage: $0" >&2; exit 2; }
cache_lock
# Disk, before anything is written (lib.sh).
check_disk
# The budget counts from now, whatever the environment brought.
hmmci_t0=$(date +%s)
export hmmci_t0
HMMCI_DEADLINE=$((hmmci_t0 + ${HMMCI_TIME_BUDGET:-4800}))
HMMCI_BUDGET_LOG=$HMMCI_TOP/results/budget-skipped.txt
export HMMCI_DEADLINE HMMCI_BUDGET_LOG
mkdir -p "$HMMCI_TOP/results"
: >"$HMMCI_BUDGET_LOG"
rc=0
phase() { # NAME: one line per part, with the time since the start
	log "=== $1"
	echo "$1 $(($(date +%s) - hmmci_t0))" >>"$HMMCI_TOP/results/phases.txt"
}
rm -f "$HMMCI_TOP/results/phases.txt"

phase setup
"$HMMCI_TOP/scripts/setup-host.sh"
"$HMMCI_TOP/scripts/fetch-base.sh"

phase series
reuse=(--reuse)
[ "${HMMCI_FORCE:-0}" = 1 ] && reuse=(--force)
# No benchmarks: they measure, they check nothing, and take a minute of
# the last step's boot; scripts/run-series.sh runs them at its last step.
"$HMMCI_TOP/scripts/run-series.sh" --no-setup --no-bench "${reuse[@]}" || rc=$?
[ -f "$HMMCI_TOP/results/series/counts" ] ||
	die series "$HMMCI_TOP/results/series" "$HMMCI_TOP/scripts/run-series.sh" \
		"the series CI stopped before its report (exit $rc)"
# The worktree is at the tip of the series now: check it as a whole.
phase checks
"$HMMCI_TOP/scripts/check-series.sh" || rc=$?
phase proof
"$HMMCI_TOP/scripts/prove-tests.sh" || rc=$?
phase unit
"$HMMCI_TOP/scripts/unit-tests.sh" "$HMMCI_TOP/results/unit" >/dev/null || rc=$?
echo "unit: $(tail -n1 "$HMMCI_TOP/results/unit/unit.log") (results/unit/unit.log)"
phase selftest
"$HMMCI_TOP/scripts/selftest-harness.sh" || rc=$?

phase arm64
a64=$HMMCI_TOP/results/arm64
"$HMMCI_TOP/scripts/arm64-check.sh" --no-setup --ends --results "$a64" || rc=$?
if [ -f "$a64/table.md" ]; then
	echo
	echo "arm64 (results/arm64/table.md):"
	cat "$a64/table.md"
fi
phase end

# What failed, and what passed only at a second boot (flaky), again at
# the end, where the tail of a CI log shows it. The self-tests fail on
# purpose and are judged by their own lines.
# The verdict files: the per-step checks (ci/step-checks.txt) and arm64's
# initramfs.
cells=()
for c in $(step_checks) initramfs; do cells+=(${cells[0]+-o} -name "$c"); done
tailnotes=$(
	cd "$HMMCI_TOP/results" &&
		find . \( -path ./selftest -o -name boot-1 \) -prune -o -type f \( "${cells[@]}" \) -print | sort |
		while read -r f; do
			if grep -q '^FAIL' "$f"; then
				echo "  FAILED ${f#./}: $(head -n1 "$f" | cut -c1-200)"
				sed "s|^|    failed test: |" "$(dirname "$f")/failures.txt" 2>/dev/null | sort -u | head -n5
			fi
		done | awk '!seen[$0]++'
	cd "$HMMCI_TOP/results" && find . -path ./selftest -prune -o -name flaky.txt -print | sort |
		while read -r f; do echo "  flaky ${f#./}: $(cat "$f")"; done
)
if [ -n "$tailnotes" ]; then
	echo
	echo "failed or flaky (results/):"
	echo "$tailnotes"
fi

tp=0 tf=0 ts=0
summary=
for part in series checks proof unit selftest arm64; do
	f=$HMMCI_TOP/results/$part/counts
	if [ ! -f "$f" ]; then
		echo "$part: FAILED (no results)"
		tf=$((tf + 1))
		continue
	fi
	read -r p f s <"$f"
	summary+="$part: $p passed, $f failed, $s skipped; "
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
done
echo
echo "times (s from the start): $(awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }' "$HMMCI_TOP/results/phases.txt")"
echo "${summary%; }"
nb=$(wc -l <"$HMMCI_BUDGET_LOG")
if [ "$nb" -eq 0 ]; then
	budget="the time budget skipped nothing"
else
	budget="the time budget skipped $nb: $(paste -sd, "$HMMCI_BUDGET_LOG" | sed 's/,/, /g')"
fi
echo "$tp passed, $tf failed, $ts skipped; $budget"
[ $tf -eq 0 ] && [ $rc -eq 0 ]
