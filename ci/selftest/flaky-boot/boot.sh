#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A stand-in for boot-test.sh in the harness self-test: writes the
# verdicts judge-boot.sh writes. "once": a KUnit failure at the first
# boot of STEPDIR, a pass at the next; "always": a failure every time.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 once|always STEPDIR" >&2; exit 2; }
mode=$1 d=$2
mkdir -p "$d"
echo PASS >"$d/boot"
echo "PASS 1/0/0" >"$d/kselftest"
if [ "$mode" = always ] || [ ! -f "$d/.booted" ]; then
	touch "$d/.booted"
	echo "FAIL 0/1/0 failed: selftest.fake_case" >"$d/kunit"
	echo "kunit: selftest.fake_case" >"$d/failures.txt"
else
	echo "PASS 1/0/0" >"$d/kunit"
	: >"$d/failures.txt"
fi
