#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unit tests of the parts of the CI that read test output, on recorded logs
# (ci/unit/data), the way tools/testing/kunit/kunit_tool_test.py tests
# kunit_parser: scripts/judge-results.py, ci/guest/unittest-tap.py,
# scripts/checks/regressions.sh; and of lib.sh's helpers that decide what
# a run trusts (ci/unit/test_lib.sh). Runs every test case of every
# ci/unit/test_*.py (python unittest) and ci/unit/test_*.sh ("--list"
# prints its cases, "CASE" runs one: exit 0 pass, 1 fail, 4 skip, 5 a
# known bug shows), each in its own mktemp -d directory (its working and
# TMPDIR directory), so a new test file needs no change here.
# An @unittest.expectedFailure (or exit 5) is a known bug of the code under
# test: "ok ... # TODO", counted as passed; once it no longer fails it is
# "not ok" (drop the mark). Needs only python3, coreutils (grep, sed,
# awk) and git 2.31 or later: no network, no root, no kernel tree; well
# under 30 s.
# Prints TAP, writes RESULTDIR/unit.log (the same) and RESULTDIR/counts
# ("PASSED FAILED SKIPPED"); exits 1 when a test failed.
set -euo pipefail

usage() {
	echo "usage: $0 [RESULTDIR]" >&2
	echo "  RESULTDIR defaults to results/unit under the repository top" >&2
	exit 2
}
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -le 1 ] || usage
case ${1:-} in -*) usage ;; esac
res=${1:-$top/results/unit}
# PYTHON: another interpreter (the CI's is Debian's python3)
python=${PYTHON:-python3}
command -v "$python" >/dev/null || { echo "$0: $python not found" >&2; exit 2; }
# Test cases longer than this are killed (the whole run takes seconds).
limit=60

mkdir -p "$res"
log=$res/unit.log
: >"$log"
work=$(mktemp -d "${TMPDIR:-/tmp}/unit-tests.XXXXXX")
trap 'rm -rf "$work"' EXIT
t0=$(date +%s%N)

say() { printf '%s\n' "$@" | tee -a "$log"; }
# reason FILE: the last lines of a test's output, as TAP diagnostics
reason() {
	{ grep -v -e '^=*$' -e '^-*$' -e '^Ran [0-9]* tests\? in' -e '^FAILED (' "$1" || true; } |
		tail -n 8 | sed 's/^/  # /' | tee -a "$log"
}

# The cases: "py FILE ID" or "sh FILE CASE", one a line.
: >"$work/cases"
: >"$work/broken"
lister='
import os, sys, unittest
path = sys.argv[1]
sys.path.insert(0, os.path.dirname(path))
suite = unittest.defaultTestLoader.loadTestsFromName(
    os.path.basename(path)[:-3])
def walk(s):
    for t in s:
        if isinstance(t, unittest.TestSuite):
            yield from walk(t)
        else:
            yield t
for t in walk(suite):
    if type(t).__name__ == "_FailedTest":
        sys.exit("cannot load %s: %s" % (path, t._exception))
    print(t.id())
'
for f in "$top"/ci/unit/test_*.py "$top"/ci/unit/test_*.sh; do
	[ -f "$f" ] || continue
	case $f in
	*.py) kind=py; list=("$python" -B -c "$lister" "$f") ;;
	*) kind="sh"; list=(bash "$f" --list) ;;
	esac
	if ! (cd "$work" && timeout "$limit" "${list[@]}") >"$work/list" 2>"$work/list.err" ||
		! [ -s "$work/list" ]; then
		# a file whose cases cannot be listed is one failed test
		echo "$f" >>"$work/broken"
		cat "$work/list.err" >"$work/broken.$(wc -l <"$work/broken")"
		continue
	fi
	sed "s|^|$kind $f |" "$work/list" >>"$work/cases"
done

total=$(($(wc -l <"$work/cases") + $(wc -l <"$work/broken")))
say "TAP version 13" "1..$total"
n=0 passed=0 failed=0 skipped=0 known=0
i=0
while read -r f; do
	i=$((i + 1)) n=$((n + 1)) failed=$((failed + 1))
	say "not ok $n - ${f#"$top"/}: cannot list its test cases"
	reason "$work/broken.$i"
done <"$work/broken"

while read -r kind f id; do
	n=$((n + 1))
	dir=$(mktemp -d "$work/case.XXXXXX")
	out=$work/out.$n
	rc=0
	case $kind in
	py)
		name=$id
		(cd "$dir" && TMPDIR=$dir PYTHONPATH=$top/ci/unit \
			timeout "$limit" "$python" -B -m unittest -v "$id") \
			>"$out" 2>&1 </dev/null || rc=$?
		verdict=$({ grep -v '^$' "$out" || true; } | tail -n1)
		if [ "$rc" -eq 0 ]; then
			case $verdict in
			*'expected failures='*) rc=5 ;;
			*'skipped='*) rc=4 ;;
			esac
		fi
		;;
	sh)
		name=$(basename "$f" .sh).$id
		(cd "$dir" && TMPDIR=$dir timeout "$limit" bash "$f" "$id") \
			>"$out" 2>&1 </dev/null || rc=$?
		;;
	esac
	rm -rf "$dir"
	case $rc in
	0)
		passed=$((passed + 1))
		say "ok $n - $name"
		;;
	4)
		skipped=$((skipped + 1))
		why=$(sed -n "s/.* \.\.\. skipped '\(.*\)'$/\1/p" "$out" | head -n1)
		[ -n "$why" ] || why=$(grep -v '^$' "$out" | tail -n1 || true)
		say "ok $n - $name # SKIP $why"
		;;
	5)
		passed=$((passed + 1)) known=$((known + 1))
		say "ok $n - $name # TODO known bug of the code under test (see the test)"
		;;
	*)
		failed=$((failed + 1))
		say "not ok $n - $name"
		[ "$rc" -ne 124 ] || say "  # killed after ${limit}s"
		grep -q 'unexpected success' "$out" &&
			say "  # a known bug no longer shows: drop its @unittest.expectedFailure"
		reason "$out"
		;;
	esac
done <"$work/cases"

echo "$passed $failed $skipped" >"$res/counts"
t1=$(date +%s%N)
[ "$known" -eq 0 ] || say "# $known of the passes are known bugs of the code under test (TODO)"
say "# $(((t1 - t0) / 1000000)) ms; results in $res"
say "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
