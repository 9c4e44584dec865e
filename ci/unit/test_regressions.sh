#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tests of scripts/checks/regressions.sh: it compares the guest suites' TAP
# of the base (series/00/guest) with the last step's, and fails when a test
# that passes at the base does not pass at the last step, or when a test
# the MUSTPASS list names does not pass there. The TAP files are the
# recorded ones of ci/unit/data/judge/tap and ci/unit/data/regressions.
#
# usage: test_regressions.sh --list | CASE
# --list prints the cases, one a line; CASE runs one in the current
# directory (scripts/unit-tests.sh gives each its own mktemp -d) and exits
# 0 (pass), 1 (fail, the reason on stdout), 4 (skip) or 5 (a known bug of
# regressions.sh shows, as its case describes).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
check=$top/scripts/checks/regressions.sh
tap=$top/ci/unit/data/judge/tap
data=$top/ci/unit/data/regressions

fail() {
	echo "$*"
	[ ! -s out ] || sed 's/^/  | /' out
	exit 1
}
# step DIR STATUS-LINES... -- SUITE=FIXTURE...: DIR/guest with a status
# file and the suites' logs (FIXTURE: a path, or a name in data/judge/tap)
step() {
	local d=$1 s
	shift
	mkdir -p "$d/guest"
	echo boot:ok >"$d/guest/status"
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		echo "$1" >>"$d/guest/status"
		shift
	done
	echo done:ok >>"$d/guest/status"
	[ $# -eq 0 ] || shift
	for s in "$@"; do
		case ${s#*=} in
		/*) cp "${s#*=}" "$d/guest/${s%%=*}.log" ;;
		*) cp "$tap/${s#*=}.log" "$d/guest/${s%%=*}.log" ;;
		esac
	done
}
base() {
	step 00 hmm-fault:'fail(rc=1)' rdma-odp:'fail(rc=1)' -- \
		hmm-fault=hmm-fault-before-fix rdma-odp="$data/rdma-odp-base.log"
}
# regressions [MUSTPASS]: run the check; its exit code in $rc, output in out
regressions() {
	rc=0
	bash "$check" 00/guest 23/guest "${1:-$data/must-pass.txt}" table.md \
		>out 2>err || rc=$?
}
expect_rc() {
	[ "$rc" -eq "$1" ] || fail "regressions.sh exited $rc, expected $1"
}
expect_line() {
	grep -qxF -- "$1" "${2:-out}" || fail "no line \"$1\" in ${2:-out}"
}

# The base's failures are fixed at the last step, nothing that passed
# there breaks: exit 0, and the table shows both ends.
case_no_regression() {
	base
	step 23 hmm-fault:pass rdma-odp:pass -- \
		hmm-fault=hmm-fault-fixed rdma-odp=rdma-odp-pass
	regressions
	expect_rc 0
	expect_line "no test that passes at the base fails at the last step; 2 required passes hold (table: table.md)"
	[ "$(wc -l <out)" -eq 1 ] || fail "more than one line of output"
	expect_line "| hmm-fault | 1 / 2 / 0 | 3 / 0 / 0 |" table.md
	expect_line "| rdma-odp | 1 / 11 / 0 | 12 / 0 / 0 |" table.md
	expect_line "| hmm-fault | hugetlb_2m_read_fault_once | fail | pass |" table.md
	expect_line "| rdma-odp | odp_4g_mr_far_end | fail | pass |" table.md
	! grep -q odp_iova_4k_page_offset_einval table.md ||
		fail "a test with the same result at both ends is in the table of differences"
	[ ! -e table.md.tsv ] || fail "table.md.tsv left behind"
}

# odp_iova_4k_page_offset_einval passes at the base and fails at the
# last step: a regression, exit 1.
case_regression() {
	base
	step 23 hmm-fault:pass rdma-odp:'fail(rc=1)' -- \
		hmm-fault=hmm-fault-fixed rdma-odp=rdma-odp-one-fail
	regressions
	expect_rc 1
	expect_line "rdma-odp odp_iova_4k_page_offset_einval (pass at the base, fail at the last step)"
	expect_line "1 regressions or missing passes (table: table.md)"
	expect_line "| rdma-odp | odp_iova_4k_page_offset_einval | pass | fail |" table.md
}

# A suite that did not run at the last step: its base passes are
# regressions ("none"), and so is the required pass it holds.
case_suite_missing_at_last_step() {
	base
	step 23 hmm-fault:pass -- hmm-fault=hmm-fault-fixed
	regressions
	expect_rc 1
	expect_line "rdma-odp odp_iova_4k_page_offset_einval (pass at the base, none at the last step)"
	expect_line "rdma-odp odp_4g_mr_far_end must pass at the last step (none)"
	expect_line "2 regressions or missing passes (table: table.md)"
}

# A required pass that still fails at the last step (failing at both
# ends is no regression, but MUSTPASS asks for a pass).
case_required_pass_fails() {
	base
	step 23 hmm-fault:'fail(rc=1)' rdma-odp:pass -- \
		hmm-fault=hmm-fault-before-fix rdma-odp=rdma-odp-pass
	regressions
	expect_rc 1
	expect_line "hmm-fault hugetlb_2m_read_fault_once must pass at the last step (fail)"
	expect_line "1 regressions or missing passes (table: table.md)"
}

# A suite skipped as a whole at the last step ("1..0 # SKIP", its share
# missing) is named, and its required passes are not counted.
case_suite_skipped_at_last_step() {
	base
	step 23 hmm-fault:pass rdma-odp:pass rdma-core-unstable:skip -- \
		hmm-fault=hmm-fault-fixed rdma-odp=rdma-odp-pass \
		rdma-core-unstable=rdma-core-unstable-skipped
	{ cat "$data/must-pass.txt"
	  echo "rdma-core-unstable test_odp.OdpTestCase.test_odp_rc_huge_traffic"
	} >must.txt
	regressions must.txt
	expect_rc 0
	expect_line "rdma-core-unstable skipped at the last step: no guestroot 9p share"
	expect_line "no test that passes at the base fails at the last step; 3 required passes hold (table: table.md)"
}

# A last step that was not booted (time budget): exit 4 with its reason;
# one that has no results for another reason: exit 1.
case_last_step_not_booted() {
	base
	mkdir -p 23/guest
	cp "$data/boot-budget-skip" 23/boot
	regressions
	expect_rc 4
	expect_line "no guest results in 23/guest: $(cat "$data/boot-budget-skip")"
	echo "FAIL /init did not run" >23/boot
	regressions
	expect_rc 1
	expect_line "no guest results in 23/guest: FAIL /init did not run"
}

# The base's guest dir has its status file but no suite log (they were
# lost): each suite that ran without its log is named, exit 1 (it used
# to pass: "no test that passes at the base fails at the last step").
case_base_logs_missing() {
	step 00 hmm-fault:'fail(rc=1)' rdma-odp:'fail(rc=1)'
	step 23 hmm-fault:pass rdma-odp:pass -- \
		hmm-fault=hmm-fault-fixed rdma-odp=rdma-odp-pass
	regressions
	expect_rc 1
	expect_line "hmm-fault: ran, but 00/guest/hmm-fault.log is missing"
	expect_line "rdma-odp: ran, but 00/guest/rdma-odp.log is missing"
	[ ! -s err ] || fail "stderr: $(cat err)"
}

. "$(dirname "$0")/cases.sh"
