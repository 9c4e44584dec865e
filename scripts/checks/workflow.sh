#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The GitHub workflow is valid: action-validator (npm package
# @action-validator/cli, pinned) on .github/workflows/series.yml, installed
# with the machine's npm client into $HMMCI_CACHE/npm on first use. Prints
# one line, PASS or FAIL with the reason; the validator's own output goes
# to $HMMCI_CACHE/npm/workflow.log.
# hmmci-check: 100 WORKFLOW
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
[ $# -le 1 ] || { echo "usage: $0 [WORKFLOW.yml]" >&2; exit 2; }
wf=${1:-$HMMCI_TOP/.github/workflows/series.yml}
ver=0.6.0
dir=$HMMCI_CACHE/npm
bin=$dir/node_modules/.bin/action-validator
pkgjson=$dir/node_modules/@action-validator/cli/package.json

[ -f "$wf" ] || { echo "FAIL no workflow file $wf"; exit 1; }
have=$(sed -nE 's/^  "version": "([^"]+)".*/\1/p' "$pkgjson" 2>/dev/null || true)
if [ ! -x "$bin" ] || [ "$have" != "$ver" ]; then
	command -v npm >/dev/null ||
		{ echo "FAIL npm is not installed (needed for @action-validator/cli $ver)"; exit 1; }
	mkdir -p "$dir"
	if ! npm install --no-audit --no-fund --prefix "$dir" \
		"@action-validator/cli@$ver" >"$dir/install.log" 2>&1; then
		echo "FAIL npm install @action-validator/cli@$ver failed: $(tail -n1 "$dir/install.log")"
		exit 1
	fi
fi
rc=0
"$bin" "$wf" >"$dir/workflow.log" 2>&1 || rc=$?
if [ $rc -ne 0 ]; then
	why=$({ grep -m1 -E '"(detail|title)"' "$dir/workflow.log" || head -n1 "$dir/workflow.log"; } |
		sed -E 's/^ *"(detail|title)": *"?//; s/",?$//')
	echo "FAIL action-validator $ver on ${wf#"$HMMCI_TOP"/}: ${why:-exit $rc}"
	exit 1
fi
echo "PASS action-validator $ver: ${wf#"$HMMCI_TOP"/} is a valid workflow"
