#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The series has a filled-in cover letter numbered for its length, and
# every patch is numbered n/N in order; it carries base-commit:, b4's
# change-id: and a "Changes in vN:" section.
# hmmci-check: 50 COVER PATCHES
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
[ $# -ge 2 ] || { echo "usage: $0 COVER PATCH..." >&2; exit 2; }
cover=$1
shift
n=$#
prefix=$(series_prefix)
[ -f "$cover" ] || { echo "no cover letter ($cover)"; exit 1; }
grep -q "^Subject: \[$prefix 0*0/$n\] " "$cover" ||
	{ echo "cover letter is not [$prefix 0/$n]: $(grep -m1 '^Subject:' "$cover")"; exit 1; }
if grep -q '\*\*\* \(SUBJECT\|BLURB\) HERE \*\*\*' "$cover"; then
	echo "cover letter still has the format-patch placeholders"
	exit 1
fi
grep -q '^base-commit: [0-9a-f]\{40\}$' "$cover" || { echo "cover letter has no base-commit:"; exit 1; }
grep -q '^change-id: [0-9]\{8\}-[a-z0-9-]*$' "$cover" || { echo "cover letter has no change-id:"; exit 1; }
grep -q '^Changes in v[0-9]*:$' "$cover" || { echo "cover letter has no 'Changes in vN:'"; exit 1; }
i=0
for p in "$@"; do
	i=$((i + 1))
	grep -q "^Subject: \[$prefix 0*$i/$n\] " "$p" ||
		{ echo "$(basename "$p") is not numbered $i/$n"; exit 1; }
done
echo "cover letter [$prefix 0/$n] with base-commit, change-id and changes, patches numbered 1..$n"
