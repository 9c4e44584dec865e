// SPDX-License-Identifier: GPL-2.0
/*
 * hmm-hugepage-bench: hmm_range_fault() in huge page mode
 * (HMM_FAULT_HUGEPAGE) against today's one entry per 4 KiB page, on the same
 * hugetlb memory, in one run, through the test_hmm (dmirror) driver.
 *
 *  - snapshot: the range populated by the CPU, hmm_range_fault() without
 *    HMM_PFN_REQ_FAULT (what a device does to learn what is mapped);
 *  - first touch: fresh hugetlb memory nobody touched, faulted for write
 *    through hmm_range_fault() (what an ODP MR does on its first RDMA WRITE).
 *    Both modes must allocate and clear every huge page, which dominates;
 *  - first touch of a shared mapping: a new MAP_SHARED mapping of a hugetlb
 *    memfd whose pages another mapping already populated, so the fault maps
 *    page cache without clearing it, and what is measured is the fault path
 *    itself (one handle_mm_fault() per huge page against one per 4 KiB).
 *
 * The time is the one the driver measures around hmm_range_fault() and its
 * retries (hmm_ns), the median of the rounds; the ioctl's wall time, which
 * adds the driver's own copy-out and mirror updates, is printed beside it.
 * The array sizes are those of the hmm_pfns array each mode needs.
 *
 * Output is TAP: a case is "ok" when both modes succeeded and returned the
 * expected entries (count, order, validity); the ratios are reported, never
 * judged, as they depend on the machine (QEMU TCG in the project's CI).
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
#include <linux/memfd.h>
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
	uint64_t hmm_ns[MAX_ROUNDS];
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

/*
 * One HMM_DMIRROR_HUGE_* range command on [p, p + size) in huge page mode
 * (base == 0) or one entry per 4 KiB page (base == 1); checks the entries and
 * records the times of round @r.
 */
static void run_one(int fd, unsigned long request, void *p, unsigned long size,
		    int base, unsigned int flags, struct hmm_dmirror_huge_entry *e,
		    struct mode_result *res, int r)
{
	unsigned long n = size >> (base ? PSHIFT : HSHIFT), i;
	struct hmm_dmirror_huge_cmd cmd;
	uint64_t t0;
	int ret;

