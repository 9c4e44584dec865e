#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Recreate the development branch from patches/ (git am on the base), to
# edit the series and export it again with export-series.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $0 [--tree DIR] [--base REV] BRANCH   (default tree: $HMMCI_BASE_TREE)" >&2
	exit 2
}
parse_branch_args usage "$@"
cache_lock
[ "$tree" != "$HMMCI_BASE_TREE" ] || "$HMMCI_TOP/scripts/fetch-base.sh"
wt=$HMMCI_CACHE/dev-$branch
# Made when missing; an existing one is the developer's (it may hold
# work not committed yet): never removed here.
if [ ! -e "$wt/.git" ]; then
	git -C "$tree" worktree prune
	git -C "$tree" worktree add -q --detach "$wt" "$base"
fi
git -C "$wt" checkout -q -B "$branch" "$base"
while read -r p; do
	case $p in '' | '#'*) continue ;; esac
	git -C "$wt" am -q --3way "$HMMCI_TOP/patches/$p" || {
		git -C "$wt" am --abort || true
		die import "patches/$p" "git -C $wt am --3way $HMMCI_TOP/patches/$p" "patch does not apply"
	}
done <"$HMMCI_TOP/series"
log "import: $branch in $wt, $(git -C "$wt" rev-list --count "$base..$branch") patches on $base"
