#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The step runner: one phase of one step of the worktree, on the test
# machine of a profile (ci/profiles/NAME), with its verdict files in
# STEPDIR. run-series.sh (x86_64, every step) and arm64-check.sh (arm64,
# 4k and 64k) run their steps through it; debug-check.sh (x86_64-debug)
# its initramfs and boot, after a build of its own.
#
#   apply      git am of the step's patch (apply-patch.sh): apply, and
#              apply.log; on failure the patch and the file are named
#   checkpatch checkpatch.pl --strict on the patch, in the worktree (the
#              tree's own checkpatch, types ignored as ci/checkpatch.ignore
#              says), after its apply phase: the files it adds are read
#              from HEAD: checkpatch, checkpatch.log, maintainers.txt
#   build      config from the profile's fragments, incremental build of
#              its targets (or TARGET...), new warnings against the base
#              lineage of OUTDIR (build-kernel.sh): build, warnings
#   initramfs  the guest's initramfs with the profile's suites and
#              excluded tests (build-initramfs.sh), and a copy of the
#              image in STEPDIR, which the boot takes, whatever later
#              builds do to OUTDIR
#   boot       QEMU and the judges (boot-test.sh --profile): boot, kunit,
#              kselftest
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $0 build|initramfs|boot PROFILE OUTDIR STEPDIR" \
		"[--base] [TARGET...]" >&2
	echo "       $0 apply|checkpatch STEPDIR PATCH" >&2
	echo "  --base, TARGET...: build only (--base: the first build" \
		"of a lineage)" >&2
	exit 2
}

# checkpatch.pl --strict in the tree (as a developer runs it), with
# Debian's python3 for its SPDX check (python3-ply, python3-git).
checkpatch() {
	(cd "$HMMCI_WORKTREE" && PATH=/usr/bin:/bin:$PATH \
		./scripts/checkpatch.pl --strict -q --show-types "$@" 2>&1) || true
}

case ${1:-} in
apply)
	[ $# -eq 3 ] || usage
	res=$2 patch=$3
	mkdir -p "$res"
	if ! "$HMMCI_TOP/scripts/apply-patch.sh" "$patch" 2>"$res/apply.log"; then
		cat "$res/apply.log" >&2
		echo "FAIL $(sed -n 's/^  file: *//p' "$res/apply.log")" >"$res/apply"
		exit 1
	fi
	echo PASS >"$res/apply"
	exit 0
	;;
checkpatch)
	[ $# -eq 3 ] || usage
	res=$2 patch=$3
	mkdir -p "$res"
	# The types ignored, each with its reason in ci/checkpatch.ignore.
	ignore=$(sed -nE 's/^([A-Z_]+)[[:space:]]*#.*/\1/p' "$HMMCI_TOP/ci/checkpatch.ignore" | paste -sd, -)
	cp=$(checkpatch ${ignore:+--ignore "$ignore"} "$patch")
	# FILE_PATH_CHANGES asks "does MAINTAINERS need updating?" for every
	# new file: answer it with get_maintainer.pl, and accept the patch
	# when every added file already has a subsystem other than THE REST.
	# (A pattern match, not echo | grep -q: with pipefail, grep's early
	# exit kills echo with SIGPIPE on a long report, and the test fails.)
	if [[ $cp == *WARNING:FILE_PATH_CHANGES* ]]; then
		uncovered=
		for f in $(git -C "$HMMCI_WORKTREE" show --diff-filter=A --name-only --format= HEAD); do
			subsys=$(cd "$HMMCI_WORKTREE" && perl scripts/get_maintainer.pl --no-git \
				--no-git-fallback --no-rolestats --subsystem --no-email --no-l \
				--no-m -f "$f" 2>/dev/null | grep -v '^THE REST$' || true)
			if [ -z "$subsys" ]; then
				uncovered+=" $f"
			else
				echo "$f: covered by $(echo "$subsys" | paste -sd, -)" >>"$res/maintainers.txt"
			fi
		done
		if [ -z "$uncovered" ]; then
			cp=$(checkpatch --ignore "${ignore:+$ignore,}FILE_PATH_CHANGES" "$patch")
		fi
	fi
	echo "$cp" >"$res/checkpatch.log"
	tot=$(echo "$cp" | grep -E '^total:' | tail -n1 || true)
	if [ -z "$cp" ] || [[ $tot == 'total: 0 errors, 0 warnings, 0 checks'* ]]; then
		echo PASS >"$res/checkpatch"
	else
		echo "FAIL ${tot:-$(echo "$cp" | head -n1)}" >"$res/checkpatch"
	fi
	exit 0
	;;
esac
[ $# -ge 4 ] || usage
phase=$1 profile=$2 out=$3 res=$4
shift 4
case $phase in build | initramfs | boot) ;; *) usage ;; esac
[ "$phase" = build ] || [ $# -eq 0 ] || usage
profile_load "$profile"
mkdir -p "$out" "$res"

# A profile of another architecture is a cross build (lib.sh's kmake).
if [ -n "$prof_arch" ]; then
	export HMMCI_CROSS_ARCH=$prof_arch HMMCI_CROSS_COMPILE=$prof_cross_compile
else
	unset HMMCI_CROSS_ARCH HMMCI_CROSS_COMPILE
fi

case $phase in
build)
	base=()
	if [ "${1:-}" = --base ]; then
		base=(--base)
		shift
	fi
	targets=("$@")
	[ ${#targets[@]} -gt 0 ] || read -r -a targets <<<"$prof_targets"
	HMMCI_FRAGMENTS="${prof_fragments[*]}" \
		exec "$HMMCI_TOP/scripts/build-kernel.sh" "${base[@]}" "$out" "$res" "${targets[@]}"
	;;
initramfs)
	# The profile's suites and exclusions; a profile that names no suites
	# leaves HMMCI_SUITES (the operator's, or all) as it is, and
	# HMMCI_SUITES=all (debug-check.sh --all-suites) leaves the profile's
	# list out: every suite (on another architecture than x86_64, those
	# build-initramfs.sh runs there when none is named).
	case ${HMMCI_SUITES:-} in
	all) export HMMCI_SUITES= ;;
	*) [ -z "$prof_suites" ] || export HMMCI_SUITES=$prof_suites ;;
	esac
	if [ -n "$prof_excluded" ]; then
		export HMMCI_EXCLUDED=$prof_excluded
	else
		unset HMMCI_EXCLUDED
	fi
	"$HMMCI_TOP/scripts/build-initramfs.sh" "$out" "$res"
	img=$res/$(basename "$prof_image")
	[ -f "$img" ] || cp "$out/$prof_image" "$img"
	;;
boot)
	exec "$HMMCI_TOP/scripts/boot-test.sh" --profile "$profile" "$out" "$res"
	;;
esac
