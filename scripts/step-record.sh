#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Write a step's result record, STEPDIR/record: one "key=value" line per
# fact, from the verdict files the step's checks wrote (ci/step-checks.txt)
# and its timings. report.sh makes the table of records alone. status is
# FAIL when any check failed, PASS when the step was built and none
# failed, SKIP otherwise (not built: the time budget, --quick's base);
# reason names the first check that failed or skipped. The record is
# written last and whole (a new file renamed into place), once per step.
#
#   step=03  subject=...  patch=0003-....patch  status=PASS  reason=
#   apply=PASS ...  build=PASS ...  (one per check; absent: not run)
#   build_s=41  boot_s=222  accel=tcg  reused=KEY  boot_reused=02  flaky=...
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: $0 STEPDIR" >&2; exit 2; }
d=$1

first_line() { # FILE: its first line, or nothing when it does not exist
	[ -f "$1" ] || return 0
	head -n1 "$1" | tr -d '\r'
}

status="" reason=""
{
	echo "step=$(basename "$d")"
	echo "subject=$(first_line "$d/subject")"
	echo "patch=$(first_line "$d/patch")"
	for c in $(step_checks); do
		[ -f "$d/$c" ] || continue
		v=$(first_line "$d/$c")
		echo "$c=$v"
		case $v in
		FAIL*) [ "$status" = FAIL ] || { status=FAIL; reason="$c: ${v#FAIL }"; } ;;
		SKIP*) [ -n "$reason" ] || reason="$c: ${v#SKIP }" ;;
		esac
	done
	if [ -z "$status" ]; then
		case $(first_line "$d/build") in
		PASS*) status=PASS reason= ;;
		*) status=SKIP; [ -n "$reason" ] || reason="build: not run" ;;
		esac
	fi
	echo "status=$status"
	echo "reason=$reason"
	for kf in build_s:build_s boot_s:boot_s accel:accel reused:reused \
		boot_reused:boot-reused flaky:flaky.txt; do
		[ -f "$d/${kf#*:}" ] || continue
		echo "${kf%%:*}=$(first_line "$d/${kf#*:}")"
	done
} >"$d/record.tmp"
mv "$d/record.tmp" "$d/record"
