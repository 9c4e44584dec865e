#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# No patch is larger than reviewers take without asking for a split.
# hmmci-check: 40 PATCHES
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 PATCH..." >&2; exit 2; }
limit=${HMMCI_PATCH_LINES:-800}
bad=() max=0
for p in "$@"; do
	n=$(grep -cE '^[+-][^+-]|^[+-]$' "$p" || true)
	[ "$n" -gt "$max" ] && max=$n
	[ "$n" -le "$limit" ] || bad+=("$(basename "$p") ($n changed lines)")
done
[ ${#bad[@]} -eq 0 ] || { echo "over $limit changed lines: ${bad[*]}"; exit 1; }
echo "largest patch: $max changed lines (limit $limit)"
