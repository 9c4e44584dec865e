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
	          [--list-steps | --step N | --steps A..B] [--reuse] [--force]
	          [--no-bench] [--odp-only]
	  --tree DIR --base REV  use your own kernel git tree and base commit
	                         (default: Debian's 7.3.4 source, tag v7.3.4)
	  --series FILE          quilt-style list (default: $HMMCI_TOP/series)
	  --patches DIR          where its patches are (default: patches/
	                         next to the series file)
	  --results DIR          where rows and logs go (default: results/series)
	  --quick                build only the objects a step touches; no boot
	  --no-boot              full builds, no QEMU
	  --list-steps           print "NN subject" per step (00 = base), exit
	  --step N, --steps A..B run steps A..B only: the patches before A are
	                         applied with git am alone, then A..B are built,
	                         booted and judged as in a full run
	  --reuse                copy the stored row of an unchanged step that
	                         passed (default with --step/--steps)
	  --force                rerun every step, never reuse (results of steps
	                         that pass are still stored)
	  --no-bench             no benchmarks in the guest of the last step
	                         (prove-tests.sh: its last step is a proof)
	  --odp-only             the guest of the last step runs rdma-core's tests
	                         as any other step does (ODP tests only, by the
	                         files its patch touches), not both versions'
	                         whole suites (prove-tests.sh: nothing compares
	                         its suites)
	  with HMMCI_DEADLINE (test.sh's time budget), a step that cannot be
	  built and booted before it is a SKIP row saying so
	  results are stored in \$HMMCI_CACHE/results/KEY, KEY = sha of the step's
	  tree, its parent's tree, the patch, the config fragments, the harness
	  version and the mode (quick/boot)
	USAGE
	exit 2
}

tree= base= series=$HMMCI_TOP/series results=$HMMCI_TOP/results/series patchdir=
quick=0 boot=1 setup=1 bench=1 whole=1
list=0 first= last= reuse= force=0
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
	--list-steps) list=1 ;;
	--step) [[ ${2:-} =~ ^[0-9]+$ ]] || usage; first=$((10#$2)) last=$first; shift ;;
	--steps) [[ ${2:-} =~ ^[0-9]+\.\.[0-9]+$ ]] || usage
		first=$((10#${2%%..*})) last=$((10#${2##*..})); shift ;;
	--reuse) reuse=1 ;;
	--force) force=1 ;;
	--no-bench) bench=0 ;;
	--odp-only) whole=0 ;;
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

if [ $list -eq 1 ]; then
	echo "00 (base) ${base:-$HMMCI_BASE_TAG}"
	for i in "${!patches[@]}"; do
		printf '%02d %s\n' $((i + 1)) "$(patch_subject "${patches[$i]}")"
	done
	exit 0
