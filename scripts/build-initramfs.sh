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
# A cross build (HMMCI_CROSS_ARCH=arm64: step.sh, an arm64 profile) takes Debian's
# busybox-static of that architecture, which setup-host.sh unpacks into the
# cache, cross-compiles hmm-tests, and runs the suites of its profile
# (HMMCI_SUITES; only hmm-tests when none is named: the RDMA suites need
# the host's rdma-core, which is x86_64).
suites=("$HMMCI_TOP"/ci/guest/suites/*)
# HMMCI_SUITES: only these suites (names under ci/guest/suites), e.g. for
# the debug variant (scripts/debug-check.sh); default: all of them.
if [ -n "${HMMCI_SUITES:-}" ]; then
	suites=()
	for s in $HMMCI_SUITES; do
		[ -f "$HMMCI_TOP/ci/guest/suites/$s" ] ||
			die initramfs "ci/guest/suites/$s" "ls $HMMCI_TOP/ci/guest/suites" "no such suite"
		suites+=("$HMMCI_TOP/ci/guest/suites/$s")
	done
fi
# HMMCI_RDMA_CORE (run-series.sh's rdma_core_at): all (the default) runs
# the whole rdma-core suites of both versions; odp only their ODP tests;
# host-odp only the host's ODP tests, without the suites that run in the
# newest rdma-core's root (a "# hmmci-needs: guestroot" line in the suite).
rdma_core=${HMMCI_RDMA_CORE:-all}
case $rdma_core in
all | odp) ;;
host-odp)
	kept=()
	for s in "${suites[@]}"; do
		grep -qx '# hmmci-needs: guestroot' "$s" || kept+=("$s")
	done
	suites=("${kept[@]}")
	;;
*) die initramfs "HMMCI_RDMA_CORE=$rdma_core" "HMMCI_RDMA_CORE=all $0 $*" "not all, odp or host-odp" ;;
esac
bb=/bin/busybox
if [ -n "$HMMCI_CROSS_ARCH" ]; then
	need_cmd "${HMMCI_CROSS_COMPILE}gcc"
	[ -n "${HMMCI_SUITES:-}" ] || suites=("$HMMCI_TOP"/ci/guest/suites/10-hmm-tests)
	bb=$HMMCI_CACHE/$HMMCI_CROSS_ARCH/busybox/bin/busybox
	[ -x "$bb" ] && file -L "$bb" | grep -q 'statically linked' ||
		die initramfs "$bb" "bash scripts/setup-host.sh" \
			"a static $HMMCI_CROSS_ARCH busybox is needed"
fi
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
mapfile -t cross < <(kmake_cross_args)
cmd="make -C $sel ${cross[*]} OUTPUT=$tst KHDR_INCLUDES='-isystem $hdr/include' LDFLAGS=-static $tst/hmm-tests"
run_logged "$res/hmm-tests-build.log" make -C "$sel" "${cross[@]}" \
	OUTPUT="$tst" KHDR_INCLUDES="-isystem $hdr/include" LDFLAGS=-static \
	"$tst/hmm-tests" ||
	die initramfs tools/testing/selftests/mm/hmm-tests.c "$cmd" "hmm-tests build failed"

# The project's hmm test programs (ci/guest/hmm/*.c): built static like
# hmm-tests, against this step's lib/test_hmm_uapi.h (test_hmm's uapi, not
# an installed header), with the suites that run them.
hmmprogs=()
for c in "$HMMCI_TOP"/ci/guest/hmm/*.c; do
	[ -f "$c" ] && [ -z "$HMMCI_CROSS_ARCH" ] || continue
	bin=$tst/$(basename "$c" .c)
	cmd="gcc -O2 -Wall -Wextra -Werror -static -isystem $hdr/include -I $HMMCI_WORKTREE/lib -o $bin $c"
	run_logged "$res/$(basename "$c" .c)-build.log" \
		gcc -O2 -Wall -Wextra -Werror -static -isystem "$hdr/include" \
		-I "$HMMCI_WORKTREE/lib" -o "$bin" "$c" ||
		die initramfs "ci/guest/hmm/$(basename "$c")" "$cmd" "guest test build failed"
	hmmprogs+=("$bin")
done

# The project's own guest test programs (ci/guest/tests/*.c), linked
# against the host's libraries, which are copied in with them.
progs=()
for c in "$HMMCI_TOP"/ci/guest/tests/*.c; do
	[ -f "$c" ] && [ -z "$HMMCI_CROSS_ARCH" ] || continue
	bin=$tst/$(basename "$c" .c)
	cmd="gcc -O2 -Wall -Wextra -Werror -o $bin $c -libverbs"
	run_logged "$res/$(basename "$c" .c)-build.log" \
		gcc -O2 -Wall -Wextra -Werror -o "$bin" "$c" -libverbs ||
		die initramfs "ci/guest/tests/$(basename "$c")" "$cmd" "guest test build failed"
	progs+=("$bin")
done

# odp-huge-test again, built against the newest rdma-core (the Debian
# unstable root of fetch-guestroot.sh), where its suite runs: libibverbs
# 44 has no ibv_wr_flush(). Its headers come first; the program links
# against that root's libibverbs (whose own needs are that root's, hence
# --allow-shlib-undefined) and runs in a chroot into it.
if printf '%s\n' "${suites[@]}" | grep -q '/27-rdma-odp-huge-unstable$'; then
	[ -f "$HMMCI_GUESTROOT/.hmmci-root" ] ||
		die initramfs "$HMMCI_GUESTROOT" "scripts/fetch-guestroot.sh" "no Debian unstable root"
	inc=$tst/unstable-include
	rm -rf "$inc"
	mkdir -p "$inc"
	ln -s "$HMMCI_GUESTROOT/usr/include/infiniband" "$inc/infiniband"
	bin=$tst/odp-huge-test-unstable
	ucc=(gcc -O2 -Wall -Wextra -Werror -DHAVE_IBV_WR_FLUSH -I "$inc" -o "$bin"
		"$HMMCI_TOP/ci/guest/tests/odp-huge-test.c"
		-L "$HMMCI_GUESTROOT/usr/lib/x86_64-linux-gnu" -Wl,--allow-shlib-undefined -libverbs)
	# It depends on the compiler, its preprocessed source (every header
	# it includes), the root and the command, not on the step's tree:
	# built once for all the steps that run it.
	ukey=$({
		gcc --version | head -n1
		gcc -E -DHAVE_IBV_WR_FLUSH -I "$inc" "$HMMCI_TOP/ci/guest/tests/odp-huge-test.c" 2>/dev/null || true
		cat "$HMMCI_GUESTROOT/.hmmci-root"
		printf '%s\n' "${ucc[@]}"
	} | sha256sum | cut -c1-16)
	if [ -x "$bin" ] && [ "$(cat "$bin.key" 2>/dev/null)" = "$ukey" ]; then
		echo "reused $bin (key $ukey): built by: ${ucc[*]}" >"$res/odp-huge-test-unstable-build.log"
		log "initramfs: odp-huge-test-unstable unchanged, reused"
	else
		rm -f "$bin" "$bin.key"
		run_logged "$res/odp-huge-test-unstable-build.log" "${ucc[@]}" ||
			die initramfs ci/guest/tests/odp-huge-test.c "${ucc[*]}" "guest test build failed"
		echo "$ukey" >"$bin.key"
	fi
	hmmprogs+=("$bin")
fi

# The benchmarks, only where the run asks for them (HMMCI_BENCH=1: the last
# step): bench/hmm-hugepage-bench.c where this step's test_hmm has the
# huge page mode commands it needs, and bench/odp-hugetlb-bench.c (libibverbs, run
# like the guest tests). Each comes with its suite in ci/guest/bench.
bench=
benchsuites=()
if [ "${HMMCI_BENCH:-0}" = 1 ] && [ -z "$HMMCI_CROSS_ARCH" ]; then
	if grep -q HMM_DMIRROR_HUGE_SNAPSHOT "$HMMCI_WORKTREE/lib/test_hmm_uapi.h" 2>/dev/null; then
		bench=$tst/hmm-hugepage-bench
		cmd="gcc -O2 -Wall -Wextra -Werror -static -isystem $hdr/include -I $HMMCI_WORKTREE/lib -o $bench $HMMCI_TOP/bench/hmm-hugepage-bench.c"
		run_logged "$res/hmm-hugepage-bench-build.log" \
			gcc -O2 -Wall -Wextra -Werror -static -isystem "$hdr/include" \
			-I "$HMMCI_WORKTREE/lib" -o "$bench" "$HMMCI_TOP/bench/hmm-hugepage-bench.c" ||
			die initramfs bench/hmm-hugepage-bench.c "$cmd" "benchmark build failed"
		benchsuites+=(90-hmm-hugepage-bench)
	else
		log "initramfs: no hmm benchmark: lib/test_hmm_uapi.h of this step has no HMM_DMIRROR_HUGE_SNAPSHOT"
	fi
	bin=$tst/odp-hugetlb-bench
	cmd="gcc -O2 -Wall -Wextra -Werror -I $HMMCI_TOP/ci/guest/tests -o $bin $HMMCI_TOP/bench/odp-hugetlb-bench.c -libverbs"
	run_logged "$res/odp-hugetlb-bench-build.log" \
		gcc -O2 -Wall -Wextra -Werror -I "$HMMCI_TOP/ci/guest/tests" \
		-o "$bin" "$HMMCI_TOP/bench/odp-hugetlb-bench.c" -libverbs ||
		die initramfs bench/odp-hugetlb-bench.c "$cmd" "benchmark build failed"
	progs+=("$bin")
	benchsuites+=(91-odp-hugetlb-bench)
fi

root=$res/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,etc,suites,results}
cp "$bb" "$root/bin/busybox"
cp "$HMMCI_TOP/ci/guest/init" "$root/init"
cp "${suites[@]}" "$root/suites/"
if [ -z "$HMMCI_CROSS_ARCH" ]; then
	# The rdma-core suites' runner and helpers (ci/guest/rdma-core-run).
	cp "$HMMCI_TOP"/ci/guest/{rdma-core-run,share-lib.sh,unittest-tap.py} "$root/bin/"
	[ "$rdma_core" = all ] || echo test_odp >"$root/etc/rdma-core-tests"
fi
# The tests the suites leave out: ci/guest/excluded.txt, plus the list of
# the configuration under test (HMMCI_EXCLUDED, e.g. ci/arm64/64k/excluded.txt).
grep -hv '^#' "$HMMCI_TOP/ci/guest/excluded.txt" ${HMMCI_EXCLUDED:+"$HMMCI_EXCLUDED"} \
	>"$root/etc/excluded" || true
cp "$tst/hmm-tests" ${hmmprogs[@]+"${hmmprogs[@]}"} "$root/bin/"
[ -z "$bench" ] || cp "$bench" "$root/bin/"
for s in "${benchsuites[@]}"; do
	cp "$HMMCI_TOP/ci/guest/bench/$s" "$root/suites/"
done

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
# Byte for byte the same archive for the same files (no mtimes, no gzip
# time stamp): run-series.sh reuses the boot of a step whose kernel image
# and initramfs are those of the step before.
find "$root" -exec touch -h -d @0 {} +
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet --reproducible) |
	gzip -n -1 >"$res/initramfs.cpio.gz"
rm -rf "$root"
log "initramfs: $(du -h "$res/initramfs.cpio.gz" | cut -f1)"
