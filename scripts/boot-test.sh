#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot one step's kernel in QEMU on the test machine of a profile
# (ci/profiles/: x86_64, arm64-4k, arm64-64k; KVM when the profile allows
# it and /dev/kvm works, TCG otherwise) with its initramfs, then judge the
# run (judge-boot.sh): a clean shutdown after every suite, KUnit (KTAP on
# the console, parsed by kunit.py) and the kselftests.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $0 [--profile NAME] OUTDIR RESULTDIR   (needs RESULTDIR/initramfs.cpio.gz)" >&2
	echo "  NAME: a test machine of ci/profiles/ (default x86_64)" >&2
	exit 2
}
profile=x86_64
if [ "${1:-}" = --profile ]; then
	[ $# -ge 2 ] || usage
	profile=$2
	shift 2
fi
[ $# -eq 2 ] || usage
out=$1 res=$2
profile_load "$profile"
qemu=$prof_qemu
need_cmd "$qemu" python3

# KVM needs the CPU's virtualization extensions: in a VM whose CPUs show
# neither vmx nor svm, /dev/kvm may open but no guest runs (QEMU aborts or
# never prints a byte), so do not spend a 30 s attempt on it. A profile
# of another architecture than the host's has kvm=no.
kvm_usable() {
	[ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo
}

accel=tcg
if [ "$prof_kvm" = yes ]; then
	accel=${HMMCI_ACCEL:-auto}
	if [ "$accel" = auto ]; then
		accel=tcg
		kvm_usable && accel=kvm
	fi
fi

cmdline="console=$prof_console panic=-1 oops=panic loglevel=7 $prof_hugetlb"
if [ "${HMMCI_COHERENT:-0}" = 1 ]; then
	# Opt-in: 512 MiB of reserved RAM that test_hmm uses as DEVICE_COHERENT
	# memory for /dev/hmm_dmirror2 and 3 (as test_hmm.sh does). On v7.3.4
	# this oopses the guest: see docs/checks.md, "Device coherent".
	cmdline+=' memmap=512M$0x180000000'
	cmdline+=" test_hmm.spm_addr_dev0=0x180000000 test_hmm.spm_addr_dev1=0x190000000"
fi
# The profile's own parameters, then the operator's.
[ -z "$prof_cmdline" ] || cmdline+=" $prof_cmdline"
cmdline+=" ${HMMCI_CMDLINE:-}"

guest=$res/guest
# The image build-kernel.sh (or arm64-check.sh) kept for this step, else
# the build dir's.
kernel=$res/$(basename "$prof_image")
[ -f "$kernel" ] || kernel=$out/$prof_image

# boot ACCEL: run QEMU once; for KVM, give up after 30 s without a byte on
# the console (nested KVM that accepts the VM but never runs it), so the
# caller can fall back to TCG.
boot() {
	local a=$1 t pid
	if [ "$a" = kvm ]; then
		aflags=(-accel kvm -cpu host)
		full=${HMMCI_BOOT_TIMEOUT:-600}
	else
		aflags=(-accel tcg -cpu "$prof_cpu")
		full=${HMMCI_BOOT_TIMEOUT:-$prof_timeout}
	fi
	[ -z "$prof_machine" ] || aflags=(-machine "$prof_machine" "${aflags[@]}")
	# The time budget may cut the timeout: a guest stopped by that cut
	# is a budget skip (judge-boot.sh), not a hang.
	limit=$(boot_timeout "$full")
	capped=0
	[ "$limit" -ge "$full" ] || capped=1
	rm -rf "$guest" "$res/console.log"
	mkdir -p "$guest"
	qcmd=("$qemu" "${aflags[@]}" -m "$prof_memory" -smp 2 -nodefaults -display none -no-reboot
		-kernel "$kernel" -initrd "$res/initramfs.cpio.gz"
		-append "$cmdline" -serial "file:$res/console.log" -nic none
		-virtfs "local,path=$guest,mount_tag=results,security_model=none,id=results")
	# The host's root, read-only: the rdma-core suite runs the host's
	# python3 and pyverbs tests in a chroot into it (HMMCI_HOSTROOT=0: off).
	if [[ " $prof_shares " == *" hostroot "* ]] && [ "${HMMCI_HOSTROOT:-1}" = 1 ]; then
		qcmd+=(-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap,id=hostroot")
	fi
	# The Debian unstable root with the newest rdma-core
	# (fetch-guestroot.sh), read-only, for the suites that chroot into it.
	if [[ " $prof_shares " == *" guestroot "* ]] && [ -f "$HMMCI_GUESTROOT/.hmmci-root" ]; then
		qcmd+=(-virtfs "local,path=$HMMCI_GUESTROOT,mount_tag=guestroot,security_model=none,readonly=on,multidevs=remap,id=guestroot")
	fi
	printf '%q ' timeout "$limit" "${qcmd[@]}" >"$res/boot.cmd"
	echo >>"$res/boot.cmd"
	echo "$a" >"$res/accel"
	log "boot: $profile, $a, timeout ${limit}s; console: $res/console.log"
	t=$(date +%s)
	rc=0
	timeout "$limit" "${qcmd[@]}" >"$res/qemu.log" 2>&1 &
	pid=$! qpid=$!
	if [ "$a" = kvm ]; then
		while kill -0 $pid 2>/dev/null && [ ! -s "$res/console.log" ] &&
			[ $(($(date +%s) - t)) -lt 30 ]; do
			sleep 1
		done
		if [ ! -s "$res/console.log" ]; then
			kill $pid 2>/dev/null || true
			wait $pid 2>/dev/null || true
			qpid=
			log "boot: KVM did not run the guest ($(tail -n1 "$res/qemu.log")); falling back to TCG"
			return 99
		fi
	fi
	wait $pid || rc=$?
	qpid=
	echo $(($(date +%s) - t)) >"$res/boot_s"
	log "boot: qemu exit $rc after $(cat "$res/boot_s")s"
	return $rc
}

# timeout(1) puts itself and QEMU in a process group of their own, so a
# signal to the run's process group (Ctrl-C, a cancelled CI job) reaches
# this script but not QEMU, which ran on to its timeout, into the results
# share of a step that the next run makes again. On INT or TERM the guest
# is stopped (timeout passes the signal on to QEMU), then the signal is
# raised again, so that the callers stop as they would have (bash goes on
# after a child that exits 130 as if it had handled the Ctrl-C).
qpid=
stop_guest() { # SIGNAL
	trap - "$1"
	if [ -n "$qpid" ]; then
		kill "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
	fi
	kill -s "$1" $$
}
trap 'stop_guest INT' INT
trap 'stop_guest TERM' TERM
rc=0
boot "$accel" || rc=$?
if [ $rc -eq 99 ]; then
	echo "KVM: /dev/kvm opens but runs no guest here" >"$res/accel-note"
	rc=0
	boot tcg || rc=$?
fi

echo "$rc $limit $capped" >"$res/qemu_rc"
jrc=0
"$HMMCI_TOP/scripts/judge-boot.sh" "$res" "$rc" "$limit" "$capped" || jrc=$?
# The guest must have run the image this step built: the build number
# ("#N") of its banner is the one of build-kernel.sh's image-version.
# Results of another kernel are no results. (Only "#N": file(1) cuts long
# version strings; -a: a console may hold a NUL byte.)
want=$(cut -d' ' -f1 "$res/image-version" 2>/dev/null || true)
ran=$(grep -a -m1 'Linux version' "$res/console.log" 2>/dev/null |
	grep -o '#[0-9][0-9]*' | head -n1 || true)
if [ -n "$want" ] && [ -n "$ran" ] && [ "$ran" != "$want" ]; then
	why="FAIL the guest ran kernel build $ran, this step built $want ($kernel)"
	for f in boot kunit kselftest; do echo "$why" >"$res/$f"; done
	log "boot: $why"
	exit 1
fi
exit $jrc
