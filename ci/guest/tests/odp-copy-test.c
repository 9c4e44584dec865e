// SPDX-License-Identifier: GPL-2.0
/*
 * odp-copy-test - check where soft-RoCE (rxe) puts the bytes of RC
 * transfers that touch an On-Demand-Paging (ODP) memory region.
 *
 * __rxe_odp_mr_copy() (drivers/infiniband/sw/rxe/rxe_odp.c) splits a copy
 * between an ODP MR and a packet buffer at page boundaries.  Up to and
 * including v7.3 it copies to/from the start of the kmapped page (the
 * in-page offset of the iova is dropped) and it never advances the packet
 * buffer pointer from one page to the next.  On a plain 4 KiB ODP MR an
 * RDMA WRITE to buf + 0x8080 therefore lands at buf + 0x8000, an RDMA READ
 * returns the bytes at the start of the page, and a transfer that crosses
 * a page boundary copies the same first bytes into (or out of) each page.
 *
 * rdma-core's own ODP tests move small messages (1 KiB) at offset 0 of the
 * MR, for which both mistakes are invisible.  This program uses unaligned
 * offsets and page-crossing lengths on a 64 KiB ODP MR and compares every
 * byte of the destination buffer, including the bytes that must stay
 * untouched, in four directions:
 *
 *  1. RDMA WRITE into an ODP MR          (responder copies to the ODP MR)
 *  2. RDMA READ from an ODP MR           (responder copies from the ODP MR)
 *  3. RDMA WRITE from an ODP local SGE   (requester copies from the ODP MR)
 *  4. SEND into a RECV SGE in an ODP MR  (responder copies to the ODP MR)
 *
 * Tests 5-10 register the ODP MR with ibv_reg_mr_iova() at an iova other
 * than its address and address it by iova, as the verbs let them: every
 * byte must land at address + (iova used - MR iova), nothing else may
 * change. Up to and including v7.3 rxe takes the iova of an ODP MR for a
 * user address when it indexes the MR's pfn_list, (iova -
 * ib_umem_start()) >> page_shift: an iova outside the registered range
 * indexes it out of bounds and rxe kmaps whatever page the word there
 * names (an oops or a write into foreign memory), an iova inside it
 * reaches the wrong pages of the MR.
 *
 *  5. odp_iova_inside_mr      iova = address + 16 KiB, WRITE and READ only
 *                             where that stays inside the MR: on a kernel
 *                             with the bug the data lands 16 KiB off, but
 *                             nothing outside the MR is touched. The probe
 *                             for 6-9.
 *  6. odp_iova_plus_1g_rdma_write  an MR starting at odp + 0x100 (not page
 *  7. odp_iova_plus_1g_rdma_read   aligned), iova = address + 1 GiB: WRITE /
 *                             READ at its start, across page boundaries,
 *                             12 packets, its last bytes and last byte
 *  8. odp_iova_zero_based_write_read  the same MR at iova 0x100 (below the
 *                             address): WRITE and READ
 *  9. odp_iova_plus_1g_local_sge   RDMA WRITE from, and SEND into a RECV in,
 *                             the iova + 1 GiB MR by lkey (copy_data())
 * 10. odp_iova_4k_page_offset_einval  an iova at another offset into a 4 KiB
 *                             page than the address: EINVAL (uverbs)
 *
 * Tests 6-9 run only when 5 passed: on a kernel with the bug they would
 * read the kernel's pfn_list out of bounds and may oops or corrupt memory,
 * which would end the boot (panic_on_oops) or spoil the tests after them.
 * They report "not ok" with that reason instead; -U runs them all the same.
 *
 * Tests 11-12 register ODP MRs of 2 GiB and more over an anonymous
 * MAP_NORESERVE mapping (only the few pages the test touches get memory),
 * starting at +0x80 into its first page. Up to and including v7.3,
 * rxe_odp_init_pages() passes the u64 length of a new ODP MR as the int
 * byte count of rxe_odp_do_pagefault_and_lock(): from 2 GiB on it is
 * negative, the range handed to ib_umem_odp_map_dma_and_lock() ends before
 * it starts, and ibv_reg_mr() fails (EINVAL). At 4 GiB it wraps to a small
 * positive count: the registration succeeds and its snapshot silently
 * covers only the first bytes, which no transfer can see (the pages fault
 * in on demand), so test 12 fails on v7.3 only through the copy bug of
 * tests 1-4; it guards the far end of an MR whose length wraps in 32 bits.
 *
 * 11. odp_2g_mr_far_end        an ODP MR of 2 GiB + 4 KiB: RDMA WRITE from
 *                             the normal MR into its first 4 KiB, across
 *                             its 2 GiB mark (and the page boundary before
 *                             it) and into its last 4 KiB, up to its last
 *                             byte; RDMA READ back; every byte of each span,
 *                             of what the READ brought and of 64 bytes on
 *                             each side of the span compared
 * 12. odp_4g_mr_far_end        the same on an ODP MR of 4 GiB + 4 KiB, also
 *                             across its 4 GiB mark
 *
 * It needs one RoCE device (rxe) with an IPv4 address on its netdev, e.g.
 *   ip link add d0 type dummy; ip addr add 192.0.2.1/24 dev d0
 *   ip link set d0 up; rdma link add rxe0 type rxe netdev d0
 * and talks over two RC QPs on port 1 of that device, connected to each
 * other through the RoCE v2 IPv4-mapped GID.
 *
 * Output is kselftest TAP. Exit: 0 all passed, 1 a test failed, 4 all skipped.
 *
 * Build:  gcc -O2 -Wall -Wextra -o odp-copy-test odp-copy-test.c -libverbs
 * Static (no libibverbs.so / provider files / .driver files needed):
 *   gcc -O2 -Wall -Wextra -static -DRDMA_STATIC_PROVIDERS=rxe \
 *       -o odp-copy-test odp-copy-test.c -lrxe-rdmav34 -libverbs \
 *       -lnl-route-3 -lnl-3 -lpthread
 * Usage:  odp-copy-test [-d ibdev] [-g gid_index] [-U]
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include "odp-common.h"

#define BUF_SIZE	0x10000		/* 64 KiB: 16 pages of 4 KiB */
#define NOFF		0x123		/* offset used in the normal MR */
#define NTESTS		4

