#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tests of scripts/step-record.sh (a step's record from its verdict files,
# ci/step-checks.txt) and scripts/report.sh (the per-step table and the
# counts, from records alone), on step directories made here.
#
# usage: test_record_report.sh --list | CASE
# --list prints the cases, one a line; CASE runs one in the current
# directory (scripts/unit-tests.sh gives each its own mktemp -d) and exits
# 0 (pass) or 1 (fail, the reason on stdout).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)

fail() {
	echo "$*"
	exit 1
}
# shellcheck source=stepdir.sh
. "$top/ci/unit/stepdir.sh"
# step NN SUBJECT CHECK=VERDICT...: a step directory with those files
step() { stepdir "series/$1" "${@:2}"; }
passing() { # NN: a step whose every check passed
	step "$1" "subject of $1" apply=PASS build="PASS 12" build_s=12 \
		warnings="PASS warnings before: 3, new: 0" w1_gcc=PASS w1_clang=PASS \
		checkpatch=PASS sparse="SKIP no usable sparse" boot=PASS boot_s=40 \
		accel=tcg kunit="PASS 17/0/0" kselftest="PASS 300/0/400 xfail:2"
}
record() { # NN: write its record
	bash "$top/scripts/step-record.sh" "series/$1" || fail "step-record.sh $1 exited $?"
}
has() { # NN LINE: the record of NN has LINE
	grep -qxF -- "$2" "series/$1/record" ||
		fail "record of $1 has no line \"$2\": $(tr '\n' ';' <"series/$1/record")"
}
report() {
	bash "$top/scripts/report.sh" series >out 2>err || fail "report.sh exited $?: $(cat err)"
}
row() { # NN: the table's row of step NN
	grep "^| $1 |" series/table.md || fail "no row $1 in the table"
}

case_record_of_a_passing_step() {
	passing 03
	record 03
	has 03 "status=PASS"
	has 03 "reason="
	has 03 "step=03"
	has 03 "build=PASS 12"
	has 03 "kselftest=PASS 300/0/400 xfail:2"
	has 03 "build_s=12"
	has 03 "boot_s=40"
	! grep -q '^reused=' series/03/record || fail "a step not reused says reused"
}

# One check that failed fails the step, whatever the others say, and the
# reason names it; the first failure is the reason.
case_record_of_a_failing_step() {
	passing 04
	echo "FAIL 2 new: mm/hmm.c: warning: unused variable" >series/04/warnings
	echo "FAIL 1/1/0" >series/04/kunit
	record 04
	has 04 "status=FAIL"
	has 04 "reason=warnings: 2 new: mm/hmm.c: warning: unused variable"
}

# Not built (the time budget): SKIP, with the budget's reason.
case_record_of_a_budget_skip() {
	step 05 "subject of 05" apply=PASS \
		build="SKIP time budget: 100s left before the deadline, this needs ~600s" \
		boot="SKIP time budget: 100s left before the deadline, this needs ~600s"
	record 05
	has 05 "status=SKIP"
	has 05 "reason=build: time budget: 100s left before the deadline, this needs ~600s"
}

# A build that failed: FAIL, even with no other verdict.
case_record_of_a_build_failure() {
	step 06 "subject of 06" apply=PASS build="FAIL mm/hmm.c: error: expected ';'" \
		boot="SKIP build failed"
	record 06
	has 06 "status=FAIL"
	has 06 "reason=build: mm/hmm.c: error: expected ';'"
}

# A row copied from the store says so, with its key, and its boot reuse.
case_record_of_a_reused_step() {
	passing 07
	echo 0123456789abcdef01234567 >series/07/reused
	echo 06 >series/07/boot-reused
	record 07
	has 07 "reused=0123456789abcdef01234567"
	has 07 "boot_reused=06"
}

# The record is written whole, once: no temporary file stays, and a
# second call replaces it (the verdicts may have changed).
case_record_replaced_whole() {
	passing 08
	record 08
	echo "FAIL 1 new" >series/08/w1_gcc
	record 08
	has 08 "status=FAIL"
	[ "$(grep -c '^status=' series/08/record)" -eq 1 ] || fail "two status lines"
	[ ! -e series/08/record.tmp ] || fail "record.tmp left behind"
}

# The table: the columns of ci/step-checks.txt, a cell per verdict, "-"
# where a check did not run, and the counts of every verdict.
case_report_table_and_counts() {
	passing 00
	rm series/00/w1_gcc series/00/w1_clang series/00/checkpatch
	passing 01
	echo "FAIL 2 new: x" >series/01/warnings
	report
	head -n1 series/table.md | grep -qF "| step | patch | apply | build s | new warnings | W=1 gcc | W=1 clang | checkpatch | sparse | boot | KUnit p/f/s | kselftest p/f/s |" ||
		fail "header: $(head -n1 series/table.md)"
	[ "$(row 00)" = "| 00 | subject of 00 | PASS | PASS 12 | 0 | - | - | - | SKIP | PASS 40s tcg | PASS 17/0/0 | PASS 300/0/400 xfail:2 |" ] ||
		fail "row 00: $(row 00)"
	[ "$(row 01)" = "| 01 | subject of 01 | PASS | PASS 12 | FAIL 2 | PASS | PASS | PASS | SKIP | PASS 40s tcg | PASS 17/0/0 | PASS 300/0/400 xfail:2 |" ] ||
		fail "row 01: $(row 01)"
	# 00: 6 PASS, 1 SKIP; 01: 8 PASS, 1 FAIL, 1 SKIP
	[ "$(cat series/counts)" = "14 1 2" ] || fail "counts: $(cat series/counts)"
	tail -n1 out | grep -qx "14 passed, 1 failed, 2 skipped" || fail "last line: $(tail -n1 out)"
	grep -qF "step 01 warnings: FAILED (2 new: x)" out || fail "the failure is not listed"
}

# A step directory without a record (an older harness) gets one, and
# the table is the same as with it.
case_report_writes_a_missing_record() {
	passing 02
	report
	[ -f series/02/record ] || fail "no record written"
	cp series/table.md first.md
	report
	cmp -s first.md series/table.md || fail "the table changed with the record in place"
}

# A reused row and a reused boot are marked in their cells.
case_report_marks_reuse() {
	passing 03
	echo key >series/03/reused
	echo 02 >series/03/boot-reused
	report
	row 03 | grep -qF "| PASS 12 (reused) |" || fail "build cell: $(row 03)"
	row 03 | grep -qF "| PASS 40s tcg (boot of step 02, same image) |" || fail "boot cell: $(row 03)"
}

. "$(dirname "$0")/cases.sh"
