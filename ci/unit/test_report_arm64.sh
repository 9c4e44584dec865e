#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tests of scripts/report-arm64.sh: the arm64 check's rows, table and
# counts from the records (step-record.sh) of step directories made here.
# The expected outputs under ci/unit/data/arm64/CASE/ were made by the
# table code arm64-check.sh had before it read records (commit 11a7fd5)
# from the same verdict files: the report is byte-identical to it, but
# for two inputs no script writes and where the old one was wrong (a
# verdict of several lines: the record keeps the first; a series of no
# patch: the base's boot rows once, not twice). The table's last part,
# the tests left out of the boots, is checked against the current
# ci/arm64/PS/excluded.txt of the case's page sizes.
#
# usage: test_report_arm64.sh --list | CASE | --fixture CASE
# --list prints the cases, one a line; CASE runs one in the current
# directory (scripts/unit-tests.sh gives each its own mktemp -d) and exits
# 0 (pass) or 1 (fail, the reason on stdout). --fixture CASE only makes
# the case's step directories, in ./res (to make its expected outputs
# again with other code).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
data=$top/ci/unit/data/arm64

fail() {
	echo "$*"
	exit 1
}
# shellcheck source=stepdir.sh
. "$top/ci/unit/stepdir.sh"
# step NN-PS SUBJECT FILE=VERDICT...: a step directory with those files
step() { stepdir "res/$1" "${@:2}"; }
# booted NN-PS SUBJECT BUILD-S WARNINGS-BEFORE BOOT-S KUNIT KSELFTEST: a
# step built with no new warning and booted
booted() {
	step "$1" "$2" build="PASS $3" warnings="PASS warnings before: $4, new: 0" \
		boot=PASS boot_s="$5" kunit="$6" kselftest="$7"
}
base="(base) v7.3.4"
nokunit="SKIP no KUnit suite is built in at this step"
last="RDMA/rxe: Accept IB_ACCESS_HUGETLB for ODP MRs"
unbuilt="SKIP not built"

# fixture CASE: the verdict files of one case (also used to make the
# expected outputs with the old code)
fixture() {
	case $1 in
	ends_pass)
		booted 00-4k "$base" 12 0 7 "$nokunit" "PASS 38/0/38"
		booted 00-64k "$base" 385 0 3 "$nokunit" "PASS 27/0/27"
		booted 23-4k "$last" 13 0 18 "PASS 9/0/8" "PASS 58/0/49"
		booted 23-64k "$last" 31 0 5 "PASS 9/0/8" "PASS 39/0/46"
		;;
	budget)
		local b="SKIP time budget: 610s left before the deadline, this needs ~900s"
		booted 00-4k "$base" 397 3 9 "$nokunit" "PASS 38/0/38"
		step 00-64k "$base" build="$b" warnings="$b" boot="$unbuilt" kunit="$unbuilt" \
			kselftest="$unbuilt"
		step 23-4k "$last" build="PASS 31" warnings="FAIL 1 new: mm/hmm.c: warning: unused variable 'x'" \
			boot="FAIL panic during suite hmm-tests: Kernel panic - not syncing: Fatal exception" \
			boot_s=44 kunit="PASS 9/0/8" kselftest="FAIL 50/8/49"
		b=${b/610s/12s}
		step 23-64k "$last" build="$b" warnings="$b" \
			boot="$unbuilt" kunit="$unbuilt" kselftest="$unbuilt"
		;;
	lost)
		# a step whose boot wrote no verdicts (killed), and a missing
		# warnings verdict
		booted 00-4k "$base" 12 0 7 "$nokunit" "PASS 38/0/38"
		step 02-4k "subject of step 2" build="PASS 14"
		;;
	first_64k)
		# --pagesize 64k --pagesize 4k: the table's subject is 64k's
		# (each size's directory has its own here), and step 23 has a
		# directory of the second size only: its rows, no table row
		booted 00-64k "$base (64k)" 385 2 3 "$nokunit" "PASS 27/0/27"
		booted 00-4k "$base (4k)" 12 0 7 "$nokunit" "PASS 38/0/38"
		booted 23-4k "$last (4k)" 13 0 18 "PASS 9/0/8" "PASS 58/0/49"
		;;
	no_patch)
		booted 00-4k "$base" 12 0 7 "$nokunit" "PASS 38/0/38"
		;;
	build_64k)
		# --no-boot --pagesize 64k: no boot rows, no lists of tests left
		# out of boots
		step 00-64k "$base" build="PASS 385" warnings="PASS warnings before: 2, new: 0"
		step 01-64k "RDMA/rxe: Fix the page offset and buffer advance in ODP MR copies" \
			build="PASS 33" warnings="FAIL 1 new: drivers/infiniband/sw/rxe/rxe_odp.c: warning: x"
		;;
	every_step)
		step 00-4k "$base" build="PASS 12" warnings="PASS warnings before: 0, new: 0"
		step 01-4k "RDMA/rxe: Fix the page offset and buffer advance in ODP MR copies" \
			build="PASS 20" warnings="PASS warnings before: 0, new: 0"
		step 02-4k "RDMA/umem: Store one pfn_list entry per huge page for IB_ACCESS_HUGETLB" \
			build="FAIL drivers/infiniband/core/umem_odp.c: error: expected ';'" \
			warnings="FAIL not built"
		step 03-4k "RDMA/rxe: Fix ODP MRs registered at an iova other than their address" \
			build="PASS 19" warnings="PASS warnings before: 0, new: 0"
		;;
	*)
		echo "no case $1" >&2
		exit 2
		;;
	esac
}
# args CASE: report-arm64.sh's options and page sizes for it
args() {
	case $1 in
	lost) echo "res 4k" ;;
	every_step) echo "--no-boot res 4k" ;;
	first_64k) echo "res 64k 4k" ;;
	build_64k) echo "--no-boot res 64k" ;;
	*) echo "res 4k 64k" ;;
	esac
}

