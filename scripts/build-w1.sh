#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the objects of the given .c files with W=1 (or C=2, sparse), with
# gcc or clang, in a separate output dir, and write each object's warnings
# (file + text, see warning_keys) to OBJDIR/<object>.txt, with / in its
# path written as %. make runs with --output-sync=target, so the lines of
# one object (its "  CC" line, the compiler's and objtool's warnings) come
# as one block and are told apart by that line; what other recipes print
# (prepare) is no object's. make -k: an object that failed has the line
# BUILD-FAILED in its file and the others are still built.
# OBJDIR/none: no object of this config; OBJDIR/BUILD-FAILED: nothing
# could be built (the config step failed).
#
# run-series.sh builds, after step N, the objects of step N and of step
# N+1: the second set is step N+1's "before", on the same tree, so it is
# never built twice.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $0 gcc|clang|sparse OBJDIR FILE.c..." >&2
	exit 2
}
[ $# -ge 2 ] || usage
cc=$1 objdir=$2
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
rm -rf "$objdir"
mkdir -p "$objdir"
# Whatever stops this script before the objects are filed marks the dir.
trap '[ -f "$objdir/files" ] || [ -f "$objdir/none" ] || echo BUILD-FAILED >"$objdir/BUILD-FAILED"' EXIT

objs=()
for f in "$@"; do
	[ -f "$HMMCI_WORKTREE/$f" ] || continue
	# Only objects this config builds (the main build made them).
	[ -f "$main/${f%.c}.o" ] || [ "${HMMCI_W1_ALL:-0}" = 1 ] || continue
	objs+=("${f%.c}.o")
done
if [ ${#objs[@]} -eq 0 ]; then
	echo "no objects" >"$objdir/none"
	exit 0
fi

mk=(kmake)
cfg=()
if [ "$cc" = clang ]; then
	mk=(kmake_clang)
	cfg=(clang)
fi
profile_load x86_64
"$HMMCI_TOP/scripts/make-config.sh" "$HMMCI_WORKTREE" "$out" "${cfg[@]}" \
	"${prof_fragments[@]}"
# Rebuild the objects every time (a W=1 build of an object that is up to
# date prints nothing).
for o in "${objs[@]}"; do rm -f "$out/$o"; done
log "w1/$cc: ${objs[*]}"
mrc=0
"${mk[@]}" "$out" -k -j"$(jobs_n)" --output-sync=target "${flags[@]}" "${objs[@]}" \
	>"$objdir/build.log" 2>&1 || mrc=$?

# Split the log at each "  CC ... OBJECT" line (CHECK for sparse) of a
# requested object; the blocks of other recipes go to _discard.
printf '%s\n' "${objs[@]}" >"$objdir/objects"
awk -v dir="$objdir" -v wt="$HMMCI_WORKTREE" '
	FNR == NR { want[$0] = 1; next }
	FNR == 1 { cur = dir "/_discard.log" }
	/^  (CC|CHECK)( \[M\])? / {
		o = $NF
		sub("^" wt "/", "", o)
		sub(/^\.\.\//, "", o)
		sub(/\.c$/, ".o", o)
		if (o in want) {
			gsub("/", "%", o)
			cur = dir "/" o ".log"
		} else {
			cur = dir "/_discard.log"
		}
	}
	{ print > cur }' "$objdir/objects" "$objdir/build.log"
rm -f "$objdir/_discard.log"
failed=()
for o in "${objs[@]}"; do
	l=$objdir/${o//\//%}.log
	touch "$l"
	warning_keys <"$l" >"${l%.log}.txt"
	rm -f "$l"
	if [ $mrc -ne 0 ] && [ ! -f "$out/$o" ]; then
		echo BUILD-FAILED >>"${l%.log}.txt"
		failed+=("$o")
	fi
done
printf '%s\n' "$@" >"$objdir/files"
if [ $mrc -ne 0 ]; then
	grep -m5 error "$objdir/build.log" >&2 || true
	die "w1-$cc" "${failed[*]:-${objs[*]}}" \
		"make -C $HMMCI_WORKTREE O=$out ${flags[*]} ${objs[*]}" "${flags[*]} $cc build failed"
fi
