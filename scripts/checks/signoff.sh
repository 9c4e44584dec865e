#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every patch carries a Signed-off-by of its author (DCO).
# hmmci-check: 10 PATCHES
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
[ $# -ge 1 ] || { echo "usage: $0 PATCH..." >&2; exit 2; }
bad=()
for p in "$@"; do
	from=$(mail_header "$p" From)
	grep -qxF "Signed-off-by: $from" "$p" || bad+=("$(basename "$p") (author: $from)")
done
[ ${#bad[@]} -eq 0 ] || { echo "no Signed-off-by of the author in: ${bad[*]}"; exit 1; }
echo "$# patches signed off by their authors"
