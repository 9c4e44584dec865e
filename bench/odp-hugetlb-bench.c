// SPDX-License-Identifier: GPL-2.0
/*
 * odp-hugetlb-bench: the first RDMA WRITEs into an On-Demand-Paging MR over
 * 2 MiB hugetlb memory, registered with IBV_ACCESS_HUGETLB (huge page mode:
 * ib_umem_odp maps and faults one entry per huge page, HMM_FAULT_HUGEPAGE)
 * against the same MR registered without it (one entry per 4 KiB page), on
 * the same kind of memory, in one run, through soft-RoCE (rxe) on a
 * loopback RC QP pair (ci/guest/tests/odp-common.h).
 *
 * First touch is one 64-byte RDMA WRITE into every 4 KiB page of the MR
 * (262144 WRITEs for 1 GiB), each at another offset of its page: every
 * page is written, and rxe faults the range of each WRITE that finds its
 * entry invalid, so once per huge page in huge page mode and once per
 * 4 KiB page otherwise, for the same packets. (Writing all of it would
 * measure the copy instead: rxe moves ~11 MiB/s under QEMU TCG, a 1 GiB
 * WRITE takes ~90 s, and both modes then differ by 5%.)
 *
 *  - fresh: private MAP_HUGETLB memory nobody touched, mapped anew for each
 *    registration: the kernel also allocates and clears every huge page,
 *    which both modes pay;
 *  - shared: a new MAP_SHARED mapping, for each registration, of a hugetlb
 *    memfd whose pages are already there (filled by the CPU through another
 *    mapping): the fault maps page cache without clearing it, so what
 *    differs is the fault path itself; then the same WRITEs again on the
 *    same MR (nothing left to fault), the cost of the traffic alone.
 *
 * The time is the wall time from posting the first WRITE (up to 16 in
 * flight) to the last completion; ibv_reg_mr() (which snapshots the range
 * once) is timed apart. Modes alternate which goes first; the median of
 * the rounds is printed, and the fastest run of each mode beside it (on a
 * shared host, noise only ever adds time). After the WRITEs the CPU reads
 * every byte they wrote: a case is "ok" when both modes wrote everything,
 * right, every time. The ratios are reported ("# bench" lines), never judged: they
 * depend on the machine (QEMU TCG in the project's CI).
 *
 * The pfn/DMA arrays are not measured but derived: ib_umem_odp keeps one
 * pfn_list entry (unsigned long) per entry of the MR, i.e. per page of the
 * MR's page size (2 MiB in huge page mode, taken from the hugetlb VMA;
 * 4 KiB otherwise), and a device that needs a DMA address list (no IOVA
 * space, dma_need_unmap()) one dma_addr_t per entry beside it
 * (hmm_dma_map_alloc()); rxe (virtual DMA) has the pfn_list only.
 *
 * usage: odp-hugetlb-bench [-d ibdev] [-g gid_index] [-s MiB] [-r rounds]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <linux/memfd.h>
#include "odp-common.h"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21 << 26)
#endif

#define HSHIFT		21
#define HSIZE		(1UL << HSHIFT)
#define PSHIFT		12
#define PSIZE		(1UL << PSHIFT)
#define PIECE		64		/* bytes per RDMA WRITE, one per page */
#define INFLIGHT	16		/* WRITEs posted and not completed */
#define MAX_ROUNDS	15
#define WRITE_TIMEOUT_S	120

#define ODP_ACCESS	(IBV_ACCESS_ON_DEMAND | IBV_ACCESS_LOCAL_WRITE | \
			 IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ)

enum { HUGE, BASE };	/* IBV_ACCESS_HUGETLB or not */

static const char *const mode_name[2] = { "huge page", "4 KiB" };

struct mode_result {
	uint64_t write_ns[MAX_ROUNDS];
	uint64_t rewrite_ns[MAX_ROUNDS];
	uint64_t reg_ns[MAX_ROUNDS];
	int bad;		/* runs that failed or wrote wrong data */
	char why[200];
};