/* (offset in the ODP MR, length) pairs run by every test */
static const struct { size_t off, len; } cases[] = {
	{ 0x8080, 0x100 },	/* unaligned, inside one page */
	{ 0x0ff0, 0x20 },	/* crosses one page boundary */
	{ 0x1800, 0x3000 },	/* 12 packets, spans four pages */
	{ 0x3ffc, 4 },		/* last bytes of a page */
	{ 0x5f00, 0x1300 },	/* packets themselves cross page boundaries */
	{ 0xa000, 0x1000 },	/* page aligned: packets 2..4 still land wrong */
};

static struct {
	struct ibv_mr *odp_mr, *mr;
	uint8_t *odp, *nbuf, *exp;
} c;

enum kind { WRITE_TO_ODP, READ_FROM_ODP, WRITE_FROM_ODP, RECV_TO_ODP };

static const struct {
	const char *name;
	enum ibv_wr_opcode op;
	uint32_t need;		/* rc_odp_caps needed */
} tests[NTESTS] = {
	[WRITE_TO_ODP] = { "rdma_write_unaligned_into_odp", IBV_WR_RDMA_WRITE,
			   IBV_ODP_SUPPORT_WRITE },
	[READ_FROM_ODP] = { "rdma_read_unaligned_from_odp", IBV_WR_RDMA_READ,
			    IBV_ODP_SUPPORT_READ },
	[WRITE_FROM_ODP] = { "rdma_write_from_odp_local_sge", IBV_WR_RDMA_WRITE,
			     IBV_ODP_SUPPORT_SEND | IBV_ODP_SUPPORT_WRITE },
	[RECV_TO_ODP] = { "send_recv_into_odp", IBV_WR_SEND,
			  IBV_ODP_SUPPORT_RECV },
};

/* Nonzero, position dependent bytes; a 16-byte window is ~unique in 64 KiB. */
static uint8_t pattern(size_t i, uint32_t seed)
{
	uint32_t x = (uint32_t)i * 0x9e3779b1u + seed;

	x ^= x >> 15;
	x *= 0x85ebca77u;
	x ^= x >> 13;
	x = (x >> 24) & 0xff;
	return x ? x : 0x5a;
}

static void fill(uint8_t *buf, uint32_t seed)
{
	for (size_t i = 0; i < BUF_SIZE; i++)
		buf[i] = pattern(i, seed);
}

