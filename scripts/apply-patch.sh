#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# git am one patch onto the worktree. A patch that does not apply stops
# here: the patch and the failing file are named and `git am --abort`
# leaves the tree as it was.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || { echo "usage: $0 PATCH" >&2; exit 2; }
patch=$(realpath "$1")
[ -f "$patch" ] || die apply "$patch" "ls $patch" "patch file missing"

gitc=(git -C "$HMMCI_WORKTREE")
# git am needs a committer; use the machine's identity when there is one.
"${gitc[@]}" config user.name >/dev/null || gitc+=(-c user.name=hmmci)
"${gitc[@]}" config user.email >/dev/null || gitc+=(-c user.email=hmmci@invalid)

out=$(mktemp)
if "${gitc[@]}" am -q --3way --keep-cr "$patch" >"$out" 2>&1; then
	rm -f "$out"
	exit 0
fi
cat "$out" >&2
file=$(sed -nE 's/^error: patch failed: ([^:]+):[0-9]+.*/\1/p; s/^error: ([^:]+): does not exist in index.*/\1/p; s/^CONFLICT \(content\): Merge conflict in (.*)/\1/p' "$out" | head -n1)
rm -f "$out"
"${gitc[@]}" am --abort >/dev/null 2>&1 || true
"${gitc[@]}" reset -q --hard
[ -z "$("${gitc[@]}" status --porcelain --untracked-files=no)" ] ||
	echo "WARNING: worktree not clean after git am --abort" >&2
die apply "${file:-unknown (see git am output above)}" \
	"git -C $HMMCI_WORKTREE am --3way $patch" \
	"patch $(basename "$patch") does not apply"
