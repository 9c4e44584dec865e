#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The b4 dry run (scripts/b4-dry-run.sh) succeeds and its checks of the
# messages pass; on failure the last line says why.
# hmmci-check: 90 OUT/b4
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
rc=0
out=$("$HMMCI_TOP/scripts/b4-dry-run.sh" "$1" 2>&1) || rc=$?
echo "$out"
[ $rc -eq 0 ] || { echo "$out" | grep -m1 '^ERROR' || true; exit 1; }
