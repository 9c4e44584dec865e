#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The series CI: apply the patches in `series` one by one on the base and,
# for the base and every step, build (new warnings fail), W=1 with gcc and
# clang on the files the step touches, checkpatch --strict, sparse where a
# usable one exists, boot in QEMU with KUnit and kselftests. Prints one
# table and a last line "N passed, N failed".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat >&2 <<-USAGE
	usage: $0 [--tree DIR --base REV] [--series FILE] [--results DIR]
	          [--quick] [--no-boot] [--no-setup]
	  --tree DIR --base REV  use your own kernel git tree and base commit
	                         (default: Debian's 7.3.4 source, tag v7.3.4)
	  --series FILE          quilt-style list (default: $HMMCI_TOP/series)
	  --patches DIR          where its patches are (default: patches/
	                         next to the series file)
	  --results DIR          where rows and logs go (default: results/series)
	  --quick                build only the objects a step touches; no boot
	  --no-boot              full builds, no QEMU
	USAGE
	exit 2
}

tree= base= series=$HMMCI_TOP/series results=$HMMCI_TOP/results/series patchdir=
quick=0 boot=1 setup=1
while [ $# -gt 0 ]; do
	case $1 in
	--tree) tree=$(realpath "$2"); shift ;;
	--base) base=$2; shift ;;
	--series) series=$(realpath "$2"); shift ;;
	--patches) patchdir=$(realpath "$2"); shift ;;
	--results) results=$2; shift ;;
	--quick) quick=1 boot=0 ;;
	--no-boot) boot=0 ;;
	--no-setup) setup=0 ;;
	*) usage ;;
	esac
	shift
done
[ -n "$tree" ] && [ -z "$base" ] && usage
[ -f "$series" ] || die series "$series" "ls $series" "series file missing"
[ -n "$patchdir" ] || patchdir=$(dirname "$series")/patches

# Read the series and check every patch exists before touching anything.
patches=()
while read -r line; do
	case $line in '' | '#'*) continue ;; esac
	p=${line%% *}
	[ -f "$patchdir/$p" ] || die series "$patchdir/$p" "ls $patchdir" \
		"series names $p, which does not exist"
	patches+=("$patchdir/$p")
done <"$series"

if [ $setup -eq 1 ]; then
	"$HMMCI_TOP/scripts/setup-host.sh"
fi
need_cmd git make ccache "clang$HMMCI_CLANG_SUFFIX"

if [ -n "$tree" ]; then
	git -C "$tree" rev-parse -q --verify "$base^{commit}" >/dev/null ||
		die tree "$tree" "git -C $tree rev-parse $base" "base $base is not a commit in $tree"
	export HMMCI_WORKTREE=$HMMCI_CACHE/worktree
	if [ "$(git -C "$HMMCI_WORKTREE" rev-parse --git-common-dir 2>/dev/null)" != \
		"$(git -C "$tree" rev-parse --path-format=absolute --git-common-dir)" ]; then
		rm -rf "$HMMCI_WORKTREE"
		git -C "$tree" worktree prune
		git -C "$tree" worktree add -q --detach "$HMMCI_WORKTREE" "$base"
	fi
else
	"$HMMCI_TOP/scripts/fetch-base.sh"
	base=$HMMCI_BASE_TAG
fi
wt=(git -C "$HMMCI_WORKTREE")
# Start from the base, with nothing half-applied from an earlier run.
if [ -d "$("${wt[@]}" rev-parse --git-path rebase-apply)" ]; then
	"${wt[@]}" am --abort || true
fi
"${wt[@]}" reset -q --hard
"${wt[@]}" checkout -q --detach "$base"
baseid=$("${wt[@]}" rev-parse HEAD)
log "series: ${#patches[@]} patches on $base ($baseid) in $HMMCI_WORKTREE"

rm -rf "$results"
mkdir -p "$results"
echo "$base $baseid" >"$results/base"
out=$HMMCI_BUILD/x86_64
mkdir -p "$out"

# sparse: only where a usable one is installed (the kernel's own test).
sparse_note=
if ! command -v sparse >/dev/null; then
	sparse_note="sparse not installed"
elif [ "$(sh "$HMMCI_WORKTREE/scripts/checker-valid.sh" sparse 2>/dev/null)" != 1 ]; then
	sparse_note="$(sparse --version 2>&1 | head -n1) cannot check this tree (scripts/checker-valid.sh: no __typeof_unqual__; make C=2 prints 'sparse is not available or not up to date')"
