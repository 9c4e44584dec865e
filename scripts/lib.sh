# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the series CI scripts: paths, logging, failures.
# Sourced, never run.

HMMCI_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HMMCI_HOME=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
HMMCI_CACHE=${HMMCI_CACHE:-${XDG_CACHE_HOME:-$HMMCI_HOME/.cache}/hmm-huge-ci}
# The pinned base: Debian's binary package carrying the kernel source.
HMMCI_BASE_PKG=linux-source-7.3
HMMCI_BASE_VERSION=7.3.4-1~bpo13+1
HMMCI_BASE_SHA256=703e369ddd4cce971452f5a593ee55df3a5c10c83caf0fa0df039633ed181ee3
HMMCI_BASE_SUITE=trixie-backports
HMMCI_BASE_TAG=v7.3.4
# The import is reproducible (fixed author, committer and dates, no user
# git configuration): the id of that tag's commit, and of its tree (what
# the package holds, whatever git made of the commit).
HMMCI_BASE_COMMIT=fe6307c1322fd8a251224460bc3e2fa97be62af5
HMMCI_BASE_CONTENT=5b1b93321fb4c4dd9c489ce15c4f3caaadd798d7
# Where the imported base lives, and the worktree the series is applied in.
HMMCI_BASE_TREE=${HMMCI_BASE_TREE:-$HMMCI_CACHE/src/linux-source-7.3}
HMMCI_WORKTREE=${HMMCI_WORKTREE:-$HMMCI_BASE_TREE}
HMMCI_BUILD=${HMMCI_BUILD:-$HMMCI_CACHE/build}
# The guest's Debian unstable root with the newest rdma-core
# (scripts/fetch-guestroot.sh).
HMMCI_GUESTROOT=${HMMCI_GUESTROOT:-$HMMCI_CACHE/guestroot/unstable}
HMMCI_CLANG_SUFFIX=${HMMCI_CLANG_SUFFIX:--19}
export CCACHE_DIR=${CCACHE_DIR:-$HMMCI_CACHE/ccache}
# ccache's depend mode: on a miss, ccache otherwise runs the preprocessor
# once more only to hash its output, and a kernel file preprocesses to
# megabytes (mm/hmm.c: 3.3 MB, half of its compile time). Measured on one
# object, cold: no ccache 0.60 s, ccache 0.86 s, depend mode 0.66 s. Hits
# come from the compiler's own -MMD dependency list (kbuild's
# -Wp,-MMD,...), as in direct mode.
export CCACHE_DEPEND=${CCACHE_DEPEND:-1}

hmmci_t0=${hmmci_t0:-$(date +%s)}
export hmmci_t0

log() {
	printf '[%5ss] %s\n' "$(($(date +%s) - hmmci_t0))" "$*" >&2
}

# die STEP FILE COMMAND MESSAGE: a failure names where it happened and how
# to reproduce it, then exits non-zero.
die() {
	local step=$1 file=$2 cmd=$3
	shift 3
	{
		printf 'ERROR: %s\n' "$*"
		printf '  step:      %s\n' "$step"
		printf '  file:      %s\n' "$file"
		printf '  reproduce: %s\n' "$cmd"
	} >&2
	exit 1
}