/* Compare all of dst with c.exp; on mismatch explain where the bytes went. */
static int check(const uint8_t *dst, const char *dname, size_t doff,
		 const uint8_t *src, const char *sname, size_t soff, size_t len)
{
	size_t i, first = 0, bad = 0, n;
	const uint8_t *p;

	for (i = 0; i < BUF_SIZE; i++)
		if (dst[i] != c.exp[i] && !bad++)
			first = i;
	if (!bad)
		return 0;
	printf("# %s+0x%zx len 0x%zx: %zu bytes wrong, first mismatch at +0x%zx expected 0x%02x got 0x%02x\n",
	       dname, doff, len, bad, first, c.exp[first], dst[first]);

	/* Where did the bytes meant for this spot land? */
	i = (first >= doff && first < doff + len) ? first : doff;
	n = doff + len - i < 16 ? doff + len - i : 16;
	p = memmem(dst, BUF_SIZE, c.exp + i, n);
	if (p && (size_t)(p - dst) != i)
		printf("#   data meant for %s+0x%zx found at %s+0x%zx\n",
		       dname, i, dname, (size_t)(p - dst));
	/* Which source bytes sit at the first mismatch? */
	n = BUF_SIZE - first < 16 ? BUF_SIZE - first : 16;
	p = dst[first] ? memmem(src, BUF_SIZE, dst + first, n) : NULL;
	if (p && first >= doff && first < doff + len)
		printf("#   bytes at %s+0x%zx are %s+0x%zx (should be %s+0x%zx)\n",
		       dname, first, sname, (size_t)(p - src), sname,
		       first - doff + soff);
	else if (p)
		printf("#   bytes at %s+0x%zx (outside the target) are %s+0x%zx\n",
		       dname, first, sname, (size_t)(p - src));
	return 1;
}

static int run_case(enum kind k, size_t off, size_t len)
{
	bool to_odp = k == WRITE_TO_ODP || k == RECV_TO_ODP;
	uint8_t *src = to_odp ? c.nbuf : c.odp, *dst = to_odp ? c.odp : c.nbuf;
	size_t soff = to_odp ? NOFF : off, doff = to_odp ? off : NOFF;
	int ret;

	fill(src, 0x1000 * (k + 1) + (uint32_t)off);
	memset(dst, 0, BUF_SIZE);
	memset(c.exp, 0, BUF_SIZE);
	memcpy(c.exp + doff, src + soff, len);

	if (k == WRITE_FROM_ODP)
		ret = xfer(tests[k].op, c.odp + off, c.odp_mr->lkey,
			   c.nbuf + NOFF, c.mr->rkey, len);
	else
		ret = xfer(tests[k].op, c.nbuf + NOFF, c.mr->lkey, c.odp + off,
			   k == RECV_TO_ODP ? c.odp_mr->lkey : c.odp_mr->rkey,
			   len);
	if (ret) {
		printf("# %s: transfer odp+0x%zx len 0x%zx failed\n",
		       tests[k].name, off, len);
		if (connect_qps())
			printf("# reconnecting the QPs failed\n");
		return 1;
	}
	return check(dst, to_odp ? "odp" : "mr", doff, src,
		     to_odp ? "mr" : "odp", soff, len);
}

/* Tests 5-10: an ODP MR registered at an iova other than its address. */
#define NIOVA		6
#define IOVA_INSIDE	0x4000		/* test 5: iova = address + 16 KiB */
#define MR_START	0x100		/* tests 6-10: the MR starts at odp + 0x100 */
#define MR_LEN		(BUF_SIZE - MR_START)
#define ODP_ACC		(IBV_ACCESS_ON_DEMAND | IBV_ACCESS_LOCAL_WRITE | \
			 IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ)

enum { T_IOVA_INSIDE = NTESTS, T_IOVA_1G_W, T_IOVA_1G_R, T_IOVA_ZERO,
       T_IOVA_1G_LOCAL, T_IOVA_PGOFF, T_BIG_2G, T_BIG_4G, NALL };

static const char *const iova_names[NIOVA] = {
	"odp_iova_inside_mr",
	"odp_iova_plus_1g_rdma_write",
	"odp_iova_plus_1g_rdma_read",
	"odp_iova_zero_based_write_read",
	"odp_iova_plus_1g_local_sge",
	"odp_iova_4k_page_offset_einval",
};

struct span {
	size_t off, len;	/* in the MR */
};

