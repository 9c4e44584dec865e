#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot one step's arm64 kernel (scripts/build-arm64.sh) in QEMU's virt
# machine (TCG: no arm64 KVM on an x86_64 host) with its initramfs
# (build-initramfs.sh with HMMCI_CROSS_ARCH=arm64), a hugetlb pool of every
# size the page size offers, judged by judge-boot.sh as on x86_64: a
# clean shutdown after the suite, KUnit (console KTAP, kunit.py) and
# hmm-tests' TAP (judge-results.py).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $0 PAGESIZE(4k|64k) IMAGE RESULTDIR   (needs RESULTDIR/initramfs.cpio.gz)" >&2
	exit 2
}
[ $# -eq 3 ] || usage
ps=$1 image=$2 res=$3
qemu=qemu-system-aarch64
need_cmd $qemu python3

# Every hugetlb size of the page size, a pool of each small enough for the
# 4 GiB guest (the tests need at most 4 pages of a size, the 1 GiB and
# 512 MiB tests one or two).
cmdline="console=ttyAMA0 panic=-1 oops=panic loglevel=7"
case $ps in
4k)
	cmdline+=" default_hugepagesz=2M hugepagesz=1G hugepages=1"
	cmdline+=" hugepagesz=32M hugepages=8 hugepagesz=2M hugepages=64"
	cmdline+=" hugepagesz=64K hugepages=64"
	;;
64k)
	cmdline+=" default_hugepagesz=2M hugepagesz=512M hugepages=2"
	cmdline+=" hugepagesz=2M hugepages=64"
	;;
*) usage ;;
esac
cmdline+=" ${HMMCI_CMDLINE:-}"

guest=$res/guest
# The time budget may cut the timeout: a guest stopped by that cut is a
# budget skip (judge-boot.sh), not a hang.
full=${HMMCI_BOOT_TIMEOUT:-1500}
limit=$(boot_timeout "$full")
capped=0
[ "$limit" -ge "$full" ] || capped=1
rm -rf "$guest" "$res/console.log"
mkdir -p "$guest"
# -cpu max with the IMPDEF pointer authentication algorithm: the
# architected one (QARMA) makes TCG several times slower.
qcmd=($qemu -machine virt -cpu max,pauth-impdef=on -m 4G -smp 2 -nodefaults
	-display none -no-reboot
	-kernel "$image" -initrd "$res/initramfs.cpio.gz"
	-append "$cmdline" -serial "file:$res/console.log" -nic none
	-virtfs "local,path=$guest,mount_tag=results,security_model=none,id=results")
printf '%q ' timeout "$limit" "${qcmd[@]}" >"$res/boot.cmd"
echo >>"$res/boot.cmd"
echo tcg >"$res/accel"
log "boot: arm64 $ps, tcg, timeout ${limit}s; console: $res/console.log"
t=$(date +%s)
rc=0
timeout "$limit" "${qcmd[@]}" >"$res/qemu.log" 2>&1 || rc=$?
echo $(($(date +%s) - t)) >"$res/boot_s"
log "boot: qemu exit $rc after $(cat "$res/boot_s")s"

exec "$HMMCI_TOP/scripts/judge-boot.sh" "$res" "$rc" "$limit" "$capped"