# check_disk: fail before anything is written when the disk of the cache
# has less free space than the run needs: about 11 GiB on an empty cache
# (measured: the base tree 2.2, the build directories 1.3, the series, b4
# and arm64 worktrees 1.8 each, ccache 0.7, stored rows 0.9), about 8 with
# the base imported but nothing built, a few on a warm cache.
# HMMCI_MIN_FREE_GIB overrides the need.
check_disk() {
	local need=3 free kib
	mkdir -p "$HMMCI_CACHE"
	[ -d "$HMMCI_BUILD/x86_64" ] || need=8
	[ -d "$HMMCI_BASE_TREE/.git" ] || need=12
	need=${HMMCI_MIN_FREE_GIB:-$need}
	kib=$(df -Pk "$HMMCI_CACHE" 2>/dev/null | awk 'NR == 2 { print $4 }')
	[[ $kib =~ ^[0-9]+$ ]] ||
		die disk "$HMMCI_CACHE" "df -Pk $HMMCI_CACHE" "cannot read the free space of the cache's disk"
	free=$((kib / 1048576))
	[ "$free" -ge "$need" ] ||
		die disk "$HMMCI_CACHE" "df -h $HMMCI_CACHE" \
			"$free GiB free where the cache is, the run needs about $need GiB: free some, or set HMMCI_CACHE to a larger disk"
	log "disk: $free GiB free in $HMMCI_CACHE (needs about $need)"
}

# cache_lock: runs on one machine share $HMMCI_CACHE (the worktree the
# series is applied in, the build directories, the stored rows), which
# two runs at once would corrupt, and a run's own results/ is per clone.
# So the first run holds $HMMCI_CACHE/lock (flock(1)) until it exits; a
# second waits, saying who holds it, up to HMMCI_LOCK_WAIT seconds
# (default 7200), then fails naming the holder. A run that must not wait
# gets a cache of its own (HMMCI_CACHE). The lock is held by an open file:
# it goes when the run's processes are gone (a child a killed run leaves,
# such as a guest under timeout, holds it until it ends). The scripts a
# locked run calls inherit it (HMMCI_LOCKED names the cache it covers).
cache_lock() {
	[ "${HMMCI_LOCKED:-}" != "$HMMCI_CACHE" ] || return 0
	need_cmd flock
	mkdir -p "$HMMCI_CACHE"
	local f=$HMMCI_CACHE/lock wait=${HMMCI_LOCK_WAIT:-7200} owner
	exec {hmmci_lock_fd}>>"$f"
	# The progress ticker (run_logged) of any script of the run closes it.
	export HMMCI_LOCK_FD=$hmmci_lock_fd
	if ! flock -n "$hmmci_lock_fd"; then
		owner=$(cat "$f.owner" 2>/dev/null || echo "an unknown run")
		log "cache: $HMMCI_CACHE is in use by $owner; waiting for it (at most ${wait}s)"
		flock -w "$wait" "$hmmci_lock_fd" ||
			die setup "$f" "HMMCI_CACHE=\$(mktemp -d) $0" \
				"$HMMCI_CACHE is still in use by $owner after ${wait}s: wait for it, or give this run a cache of its own"
		log "cache: $HMMCI_CACHE is free now"
	fi
	echo "pid $$ ($0 in $HMMCI_TOP, since $(date -u +%FT%TZ))" >"$f.owner"
	export HMMCI_LOCKED=$HMMCI_CACHE
}

# debian_mirror: the Debian mirror this machine's apt sources use (so no
# host name is written anywhere), or die naming the sources.
debian_mirror() {
	local f mirror=
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		mirror=$(awk '/^URIs:/ { print $2; exit }' "$f")
		[ -n "$mirror" ] && break
	done
	if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
		mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list)
	fi
	[ -n "$mirror" ] || die setup /etc/apt/sources.list.d \
		"cat /etc/apt/sources.list.d/*.sources" "no Debian mirror in apt sources"
	echo "$mirror"
}

# run_logged LOGFILE CMD...: print the command (so it can be replayed by
# hand), run it with its output in LOGFILE, print elapsed time. A command
# that runs longer than HMMCI_PROGRESS_S seconds (default 30; 0: never)
# gets a progress line every as many seconds: the time so far, the lines
# in its log and the last (for a build, the object it is at), so that a
# cold base build (17 minutes) is not 17 minutes of silence.
run_logged() {
	local logfile=$1 t rc=0 every=${HMMCI_PROGRESS_S:-30} ticker=
	shift
	log "+ $* (log: $logfile)"
	t=$(date +%s)
	if [ "$every" -gt 0 ]; then
		progress_ticker "$logfile" "$t" "$every" &
		ticker=$!
	fi
	"$@" >"$logfile" 2>&1 || rc=$?
	if [ -n "$ticker" ]; then
		# KILL: a TERM that the caller ignores would leave it running.
		kill -KILL "$ticker" 2>/dev/null || true
		wait "$ticker" 2>/dev/null || true
	fi
	log "  done in $(($(date +%s) - t))s, exit $rc"
	return $rc
}

