#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Incremental out-of-tree build of the worktree (ccache), with warnings
# compared, not counted: a warning (file + text, line numbers ignored) that
# no earlier build of this base lineage printed is new and listed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $0 [--base] OUTDIR RESULTDIR [TARGET...]" >&2
	exit 2
}
base=0
if [ "${1:-}" = --base ]; then
	base=1
	shift
fi
[ $# -ge 2 ] || usage
out=$1 res=$2
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(bzImage)
mkdir -p "$out" "$res"

# The config fragments: those of the x86_64 profile (ci/profiles/x86_64),
# or those a cross build names (HMMCI_FRAGMENTS, whitespace-separated
# paths; step.sh passes those of its profile).
if [ -n "${HMMCI_FRAGMENTS:-}" ]; then
	read -r -a frags <<<"$HMMCI_FRAGMENTS"
else
	profile_load x86_64
	frags=("${prof_fragments[@]}")
fi
"$HMMCI_TOP/scripts/make-config.sh" "$HMMCI_WORKTREE" "$out" "${frags[@]}"

db=$out/.hmmci-warnings
basedb=$out/.hmmci-warnings-base
baseid=$(git -C "$HMMCI_WORKTREE" rev-parse HEAD^{tree})
if [ $base -eq 1 ] && { [ ! -f "$basedb" ] ||
	[ "$(cat "$out/.hmmci-base-tree" 2>/dev/null)" != "$baseid" ]; }; then
	# The warnings of a base build must be complete: rebuild everything
	# (ccache replays the warnings of cached objects).
	log "build: new base lineage, full rebuild to record its warnings"
	kmake "$out" -s clean
fi

if [ -n "$HMMCI_CROSS_ARCH" ]; then
	cmd="make -C $HMMCI_WORKTREE O=$out ARCH=$HMMCI_CROSS_ARCH CROSS_COMPILE=$HMMCI_CROSS_COMPILE CC='ccache ${HMMCI_CROSS_COMPILE}gcc' -j$(jobs_n) ${targets[*]}"
else
	cmd="make -C $HMMCI_WORKTREE O=$out CC='ccache gcc' -j$(jobs_n) ${targets[*]}"
	[[ " ${targets[*]} " != *" bzImage "* ]] ||
		cmd="make -C $HMMCI_WORKTREE O=$out CC='ccache gcc' -j$(jobs_n) ${targets[*]/#bzImage/vmlinux} && CCACHE_DISABLE=1 make -C $HMMCI_WORKTREE O=$out CC='ccache gcc' -j$(jobs_n) bzImage"
fi
# x86's image through kmake_bzimage (lib.sh: without ccache, after vmlinux).
kbuild() {
	if [ -z "$HMMCI_CROSS_ARCH" ] && [[ " ${targets[*]} " == *" bzImage "* ]]; then
		local t rest=()
		for t in "${targets[@]}"; do [ "$t" = bzImage ] || rest+=("$t"); done
		kmake_bzimage "$out" -j"$(jobs_n)" ${rest[@]+"${rest[@]}"}
	else
		kmake "$out" -j"$(jobs_n)" "${targets[@]}"
	fi
}
echo "$cmd" >"$res/build.cmd"
t=$(date +%s)
if ! run_logged "$res/build.log" kbuild; then
	echo $(($(date +%s) - t)) >"$res/build_s"
	err=$(grep -m1 -E '(error|Error)[: ]' "$res/build.log" | sed "s#$HMMCI_WORKTREE/##g" || true)
	file=$(echo "$err" | sed -nE 's#^(\.\./)?([^: ]+):[0-9]+.*#\2#p')
	echo "FAIL ${file:-see build.log}: ${err:-see $res/build.log}" >"$res/build"
	grep -m5 -E 'error' "$res/build.log" >&2 || true
	die build "${file:-$res/build.log}" "$cmd" "build failed"
fi
echo $(($(date +%s) - t)) >"$res/build_s"
# The image this build made, kept with the step (boot-test.sh boots this
# copy, whatever later builds do to OUTDIR), and the banner it will print
# ("#N SMP ... date"), which boot-test.sh checks the guest printed.
img=$out/arch/x86/boot/bzImage
rm -f "$res/image-version" "$res/bzImage"
if [ -z "$HMMCI_CROSS_ARCH" ] && [[ " ${targets[*]} " == *" bzImage "* ]]; then
	need_cmd file
	cp "$img" "$res/bzImage"
	file -b "$res/bzImage" | grep -o '#[0-9][0-9]* [^,]*' >"$res/image-version" || true
	made=$(grep -o 'bzImage is ready *(#[0-9]*)' "$res/build.log" | grep -o '#[0-9]*' || true)
	if [ -n "$made" ] && [ "$made" != "$(cut -d' ' -f1 "$res/image-version")" ]; then
		echo "FAIL make reported image $made, $img is $(cat "$res/image-version")" >"$res/build"
		die build "$img" "$cmd" "the image in the build directory is not the one make built"
	fi
fi

warning_keys <"$res/build.log" >"$res/warnings.txt"
touch "$db"
if [ $base -eq 1 ]; then
	if [ -f "$basedb" ] && [ "$(cat "$out/.hmmci-base-tree" 2>/dev/null)" = "$baseid" ]; then
		sort -u "$basedb" "$res/warnings.txt" >"$db"
	else
		cp "$res/warnings.txt" "$db"
	fi
	cp "$db" "$basedb"
	echo "$baseid" >"$out/.hmmci-base-tree"
	: >"$res/new-warnings.txt"
else
	comm -13 "$db" "$res/warnings.txt" >"$res/new-warnings.txt"
	sort -u "$db" "$res/warnings.txt" -o "$db"
fi
n=$(wc -l <"$res/new-warnings.txt")
echo "PASS $(cat "$res/build_s")" >"$res/build"
if [ "$n" -gt 0 ]; then
	echo "FAIL $n new: $(head -n1 "$res/new-warnings.txt")" >"$res/warnings"
	cat "$res/new-warnings.txt" >&2
else
	echo "PASS warnings before: $(wc -l <"$db"), new: 0" >"$res/warnings"
fi
log "build: $(cat "$res/build_s")s, $(wc -l <"$res/warnings.txt") warnings printed, $n new"