fi

# checkpatch types ignored, each with its reason in ci/checkpatch.ignore.
cp_ignore=$(sed -nE 's/^([A-Z_]+)[[:space:]]*#.*/\1/p' "$HMMCI_TOP/ci/checkpatch.ignore" | paste -sd, -)

# checkpatch.pl --strict in the tree (as a developer runs it), with
# Debian's python3 for its SPDX check (python3-ply, python3-git).
checkpatch() {
	(cd "$HMMCI_WORKTREE" && PATH=/usr/bin:/bin:$PATH \
		./scripts/checkpatch.pl --strict -q --show-types "$@" 2>&1) || true
}

sparse_kind=
[ -n "$sparse_note" ] || sparse_kind=sparse

touched_c() {
	sed -nE 's#^\+\+\+ b/(.*\.c)$#\1#p' "$1" | sort -u
}

w1_compare() { # KIND STEPDIR: before/after warnings of the touched objects
	local kind=$1 d=$2 n
	if [ -f "$d/w1-$kind-after.txt.note" ] || [ ! -f "$d/w1-$kind-after.txt" ]; then
		echo "SKIP no object of this config touched" >"$d/w1_$kind"
		return
	fi
	if grep -qx BUILD-FAILED "$d/w1-$kind-after.txt"; then
		echo "FAIL W=1 $kind build failed" >"$d/w1_$kind"
		return
	fi
	comm -13 <(sort -u "$d/w1-$kind-before.txt") <(sort -u "$d/w1-$kind-after.txt") \
		>"$d/w1-$kind-new.txt"
	n=$(wc -l <"$d/w1-$kind-new.txt")
	if [ "$n" -gt 0 ]; then
		echo "FAIL $n new: $(head -n1 "$d/w1-$kind-new.txt")" >"$d/w1_$kind"
	else
		echo "PASS before: $(wc -l <"$d/w1-$kind-before.txt"), after: $(wc -l <"$d/w1-$kind-after.txt")" >"$d/w1_$kind"
	fi
}

build_and_boot() { # STEPDIR [--base] [TARGETS...]
	local d=$1
	shift
	if ! "$HMMCI_TOP/scripts/build-kernel.sh" "$@" 2>>"$d/errors.txt"; then
		[ -f "$d/build" ] || echo "FAIL see $d/errors.txt" >"$d/build"
		echo "SKIP build failed" >"$d/boot"
		return 1
	fi
	if [ $boot -eq 0 ]; then
		echo "SKIP ${bootwhy:-boot not requested}" >"$d/boot"
		return 0
	fi
	if ! "$HMMCI_TOP/scripts/build-initramfs.sh" "$out" "$d" 2>>"$d/errors.txt"; then
		echo "FAIL initramfs: $(tail -n4 "$d/errors.txt" | head -n1)" >"$d/boot"
		return 1
	fi
	"$HMMCI_TOP/scripts/boot-test.sh" "$out" "$d" || return 1
	# The accelerator that worked is kept for the following steps.
	[ -f "$d/accel" ] && export HMMCI_ACCEL=$(cat "$d/accel")
}