/* Tests 6-9 */
static const struct span iova_cases[] = {
	{ 0, 0x40 },			/* the first bytes of the MR */
	{ 0x0ef7, 0x12 },		/* across the first page boundary */
	{ 0x1f00, 0x1000 },		/* one whole page */
	{ 0x2345, 0x3000 },		/* 12 packets over four pages */
	{ 0x7eff, 0x1402 },		/* packets across page boundaries */
	{ MR_LEN - 0x21, 0x20 },	/* up to the byte before the last */
	{ MR_LEN - 1, 1 },		/* the last byte */
};

/* Test 5: only where the iova, taken for an address, is still in the MR */
static const struct span inside_cases[] = {
	{ 0, 0x40 },
	{ 0x0ff8, 0x10 },
	{ 0x2345, 0x3000 },
	{ BUF_SIZE - IOVA_INSIDE - 1, 1 },	/* the last such byte */
};

/* An ODP MR over c.odp as work requests address it. */
struct view {
	struct ibv_mr *mr;
	size_t start;		/* its first byte is c.odp + start */
	uint64_t iova;		/* and has this iova */
};

static char reason[256];	/* why the current test failed or skipped */
static int iova_probe = -1;	/* test 5: 0 pass, 1 fail, 2 skip */
static bool unsafe;		/* -U: run tests 6-9 even so */

/*
 * One transfer of kind k at MR offset off, addressed by iova. Then all of
 * the destination buffer is compared with what it must hold, and the
 * source must be unchanged. 0 right, 1 wrong or failed.
 */
static int run_view(const struct view *v, enum kind k, size_t off,
		    size_t len)
{
	bool to_odp = k == WRITE_TO_ODP || k == RECV_TO_ODP;
	uint8_t *src = to_odp ? c.nbuf : c.odp, *dst = to_odp ? c.odp : c.nbuf;
	size_t soff = to_odp ? NOFF : v->start + off;
	size_t doff = to_odp ? v->start + off : NOFF;
	uint32_t seed = 0x10000 * (k + 1) + (uint32_t)off + 0x77;
	void *iova = iova_ptr(v->iova + off);
	size_t i;
	int ret;

	fill(src, seed);
	memset(dst, 0, BUF_SIZE);
	memset(c.exp, 0, BUF_SIZE);
	memcpy(c.exp + doff, src + soff, len);

	if (k == WRITE_FROM_ODP)
		ret = xfer(tests[k].op, iova, v->mr->lkey, c.nbuf + NOFF,
			   c.mr->rkey, len);
	else
		ret = xfer(tests[k].op, c.nbuf + NOFF, c.mr->lkey, iova,
			   k == RECV_TO_ODP ? v->mr->lkey : v->mr->rkey, len);
	if (ret) {
		printf("# %s at iova 0x%llx (MR+0x%zx) len 0x%zx failed\n",
		       tests[k].name, (unsigned long long)(v->iova + off), off,
		       len);
		if (connect_qps())
			printf("# reconnecting the QPs failed\n");
		return 1;
	}
	for (i = 0; i < BUF_SIZE && src[i] == pattern(i, seed); i++)
		;
	if (i < BUF_SIZE) {
		printf("# %s at iova 0x%llx: the source changed at %s+0x%zx\n",
		       tests[k].name, (unsigned long long)(v->iova + off),
		       to_odp ? "mr" : "odp", i);
		return 1;
	}
	if (!check(dst, to_odp ? "odp" : "mr", doff, src, to_odp ? "mr" : "odp",
		   soff, len))
		return 0;
	printf("#   (%s at iova 0x%llx = MR+0x%zx, the MR at odp+0x%zx iova 0x%llx)\n",
	       tests[k].name, (unsigned long long)(v->iova + off), off,
	       v->start, (unsigned long long)v->iova);
	return 1;
}

/* Register v (c.odp + start, iova); 0, or 1 with the reason set. */
static int view_reg(struct view *v, size_t start, uint64_t iova)
{
	v->start = start;
	v->iova = iova;
	v->mr = reg_mr_iova(c.odp + start, BUF_SIZE - start, iova, ODP_ACC,
			    reason, sizeof(reason));
	return v->mr ? 0 : 1;
}

/* The kinds of transfer of test t, as a mask of 1 << kind. */
static unsigned int iova_kinds(int t)
{
	switch (t) {
	case T_IOVA_INSIDE:
	case T_IOVA_ZERO:
		return 1U << WRITE_TO_ODP | 1U << READ_FROM_ODP;
	case T_IOVA_1G_W:
		return 1U << WRITE_TO_ODP;
	case T_IOVA_1G_R:
		return 1U << READ_FROM_ODP;
	case T_IOVA_1G_LOCAL:
		return 1U << WRITE_FROM_ODP | 1U << RECV_TO_ODP;
	}
	return 0;
}

