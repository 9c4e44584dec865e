#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Debug variant of a step: the test config plus ci/x86_64-debug/*.config
# (generic KASAN, lockdep, DEBUG_ATOMIC_SLEEP, DEBUG_VM), built in its own
# build dir, booted with the RDMA ODP huge page suite (its concurrent
# invalidation test above all) and the built-in KUnit suites. Fails on a
# KASAN report, a lockdep splat or any other kernel BUG/WARNING (judged by
# boot-test.sh and judge-results.py as a normal step), on lock debugging
# switched off, and when KASAN or lockdep did not run at all.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat >&2 <<EOF
usage: $0 [--rev REV | --as-is] [--all-suites] [RESULTDIR]
  Builds the last step of \`series\` ($HMMCI_BASE_TAG + patches/), or the
  commit REV of the kernel tree, in a worktree of its own
  (\$HMMCI_DEBUG_WORKTREE, default \$HMMCI_CACHE/wt-debug; --as-is: that
  worktree as it is, local changes included, nothing checked out) and the build
  dir \$HMMCI_BUILD/x86_64-debug; boots it on the test machine of
  ci/profiles/x86_64-debug, with only the rdma-odp-huge suite
  (--all-suites: every suite). Results in RESULTDIR (default
  results/debug-check). Environment: HMMCI_JOBS (make -j), and
  HMMCI_BOOT_TIMEOUT (default: the profile's, 3000 s).
EOF
	exit 2
}
rev='' all=0 asis=0
while [ $# -gt 0 ]; do
	case $1 in
	--rev) [ $# -ge 2 ] || usage; rev=$2; shift 2 ;;
	--as-is) asis=1; shift ;;
	--all-suites) all=1; shift ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -le 1 ] || usage
cache_lock
res=$(realpath -m "${1:-$HMMCI_TOP/results/debug-check}")
out=$HMMCI_BUILD/x86_64-debug
wt=${HMMCI_DEBUG_WORKTREE:-$HMMCI_CACHE/wt-debug}
tree=$HMMCI_BASE_TREE
need_cmd git make ccache
rm -rf "$res"
mkdir -p "$res" "$out"

# The tree to build: REV, or the base with every patch of the series.
g=(git -C "$tree")
if [ $asis -eq 1 ]; then
	[ -z "$rev" ] || usage
	[ -e "$wt/.git" ] || die debug "$wt" "ls $wt" "--as-is: no worktree there"
	want=
elif [ -n "$rev" ]; then
	want=$("${g[@]}" rev-parse -q --verify "$rev^{tree}") ||
		die debug "$tree" "git -C $tree rev-parse $rev" "$rev is not a commit in $tree"
else
	want=$("${g[@]}" rev-parse "$HMMCI_BASE_TAG^{tree}")
	while read -r p; do
		want=$(tree_after "$tree" "$want" "$p") ||
			die debug "$p" "git apply --check $p" "patch does not apply"
	done < <(series_patches)
fi
# Made when missing; an existing one (HMMCI_DEBUG_WORKTREE may name the
# operator's own checkout) is never removed here.
if [ $asis -eq 0 ] && [ ! -e "$wt/.git" ]; then
	"${g[@]}" worktree prune
	"${g[@]}" worktree add -q --detach "$wt" "$HMMCI_BASE_TAG"
fi
export HMMCI_WORKTREE=$wt
w=(git -C "$wt")
# Check out only when the tree differs, so an unchanged tree rebuilds
# nothing.
if [ $asis -eq 1 ]; then
	"${w[@]}" status --short --untracked-files=no >"$res/local-changes"
	[ ! -s "$res/local-changes" ] ||
		log "debug: --as-is, local changes: $(tr '\n' ' ' <"$res/local-changes")"
elif [ "$("${w[@]}" rev-parse 'HEAD^{tree}')" != "$want" ] ||
	[ -n "$("${w[@]}" status --porcelain --untracked-files=no)" ]; then
	worktree_clean "$wt"
	if [ -n "$rev" ]; then
		"${w[@]}" checkout -q --detach "$rev"
	else
		"${w[@]}" checkout -q --detach "$HMMCI_BASE_TAG"
		while read -r p; do
			"$HMMCI_TOP/scripts/apply-patch.sh" "$p"
		done < <(series_patches)
	fi
fi
[ $asis -eq 1 ] || [ "$("${w[@]}" rev-parse 'HEAD^{tree}')" = "$want" ] ||
	die debug "$wt" "git -C $wt status" "worktree is not at the tree to test"
"${w[@]}" log --oneline -1 >"$res/head"
log "debug: $(cat "$res/head") in $wt, build dir $out"

# The debug variant's test machine: ci/profiles/x86_64-debug. Its build
# is not step.sh's: warnings are judged on the test config (run-series.sh),
# and a KASAN build has no base lineage to compare them with.
profile_load x86_64-debug
"$HMMCI_TOP/scripts/make-config.sh" "$wt" "$out" "${prof_fragments[@]}"
jobs=${HMMCI_JOBS:-$(jobs_n)}
echo "make -C $wt O=$out CC='ccache gcc' -j$jobs vmlinux && CCACHE_DISABLE=1 make -C $wt O=$out CC='ccache gcc' -j$jobs bzImage" >"$res/build.cmd"
t=$(date +%s)
run_logged "$res/build.log" kmake_bzimage "$out" -j"$jobs" ||
	die debug "$res/build.log" "$(cat "$res/build.cmd")" "debug build failed"
echo $(($(date +%s) - t)) >"$res/build_s"

# Its suite (--all-suites: every suite), its command line and timeout
# (HMMCI_BOOT_TIMEOUT overrides it), through the step runner. The timeout
# holds under KVM too, where boot-test.sh's default is 600 s: KASAN and
# lockdep slow a guest down on any accelerator.
if [ $all -eq 1 ]; then
	export HMMCI_SUITES=all
else
	unset HMMCI_SUITES
fi
export HMMCI_BOOT_TIMEOUT=${HMMCI_BOOT_TIMEOUT:-$prof_timeout}
"$HMMCI_TOP/scripts/step.sh" initramfs x86_64-debug "$out" "$res"
rc=0
"$HMMCI_TOP/scripts/step.sh" boot x86_64-debug "$out" "$res" || rc=$?

# Beyond a normal step: the debug options must really have run, and lock
# debugging must not have been switched off on the way (lockdep stops at
# its first report or at a taint, and would then see nothing more).
con=$res/console.log
why=()
for f in boot kunit kselftest; do
	v=$(cat "$res/$f" 2>/dev/null || echo "FAIL no result")
	case $v in FAIL*) why+=("$f: $v") ;; esac
done
grep -q 'KernelAddressSanitizer initialized' "$con" ||
	why+=("KASAN not initialized")
grep -q 'Lock dependency validator' "$con" || why+=("lockdep did not start")
off=$(grep -m1 -E 'turning off the locking correctness validator|Disabling lock debugging' "$con" || true)
[ -z "$off" ] || why+=("lock debugging off: ${off#\[*\] }")
grep -qE '^ok [0-9]+ odp_huge_2m_concurrent_invalidate$' \
	"$res/guest/rdma-odp-huge.log" 2>/dev/null ||
	why+=("odp_huge_2m_concurrent_invalidate did not pass")
[ $rc -eq 0 ] || [ ${#why[@]} -gt 0 ] || why+=("boot-test.sh exited $rc")

row="build $(cat "$res/build_s")s, boot $(cat "$res/boot_s" 2>/dev/null || echo -)s $(cat "$res/accel" 2>/dev/null || true)"
if [ ${#why[@]} -gt 0 ]; then
	printf '%s\n' "${why[@]}" >"$res/failures-debug.txt"
	echo "FAIL ${why[0]} ($row)" >"$res/debug-check"
else
	echo "PASS kunit $(cat "$res/kunit"); kselftest $(cat "$res/kselftest") ($row)" >"$res/debug-check"
fi
log "debug-check: $(cat "$res/debug-check")"
[ ${#why[@]} -eq 0 ]
