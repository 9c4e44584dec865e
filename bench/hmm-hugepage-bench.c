// SPDX-License-Identifier: GPL-2.0
/*
 * hmm-hugepage-bench: hmm_range_fault() in huge page mode
 * (HMM_FAULT_HUGEPAGE) against today's one entry per 4 KiB page, on the same
 * hugetlb memory, in one run, through the test_hmm (dmirror) driver and only
 * its uapi: HMM_DMIRROR_SNAPSHOT (the default mode, one entry per 4 KiB page)
 * against HMM_DMIRROR_HUGE_SNAPSHOT (one entry per huge page), on memory the
 * CPU populated, without faulting (what a device does to learn what is
 * mapped). The time is the wall time of the ioctl, the median of the
 * rounds, the two commands alternating which goes first. Both include the
 * driver's own work: the default mode's command converts and copies out
 * one byte per 4 KiB page; the huge page command converts one entry per
 * huge page, but also fills and counts a poisoned array of one entry per
 * 4 KiB page, test_hmm's check that hmm never writes past the caller's
 * array, so its time is an upper bound and the ratio a lower one.
 *
 * A first touch costs the same in both modes since "mm/hmm: fault a hugetlb
 * page once, not once per PAGE_SIZE address" (one handle_mm_fault() per
 * huge page in both); ci/guest/hmm/hmm-fault-test.c counts that.
 *
 * Output is TAP: the case is "ok" when both commands succeeded and returned
 * the expected entries; the ratio is reported, never judged, as it depends
 * on the machine (QEMU TCG in the project's CI).
 *
 * usage: hmm-hugepage-bench [-s MiB] [-r rounds] [-d /dev/hmm_dmirror0]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "test_hmm_uapi.h"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << 26)
#endif

#define HSHIFT 21
#define HSIZE (1UL << HSHIFT)
#define PSHIFT 12
#define MAX_ROUNDS 15

struct mode_result {
	uint64_t wall_ns[MAX_ROUNDS];
	int bad; /* rounds whose result was wrong */
	char why[160];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
	uint64_t s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_u64);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static unsigned long free_2m_pages(void)
{
	FILE *f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "r");
	unsigned long n = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%lu", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

/* Round @r of HMM_DMIRROR_HUGE_SNAPSHOT on [p, p + size): time and check */
static void run_huge(int fd, void *p, unsigned long size,
		     struct hmm_dmirror_huge_entry *e, struct mode_result *res,
		     int r)
{
	unsigned long n = size >> HSHIFT, i;
	struct hmm_dmirror_huge_cmd cmd;
	uint64_t t0;
	int ret;

	memset(&cmd, 0, sizeof(cmd));
	cmd.addr = (uintptr_t)p;
	cmd.size = size;
	cmd.ptr = (uintptr_t)e;
	cmd.nentries = n;
	memset(e, 0, n * sizeof(*e));
	t0 = now_ns();
	ret = ioctl(fd, HMM_DMIRROR_HUGE_SNAPSHOT, &cmd);
	res->wall_ns[r] = now_ns() - t0;
	if (ret || cmd.written != n || cmd.overflow || cmd.shift != HSHIFT) {
		snprintf(res->why, sizeof(res->why),
			 "ioctl %d (%s), %llu entries written (%llu past the array), shift %u",
			 ret, ret ? strerror(errno) : "ok",
			 (unsigned long long)cmd.written,
			 (unsigned long long)cmd.overflow, cmd.shift);
		res->bad++;
		return;
	}
	for (i = 0; i < n; i++) {
		if (e[i].order != HSHIFT - PSHIFT ||
		    !(e[i].prot & (HMM_DMIRROR_PROT_READ | HMM_DMIRROR_PROT_WRITE))) {
			snprintf(res->why, sizeof(res->why),
				 "entry %lu: prot 0x%x order %u", i, e[i].prot,
				 e[i].order);
			res->bad++;
			return;
		}
	}
}

/* Round @r of HMM_DMIRROR_SNAPSHOT (one byte per 4 KiB page) */
static void run_base(int fd, void *p, unsigned long size, unsigned char *prot,
		     struct mode_result *res, int r)
{
	unsigned long n = size >> PSHIFT, i;
	struct hmm_dmirror_cmd cmd;
	uint64_t t0;
	int ret;