# progress_ticker LOGFILE T0 EVERY: run_logged's progress lines (to
# HMMCI_PROGRESS_FD), until killed or the script is gone. It sleeps a
# second at a time (no sleep of its outlives it by more) and does not
# hold the cache lock (cache_lock).
progress_ticker() {
	local logfile=$1 t0=$2 every=$3 n=0 last
	if [ -n "${HMMCI_LOCK_FD:-}" ] && [ -e "/proc/$BASHPID/fd/$HMMCI_LOCK_FD" ]; then
		exec {HMMCI_LOCK_FD}>&-
	fi
	[ -n "${HMMCI_PROGRESS_FD:-}" ] || return 0
	while kill -0 $$ 2>/dev/null; do
		sleep 1
		n=$((n + 1))
		[ $((n % every)) -eq 0 ] || continue
		# The last line, printable characters only, at most 72.
		last=$(tail -n1 "$logfile" 2>/dev/null | LC_ALL=C tr -cd '[:print:]\t' |
			tr -s ' \t' ' ' | sed 's/^ //' | LC_ALL=C cut -c1-72 || true)
		{ log "  ... $(($(date +%s) - t0))s, $(wc -l <"$logfile" 2>/dev/null || echo 0) lines in $(basename "$logfile")${last:+, last: $last}" 2>&"$HMMCI_PROGRESS_FD"; } 2>/dev/null || true
	done
}
# HMMCI_PROGRESS_FD: where the progress lines go, the stderr of the first
# script of a run (an fd its children inherit), so that they reach the
# operator's terminal even from a script whose stderr goes to a step's
# errors.txt. None when that stderr is closed.
if [ -z "${HMMCI_PROGRESS_FD:-}" ] && { : >&2; } 2>/dev/null; then
	exec {HMMCI_PROGRESS_FD}>&2
	export HMMCI_PROGRESS_FD