/* Test 10: uverbs refuses an iova at another offset into a 4 KiB page. */
static int test_iova_pgoff(void)
{
	uint64_t iova = (uintptr_t)(c.odp + MR_START) + IOVA_FAR + 0x80;
	struct ibv_mr *mr;

	mr = ibv_reg_mr_iova(rc.pd, c.odp + MR_START, MR_LEN, iova, ODP_ACC);
	if (!mr && errno == EINVAL)
		return 0;
	if (mr) {
		snprintf(reason, sizeof(reason),
			 "ibv_reg_mr_iova(%p, iova 0x%llx) succeeded",
			 (void *)(c.odp + MR_START), (unsigned long long)iova);
		ibv_dereg_mr(mr);
	} else {
		snprintf(reason, sizeof(reason),
			 "ibv_reg_mr_iova(%p, iova 0x%llx): %s, expected EINVAL",
			 (void *)(c.odp + MR_START), (unsigned long long)iova,
			 strerror(errno));
	}
	return 1;
}

/* Tests 5-10: 0 pass, 1 fail, 2 skip; reason says why. */
static int run_iova(int t, uint32_t rc_caps)
{
	unsigned int kinds = iova_kinds(t), need = 0;
	const struct span *cs = iova_cases;
	size_t n = sizeof(iova_cases) / sizeof(iova_cases[0]), i;
	int k, bad = 0, nx = 0;
	struct view v;

	reason[0] = 0;
	if (t == T_IOVA_PGOFF)
		return test_iova_pgoff();
	for (k = 0; k < NTESTS; k++)
		if (kinds & 1U << k)
			need |= tests[k].need;
	if ((rc_caps & need) != need) {
		snprintf(reason, sizeof(reason), "rc_odp_caps 0x%x lacks 0x%x",
			 rc_caps, need);
		return 2;
	}
	if (t != T_IOVA_INSIDE && iova_probe == 2) {
		snprintf(reason, sizeof(reason), "%s skipped", iova_names[0]);
		return 2;
	}
	if (t != T_IOVA_INSIDE && iova_probe != 0 && !unsafe) {
		snprintf(reason, sizeof(reason),
			 "not run: %s failed, so this kernel does not address an ODP MR by its iova; an iova outside the MR would index its pfn_list out of bounds (-U runs it anyway)",
			 iova_names[0]);
		return 1;
	}
	if (t == T_IOVA_INSIDE) {
		cs = inside_cases;
		n = sizeof(inside_cases) / sizeof(inside_cases[0]);
		if (view_reg(&v, 0, (uintptr_t)c.odp + IOVA_INSIDE))
			return 1;
	} else if (view_reg(&v, MR_START, t == T_IOVA_ZERO ? MR_START :
			    (uintptr_t)(c.odp + MR_START) + IOVA_FAR)) {
		return 1;
	}
	for (k = 0; k < NTESTS; k++) {
		if (!(kinds & 1U << k))
			continue;
		for (i = 0; i < n; i++, nx++)
			bad += run_view(&v, k, cs[i].off, cs[i].len);
	}
	ibv_dereg_mr(v.mr);
	if (bad)
		snprintf(reason, sizeof(reason), "%d of %d transfers wrong",
			 bad, nx);
	return bad ? 1 : 0;
}

/*
 * Tests 11/12: an ODP MR of 2 GiB + 4 KiB or 4 GiB + 4 KiB at big + 0x80,
 * in an anonymous MAP_NORESERVE mapping of 4 KiB more (room for the guard
 * bytes after its end).
 */
#define NBIG		2
#define SZ_4K		0x1000UL
#define SZ_2G		(2UL << 30)
#define BIG_START	0x80		/* the MR starts at big + 0x80 */
#define BIG_GUARD	0x40		/* bytes checked on each side of a span */
#define MAXSPAN		8

static const char *const big_names[NBIG] = {
	"odp_2g_mr_far_end",
	"odp_4g_mr_far_end",
};

/*
 * The spans of an MR of len bytes: its first 4 KiB, across every 2 GiB
 * mark (and across the page boundary 0x80 bytes before it), and its last
 * 4 KiB.
 */