/* The source of the WRITEs, PIECE bytes each: a normal (pinned) MR. */
static struct {
	uint64_t *buf;
	size_t size;
	struct ibv_mr *mr;
} src;
static uint16_t seed;	/* of the current run, in every word it writes */

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

static uint64_t median(const uint64_t *v, int n)
{
	uint64_t s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_u64);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static uint64_t minimum(const uint64_t *v, int n)
{
	uint64_t m = v[0];
	int i;

	for (i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
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

/* Where the WRITE into page k goes: another 64 bytes of each page. */
static size_t piece_off(size_t k)
{
	return k * PSIZE + k % (PSIZE / PIECE) * PIECE;
}

/* Word w of the WRITE into page k, in the run with seed s. */
static uint64_t src_word(uint64_t s, size_t k, size_t w)
{
	return s << 48 | k << 8 | w;
}

static void fill_src(void)
{
	size_t k, w, nw = PIECE / 8;

	for (k = 0; k < src.size / PIECE; k++)
		for (w = 0; w < nw; w++)
			src.buf[k * nw + w] = src_word(seed, k, w);
}

/*
 * One RDMA WRITE of PIECE bytes into every 4 KiB page of [p, p + size), at
 * most INFLIGHT in flight, posted in batches. 0, or -1 with why set.
 */
static int write_all(uint8_t *p, size_t size, uint32_t rkey, char *why,
		     size_t wlen)
{
	size_t n = size / PSIZE, posted = 0, done = 0;
	struct ibv_send_wr wr[INFLIGHT], *bad;
	struct ibv_sge sge[INFLIGHT];
	const struct timespec nap = { 0, 20000 };
	struct ibv_wc wc[INFLIGHT];
	uint64_t t0 = now_ns();
	int i, k, ret;

	while (done < n) {
		for (i = 0; posted < n && posted - done < INFLIGHT; i++) {
			sge[i].addr = (uintptr_t)(src.buf + posted * PIECE / 8);
			sge[i].length = PIECE;
			sge[i].lkey = src.mr->lkey;
			memset(&wr[i], 0, sizeof(wr[i]));
			wr[i].wr_id = posted;
			wr[i].sg_list = &sge[i];
			wr[i].num_sge = 1;
			wr[i].opcode = IBV_WR_RDMA_WRITE;
			wr[i].send_flags = IBV_SEND_SIGNALED;
			wr[i].wr.rdma.remote_addr = (uintptr_t)(p + piece_off(posted));
			wr[i].wr.rdma.rkey = rkey;
			if (i)
				wr[i - 1].next = &wr[i];
			posted++;
		}
		if (i) {
			ret = ibv_post_send(rc.qp[0], wr, &bad);
			if (ret) {
				snprintf(why, wlen, "ibv_post_send: %s",
					 strerror(ret));
				return -1;
			}
		}
		ret = ibv_poll_cq(rc.cq[0], INFLIGHT, wc);
		if (ret < 0) {
			snprintf(why, wlen, "ibv_poll_cq: %d", ret);
			return -1;
		}
		for (k = 0; k < ret; k++) {
			if (wc[k].status != IBV_WC_SUCCESS) {
				snprintf(why, wlen,
					 "WRITE into page %llu: completion %s",
					 (unsigned long long)wc[k].wr_id,
					 ibv_wc_status_str(wc[k].status));
				return -1;
			}
		}
		done += ret;
		/*
		 * Nothing completed: sleep rather than spin, so that this vCPU
		 * leaves the host CPU to the one rxe works on (under TCG a
		 * spinning guest CPU costs a host CPU).
		 */
		if (!ret)
			nanosleep(&nap, NULL);
		if (!ret && now_ns() - t0 > WRITE_TIMEOUT_S * 1000000000ULL) {
			snprintf(why, wlen, "%zu of %zu WRITEs not completed within %d s",
				 n - done, n, WRITE_TIMEOUT_S);
			return -1;
		}
	}
	return 0;
}

/* Every word the WRITEs of this run wrote? 0, or -1 with why set. */
static int check_all(const uint8_t *p, size_t size, char *why, size_t wlen)
{
	size_t k, w, nw = PIECE / 8;
	const uint64_t *q;

	for (k = 0; k < size / PSIZE; k++) {
		q = (const uint64_t *)(p + piece_off(k));
		for (w = 0; w < nw; w++)
			if (q[w] != src_word(seed, k, w)) {
				snprintf(why, wlen,
					 "MR+0x%zx: 0x%016llx, expected 0x%016llx",
					 piece_off(k) + w * 8,
					 (unsigned long long)q[w],
					 (unsigned long long)src_word(seed, k, w));
				return -1;
			}
	}
	return 0;
}

/*
 * One run in one mode: map (fresh private hugetlb, or a new shared mapping
 * of memfd), register, first WRITE, check, and with rewrite a second WRITE
 * and check; times into res at round r.
 */
static void run_one(int mode, int memfd, size_t size, bool rewrite,
		    struct mode_result *res, int r)
{
	int access = ODP_ACCESS | (mode == HUGE ? IBV_ACCESS_HUGETLB : 0);
	struct ibv_mr *mr;
	uint64_t t0;
	uint8_t *p;

	if (memfd >= 0)
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 memfd, 0);
	else
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			 MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(res->why, sizeof(res->why), "mmap: %s",
			 strerror(errno));
		res->bad++;
		return;
	}
	seed++;
	fill_src();
	t0 = now_ns();
	mr = ibv_reg_mr(rc.pd, p, size, access);
	res->reg_ns[r] = now_ns() - t0;
	if (!mr) {
		snprintf(res->why, sizeof(res->why), "ibv_reg_mr(ON_DEMAND%s): %s",
			 mode == HUGE ? "|HUGETLB" : "", strerror(errno));
		res->bad++;
		goto out;
	}
	t0 = now_ns();
	if (write_all(p, size, mr->rkey, res->why, sizeof(res->why))) {
		res->bad++;
		goto out_mr;
	}
	res->write_ns[r] = now_ns() - t0;
	if (check_all(p, size, res->why, sizeof(res->why))) {
		res->bad++;
		goto out_mr;
	}
	if (rewrite) {
		seed++;
		fill_src();
		t0 = now_ns();
		if (write_all(p, size, mr->rkey, res->why, sizeof(res->why))) {
			res->bad++;
			goto out_mr;
		}
		res->rewrite_ns[r] = now_ns() - t0;
		if (check_all(p, size, res->why, sizeof(res->why)))
			res->bad++;
	}
	printf("# round %d, %s mode: ibv_reg_mr %.2f ms, first touch %.1f ms",
	       r + 1, mode_name[mode], res->reg_ns[r] / 1e6,
	       res->write_ns[r] / 1e6);
	if (rewrite)
		printf(", again %.1f ms", res->rewrite_ns[r] / 1e6);
	printf("\n");
out_mr:
	ibv_dereg_mr(mr);
out:
	munmap(p, size);
}

