#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the objects of the given .c files with W=1, with gcc or clang, in a
# separate output dir, and write their warnings (file + text) to OUTFILE.
# Run once before and once after a step; compare-w1.sh diffs the two.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $0 gcc|clang|sparse OUTFILE FILE.c..." >&2
	exit 2
}
[ $# -ge 2 ] || usage
cc=$1 outfile=$2
shift 2
case $cc in gcc | clang | sparse) ;; *) usage ;; esac
flags=(W=1)
if [ "$cc" = sparse ]; then
	flags=(C=2)
	out=$HMMCI_BUILD/x86_64-w1-gcc
else
	out=$HMMCI_BUILD/x86_64-w1-$cc
fi
main=$HMMCI_BUILD/x86_64
mkdir -p "$out"
: >"$outfile"

objs=()
for f in "$@"; do
	[ -f "$HMMCI_WORKTREE/$f" ] || continue
	# Only objects this config builds (the main build made them).
	[ -f "$main/${f%.c}.o" ] || [ "${HMMCI_W1_ALL:-0}" = 1 ] || continue
	objs+=("${f%.c}.o")
done
if [ ${#objs[@]} -eq 0 ]; then
	echo "no objects" >"$outfile.note"
	exit 0
fi
rm -f "$outfile.note"

mk=(kmake)
cfg=()
if [ "$cc" = clang ]; then
	mk=(kmake_clang)
	cfg=(clang)
fi
"$HMMCI_TOP/scripts/make-config.sh" "$HMMCI_WORKTREE" "$out" "${cfg[@]}" \
	"$HMMCI_TOP"/ci/x86_64/*.config
# Rebuild the objects every time (a W=1 build of an object that is up to
# date prints nothing).
for o in "${objs[@]}"; do rm -f "$out/$o"; done
log "w1/$cc: ${objs[*]}"
if ! "${mk[@]}" "$out" -j"$(jobs_n)" "${flags[@]}" "${objs[@]}" >"$outfile.log" 2>&1; then
	grep -m5 error "$outfile.log" >&2 || true
	echo "BUILD-FAILED" >>"$outfile"
	die "w1-$cc" "${objs[*]}" \
		"make -C $HMMCI_WORKTREE O=$out ${flags[*]} ${objs[*]}" "${flags[*]} $cc build failed"
fi
warning_keys <"$outfile.log" >"$outfile"
