#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tests of scripts/boot-test.sh under a signal, with a stand-in QEMU that
# records its pid and sleeps: timeout(1) keeps QEMU in a process group of
# its own, so only boot-test.sh's trap can stop it. A boot killed by a
# signal must leave no QEMU behind, and the signal must reach the callers
# (bash goes on after a child that exits 130 instead of dying of SIGINT).
#
# usage: test_boot_signal.sh --list | CASE
# --list prints the cases, one a line; CASE runs one in the current
# directory (scripts/unit-tests.sh gives each its own mktemp -d) and exits
# 0 (pass) or 1 (fail, the reason on stdout).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$PWD

fail() {
	echo "$*"
	[ ! -f qemu.pid ] || kill "$(cat qemu.pid)" 2>/dev/null || true
	exit 1
}

# setup: the stand-in QEMU, a step directory to boot, a cache of its own
setup() {
	mkdir -p bin step out/arch/x86/boot cache
	cat >bin/qemu-system-x86_64 <<-EOF
	#!/bin/sh
	echo \$\$ >"$work/qemu.pid"
	exec sleep 300
	EOF
	chmod 755 bin/qemu-system-x86_64
	echo kernel >step/bzImage
	echo initramfs >step/initramfs.cpio.gz
	export PATH=$work/bin:$PATH HMMCI_CACHE=$work/cache HMMCI_ACCEL=tcg
	unset HMMCI_DEADLINE HMMCI_LOCKED
}
# started: until the stand-in QEMU runs (at most 20 s)
started() {
	local n=200
	until [ -s qemu.pid ] && kill -0 "$(cat qemu.pid)" 2>/dev/null; do
		n=$((n - 1))
		[ $n -gt 0 ] || fail "the stand-in QEMU did not start: $(tail -n2 boot.log 2>/dev/null)"
		sleep 0.1
	done
}
# gone: the stand-in QEMU has ended (within 10 s)
gone() {
	local n=100
	while kill -0 "$(cat qemu.pid)" 2>/dev/null; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.1
	done
}

# SIGTERM to boot-test.sh alone: QEMU is stopped, and boot-test.sh dies
# of the signal.
case_term_stops_qemu() {
	local pid rc=0
	setup
	"$top/scripts/boot-test.sh" out step >boot.log 2>&1 &
	pid=$!
	started
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	gone || fail "QEMU (pid $(cat qemu.pid)) still runs after boot-test.sh got SIGTERM"
	[ $rc -eq 143 ] || fail "boot-test.sh exited $rc, not 143 (killed by SIGTERM)"
}

# Ctrl-C: SIGINT to the process group of a script that calls
# boot-test.sh. The script must die of SIGINT too, not go on to its next
# command, and QEMU must be gone. (A background job ignores SIGINT, so
# python starts the caller with SIGINT's default action, in a session of
# its own, as a terminal's foreground job is.)
case_int_stops_caller() {
	local out
	setup
	cat >caller.sh <<-EOF
	#!/bin/bash
	"$top/scripts/boot-test.sh" out step >boot.log 2>&1 || true
	echo "the caller went on" >went-on
	EOF
	chmod 755 caller.sh
	out=$(python3 - <<-'EOF'
	import os, signal, subprocess, time
	def child():
	    signal.signal(signal.SIGINT, signal.SIG_DFL)
	    os.setsid()
	p = subprocess.Popen(["./caller.sh"], preexec_fn=child)
	for _ in range(200):
	    if os.path.exists("qemu.pid") and os.path.getsize("qemu.pid"):
	        break
	    time.sleep(0.1)
	os.killpg(p.pid, signal.SIGINT)
	print(p.wait())
	EOF
	)
	[ -s qemu.pid ] || fail "the stand-in QEMU did not start: $(tail -n2 boot.log 2>/dev/null)"
	gone || fail "QEMU (pid $(cat qemu.pid)) still runs after Ctrl-C"
	[ ! -e went-on ] || fail "the caller went on after Ctrl-C (its exit: $out)"
	[ "$out" = -2 ] || fail "the caller exited $out, not killed by SIGINT (-2)"
}

. "$top/ci/unit/cases.sh"
