#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest initramfs for one step: busybox-static, the test programs
# built from the worktree at this step (static), ci/guest/init and the
# suites under ci/guest/suites.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $0 OUTDIR RESULTDIR   (writes RESULTDIR/initramfs.cpio.gz)" >&2
	exit 2
}
[ $# -eq 2 ] || usage
out=$1 res=$2
need_cmd cpio gzip
bb=/bin/busybox
[ -x "$bb" ] && file -L "$bb" | grep -q 'statically linked' ||
	die initramfs "$bb" "apt-get install busybox-static" "a static busybox is needed"

hdr=$out/usr
run_logged "$res/headers.log" kmake "$out" -s headers_install INSTALL_HDR_PATH="$hdr" ||
	die initramfs "$res/headers.log" "make O=$out headers_install" "headers_install failed"

# Test programs built from this step's tree: kselftest's own Makefile.
tst=$out/hmmci-tests
mkdir -p "$tst"
sel=$HMMCI_WORKTREE/tools/testing/selftests/mm
rm -f "$tst/hmm-tests"
cmd="make -C $sel OUTPUT=$tst KHDR_INCLUDES='-isystem $hdr/include' LDFLAGS=-static $tst/hmm-tests"
run_logged "$res/hmm-tests-build.log" make -C "$sel" OUTPUT="$tst" \
	KHDR_INCLUDES="-isystem $hdr/include" LDFLAGS=-static "$tst/hmm-tests" ||
	die initramfs tools/testing/selftests/mm/hmm-tests.c "$cmd" "hmm-tests build failed"

root=$res/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,etc,suites,results}
cp "$bb" "$root/bin/busybox"
cp "$HMMCI_TOP/ci/guest/init" "$root/init"
cp "$HMMCI_TOP"/ci/guest/suites/* "$root/suites/"
cp "$tst/hmm-tests" "$root/bin/"
chmod +x "$root/init" "$root"/suites/*
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet --reproducible) |
	gzip -1 >"$res/initramfs.cpio.gz"
rm -rf "$root"
log "initramfs: $(du -h "$res/initramfs.cpio.gz" | cut -f1)"