static int big_spans(size_t len, struct span *s)
{
	size_t m;
	int n = 0;

	s[n++] = (struct span){ 0, SZ_4K };
	for (m = SZ_2G; m <= len - SZ_4K && n + 3 <= MAXSPAN; m += SZ_2G) {
		s[n++] = (struct span){ m - 100, 200 };
		s[n++] = (struct span){ m - 0x880, SZ_4K };
	}
	s[n++] = (struct span){ len - SZ_4K, SZ_4K };
	return n;
}

/* The i-th guard byte of the span [o, o + len): BIG_GUARD before, after. */
static uint8_t *guard_at(uint8_t *o, size_t len, size_t i)
{
	return i < BIG_GUARD ? o - BIG_GUARD + i : o + len + i - BIG_GUARD;
}

/* "MR+0x..." or "MR-0x..." for a byte offset from the MR's start. */
static const char *mr_pos(long long pos, char *s, size_t n)
{
	snprintf(s, n, "MR%c0x%llx", pos < 0 ? '-' : '+',
		 (unsigned long long)(pos < 0 ? -pos : pos));
	return s;
}

/*
 * The ODP span at o (MR offset off) must hold the data of the normal MR at
 * nb, its guard bytes their pattern. 0 right, 1 wrong (explained).
 */
static int big_check_odp(uint8_t *o, size_t off, size_t len,
			 const uint8_t *nb, uint32_t gseed, const char *when)
{
	size_t i, bad = 0, guard = 0, first = 0, gfirst = 0, n;
	const uint8_t *p;
	char s1[32], s2[32];
	long long pos;

	for (i = 0; i < len; i++)
		if (o[i] != nb[i] && !bad++)
			first = i;
	for (i = 0; i < 2 * BIG_GUARD; i++)
		if (*guard_at(o, len, i) != pattern(i, gseed) && !guard++)
			gfirst = i;
	if (!bad && !guard)
		return 0;
	printf("# %s: ODP MR+0x%zx len 0x%zx: %zu bytes wrong, %zu of the %d bytes around it changed\n",
	       when, off, len, bad, guard, 2 * BIG_GUARD);
	if (bad) {
		printf("#   first wrong byte at MR+0x%zx: expected 0x%02x got 0x%02x\n",
		       off + first, nb[first], o[first]);
		/* Where did the bytes meant for it land (span and guards)? */
		n = len - first < 16 ? len - first : 16;
		p = memmem(o - BIG_GUARD, len + 2 * BIG_GUARD, nb + first, n);
		if (p && p != o + first)
			printf("#   data meant for MR+0x%zx found at %s\n",
			       off + first,
			       mr_pos((long long)off + (p - o), s1, sizeof(s1)));
	}
	if (guard) {
		pos = gfirst < BIG_GUARD ?
		      (long long)off - BIG_GUARD + (long long)gfirst :
		      (long long)(off + len + gfirst - BIG_GUARD);
		printf("#   first changed byte %s the span at %s: 0x%02x, was 0x%02x\n",
		       gfirst < BIG_GUARD ? "before" : "after",
		       mr_pos(pos, s2, sizeof(s2)), *guard_at(o, len, gfirst),
		       pattern(gfirst, gseed));
	}
	return 1;
}

/*
 * One span of an ODP MR at b: RDMA WRITE into it from the normal MR, then
 * (the CPU puts the data there if the WRITE did not) RDMA READ it back into
 * the normal MR. Every byte of the span, of the READ's data and of
 * BIG_GUARD bytes on each side in both buffers is compared. Returns the
 * number of wrong things (0-3).
 */
