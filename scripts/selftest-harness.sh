#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The harness tests itself: a step that breaks the build of mm/hmm.c, a
# patch that does not apply and a step with a new warning must each be
# caught and named; a run with no time left must skip its steps, saying
# so, instead of building them; a boot that fails once must be run again
# and reported as flaky; a second run on the same cache must wait for the
# first; a run without the disk space it needs must stop before it writes
# anything, saying how much it has and needs; a base tree whose tag names
# another commit than the import must be refused; a build directory
# configured from another tree must be emptied; a guest that hangs in a
# suite, panics in one, or has no results share must fail its boot with
# that reason and the console's end in the log, and one killed midway
# must leave no QEMU behind; a run killed as it starts its steps must
# leave nothing that fails the next run; a .deb and a base import cut
# short must be named and never used; two real runs started at once must
# both pass, one waiting for the other. Fixtures: ci/selftest/*/. Builds
# only the touched objects (--quick), so the builds take seconds on a
# warm build dir; the five boots of case 10 take about a minute and a
# half under TCG (the hang is stopped after 30 s).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 0 ] || { echo "usage: $0" >&2; exit 2; }
cache_lock
fx=$HMMCI_TOP/ci/selftest
res=$HMMCI_TOP/results/selftest
rm -rf "$res"
mkdir -p "$res"
pass=0 fail=0 skip=0
# Eleven --quick runs of one step each (seconds each on a warm build dir:
# cases 1-4, 11 and the two of case 13, one after the other) and five
# boots of the base step's kernel (case 10: about a minute and a half).
if ! in_budget 420; then
	budget_skip "harness self-tests" 420 "$res/budget"
	echo "0 0 14" >"$res/counts"
	echo "selftest: SKIPPED ($(cat "$res/budget"))"
	exit 0
fi

check() { # NAME VERDICT REASON
	if [ "$2" = ok ]; then
		pass=$((pass + 1))
		echo "selftest $1: PASSED ($3)"
	else
		fail=$((fail + 1))
		echo "selftest $1: FAILED ($3)"
	fi
}

run() { # CASE [NAME]: run the series CI on the fixture, output in
	# $res/NAME.log and $res/NAME (NAME defaults to CASE). The budget was
	# checked once above for all cases: a case runs without a deadline,
	# so that its verdict is never a budget skip (case 4 sets its own).
	local rc=0 name=${2:-$1}
	HMMCI_DEADLINE=${SELFTEST_DEADLINE:-} "$HMMCI_TOP/scripts/run-series.sh" --quick --no-setup \
		--series "$fx/$1/series" --results "$res/$name" >"$res/$name.log" 2>&1 || rc=$?
	echo $rc
}

# 1. A step that breaks the build: the row fails and names mm/hmm.c.
rc=$(run broken-build)
row=$(cat "$res/broken-build/01/build" 2>/dev/null || echo missing)
if [[ $row == FAIL*mm/hmm.c* ]] &&
	[ "$(cut -d' ' -f2 "$res/broken-build/counts")" -ge 1 ]; then
	check broken-build ok "build: $row"
else
	check broken-build bad "expected a build failure naming mm/hmm.c, got: $row (rc $rc)"
fi

# 2. A patch that does not apply: the run stops (non-zero), names the patch
#    and the file, and leaves the worktree clean at the base.
rc=$(run no-apply)
row=$(cat "$res/no-apply/01/apply" 2>/dev/null || echo missing)
head=$(git -C "$HMMCI_WORKTREE" rev-parse HEAD)
base=$(git -C "$HMMCI_WORKTREE" rev-parse "$HMMCI_BASE_TAG^{commit}" 2>/dev/null || echo none)
dirty=$(git -C "$HMMCI_WORKTREE" status --porcelain --untracked-files=no)
inam=0
[ -d "$(git -C "$HMMCI_WORKTREE" rev-parse --path-format=absolute --git-path rebase-apply)" ] && inam=1
if [ "$rc" -ne 0 ] && [[ $row == FAIL*mm/hmm.c* ]] &&
	grep -q 'does not apply' "$res/no-apply.log" &&
	grep -q '0001-mm-hmm-harness-self-test-a-patch-that-does-not-apply.patch' "$res/no-apply.log" &&
	[ -z "$dirty" ] && [ $inam -eq 0 ] && [ "$head" = "$base" ]; then
	check no-apply ok "stopped with exit $rc, apply: $row, tree clean at base"
