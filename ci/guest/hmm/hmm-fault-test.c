// SPDX-License-Identifier: GPL-2.0
/*
 * hmm-fault-test: how many times hmm_range_fault() calls handle_mm_fault()
 * when a device first touches memory, counted, not timed.
 *
 * Every handle_mm_fault() is accounted to the task it runs for as a minor or
 * major fault (mm_account_fault()), also for a remote fault made by a driver
 * in the task's ioctl. test_hmm's HMM_DMIRROR_READ/WRITE fault the range in
 * through hmm_range_fault() in its default mode (one entry per PAGE_SIZE
 * page, 32 pages per call), from the test's own ioctl, so the change of the
 * test's getrusage() fault counts across the ioctl is the number of
 * handle_mm_fault() calls hmm made. The buffers the ioctl copies to and
 * from are touched first, so that no fault of the test's own is counted.
 *
 * The memory is a new MAP_SHARED mapping of a hugetlb memfd whose pages
 * another mapping already populated: the fault maps page cache, nothing is
 * allocated or cleared. One handle_mm_fault() maps a whole hugetlb page, so
 * a device's first touch should cost one call per huge page; v7.3 makes one
 * per PAGE_SIZE address of each call's range (32 per 2 MiB page here).
 * 4 KiB anonymous memory, one call per page, is the control that shows the
 * counting works.
 *
 * The data is checked byte for byte both ways. The time of the first
 * (faulting) read and of a second read of the same range (no fault) is
 * printed, never judged ("# time" lines): TCG timings mean nothing alone.
 *
 * usage: hmm-fault-test [-n hugepages] [-d /dev/hmm_dmirror0]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <linux/memfd.h>

#include "test_hmm_uapi.h"

#define SZ_2M		(2UL << 20)
#define NTESTS		3

static unsigned long page_size;
static char reason[256];

static long faults_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* One dmirror command on [addr, addr + size); returns the faults it made */
static long dmirror(int fd, unsigned long request, void *addr, void *buf,
		    unsigned long size, uint64_t *ns)
{
	struct hmm_dmirror_cmd cmd = {
		.addr = (uintptr_t)addr,
		.ptr = (uintptr_t)buf,
		.npages = size / page_size,
	};
	uint64_t t0;
	long f0;
	int ret;

	t0 = now_ns();
	f0 = faults_now();
	ret = ioctl(fd, request, &cmd);
	f0 = faults_now() - f0;
	*ns = now_ns() - t0;
	if (ret) {
		snprintf(reason, sizeof(reason), "ioctl: %s", strerror(errno));
		return -1;
	}
	if (cmd.cpages != cmd.npages) {
		snprintf(reason, sizeof(reason), "%llu of %llu pages copied",
			 (unsigned long long)cmd.cpages,
			 (unsigned long long)cmd.npages);
		return -1;
	}
	return f0;
}

static unsigned char pattern(unsigned long off, int seed)
{
	return (unsigned char)((off >> 12) * 31 + off + seed);
}

/* Index of the first byte of @p that is not pattern(@seed), or -1 */
static long first_bad(const unsigned char *p, unsigned long size, int seed)
{
	for (unsigned long i = 0; i < size; i++)
		if (p[i] != pattern(i, seed))
			return i;
	return -1;
}

static void fill(unsigned char *p, unsigned long size, int seed)
{
	for (unsigned long i = 0; i < size; i++)
		p[i] = pattern(i, seed);
}

/*
 * A device reads (@write false) or writes a new shared mapping of @nr
 * populated 2 MiB pages: one handle_mm_fault() per huge page.
 */
