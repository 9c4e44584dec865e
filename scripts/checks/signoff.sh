#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every patch carries a Signed-off-by of its author (DCO).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
[ $# -ge 1 ] || { echo "usage: $0 PATCH..." >&2; exit 2; }
bad=()
for p in "$@"; do
	from=$(awk '/^$/ { exit } /^From:/ { s = $0; on = 1; next }
		on && /^[ \t]/ { s = s $0; next } { on = 0 } END { print s }' "$p" |
		sed -E 's/^From: *//; s/[ \t]+/ /g')
	grep -qxF "Signed-off-by: $from" "$p" || bad+=("$(basename "$p") (author: $from)")
done
[ ${#bad[@]} -eq 0 ] || { echo "no Signed-off-by of the author in: ${bad[*]}"; exit 1; }
echo "$# patches signed off by their authors"