else
	check no-apply bad "rc $rc, apply: $row, dirty: '${dirty}', am in progress: $inam, HEAD $head vs base $base"
fi

# 3. A step with a new warning: the row fails and names mm/hmm.c.
rc=$(run new-warning)
row=$(cat "$res/new-warning/01/warnings" 2>/dev/null || echo missing)
if [[ $row == FAIL*mm/hmm.c*unused* ]]; then
	check new-warning ok "warnings: $row"
else
	check new-warning bad "expected a new -Wunused-variable warning in mm/hmm.c, got: $row (rc $rc)"
fi

# 4. No time left (a deadline of now): both steps are SKIP rows naming the
#    time budget, nothing is built, the budget log lists them, and the
#    run itself does not fail.
rc=$(SELFTEST_DEADLINE=$(date +%s) HMMCI_BUDGET_LOG=$res/budget-skipped.txt run new-warning budget)
row=$(cat "$res/budget/01/build" 2>/dev/null || echo missing)
if [ "$rc" -eq 0 ] && [[ $row == SKIP*"time budget"* ]] &&
	[ ! -f "$res/budget/01/build.log" ] &&
	grep -qx 'x86_64 step 00' "$res/budget-skipped.txt" &&
	grep -qx 'x86_64 step 01' "$res/budget-skipped.txt"; then
	check budget ok "build: $row"
else
	check budget bad "expected SKIP rows for the time budget, got: $row (rc $rc, log: $(paste -sd, "$res/budget-skipped.txt" 2>/dev/null))"
fi

# 5. A boot that fails once and passes the next time is reported as
#    flaky and passes; one that fails twice fails (boot_with_retry of
#    lib.sh, with a stand-in for boot-test.sh: no QEMU).
fl=$res/flaky
rm -rf "$fl"
mkdir -p "$fl"
once=0 always=0
(boot_with_retry "$fl/once" "$fx/flaky-boot/boot.sh" once "$fl/once") >"$fl/once.log" 2>&1 || once=$?
(boot_with_retry "$fl/always" "$fx/flaky-boot/boot.sh" always "$fl/always") >"$fl/always.log" 2>&1 || always=$?
k1=$(cat "$fl/once/kunit" 2>/dev/null || echo missing)
k2=$(cat "$fl/always/kunit" 2>/dev/null || echo missing)
if [[ $k1 == PASS* ]] && grep -qs 'selftest.fake_case' "$fl/once/flaky.txt" &&
	[[ $(cat "$fl/once/boot-1/kunit" 2>/dev/null) == FAIL* ]] &&
	[[ $k2 == FAIL* ]] && [ ! -f "$fl/always/flaky.txt" ] &&
	[ -d "$fl/always/boot-1" ]; then
	check flaky-boot ok "once: $k1, $(cat "$fl/once/flaky.txt"); always: $k2"
else
	check flaky-boot bad "once: $k1 (rc $once, flaky: $(cat "$fl/once/flaky.txt" 2>/dev/null)); always: $k2 (rc $always)"
fi

