#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# patches/ is generated, never edited by hand: import it into a branch
# (import-series.sh) and export that branch again (export-series.sh); the
# result must be byte-identical to patches/ and series.
# hmmci-check: 60
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
[ $# -eq 0 ] || { echo "usage: $0" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; git -C "$HMMCI_BASE_TREE" worktree remove --force "$HMMCI_CACHE/dev-hmmci-reexport" 2>/dev/null || true; git -C "$HMMCI_BASE_TREE" branch -D hmmci-reexport >/dev/null 2>&1 || true' EXIT
"$HMMCI_TOP/scripts/import-series.sh" hmmci-reexport >"$tmp/import.log" 2>&1 ||
	{ echo "import failed: $(grep -m1 ERROR "$tmp/import.log")"; exit 1; }
"$HMMCI_TOP/scripts/export-series.sh" --out "$tmp/out" hmmci-reexport >"$tmp/export.log" 2>&1 ||
	{ echo "export failed: $(grep -m1 ERROR "$tmp/export.log")"; exit 1; }
if ! diff -r "$HMMCI_TOP/patches" "$tmp/out/patches" >"$tmp/diff" ||
	! diff "$HMMCI_TOP/series" "$tmp/out/series" >>"$tmp/diff"; then
	echo "re-export differs from patches/ (hand-edited, or exported from another branch): $(head -n3 "$tmp/diff" | tr '\n' ' ')"
	exit 1
fi
echo "re-export of $(grep -vc '^#' "$HMMCI_TOP/series") patches is byte-identical"