static int big_span(struct ibv_mr *mr, uint8_t *b, size_t off, size_t len,
		    uint32_t seed)
{
	uint8_t *o = b + off, *nb = c.nbuf + NOFF;
	uint32_t gseed = seed ^ 0x5a5a5a5a;
	size_t i, bad = 0, guard = 0, first = 0;
	int wrong = 0;

	/* The data in the normal MR, its complement in the ODP span. */
	for (i = 0; i < len; i++) {
		nb[i] = pattern(i, seed);
		o[i] = ~nb[i];
	}
	for (i = 0; i < 2 * BIG_GUARD; i++)
		*guard_at(o, len, i) = pattern(i, gseed);

	if (xfer(IBV_WR_RDMA_WRITE, nb, c.mr->lkey, o, mr->rkey, len)) {
		printf("# RDMA WRITE to ODP MR+0x%zx len 0x%zx failed\n", off,
		       len);
		if (connect_qps())
			printf("# reconnecting the QPs failed\n");
		wrong++;
	} else {
		wrong += big_check_odp(o, off, len, nb, gseed, "after the WRITE");
	}

	/* READ it back: the normal MR cleared, the span and guards as meant. */
	memcpy(o, nb, len);
	for (i = 0; i < 2 * BIG_GUARD; i++)
		*guard_at(o, len, i) = pattern(i, gseed);
	memset(nb - BIG_GUARD, 0, len + 2 * BIG_GUARD);
	if (xfer(IBV_WR_RDMA_READ, nb, c.mr->lkey, o, mr->rkey, len)) {
		printf("# RDMA READ of ODP MR+0x%zx len 0x%zx failed\n", off,
		       len);
		if (connect_qps())
			printf("# reconnecting the QPs failed\n");
		return wrong + 1;
	}
	for (i = 0; i < len; i++)
		if (nb[i] != pattern(i, seed) && !bad++)
			first = i;
	for (i = 0; i < 2 * BIG_GUARD; i++)
		guard += *guard_at(nb, len, i) != 0;
	if (bad || guard) {
		printf("# READ of ODP MR+0x%zx len 0x%zx: %zu bytes wrong, %zu bytes written around the target in the normal MR\n",
		       off, len, bad, guard);
		if (bad)
			printf("#   first wrong byte at +0x%zx: expected 0x%02x got 0x%02x\n",
			       first, pattern(first, seed), nb[first]);
		wrong++;
	}
	/* The READ's source must be unchanged. */
	for (i = 0; i < len; i++)
		nb[i] = pattern(i, seed);
	wrong += big_check_odp(o, off, len, nb, gseed, "after the READ");
	return wrong;
}

/* Tests 11/12: 0 pass, 1 fail, 2 skip; reason says why. */
static int run_big(int t, uint32_t rc_caps)
{
	const uint32_t need = IBV_ODP_SUPPORT_WRITE | IBV_ODP_SUPPORT_READ;
	size_t len = (t == T_BIG_2G ? SZ_2G : 2 * SZ_2G) + SZ_4K;
	size_t maplen = len + SZ_4K;
	struct span s[MAXSPAN];
	struct ibv_mr *mr;
	int n, i, bad = 0, e;
	uint8_t *p;

	reason[0] = 0;
	if ((rc_caps & need) != need) {
		snprintf(reason, sizeof(reason), "rc_odp_caps 0x%x lacks 0x%x",
			 rc_caps, need);
		return 2;
	}
	p = mmap(NULL, maplen, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(reason, sizeof(reason), "mmap(0x%zx, MAP_NORESERVE): %s",
			 maplen, strerror(errno));
		return 1;
	}
	/* 4 KiB pages: touching a few bytes must not take 2 MiB each */
	if (madvise(p, maplen, MADV_NOHUGEPAGE))
		printf("# madvise(MADV_NOHUGEPAGE): %s\n", strerror(errno));
	mr = ibv_reg_mr(rc.pd, p + BIG_START, len, ODP_ACC);
	if (!mr) {
		e = errno;
		snprintf(reason, sizeof(reason),
			 "ODP ibv_reg_mr(%p, 0x%zx = %s GiB + 4 KiB): %s (errno %d)",
			 (void *)(p + BIG_START), len,
			 t == T_BIG_2G ? "2" : "4", strerror(e), e);
		munmap(p, maplen);
		return 1;
	}
	printf("# ODP MR %p len 0x%zx: lkey 0x%x rkey 0x%x\n",
	       (void *)(p + BIG_START), len, mr->lkey, mr->rkey);
	n = big_spans(len, s);
	for (i = 0; i < n; i++)
		bad += big_span(mr, p + BIG_START, s[i].off, s[i].len,
				0x30000 * (t - T_BIG_2G + 1) + 0x100 * i + 0x33);
	ibv_dereg_mr(mr);
	munmap(p, maplen);
	if (bad)
		snprintf(reason, sizeof(reason),
			 "%d of %d checks wrong or failed (WRITE, READ, ODP MR after the READ) in %d spans of the %s GiB + 4 KiB ODP MR",
			 bad, 3 * n, n, t == T_BIG_2G ? "2" : "4");
	return bad ? 1 : 0;
}

static void *map_buf(void)
{
	void *p = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, BUF_SIZE);
	return p;
}

