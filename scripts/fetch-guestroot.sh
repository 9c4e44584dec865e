#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make the guest's second userspace root: Debian unstable with the newest
# rdma-core (ci/guest/unstable-root.txt), by debootstrap from the mirror of
# this machine's apt sources, into the cache. The guest's rdma-core suites
# chroot into it over virtio-9p (ci/guest/rdma-core-run).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $0 [--force]   (root: $HMMCI_GUESTROOT)" >&2
	exit 2
}
force=0
case ${1:-} in
--force) force=1 ;;
'') ;;
*) usage ;;
esac
cache_lock

pins=$HMMCI_TOP/ci/guest/unstable-root.txt
mapfile -t pkgs < <(awk '!/^#/ && NF { print $1 }' "$pins")
[ ${#pkgs[@]} -gt 0 ] || die guestroot "$pins" "cat $pins" "no package listed"
# The root is reused while the list and this script are the same: its
# record, written last (an interrupted make leaves none), holds their hash,
# the listed packages' versions and then every package of the root (whose
# hash is part of each step's key in run-series.sh).
key=$(cat "$pins" "$0" | sha256sum | cut -d' ' -f1)
rec=$HMMCI_GUESTROOT/.hmmci-root
if [ $force -eq 0 ] && [ -f "$rec" ] && [ "$(head -n1 "$rec")" = "$key" ]; then
	log "guestroot: $HMMCI_GUESTROOT: $(sed -n '2,/^$/p' "$rec" | tr '\n' ' ')"
	exit 0
fi
need_cmd debootstrap chroot
[ "$(id -u)" -eq 0 ] ||
	die guestroot "$HMMCI_GUESTROOT" "sudo $0" "debootstrap needs root"

# Made beside the old root, which stays until the new one is complete
# (its record goes first: a half-removed root is never trusted). A
# debootstrap killed midway may leave its mounts in the new root.
tmp=$HMMCI_GUESTROOT.tmp
old=$HMMCI_GUESTROOT.old
rm -f "$rec"
for d in "$tmp" "$old"; do
	awk -v d="$d/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r umount -l
	rm -rf --one-file-system "$d"
done
mkdir -p "$(dirname "$tmp")"
mirror=$(debian_mirror)
incl=$(IFS=,; echo "${pkgs[*]}")
logf=$(dirname "$tmp")/debootstrap.log
run_logged "$logf" debootstrap --variant=minbase --include="$incl" unstable "$tmp" "$mirror" ||
	die guestroot "$logf" "debootstrap --variant=minbase --include=$incl unstable $tmp MIRROR" \
		"debootstrap of Debian unstable failed"
rm -f "$tmp"/var/cache/apt/archives/*.deb
have=$(chroot "$tmp" dpkg-query -W -f='${Package} ${Version}\n' "${pkgs[@]}" | sort)
want=$(awk '!/^#/ && NF { print $1, $2 }' "$pins" | sort)
if [ "$have" != "$want" ]; then
	cat >&2 <<-NOTICE
	##################################################################
	NOTICE: the mirror's unstable has other versions than $pins:
	$(diff <(echo "$want") <(echo "$have") | sed -n 's/^[<>] /        /p')
	        The root has the mirror's; update the file to pin them.
	##################################################################
	NOTICE
fi
{
	echo "$key"
	echo "$have"
	echo
	chroot "$tmp" dpkg-query -W -f='${Package} ${Version}\n'
} >"$tmp/.hmmci-root"
[ ! -e "$HMMCI_GUESTROOT" ] || mv "$HMMCI_GUESTROOT" "$old"
mv "$tmp" "$HMMCI_GUESTROOT"
rm -rf --one-file-system "$old"
log "guestroot: $HMMCI_GUESTROOT: $(echo "$have" | tr '\n' ' ')"
