# SPDX-License-Identifier: GPL-2.0
# Sourced by the guest suites that run programs of a userspace root shared
# read-only over virtio-9p (scripts/boot-test.sh): hostroot is the host's
# /, with Debian 12's rdma-core; guestroot is the Debian unstable root
# scripts/fetch-guestroot.sh makes, with the newest rdma-core.

# skip REASON: the whole suite is skipped (exit 4).
skip() {
	echo "1..0 # SKIP $*"
	echo "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:1 error:0"
	exit 4
}

# rxe_up: rxe0 on the dummy netdev d0, unless an earlier suite made it.
rxe_up() {
	if [ ! -e /sys/class/infiniband/rxe0 ]; then
		if [ ! -e /sys/class/net/d0 ]; then
			/usr/sbin/ip link add d0 type dummy
			/usr/sbin/ip addr add 192.0.2.1/24 dev d0
		fi
		/usr/sbin/ip link set d0 up
		/usr/bin/rdma link add rxe0 type rxe netdev d0
	fi
}

# has_share TAG: QEMU gives the guest a 9p share TAG (its mount_tag
# attribute ends with a NUL byte, not a newline).
has_share() {
	for f in /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag; do
		[ -f "$f" ] && [ "$(tr -d '\000\n' <"$f")" = "$1" ] && return 0
	done
	return 1
}

# root_enter TAG: mount the share TAG at $h (/mnt/TAG) with the guest's
# /proc, /sys, /dev (with a tmpfs /dev/shm) and a tmpfs /tmp and /run in
# it, for chroot $h; skip the suite when there is no such share.
# cache=loose: the share is read-only, so the guest may cache what it
# looked up; python's imports
# stat hundreds of paths, each a 9p round trip under TCG (measured: the
# rdma-core ODP tests 14 s -> 9-10 s on the same kernel). root_leave
# undoes it when the suite exits, whatever the way.
root_enter() {
	h=/mnt/$1
	mkdir -p "$h"
	has_share "$1" || skip "no $1 9p share"
	# A tag mounts once at a time: a failure here is a fault (e.g. an
	# earlier suite that left it mounted), not a skip.
	if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro,cache=loose "$1" "$h"; then
		echo "TAP version 13"
		echo "1..1"
		echo "# the $1 9p share exists but does not mount"
		echo "not ok 1 mount_$1"
		echo "# Totals: pass:0 fail:1 xfail:0 xpass:0 skip:0 error:0"
		exit 1
	fi
	trap root_leave EXIT
	mount -t tmpfs tmpfs "$h/tmp"
	mount -t tmpfs tmpfs "$h/run"
	mount -t proc proc "$h/proc"
	mount -t sysfs sysfs "$h/sys"
	mount -t devtmpfs devtmpfs "$h/dev"
	# POSIX shared memory: multiprocessing's locks (rdma-core's rdma_cm tests)
	mkdir -p "$h/dev/shm"
	mount -t tmpfs tmpfs "$h/dev/shm"
}

root_leave() {
	umount "$h/dev/shm" "$h/dev" "$h/sys" "$h/proc" "$h/run" "$h/tmp" "$h" 2>/dev/null || true
}
