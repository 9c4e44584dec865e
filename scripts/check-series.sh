#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The checks reviewers run on a series, one script each under
# scripts/checks/ (NIPA style): prints "check: PASSED|FAILED (reason)" per
# check and a last line "N passed, N failed". kernel-doc reads the
# worktree, so run it with the series applied (run-series.sh leaves it so).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 0 ] || { echo "usage: $0" >&2; exit 2; }
cache_lock
res=$HMMCI_TOP/results/checks
rm -rf "$res"
mkdir -p "$res"
mapfile -t patches < <(series_patches)
pass=0 fail=0
skip=0
check() { # NAME ARGS...
	local name=$1 out rc=0
	shift
	# The time budget of test.sh: b4 and the workflow check take the
	# longest (a git am of the series, an npm install on a cold cache).
	if ! in_budget 300; then
		budget_skip "check $name" 300 "$res/$name.log"
		skip=$((skip + 1))
		echo "check $name: SKIPPED ($(cat "$res/$name.log"))"
		return
	fi
	out=$("$HMMCI_TOP/scripts/checks/$name.sh" "$@" 2>&1) || rc=$?
	echo "$out" >"$res/$name.log"
	if [ $rc -eq 4 ]; then
		# nothing to check (e.g. regressions without the boots)
		skip=$((skip + 1))
		echo "check $name: SKIPPED ($(echo "$out" | tail -n1))"
	elif [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		echo "check $name: PASSED ($(echo "$out" | tail -n1))"
	else
		fail=$((fail + 1))
		echo "check $name: FAILED ($(echo "$out" | tail -n1))"
	fi
}
if [ ${#patches[@]} -eq 0 ]; then
	echo "check series: SKIPPED (the series is empty)"
	echo "0 0 1" >"$res/counts"
	exit 0
fi
# The checks are the scripts of scripts/checks/, each with a line
# "# hmmci-check: ORDER ARG..." saying when it runs and what it is given
# (NIPA style: a new check is a new script, nothing to edit here):
# PATCHES (the series), COVER (the cover letter), SNIPPET
# (MAINTAINERS-snippet), BASE (the base commit), WORKFLOW (the GitHub
# workflow), BASE-GUEST and LAST-GUEST (the guest results of the base and
# of the last step), MUSTPASS (ci/rdma-core-last-step.txt), OUT/NAME (a
# file or directory under results/checks).
base=$(cut -d" " -f2 "$HMMCI_TOP/results/series/base" 2>/dev/null || echo "$HMMCI_BASE_TAG")
last=$(printf %02d ${#patches[@]})
# "ORDER NAME ARG..." per check, sorted by order then name.
checks=()
for f in "$HMMCI_TOP"/scripts/checks/*.sh; do
	m=$(grep -m1 '^# hmmci-check:' "$f" | sed 's/^# hmmci-check: *//' || true)
	[[ $m =~ ^[0-9]+( |$) ]] || die checks "$f" "grep hmmci-check $f" \
		"a check without its '# hmmci-check: ORDER ARG...' line (ORDER a number)"
	read -r order rest <<<"$m"
	checks+=("$order $(basename "$f" .sh) $rest")
done
mapfile -t checks < <(printf '%s\n' "${checks[@]}" | LC_ALL=C sort -k1,1n -k2,2)
for c in "${checks[@]}"; do
	read -r order name rest <<<"$c"
	read -r -a words <<<"$rest"
	args=()
	for w in ${words[@]+"${words[@]}"}; do
		case $w in
		PATCHES) args+=("${patches[@]}") ;;
		COVER) args+=("$HMMCI_TOP/patches/0000-cover-letter.patch") ;;
		SNIPPET) args+=("$HMMCI_TOP/MAINTAINERS-snippet") ;;
		BASE) args+=("$base") ;;
		WORKFLOW) args+=("$HMMCI_TOP/.github/workflows/series.yml") ;;
		BASE-GUEST) args+=("$HMMCI_TOP/results/series/00/guest") ;;
		LAST-GUEST) args+=("$HMMCI_TOP/results/series/$last/guest") ;;
		MUSTPASS) args+=("$HMMCI_TOP/ci/rdma-core-last-step.txt") ;;
		OUT/*) args+=("$res/${w#OUT/}") ;;
		*) die checks "scripts/checks/$name.sh" "grep hmmci-check scripts/checks/$name.sh" \
			"unknown argument $w in its hmmci-check line (order $order)" ;;
		esac
	done
	# stdin: nothing (a check that reads it must not read the others)
	check "$name" ${args[@]+"${args[@]}"} </dev/null
done
echo "$pass $fail $skip" >"$res/counts"
echo "$pass passed, $fail failed, $skip skipped"
