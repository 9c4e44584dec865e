#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Apply each test patch named in ci/proofs.txt alone on the base and boot
# it: its tests must fail there (ci/expected-failures.txt), which proves
# they see the bug their fix removes. One series run per proof.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 0 ] || { echo "usage: $0" >&2; exit 2; }
res=$HMMCI_TOP/results/proof
rm -rf "$res"
mkdir -p "$res"
pass=0 fail=0 skip=0 i=0
while IFS= read -r subject; do
	case $subject in '' | '#'*) continue ;; esac
	i=$((i + 1))
	d=$res/$i
	mkdir -p "$d"
	p=
	for f in "$HMMCI_TOP"/patches/[0-9]*.patch; do
		[ -f "$f" ] || continue
		s=$(patch_subject "$f")
		[ "$s" = "$subject" ] && p=$f
	done
	if [ -z "$p" ]; then
		echo "proof $i: FAILED (no patch in patches/ has the subject \"$subject\")"
		fail=$((fail + 1))
		continue
	fi
	basename "$p" >"$d/series"
	# A proof is one step after the (reused) base: an incremental build,
	# W=1 and a boot.
	if ! in_budget 600; then
		budget_skip "proof $i" 600 "$d/budget"
		echo "proof $i: SKIPPED ($(cat "$d/budget"))"
		skip=$((skip + 1))
		continue
	fi
	log "proof $i: $(basename "$p") alone on the base"
	rc=0
	# --reuse: the base row of the series run (same tree, config and
	# harness) is copied, not built and booted again; --no-bench: the
	# proof is this run's last step, but no place for the benchmarks.
	HMMCI_BUDGET_PART="proof $i" \
		"$HMMCI_TOP/scripts/run-series.sh" --no-setup --reuse --no-bench \
		--series "$d/series" --patches "$HMMCI_TOP/patches" --results "$d/run" || rc=$?
	if [ -f "$d/run/counts" ]; then
		read -r p1 f1 s1 <"$d/run/counts"
		pass=$((pass + p1)) fail=$((fail + f1)) skip=$((skip + s1))
	else
		echo "proof $i: FAILED (the run stopped, exit $rc)"
		fail=$((fail + 1))
	fi
done <"$HMMCI_TOP/ci/proofs.txt"
echo "$pass $fail $skip" >"$res/counts"
echo "$pass passed, $fail failed, $skip skipped"