	memset(&cmd, 0, sizeof(cmd));
	cmd.addr = (uintptr_t)p;
	cmd.ptr = (uintptr_t)prot;
	cmd.npages = n;
	memset(prot, 0, n);
	t0 = now_ns();
	ret = ioctl(fd, HMM_DMIRROR_SNAPSHOT, &cmd);
	res->wall_ns[r] = now_ns() - t0;
	if (ret || cmd.cpages != n) {
		snprintf(res->why, sizeof(res->why), "ioctl %d (%s), %llu of %lu pages",
			 ret, ret ? strerror(errno) : "ok",
			 (unsigned long long)cmd.cpages, n);
		res->bad++;
		return;
	}
	for (i = 0; i < n; i++) {
		if (!(prot[i] & (HMM_DMIRROR_PROT_READ | HMM_DMIRROR_PROT_WRITE))) {
			snprintf(res->why, sizeof(res->why), "page %lu: prot 0x%x",
				 i, prot[i]);
			res->bad++;
			return;
		}
	}
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/hmm_dmirror0";
	struct mode_result huge = {}, base = {};
	unsigned long size = 1024UL << 20, npages, nhuge;
	struct hmm_dmirror_huge_entry *e;
	int rounds = 3, fd, opt, r;
	unsigned char *prot;
	uint64_t h, b;
	void *p;

	while ((opt = getopt(argc, argv, "s:r:d:")) != -1) {
		switch (opt) {
		case 's':
			size = strtoul(optarg, NULL, 0) << 20;
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'd':
			dev = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-s MiB] [-r rounds] [-d /dev/hmm_dmirror0]\n",
				argv[0]);
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || !size || size % HSIZE) {
		fprintf(stderr, "%s: rounds 1..%d, size a multiple of 2 MiB\n",
			argv[0], MAX_ROUNDS);
		return 2;
	}
	npages = size >> PSHIFT;
	nhuge = size >> HSHIFT;

	printf("TAP version 13\n1..1\n");
	printf("# %lu MiB of 2 MiB hugetlb, %d rounds, median wall time of the ioctl\n",
	       size >> 20, rounds);
	printf("# bench array huge_entries=%lu huge_bytes=%lu base_entries=%lu base_bytes=%lu ratio=%lu\n",
	       nhuge, nhuge * sizeof(unsigned long), npages,
	       npages * sizeof(unsigned long), npages / nhuge);

	fd = open(dev, O_RDWR);
	if (fd < 0 || free_2m_pages() < nhuge) {
		printf("ok 1 snapshot # SKIP %s\n", fd < 0 ?
		       "cannot open the dmirror device" :
		       "not enough free 2 MiB hugetlb pages");
		printf("# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:1 error:0\n");
		return 4;
	}
	e = calloc(nhuge, sizeof(*e));
	prot = malloc(npages);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
	if (!e || !prot || p == MAP_FAILED) {
		printf("not ok 1 snapshot # cannot allocate %lu MiB\n", size >> 20);
		printf("# Totals: pass:0 fail:1 xfail:0 xpass:0 skip:0 error:0\n");
		return 1;
	}
	memset(p, 0x5a, size);

	for (r = 0; r < rounds; r++) {
		if (r % 2) {
			run_base(fd, p, size, prot, &base, r);
			run_huge(fd, p, size, e, &huge, r);
		} else {
			run_huge(fd, p, size, e, &huge, r);
			run_base(fd, p, size, prot, &base, r);
		}
	}
	if (huge.bad || base.bad) {
		printf("not ok 1 snapshot # %s: %s\n",
		       huge.bad ? "HMM_DMIRROR_HUGE_SNAPSHOT" : "HMM_DMIRROR_SNAPSHOT",
		       huge.bad ? huge.why : base.why);
		printf("# Totals: pass:0 fail:1 xfail:0 xpass:0 skip:0 error:0\n");
		return 1;
	}
	h = median(huge.wall_ns, rounds);
	b = median(base.wall_ns, rounds);
	printf("# bench snapshot huge_wall_ns=%llu base_wall_ns=%llu wall_ratio=%.1f\n",
	       (unsigned long long)h, (unsigned long long)b,
	       h ? (double)b / h : 0.0);
	printf("# snapshot: huge page mode %.3f ms, 4 KiB mode %.3f ms, %.1fx faster\n",
	       h / 1e6, b / 1e6, h ? (double)b / h : 0.0);
	printf("ok 1 snapshot\n");
	printf("# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0\n");
	return 0;
}