/* rounds runs per mode, alternating which goes first. */
static void both_modes(int memfd, size_t size, bool rewrite, int rounds,
		       struct mode_result *res)
{
	int r, m;

	for (r = 0; r < rounds; r++)
		for (m = 0; m < 2; m++)
			run_one((m + r) % 2, memfd, size, rewrite,
				&res[(m + r) % 2], r);
}

static double ratio(uint64_t base, uint64_t huge)
{
	return huge ? (double)base / huge : 0.0;
}

static int report(int num, const char *name, struct mode_result *res,
		  bool rewrite, size_t size, int rounds)
{
	uint64_t h, b, hr, br, hw = 0, bw = 0, hm, bm;
	int m;

	for (m = 0; m < 2; m++)
		if (res[m].bad) {
			printf("not ok %d %s # %s mode: %d of %d runs failed, last: %s\n",
			       num, name, mode_name[m], res[m].bad, rounds,
			       res[m].why);
			return 1;
		}
	h = median(res[HUGE].write_ns, rounds);
	b = median(res[BASE].write_ns, rounds);
	hm = minimum(res[HUGE].write_ns, rounds);
	bm = minimum(res[BASE].write_ns, rounds);
	hr = median(res[HUGE].reg_ns, rounds);
	br = median(res[BASE].reg_ns, rounds);
	printf("# bench %s huge_ns=%llu base_ns=%llu ratio=%.2f huge_min_ns=%llu base_min_ns=%llu min_ratio=%.2f huge_reg_ns=%llu base_reg_ns=%llu reg_ratio=%.1f",
	       name, (unsigned long long)h, (unsigned long long)b,
	       ratio(b, h), (unsigned long long)hm, (unsigned long long)bm,
	       ratio(bm, hm), (unsigned long long)hr, (unsigned long long)br,
	       ratio(br, hr));
	if (rewrite) {
		hw = median(res[HUGE].rewrite_ns, rounds);
		bw = median(res[BASE].rewrite_ns, rounds);
		printf(" huge_rewrite_ns=%llu base_rewrite_ns=%llu",
		       (unsigned long long)hw, (unsigned long long)bw);
	}
	printf("\n# %s: first touch of %zu MiB (%zu WRITEs): huge page mode %.1f ms, 4 KiB mode %.1f ms, %.2fx (fastest runs: %.1f vs %.1f ms, %.2fx); ibv_reg_mr %.2f ms vs %.2f ms, %.1fx\n",
	       name, size >> 20, size / PSIZE, h / 1e6, b / 1e6, ratio(b, h),
	       hm / 1e6, bm / 1e6, ratio(bm, hm), hr / 1e6, br / 1e6,
	       ratio(br, hr));
	if (rewrite && h > hw && b > bw)
		printf("# %s: the same WRITEs again, nothing to fault: huge page mode %.1f ms, 4 KiB mode %.1f ms; first touch minus that: %.1f ms vs %.1f ms, %.1fx\n",
		       name, hw / 1e6, bw / 1e6, (h - hw) / 1e6,
		       (b - bw) / 1e6, ratio(b - bw, h - hw));
	else if (rewrite)
		printf("# %s: the same WRITEs again, nothing to fault: huge page mode %.1f ms, 4 KiB mode %.1f ms; not below the first touch: the noise exceeds the fault cost\n",
		       name, hw / 1e6, bw / 1e6);
	printf("ok %d %s\n", num, name);
	return 0;
}

