#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the series CI needs (run as root; idempotent).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() { echo "usage: $0" >&2; exit 2; }
[ $# -eq 0 ] || usage
cache_lock

pkgs=(
	# kernel build
	gcc make flex bison bc libelf-dev libssl-dev perl python3 git
	cpio xz-utils zstd kmod rsync ccache file
	# second compiler, as NIPA's clang build
	"clang$HMMCI_CLANG_SUFFIX" "lld$HMMCI_CLANG_SUFFIX" "llvm$HMMCI_CLANG_SUFFIX"
	# checkers (sparse is probed, and reported SKIPPED where unusable);
	# checkpatch's SPDX check runs scripts/spdxcheck.py on Debian's python3
	sparse python3-ply python3-git
	# boot test
	qemu-system-x86 busybox-static libc6-dev
	# arm64: cross compiler and static libc for hmm-tests, QEMU (virt)
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm
	# preparing the mail: b4 (prep, send -o) and the git-filter-repo it uses
	b4 git-filter-repo
	# RDMA in the guest: libibverbs, the rxe provider, iproute2's ip and rdma
	libibverbs-dev ibverbs-providers rdma-core iproute2
	# rdma-core's own tests (pyverbs), run in the guest from the host's root
	python3-pyverbs
	# the newest rdma-core in a Debian unstable root (fetch-guestroot.sh)
	debootstrap
)

mkdir -p "$HMMCI_CACHE"

# The arm64 guest's static busybox: Debian's busybox-static:arm64, unpacked
# into the cache (it cannot be installed beside the amd64 one), through the
# arm64 foreign architecture of dpkg.
setup_busybox_arm64() {
	local dir=$HMMCI_CACHE/arm64/busybox tmp
	[ -x "$dir/bin/busybox" ] && return 0
	[ "$(id -u)" -eq 0 ] ||
		die setup "$dir" "sudo $0" "arm64 busybox missing and not root"
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		log "setup: adding the arm64 foreign architecture for busybox-static:arm64"
		dpkg --add-architecture arm64
		run_logged "$HMMCI_CACHE/apt-update.log" apt-get update -q ||
			die setup /etc/apt "apt-get update" "apt-get update failed"
	fi
	tmp=$(mktemp -d)
	chmod 755 "$tmp"
	(cd "$tmp" && run_logged "$HMMCI_CACHE/apt-busybox-arm64.log" \
		apt-get download busybox-static:arm64) ||
		die setup "$HMMCI_CACHE/apt-busybox-arm64.log" \
			"apt-get download busybox-static:arm64" "download failed"
	rm -rf "$dir"
	mkdir -p "$dir"
	dpkg-deb -x "$tmp"/busybox-static_*_arm64.deb "$dir"
	rm -rf "$tmp"
	log "setup: arm64 busybox in $dir"
}

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	log "setup: all ${#pkgs[@]} packages present"
	setup_busybox_arm64
	exit 0
fi
[ "$(id -u)" -eq 0 ] ||
	die setup "${missing[*]}" "sudo $0" "packages missing and not root"
log "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
run_logged "$HMMCI_CACHE/apt-update.log" apt-get update -q ||
	die setup /etc/apt "apt-get update" "apt-get update failed"
run_logged "$HMMCI_CACHE/apt-install.log" \
	apt-get install -y -q --no-install-recommends "${missing[@]}" ||
	die setup "$HMMCI_CACHE/apt-install.log" \
		"apt-get install -y ${missing[*]}" "package install failed"
setup_busybox_arm64
