#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Apply each test patch named in ci/proofs.txt alone on the base and boot
# it: its tests must fail there (ci/expected-failures.txt), which proves
# they see the bug their fix removes. One series run per proof.
#
# A test that cannot be applied to the base (it calls functions that its
# fix's later refactoring added) is proven with a mutant instead: a line
# "SUBJECT | mutant FILE" applies the series up to and including SUBJECT
# (git am only, their rows are the series run's), then FILE, a patch that
# puts the fixed bugs back into the tested code; only that step is built
# and booted. Its "Undoes: SUBJECT" trailers take those fixes out of the
# applied set (judge-boot.sh), so their tests must fail there; its
# "Breaks: SUITE|TEST" trailers name tests that must run and fail there
# (a property the base has and a fix must keep, e.g. a bounded allocation).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 0 ] || { echo "usage: $0" >&2; exit 2; }
cache_lock
res=$HMMCI_TOP/results/proof
rm -rf "$res"
mkdir -p "$res"
pass=0 fail=0 skip=0 i=0
while IFS= read -r line; do
	case $line in '' | '#'*) continue ;; esac
	subject=${line%% | mutant *}
	mutant=
	[ "$subject" = "$line" ] || mutant=$HMMCI_TOP/${line##* | mutant }
	i=$((i + 1))
	d=$res/$i
	mkdir -p "$d"
	p= upto=()
	while IFS= read -r f; do
		f=$HMMCI_TOP/patches/$f
		[ -n "$p" ] || upto+=("$f")
		[ -n "$p" ] || [ "$(patch_subject "$f")" != "$subject" ] || p=$f
	done < <(grep -v '^#' "$HMMCI_TOP/series")
	if [ -z "$p" ]; then
		echo "proof $i: FAILED (no patch in series has the subject \"$subject\")"
		fail=$((fail + 1))
		continue
	fi
	pdir=$HMMCI_TOP/patches steps=()
	if [ -z "$mutant" ]; then
		basename "$p" >"$d/series"
	elif [ ! -f "$mutant" ]; then
		echo "proof $i: FAILED (the mutant $mutant named in ci/proofs.txt does not exist)"
		fail=$((fail + 1))
		continue
	else
		pdir=$d/patches
		mkdir -p "$pdir"
		for f in "${upto[@]}" "$mutant"; do
			ln -sf "$f" "$pdir/"
			basename "$f"
		done >"$d/series"
		steps=(--steps "$((${#upto[@]} + 1))..$((${#upto[@]} + 1))")
	fi
	# A proof is one step after the (reused) base: an incremental build,
	# W=1 and a boot.
	if ! in_budget 600; then
		budget_skip "proof $i" 600 "$d/budget"
		echo "proof $i: SKIPPED ($(cat "$d/budget"))"
		skip=$((skip + 1))
		continue
	fi
	if [ -z "$mutant" ]; then
		log "proof $i: $(basename "$p") alone on the base"
	else
		log "proof $i: the series up to $(basename "$p"), then the mutant $(basename "$mutant")"
	fi
	rc=0
	# --reuse: the base row of the series run (same tree, config and
	# harness) is copied, not built and booted again; --no-bench: the
	# proof is this run's last step, but no place for the benchmarks;
	# --odp-only: nor for rdma-core's whole suites (about 2 minutes of a
	# TCG boot), which only the series' own last step is compared by.
	HMMCI_BUDGET_PART="proof $i" \
		"$HMMCI_TOP/scripts/run-series.sh" --no-setup --reuse --no-bench --odp-only \
		--series "$d/series" --patches "$pdir" "${steps[@]}" --results "$d/run" || rc=$?
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
