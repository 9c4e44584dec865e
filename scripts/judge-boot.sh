#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Judge one boot of a test guest (boot-test.sh, any profile): the boot
# verdict from QEMU's exit code and the console (a hang, a panic, a kernel
# BUG/WARNING/oops, a guest that did not run its suites to the end), then
# KUnit (the console's KTAP, parsed by the kernel's kunit.py) and the guest
# suites' TAP, against the tests that must fail until their fix is applied
# (judge-results.py). Writes RESULTDIR/boot, kunit and kselftest; exits
# non-zero when the boot failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $0 RESULTDIR QEMU-EXIT-CODE TIMEOUT-SECONDS [CAPPED(0|1)]" >&2
	exit 2
}
[ $# -eq 3 ] || [ $# -eq 4 ] || usage
res=$1 rc=$2 limit=$3 capped=${4:-0}
need_cmd python3

# A timeout that the time budget had cut (boot_timeout in lib.sh): the
# guest was stopped for time, which says nothing about the kernel.
if [ "$rc" -eq 124 ] && [ "$capped" = 1 ]; then
	budget_skip "boot of $(basename "$res") (stopped at the deadline)" "$limit" \
		"$res/boot" "$res/kunit" "$res/kselftest"
	exit 0
fi

status=$res/guest/status
console=$res/console.log
# Kernel messages without their timestamps.
klog() { sed 's/^\[[ 0-9.]*\] //' "$console" 2>/dev/null; }
oops='^(BUG|WARNING|Oops|general protection|Internal error|Unable to handle)'
# The suite the guest was in when it stopped: the last one /init started
# (ci/guest/init prints "HMMCI: suite NAME start", then its end).
running=$(grep -a -o 'HMMCI: suite [^ ]* start' "$console" 2>/dev/null | tail -n1 | cut -d' ' -f3 || true)
if [ -n "$running" ] && grep -aq "HMMCI: suite $running \(pass\|skip\|fail\)" "$console"; then
	running=
fi
during=${running:+ during suite $running}
verdict=PASS
why=
if [ "$rc" -eq 124 ]; then
	if grep -qx 'done:ok' "$status" 2>/dev/null; then
		verdict=FAIL why="hang: the suites finished, but the guest did not shut down within ${limit}s"
	else
		verdict=FAIL why="hang: no clean shutdown within ${limit}s$during"
	fi
elif grep -aq 'Kernel panic' "$console" 2>/dev/null; then
	verdict=FAIL why="panic$during: $(grep -a -m1 'Kernel panic' "$console")"
elif grep -aq 'HMMCI: cannot mount the results share' "$console" 2>/dev/null; then
	verdict=FAIL why="no results: the guest could not mount its results share (virtio-9p, mount_tag=results), so no suite ran"
elif [ "$rc" -ne 0 ]; then
	verdict=FAIL why="qemu exited $rc: $(tail -n1 "$res/qemu.log" 2>/dev/null)"
elif ! grep -qx 'boot:ok' "$status" 2>/dev/null; then
	verdict=FAIL why="/init did not run"
elif ! grep -qx 'done:ok' "$status" 2>/dev/null; then
	verdict=FAIL why="unclean shutdown: suites did not finish"
else
	# grep -m1 may end the pipe before sed has written everything: a
	# SIGPIPE that pipefail and set -e must not turn into an exit here.
	first=$(klog | grep -m1 -E "$oops" || true)
	[ -z "$first" ] || verdict=FAIL why="kernel warning: $first"
fi
echo "$verdict${why:+ $why}" >"$res/boot"
# A failed boot shows the end of its console in the log, where the reason
# is read, and keeps it beside the row.
rm -f "$res/console-tail.txt"
if [ "$verdict" = FAIL ]; then
	tail -n 20 "$console" 2>/dev/null | tr -d '\r' >"$res/console-tail.txt" || true
	log "boot: FAIL $why; the console ends with ($console):"
	sed 's/^/  | /' "$res/console-tail.txt" >&2
fi

kunit=$HMMCI_WORKTREE/tools/testing/kunit/kunit.py
rm -f "$res/kunit.json"
python3 "$kunit" parse --json="$res/kunit.json" "$console" >"$res/kunit.log" 2>&1 || true
git -C "$HMMCI_WORKTREE" log --format=%s -n 1000 HEAD >"$res/applied.txt"
# A proof's mutant (ci/proofs.txt), the last commit, its subject starting
# with "PROOF ONLY:", puts fixed bugs back: the patches whose subjects
# start with its "Undoes:" trailers count as not applied, so their tests
# must fail; the tests its "Breaks: SUITE|TEST" trailers name must fail
# too (and must run). Such trailers anywhere else are ignored.
: >"$res/undone.txt"
: >"$res/broken.txt"
if git -C "$HMMCI_WORKTREE" log -1 --format=%s HEAD | grep -q '^PROOF ONLY:'; then
	git -C "$HMMCI_WORKTREE" log -1 --format=%B HEAD |
		sed -n 's/^Undoes: //p' >"$res/undone.txt"
	git -C "$HMMCI_WORKTREE" log -1 --format=%B HEAD |
		sed -n 's/^Breaks: //p' >"$res/broken.txt"
	if grep -qv '^[a-z0-9-]*|[^|]*[^|[:space:]][^|]*$' "$res/broken.txt"; then
		echo "FAIL malformed Breaks: trailer in the proof's mutant (want SUITE|TEST): $(grep -v '^[a-z0-9-]*|[^|]*$' "$res/broken.txt" | head -n1)" >"$res/boot"
		log "boot: $(cat "$res/boot")"
		exit 1
	fi
fi
if [ -s "$res/undone.txt" ]; then
	awk 'NR == FNR { u[NR] = $0; n = NR; next }
		{ for (i = 1; i <= n; i++) if (index($0, u[i]) == 1) next; print }' \
		"$res/undone.txt" "$res/applied.txt" >"$res/applied.txt.new"
	mv "$res/applied.txt.new" "$res/applied.txt"
fi
python3 "$HMMCI_TOP/scripts/judge-results.py" --kunit-json "$res/kunit.json" \
	--kunit-log "$res/kunit.log" --suites "$res/guest" \
	--expect "$HMMCI_TOP/ci/expected-failures.txt" --applied "$res/applied.txt" \
	--broken "$res/broken.txt" \
	--out "$res" >/dev/null
log "boot: $(cat "$res/boot"); kunit $(cat "$res/kunit"); kselftest $(cat "$res/kselftest")"
[ "$verdict" = PASS ]
