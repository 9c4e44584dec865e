#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test command: the series CI over every step (run-series.sh), then the
# harness self-tests. Ends with one line "N passed, N failed".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 0 ] || { echo "usage: $0" >&2; exit 2; }
rc=0
"$HMMCI_TOP/scripts/run-series.sh" || rc=$?
[ -f "$HMMCI_TOP/results/series/counts" ] ||
	die series "$HMMCI_TOP/results/series" "$HMMCI_TOP/scripts/run-series.sh" \
		"the series CI stopped before its report (exit $rc)"
"$HMMCI_TOP/scripts/selftest-harness.sh" || rc=$?

read -r p1 f1 s1 <"$HMMCI_TOP/results/series/counts"
read -r p2 f2 s2 <"$HMMCI_TOP/results/selftest/counts"
echo
echo "series: $p1 passed, $f1 failed, $s1 skipped; harness self-tests: $p2 passed, $f2 failed"
echo "$((p1 + p2)) passed, $((f1 + f2)) failed, $((s1 + s2)) skipped"
[ $((f1 + f2)) -eq 0 ] && [ $rc -eq 0 ]