fi
# git's automatic gc runs in the foreground: detached, it would outlive
# the run holding the fds the run's scripts inherit (the progress fd, a
# pipe to the CI's log; the cache lock).
# Added after the caller's own GIT_CONFIG_* entries (the last value of a
# key wins), once: lib.sh is sourced again by every script a run starts,
# and HMMCI_GC_INDEX says where the first one put it.
hmmci_gc_foreground() {
	local k v n=${GIT_CONFIG_COUNT:-0}
	[[ $n =~ ^[0-9]+$ ]] || return 0
	n=$((10#$n))
	if [[ ${HMMCI_GC_INDEX:-} =~ ^[0-9]+$ ]] && [ "$HMMCI_GC_INDEX" -lt "$n" ]; then
		k=GIT_CONFIG_KEY_$HMMCI_GC_INDEX v=GIT_CONFIG_VALUE_$HMMCI_GC_INDEX
		[ "${!k:-}" != gc.autoDetach ] || [ "${!v:-}" != false ] || return 0
	fi
	export GIT_CONFIG_COUNT=$((n + 1)) "GIT_CONFIG_KEY_$n=gc.autoDetach" \
		"GIT_CONFIG_VALUE_$n=false" HMMCI_GC_INDEX=$n
}
hmmci_gc_foreground

# The time budget of the test command: test.sh sets HMMCI_DEADLINE (epoch
# seconds); without it there is none. budget_left: the seconds left.
budget_left() {
	if [ -n "${HMMCI_DEADLINE:-}" ]; then
		echo $((HMMCI_DEADLINE - $(date +%s)))
	else
		echo 999999
	fi
}
# in_budget SECONDS: true when SECONDS more fit before the deadline.
in_budget() {
	[ "$(budget_left)" -ge "$1" ]
}
# budget_skip WHAT NEED FILE...: write "SKIP time budget: ..." into each
# FILE and record WHAT in $HMMCI_BUDGET_LOG, for test.sh's last line.
budget_skip() {
	local what=$1 need=$2 f
	shift 2
	for f in "$@"; do
		echo "SKIP time budget: $(budget_left)s left before the deadline, this needs ~${need}s" >"$f"
	done
	# HMMCI_BUDGET_PART: which run this is (prove-tests.sh runs the
	# series CI again), so that the last line tells the steps apart.
	[ -z "${HMMCI_BUDGET_LOG:-}" ] ||
		echo "${HMMCI_BUDGET_PART:+$HMMCI_BUDGET_PART: }$what" >>"$HMMCI_BUDGET_LOG"
	log "time budget: skipped $what (needs ~${need}s, $(budget_left)s left)"
}
# boot_timeout LIMIT: LIMIT, or what is left of the budget when that is
# less (at least 60 s): a hung guest cannot push the run past its limit.
boot_timeout() {
	local left
	left=$(budget_left)
	if [ "$left" -lt "$1" ]; then
		echo $((left > 60 ? left : 60))
	else
		echo "$1"
	fi
}

need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			die setup "$c" "bash scripts/setup-host.sh" \
				"required command '$c' is missing"
	done
}

jobs_n() {
	echo $(($(nproc) + 1))
}

# A cross build (scripts/step.sh, an arm64 profile) sets HMMCI_CROSS_ARCH (the kernel's
# ARCH) and HMMCI_CROSS_COMPILE (the toolchain prefix); unset, everything
# builds for the host as before.
HMMCI_CROSS_ARCH=${HMMCI_CROSS_ARCH:-}
HMMCI_CROSS_COMPILE=${HMMCI_CROSS_COMPILE:-}

# kmake_cross_args: the ARCH/CROSS_COMPILE words of a cross build, or none.
kmake_cross_args() {
	[ -n "$HMMCI_CROSS_ARCH" ] || return 0
	printf '%s\n' ARCH="$HMMCI_CROSS_ARCH" CROSS_COMPILE="$HMMCI_CROSS_COMPILE"
}

# build_dir_source OUTDIR SRCDIR: keep OUTDIR a build directory of SRCDIR
# only. Its objects' dependency files name the sources they were built
# from by absolute path, so objects of another tree (another worktree, a
# --tree run) could pass for up to date. kbuild writes OUTDIR/Makefile as
# "include SRCDIR/Makefile": an OUTDIR configured from another tree is
# emptied, saying so, and built again (from ccache). The warning records
# (.hmmci-*, checked against their base lineage by build-kernel.sh) stay.
build_dir_source() {
	local out=$1 src was
	src=$(realpath -m "$2")
	[ -f "$out/Makefile" ] || return 0
	was=$(sed -n 's#^include \(.*\)/Makefile$#\1#p' "$out/Makefile" | head -n1)
	[ -n "$was" ] && [ "$(realpath -m "$was")" != "$src" ] || return 0
	log "build: $out was configured from $was, not from $src: emptying it, a full build follows"
	find "$out" -mindepth 1 ! -name '.hmmci-*' -delete
}

# The make command line for the main build and its two W=1 companions.
kmake() {
	local o=$1
	shift
	if [ -n "$HMMCI_CROSS_ARCH" ]; then
		make -C "$HMMCI_WORKTREE" O="$o" ARCH="$HMMCI_CROSS_ARCH" \
			CROSS_COMPILE="$HMMCI_CROSS_COMPILE" \
			CC="ccache ${HMMCI_CROSS_COMPILE}gcc" "$@"
	else
		make -C "$HMMCI_WORKTREE" O="$o" CC="ccache gcc" "$@"
	fi
}

# kmake_bzimage OUTDIR MAKEARGS...: x86's bzImage (and MAKEARGS' targets).
# ccache hashes a source and its #includes, not what .incbin pulls in, and
# arch/x86/boot/compressed/piggy.S names vmlinux.bin.xz and its sizes
# only: two kernels whose compressed images have the same sizes share one
# cached piggy.o, and a bzImage then carries the kernel of an earlier
# build (it happened: guests booted kernels of earlier runs, the bzImage
# header naming the new build). So vmlinux is built with ccache and the
# image after it without (CCACHE_DISABLE: the dozen objects of
# arch/x86/boot, seconds), piggy.o always anew: one that a cache hit made
# looks up to date.
kmake_bzimage() {
	local o=$1
	shift
	kmake "$o" "$@" vmlinux &&
		rm -f "$o/arch/x86/boot/compressed/piggy.o" &&
		CCACHE_DISABLE=1 kmake "$o" "$@" bzImage
}

kmake_clang() {
	local o=$1
	shift
	make -C "$HMMCI_WORKTREE" O="$o" LLVM="$HMMCI_CLANG_SUFFIX" \
		CC="ccache clang$HMMCI_CLANG_SUFFIX" "$@"
}

# warning_keys < LOG: one line per compiler/linker warning, with line and
# column numbers and absolute prefixes stripped, so a warning is known by
# file and text alone and moved lines do not count as new.
warning_keys() {
	{ grep -E 'warning:' || true; } |
		sed -E -e "s#^$HMMCI_WORKTREE/##" -e 's#^\.\./##' \
			-e 's/:[0-9]+:[0-9]+:/:/' -e 's/:[0-9]+:/:/' |
		sort -u
}

# mail_header FILE NAME: the header NAME of a mail or format-patch file,
# unfolded, without "NAME:", white space folded.
mail_header() {
	awk -v h="$2:" '/^$/ { exit } $1 == h { s = $0; on = 1; next }
		on && /^[ \t]/ { s = s $0; next } { on = 0 } END { print s }' "$1" |
		sed -E "s/^$2: *//; s/[ \t]+/ /g"
}

# patch_subject FILE: the Subject of a format-patch file, unfolded, without
# its [PATCH n/m] prefix.
patch_subject() {
	mail_header "$1" Subject | sed -E 's/^\[[^]]*\] *//'
}

# worktree_ensure TREE DIR REV: DIR is a worktree of TREE's repository,
# made (detached at REV) when it is missing or is not one of that
# repository (left by a run on another tree, or half made). TREE itself
# is accepted as DIR.
worktree_ensure() {
	local tree=$1 dir=$2 rev=$3 want
	want=$(git -C "$tree" rev-parse --path-format=absolute --git-common-dir)
	[ "$(git -C "$dir" rev-parse --path-format=absolute --git-common-dir 2>/dev/null)" != "$want" ] ||
		return 0
	[ ! -e "$dir" ] || log "worktree: $dir is not a worktree of $tree: made again"
	rm -rf "$dir"
	git -C "$tree" worktree prune
	git -C "$tree" worktree add -q --detach "$dir" "$rev"
}

# worktree_clean DIR: nothing of an interrupted run (a killed git am, a
# half checkout) is kept in the worktree DIR. The path is absolute: in a
# main worktree (the base tree) --git-path alone prints .git/rebase-apply,
# relative to DIR, not to the caller's directory. git am --abort needs a
# committer identity, which a machine may lack (apply-patch.sh gives one
# to its own git am): then the stopped session is removed by hand.
worktree_clean() {
	local ra
	ra=$(git -C "$1" rev-parse --path-format=absolute --git-path rebase-apply)
	if [ -d "$ra" ]; then
		git -C "$1" am --abort >/dev/null 2>&1 || rm -rf "$ra"
	fi
	git -C "$1" reset -q --hard
}

# tree_after DIR TREE PATCH: the tree (id) after PATCH on TREE, in the
# repository of DIR, from git apply on a scratch index (no worktree is
# touched); fails, printing nothing, when PATCH does not apply there.
tree_after() {
	local idx rc=0
	idx=$(mktemp -u)
	GIT_INDEX_FILE=$idx git -C "$1" read-tree "$2" &&
		GIT_INDEX_FILE=$idx git -C "$1" apply --cached "$3" 2>/dev/null &&
		GIT_INDEX_FILE=$idx git -C "$1" write-tree || rc=1
	rm -f "$idx"
	return $rc
}

# series_version: the version of the series, N of the newest "Changes in
# vN:" of ci/cover-letter.txt; series_prefix: its subject prefix, "PATCH"
# for v1, "PATCH vN" after.
series_version() {
	local v
	v=$(sed -n 's/^Changes in v\([0-9][0-9]*\):$/\1/p' "$HMMCI_TOP/ci/cover-letter.txt" |
		sort -n | tail -n1)
	echo "${v:-1}"
}
series_prefix() {
	local v
	v=$(series_version)
	if [ "$v" -gt 1 ]; then echo "PATCH v$v"; else echo PATCH; fi
}

# parse_branch_args USAGE-FUNCTION ARG...: "[--tree DIR] [--base REV]
# BRANCH", as export-series.sh and import-series.sh take them; sets tree,
# base and branch.
parse_branch_args() {
	local usage=$1
	shift
	tree=$HMMCI_BASE_TREE base=$HMMCI_BASE_TAG
	while [ $# -gt 1 ]; do
		case $1 in
		--tree) tree=$2; shift 2 ;;
		--base) base=$2; shift 2 ;;
		*) "$usage" ;;
		esac
	done
	[ $# -eq 1 ] || "$usage"
	branch=$1
}

