#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fixes: tags have the form the kernel documents: 12+ hex digits and the
# subject in ("..."), on one line; a patch with Fixes: also Cc's stable.
# hmmci-check: 20 PATCHES
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 PATCH..." >&2; exit 2; }
bad=() n=0
for p in "$@"; do
	while IFS= read -r line; do
		n=$((n + 1))
		[[ $line =~ ^Fixes:\ [0-9a-f]{12,40}\ \(\".+\"\)$ ]] ||
			bad+=("$(basename "$p"): '$line'")
	done < <(grep '^Fixes:' "$p" || true)
	if grep -q '^Fixes:' "$p" && ! grep -q '^Cc: stable@vger.kernel.org' "$p"; then
		bad+=("$(basename "$p"): Fixes: without Cc: stable@vger.kernel.org")
	fi
done
[ ${#bad[@]} -eq 0 ] || { printf '%s\n' "malformed: ${bad[*]}"; exit 1; }
echo "$n Fixes: tags well formed"