cutpath() { sed -E 's#\(see [^|]*\|#(see ... |#g'; }
excluded() { # CASE: the lists of tests left out that its table ends with
	local ps f a
	read -r -a a <<<"$(args "$1")"
	[ "${a[0]}" != --no-boot ] || return 0
	for ps in "${a[@]:1}"; do
		f=$top/ci/arm64/$ps/excluded.txt
		[ -f "$f" ] || continue
		printf 'Left out of the %s boots (`ci/arm64/%s/excluded.txt`):\n\n' "$ps" "$ps"
		sed -nE 's/^([a-z0-9-]+) ([^ ]+) # (.*)/- \1 `\2`: \3/p' "$f"
		echo
	done | sed '$ { /^$/d }'
}
check() { # CASE: the report of the fixture against the expected files
	local c=$1 rc=0 d f content
	fixture "$c"
	for d in res/[0-9]*-[0-9]*k; do
		"$top/scripts/step-record.sh" "$d"
	done
	# shellcheck disable=SC2046 # the options and sizes, word by word
	"$top/scripts/report-arm64.sh" $(args "$c") >out 2>rows.err || rc=$?
	echo "exit $rc" >>out
	cmp -s rows.err "res/rows.txt" || fail "the rows on stderr are not rows.txt"
	# This case's directory is WORK in the expected files.
	for f in out res/table.md res/rows.txt; do
		content=$(cat "$f")
		printf '%s\n' "${content//"$PWD"/WORK}" >"$f"
	done
	# The table up to the lists of tests left out, then those lists. A
	# cell naming this case's directory is cut at a length that depends
	# on that directory's: such cells are compared up to the path.
	sed -n '/^Left out of/q; p' res/table.md | sed '$ { /^$/d }' | cutpath >table.head
	cutpath <"$data/$c/table.md" >table.want
	cmp -s table.head table.want ||
		fail "table.md differs: $(diff table.want table.head | head -n 6 | tr '\n' ' ')"
	excluded "$c" >table.tail.want
	sed -n '/^Left out of/,$p' res/table.md >table.tail
	cmp -s table.tail table.tail.want ||
		fail "the tests left out differ: $(diff table.tail.want table.tail | head -n 4 | tr '\n' ' ')"
	for f in rows.txt counts; do
		cmp -s "res/$f" "$data/$c/$f" ||
			fail "$f differs: $(diff "$data/$c/$f" "res/$f" | head -n 6 | tr '\n' ' ')"
	done
	cmp -s out "$data/$c/out" || fail "output differs: $(diff "$data/$c/out" out | tr '\n' ' ')"
}

case_ends_pass() { check ends_pass; }
case_budget() { check budget; }
case_lost() { check lost; }
case_every_step() { check every_step; }
case_first_64k() { check first_64k; }

# A series of no patch: the base is the last step too, its boot rows are
# printed once (the old table printed them twice).
case_no_patch() {
	fixture no_patch
	"$top/scripts/step-record.sh" res/00-4k
	"$top/scripts/report-arm64.sh" res 4k >out 2>/dev/null || fail "exit $?: $(tail -n1 out)"
	[ "$(grep -c '^| 00 | 4k | PASS 7s |' res/table.md)" -eq 1 ] ||
		fail "the base's boot row is not there once: $(grep '^| 00 | 4k |' res/table.md | tr '\n' ' ')"
	[ "$(cat res/counts)" = "4 0 1" ] || fail "counts: $(cat res/counts)"
}
case_build_64k() { check build_64k; }

# A step directory without a record (step-record.sh not run): each of its
# verdicts is a failure, never a pass read from stale files.
case_no_record() {
	local rc=0
	fixture ends_pass
	"$top/scripts/report-arm64.sh" res 4k 64k >out 2>/dev/null || rc=$?
	[ $rc -eq 1 ] || fail "exit $rc, not 1"
	grep -qx 'arm64: 0 passed, 20 failed, 0 skipped' out || fail "$(tail -n1 out)"
}

[ "${1:-}" != --fixture ] || { fixture "$2"; exit 0; }
. "$top/ci/unit/cases.sh"