# series_patches: the paths of the patches listed in `series`, in order.
series_patches() {
	local p
	while read -r p; do
		case $p in '' | '#'*) continue ;; esac
		echo "$HMMCI_TOP/patches/$p"
	done <"$HMMCI_TOP/series"
}

# profile_load NAME: the test machine NAME (ci/profiles/NAME: architecture
# and cross compiler, config fragments, build targets, image, QEMU machine, CPU, memory, console, hugetlb command
# line, shares, timeout, suites, exclusions) into prof_* variables; the
# fragments as absolute paths, globs expanded. Dies on an unknown profile
# or a missing key.
profile_load() {
	local f=$HMMCI_TOP/ci/profiles/$1 k arch cross_compile fragments targets \
		image qemu machine cpu kvm memory console hugetlb cmdline shares \
		timeout suites excluded
	[ -f "$f" ] || die profile "$f" "ls $HMMCI_TOP/ci/profiles" "no profile $1"
	# shellcheck source=/dev/null
	. "$f"
	for k in fragments targets image qemu cpu kvm memory console hugetlb timeout; do
		[ -n "${!k:-}" ] || die profile "$f" "cat $f" "profile $1 has no $k"
	done
	# The keys not checked above are optional: empty when a profile has none.
	prof_name=$1 prof_arch=${arch:-} prof_cross_compile=${cross_compile:-}
	prof_targets=$targets prof_image=$image prof_qemu=$qemu prof_machine=${machine:-}
	prof_cpu=$cpu prof_kvm=$kvm prof_memory=$memory prof_console=$console
	prof_hugetlb=$hugetlb prof_cmdline=${cmdline:-} prof_shares=${shares:-}
	prof_timeout=$timeout
	prof_suites=${suites:-} prof_excluded=${excluded:+$HMMCI_TOP/$excluded}
	prof_fragments=()
	for k in $fragments; do
		prof_fragments+=("$HMMCI_TOP"/$k)
	done
}

