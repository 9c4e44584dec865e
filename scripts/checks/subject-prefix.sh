#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Each subject's prefix is one the touched paths use upstream
# (ci/subject-prefixes.txt: path prefix, then the allowed subject prefixes).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
[ $# -ge 1 ] || { echo "usage: $0 PATCH..." >&2; exit 2; }
rules=$HMMCI_TOP/ci/subject-prefixes.txt
bad=()
for p in "$@"; do
	subj=$(patch_subject "$p")
	prefix="${subj%%: *}:"
	while read -r f; do
		allowed=$(awk -v f="$f" '!/^#/ && NF > 1 && index(f, $1) == 1 {
			$1 = ""; print; exit }' "$rules")
		if [ -z "$allowed" ]; then
			bad+=("$(basename "$p"): no rule for $f in ci/subject-prefixes.txt")
		elif ! printf '%s\n' $allowed | grep -qxF "$prefix"; then
			bad+=("$(basename "$p"): '$prefix' for $f (allowed:$allowed)")
		fi
	done < <(sed -nE 's#^\+\+\+ b/(.*)#\1#p; s#^--- a/(.*)#\1#p' "$p" | sort -u)
	[[ $subj =~ \.$ ]] && bad+=("$(basename "$p"): subject ends with a period")
done
[ ${#bad[@]} -eq 0 ] || { echo "${bad[*]}"; exit 1; }
echo "$# subjects match their paths"