bootwhy=
[ $quick -eq 1 ] && bootwhy="--quick: objects only"
[ $quick -eq 0 ] && [ $boot -eq 0 ] && bootwhy="--no-boot"
stop=0
for i in $(seq 0 ${#patches[@]}); do
	d=$results/$(printf '%02d' "$i")
	mkdir -p "$d"
	if [ "$i" -eq 0 ]; then
		echo "(base) $base" >"$d/subject"
		echo "PASS" >"$d/apply"
		log "== step 0: base $base"
		if [ $quick -eq 1 ] && [ -f "$out/.hmmci-warnings-base" ] &&
			[ "$(cat "$out/.hmmci-base-tree")" = "$("${wt[@]}" rev-parse HEAD^{tree})" ]; then
			cp "$out/.hmmci-warnings-base" "$out/.hmmci-warnings"
			echo "PASS reused the recorded base build" >"$d/build"
			echo 0 >"$d/build_s"
			echo "SKIP $bootwhy" >"$d/boot"
		else
			build_and_boot "$d" --base "$out" "$d" || true
		fi
		continue
	fi
	p=${patches[$((i - 1))]}
	subj=$(patch_subject "$p")
	echo "$subj" >"$d/subject"
	echo "$(basename "$p")" >"$d/patch"
	log "== step $i: $(basename "$p")"
	mapfile -t cfiles < <(touched_c "$p")
	if [ $quick -eq 0 ] && [ ${#cfiles[@]} -gt 0 ]; then
		for kind in gcc clang ${sparse_kind:-}; do
			"$HMMCI_TOP/scripts/build-w1.sh" "$kind" "$d/w1-$kind-before.txt" \
				"${cfiles[@]}" 2>>"$d/errors.txt" || true
		done
	fi
	if ! "$HMMCI_TOP/scripts/apply-patch.sh" "$p" 2>"$d/apply.log"; then
		cat "$d/apply.log" >&2
		echo "FAIL $(sed -n 's/^  file: *//p' "$d/apply.log")" >"$d/apply"
		stop=1
		break
	fi
	echo PASS >"$d/apply"

	cp=$(checkpatch ${cp_ignore:+--ignore "$cp_ignore"} "$p")
	# FILE_PATH_CHANGES asks "does MAINTAINERS need updating?" for every
	# new file: answer it with get_maintainer.pl, and accept the patch when
	# every added file already has a subsystem other than THE REST.
	if echo "$cp" | grep -q 'WARNING:FILE_PATH_CHANGES'; then
		uncovered=
		for f in $("${wt[@]}" show --diff-filter=A --name-only --format= HEAD); do
			subsys=$(cd "$HMMCI_WORKTREE" && perl scripts/get_maintainer.pl --no-git \
				--no-git-fallback --no-rolestats --subsystem --no-email --no-l \
				--no-m -f "$f" 2>/dev/null | grep -v '^THE REST$' || true)
			if [ -z "$subsys" ]; then
				uncovered+=" $f"
			else
				echo "$f: covered by $(echo "$subsys" | paste -sd, -)" >>"$d/maintainers.txt"
			fi
		done
		if [ -z "$uncovered" ]; then
			cp=$(checkpatch --ignore "${cp_ignore:+$cp_ignore,}FILE_PATH_CHANGES" "$p")
		fi
	fi
	echo "$cp" >"$d/checkpatch.log"
	tot=$(echo "$cp" | grep -E '^total:' | tail -n1 || true)
	if [ -z "$cp" ] || echo "$tot" | grep -q '^total: 0 errors, 0 warnings, 0 checks'; then
		echo PASS >"$d/checkpatch"
	else
		echo "FAIL ${tot:-$(echo "$cp" | head -n1)}" >"$d/checkpatch"
	fi

	# The hmm huge page benchmark runs in the guest of the last step only.
	HMMCI_BENCH=0
	[ "$i" -eq ${#patches[@]} ] && HMMCI_BENCH=1
	export HMMCI_BENCH

	targets=()
	if [ $quick -eq 1 ]; then
		for f in "${cfiles[@]}"; do targets+=("${f%.c}.o"); done
		[ ${#targets[@]} -gt 0 ] || targets=(prepare)
	fi
	build_and_boot "$d" "$out" "$d" "${targets[@]}" || true
	if [ $quick -eq 0 ] && [ ${#cfiles[@]} -gt 0 ] && [ "$(cut -d' ' -f1 "$d/build")" = PASS ]; then
		for kind in gcc clang ${sparse_kind:-}; do
			"$HMMCI_TOP/scripts/build-w1.sh" "$kind" "$d/w1-$kind-after.txt" \
				"${cfiles[@]}" 2>>"$d/errors.txt" || true
			w1_compare "$kind" "$d"
		done
	fi
done
for d in "$results"/[0-9][0-9]; do
	[ -f "$d/sparse" ] && continue
	if [ -n "$sparse_note" ]; then
		echo "SKIP $sparse_note" >"$d/sparse"
	elif [ -f "$d/w1_sparse" ]; then
		cp "$d/w1_sparse" "$d/sparse"
	fi
done

"$HMMCI_TOP/scripts/report.sh" "$results"
[ $stop -eq 0 ] || die apply "$(cat "$d/apply" | cut -d' ' -f2-)" \
	"git -C $HMMCI_WORKTREE am --3way $p" "series stopped at $(basename "$p"): does not apply"
