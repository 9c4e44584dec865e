#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Cross-build the arm64 test kernel (Image) of the worktree for one page
# size: tinyconfig + the fragments of its profile (ci/profiles/arm64-4k,
# arm64-64k: the arch-neutral ones of x86_64, ci/arm64/*.config and
# ci/arm64/PAGESIZE/*.config), with
# the same config check and the same warnings compare as the x86_64 build
# (scripts/build-kernel.sh, whose base lineage is kept per OUTDIR).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $0 PAGESIZE(4k|64k) OUTDIR RESULTDIR [--base]" >&2
	exit 2
}
[ $# -ge 3 ] && [ $# -le 4 ] || usage
ps=$1 out=$2 res=$3
base=()
case ${4:-} in
'') ;;
--base) base=(--base) ;;
*) usage ;;
esac
case $ps in 4k | 64k) ;; *) usage ;; esac
need_cmd aarch64-linux-gnu-gcc ccache

export HMMCI_CROSS_ARCH=arm64 HMMCI_CROSS_COMPILE=aarch64-linux-gnu-
profile_load "arm64-$ps"
export HMMCI_FRAGMENTS="${prof_fragments[*]}"
mkdir -p "$res"
echo "$ps" >"$res/pagesize"
# The Image, and the module directories of ci/arm64/modules.config: their
# objects are compiled (and their warnings compared), not linked.
exec "$HMMCI_TOP/scripts/build-kernel.sh" "${base[@]}" "$out" "$res" Image \
	drivers/infiniband/hw/mlx5/ drivers/infiniband/sw/rxe/