/* Returns NULL on success, else a reason; *skip says whether it is a SKIP. */
static const char *setup(const char *dev, int forced_gid, bool *skip,
			 uint32_t *rc_caps)
{
	static char why[160];
	const char *err;

	err = rc_open(dev, forced_gid, skip, rc_caps);
	if (err)
		return err;
	c.odp = map_buf();
	c.nbuf = map_buf();
	c.exp = malloc(BUF_SIZE);
	if (!c.odp || !c.nbuf || !c.exp)
		return "out of memory";
	c.odp_mr = ibv_reg_mr(rc.pd, c.odp, BUF_SIZE, IBV_ACCESS_ON_DEMAND |
			      IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			      IBV_ACCESS_REMOTE_READ);
	if (!c.odp_mr) {
		*skip = errno == EOPNOTSUPP;
		snprintf(why, sizeof(why), "ODP ibv_reg_mr: %s", strerror(errno));
		return why;
	}
	c.mr = ibv_reg_mr(rc.pd, c.nbuf, BUF_SIZE, IBV_ACCESS_LOCAL_WRITE |
			  IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ);
	if (!c.mr)
		return "ibv_reg_mr failed";
	err = rc_create_qps();
	if (err)
		return err;
	printf("# odp buf %p lkey 0x%x rkey 0x%x, mr buf %p, qpn 0x%x 0x%x\n",
	       (void *)c.odp, c.odp_mr->lkey, c.odp_mr->rkey, (void *)c.nbuf,
	       rc.qp[0]->qp_num, rc.qp[1]->qp_num);
	if (connect_qps())
		return "cannot connect the QPs";
	return NULL;
}

int main(int argc, char **argv)
{
	int pass = 0, fail = 0, skip = 0, forced_gid = -1, opt, t;
	const char *dev = NULL, *why;
	uint32_t rc_caps = 0;
	bool setup_skip;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "d:g:Uh")) != -1) {
		switch (opt) {
		case 'd':
			dev = optarg;
			break;
		case 'g':
			forced_gid = atoi(optarg);
			break;
		case 'U':
			unsafe = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-d ibdev] [-g gid_index] [-U]\n",
				argv[0]);
			return 2;
		}
	}

	printf("TAP version 13\n1..%d\n", NALL);
	why = setup(dev, forced_gid, &setup_skip, &rc_caps);
	if (why && !setup_skip)
		printf("# setup failed: %s\n", why);

	for (t = 0; t < NTESTS; t++) {
		int bad = 0;

		if (why) {
			if (setup_skip) {
				printf("ok %d %s # SKIP %s\n", t + 1,
				       tests[t].name, why);
				skip++;
			} else {
				printf("not ok %d %s\n", t + 1, tests[t].name);
				fail++;
			}
			continue;
		}
		if ((rc_caps & tests[t].need) != tests[t].need) {
			printf("ok %d %s # SKIP rc_odp_caps 0x%x lacks 0x%x\n",
			       t + 1, tests[t].name, rc_caps, tests[t].need);
			skip++;
			continue;
		}
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			bad += run_case(t, cases[i].off, cases[i].len);
		if (bad) {
			printf("# %d of %zu transfers wrong\n", bad,
			       sizeof(cases) / sizeof(cases[0]));
			printf("not ok %d %s\n", t + 1, tests[t].name);
			fail++;
		} else {
			printf("ok %d %s\n", t + 1, tests[t].name);
			pass++;
		}
	}
	for (t = NTESTS; t < NALL; t++) {
		const char *name = t < T_BIG_2G ? iova_names[t - NTESTS] :
				   big_names[t - T_BIG_2G];
		int ret;

		if (why) {
			if (setup_skip) {
				printf("ok %d %s # SKIP %s\n", t + 1, name, why);
				skip++;
			} else {
				printf("not ok %d %s\n", t + 1, name);
				fail++;
			}
			continue;
		}
		ret = t < T_BIG_2G ? run_iova(t, rc_caps) : run_big(t, rc_caps);
		if (t == T_IOVA_INSIDE)
			iova_probe = ret;
		if (ret == 2) {
			printf("ok %d %s # SKIP %s\n", t + 1, name, reason);
			skip++;
		} else if (ret) {
			printf("# %s\nnot ok %d %s\n", reason, t + 1, name);
			fail++;
		} else {
			printf("ok %d %s\n", t + 1, name);
			pass++;
		}
	}
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       pass, fail, skip);

	/* Resources are released by process exit. */
	if (fail)
		return 1;
	return skip == NALL ? 4 : 0;
}
