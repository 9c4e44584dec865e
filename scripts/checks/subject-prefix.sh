#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Each subject's prefix is one the touched paths use upstream
# (ci/subject-prefixes.txt: path prefix, then the allowed subject prefixes).
# A patch that also updates callers in another subsystem (e.g. an mm/
# change and its only RDMA user, kept together for bisectability) takes
# the prefix of the file it changes most, as upstream does: the prefix
# must fit that file, and every touched file must have a rule.
# hmmci-check: 30 PATCHES
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
[ $# -ge 1 ] || { echo "usage: $0 PATCH..." >&2; exit 2; }
rules=$HMMCI_TOP/ci/subject-prefixes.txt
bad=()
allowed_for() { # FILE: the allowed prefixes of its first matching rule
	awk -v f="$1" '!/^#/ && NF > 1 && index(f, $1) == 1 {
		$1 = ""; print; exit }' "$rules"
}
for p in "$@"; do
	subj=$(patch_subject "$p")
	prefix="${subj%%: *}:"
	fits=()
	while read -r f; do
		allowed=$(allowed_for "$f")
		if [ -z "$allowed" ]; then
			bad+=("$(basename "$p"): no rule for $f in ci/subject-prefixes.txt")
		elif printf '%s\n' $allowed | grep -qxF "$prefix"; then
			fits+=("$f")
		fi
	done < <(sed -nE 's#^\+\+\+ b/(.*)#\1#p; s#^--- a/(.*)#\1#p' "$p" | sort -u)
	# The file with the most changed lines, from the diff itself.
	main=$(awk '/^diff --git / { f = $4; sub(/^b\//, "", f); next }
		/^(\+\+\+|---) / { next }
		/^[+-]/ && f != "" { n[f]++ }
		END { for (k in n) if (n[k] > m) { m = n[k]; best = k }; print best }' "$p")
	if [ -n "$main" ] && [ -n "$(allowed_for "$main")" ] &&
		! printf '%s\n' "${fits[@]}" | grep -qxF "$main"; then
		bad+=("$(basename "$p"): '$prefix' for $main, the file it changes most (allowed:$(allowed_for "$main"))")
	fi
	[[ $subj =~ \.$ ]] && bad+=("$(basename "$p"): subject ends with a period")
done
[ ${#bad[@]} -eq 0 ] || { echo "${bad[*]}"; exit 1; }
echo "$# subjects match the paths they change most"