fi
# The step selection: all steps unless --step/--steps; reuse is on by
# default for a selection, off for a full run (whose rows stay as they
# were), and --force turns it off.
if [ -z "$first" ]; then
	first=0 last=${#patches[@]}
	reuse=${reuse:-0}
else
	reuse=${reuse:-1}
fi
[ $force -eq 1 ] && reuse=0
[ "$first" -le "$last" ] && [ "$last" -le ${#patches[@]} ] ||
	die steps "$series" "$0 --list-steps" \
		"steps $first..$last: the series has steps 0..${#patches[@]}"

cache_lock
if [ $setup -eq 1 ]; then
	"$HMMCI_TOP/scripts/setup-host.sh"
fi
need_cmd git make ccache "clang$HMMCI_CLANG_SUFFIX"

if [ -n "$tree" ]; then
	git -C "$tree" rev-parse -q --verify "$base^{commit}" >/dev/null ||
		die tree "$tree" "git -C $tree rev-parse $base" "base $base is not a commit in $tree"
	export HMMCI_WORKTREE=$HMMCI_CACHE/worktree
	worktree_ensure "$tree" "$HMMCI_WORKTREE" "$base"
else
	"$HMMCI_TOP/scripts/fetch-base.sh"
	base=$HMMCI_BASE_TAG
fi
# The guest's second userspace root, with the newest rdma-core; what it
# holds is part of each step's key.
groot=none
if [ $boot -eq 1 ]; then
	"$HMMCI_TOP/scripts/fetch-guestroot.sh"
	groot=$(sha256sum <"$HMMCI_GUESTROOT/.hmmci-root" | cut -c1-16)
fi
wt=(git -C "$HMMCI_WORKTREE")
# Start from the base, with nothing half-applied from an earlier run.
worktree_clean "$HMMCI_WORKTREE"
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

sparse_kind=
[ -n "$sparse_note" ] || sparse_kind=sparse

touched_c() {
	sed -nE 's#^\+\+\+ b/(.*\.c)$#\1#p' "$1" | sort -u
}

# W=1 results per object (build-w1.sh): w1_covers OBJDIR FILE.c...: OBJDIR
# was built for all of these files; w1_set OBJDIR OUTFILE FILE.c...: their
# warnings as one set in OUTFILE (OUTFILE.note when this config builds
# none of them).
w1_covers() {
	local dir=$1 f o
	shift
	[ -f "$dir/files" ] && [ ! -f "$dir/BUILD-FAILED" ] || return 1
	for f in "$@"; do
		grep -qxF "$f" "$dir/files" || return 1
		o=${f%.c}.o
		! grep -qx BUILD-FAILED "$dir/${o//\//%}.txt" 2>/dev/null || return 1
	done
}
w1_set() {
	local dir=$1 outfile=$2 f o any=0
	shift 2
	rm -f "$outfile" "$outfile.note"
	if [ -f "$dir/BUILD-FAILED" ]; then
		echo BUILD-FAILED >"$outfile"
		return
	fi
	{
		for f in "$@"; do
			o=${f%.c}.o
			[ -f "$dir/${o//\//%}.txt" ] || continue
			any=1
			cat "$dir/${o//\//%}.txt"
		done
		[ $any -eq 1 ] || echo "no objects" >"$outfile.note"
	} | sort -u >"$outfile"
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

build_and_boot() { # STEPDIR [--base] [TARGETS...]: the step runner's phases
	local d=$1
	shift
	if ! "$HMMCI_TOP/scripts/step.sh" build x86_64 "$out" "$d" "$@" 2>>"$d/errors.txt"; then
		[ -f "$d/build" ] || echo "FAIL see $d/errors.txt" >"$d/build"
		echo "SKIP build failed" >"$d/boot"
		return 1
	fi
	if [ $boot -eq 0 ]; then
		echo "SKIP ${bootwhy:-boot not requested}" >"$d/boot"
		return 0
	fi
	if ! "$HMMCI_TOP/scripts/step.sh" initramfs x86_64 "$out" "$d" 2>>"$d/errors.txt"; then
		echo "FAIL initramfs: $(tail -n4 "$d/errors.txt" | head -n1)" >"$d/boot"
		return 1
	fi
	# What the guest sees: the kernel image, the initramfs (built byte
	# for byte reproducible) and the boot settings. A step whose inputs
	# are those of the step booted before it (documentation, a patch
	# that changes nothing this config builds) reuses that boot's console
	# and guest results, judged again for this step.
	{
		if [ -f "$d/bzImage" ]; then sha256sum <"$d/bzImage"; else sha256sum <"$out/arch/x86/boot/bzImage"; fi
		sha256sum <"$d/initramfs.cpio.gz"
		echo "${HMMCI_COHERENT:-0} ${HMMCI_CMDLINE:-} ${HMMCI_HOSTROOT:-1}"
	} | sha256sum | cut -c1-24 >"$d/boot-inputs"
	if [ -n "$last_boot" ] && [ -f "$last_boot/qemu_rc" ] &&
		[ "$(cut -d' ' -f3 "$last_boot/qemu_rc")" = 0 ] &&
		cmp -s "$last_boot/boot-inputs" "$d/boot-inputs"; then
		log "boot: kernel image and initramfs identical to step $(basename "$last_boot"): its boot is reused, judged for this step"
		rm -rf "$d/guest"
		cp -a "$last_boot"/{console.log,qemu.log,guest,accel,boot_s,boot.cmd,qemu_rc} "$d/"
		basename "$last_boot" >"$d/boot-reused"
		read -r qrc qlimit qcapped <"$d/qemu_rc"
		"$HMMCI_TOP/scripts/judge-boot.sh" "$d" "$qrc" "$qlimit" "$qcapped" || return 1
		return 0
	fi
	last_boot=$d
	boot_with_retry "$d" "$HMMCI_TOP/scripts/step.sh" boot x86_64 "$out" "$d" || return 1
	# The accelerator that worked is kept for the following steps.
	[ -f "$d/accel" ] && export HMMCI_ACCEL=$(cat "$d/accel")
}

# Result reuse: a step that passed is stored under a key of everything its
# row depends on; an unchanged step copies it instead of rebuilding. With
# the row goes the warnings database after the step (build dir), so the
# next step that is built compares against the right set.
rcache=$HMMCI_CACHE/results
hver=$(harness_version)
chash=$(config_hash)
# The mode: what else a row depends on, the guest's settings and the
# tools (compilers, QEMU, the guest's userspace from the host's packages).
tools=$({
	gcc --version | head -n1
	"clang$HMMCI_CLANG_SUFFIX" --version | head -n1
	qemu-system-x86_64 --version | head -n1
	dpkg-query -W rdma-core python3-pyverbs ibverbs-providers libibverbs-dev \
		busybox-static 2>/dev/null || true
} | sha256sum | cut -c1-12)
mode="quick=$quick boot=$boot hostroot=${HMMCI_HOSTROOT:-1} clang=$HMMCI_CLANG_SUFFIX sparse=${sparse_kind:-none}"
mode+=" suites=${HMMCI_SUITES:-all} cmdline=${HMMCI_CMDLINE:-} coherent=${HMMCI_COHERENT:-0} tools=$tools"

predict_tree() { # TREE PATCH: the tree after PATCH on TREE, or nothing
	[ -n "$1" ] || return 0
	tree_after "$HMMCI_WORKTREE" "$1" "$2" || true
}

bench_at() { # I: 1 when the guest of step I runs the benchmarks
	[ $bench -eq 1 ] && [ "$1" -eq ${#patches[@]} ] && [ "$1" -gt 0 ] && echo 1 || echo 0
}

# rdma_core_at I: how much of rdma-core's tests the guest of step I runs
# (build-initramfs.sh). all: both rdma-core versions' whole suites, at the
# base and the last step, which scripts/checks/regressions.sh compares
# (not at the last step with --odp-only: a proof's last step is compared
# with nothing).
# odp: both versions' ODP tests and the FLUSH and ATOMIC WRITE tests built
# against the newest, at a step whose patch touches the RDMA core, rxe,
# the RDMA headers or hmm_range_fault() (mm/hmm.c, linux/hmm.h), which
# ODP calls. host-odp: the host's ODP tests, at the other steps. The
# whole suites cost about 2 minutes a boot under TCG (measured), too much
# for every step on a cold run.
rdma_core_at() {
	if [ "$1" -eq 0 ] || { [ $whole -eq 1 ] && [ "$1" -eq ${#patches[@]} ]; }; then
		echo all
	elif grep -qE '^\+\+\+ b/(drivers/infiniband/(core|sw/rxe)/|include/(rdma|uapi/rdma)/|mm/hmm\.c|include/linux/hmm\.h)' "${patches[$(($1 - 1))]}"; then
		echo odp
	else
		echo host-odp
	fi
}

key_of() { # I: the key of step I, or nothing when its tree is unknown
	local i=$1 parent=none patch=none
	[ -n "${trees[$i]}" ] || return 0
	if [ "$i" -gt 0 ]; then
		parent=${trees[$((i - 1))]}
		[ -n "$parent" ] || return 0
		patch=$(sha256sum <"${patches[$((i - 1))]}" | cut -d' ' -f1)
	fi
	printf '%s\n' "tree ${trees[$i]}" "parent $parent" "patch $patch" \
		"config $chash" "harness $hver" "mode $mode" \
		"bench $(bench_at "$i")" "rdma-core $(rdma_core_at "$i") $groot" |
		sha256sum | cut -c1-24
}

row_passed() { # STEPDIR: built, and no check failed (its record)
	grep -qx 'status=PASS' "$1/record" 2>/dev/null
}

store_row() { # STEPDIR KEY BASE(0|1): never fails the run
	local e=$rcache/$2 tmp=$rcache/.tmp.$$.$2
	[ -n "$2" ] && row_passed "$1" && [ -f "$out/.hmmci-warnings" ] || return 0
	if rm -rf "$tmp" && mkdir -p "$tmp/db" && cp -a "$1" "$tmp/row" &&
		rm -f "$tmp/row/reused" && cp "$out/.hmmci-warnings" "$tmp/db/warnings" &&
		{ [ "$3" = 0 ] || { cp "$out/.hmmci-warnings-base" "$tmp/db/warnings-base" &&
			cp "$out/.hmmci-base-tree" "$tmp/db/base-tree"; }; } &&
		rm -rf "$e" && mv "$tmp" "$e"; then
		log "step $(basename "$1"): passed, stored as $e"
	else
		rm -rf "$tmp"
		log "step $(basename "$1"): could not store the row in $e"
	fi
	return 0
}

reuse_row() { # STEPDIR KEY BASE(0|1): copy a stored row, or fail
	local e=$rcache/$2
	[ $reuse -eq 1 ] && [ -n "$2" ] && [ -d "$e/row" ] && [ -f "$e/db/warnings" ] &&
		cp -a "$e/row/." "$1/" && cp "$e/db/warnings" "$out/.hmmci-warnings" &&
		{ [ "$3" = 0 ] || { cp "$e/db/warnings-base" "$out/.hmmci-warnings-base" &&
			cp "$e/db/base-tree" "$out/.hmmci-base-tree"; }; } &&
		echo "$2" >"$1/reused" || return 1
	log "step $(basename "$1"): unchanged, reused $e"
}

# trees[I]: the tree after step I, predicted without touching the worktree.
trees=("$("${wt[@]}" rev-parse HEAD^{tree})")
for p in "${patches[@]}"; do
	trees+=("$(predict_tree "${trees[-1]}" "$p")")
done

# step_need: the seconds a step may take here, worst cases measured on
# 2 cores (docs/ci-time.md): a cold build of the test config or an
# incremental one, with W=1 and the boot (TCG, the benchmarks included).
step_need() { # [base]: the base of a lineage not built here is a full build
	local n=240
	[ -f "$out/vmlinux" ] || n=1500
	if [ "${1:-}" = base ] &&
		[ "$(cat "$out/.hmmci-base-tree" 2>/dev/null)" != "$("${wt[@]}" rev-parse HEAD^{tree})" ]; then
		n=1500
	fi
	[ $boot -eq 0 ] || n=$((n + 360))
	echo $n
}

bootwhy=
[ $quick -eq 1 ] && bootwhy="--quick: objects only"
[ $quick -eq 0 ] && [ $boot -eq 0 ] && bootwhy="--no-boot"

# A selection that starts after the base: the patches before it are only
# applied, and the warnings of the tree before it are the baseline (the
# stored database of that step when there is one, else a full build).
if [ "$first" -gt 0 ]; then
	log "steps $first..$last of ${#patches[@]}"
	for i in $(seq 1 $((first - 1))); do
		p=${patches[$((i - 1))]}
		log "== step $i: $(basename "$p") (git am only)"
		"$HMMCI_TOP/scripts/apply-patch.sh" "$p"
	done
	key=$(key_of $((first - 1)))
	fkey=$(key_of "$first")
	headtree=$("${wt[@]}" rev-parse HEAD^{tree})
	if [ $reuse -eq 1 ] && [ -n "$fkey" ] && [ -d "$rcache/$fkey/row" ] &&
		[ -f "$rcache/$fkey/db/warnings" ]; then
		log "baseline: not needed, step $first is stored (its database follows)"
	elif [ $reuse -eq 1 ] && [ -n "$key" ] && [ -f "$rcache/$key/db/warnings" ]; then
		cp "$rcache/$key/db/warnings" "$out/.hmmci-warnings"
		log "baseline: the warnings after step $((first - 1)) stored in $rcache/$key"
	elif [ -f "$out/.hmmci-warnings-base" ] &&
		[ "$(cat "$out/.hmmci-base-tree" 2>/dev/null)" = "$headtree" ]; then
		cp "$out/.hmmci-warnings-base" "$out/.hmmci-warnings"
		log "baseline: the recorded build of this tree"
	else
		mkdir -p "$results/baseline"
		log "baseline: full build of the tree after step $((first - 1))"
		"$HMMCI_TOP/scripts/step.sh" build x86_64 "$out" "$results/baseline" --base ||
			die baseline "$results/baseline/build.log" "$0 --steps $((first - 1))..$((first - 1))" \
				"the tree before step $first does not build"
	fi
fi

stop=0 last_boot=
# W=1 results of the step before (build-w1.sh's object dirs), by compiler.
declare -A w1_prev
w1_step=
# run_step I: apply, build, check and boot step I into $d (and $p, the
# patch); store_key, store_base: the key and kind (1: the base) of a row
# to store for reuse, when it passes (no key: an unknown tree, not
# stored).
# stop=1: the series cannot go on (the patch does not apply).
run_step() {
	local i=$1
	d=$results/$(printf '%02d' "$i")
	mkdir -p "$d"
	key=$(key_of "$i")
	if [ "$i" -eq 0 ]; then
		log "== step 0: base $base"
		if reuse_row "$d" "$key" 1; then
			echo "(base) $base" >"$d/subject"
			return 0
		fi
		echo "(base) $base" >"$d/subject"
		echo "PASS" >"$d/apply"
		need=$(step_need base)
		if ! in_budget "$need"; then
			budget_skip "x86_64 step 00" "$need" "$d/build" "$d/boot"
			return 0
		fi
		if [ $quick -eq 1 ] && [ -f "$out/.hmmci-warnings-base" ] &&
			[ "$(cat "$out/.hmmci-base-tree")" = "$("${wt[@]}" rev-parse HEAD^{tree})" ]; then
			cp "$out/.hmmci-warnings-base" "$out/.hmmci-warnings"
			echo "PASS reused the recorded base build" >"$d/build"
			echo 0 >"$d/build_s"
			echo "SKIP $bootwhy" >"$d/boot"
		else
			build_and_boot "$d" --base || true
		fi
		store_key=$key store_base=1
		return 0
	fi
	p=${patches[$((i - 1))]}
	subj=$(patch_subject "$p")
	echo "$subj" >"$d/subject"
	echo "$(basename "$p")" >"$d/patch"
	log "== step $i: $(basename "$p")"
	if [ $reuse -eq 1 ] && [ -n "$key" ] && [ -d "$rcache/$key/row" ] &&
		[ -f "$rcache/$key/db/warnings" ] && "$HMMCI_TOP/scripts/step.sh" apply "$d" "$p" 2>/dev/null &&
		reuse_row "$d" "$key" 0; then
		echo "$subj" >"$d/subject"
		return 0
	fi
	need=$(step_need)
	if ! in_budget "$need"; then
		# Applied all the same: the worktree ends at the tip of the
		# series, which check-series.sh reads.
		if "$HMMCI_TOP/scripts/step.sh" apply "$d" "$p"; then
			budget_skip "x86_64 step $(basename "$d")" "$need" "$d/build" "$d/boot"
		else
			stop=1
		fi
		return 0
	fi
	mapfile -t cfiles < <(touched_c "$p")
	# The next step's files: built with W=1 after this step, they are
	# its "before" (the same tree), so that no tree is built twice.
	nfiles=()
	[ "$i" -lt "$last" ] && mapfile -t nfiles < <(touched_c "${patches[$i]}")
	if [ $quick -eq 0 ] && [ ${#cfiles[@]} -gt 0 ]; then
		for kind in gcc clang ${sparse_kind:-}; do
			bdir=
			[ "$w1_step" != $((i - 1)) ] || bdir=${w1_prev[$kind]:-}
			if [ -z "$bdir" ] || ! w1_covers "$bdir" "${cfiles[@]}"; then
				bdir=$d/w1-$kind-before.d
				"$HMMCI_TOP/scripts/build-w1.sh" "$kind" "$bdir" \
					"${cfiles[@]}" 2>>"$d/errors.txt" || true
			else
				echo "$bdir" >"$d/w1-$kind-before.from"
			fi
			w1_set "$bdir" "$d/w1-$kind-before.txt" "${cfiles[@]}"
		done
	fi
	if ! "$HMMCI_TOP/scripts/step.sh" apply "$d" "$p"; then
		stop=1
		return 0
	fi
	"$HMMCI_TOP/scripts/step.sh" checkpatch "$d" "$p" ||
		echo "FAIL step.sh checkpatch exited $?" >"$d/checkpatch"

	# The benchmarks (hmm huge page mode, RDMA ODP over hugetlb) run in the
	# guest of the last step only.
	HMMCI_BENCH=$(bench_at "$i")
	HMMCI_RDMA_CORE=$(rdma_core_at "$i")
	export HMMCI_BENCH HMMCI_RDMA_CORE

	targets=()
	if [ $quick -eq 1 ]; then
		for f in "${cfiles[@]}"; do targets+=("${f%.c}.o"); done
		[ ${#targets[@]} -gt 0 ] || targets=(prepare)
	fi
	build_and_boot "$d" ${targets[@]+"${targets[@]}"} || true
	if [ $quick -eq 0 ] && [ ${#cfiles[@]} -gt 0 ] && [ "$(cut -d' ' -f1 "$d/build")" = PASS ]; then
		mapfile -t both < <(printf '%s\n' "${cfiles[@]}" "${nfiles[@]}" | sort -u)
		for kind in gcc clang ${sparse_kind:-}; do
			"$HMMCI_TOP/scripts/build-w1.sh" "$kind" "$d/w1-$kind.d" \
				"${both[@]}" 2>>"$d/errors.txt" || true
			w1_set "$d/w1-$kind.d" "$d/w1-$kind-after.txt" "${cfiles[@]}"
			w1_compare "$kind" "$d"
			w1_prev[$kind]=$d/w1-$kind.d
		done
		w1_step=$i
	fi
	store_key=$key store_base=0
	return 0
}

# sparse_verdict STEPDIR: the sparse column, from its W=1 run or the note
# why there is none.
sparse_verdict() {
	[ -f "$1/sparse" ] && return 0
	if [ -n "$sparse_note" ]; then
		echo "SKIP $sparse_note" >"$1/sparse"
	elif [ -f "$1/w1_sparse" ]; then
		cp "$1/w1_sparse" "$1/sparse"
	fi
}

# Each step ends with its record, written once, from which its row is
# reported and the decision to store it is taken.
for i in $(seq "$first" "$last"); do
	store_key='' store_base=''
	run_step "$i"
	sparse_verdict "$d"
	"$HMMCI_TOP/scripts/step-record.sh" "$d"
	[ -z "$store_key" ] || store_row "$d" "$store_key" "$store_base"
	[ $stop -eq 0 ] || break
done

"$HMMCI_TOP/scripts/report.sh" "$results"
[ $stop -eq 0 ] || die apply "$(cat "$d/apply" | cut -d' ' -f2-)" \
	"git -C $HMMCI_WORKTREE am --3way $p" "series stopped at $(basename "$p"): does not apply"