static const char *const case_names[] = {
	"first_touch_write_fresh", "first_touch_write_shared",
};

static int skip_all(const char *why)
{
	unsigned int i;

	for (i = 0; i < 2; i++)
		printf("ok %u %s # SKIP %s\n", i + 1, case_names[i], why);
	printf("# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:2 error:0\n");
	return 4;
}

int main(int argc, char **argv)
{
	struct mode_result fresh[2], shared[2];
	const char *dev = NULL, *why;
	size_t size = 1024UL << 20, nhuge, npages;
	int rounds = 3, forced_gid = -1, opt, fails = 0, memfd;
	uint32_t rc_caps = 0;
	bool setup_skip;
	char buf[200];
	void *p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "d:g:s:r:")) != -1) {
		switch (opt) {
		case 'd':
			dev = optarg;
			break;
		case 'g':
			forced_gid = atoi(optarg);
			break;
		case 's':
			size = strtoul(optarg, NULL, 0) << 20;
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-d ibdev] [-g gid_index] [-s MiB] [-r rounds]\n",
				argv[0]);
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || !size || size % HSIZE) {
		fprintf(stderr, "%s: rounds 1..%d, size a multiple of 2 MiB\n",
			argv[0], MAX_ROUNDS);
		return 2;
	}
	nhuge = size >> HSHIFT;
	npages = size >> PSHIFT;

	printf("TAP version 13\n1..2\n");
	printf("# %zu MiB of 2 MiB hugetlb, ODP MR with and without IBV_ACCESS_HUGETLB, %d rounds, median\n",
	       size >> 20, rounds);
	/* Derived from the entry counts (see the top of this file). */
	printf("# bench array size_mib=%zu huge_entries=%zu huge_pfn_bytes=%zu huge_dma_bytes=%zu base_entries=%zu base_pfn_bytes=%zu base_dma_bytes=%zu ratio=%zu\n",
	       size >> 20, nhuge, nhuge * sizeof(unsigned long),
	       nhuge * sizeof(uint64_t), npages,
	       npages * sizeof(unsigned long), npages * sizeof(uint64_t),
	       npages / nhuge);
	printf("# pfn_list + dma_list per GiB registered: huge page mode %zu KiB, 4 KiB mode %zu KiB (rxe: pfn_list only, %zu vs %zu KiB)\n",
	       ((1UL << 30) >> HSHIFT) * 16 >> 10,
	       ((1UL << 30) >> PSHIFT) * 16 >> 10,
	       ((1UL << 30) >> HSHIFT) * sizeof(unsigned long) >> 10,
	       ((1UL << 30) >> PSHIFT) * sizeof(unsigned long) >> 10);

	why = rc_open(dev, forced_gid, &setup_skip, &rc_caps);
	if (!why && !(rc_caps & IBV_ODP_SUPPORT_WRITE)) {
		setup_skip = true;
		why = "rc_odp_caps lack RDMA WRITE";
	}
	if (why) {
		if (setup_skip)
			return skip_all(why);
		printf("# setup failed: %s\n", why);
		printf("not ok 1 %s\nnot ok 2 %s\n", case_names[0],
		       case_names[1]);
		printf("# Totals: pass:0 fail:2 xfail:0 xpass:0 skip:0 error:0\n");
		return 1;
	}
	if (free_2m_pages() < nhuge) {
		snprintf(buf, sizeof(buf),
			 "needs %zu free 2 MiB hugetlb pages, %lu free", nhuge,
			 free_2m_pages());
		return skip_all(buf);
	}
	/*
	 * A kernel without the huge page mode for ODP (stock rxe refuses
	 * IB_ACCESS_HUGETLB) has nothing to compare: skip, not fail.
	 */
	p = mmap(NULL, HSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE |
		 MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
	if (p != MAP_FAILED) {
		struct ibv_mr *probe = ibv_reg_mr(rc.pd, p, HSIZE,
						  ODP_ACCESS | IBV_ACCESS_HUGETLB);
		int err = errno;

		if (probe)
			ibv_dereg_mr(probe);
		munmap(p, HSIZE);
		if (!probe && err == EOPNOTSUPP)
			return skip_all("ibv_reg_mr(ON_DEMAND|HUGETLB): Operation not supported: no huge page mode for ODP in this kernel");
	}
	src.size = size / PSIZE * PIECE;
	src.buf = mmap(NULL, src.size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (src.buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	src.mr = ibv_reg_mr(rc.pd, src.buf, src.size, IBV_ACCESS_LOCAL_WRITE);
	why = src.mr ? rc_create_qps() : "ibv_reg_mr of the source failed";
	if (!why && connect_qps())
		why = "cannot connect the QPs";
	if (why) {
		printf("# setup failed: %s\n", why);
		printf("not ok 1 %s\nnot ok 2 %s\n", case_names[0],
		       case_names[1]);
		printf("# Totals: pass:0 fail:2 xfail:0 xpass:0 skip:0 error:0\n");
		return 1;
	}

	memset(fresh, 0, sizeof(fresh));
	memset(shared, 0, sizeof(shared));
	both_modes(-1, size, false, rounds, fresh);
	fails += report(1, case_names[0], fresh, false, size, rounds);

	memfd = memfd_create("odp-hugetlb-bench", MFD_HUGETLB | MFD_HUGE_2MB);
	p = MAP_FAILED;
	if (memfd >= 0 && !ftruncate(memfd, size))
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 memfd, 0);
	if (p == MAP_FAILED) {
		printf("not ok 2 %s # hugetlb memfd of %zu MiB: %s\n",
		       case_names[1], size >> 20, strerror(errno));
		fails++;
	} else {
		/* Populate the page cache once, then map it anew per run. */
		memset(p, 0xa5, size);
		munmap(p, size);
		both_modes(memfd, size, true, rounds, shared);
		fails += report(2, case_names[1], shared, true, size, rounds);
	}
	if (memfd >= 0)
		close(memfd);

	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n",
	       2 - fails, fails);
	return fails ? 1 : 0;
}