static int test_hugetlb(int fd, unsigned long nr, bool write)
{
	unsigned long size = nr * SZ_2M;
	unsigned char *pop, *map, *buf;
	uint64_t ns, ns2;
	long faults, bad;
	int memfd, ret = 1;

	memfd = memfd_create("hmm-fault-test", MFD_HUGETLB | MFD_HUGE_2MB);
	if (memfd < 0 || ftruncate(memfd, size)) {
		snprintf(reason, sizeof(reason), "SKIP no %lu 2 MiB hugetlb pages for a memfd: %s",
			 nr, strerror(errno));
		return 2;
	}
	pop = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	buf = malloc(size);
	if (pop == MAP_FAILED || map == MAP_FAILED || !buf) {
		snprintf(reason, sizeof(reason), "SKIP cannot map %lu 2 MiB hugetlb pages",
			 nr);
		ret = 2;
		goto out;
	}
	/* Populates the page cache, and touches the ioctl's buffer */
	fill(pop, size, 1);
	fill(buf, size, 2);

	faults = dmirror(fd, write ? HMM_DMIRROR_WRITE : HMM_DMIRROR_READ,
			 map, buf, size, &ns);
	if (faults < 0)
		goto out;
	bad = write ? first_bad(pop, size, 2) : first_bad(buf, size, 1);
	if (bad >= 0) {
		snprintf(reason, sizeof(reason), "byte 0x%lx differs after the %s",
			 bad, write ? "write" : "read");
		goto out;
	}
	/* The same again, mapped in the mirror now: no fault, for the time */
	if (dmirror(fd, write ? HMM_DMIRROR_WRITE : HMM_DMIRROR_READ, map, buf,
		    size, &ns2) != 0) {
		snprintf(reason, sizeof(reason), "the second %s faulted",
			 write ? "write" : "read");
		goto out;
	}
	printf("# time %s %lu x 2 MiB: %.1f ms with %ld faults, %.1f ms without (%.2fx)\n",
	       write ? "write" : "read", nr, ns / 1e6, faults, ns2 / 1e6,
	       (double)ns / ns2);
	printf("# %s: %ld handle_mm_fault() calls for %lu huge pages (%.1f per page)\n",
	       write ? "write" : "read", faults, nr, (double)faults / nr);
	if (faults != (long)nr) {
		snprintf(reason, sizeof(reason), "%ld faults for %lu huge pages, expected %lu",
			 faults, nr, nr);
		goto out;
	}
	ret = 0;
out:
	if (pop != MAP_FAILED)
		munmap(pop, size);
	if (map != MAP_FAILED)
		munmap(map, size);
	free(buf);
	close(memfd);
	return ret;
}

/* The control: fresh 4 KiB anonymous memory, one fault per page */
static int test_anon(int fd, unsigned long npages)
{
	unsigned long size = npages * page_size;
	unsigned char *map, *buf;
	long faults;
	uint64_t ns;

	map = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	buf = malloc(size);
	if (map == MAP_FAILED || !buf) {
		snprintf(reason, sizeof(reason), "cannot map %lu pages", npages);
		return 1;
	}
	madvise(map, size, MADV_NOHUGEPAGE);
	fill(buf, size, 3);
	faults = dmirror(fd, HMM_DMIRROR_WRITE, map, buf, size, &ns);
	if (faults < 0)
		return 1;
	if (first_bad(map, size, 3) >= 0) {
		snprintf(reason, sizeof(reason), "the device's write is not in memory");
		return 1;
	}
	printf("# anonymous: %ld handle_mm_fault() calls for %lu pages\n",
	       faults, npages);
	if (faults != (long)npages) {
		snprintf(reason, sizeof(reason), "%ld faults for %lu pages, expected %lu",
			 faults, npages, npages);
		return 1;
	}
	munmap(map, size);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	static const char * const names[NTESTS] = {
		"anon_4k_write_fault_per_page",
		"hugetlb_2m_read_fault_once",
		"hugetlb_2m_write_fault_once",
	};
	const char *dev = "/dev/hmm_dmirror0";
	int pass = 0, fail = 0, skip = 0;
	unsigned long nr = 16;
	int fd, t, opt, ret;

	while ((opt = getopt(argc, argv, "n:d:")) != -1) {
		switch (opt) {
		case 'n':
			nr = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			dev = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-n hugepages] [-d /dev/hmm_dmirror0]\n",
				argv[0]);
			return 2;
		}
	}
	page_size = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The first clock_gettime() faults the vDSO data in: not in a count */
	now_ns();
	faults_now();
	printf("TAP version 13\n1..%d\n", NTESTS);
	fd = open(dev, O_RDWR);
	for (t = 0; t < NTESTS; t++) {
		reason[0] = 0;
		if (fd < 0) {
			snprintf(reason, sizeof(reason), "SKIP %s: %s", dev,
				 strerror(errno));
			ret = 2;
		} else if (t == 0) {
			ret = test_anon(fd, 64);
		} else {
			ret = test_hugetlb(fd, nr, t == 2);
		}
		if (ret == 2) {
			printf("ok %d %s # %s\n", t + 1, names[t], reason);
			skip++;
		} else if (ret) {
			printf("# %s\nnot ok %d %s\n", reason, t + 1, names[t]);
			fail++;
		} else {
			printf("ok %d %s\n", t + 1, names[t]);
			pass++;
		}
	}
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       pass, fail, skip);
	if (fail)
		return 1;
	return skip == NTESTS ? 4 : 0;
}
