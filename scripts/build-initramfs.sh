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

# The project's own guest test programs (ci/guest/tests/*.c), linked
# against the host's libraries, which are copied in with them.
progs=()
for c in "$HMMCI_TOP"/ci/guest/tests/*.c; do
	[ -f "$c" ] || continue
	bin=$tst/$(basename "$c" .c)
	cmd="gcc -O2 -Wall -Wextra -Werror -o $bin $c -libverbs"
	run_logged "$res/$(basename "$c" .c)-build.log" \
		gcc -O2 -Wall -Wextra -Werror -o "$bin" "$c" -libverbs ||
		die initramfs "ci/guest/tests/$(basename "$c")" "$cmd" "guest test build failed"
	progs+=("$bin")
done

# The hmm huge page benchmark (bench/hmm-hugepage-bench.c), only where the
# run asks for it (HMMCI_BENCH=1: the last step) and this step's test_hmm
# has the comparison mode it needs.
bench=
if [ "${HMMCI_BENCH:-0}" = 1 ]; then
	if grep -q HMM_DMIRROR_HUGE_BASE_PAGES "$HMMCI_WORKTREE/lib/test_hmm_uapi.h" 2>/dev/null; then
		bench=$tst/hmm-hugepage-bench
		cmd="gcc -O2 -Wall -Wextra -Werror -static -isystem $hdr/include -I $HMMCI_WORKTREE/lib -o $bench $HMMCI_TOP/bench/hmm-hugepage-bench.c"
		run_logged "$res/hmm-hugepage-bench-build.log" \
			gcc -O2 -Wall -Wextra -Werror -static -isystem "$hdr/include" \
			-I "$HMMCI_WORKTREE/lib" -o "$bench" "$HMMCI_TOP/bench/hmm-hugepage-bench.c" ||
			die initramfs bench/hmm-hugepage-bench.c "$cmd" "benchmark build failed"
	else
		log "initramfs: no benchmark: lib/test_hmm_uapi.h of this step has no HMM_DMIRROR_HUGE_BASE_PAGES"
	fi
fi

root=$res/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,etc,suites,results}
cp "$bb" "$root/bin/busybox"
cp "$HMMCI_TOP/ci/guest/init" "$root/init"
# HMMCI_SUITES: only these suites (names under ci/guest/suites), e.g. for
# the debug variant (scripts/debug-check.sh); default: all of them.
if [ -n "${HMMCI_SUITES:-}" ]; then
	for s in $HMMCI_SUITES; do
		[ -f "$HMMCI_TOP/ci/guest/suites/$s" ] ||
			die initramfs "ci/guest/suites/$s" "ls $HMMCI_TOP/ci/guest/suites" "no such suite"
		cp "$HMMCI_TOP/ci/guest/suites/$s" "$root/suites/"
	done
else
	cp "$HMMCI_TOP"/ci/guest/suites/* "$root/suites/"
fi
cp "$tst/hmm-tests" "$root/bin/"
if [ -n "$bench" ]; then
	cp "$bench" "$root/bin/"
	cp "$HMMCI_TOP"/ci/guest/bench/* "$root/suites/"
fi

# copy_libs FILE: every library ldd names for FILE, at the same path (the
# guest has no ld.so.cache); copy_with_libs FILE...: the files too.
copy_libs() {
	local l
	for l in $(ldd "$1" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		[ -e "$root$l" ] && continue
		mkdir -p "$root$(dirname "$l")"
		cp -L "$l" "$root$l"
	done
}
copy_with_libs() {
	local f
	for f in "$@"; do
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
		copy_libs "$f"
	done
}
if [ ${#progs[@]} -gt 0 ]; then
	need_cmd ldd
	for p in "${progs[@]}"; do
		cp "$p" "$root/bin/"
		copy_libs "$p"
	done
	# iproute2 (busybox's ip cannot add a dummy link), rdma, the rxe provider.
	copy_with_libs "$(command -v ip)" "$(command -v rdma)"
	for f in /usr/lib/x86_64-linux-gnu/libibverbs/librxe-rdmav*.so /etc/libibverbs.d/rxe.driver; do
		[ -e "$f" ] || die initramfs "$f" "apt-get install ibverbs-providers" "rxe provider missing"
		copy_with_libs "$f"
	done
fi
chmod +x "$root/init" "$root"/suites/*
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet --reproducible) |
	gzip -1 >"$res/initramfs.cpio.gz"
rm -rf "$root"
log "initramfs: $(du -h "$res/initramfs.cpio.gz" | cut -f1)"
