#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The arm64 check of the series: build the base and every step for arm64
# with 4 KiB and with 64 KiB pages (incremental, ccache; a new warning
# against the earlier builds of the lineage fails, as on x86_64), and boot
# the base and the last step of each page size in QEMU's virt machine with
# a hugetlb pool of every size it offers: KUnit and hmm-tests judged as on
# x86_64. Writes RESULTS/table.md and RESULTS/counts; the last line is
# "arm64: N passed, N failed, N skipped".
#
# A time budget (--deadline, or HMMCI_DEADLINE from test.sh) is honoured
# before each build or boot: what cannot finish in time is a SKIP row with
# that reason, never a failure and never a run over the budget.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat >&2 <<-USAGE
	usage: $0 [--base REV] [--last REV] [--results DIR] [--pagesize 4k|64k]
	          [--ends] [--no-boot] [--no-setup] [--deadline EPOCH]
	  --base REV        the base (default: $HMMCI_BASE_TAG in $HMMCI_BASE_TREE)
	  --last REV        the last step as a commit of that tree (implies
	                    --ends; default: every patch of \`series\` by git am)
	  --results DIR     table, rows and logs (default: results/arm64)
	  --pagesize PS     only this page size (default: 4k and 64k)
	  --ends            build the base and the last step only
	  --no-boot         build only
	  --no-setup        do not run setup-host.sh and fetch-base.sh first
	  --deadline EPOCH  skip, with the reason, what would end after EPOCH
	USAGE
	exit 2
}
base=$HMMCI_BASE_TAG last='' results=$HMMCI_TOP/results/arm64 boot=1 ends=0 setup=1
deadline=${HMMCI_DEADLINE:-} sizes=()
while [ $# -gt 0 ]; do
	case $1 in
	--base) [ $# -ge 2 ] || usage; base=$2; shift ;;
	--last) [ $# -ge 2 ] || usage; last=$2 ends=1; shift ;;
	--results) [ $# -ge 2 ] || usage; results=$2; shift ;;
	--pagesize) case ${2:-} in 4k | 64k) sizes+=("$2") ;; *) usage ;; esac; shift ;;
	--ends) ends=1 ;;
	--no-boot) boot=0 ;;
	--no-setup) setup=0 ;;
	--deadline) [[ ${2:-} =~ ^[0-9]+$ ]] || usage; deadline=$2; shift ;;
	*) usage ;;
	esac
	shift
done
[ ${#sizes[@]} -gt 0 ] || sizes=(4k 64k)
cache_lock
if [ $setup -eq 1 ]; then
	"$HMMCI_TOP/scripts/setup-host.sh"
	"$HMMCI_TOP/scripts/fetch-base.sh"
fi
need_cmd git make ccache aarch64-linux-gnu-gcc qemu-system-aarch64
# HMMCI_COHERENT's reserved RAM is at x86_64 test machine addresses,
# outside the arm64 guest's memory: never for arm64.
unset HMMCI_COHERENT
results=$(mkdir -p "$results" && cd "$results" && pwd)

# Its own worktree and build directories: the x86_64 run is not touched.
export HMMCI_WORKTREE=$HMMCI_CACHE/wt-arm64-check
worktree_ensure "$HMMCI_BASE_TREE" "$HMMCI_WORKTREE" "$base"
wt=(git -C "$HMMCI_WORKTREE")
worktree_clean "$HMMCI_WORKTREE"

patches=()
if [ -z "$last" ]; then
	mapfile -t patches < <(series_patches)
fi
nsteps=$((${#patches[@]} + 1))
[ -n "$last" ] && nsteps=2
laststep=$((nsteps - 1))

rm -rf "$results"/[0-9]*-[0-9]*k
rm -f "$results"/rows.txt "$results"/counts "$results"/table.md

# cell FILE: the verdict in FILE ("PASS ...", "FAIL ...", "SKIP ..."), or
# a failure when it was never written.
cell() {
	cat "$1" 2>/dev/null || echo "FAIL no result (see $(dirname "$1")/errors.txt)"
}
# What to reckon, from the worst measured on these 2 cores (docs/arm64.md):
# a cold build of the arm64 config (at most 410 s measured, mlx5_core
# included; twice that), an incremental step, initramfs + boot. At 1500 s
# the cold run of session 9 skipped both 64 KiB builds with 1418 s left.
need_cold=900 need_step=300 need_boot=600
if [ -n "$deadline" ]; then
	export HMMCI_DEADLINE=$deadline
else
	unset HMMCI_DEADLINE
fi

declare -A built
step_dir() { printf '%s/%02d-%s' "$results" "$1" "$2"; }
is_end() { [ "$1" -eq 0 ] || [ "$1" -eq $laststep ]; }

build_step() { # I PS: build; a step to boot also gets its initramfs and
	# a copy of its Image, so that its boot does not depend on what the
	# build dir holds by then
	local i=$1 ps=$2 d out need flag=()
	d=$(step_dir "$i" "$ps")
	out=$HMMCI_BUILD/arm64-$ps
	rm -rf "$d"
	mkdir -p "$d"
	printf '%s\n' "${subjects[i]}" >"$d/subject"
	[ "$i" -eq 0 ] && flag=(--base)
	need=$need_step
	[ -n "${built[$ps]:-}" ] || need=$need_cold
	if ! in_budget $need; then
		budget_skip "arm64 $ps build of step $i" $need "$d/build" "$d/warnings"
		return
	fi
	if ! "$HMMCI_TOP/scripts/step.sh" build "arm64-$ps" "$out" "$d" "${flag[@]}" \
		2>>"$d/errors.txt"; then
		[ -f "$d/build" ] || echo "FAIL see $d/errors.txt" >"$d/build"
		echo "FAIL not built" >"$d/warnings"
		return
	fi
	built[$ps]=1
	[ $boot -eq 1 ] && is_end "$i" || return 0
	"$HMMCI_TOP/scripts/step.sh" initramfs "arm64-$ps" "$out" "$d" 2>>"$d/errors.txt" ||
		echo "FAIL initramfs: see $d/errors.txt" >"$d/initramfs"
}

boot_step() { # I PS
	local i=$1 ps=$2 d f
	d=$(step_dir "$i" "$ps")
	case $(cell "$d/build") in
	PASS*) ;;
	*)
		for f in boot kunit kselftest; do
			echo "SKIP not built" >"$d/$f"
		done
		return
		;;
	esac
	if [ -f "$d/initramfs" ]; then
		cp "$d/initramfs" "$d/boot"
		return
	fi
	if ! in_budget $need_boot; then
		budget_skip "arm64 $ps boot of step $i" $need_boot "$d/boot" "$d/kunit" "$d/kselftest"
		return
	fi
	"$HMMCI_TOP/scripts/step.sh" boot "arm64-$ps" "$HMMCI_BUILD/arm64-$ps" "$d" \
		2>>"$d/errors.txt" || true
}

# Apply the series once (apply-patch.sh: a patch that does not apply stops
# the run and names it), remembering each step's commit.
commits=() subjects=()
"${wt[@]}" checkout -q --detach "$base"
commits[0]=$("${wt[@]}" rev-parse HEAD)
subjects[0]="(base) $("${wt[@]}" describe --tags --always HEAD)"
for ((i = 1; i < nsteps; i++)); do
	if [ -n "$last" ]; then
		"${wt[@]}" checkout -q --detach "$last"
	else
		# The same git am as the x86_64 steps: names the patch and the
		# file, leaves the tree clean, has a committer on any machine.
		"$HMMCI_TOP/scripts/apply-patch.sh" "${patches[$((i - 1))]}"
	fi
	commits[i]=$("${wt[@]}" rev-parse HEAD)
	subjects[i]=$("${wt[@]}" log --format=%s -1 HEAD)
done

for_steps() { # WHAT FUNCTION I...: check out each step I (judge-boot.sh
	# reads the applied patches from the worktree), then FUNCTION I PS for
	# every page size
	local what=$1 fn=$2 i ps
	shift 2
	for i in "$@"; do
		"${wt[@]}" checkout -q --detach "${commits[i]}"
		log "== arm64 $what of step $i/$laststep: ${subjects[i]}"
		for ps in "${sizes[@]}"; do
			"$fn" "$i" "$ps"
		done
	done
}

# The base and the last step first (the warnings baseline and the boots),
# then the steps between: when the time budget runs short, what is
# skipped is an intermediate build, not a boot.
end_steps=(0)
[ $laststep -gt 0 ] && end_steps+=("$laststep")
between=()
if [ $ends -eq 0 ]; then
	for ((i = 1; i < laststep; i++)); do between+=("$i"); done
fi
for_steps build build_step "${end_steps[@]}"
[ $boot -eq 0 ] || for_steps boot boot_step "${end_steps[@]}"
for_steps build build_step "${between[@]}"

# Each step's record, written once when the step is done; the rows, the
# table and the counts from the records alone (report-arm64.sh).
for d in "$results"/[0-9]*-[0-9]*k; do
	[ ! -d "$d" ] || "$HMMCI_TOP/scripts/step-record.sh" "$d"
done
noboot=()
[ $boot -eq 1 ] || noboot=(--no-boot)
exec "$HMMCI_TOP/scripts/report-arm64.sh" ${noboot[@]+"${noboot[@]}"} "$results" "${sizes[@]}"
