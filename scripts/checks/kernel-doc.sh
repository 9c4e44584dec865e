#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/kernel-doc -none -Wall on every .c/.h file the series touches:
# no warning that the file did not already have at the base (compared by
# text, line numbers ignored). Needs the worktree at the series tip.
# hmmci-check: 80 BASE PATCHES
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
[ $# -ge 2 ] || { echo "usage: $0 BASE PATCH...  (worktree at the series tip)" >&2; exit 2; }
base=$1
shift
files=$(sed -nE 's#^\+\+\+ b/(.*\.[ch])$#\1#p' "$@" | sort -u)
[ -n "$files" ] || { echo "no .c/.h file touched"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kdoc() { # FILE LABEL: warnings, normalised
	(cd "$HMMCI_WORKTREE" && PATH=/usr/bin:/bin:$PATH ./scripts/kernel-doc -none -Wall "$1" 2>&1 || true) |
		sed -E "s#$1:[0-9]+#$2#; s#:[0-9]+ # #" | sort -u
}
new=
for f in $files; do
	[ -f "$HMMCI_WORKTREE/$f" ] || continue
	: >"$tmp/before"
	if git -C "$HMMCI_WORKTREE" cat-file -e "$base:$f" 2>/dev/null; then
		mkdir -p "$tmp/base/$(dirname "$f")"
		git -C "$HMMCI_WORKTREE" show "$base:$f" >"$tmp/base/$f"
		kdoc "$tmp/base/$f" "$f" >"$tmp/before"
	fi
	kdoc "$f" "$f" >"$tmp/after"
	new+=$(comm -13 "$tmp/before" "$tmp/after")
done
if [ -n "$new" ]; then
	echo "$(echo "$new" | wc -l) new kernel-doc warnings, first: $(echo "$new" | head -n1)"
	exit 1
fi
echo "$(echo "$files" | wc -w) files: no new kernel-doc warning"
