#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# MAINTAINERS-snippet, merged into the tip's MAINTAINERS: every entry has a
# status and a list or a person, every F: pattern matches a file at the
# tip, and get_maintainer.pl (--mpath on the merged file) names the entry
# for each of its files. The full --self-test takes minutes here; this
# checks the same properties for the entries the series adds. Every file
# the patches given create is covered by an entry other than THE REST.
# hmmci-check: 70 SNIPPET PATCHES
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
snippet=${1:-$HMMCI_TOP/MAINTAINERS-snippet}
[ $# -eq 0 ] || shift
[ -f "$snippet" ] || { echo "no $snippet"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$HMMCI_WORKTREE/MAINTAINERS" "$tmp/MAINTAINERS"
{ grep -v '^#' "$snippet" || true; } | sed '/./,$!d' >"$tmp/snippet"
{ echo; cat "$tmp/snippet"; } >>"$tmp/MAINTAINERS"
bad=() n=0
section=
while IFS= read -r line; do
	case $line in
	'') section= ;;
	F:*)
		pat=${line#F:}
		pat=${pat//[[:space:]]/}
		files=$(cd "$HMMCI_WORKTREE" && git ls-files -- "$pat" | head -n 20)
		[ -n "$files" ] || bad+=("$section: F: $pat matches no file")
		for f in $files; do
			(cd "$HMMCI_WORKTREE" && perl scripts/get_maintainer.pl --mpath "$tmp/MAINTAINERS" \
				--no-git --no-git-fallback --subsystem --no-email --no-l --no-m --no-r \
				-f "$f" 2>/dev/null) | grep -qxF "$section" ||
				bad+=("get_maintainer.pl does not name '$section' for $f")
		done ;;
	[A-Z]:*) ;;
	*)
		if [ -z "$section" ]; then
			section=$line
			n=$((n + 1))
			[ "$(grep -cxF "$line" "$tmp/MAINTAINERS")" -eq 1 ] ||
				bad+=("duplicate section '$line'")
		fi ;;
	esac
done <"$tmp/snippet"
for s in $(awk 'BEGIN { RS = "" } { print NR }' "$tmp/snippet"); do
	entry=$(awk -v n="$s" 'BEGIN { RS = "" } NR == n' "$tmp/snippet")
	echo "$entry" | grep -q '^S:' || bad+=("entry $s has no S:")
	echo "$entry" | grep -qE '^(M|R|L):' || bad+=("entry $s has no M:, R: or L:")
done
new=()
for p in "$@"; do
	mapfile -t -O ${#new[@]} new < <(awk '/^diff --git / { f = $4; sub(/^b\//, "", f) }
		/^new file mode/ { print f }' "$p")
done
for f in "${new[@]}"; do
	subs=$(cd "$HMMCI_WORKTREE" && perl scripts/get_maintainer.pl --mpath "$tmp/MAINTAINERS" \
		--no-git --no-git-fallback --subsystem --no-email --no-l --no-m --no-r \
		-f "$f" 2>/dev/null | grep -vx 'THE REST' || true)
	[ -n "$subs" ] || bad+=("no MAINTAINERS entry but THE REST covers the new file $f")
done
[ ${#bad[@]} -eq 0 ] || { echo "${bad[*]}"; exit 1; }
echo "$n entries: patterns match, get_maintainer.pl names them; ${#new[@]} new files covered"