# 6. Two runs on one cache: the second waits for the first, saying so,
#    and goes on once it is done; one that cannot wait long enough fails,
#    naming the holder; a script the run calls inherits the lock. cache_lock
#    of lib.sh on a cache of the case's own (this run holds the real one),
#    with a stand-in holder that lets go only when told: no build, no race.
lk=$res/lock
mkdir -p "$lk/cache"
lock_run() { # WAIT: a run that takes the lock of $lk/cache, then a child that inherits it
	env -u HMMCI_LOCKED HMMCI_CACHE="$lk/cache" HMMCI_LOCK_WAIT="$1" \
		bash -c '. "$1/scripts/lib.sh"; cache_lock; echo locked
			HMMCI_LOCK_WAIT=1 bash -c ". \"$1/scripts/lib.sh\"; cache_lock; echo nested" _ "$1"' \
		_ "$HMMCI_TOP"
}
poll() { # SECONDS CMD...: until CMD succeeds, at most SECONDS
	local n=$(($1 * 10))
	shift
	until "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.1
	done
}
rm -f "$lk/release" "$lk"/*.log
flock "$lk/cache/lock" bash -c 'until [ -e "$1" ]; do sleep 0.1; done' _ "$lk/release" &
holder=$!
poll 10 eval '! flock -n "$lk/cache/lock" true' || true
echo "pid $holder (the self-test's holder)" >"$lk/cache/lock.owner"
gaveup=0 waited=0
lock_run 1 >"$lk/gaveup.log" 2>&1 || gaveup=$?
lock_run 60 >"$lk/waited.log" 2>&1 &
waiter=$!
poll 30 grep -q "waiting for it" "$lk/waited.log" || true
touch "$lk/release"
wait "$waiter" || waited=$?
wait "$holder" || true
if [ "$gaveup" -ne 0 ] && grep -q "still in use by pid $holder" "$lk/gaveup.log" &&
	! grep -q '^locked' "$lk/gaveup.log" &&
	[ "$waited" -eq 0 ] && grep -q "waiting for it" "$lk/waited.log" &&
	grep -q '^locked' "$lk/waited.log" && grep -q '^nested' "$lk/waited.log"; then
	check cache-lock ok "a run that could wait 1 s gave up naming the holder; one that could wait waited, ran, and its child inherited the lock"
else
	check cache-lock bad "gave up: rc $gaveup ($(tail -n1 "$lk/gaveup.log")); waited: rc $waited ($(tail -n1 "$lk/waited.log"))"
fi

# 7. Disk: check_disk (lib.sh, the test command's first step) on a cache
#    of its own, needing more free space than any disk has, must fail,
#    name the numbers and the command that shows them, and write nothing
#    into that cache.
dk=$res/disk
mkdir -p "$dk/cache"
drc=0
(HMMCI_CACHE=$dk/cache HMMCI_BUILD=$dk/cache/build HMMCI_BASE_TREE=$dk/cache/src \
	HMMCI_MIN_FREE_GIB=1000000 check_disk) >"$dk/log" 2>&1 || drc=$?
if [ "$drc" -ne 0 ] && grep -q 'GiB free where the cache is, the run needs about 1000000 GiB' "$dk/log" &&
	grep -q "reproduce: df -h $dk/cache" "$dk/log" && [ -z "$(ls -A "$dk/cache")" ]; then
	check disk ok "stopped before writing anything: $(grep -m1 'GiB free' "$dk/log" | cut -c1-120)"
else
	check disk bad "rc $drc: $(tail -n1 "$dk/log"); cache: $(ls -A "$dk/cache" | tr '\n' ' ')"
fi

# 8. A corrupt cache: a base tree whose v7.3.4 tag names a commit that
#    fetch-base.sh did not make (no import record, another author) is
#    refused, naming the commit and the command that imports it again;
#    nothing is downloaded.
cf=$res/cache-fault
bt=$cf/cache/src/linux-source-7.3
mkdir -p "$bt"
crc=0 other=none
fixture() { # the fixture tree, whatever this machine's git configuration
	GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git -C "$bt" \
		-c user.name=selftest -c user.email=selftest@invalid "$@"
}
if fixture init -q -b base && fixture commit -q --no-verify --allow-empty -m "not the import" &&
	fixture tag "$HMMCI_BASE_TAG"; then
	other=$(git -C "$bt" rev-parse HEAD)
	env -u HMMCI_LOCKED -u HMMCI_BASE_TREE -u HMMCI_WORKTREE HMMCI_CACHE="$cf/cache" \
		"$HMMCI_TOP/scripts/fetch-base.sh" >"$cf/log" 2>&1 || crc=$?
else
	echo "could not make the fixture tree" >"$cf/log"
fi
if [ "$crc" -ne 0 ] && grep -q "is $other, not an import of" "$cf/log" &&
	grep -q 'reproduce: scripts/fetch-base.sh --force' "$cf/log" && [ ! -d "$cf/cache/debs" ]; then
	check cache-fault ok "refused: $(grep -m1 ERROR "$cf/log" | cut -c1-110)"
else
	check cache-fault bad "rc $crc: $(tail -n1 "$cf/log")"
fi

# 9. A build directory configured from another tree (another worktree, a
#    --tree run): build_dir_source (lib.sh, called by make-config.sh
#    before every configuration) must empty it, naming both trees, and
#    keep the warning records; one of this tree is left alone.
bd=$res/build-dir
mkdir -p "$bd/other/mm" "$bd/same/mm"
printf 'include %s/Makefile\n' /nonexistent/other-tree >"$bd/other/Makefile"
printf 'include %s/Makefile\n' "$HMMCI_WORKTREE" >"$bd/same/Makefile"
touch "$bd/other/mm/hmm.o" "$bd/other/.hmmci-warnings" "$bd/same/mm/hmm.o"
(build_dir_source "$bd/other" "$HMMCI_WORKTREE" && build_dir_source "$bd/same" "$HMMCI_WORKTREE") >"$bd/log" 2>&1 || true
if grep -q "was configured from /nonexistent/other-tree, not from $(realpath -m "$HMMCI_WORKTREE")" "$bd/log" &&
	[ ! -e "$bd/other/mm/hmm.o" ] && [ ! -e "$bd/other/Makefile" ] && [ -e "$bd/other/.hmmci-warnings" ] &&
	[ -e "$bd/same/mm/hmm.o" ] && [ "$(grep -c configured "$bd/log")" -eq 1 ]; then
	check build-dir ok "emptied: $(grep -m1 configured "$bd/log" | cut -c10-110)"
else
	check build-dir bad "$(tail -n1 "$bd/log"); other: $(cd "$bd/other" && find . | tr '\n' ' '); same: $(cd "$bd/same" && find . | tr '\n' ' ')"
fi

# 10. Guest faults: a suite that hangs, a kernel panic in the middle of a
#    suite, a guest without its results share. Each guest is booted by the
#    real boot-test.sh and judged by judge-boot.sh: the kernel and the
#    initramfs of this run's base step, with the fixture's suite and an
#    /init made from ci/guest/init appended (a later cpio member replaces
#    an earlier one). Each boot must fail with its reason, naming the
#    suite, and show the end of the console in its log; nothing is written
#    outside the case's own directory.
gf=$res/guest-faults
img=$HMMCI_TOP/results/series/00
fault_prep() { # KIND SUITE: the step directory of a boot of the base step with the fixture
	local d=$gf/$1
	mkdir -p "$d/root/fixture"
	cp "$img/bzImage" "$d/"
	cp "$img/image-version" "$d/" 2>/dev/null || true
	sed 's#/suites/\*#/fixture/*#' "$HMMCI_TOP/ci/guest/init" >"$d/root/init"
	[ "$1" != noshare ] ||
		sed -i 's#msize=262144 results /results#msize=262144 missing-share /results#' "$d/root/init"
	cp "$fx/guest-faults/$2" "$d/root/fixture/10-$1"
	chmod 755 "$d/root/init" "$d/root/fixture/10-$1"
	(cd "$d/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -9) >"$d/fixture.cpio.gz"
	cat "$img/initramfs.cpio.gz" "$d/fixture.cpio.gz" >"$d/initramfs.cpio.gz"
}
fault_boot() { # KIND TIMEOUT: boot it (in the background with a third argument &)
	local d=$gf/$1
	if [ "${3:-}" = '&' ]; then
		HMMCI_DEADLINE='' HMMCI_ACCEL=tcg HMMCI_HOSTROOT=0 HMMCI_BOOT_TIMEOUT=$2 \
			"$HMMCI_TOP/scripts/boot-test.sh" "$d" "$d" >"$d.log" 2>&1 &
	else
		HMMCI_DEADLINE='' HMMCI_ACCEL=tcg HMMCI_HOSTROOT=0 HMMCI_BOOT_TIMEOUT=$2 \
			"$HMMCI_TOP/scripts/boot-test.sh" "$d" "$d" >"$d.log" 2>&1
	fi
}
boot_fault() { # KIND SUITE TIMEOUT: boot the base step with the fixture
	local rc=0
	fault_prep "$1" "$2"
	fault_boot "$1" "$3" || rc=$?
	echo "$rc"
}
fault_ok() { # KIND RC PATTERN: the boot failed with PATTERN and showed the console
	local d=$gf/$1
	[ "$2" -ne 0 ] && grep -Eq "$3" "$d/boot" 2>/dev/null &&
		grep -q 'the console ends with' "$d.log" && [ -s "$d/console-tail.txt" ]
}
if [ ! -f "$img/bzImage" ] || [ ! -f "$img/initramfs.cpio.gz" ]; then
	skip=$((skip + 2))
	echo "selftest guest-faults, guest-killed: SKIPPED (no base step to boot: $img/bzImage and initramfs.cpio.gz come from scripts/run-series.sh --steps 0)"
elif ! (need_cmd cpio gzip qemu-system-x86_64) 2>"$gf.err"; then
	check guest-faults bad "$(grep -m1 ERROR "$gf.err")"
	check guest-killed bad "$(grep -m1 ERROR "$gf.err")"
else
	rm -rf "$gf"
	mkdir -p "$gf"
	h=$(boot_fault hang hang 30)
	p=$(boot_fault panic panic 600)
	n=$(boot_fault noshare pass 600)
	if fault_ok hang "$h" '^FAIL hang: no clean shutdown within 30s during suite hang$' &&
		fault_ok panic "$p" '^FAIL panic during suite panic: .*Kernel panic' &&
		fault_ok noshare "$n" '^FAIL no results: the guest could not mount its results share' &&
		[ ! -e "$gf/noshare/guest/status" ]; then
		check guest-faults ok "hang: $(cut -c6-60 "$gf/hang/boot"); panic: $(grep -o 'Kernel panic.*' "$gf/panic/boot" | cut -c1-60); no share: $(cut -c6-60 "$gf/noshare/boot")"
	else
		check guest-faults bad "hang (rc $h): $(cat "$gf/hang/boot" 2>/dev/null); panic (rc $p): $(cat "$gf/panic/boot" 2>/dev/null); no share (rc $n): $(cat "$gf/noshare/boot" 2>/dev/null)"
	fi
	# A boot killed midway: boot-test.sh gets SIGTERM while its guest is
	# in a suite that hangs, as it does when the run's process group is
	# signalled (timeout(1) keeps QEMU in a group of its own, which that
	# signal does not reach). QEMU must be gone within seconds, no verdict
	# may say PASS, and the same step directory must then boot the
	# passing suite and pass.
	d=$gf/killed
	# qemu_of DIR: the pids of the QEMUs sharing DIR/guest: processes
	# named qemu-system* whose command line holds the share's path, read
	# as a fixed string (no procps, no regex of the path; a grep of all
	# command lines would find its own)
	qemu_of() {
		local f pid comm
		for f in /proc/[0-9]*/cmdline; do
			pid=${f#/proc/}
			pid=${pid%/cmdline}
			read -r comm 2>/dev/null <"/proc/$pid/comm" || continue
			[[ $comm == qemu-system* ]] || continue
			! grep -qaF -- "path=$1/guest," "$f" 2>/dev/null || echo "$pid"
		done
	}
	fault_prep killed hang
	fault_boot killed 600 '&'
	bpid=$!
	poll 300 grep -rqs 'before the hang' "$d/guest" || true
	hung=$(grep -rls 'before the hang' "$d/guest" 2>/dev/null | head -n1 || true)
	kill -TERM "$bpid" 2>/dev/null || true
	krc=0
	wait "$bpid" || krc=$?
	poll 10 eval '[ -z "$(qemu_of "$d")" ]' || true
	left=$(qemu_of "$d" | tr '\n' ' ')
	kb=$(cat "$d/boot" 2>/dev/null || echo none)
	mv "$d.log" "$d-killed.log" 2>/dev/null || true
	cp "$fx/guest-faults/pass" "$d/root/fixture/10-killed"
	(cd "$d/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -9) >"$d/fixture.cpio.gz"
	cat "$img/initramfs.cpio.gz" "$d/fixture.cpio.gz" >"$d/initramfs.cpio.gz"
	arc=0
	[ -n "$left" ] || fault_boot killed 600 || arc=$?
	if [ -n "$hung" ] && [ "$krc" -ne 0 ] && [ -z "$left" ] && [[ $kb != PASS* ]] && [ "$arc" -eq 0 ] &&
		[[ $(cat "$d/boot" 2>/dev/null) == PASS* ]] && grep -q '^killed:pass$' "$d/guest/status"; then
		check guest-killed ok "killed in the hanging suite (exit $krc, boot verdict: ${kb:0:30}): QEMU gone; booted again: $(cut -c1-40 "$d/boot")"
	else
		check guest-killed bad "suite reached: ${hung:-no}; exit $krc; verdict after the kill: $kb; QEMU left: ${left:-none}; boot again: rc $arc, $(cat "$d/boot" 2>/dev/null)"
		# shellcheck disable=SC2086 # pids
		[ -z "$left" ] || kill $left 2>/dev/null || true
	fi
fi

# 11. Interruption: a run killed (SIGTERM to its process group, as a CI
#     job's cancel does) once its log starts the base step, once it
#     starts step 1 (git am) and a second later (the build) leaves nothing
#     the next run trusts wrongly: after each kill a run of the same
#     series passes, and no git am is left in progress in the worktree.
#     Where the signal lands varies (a reused base step takes no time);
#     the verdict names the log's last line at the kill.
ir=$res/interrupt
mkdir -p "$ir"
kill_at() { # NAME PATTERN SECONDS: kill a run once its log has PATTERN
	local log=$ir/$1.log pid
	HMMCI_DEADLINE='' setsid "$HMMCI_TOP/scripts/run-series.sh" --quick --no-setup \
		--series "$fx/interrupt/series" --results "$ir/$1" >"$log" 2>&1 &
	pid=$!
	poll 300 grep -q "$2" "$log" || true
	sleep "$3"
	kill -TERM -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
irc=0 iwhy=
for point in "base|== step 0|0" "am|== step 1|0" "build|== step 1|1"; do
	IFS='|' read -r name pattern after <<<"$point"
	kill_at "killed-$name" "$pattern" "$after"
	rc=$(run interrupt "interrupt/after-$name")
	row=$(cat "$res/interrupt/after-$name/01/build" 2>/dev/null || echo missing)
	inam=0
	[ ! -d "$(git -C "$HMMCI_WORKTREE" rev-parse --path-format=absolute --git-path rebase-apply)" ] || inam=1
	iwhy+="${iwhy:+; }killed at $name ($(tail -n1 "$ir/killed-$name.log" | cut -c1-40)), then rc $rc, build $row"
	if [ "$rc" -ne 0 ] || [[ $row != PASS* ]] || [ $inam -ne 0 ]; then
		irc=1
	fi
done
if [ $irc -eq 0 ]; then
	check interrupt ok "$iwhy"
else
	check interrupt bad "$iwhy"
fi

# 12. A cut download and a cut import: fetch-base.sh on a cache of its own
#     holding a base tree without its tag (an import that did not finish)
#     and a .deb cut short (a kill or a full disk during the download).
#     It must say both, remove the cut .deb, and ask the mirror for it
#     again: stand-ins for apt-get and apt-cache record the calls and fail
#     the download, so nothing is downloaded, and nothing cut is extracted
#     or imported (the tree is left as it was).
ff=$res/fetch-fault
fdeb=$ff/cache/debs/${HMMCI_BASE_PKG}_${HMMCI_BASE_VERSION}_all.deb
bt=$ff/cache/src/linux-source-7.3
mkdir -p "$ff/bin" "$ff/cache/debs" "$bt"
head -c 100000 /dev/zero >"$fdeb"
for c in apt-get apt-cache; do
	cat >"$ff/bin/$c" <<-STUB
	#!/bin/sh
	echo "$c \$*" >>"$ff/calls"
	case " \$* " in *" download "*) echo "E: stand-in: no download" >&2; exit 100 ;; esac
	exit 0
	STUB
	chmod 755 "$ff/bin/$c"
done
frc=0
if fixture init -q -b base && fixture commit -q --no-verify --allow-empty -m "half an import"; then
	half=$(git -C "$bt" rev-parse HEAD)
	env -u HMMCI_LOCKED -u HMMCI_BASE_TREE -u HMMCI_WORKTREE HMMCI_CACHE="$ff/cache" \
		PATH="$ff/bin:$PATH" "$HMMCI_TOP/scripts/fetch-base.sh" >"$ff/log" 2>&1 || frc=$?
else
	half=none
	echo "could not make the fixture tree" >"$ff/log"
fi
if [ "$frc" -ne 0 ] && grep -q "has no readable $HMMCI_BASE_TAG (an import that did not finish): importing again" "$ff/log" &&
	grep -q "is 100000 bytes, sha256 .*not the pinned .*: removed, downloading again" "$ff/log" &&
	[ ! -e "$fdeb" ] && grep -q "apt-get .* download $HMMCI_BASE_PKG=$HMMCI_BASE_VERSION" "$ff/calls" &&
	grep -q 'ERROR: download failed' "$ff/log" &&
	[ "$(git -C "$bt" rev-parse HEAD 2>/dev/null)" = "$half" ]; then
	check fetch-fault ok "$(grep -c . "$ff/calls") apt calls; $(grep -o 'is 100000 bytes.*removed' "$ff/log" | cut -c1-60)"
else
	check fetch-fault bad "rc $frc: $(grep -E 'base:|ERROR' "$ff/log" | tail -n2 | tr '\n' ' ' | cut -c1-200); .deb $([ -e "$fdeb" ] && echo kept || echo removed)"
fi

# 13. Two real runs at once: two run-series.sh --quick runs of the
#     interrupt fixture, started together, each taking the cache lock
#     itself. Their lock and stored rows are in a cache directory of their
#     own (this self-test holds the real lock); the base tree, worktree,
#     build directory and ccache are this run's, as two runs on one
#     machine share them. One must wait for the other, saying so, and
#     both must pass with the fixture's rows: neither sees the other's
#     half-applied worktree or build.
cr=$res/concurrent
mkdir -p "$cr/cache"
two() { # NAME: one of the two runs
	env -u HMMCI_LOCKED HMMCI_DEADLINE='' HMMCI_LOCK_WAIT=3600 HMMCI_CACHE="$cr/cache" \
		HMMCI_BASE_TREE="$HMMCI_BASE_TREE" HMMCI_WORKTREE="$HMMCI_WORKTREE" \
		HMMCI_BUILD="$HMMCI_BUILD" CCACHE_DIR="$CCACHE_DIR" HMMCI_GUESTROOT="$HMMCI_GUESTROOT" \
		"$HMMCI_TOP/scripts/run-series.sh" --quick --no-setup --force \
		--series "$fx/interrupt/series" --results "$cr/$1" >"$cr/$1.log" 2>&1
}
arc=0 brc=0
two a &
apid=$!
two b &
bpid=$!
wait "$apid" || arc=$?
wait "$bpid" || brc=$?
rows() { # NAME: the verdicts of its two rows
	echo "$(cut -d' ' -f1 "$cr/$1/00/build" 2>/dev/null || echo missing) $(cut -d' ' -f1 "$cr/$1/01/build" 2>/dev/null || echo missing)"
}
waited=$(cat "$cr/a.log" "$cr/b.log" 2>/dev/null | grep -c 'waiting for it' || true)
if [ "$arc" -eq 0 ] && [ "$brc" -eq 0 ] && [ "$(rows a)" = "PASS PASS" ] && [ "$(rows b)" = "PASS PASS" ] &&
	[ "$waited" -eq 1 ] && grep -q 'is free now' "$cr/a.log" "$cr/b.log"; then
	check concurrent ok "both passed, one waited for the other: $(grep -h -m1 -oE 'in use by (pid [0-9]+|an unknown run)' "$cr/a.log" "$cr/b.log" | head -n1)"
else
	check concurrent bad "a: rc $arc, rows $(rows a); b: rc $brc, rows $(rows b); runs that waited: $waited"
fi

echo "$pass $fail $skip" >"$res/counts"
echo "$pass passed, $fail failed, $skip skipped"