	memset(&cmd, 0, sizeof(cmd));
	cmd.addr = (uintptr_t)p;
	cmd.size = size;
	cmd.ptr = (uintptr_t)e;
	cmd.nentries = n;
	cmd.flags = flags | (base ? HMM_DMIRROR_HUGE_BASE_PAGES : 0);
	memset(e, 0, n * sizeof(*e));
	t0 = now_ns();
	ret = ioctl(fd, request, &cmd);
	res->wall_ns[r] = now_ns() - t0;
	res->hmm_ns[r] = cmd.hmm_ns;
	if (ret) {
		snprintf(res->why, sizeof(res->why), "ioctl: %s", strerror(errno));
		res->bad++;
		return;
	}
	if (cmd.written != n || cmd.overflow ||
	    cmd.shift != (base ? PSHIFT : HSHIFT)) {
		snprintf(res->why, sizeof(res->why),
			 "%llu entries written (%llu past the array), shift %u; expected %lu",
			 (unsigned long long)cmd.written,
			 (unsigned long long)cmd.overflow, cmd.shift, n);
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

/* Private anonymous hugetlb memory (@memfd < 0), or a shared mapping of it */
static void *map_huge(unsigned long size, int memfd)
{
	void *p;

	if (memfd >= 0)
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	else
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			 MAP_HUGE_2MB, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/*
 * @rounds calls of @request in both modes, alternating which goes first:
 * on @fixed (the same pages every time), or, if it is NULL, on a fresh
 * mapping each time (private hugetlb, or a new shared mapping of @memfd).
 */
static void both_modes(int fd, unsigned long request, unsigned int flags,
		       void *fixed, int memfd, unsigned long size, int rounds,
		       struct hmm_dmirror_huge_entry *e, struct mode_result *res)
{
	int r, m;

	for (r = 0; r < rounds; r++)
		for (m = 0; m < 2; m++) {
			int base = (m + r) % 2;
			void *p = fixed ? fixed : map_huge(size, memfd);

			if (!p) {
				snprintf(res[base].why, sizeof(res[base].why),
					 "mmap: %s", strerror(errno));
				res[base].bad++;
				continue;
			}
			run_one(fd, request, p, size, base, flags, e,
				&res[base], r);
			if (!fixed)
				munmap(p, size);
		}
}

static const char *const case_names[] = {
	"snapshot", "first_touch_fault", "first_touch_fault_shared",
};

/* Every case skipped, for @why; returns the kselftest skip code */
static int skip_all(const char *why)
{
	unsigned int i;

	for (i = 0; i < 3; i++)
		printf("ok %u %s # SKIP %s\n", i + 1, case_names[i], why);
	printf("# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:3 error:0\n");
	return 4;
}

static int report(int num, const char *name, struct mode_result *huge,
		  struct mode_result *base, int rounds)
{
	uint64_t h, b, hw, bw;

	if (huge->bad || base->bad) {
		printf("not ok %d %s # %s mode: %s\n", num, name,
		       huge->bad ? "huge page" : "4 KiB",
		       huge->bad ? huge->why : base->why);
		return 1;
	}
	h = median(huge->hmm_ns, rounds);
	b = median(base->hmm_ns, rounds);
	hw = median(huge->wall_ns, rounds);
	bw = median(base->wall_ns, rounds);
	printf("# bench %s huge_ns=%llu base_ns=%llu ratio=%.1f huge_wall_ns=%llu base_wall_ns=%llu wall_ratio=%.1f\n",
	       name, (unsigned long long)h, (unsigned long long)b,
	       h ? (double)b / h : 0.0, (unsigned long long)hw,
	       (unsigned long long)bw, hw ? (double)bw / hw : 0.0);
	printf("# %s: hmm_range_fault() huge page mode %.3f ms, 4 KiB mode %.3f ms, %.1fx faster\n",
	       name, h / 1e6, b / 1e6, h ? (double)b / h : 0.0);
	printf("ok %d %s\n", num, name);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/hmm_dmirror0";
	struct mode_result snap[2] = {}, fault[2] = {}, shared[2] = {};
	unsigned long size = 1024UL << 20, npages, nhuge;
	struct hmm_dmirror_huge_entry *e;
	int rounds = 3, fd, memfd, opt, fails = 0, skips = 0;
	char why[160];
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

	printf("TAP version 13\n1..3\n");
	printf("# %lu MiB of 2 MiB hugetlb, %d rounds, median time in hmm_range_fault()\n",
	       size >> 20, rounds);
	printf("# bench array huge_entries=%lu huge_bytes=%lu base_entries=%lu base_bytes=%lu ratio=%lu\n",
	       nhuge, nhuge * sizeof(unsigned long), npages,
	       npages * sizeof(unsigned long), npages / nhuge);

	fd = open(dev, O_RDWR);
	if (fd < 0) {
		snprintf(why, sizeof(why), "cannot open %s: %s", dev, strerror(errno));
		return skip_all(why);
	}
	if (free_2m_pages() < nhuge) {
		snprintf(why, sizeof(why), "needs %lu free 2 MiB hugetlb pages, %lu free",
			 nhuge, free_2m_pages());
		return skip_all(why);
	}
	e = calloc(npages, sizeof(*e));
	if (!e) {
		perror("calloc");
		return 1;
	}

	/* Snapshot of memory the CPU populated, both modes on the same pages */
	p = map_huge(size, -1);
	if (!p) {
		printf("not ok 1 snapshot # mmap of %lu MiB hugetlb: %s\n",
		       size >> 20, strerror(errno));
		fails++;
	} else {
		memset(p, 0x5a, size);
		both_modes(fd, HMM_DMIRROR_HUGE_SNAPSHOT, 0, p, -1, size,
			   rounds, e, snap);
		munmap(p, size);
		fails += report(1, case_names[0], &snap[0], &snap[1], rounds);
	}

	/* First touch: fresh memory each time, faulted for write */
	if (fails) {
		printf("ok 2 first_touch_fault # SKIP the snapshot case failed\n");
		skips++;
	} else {
		both_modes(fd, HMM_DMIRROR_HUGE_FAULT, HMM_DMIRROR_HUGE_WRITE,
			   NULL, -1, size, rounds, e, fault);
		fails += report(2, case_names[1], &fault[0], &fault[1],
				rounds);
	}

	/* The same on page cache another mapping populated: no clearing */
	memfd = memfd_create("hmm-hugepage-bench", MFD_HUGETLB | MFD_HUGE_2MB);
	p = NULL;
	if (memfd >= 0 && !ftruncate(memfd, size))
		p = map_huge(size, memfd);
	if (!p) {
		printf("not ok 3 first_touch_fault_shared # hugetlb memfd of %lu MiB: %s\n",
		       size >> 20, strerror(errno));
		fails++;
	} else {
		memset(p, 0xa5, size);
		both_modes(fd, HMM_DMIRROR_HUGE_FAULT, HMM_DMIRROR_HUGE_WRITE,
			   NULL, memfd, size, rounds, e, shared);
		munmap(p, size);
		fails += report(3, case_names[2], &shared[0],
				&shared[1], rounds);
	}
	if (memfd >= 0)
		close(memfd);

	free(e);
	close(fd);
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       3 - fails - skips, fails, skips);
	return fails ? 1 : 0;
}
