#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test command: the series CI over every step (run-series.sh), the
# checks reviewers run on the whole series and the b4 dry run
# (check-series.sh), the proofs that each test patch placed after its fix
# fails on the base (prove-tests.sh), the harness self-tests, then the
# second architecture (arm64-check.sh: every step built for arm64 with
# 4 KiB and 64 KiB pages, the base and the last step booted). Ends with one
# line "N passed, N failed, N skipped".
#
# HMMCI_TIME_BUDGET (seconds, default 4800): the arm64 part skips, with the
# reason, the builds and boots that would end later than that after the
# start, so a slow machine gives skips instead of an overlong run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 0 ] || { echo "usage: $0" >&2; exit 2; }
rc=0
"$HMMCI_TOP/scripts/run-series.sh" || rc=$?
[ -f "$HMMCI_TOP/results/series/counts" ] ||
	die series "$HMMCI_TOP/results/series" "$HMMCI_TOP/scripts/run-series.sh" \
		"the series CI stopped before its report (exit $rc)"
# The worktree is at the tip of the series now: check it as a whole.
"$HMMCI_TOP/scripts/check-series.sh" || rc=$?
"$HMMCI_TOP/scripts/prove-tests.sh" || rc=$?
"$HMMCI_TOP/scripts/selftest-harness.sh" || rc=$?
HMMCI_DEADLINE=$((hmmci_t0 + ${HMMCI_TIME_BUDGET:-4800}))
export HMMCI_DEADLINE
"$HMMCI_TOP/scripts/arm64-check.sh" --no-setup || rc=$?
if [ -f "$HMMCI_TOP/results/arm64/table.md" ]; then
	echo
	echo "arm64 (results/arm64/table.md):"
	cat "$HMMCI_TOP/results/arm64/table.md"
fi

tp=0 tf=0 ts=0
summary=
for part in series checks proof selftest arm64; do
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
echo "${summary%; }"
echo "$tp passed, $tf failed, $ts skipped"
[ $tf -eq 0 ] && [ $rc -eq 0 ]
