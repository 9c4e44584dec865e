#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The arm64 check of the series: for the base and the last step only, build
# the arm64 test kernel with 4 KiB and with 64 KiB pages (new warnings of
# the last step against the base fail), and boot the last step of each in
# QEMU's virt machine with every hugetlb size of that page size: KUnit and
# hmm-tests judged as on x86_64. Prints one row per build and boot and a
# last line "N passed, N failed".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat >&2 <<-USAGE
	usage: $0 [--base REV] [--last REV] [--results DIR] [--pagesize 4k|64k]
	          [--no-boot]
	  --base REV     the base (default: $HMMCI_BASE_TAG in $HMMCI_BASE_TREE)
	  --last REV     the last step as a commit of that tree (default: the
	                 base with every patch of \`series\` applied by git am)
	  --results DIR  rows and logs (default: results/arm64)
	  --pagesize PS  only this page size (default: 4k and 64k)
	USAGE
	exit 2
}
base=$HMMCI_BASE_TAG last= results=$HMMCI_TOP/results/arm64 boot=1 sizes=()
while [ $# -gt 0 ]; do
	case $1 in
	--base) base=$2; shift ;;
	--last) last=$2; shift ;;
	--results) results=$2; shift ;;
	--pagesize) case $2 in 4k | 64k) sizes+=("$2") ;; *) usage ;; esac; shift ;;
	--no-boot) boot=0 ;;
	*) usage ;;
	esac
	shift
done
[ ${#sizes[@]} -gt 0 ] || sizes=(4k 64k)
need_cmd git make ccache aarch64-linux-gnu-gcc qemu-system-aarch64

# Its own worktree and build directories: the x86_64 run is not touched.
export HMMCI_WORKTREE=$HMMCI_CACHE/wt-arm64-check
tree=$HMMCI_BASE_TREE
if [ ! -d "$HMMCI_WORKTREE" ]; then
	git -C "$tree" worktree prune
	git -C "$tree" worktree add -q --detach "$HMMCI_WORKTREE" "$base"
fi
wt=(git -C "$HMMCI_WORKTREE")
if [ -d "$("${wt[@]}" rev-parse --git-path rebase-apply)" ]; then
	"${wt[@]}" am --abort || true
fi
export HMMCI_CROSS_ARCH=arm64 HMMCI_CROSS_COMPILE=aarch64-linux-gnu-
mkdir -p "$results"
rows=$results/rows.txt
: >"$rows"
pass=0 fail=0
row() { # NAME VERDICT-FILE SECONDS-FILE
	local v s
	v=$(cat "$2" 2>/dev/null || echo "FAIL no result")
	s=$(cat "$3" 2>/dev/null || true)
	printf '%-22s %s%s\n' "$1" "$v" "${s:+ (${s}s)}" | tee -a "$rows"
	case $v in PASS* | SKIP*) pass=$((pass + 1)) ;; *) fail=$((fail + 1)) ;; esac
}

for step in base last; do
	if [ $step = base ]; then
		"${wt[@]}" checkout -q --detach "$base"
	elif [ -n "$last" ]; then
		"${wt[@]}" checkout -q --detach "$last"
	else
		"${wt[@]}" checkout -q --detach "$base"
		while read -r p; do
			"${wt[@]}" am -q --3way "$p" >"$results/apply.log" 2>&1 ||
				die apply "$p" "git -C $HMMCI_WORKTREE am --3way $p" \
					"$(basename "$p") does not apply"
		done < <(series_patches)
	fi
	log "== arm64 $step: $("${wt[@]}" log --oneline -1 HEAD)"
	for ps in "${sizes[@]}"; do
		out=$HMMCI_BUILD/arm64-$ps
		d=$results/$ps-$step
		rm -rf "$d"
		mkdir -p "$d"
		flag=()
		[ $step = base ] && flag=(--base)
		if "$HMMCI_TOP/scripts/build-arm64.sh" "$ps" "$out" "$d" "${flag[@]}" \
			2>>"$d/errors.txt"; then
			row "$ps $step build" "$d/build" "$d/build_s"
			row "$ps $step warnings" "$d/warnings" /dev/null
		else
			[ -f "$d/build" ] || echo "FAIL see $d/errors.txt" >"$d/build"
			row "$ps $step build" "$d/build" "$d/build_s"
			continue
		fi
		[ $step = last ] && [ $boot -eq 1 ] || continue
		t=$(date +%s)
		if ! "$HMMCI_TOP/scripts/build-initramfs.sh" "$out" "$d" 2>>"$d/errors.txt"; then
			echo "FAIL initramfs: $(tail -n4 "$d/errors.txt" | head -n1)" >"$d/boot"
		else
			echo $(($(date +%s) - t)) >"$d/initramfs_s"
			"$HMMCI_TOP/scripts/boot-arm64.sh" "$ps" "$out" "$d" 2>>"$d/errors.txt" || true
		fi
		row "$ps $step boot" "$d/boot" "$d/boot_s"
		row "$ps $step kunit" "$d/kunit" /dev/null
		row "$ps $step hmm-tests" "$d/kselftest" /dev/null
	done
done
echo "arm64: $pass passed, $fail failed"
[ $fail -eq 0 ]
