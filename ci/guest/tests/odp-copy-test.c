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
 * Usage:  odp-copy-test [-d ibdev] [-g gid_index]
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
	while ((opt = getopt(argc, argv, "d:g:h")) != -1) {
		switch (opt) {
		case 'd':
			dev = optarg;
			break;
		case 'g':
			forced_gid = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-d ibdev] [-g gid_index]\n",
				argv[0]);
			return 2;
		}
	}

	printf("TAP version 13\n1..%d\n", NTESTS);
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
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       pass, fail, skip);

	/* Resources are released by process exit. */
	if (fail)
		return 1;
	return skip == NTESTS ? 4 : 0;
}