# step_checks: the verdict files of the per-step checks, in table order;
# step_check_titles: their column titles (ci/step-checks.txt).
step_checks() {
	sed -nE 's/^([a-z0-9_]+)[[:space:]]*\|.*/\1/p' "$HMMCI_TOP/ci/step-checks.txt"
}
step_check_titles() {
	sed -nE 's/^[a-z0-9_]+[[:space:]]*\|[[:space:]]*([^|]*[^|[:space:]])[[:space:]]*\|.*/\1/p' \
		"$HMMCI_TOP/ci/step-checks.txt"
}

# harness_version: a hash of the harness content that affects a step's
# result files (scripts that build, boot and judge, the config fragments,
# the guest suites and tests, the benchmark). Scripts that only report,
# merge or check the series as a whole, and the arm64 check, are left out,
# so editing them does not invalidate stored results.
harness_version() {
	(cd "$HMMCI_TOP" && find scripts ci bench -type f \
		! -path 'scripts/checks/*' ! -path 'ci/selftest/*' \
		! -path 'ci/arm64/*' ! -name '*-arm64.sh' ! -name arm64-check.sh \
		! -name report.sh ! -name merge-results.sh ! -name run-workflow-local.sh \
		! -name test.sh ! -name check-series.sh ! -name selftest-harness.sh \
		! -name prove-tests.sh ! -name export-series.sh ! -name import-series.sh \
		! -name b4-dry-run.sh ! -name cover-letter.txt ! -name proofs.txt \
		! -name debug-check.sh ! -path 'ci/x86_64-debug/*' \
		! -path 'ci/unit/*' ! -name unit-tests.sh ! -path 'ci/profiles/arm64-*' \
		! -path ci/profiles/x86_64-debug \
		-print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16
}

# config_hash: the hash of the kernel config fragments of the x86_64
# profile.
config_hash() {
	profile_load x86_64
	cat "${prof_fragments[@]}" | sha256sum | cut -c1-16
}

# boot_with_retry STEPDIR BOOT-COMMAND...: run BOOT-COMMAND (boot-test.sh
# and its arguments), which writes STEPDIR/boot, kunit and kselftest. A
# boot that fails (any of the three) is run once more, at most
# boot_retries times per run and only within the time budget: the step
# passes only if the second boot passes, and the first boot's failure is
# kept (STEPDIR/boot-1/) and reported as flaky (STEPDIR/flaky.txt, listed
# again at the end of the test command). A failure that the step causes
# fails both boots, and fails the step. Returns the last boot's status.
boot_retries=2
boot_failed() { grep -qs '^FAIL' "$1"/{boot,kunit,kselftest}; }
boot_with_retry() {
	local d=$1 rc=0 why
	shift
	"$@" || rc=$?
	boot_failed "$d" || return $rc
	why=$(grep -hs '^FAIL' "$d"/{boot,kunit,kselftest} | head -n1 || true)
	why="$why$(sed -n '1s/^/: /p' "$d/failures.txt" 2>/dev/null || true)"
	if [ "$boot_retries" -eq 0 ] || ! in_budget 360; then
		return $rc
	fi
	boot_retries=$((boot_retries - 1))
	log "boot: FAILED ($why); booting once more to tell a flaky test from a failure"
	rm -rf "$d/boot-1"
	mkdir -p "$d/boot-1"
	mv "$d"/{console.log,qemu.log,guest,qemu_rc,boot_s,boot,kunit,kselftest} "$d/boot-1/" 2>/dev/null || true
	cp "$d"/{failures.txt,kunit.log,kunit.json} "$d/boot-1/" 2>/dev/null || true
	rc=0
	"$@" || rc=$?
	if boot_failed "$d"; then
		log "boot: failed again, so not flaky"
		return $rc
	fi
	echo "the first boot failed, the second passed: $why (first boot: $d/boot-1)" >"$d/flaky.txt"
	log "boot: passed at the second boot: flaky, see $d/flaky.txt"
	return $rc
}
