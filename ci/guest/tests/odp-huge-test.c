// SPDX-License-Identifier: GPL-2.0
/*
 * odp-huge-test - RDMA through an On-Demand-Paging (ODP) memory region
 * registered with IBV_ACCESS_HUGETLB over hugetlb memory, on soft-RoCE
 * (rxe), with every byte checked.
 *
 * With IB_ACCESS_HUGETLB, ib_umem_odp maps the MR per huge page.  The page
 * size must come from the hugetlb VMAs at registration (2 MiB or 1 GiB),
 * a range that is not hugetlb must be refused at ibv_reg_mr() with EINVAL,
 * a range over several hugetlb VMAs (or not mapped yet) must work as it
 * did on v7.3, and a page unmapped or remapped while the MR is registered
 * must never be reached through a stale mapping.  Stock rxe
 * (v7.3) refuses IB_ACCESS_HUGETLB altogether (EOPNOTSUPP).
 *
 * Every 8-byte word of the MR carries where it belongs and who wrote it:
 *   bits 63..56 tag (0xa5 CPU fill, 0x5a RDMA WRITE, 0xc3 4 KiB anon fill)
 *   bits 55..40 generation (of the page's fill) or number of the WRITE
 *   bits 39..32 huge page index in the MR, bits 31..0 word index in it
 * so a mismatch is reported as e.g. "found RDMA WRITE #7 for page 3+0x3000"
 * at page 0: the data meant for page 3 landed in page 0.
 *
 * Tests (TAP, kselftest style):
 *  1. odp_huge_2m_rdma_write   RDMA WRITE into a 16 x 2 MiB ODP MR at every
 *                              huge page, unaligned, across huge page
 *                              boundaries; then all 32 MiB compared
 *  2. odp_huge_2m_rdma_read    RDMA READ from the same places (including
 *                              the data test 1 wrote), then the MR again
 *  3. odp_huge_1g_rdma_write   as 1, one 1 GiB page (16 places 64 MiB apart,
 *  4. odp_huge_1g_rdma_read    2 MiB boundaries inside it, its end); SKIP
 *                              when no 1 GiB page can be had
 *  5. odp_huge_2m_remap_same_size  munmap + mmap(MAP_FIXED|MAP_HUGETLB) of
 *                              one huge page with new contents while the MR
 *                              is registered, then READ/WRITE there: a clean
 *                              error (error completion or refused post) or
 *                              the new data, never the old or foreign data
 *  6. odp_huge_2m_remap_4k_anon    the same with 4 KiB anonymous memory in
 *                              place of the huge page
 *  7. odp_huge_reg_non_hugetlb_einval  ON_DEMAND|HUGETLB on 4 KiB anon memory:
 *                              ibv_reg_mr fails with EINVAL
 *  8. odp_huge_2m_vma_split    a 6 x 2 MiB MR registered over two
 *                              adjacent MAP_HUGETLB mappings (they never
 *                              merge), then split further while registered
 *                              by MADV_DONTFORK and mprotect(PROT_READ):
 *                              READ over every VMA boundary, then (read-write
 *                              again) the WRITEs of test 1; every byte
 *  9. odp_huge_2m_concurrent_invalidate  a second thread MADV_DONTNEEDs or
 *                              munmaps+remaps random huge pages among the
 *                              first four (then refills them with a new
 *                              generation) while this one does RDMA
 *                              READ/WRITE, 3/4 of them on those pages: every
 *                              completion is an error or data that was
 *                              really there, a page that did not change
 *                              gives exactly its data
 * 10. odp_huge_2m_atomic_cas_fadd  CMP_AND_SWP (hit and miss) and FETCH_AND_ADD
 *                              on words of every page of an 8 x 2 MiB MR,
 *                              none in the first 4 KiB subpage of its huge
 *                              page (first word, last word, others): the
 *                              value returned and every word of the MR
 * 11. odp_huge_2m_atomic_write  ATOMIC WRITE (ibv_wr_atomic_write) at such
 *                              places of the same MR, every word checked;
 *                              SKIP with the errno when the QP cannot have it
 * 12. odp_huge_1g_atomic_cas_fadd  as 10, at 17 places of one 1 GiB page
 * 13. odp_huge_1g_atomic_write  as 11, in that 1 GiB page
 * 14. odp_huge_2m_flush        FLUSH (ibv_wr_flush, global and persistent)
 *                              of ranges in and across the huge pages of
 *                              an 8 x 2 MiB MR, of the MR, over a huge page
 *                              dropped while registered, and past the end
 *                              (a remote access error); no byte changed.
 *                              Built with -DHAVE_IBV_WR_FLUSH (rdma-core 45
 *                              or newer); libibverbs 44 has no FLUSH verb,
 *                              so it SKIPs there, with what the provider
 *                              says to a QP asking for it
 * 15. odp_huge_2m_iova_inside_mr  an 8 x 2 MiB MR registered with
 *                              ibv_reg_mr_iova() at iova = address + 4 MiB,
 *                              WRITE and READ by iova only where that stays
 *                              inside the MR: with a kernel that takes the
 *                              iova for the address the data lands 4 MiB
 *                              off, inside the MR. The probe for 16-19.
 * 16. odp_huge_2m_iova_plus_1g_rdma_write  an 8 x 2 MiB MR at iova =
 * 17. odp_huge_2m_iova_plus_1g_rdma_read   address + 1 GiB + 20 KiB (another
 *                              offset into the huge page than the address):
 *                              the places of test 1, across the huge page
 *                              boundaries of the iova, the last byte; every
 *                              byte at address + (iova used - MR iova), the
 *                              whole MR compared
 * 18. odp_huge_2m_iova_zero_based  the same at iova 20 KiB (below the
 *                              address): WRITE and READ
 * 19. odp_huge_2m_iova_atomic_cas_fadd  test 10 on an MR at iova = address
 *                              + 1 GiB + 20 KiB
 * 20. odp_huge_1g_two_pages    an MR over two 1 GiB pages (2 GiB, the
 *                              guest's only two; SKIP when the mmap gets
 *                              ENOMEM): RDMA WRITE and READ at the start of
 *                              page 0, across the boundary of the two pages,
 *                              across a 2 MiB boundary in page 1, its last
 *                              bytes and last byte
 * 21. odp_huge_2m_2g_mr        an MR of 1025 x 2 MiB (2 GiB + 2 MiB,
 *                              MAP_NORESERVE: only the 5 huge pages touched
 *                              are allocated): at its start, across the
 *                              2 MiB boundary at 1 GiB, across its 2 GiB
 *                              mark, its last bytes and last byte
 * 22. odp_huge_2m_stress_invalidate  an 8 x 2 MiB MR for ODP_STRESS_SECONDS
 *                              (default 8): a thread MADV_DONTNEEDs any huge
 *                              page or munmaps+mmaps one of pages 0-3 and
 *                              refills it by CPU (a new generation), each
 *                              under the page's lock; this one, holding the
 *                              locks of the pages of a span, WRITEs a
 *                              pattern there, READs it back with 256 bytes
 *                              on each side, and compares the READ and the
 *                              CPU's view of the same bytes: anything but
 *                              exactly the pattern and the current fill is
 *                              a failure, as is any error completion; a
 *                              third thread, on its own QP pair, READs
 *                              unlocked pages unchecked, so that faults
 *                              race the zaps of the same page
 * 23. odp_huge_2m_reg_before_mmap  an MR registered before its memory is
 *                              mapped (ODP allows it), then mapped as 6 x
 *                              2 MiB hugetlb: the WRITEs and READs of 1/2
 * 24. odp_huge_2m_shared_file  a MAP_SHARED hugetlb memfd (8 x 2 MiB): a
 *                              page punched out of the file while
 *                              registered reads as zeroes, then as its new
 *                              fill; the WRITEs and READs of 1/2, every
 *                              byte, and a second mapping of the file sees
 *                              them all
 * 25. odp_huge_2m_fork         fork() with every page of an 8 x 2 MiB MR
 *                              mapped; while the child lives, the parent
 *                              writes every page by CPU (copy-on-write),
 *                              then 1/2 in the parent; the child's copy
 *                              must still hold its fill
 * 26. odp_huge_2m_unaligned_bounds  an MR from +0x3010 to 3 x 2 MiB +
 *                              0x1230 of a 4 x 2 MiB mapping: transfers at
 *                              its first and last bytes and across its
 *                              huge pages work; each that reaches a byte
 *                              outside it fails cleanly and writes nothing
 *                              there; every byte of the mapping compared
 * 27. odp_huge_2m_read_only_page  mprotect(PROT_READ) of a page of a
 *                              mapped 4 x 2 MiB MR: a WRITE there fails
 *                              cleanly, writing nothing, a READ works; back
 *                              to read-write, the WRITE works
 * Up to and including v7.3, rxe indexes an ODP MR's pfn_list with
 * (iova - ib_umem_start()) >> page_shift, the iova taken for a user
 * address: out of bounds for an iova outside the registered range. So
 * 16-19 run only when 15 passed, else they report "not ok" without
 * touching the MR (-U runs them all the same): an out-of-bounds pfn_list
 * read may oops (the boot ends) or write foreign memory.
 *
 * Up to and including v7.3, rxe_odp_init_pages() passes the u64 length of
 * a new ODP MR as an int byte count: from 2 GiB on ibv_reg_mr() fails
 * (EINVAL; -H shows it where rxe still refuses IBV_ACCESS_HUGETLB), so 20
 * and 21 need that fix as well as rxe's IB_ACCESS_HUGETLB. They compare
 * only windows of the MR around each place (the place and 256 bytes on
 * each side), not the whole MR: 21 must not allocate its 1025 huge pages.
 *
 * A FLUSH changes nothing a CPU can see; the atomics would show a subpage
 * of a huge page entry taken wrongly (e.g. always the first 4 KiB of the
 * huge page) as a lost value plus a foreign word in the wrong subpage.
 *
 * Setup as odp-copy-test (rxe on a dummy netdev, loopback RC QP pair).
 * Output is kselftest TAP. Exit: 0 all passed, 1 a test failed, 4 all skipped.
 *
 * Build:  gcc -O2 -Wall -Wextra -o odp-huge-test odp-huge-test.c -libverbs
 * Usage:  odp-huge-test [-d ibdev] [-g gid_index] [-t seconds of test 9] [-H]
 *                       [-U] [-T name,...]
 * -T runs only the named tests (numbered 1..n in the TAP output).
 * Test 22 runs for ODP_STRESS_SECONDS (environment, 1-3600, default 8).
 * -H registers without IBV_ACCESS_HUGETLB (plain ODP over the same hugetlb
 * memory): a check of the test itself on a kernel whose rxe refuses it.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <infiniband/verbs.h>
#ifdef HAVE_IBV_WR_FLUSH
/* The responder's QP must allow what the FLUSHes of test 14 ask for. */
#define ODP_QP_ACCESS_MORE	(IBV_ACCESS_FLUSH_GLOBAL | \
				 IBV_ACCESS_FLUSH_PERSISTENT)
#endif
#include "odp-common.h"

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT	26
#endif
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21 << MAP_HUGE_SHIFT)
#endif
#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB	(30 << MAP_HUGE_SHIFT)
#endif

#define SZ_2M		(2UL << 20)
#define SZ_1G		(1UL << 30)
#define NB_SIZE		(1UL << 20)	/* the normal (pinned) MR */
#define NB_OFF		0x100		/* transfers start here in it (+ off % 8) */
#define MAXPG		16
#define MAXW		128
#define MAXREP		8		/* mismatch lines printed per check */
#define HOTPG		4		/* test 9 changes only pages 0..3 */

#define TAG_INIT	0xa5	/* CPU fill of a huge page */
#define TAG_WRITE	0x5a	/* an RDMA WRITE */
#define TAG_ANON	0xc3	/* CPU fill of 4 KiB anon memory */
#define TAG_ATOMIC	0x3c	/* a CMP_AND_SWP swap value or an ATOMIC WRITE */
#define TAG_SPARE	0x96	/* CPU fill of test 22's spare huge page */

#define MAXAT		128	/* atomics per MR */
/*
 * The send operations of the QPs (ibv_wr_*() for the atomics), and
 * IBV_QP_EX_WITH_FLUSH, which libibverbs 44 does not name yet (1 << 11
 * since rdma-core 45), to ask the provider whether it has it.
 */
#define QP_OPS		(IBV_QP_EX_WITH_SEND | IBV_QP_EX_WITH_RDMA_WRITE | \
			 IBV_QP_EX_WITH_RDMA_READ | \
			 IBV_QP_EX_WITH_ATOMIC_CMP_AND_SWP | \
			 IBV_QP_EX_WITH_ATOMIC_FETCH_AND_ADD)
#define QP_EX_WITH_FLUSH	(1ULL << 11)
/* rc_odp_caps bits of the kernel (IB_ODP_SUPPORT_*) libibverbs 44 lacks */
#define ODP_SUPPORT_FLUSH	(1U << 6)
#define ODP_SUPPORT_ATOMIC_WRITE	(1U << 7)

#define ODP_ACCESS	(IBV_ACCESS_ON_DEMAND | IBV_ACCESS_LOCAL_WRITE | \
			 IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ)
/* -H drops IBV_ACCESS_HUGETLB: checks the test itself on a kernel without it */
static int odp_huge_access = ODP_ACCESS | IBV_ACCESS_HUGETLB;
#define ODP_HUGE_ACCESS	odp_huge_access

struct wrange {
	size_t off, len;
	uint16_t id;
};

/* An ODP MR over hugetlb memory and the model of what it must contain. */
struct region {
	uint8_t *buf;
	size_t size, hsz;
	unsigned int npg;
	uint8_t tag[MAXPG];
	uint16_t gen[MAXPG];	/* atomic in test 9 */
	struct wrange w[MAXW];	/* RDMA WRITEs over the fill, in order */
	int nw;
	struct {		/* then the atomics, in order: 8-byte words */
		size_t off;
		uint64_t val;
	} at[MAXAT];
	int nat;
	struct ibv_mr *mr;
	uint64_t iova;		/* of buf[0]: work requests use iova + offset */
};

static struct {
	struct ibv_mr *mr;
	uint8_t *buf;
} nb;
static uint16_t next_id = 1;
static int conc_secs = 3;
static uint32_t odp_caps;	/* rc_odp_caps */
static int qpx_err;		/* why the QPs have no ibv_wr_*() API, or 0 */
static int aw_err;		/* why they have no ATOMIC WRITE, or 0 */
static char reason[256];	/* why the current test failed or skipped */

static uint64_t enc(unsigned int tag, unsigned int gen, unsigned int page,
		    uint64_t idx)
{
	return (uint64_t)tag << 56 | (uint64_t)(gen & 0xffff) << 40 |
	       (uint64_t)(page & 0xff) << 32 | (idx & 0xffffffff);
}

static uint64_t base_word(const struct region *r, size_t pos)
{
	unsigned int k = pos / r->hsz;

	return enc(r->tag[k], r->gen[k], k, (pos % r->hsz) / 8);
}

static uint64_t write_word(const struct region *r, uint16_t id, size_t pos)
{
	return enc(TAG_WRITE, id, pos / r->hsz, (pos % r->hsz) / 8);
}

static uint8_t wbyte(uint64_t w, size_t pos)
{
	return w >> (8 * (pos & 7));	/* little endian */
}

/* The word the MR must hold at pos (8-aligned): the fill, then the WRITEs. */
static uint64_t model_word(const struct region *r, size_t pos)
{
	uint64_t w = base_word(r, pos), m;
	int i, b;

	for (i = 0; i < r->nw; i++) {
		const struct wrange *x = &r->w[i];

		if (pos + 8 <= x->off || pos >= x->off + x->len)
			continue;
		for (b = 0; b < 8; b++) {
			if (pos + b < x->off || pos + b >= x->off + x->len)
				continue;
			m = 0xffULL << (8 * b);
			w = (w & ~m) | (write_word(r, x->id, pos) & m);
		}
	}
	for (i = 0; i < r->nat; i++)
		if (r->at[i].off == pos)
			w = r->at[i].val;
	return w;
}

static const char *describe(const struct region *r, uint64_t w, size_t at,
			    char *s, size_t n)
{
	unsigned int tag = w >> 56, gen = (w >> 40) & 0xffff;
	unsigned int page = (w >> 32) & 0xff;
	size_t off = (w & 0xffffffff) * 8;
	const char *what = tag == TAG_INIT ? "CPU fill gen " :
			   tag == TAG_WRITE ? "RDMA WRITE #" :
			   tag == TAG_ANON ? "4 KiB anon fill gen " :
			   tag == TAG_ATOMIC ? "atomic #" : NULL;

	if (!w)
		snprintf(s, n, "zeroes");
	else if (tag == TAG_SPARE)
		snprintf(s, n, "spare page fill gen %u +0x%zx (a huge page the MR no longer has)",
			 gen, off);
	else if (!what || page >= r->npg || off >= r->hsz)
		snprintf(s, n, "0x%016llx (no pattern word)",
			 (unsigned long long)w);
	else
		snprintf(s, n, "%s%u for page %u+0x%zx%s", what, gen, page,
			 off, page * r->hsz + off == at ? "" :
			 " (FOREIGN: it belongs elsewhere)");
	return s;
}

static void report(const struct region *r, const char *where, size_t pos,
		   uint64_t exp, uint64_t got, int *nrep)
{
	const uint64_t gmask = 0xffffULL << 40;
	char a[96], b[96];
	bool stale = (exp & ~gmask) == (got & ~gmask) &&
		     (int16_t)(((got >> 40) & 0xffff) - ((exp >> 40) & 0xffff)) < 0;

	if ((*nrep)++ >= MAXREP)
		return;
	printf("#   %s MR+0x%zx (page %zu +0x%zx): expected %s, found %s%s\n",
	       where, pos, pos / r->hsz, pos % r->hsz,
	       describe(r, exp, pos, a, sizeof(a)),
	       describe(r, got, pos, b, sizeof(b)),
	       stale ? " (STALE: an older generation)" : "");
}

static void fill_page_gen(struct region *r, unsigned int k, unsigned int tag,
			  unsigned int gen)
{
	uint64_t *p = (uint64_t *)(r->buf + k * r->hsz);
	uint64_t b = enc(tag, gen, k, 0);
	size_t i, n = r->hsz / 8;

	for (i = 0; i < n; i++)
		p[i] = b | i;
}

/* Put the model's bytes back into [off, off + len) of the MR (by CPU). */
static void restore_range(struct region *r, size_t off, size_t len)
{
	size_t pos;

	for (pos = off; pos < off + len; pos++)
		r->buf[pos] = wbyte(model_word(r, pos & ~7UL), pos);
}

/* Compare all of the MR with the model: every byte. */
static int verify_mr(const struct region *r, const char *what)
{
	const uint64_t *p = (const uint64_t *)r->buf;
	size_t bad = 0, i, pos, w0, n, e;
	unsigned int k;
	int nrep = 0, j;
	uint64_t b, m;

	for (k = 0; k < r->npg; k++) {
		b = enc(r->tag[k], r->gen[k], k, 0);
		w0 = k * r->hsz / 8;
		n = r->hsz / 8;
		for (i = 0; i < n; i++) {
			if (p[w0 + i] == (b | i))
				continue;
			pos = (w0 + i) * 8;
			m = model_word(r, pos);
			if (p[w0 + i] != m) {
				bad++;
				report(r, what, pos, m, p[w0 + i], &nrep);
			}
		}
	}
	/* Words a WRITE covers that still hold the fill: lost writes. */
	for (j = 0; j < r->nw; j++) {
		e = r->w[j].off + r->w[j].len;
		for (pos = r->w[j].off & ~7UL; pos < e; pos += 8) {
			if (p[pos / 8] != base_word(r, pos))
				continue;
			m = model_word(r, pos);
			if (p[pos / 8] != m) {
				bad++;
				report(r, what, pos, m, p[pos / 8], &nrep);
			}
		}
	}
	/* The same for the atomics (a FETCH_AND_ADD of 0 changes nothing). */
	for (j = 0; j < r->nat; j++) {
		pos = r->at[j].off;
		m = model_word(r, pos);
		if (p[pos / 8] == base_word(r, pos) && p[pos / 8] != m) {
			bad++;
			report(r, what, pos, m, p[pos / 8], &nrep);
		}
	}
	if (bad)
		printf("# %s: %zu words of the %zu MiB MR wrong\n", what, bad,
		       r->size >> 20);
	return bad ? 1 : 0;
}

/* RDMA WRITE of WRITE #id's words into [off, off + len) of the MR. */
static int do_write(struct region *r, size_t off, size_t len, uint16_t id)
{
	uint64_t *q = (uint64_t *)(nb.buf + NB_OFF);
	size_t pos, j;

	for (pos = off & ~7UL, j = 0; pos < off + len; pos += 8, j++)
		q[j] = write_word(r, id, pos);
	return xfer_status(IBV_WR_RDMA_WRITE, nb.buf + NB_OFF + (off & 7),
			   nb.mr->lkey, iova_ptr(r->iova + off), r->mr->rkey,
			   len);
}

static int do_read(struct region *r, size_t off, size_t len)
{
	memset(nb.buf, 0, NB_OFF + len + 0x200);
	return xfer_status(IBV_WR_RDMA_READ, nb.buf + NB_OFF + (off & 7),
			   nb.mr->lkey, iova_ptr(r->iova + off), r->mr->rkey,
			   len);
}

/* The word of the normal MR that a READ of MR pos brought. */
static uint64_t read_word(size_t off, size_t pos)
{
	uint64_t w;

	memcpy(&w, nb.buf + NB_OFF + ((pos & ~7UL) - (off & ~7UL)), 8);
	return w;
}

/*
 * The verdict on a READ of [off, off + len) into nb at NB_OFF + (off & 7)
 * with bad wrong bytes: also count the bytes of nb written outside the
 * target (nb is zeroed before each READ).
 */
static int read_verdict(size_t off, size_t len, size_t bad)
{
	size_t i, guard = 0;

	for (i = 0; i < NB_OFF + (off & 7); i++)
		guard += nb.buf[i] != 0;
	for (i = NB_OFF + (off & 7) + len; i < NB_OFF + len + 0x100; i++)
		guard += nb.buf[i] != 0;
	if (bad || guard)
		printf("# READ MR+0x%zx len 0x%zx: %zu bytes wrong, %zu bytes written outside the target\n",
		       off, len, bad, guard);
	return bad || guard;
}

/* What a READ of [off, off + len) brought, against the model. */
static int check_read(const struct region *r, size_t off, size_t len)
{
	const uint8_t *d = nb.buf + NB_OFF + (off & 7);
	size_t i, pos, bad = 0, lastw = (size_t)-1;
	uint64_t m = 0;
	int nrep = 0;

	for (i = 0; i < len; i++) {
		pos = off + i;
		if (i == 0 || !(pos & 7))
			m = model_word(r, pos & ~7UL);
		if (d[i] == wbyte(m, pos))
			continue;
		bad++;
		if ((pos & ~7UL) != lastw)
			report(r, "READ of", pos & ~7UL, m, read_word(off, pos),
			       &nrep);
		lastw = pos & ~7UL;
	}
	return read_verdict(off, len, bad);
}

static int huge_flag(size_t hsz)
{
	return hsz == SZ_1G ? MAP_HUGE_1GB : MAP_HUGE_2MB;
}

/*
 * Register [buf + moff, buf + moff + mlen) of a mapping of npg huge pages
 * of hsz at p as r's MR, with access, then fill all of the mapping (gen
 * 1): r models the whole mapping, and as the MR's iova is its address,
 * r->iova + off addresses byte off of the mapping. 0 ok, 1 failure.
 */
static int region_setup(struct region *r, void *p, size_t hsz,
			unsigned int npg, int access, size_t moff, size_t mlen)
{
	unsigned int k;

	memset(r, 0, sizeof(*r));
	r->hsz = hsz;
	r->npg = npg;
	r->size = hsz * npg;
	r->buf = p;
	r->iova = (uintptr_t)p;
	/* Registered before the first touch: ODP needs no pages yet. */
	r->mr = ibv_reg_mr(rc.pd, r->buf + moff, mlen, access);
	if (!r->mr) {
		snprintf(reason, sizeof(reason),
			 "ibv_reg_mr(ON_DEMAND%s, %zu bytes at +0x%zx of %u x %zu MiB hugetlb): %s",
			 access & IBV_ACCESS_HUGETLB ? "|HUGETLB" : "", mlen,
			 moff, npg, hsz >> 20, strerror(errno));
		return 1;
	}
	for (k = 0; k < npg; k++) {
		r->tag[k] = TAG_INIT;
		r->gen[k] = 1;
		fill_page_gen(r, k, TAG_INIT, 1);
	}
	printf("# ODP MR %p+0x%zx, 0x%zx bytes of %u x %zu MiB, lkey 0x%x rkey 0x%x\n",
	       (void *)r->buf, moff, mlen, npg, hsz >> 20, r->mr->lkey,
	       r->mr->rkey);
	return 0;
}

/*
 * Map npg huge pages of hsz, register them as an ODP MR with access (with
 * IBV_ACCESS_HUGETLB unless -H), fill them (gen 1). 0 ok, 2 skip (no such
 * huge pages), 1 failure (reason set).
 */
static int region_init_access(struct region *r, size_t hsz, unsigned int npg,
			      int access)
{
	void *p;

	memset(r, 0, sizeof(*r));
	p = mmap(NULL, hsz * npg, PROT_READ | PROT_WRITE, MAP_PRIVATE |
		 MAP_ANONYMOUS | MAP_HUGETLB | huge_flag(hsz), -1, 0);
	if (p == MAP_FAILED) {
		snprintf(reason, sizeof(reason), "no %s hugetlb pages",
			 hsz == SZ_1G ? "1 GiB" : "2 MiB");
		printf("# mmap(%u x %zu MiB, MAP_HUGETLB): %s\n", npg,
		       hsz >> 20, strerror(errno));
		return errno == ENOMEM ? 2 : 1;
	}
	return region_setup(r, p, hsz, npg, access, 0, hsz * npg);
}

static int region_init(struct region *r, size_t hsz, unsigned int npg)
{
	return region_init_access(r, hsz, npg, ODP_HUGE_ACCESS);
}

static void region_fini(struct region *r)
{
	if (r->mr)
		ibv_dereg_mr(r->mr);
	if (r->buf)
		munmap(r->buf, r->size);
	memset(r, 0, sizeof(*r));
}

/* The places tests 1-4 write to and read from. */
static int rw_cases(const struct region *r, struct wrange *c)
{
	size_t H = r->hsz, k, j;
	int n = 0;

	c[n++] = (struct wrange){ 0, 0x40, 0 };		/* MR start */
	if (r->npg > 1) {
		for (k = 0; k < r->npg; k++) {
			/* unaligned, a different offset in every page */
			c[n++] = (struct wrange){ k * H + k * 0x1011 + 0x8,
						  0x1800, 0 };
			/* across the boundary into page k + 1; the MR end */
			if (k + 1 < r->npg)
				c[n++] = (struct wrange){ (k + 1) * H - 0x803 - k,
							  0x1000 + 2 * k, 0 };
			else
				c[n++] = (struct wrange){ r->size - 0x1003,
							  0x1003, 0 };
		}
		/* 36 packets over a boundary, over the one before it */
		if (r->npg >= 6)
			c[n++] = (struct wrange){ 5 * H - 0x4321, 0x9000, 0 };
		return n;
	}
	/* one 1 GiB page: every 64 MiB, 2 MiB boundaries inside, the end */
	for (j = 0; j < 16; j++)
		c[n++] = (struct wrange){ j * (H / 16) + j * 0x1111 + 3,
					  0x1800, 0 };
	c[n++] = (struct wrange){ SZ_2M - 0x801, 0x1002, 0 };
	c[n++] = (struct wrange){ 511 * SZ_2M - 0x10, 0x20, 0 };
	c[n++] = (struct wrange){ H - 0x1003, 0x1003, 0 };
	return n;
}

/* Wait up to ms for qp to reach the error state. */
static void settle(struct ibv_qp *qp, int ms)
{
	struct ibv_qp_init_attr ia;
	struct ibv_qp_attr a;

	while (ms-- > 0) {
		if (!ibv_query_qp(qp, &a, IBV_QP_STATE, &ia) &&
		    a.qp_state == IBV_QPS_ERR)
			return;
		usleep(1000);
	}
}

/*
 * After an error completion. rxe posts the error CQE before it moves the
 * QP to the error state (rxe_completer(): do_complete(), then
 * rxe_qp_error()), so a RESET right after the poll can be undone and the
 * next INIT refused: wait for the requester's error state first, retry.
 */
static int reconnect_pair(struct ibv_qp **qp, struct ibv_cq **cq)
{
	int i;

	settle(qp[0], 500);
	settle(qp[1], 20);
	for (i = 0; i < 5; i++) {
		if (!connect_pair(qp, cq))
			return 0;
		usleep(20000);
	}
	printf("# reconnecting the QPs failed\n");
	return 1;
}

static int reconnect(void)
{
	return reconnect_pair(rc.qp, rc.cq);
}

/* Tests 1/3: WRITE everywhere, then compare the whole MR. */
static int test_write(struct region *r)
{
	struct wrange c[MAXW];
	int n = rw_cases(r, c), i, bad = 0, ret;

	for (i = 0; i < n; i++) {
		uint16_t id = next_id++;

		ret = do_write(r, c[i].off, c[i].len, id);
		if (ret) {
			printf("# RDMA WRITE #%u to MR+0x%zx len 0x%zx failed\n",
			       id, c[i].off, c[i].len);
			bad++;
			restore_range(r, c[i].off, c[i].len);
			if (reconnect())
				return 1;
			continue;
		}
		r->w[r->nw++] = (struct wrange){ c[i].off, c[i].len, id };
	}
	bad += verify_mr(r, "after the WRITEs");
	if (bad)
		snprintf(reason, sizeof(reason), "wrong data or failed WRITEs");
	return bad ? 1 : 0;
}

/* Tests 2/4: READ the same places (fill and WRITE data), MR unchanged. */
static int test_read(struct region *r)
{
	struct wrange c[MAXW];
	int n = rw_cases(r, c), i, bad = 0, ret;

	for (i = 0; i < n; i++) {
		ret = do_read(r, c[i].off, c[i].len);
		if (ret) {
			printf("# RDMA READ of MR+0x%zx len 0x%zx failed\n",
			       c[i].off, c[i].len);
			bad++;
			if (reconnect())
				return 1;
			continue;
		}
		bad += check_read(r, c[i].off, c[i].len);
	}
	bad += verify_mr(r, "after the READs");
	if (bad)
		snprintf(reason, sizeof(reason), "wrong data or failed READs");
	return bad ? 1 : 0;
}

static int remap_page(struct region *r, unsigned int k, bool anon4k)
{
	uint8_t *a = r->buf + k * r->hsz;
	int fl = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
	void *p;

	if (!anon4k)
		fl |= MAP_HUGETLB | huge_flag(r->hsz);
	if (munmap(a, r->hsz)) {
		printf("# munmap of page %u: %s\n", k, strerror(errno));
		return -1;
	}
	p = mmap(a, r->hsz, PROT_READ | PROT_WRITE, fl, -1, 0);
	if (p == MAP_FAILED) {
		printf("# mmap(MAP_FIXED%s) of page %u: %s\n",
		       anon4k ? "" : "|MAP_HUGETLB", k, strerror(errno));
		return -1;
	}
	if (anon4k && madvise(a, r->hsz, MADV_NOHUGEPAGE))
		printf("# madvise(MADV_NOHUGEPAGE): %s\n", strerror(errno));
	r->tag[k] = anon4k ? TAG_ANON : TAG_INIT;
	r->gen[k]++;
	fill_page_gen(r, k, r->tag[k], r->gen[k]);
	return 0;
}

/*
 * One transfer after a remap: a clean error or the right data. Counts into
 * *ok / *err; returns the number of wrong things seen (0 or 1), -1 when the
 * QPs cannot be reconnected.
 */
static int remap_op(struct region *r, bool write, size_t off, size_t len,
		    int *ok, int *err)
{
	uint16_t id = next_id++;
	size_t pos, wrong = 0;
	int ret;

	rc.quiet = true;
	ret = write ? do_write(r, off, len, id) : do_read(r, off, len);
	rc.quiet = false;
	printf("# %s MR+0x%zx len 0x%zx: %s%s%s\n", write ? "WRITE" : "READ",
	       off, len, ret == 0 ? "completed" : ret > 0 ?
	       "clean error: " : "FAILED (not a clean error)",
	       ret <= 0 ? "" : rc.last_post_err ? "post refused, " : "",
	       ret <= 0 ? "" : rc.last_post_err ? strerror(rc.last_post_err) :
	       ibv_wc_status_str(rc.last_status));
	if (ret < 0)
		return reconnect() ? -1 : 1;
	if (ret > 0) {
		(*err)++;
		if (write) {
			/* partly written: each byte the old or the WRITE's */
			for (pos = off; pos < off + len; pos++)
				if (r->buf[pos] != wbyte(model_word(r, pos & ~7UL), pos) &&
				    r->buf[pos] != wbyte(write_word(r, id, pos & ~7UL), pos))
					wrong++;
			if (wrong)
				printf("# failed WRITE left %zu foreign bytes\n",
				       wrong);
			restore_range(r, off, len);
		}
		return reconnect() ? -1 : wrong ? 1 : 0;
	}
	(*ok)++;
	if (!write)
		return check_read(r, off, len);
	r->w[r->nw++] = (struct wrange){ off, len, id };
	return 0;
}

/* Tests 5/6: remap pages of a registered MR, then traffic there. */
static int test_remap(bool anon4k)
{
	static const unsigned int pages[] = { 2, 0, 7 };
	struct region r;
	size_t H = SZ_2M, x;
	unsigned int k, i;
	int bad = 0, ok = 0, err = 0, ret, j;

	ret = region_init(&r, H, 8);
	if (ret) {
		region_fini(&r);
		return ret;
	}
	/* First every page once, so the MR has mappings to invalidate. */
	for (k = 0; k < r.npg && !bad; k++) {
		if (do_read(&r, k * H + 0x2000 + 8 * k, 0x800)) {
			printf("# first READ of page %u failed\n", k);
			bad++;
			break;
		}
		bad += check_read(&r, k * H + 0x2000 + 8 * k, 0x800);
	}
	for (i = 0; !bad && i < sizeof(pages) / sizeof(pages[0]); i++) {
		k = pages[i];
		if (remap_page(&r, k, anon4k)) {
			bad++;
			break;
		}
		printf("# page %u remapped (%s), new contents gen %u\n", k,
		       anon4k ? "4 KiB anon" : "2 MiB hugetlb", r.gen[k]);
		/* x: a boundary of page k */
		x = k + 1 < r.npg ? (k + 1) * H : k * H;
		struct { bool write; size_t off, len; } ops[] = {
			{ false, k * H + 0x1235, 0x1800 },
			{ false, x - 0x400, 0x800 },
			{ true, k * H + 0x3003, 0x1001 },
			{ false, k * H + 0x3000, 0x1100 },
			{ true, x - 0x3ff, 0x7fe },
			{ false, x - 0x400, 0x800 },
		};
		for (j = 0; j < (int)(sizeof(ops) / sizeof(ops[0])); j++) {
			ret = remap_op(&r, ops[j].write, ops[j].off, ops[j].len,
				       &ok, &err);
			if (ret < 0)
				return region_fini(&r), 1;
			bad += ret;
		}
		bad += verify_mr(&r, "after the remap");
		/* Back to the fill, so the next remap starts from the model. */
		for (j = r.nw - 1, r.nw = 0; j >= 0; j--)
			restore_range(&r, r.w[j].off, r.w[j].len);
	}
	printf("# %d transfers completed, %d clean errors\n", ok, err);
	region_fini(&r);
	if (bad)
		snprintf(reason, sizeof(reason),
			 "old, foreign or lost data after the remap");
	return bad ? 1 : 0;
}

/* VMAs of /proc/self/maps that overlap [a, a + len). */
static int vma_count(void *a, size_t len)
{
	unsigned long s, e, lo = (uintptr_t)a, hi = lo + len;
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s < hi && e > lo)
			n++;
	fclose(f);
	return n;
}

/* ibv_reg_mr(ON_DEMAND|HUGETLB) of [a, a + len) must fail with EINVAL. */
static int expect_einval(void *a, size_t len, const char *what)
{
	struct ibv_mr *mr = ibv_reg_mr(rc.pd, a, len, ODP_HUGE_ACCESS);
	int e = errno;

	if (mr) {
		ibv_dereg_mr(mr);
		snprintf(reason, sizeof(reason), "%s: registered", what);
		printf("# %s\n", reason);
		return 1;
	}
	printf("# %s: ibv_reg_mr failed: %s\n", what, strerror(e));
	if (e == EINVAL)
		return 0;
	snprintf(reason, sizeof(reason), "%s: errno %s, expected EINVAL",
		 what, strerror(e));
	return 1;
}

/* Test 7: 4 KiB anonymous memory, 2 MiB aligned, 4 MiB long. */
static int test_reg_non_hugetlb(void)
{
	size_t len = 2 * SZ_2M;
	uint8_t *p, *a;
	int ret;

	p = mmap(NULL, len + SZ_2M, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(reason, sizeof(reason), "mmap: %s", strerror(errno));
		return 1;
	}
	a = (uint8_t *)(((uintptr_t)p + SZ_2M - 1) & ~(SZ_2M - 1));
	madvise(a, len, MADV_NOHUGEPAGE);
	memset(a, 0x11, len);
	ret = expect_einval(a, len, "4 KiB anon, 2 MiB aligned");
	munmap(p, len + SZ_2M);
	return ret;
}

/*
 * Test 8: an MR over several hugetlb VMAs of one page size, as ODP always
 * allowed. Page 2 mapped again (a VMA of its own, as two adjacent
 * MAP_HUGETLB mappings are) before the registration; pages 1 and 4 split
 * off by MADV_DONTFORK and mprotect() while registered.
 */
static int test_vma_split(void)
{
	size_t H = SZ_2M;
	struct region r;
	int ret, n;

	ret = region_init(&r, H, 6);
	if (ret) {
		region_fini(&r);
		return ret;
	}
	ibv_dereg_mr(r.mr);
	r.mr = NULL;
	if (remap_page(&r, 2, false)) {
		snprintf(reason, sizeof(reason), "setup: remap of page 2");
		region_fini(&r);
		return 1;
	}
	n = vma_count(r.buf, r.size);
	printf("# %p + 12 MiB: %d VMAs\n", (void *)r.buf, n);
	r.mr = ibv_reg_mr(rc.pd, r.buf, r.size, ODP_HUGE_ACCESS);
	if (!r.mr) {
		snprintf(reason, sizeof(reason),
			 "ibv_reg_mr over %d adjacent hugetlb VMAs: %s", n,
			 strerror(errno));
		printf("# %s\n", reason);
		region_fini(&r);
		return 1;
	}
	if (madvise(r.buf + H, H, MADV_DONTFORK) ||
	    mprotect(r.buf + 4 * H, H, PROT_READ)) {
		snprintf(reason, sizeof(reason), "setup: madvise/mprotect: %s",
			 strerror(errno));
		region_fini(&r);
		return 1;
	}
	n = vma_count(r.buf, r.size);
	printf("# split while registered: %d VMAs\n", n);
	if (n != 6) {
		snprintf(reason, sizeof(reason),
			 "setup: the MR is in %d VMAs, not 6", n);
		region_fini(&r);
		return 1;
	}
	ret = test_read(&r);
	if (mprotect(r.buf + 4 * H, H, PROT_READ | PROT_WRITE)) {
		snprintf(reason, sizeof(reason), "mprotect: %s",
			 strerror(errno));
		region_fini(&r);
		return 1;
	}
	printf("# page 4 read-write again: %d VMAs\n",
	       vma_count(r.buf, r.size));
	if (!ret)
		ret = test_write(&r);
	region_fini(&r);
	return ret;
}

/*
 * Test 23: an MR registered before its memory is mapped, which ODP allows
 * (9ff1b6466a29 names it), then mapped as 2 MiB hugetlb pages.
 */
static int test_reg_before_mmap(void)
{
	size_t H = SZ_2M;
	struct region r;
	unsigned int k;
	uint8_t *p;
	int ret;

	memset(&r, 0, sizeof(r));
	r.hsz = H;
	r.npg = 6;	/* rw_cases() writes across page 4 into page 5 */
	r.size = r.npg * H;
	/* A free, 2 MiB aligned address: reserved, then unmapped again */
	p = mmap(NULL, r.size + H, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(reason, sizeof(reason), "mmap: %s", strerror(errno));
		return 1;
	}
	munmap(p, r.size + H);
	p = (uint8_t *)(((uintptr_t)p + H - 1) & ~(H - 1));
	r.mr = ibv_reg_mr(rc.pd, p, r.size, ODP_HUGE_ACCESS);
	if (!r.mr) {
		snprintf(reason, sizeof(reason),
			 "ibv_reg_mr(ON_DEMAND|HUGETLB) of memory not mapped yet: %s",
			 strerror(errno));
		printf("# %s\n", reason);
		return 1;
	}
	r.buf = mmap(p, r.size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB |
		     MAP_FIXED_NOREPLACE, -1, 0);
	if (r.buf == MAP_FAILED) {
		ret = errno == ENOMEM ? 2 : 1;
		snprintf(reason, sizeof(reason), "mmap(%p, MAP_HUGETLB): %s",
			 (void *)p, strerror(errno));
		r.buf = NULL;
		region_fini(&r);
		return ret;
	}
	r.iova = (uintptr_t)r.buf;
	for (k = 0; k < r.npg; k++) {
		r.tag[k] = TAG_INIT;
		r.gen[k] = 1;
		fill_page_gen(&r, k, TAG_INIT, 1);
	}
	printf("# MR %p registered, then mapped: 6 x 2 MiB hugetlb\n",
	       (void *)r.buf);
	ret = test_write(&r);
	if (!ret)
		ret = test_read(&r);
	region_fini(&r);
	return ret;
}

/* Test 9: invalidations from another thread during traffic. */
static struct {
	struct region *r;
	int stop, fail;
	unsigned int ver[MAXPG];	/* odd while page k is being changed */
	pthread_mutex_t mtx[MAXPG];
	unsigned long madv, remaps;
} cc;

static uint32_t xs(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void *invalidator(void *arg)
{
	struct region *r = cc.r;
	uint32_t rnd = 0x2545f491;
	unsigned long n;
	unsigned int k;
	uint16_t g;
	uint8_t *a;

	(void)arg;
	for (n = 0; !__atomic_load_n(&cc.stop, __ATOMIC_ACQUIRE); n++) {
		k = xs(&rnd) % HOTPG;
		a = r->buf + k * r->hsz;
		pthread_mutex_lock(&cc.mtx[k]);
		__atomic_add_fetch(&cc.ver[k], 1, __ATOMIC_SEQ_CST);
		if (n & 1) {
			if (madvise(a, r->hsz, MADV_DONTNEED)) {
				printf("# madvise(MADV_DONTNEED): %s\n",
				       strerror(errno));
				cc.fail = 1;
			}
			cc.madv++;
		} else {
			if (munmap(a, r->hsz) ||
			    mmap(a, r->hsz, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
				 MAP_HUGETLB | MAP_HUGE_2MB, -1, 0) == MAP_FAILED) {
				printf("# remap of page %u: %s\n", k,
				       strerror(errno));
				cc.fail = 1;
			}
			cc.remaps++;
		}
		g = r->gen[k] + 1;
		fill_page_gen(r, k, TAG_INIT, g);
		__atomic_store_n(&r->gen[k], g, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&cc.ver[k], 1, __ATOMIC_SEQ_CST);
		pthread_mutex_unlock(&cc.mtx[k]);
		if (cc.fail)
			break;
		usleep(500);
	}
	return NULL;
}

/* A READ of page k while it may have changed: zeroes or gens g0..g1+1. */
static size_t check_conc_read(const struct region *r, unsigned int k,
			      size_t off, size_t len, uint16_t g0, uint16_t g1,
			      bool stable, int *nrep)
{
	const uint8_t *d = nb.buf + NB_OFF + (off & 7);
	size_t i, pos, bad = 0, lastw = (size_t)-1;
	uint16_t g;
	bool good;

	for (i = 0; i < len; i++) {
		pos = off + i;
		uint64_t idx = (pos % r->hsz) / 8;

		good = d[i] == wbyte(enc(TAG_INIT, g0, k, idx), pos);
		for (g = g0 + 1; !stable && !good && g != (uint16_t)(g1 + 2); g++)
			good = d[i] == wbyte(enc(TAG_INIT, g, k, idx), pos);
		if (!good && !stable && d[i] == 0)
			good = true;
		if (good)
			continue;
		bad++;
		if ((pos & ~7UL) != lastw)
			report(r, stable ? "READ (page stable) of" :
			       "READ (page changing) of", pos & ~7UL,
			       enc(TAG_INIT, g0, k, idx), read_word(off, pos),
			       nrep);
		lastw = pos & ~7UL;
	}
	return bad;
}

static int test_concurrent(void)
{
	struct region r;
	struct timespec t0, now;
	pthread_t th;
	uint32_t rnd = 0x9e3779b9;
	unsigned long ops = 0, errs = 0, unstable = 0;
	size_t H = SZ_2M, off, len, pos, bad = 0, wrong;
	unsigned int k, v0, v1, i;
	uint16_t g0, g1, gc, id;
	bool write, stable;
	int ret, nrep = 0;

	ret = region_init(&r, H, MAXPG);
	if (ret) {
		region_fini(&r);
		return ret;
	}
	memset(&cc, 0, sizeof(cc));
	cc.r = &r;
	for (i = 0; i < MAXPG; i++)
		pthread_mutex_init(&cc.mtx[i], NULL);
	if (pthread_create(&th, NULL, invalidator, NULL)) {
		snprintf(reason, sizeof(reason), "pthread_create failed");
		region_fini(&r);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc.quiet = true;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= conc_secs || cc.fail ||
		    nrep >= MAXREP)
			break;
		k = xs(&rnd) % 4 ? xs(&rnd) % HOTPG : xs(&rnd) % r.npg;
		write = xs(&rnd) & 1;
		off = k * H + xs(&rnd) % (H - 0x2000);
		len = 8 + xs(&rnd) % 0x1ff8;
		v0 = __atomic_load_n(&cc.ver[k], __ATOMIC_SEQ_CST);
		g0 = __atomic_load_n(&r.gen[k], __ATOMIC_SEQ_CST);
		id = next_id++;
		ret = write ? do_write(&r, off, len, id) : do_read(&r, off, len);
		v1 = __atomic_load_n(&cc.ver[k], __ATOMIC_SEQ_CST);
		g1 = __atomic_load_n(&r.gen[k], __ATOMIC_SEQ_CST);
		stable = v0 == v1 && !(v0 & 1);
		ops++;
		unstable += !stable;
		if (ret < 0) {
			printf("# %s MR+0x%zx len 0x%zx: not a clean error\n",
			       write ? "WRITE" : "READ", off, len);
			bad++;
			nrep++;
		}
		if (ret)
			errs++;
		if (!write) {
			if (!ret)
				bad += check_conc_read(&r, k, off, len, g0, g1,
						       stable, &nrep);
		} else {
			/* The page now: its current fill plus this WRITE. */
			pthread_mutex_lock(&cc.mtx[k]);
			gc = r.gen[k];
			stable = !ret && cc.ver[k] == v0 && !(v0 & 1);
			wrong = 0;
			for (pos = off; pos < off + len; pos++) {
				uint8_t w = wbyte(write_word(&r, id, pos & ~7UL), pos);
				uint8_t f = wbyte(enc(TAG_INIT, gc, k, (pos % H) / 8), pos);

				if (r.buf[pos] == w || (!stable && r.buf[pos] == f))
					continue;
				if (!wrong++)
					report(&r, stable ? "WRITE (page stable) to" :
					       "WRITE (page changing) to",
					       pos & ~7UL, write_word(&r, id, pos & ~7UL),
					       *(uint64_t *)(r.buf + (pos & ~7UL)),
					       &nrep);
			}
			bad += wrong;
			restore_range(&r, off, len);
			pthread_mutex_unlock(&cc.mtx[k]);
		}
		if (ret && reconnect()) {
			bad++;
			break;
		}
	}
	rc.quiet = false;
	__atomic_store_n(&cc.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	printf("# %lu transfers (%lu while the page changed), %lu clean errors; %lu MADV_DONTNEED, %lu remaps\n",
	       ops, unstable, errs, cc.madv, cc.remaps);
	if (cc.fail)
		bad++;
	bad += verify_mr(&r, "after the invalidations");
	if (!bad && ops == errs) {
		printf("# no transfer completed\n");
		bad++;
	}
	region_fini(&r);
	if (bad)
		snprintf(reason, sizeof(reason), "%zu wrong bytes or failures",
			 bad);
	return bad ? 1 : 0;
}


/*
 * Tests 10-13: atomics on words of hugetlb ODP MRs. The places: every huge
 * page, and none in the first 4 KiB subpage of its huge page, where the
 * offset into the huge page and into its subpage agree.
 */
static int atomic_places(const struct region *r, size_t *o)
{
	size_t H = r->hsz, nsub = H / 4096, k, j;
	int n = 0;

	if (r->npg > 1) {
		for (k = 0; k < r->npg; k++) {
			/* word k + 1 of a subpage, the first word of subpage
			 * k + 1, the last word of the huge page
			 */
			o[n++] = k * H + (1 + k * 37 % (nsub - 1)) * 4096 +
				 8 * (k + 1);
			o[n++] = k * H + (k + 1) * 4096;
			o[n++] = (k + 1) * H - 8;
		}
		return n;
	}
	/* one 1 GiB page: every 64 MiB, in other 2 MiB and 4 KiB subpages */
	for (j = 0; j < 16; j++)
		o[n++] = j * (H / 16) + (j + 1) * (SZ_2M + 0x5000) + 8 * j;
	o[n++] = H - 8;
	return n;
}

static const char *atomic_name(enum ibv_wr_opcode op)
{
	return op == IBV_WR_ATOMIC_CMP_AND_SWP ? "CMP_AND_SWP" :
	       op == IBV_WR_ATOMIC_FETCH_AND_ADD ? "FETCH_AND_ADD" :
	       "ATOMIC WRITE";
}

/*
 * One atomic from qp[0] (ibv_wr_*() API) on the MR word at off:
 * CMP_AND_SWP (a compare, b swap), FETCH_AND_ADD (a add) or ATOMIC WRITE
 * (a the value). The original value, for the first two, in *orig. Returns
 * 0, 1 on a clean error, -1 otherwise, as xfer_status().
 */
static int do_atomic(struct region *r, enum ibv_wr_opcode op, size_t off,
		     uint64_t a, uint64_t b, uint64_t *orig)
{
	struct ibv_qp_ex *x = rc.qpx[0];
	uint64_t *res = (uint64_t *)(nb.buf + NB_OFF), raddr;
	enum ibv_wc_opcode wc;
	int ret;

	raddr = r->iova + off;
	*res = 0xdeadbeefdeadbeefULL;
	ibv_wr_start(x);
	x->wr_id = 3;
	x->wr_flags = IBV_SEND_SIGNALED;
	switch (op) {
	case IBV_WR_ATOMIC_CMP_AND_SWP:
		ibv_wr_atomic_cmp_swp(x, r->mr->rkey, raddr, a, b);
		ibv_wr_set_sge(x, nb.mr->lkey, (uintptr_t)res, 8);
		wc = IBV_WC_COMP_SWAP;
		break;
	case IBV_WR_ATOMIC_FETCH_AND_ADD:
		ibv_wr_atomic_fetch_add(x, r->mr->rkey, raddr, a);
		ibv_wr_set_sge(x, nb.mr->lkey, (uintptr_t)res, 8);
		wc = IBV_WC_FETCH_ADD;
		break;
	default:
		ibv_wr_atomic_write(x, r->mr->rkey, raddr, &a);
		wc = IBV_WC_ATOMIC_WRITE;
		break;
	}
	ret = ibv_wr_complete(x);
	if (ret) {
		printf("# %s: ibv_wr_complete: %s\n", atomic_name(op),
		       strerror(ret));
		return 1;
	}
	ret = wait_wc_status(rc.cq[0], wc, 8, NULL);
	if (!ret && orig)
		*orig = *res;
	return ret;
}

/*
 * One atomic at off, checked: the original value it returns is the
 * model's, and the model learns the new value. 0 ok, 1 wrong, -1 when
 * the QPs cannot be reconnected after an error.
 */
static int atomic_op(struct region *r, enum ibv_wr_opcode op, size_t off,
		     bool miss)
{
	uint64_t m = model_word(r, off), a, b = 0, orig = 0, val;
	unsigned int k = off / r->hsz;
	uint16_t id = next_id++;
	char s1[96], s2[96];
	int ret;

	switch (op) {
	case IBV_WR_ATOMIC_CMP_AND_SWP:
		a = miss ? m ^ 0x100 : m;
		b = enc(TAG_ATOMIC, id, k, (off % r->hsz) / 8);
		val = miss ? m : b;
		break;
	case IBV_WR_ATOMIC_FETCH_AND_ADD:
		a = 0x10001ULL * id;
		val = m + a;
		break;
	default:
		a = enc(TAG_ATOMIC, id, k, (off % r->hsz) / 8);
		val = a;
		break;
	}
	ret = do_atomic(r, op, off, a, b, &orig);
	if (ret) {
		printf("# %s #%u at MR+0x%zx (page %u +0x%zx) failed\n",
		       atomic_name(op), id, off, k, off % r->hsz);
		return reconnect() ? -1 : 1;
	}
	if (r->nat == MAXAT) {
		printf("# more than %d atomics on one MR\n", MAXAT);
		return 1;
	}
	r->at[r->nat].off = off;
	r->at[r->nat++].val = val;
	if (op == IBV_WR_ATOMIC_WRITE || orig == m)
		return 0;
	printf("#   %s #%u at MR+0x%zx (page %u +0x%zx) returned %s, expected %s\n",
	       atomic_name(op), id, off, k, off % r->hsz,
	       describe(r, orig, off, s1, sizeof(s1)),
	       describe(r, m, off, s2, sizeof(s2)));
	return 1;
}

/* A reason to skip the atomics, or NULL. */
static const char *atomics_missing(bool write)
{
	static char why[160];

	if (!(odp_caps & IBV_ODP_SUPPORT_ATOMIC))
		snprintf(why, sizeof(why), "rc_odp_caps 0x%x lack ATOMIC",
			 odp_caps);
	else if (qpx_err)
		snprintf(why, sizeof(why),
			 "no QP for the ibv_wr_*() API: ibv_create_qp_ex: %s",
			 strerror(qpx_err));
	else if (write && !(odp_caps & ODP_SUPPORT_ATOMIC_WRITE))
		snprintf(why, sizeof(why),
			 "rc_odp_caps 0x%x lack ATOMIC_WRITE (1 << 7)", odp_caps);
	else if (write && aw_err)
		snprintf(why, sizeof(why),
			 "ibv_create_qp_ex(IBV_QP_EX_WITH_ATOMIC_WRITE): %s",
			 strerror(aw_err));
	else
		return NULL;
	return why;
}

/*
 * Tests 10/12: at every place a CMP_AND_SWP that hits, one that misses or
 * a FETCH_AND_ADD (in turn), then a FETCH_AND_ADD on the same word, which
 * must return what the first left there; then every word of the MR.
 */
static int test_cas_fadd(struct region *r)
{
	static const enum ibv_wr_opcode ops[3] = {
		IBV_WR_ATOMIC_CMP_AND_SWP, IBV_WR_ATOMIC_FETCH_AND_ADD,
		IBV_WR_ATOMIC_CMP_AND_SWP,
	};
	size_t o[MAXAT / 4];
	int n = atomic_places(r, o), i, t, ret, bad = 0;

	for (i = 0; i < n; i++) {
		t = (i + o[i] / r->hsz) % 3;
		ret = atomic_op(r, ops[t], o[i], t == 2);
		if (ret < 0)
			return 1;
		bad += ret;
		ret = atomic_op(r, IBV_WR_ATOMIC_FETCH_AND_ADD, o[i], false);
		if (ret < 0)
			return 1;
		bad += ret;
	}
	printf("# %d CMP_AND_SWP/FETCH_AND_ADD on %d words in %u huge pages\n",
	       r->nat, n, r->npg);
	bad += verify_mr(r, "after the atomics");
	if (bad)
		snprintf(reason, sizeof(reason),
			 "wrong values returned, lost or misplaced atomics");
	return bad ? 1 : 0;
}

/* Tests 11/13: an ATOMIC WRITE at every place, then every word of the MR. */
static int test_atomic_write(struct region *r)
{
	size_t o[MAXAT / 4];
	int n = atomic_places(r, o), i, ret, bad = 0, first = r->nat;

	for (i = 0; i < n; i++) {
		/*
		 * Half of them on words the atomics before changed, half on
		 * the word next to one (same subpage: o[i] is 8-aligned).
		 */
		ret = atomic_op(r, IBV_WR_ATOMIC_WRITE, i & 1 ? o[i] : o[i] ^ 8,
				false);
		if (ret < 0)
			return 1;
		bad += ret;
	}
	printf("# %d ATOMIC WRITEs in %u huge pages\n", r->nat - first,
	       r->npg);
	bad += verify_mr(r, "after the ATOMIC WRITEs");
	if (bad)
		snprintf(reason, sizeof(reason),
			 "lost or misplaced ATOMIC WRITEs");
	return bad ? 1 : 0;
}

#ifdef HAVE_IBV_WR_FLUSH
static int flush_err = EOPNOTSUPP;	/* why the QPs have no FLUSH, or 0 */

/*
 * One FLUSH from qp[0] of [off, off + len) of the MR (level
 * IBV_FLUSH_RANGE; IBV_FLUSH_MR ignores off and len): its completion
 * status in *st. 0, 1 on an error completion, -1 otherwise.
 */
static int do_flush(struct region *r, uint8_t type, uint8_t level,
		    size_t off, size_t len, enum ibv_wc_status *st)
{
	struct ibv_qp_ex *x = rc.qpx[0];
	int ret;

	ibv_wr_start(x);
	x->wr_id = 4;
	x->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_flush(x, r->mr->rkey, r->iova + off, len, type, level);
	ret = ibv_wr_complete(x);
	if (ret) {
		printf("# FLUSH: ibv_wr_complete: %s\n", strerror(ret));
		return -1;
	}
	return wait_wc_status(rc.cq[0], IBV_WC_FLUSH, 0, st);
}

/*
 * Test 14: FLUSH (global and persistent) of ranges in an 8 x 2 MiB
 * IBV_ACCESS_HUGETLB ODP MR: inside one 4 KiB subpage, across a huge page
 * boundary, a whole huge page, three huge pages, the last byte, the MR
 * (IBV_FLUSH_MR), and over a huge page dropped by MADV_DONTNEED while
 * registered (the flush faults it in again: resident before the CPU
 * touches it, zeroed, and what the CPU then writes is what an RDMA READ
 * gets). Each must complete with success and change no byte of the MR. A
 * range past the end of the MR must complete with a remote access error.
 */
static int test_flush(void)
{
	static const struct {
		size_t off, len;	/* in units of 1 byte, from the MR */
		uint8_t type, level;
		const char *what;
	} f[] = {
		{ SZ_2M + 0x1008, 64, IBV_FLUSH_GLOBAL, IBV_FLUSH_RANGE,
		  "64 bytes in a subpage" },
		{ 2 * SZ_2M - 0x800, 0x1000, IBV_FLUSH_PERSISTENT,
		  IBV_FLUSH_RANGE, "across a huge page boundary" },
		{ 3 * SZ_2M, SZ_2M, IBV_FLUSH_PERSISTENT, IBV_FLUSH_RANGE,
		  "a whole huge page" },
		{ 4 * SZ_2M + 0x3000, 3 * SZ_2M - 0x5000,
		  IBV_FLUSH_GLOBAL | IBV_FLUSH_PERSISTENT, IBV_FLUSH_RANGE,
		  "three huge pages" },
		{ 8 * SZ_2M - 1, 1, IBV_FLUSH_PERSISTENT, IBV_FLUSH_RANGE,
		  "the last byte" },
		{ 0, 0, IBV_FLUSH_PERSISTENT, IBV_FLUSH_MR, "the MR" },
	};
	const unsigned int drop = 5;
	enum ibv_wc_status st = IBV_WC_GENERAL_ERR;
	unsigned char vec[SZ_2M / 4096];
	struct region r;
	unsigned int i;
	int ret, bad = 0;
	size_t j;

	if (!(odp_caps & ODP_SUPPORT_FLUSH)) {
		snprintf(reason, sizeof(reason),
			 "rc_odp_caps 0x%x lack FLUSH (1 << 6)", odp_caps);
		return 2;
	}
	if (flush_err) {
		snprintf(reason, sizeof(reason),
			 "ibv_create_qp_ex(IBV_QP_EX_WITH_FLUSH): %s",
			 strerror(flush_err));
		return 2;
	}
	ret = region_init_access(&r, SZ_2M, 8, ODP_HUGE_ACCESS |
				 IBV_ACCESS_FLUSH_GLOBAL |
				 IBV_ACCESS_FLUSH_PERSISTENT);
	if (ret) {
		region_fini(&r);
		return ret;
	}
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		ret = do_flush(&r, f[i].type, f[i].level, f[i].off, f[i].len,
			       &st);
		printf("# FLUSH %s (MR+0x%zx, %zu bytes, type %u, level %u): %s\n",
		       f[i].what, f[i].off, f[i].len, f[i].type, f[i].level,
		       ibv_wc_status_str(st));
		if (ret) {
			bad++;
			if (ret < 0 || reconnect())
				goto out;
		}
	}
	/* A dropped huge page: the FLUSH faults it in, as a zeroed page. */
	if (madvise(r.buf + drop * SZ_2M, SZ_2M, MADV_DONTNEED)) {
		printf("# madvise(MADV_DONTNEED): %s\n", strerror(errno));
		bad++;
		goto out;
	}
	ret = do_flush(&r, IBV_FLUSH_PERSISTENT, IBV_FLUSH_RANGE,
		       drop * SZ_2M + 0x2000, SZ_2M - 0x4000, &st);
	printf("# FLUSH over huge page %u after MADV_DONTNEED: %s\n", drop,
	       ibv_wc_status_str(st));
	if (ret) {
		bad++;
		if (ret < 0 || reconnect())
			goto out;
	}
	/* In memory again before any CPU access: the FLUSH faulted it in. */
	if (mincore(r.buf + drop * SZ_2M, SZ_2M, vec)) {
		printf("# mincore: %s\n", strerror(errno));
		bad++;
	} else if (!(vec[0] & 1)) {
		printf("# huge page %u is not resident after the FLUSH over it\n",
		       drop);
		bad++;
	}
	for (j = 0; j < SZ_2M; j++) {
		if (r.buf[drop * SZ_2M + j]) {
			printf("# huge page %u after MADV_DONTNEED: byte 0x%zx is 0x%02x, not 0\n",
			       drop, j, r.buf[drop * SZ_2M + j]);
			bad++;
			break;
		}
	}
	fill_page_gen(&r, drop, r.tag[drop], r.gen[drop]);
	/* What the device reads there now is what the CPU wrote. */
	ret = do_read(&r, drop * SZ_2M + 0x1ff8, 0x2010);
	if (ret || check_read(&r, drop * SZ_2M + 0x1ff8, 0x2010)) {
		bad++;
		if (ret && reconnect())
			goto out;
	}
	/* Past the end: 8 bytes in the MR, 8 after it. */
	rc.quiet = true;
	ret = do_flush(&r, IBV_FLUSH_GLOBAL, IBV_FLUSH_RANGE, 8 * SZ_2M - 8,
		       16, &st);
	rc.quiet = false;
	printf("# FLUSH of 16 bytes from MR+0x%lx (8 past the end): %s\n",
	       8 * SZ_2M - 8, ibv_wc_status_str(st));
	if (ret < 0 || !ret || st != IBV_WC_REM_ACCESS_ERR) {
		printf("#   expected %s\n",
		       ibv_wc_status_str(IBV_WC_REM_ACCESS_ERR));
		bad++;
	}
	if (ret > 0 && reconnect()) {
		bad++;
		goto out;
	}
	bad += verify_mr(&r, "after the FLUSHes");
out:
	region_fini(&r);
	if (bad)
		snprintf(reason, sizeof(reason),
			 "FLUSHes that failed, or changed the MR");
	return bad ? 1 : 0;
}
#else
/*
 * Test 14: FLUSH needs ibv_wr_flush(), which libibverbs 44 does not have
 * (built with -DHAVE_IBV_WR_FLUSH against rdma-core 45 or newer, it runs).
 * Ask the provider for a QP with it all the same, for the record.
 */
static int test_flush(void)
{
	struct ibv_qp_init_attr_ex qa = {
		.qp_type = IBV_QPT_RC,
		.send_cq = rc.cq[0], .recv_cq = rc.cq[0],
		.cap = { .max_send_wr = 1, .max_recv_wr = 1,
			 .max_send_sge = 1, .max_recv_sge = 1 },
		.comp_mask = IBV_QP_INIT_ATTR_PD |
			     IBV_QP_INIT_ATTR_SEND_OPS_FLAGS,
		.pd = rc.pd,
		.send_ops_flags = IBV_QP_EX_WITH_RDMA_WRITE | QP_EX_WITH_FLUSH,
	};
	struct ibv_qp *qp;

	if (!(odp_caps & ODP_SUPPORT_FLUSH)) {
		snprintf(reason, sizeof(reason),
			 "rc_odp_caps 0x%x lack FLUSH (1 << 6)", odp_caps);
		return 2;
	}
	qp = ibv_create_qp_ex(rc.ctx, &qa);
	if (!qp) {
		snprintf(reason, sizeof(reason),
			 "this libibverbs has no FLUSH verb (no ibv_wr_flush() before rdma-core 45), and its provider refuses a QP with IBV_QP_EX_WITH_FLUSH (1 << 11): %s",
			 strerror(errno));
		return 2;
	}
	ibv_destroy_qp(qp);
	snprintf(reason, sizeof(reason),
		 "the provider takes IBV_QP_EX_WITH_FLUSH (1 << 11), but this libibverbs has no ibv_wr_flush() to post one");
	return 2;
}
#endif

/*
 * Tests 15-19: MRs registered at an iova other than their address. The
 * iova keeps the address's offset into a 4 KiB page (uverbs wants that)
 * but not into a huge page.
 */
#define IOVA_INSIDE	(2 * SZ_2M)		/* test 15 */
#define IOVA_HOFF	0x5000			/* into the huge page */

static int iova_probe = -1;	/* test 15: 0 pass, 1 fail, 2 skip */
static bool unsafe;		/* -U: run 16-19 even so */

/*
 * Register the region's memory again, at iova: work requests address it
 * by r->iova + offset from then on. 0, or 1 with the reason set.
 */
static int region_set_iova(struct region *r, uint64_t iova, int access)
{
	struct ibv_mr *mr = reg_mr_iova(r->buf, r->size, iova, access, reason,
					sizeof(reason));

	if (!mr)
		return 1;
	ibv_dereg_mr(r->mr);
	r->mr = mr;
	r->iova = iova;
	return 0;
}

/* An 8 x 2 MiB region at iova = address + delta, or at iova (zero). */
static int iova_region(struct region *r, uint64_t delta, bool zero,
		       int access)
{
	int ret = region_init_access(r, SZ_2M, 8, access);

	if (!ret)
		ret = region_set_iova(r, zero ? delta :
				      (uintptr_t)r->buf + delta, access);
	if (ret)
		region_fini(r);
	return ret;
}

/*
 * The places of tests 15-18: those of test 1 that end at or before limit,
 * and (beyond limit none) across the huge page boundaries of the iova and
 * the last byte.
 */
static int iova_cases(const struct region *r, struct wrange *c, size_t limit)
{
	size_t H = r->hsz, hoff = r->iova % H, b;
	struct wrange a[MAXW];
	int n = rw_cases(r, a), i, m = 0;

	for (i = 0; i < n; i++)
		if (a[i].off + a[i].len <= limit)
			c[m++] = a[i];
	for (b = (H - hoff) % H; b < r->size; b += H)
		if (b >= 0x10 && b + 0x10 <= limit)
			c[m++] = (struct wrange){ b - 0x10, 0x20, 0 };
	if (r->size <= limit)
		c[m++] = (struct wrange){ r->size - 1, 1, 0 };
	return m;
}

/* WRITE at the places, compare the MR; READ them, compare the MR again. */
static int iova_rw(struct region *r, size_t limit, bool write, bool read)
{
	struct wrange c[MAXW];
	int n = iova_cases(r, c, limit), i, bad = 0;
	uint16_t id;

	printf("# MR %p iova 0x%llx: %d places\n", (void *)r->buf,
	       (unsigned long long)r->iova, n);
	for (i = 0; write && i < n; i++) {
		id = next_id++;
		if (do_write(r, c[i].off, c[i].len, id)) {
			printf("# RDMA WRITE #%u to iova 0x%llx (MR+0x%zx) len 0x%zx failed\n",
			       id, (unsigned long long)(r->iova + c[i].off),
			       c[i].off, c[i].len);
			bad++;
			restore_range(r, c[i].off, c[i].len);
			if (reconnect())
				return 1;
			continue;
		}
		r->w[r->nw++] = (struct wrange){ c[i].off, c[i].len, id };
	}
	if (write)
		bad += verify_mr(r, "after the WRITEs by iova");
	for (i = 0; read && i < n; i++) {
		if (do_read(r, c[i].off, c[i].len)) {
			printf("# RDMA READ of iova 0x%llx (MR+0x%zx) len 0x%zx failed\n",
			       (unsigned long long)(r->iova + c[i].off),
			       c[i].off, c[i].len);
			bad++;
			if (reconnect())
				return 1;
			continue;
		}
		bad += check_read(r, c[i].off, c[i].len);
	}
	if (read)
		bad += verify_mr(r, "after the READs by iova");
	if (bad)
		snprintf(reason, sizeof(reason),
			 "wrong data or failed transfers by iova");
	return bad ? 1 : 0;
}

/*
 * Tests 20/21: hugetlb ODP MRs of 2 GiB or more. At each place, a window
 * of BIG_GUARD bytes on each side is filled by the CPU with the complement
 * of the bytes the WRITE puts there (no byte of it can be taken for the
 * WRITE's), then WRITE and READ, every byte of the window compared. No
 * model of the whole MR: r->tag, gen, w and at stay unused (there are more
 * huge pages than MAXPG) and only the huge pages of the places get memory.
 */
#define SZ_2G		(2UL << 30)
#define BIG_GUARD	0x100
#define BIG_MAX_2M	8	/* 2 MiB pages test 21 may need (it touches 5) */

/* The byte WRITE #id puts at MR pos (do_write()). */
static uint8_t big_byte(const struct region *r, uint16_t id, size_t pos)
{
	return wbyte(write_word(r, id, pos & ~7UL), pos);
}

/* What an 8-byte word of these tests is. */
static const char *big_describe(uint64_t w, char *s, size_t n)
{
	uint64_t x = (w >> 56) == TAG_WRITE ? w : ~w;

	if ((x >> 56) != TAG_WRITE)
		snprintf(s, n, "0x%016llx (no pattern word)",
			 (unsigned long long)w);
	else
		snprintf(s, n, "%sRDMA WRITE #%u for page %u (mod 256) +0x%llx",
			 x == w ? "" : "CPU fill: complement of ",
			 (unsigned int)((x >> 40) & 0xffff),
			 (unsigned int)((x >> 32) & 0xff),
			 (unsigned long long)(x & 0xffffffff) * 8);
	return s;
}

static void big_report(const struct region *r, const char *what, size_t pos,
		       const char *where, uint8_t exp, uint8_t got, uint64_t w,
		       int *nrep)
{
	char d[96];

	if ((*nrep)++ >= MAXREP)
		return;
	printf("#   %s MR+0x%zx (page %zu +0x%zx%s): expected 0x%02x, found 0x%02x, in the word %s\n",
	       what, pos, pos / r->hsz, pos % r->hsz, where, exp, got,
	       big_describe(w, d, sizeof(d)));
}

/*
 * The window [lo, hi) of the MR around [off, off + len): WRITE #id's bytes
 * in the place, their complement around it. 0 right, 1 wrong.
 */
static int big_check(const struct region *r, uint16_t id, size_t off,
		     size_t len, size_t lo, size_t hi, const char *what)
{
	size_t pos, bad = 0, guard = 0, lastw = (size_t)-1;
	int nrep = 0;
	bool in;
	uint8_t e;

	for (pos = lo; pos < hi; pos++) {
		in = pos >= off && pos < off + len;
		e = in ? big_byte(r, id, pos) : (uint8_t)~big_byte(r, id, pos);
		if (r->buf[pos] == e)
			continue;
		if (in)
			bad++;
		else
			guard++;
		if ((pos & ~7UL) != lastw)
			big_report(r, what, pos, in ? "" : ", outside the place",
				   e, r->buf[pos],
				   *(const uint64_t *)(r->buf + (pos & ~7UL)),
				   &nrep);
		lastw = pos & ~7UL;
	}
	if (!bad && !guard)
		return 0;
	printf("# %s MR+0x%zx len 0x%zx: %zu bytes wrong, %zu of the %zu bytes around it changed\n",
	       what, off, len, bad, guard, (hi - lo) - len);
	return 1;
}

/* What a READ of [off, off + len) brought: WRITE #id's bytes. 0 or 1. */
static int big_check_read(const struct region *r, uint16_t id, size_t off,
			  size_t len)
{
	const uint8_t *d = nb.buf + NB_OFF + (off & 7);
	size_t i, pos, bad = 0, lastw = (size_t)-1;
	int nrep = 0;
	uint8_t e;

	for (i = 0; i < len; i++) {
		pos = off + i;
		e = big_byte(r, id, pos);
		if (d[i] == e)
			continue;
		bad++;
		if ((pos & ~7UL) != lastw)
			big_report(r, "READ of", pos, "", e, d[i],
				   read_word(off, pos), &nrep);
		lastw = pos & ~7UL;
	}
	return read_verdict(off, len, bad);
}

/* The window around [off, off + len) as WRITE #id must leave it. */
static void big_fill(struct region *r, uint16_t id, size_t off, size_t len,
		     size_t lo, size_t hi, bool written)
{
	size_t pos;

	for (pos = lo; pos < hi; pos++)
		r->buf[pos] = written && pos >= off && pos < off + len ?
			      big_byte(r, id, pos) : ~big_byte(r, id, pos);
}

/*
 * One place: the window filled, RDMA WRITE into the place, the window
 * compared; the place set to the WRITE's bytes (whatever the WRITE did),
 * RDMA READ of it, what it brought and the window compared. Returns the
 * number of wrong things, -1 when the QPs cannot be reconnected.
 */
static int big_place(struct region *r, size_t off, size_t len)
{
	size_t lo = off > BIG_GUARD ? off - BIG_GUARD : 0;
	size_t hi = off + len + BIG_GUARD < r->size ?
		    off + len + BIG_GUARD : r->size;
	uint16_t id = next_id++;
	int bad = 0;

	big_fill(r, id, off, len, lo, hi, false);
	if (do_write(r, off, len, id)) {
		printf("# RDMA WRITE #%u to MR+0x%zx len 0x%zx failed\n", id,
		       off, len);
		bad++;
		if (reconnect())
			return -1;
	} else {
		bad += big_check(r, id, off, len, lo, hi, "after the WRITE to");
	}
	big_fill(r, id, off, len, lo, hi, true);
	if (do_read(r, off, len)) {
		printf("# RDMA READ of MR+0x%zx len 0x%zx failed\n", off, len);
		bad++;
		if (reconnect())
			return -1;
	} else {
		bad += big_check_read(r, id, off, len);
	}
	return bad + big_check(r, id, off, len, lo, hi, "after the READ of");
}

/* The places of tests 20/21. */
static int big_places(const struct region *r, struct wrange *c)
{
	int n = 0;

	c[n++] = (struct wrange){ 0, 0x1003, 0 };		/* MR start */
	/* across the huge page boundary at 1 GiB */
	c[n++] = (struct wrange){ SZ_1G - 0x803, 0x1006, 0 };
	if (r->hsz == SZ_1G)	/* a 2 MiB boundary inside page 1 */
		c[n++] = (struct wrange){ SZ_1G + 300 * SZ_2M - 0x11, 0x22, 0 };
	else			/* across the 2 GiB mark */
		c[n++] = (struct wrange){ SZ_2G - 0x805, 0x100a, 0 };
	c[n++] = (struct wrange){ r->size - 0x1003, 0x1003, 0 };	/* its end */
	c[n++] = (struct wrange){ r->size - 1, 1, 0 };		/* last byte */
	return n;
}

/* Free huge pages of hsz, -1 when sysfs does not say. */
static long free_huge_pages(size_t hsz)
{
	char path[96];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/kernel/mm/hugepages/hugepages-%zukB/free_hugepages",
		 hsz >> 10);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/*
 * Test 20: 2 x 1 GiB (MAP_PRIVATE reserves both at mmap: ENOMEM, a SKIP,
 * when the guest has not two free), test 21: 1025 x 2 MiB, MAP_NORESERVE
 * (hugetlb allocates at the first touch, no reservation). 0 pass, 1 fail,
 * 2 skip; reason says why.
 */
static int test_big(size_t hsz)
{
	size_t size = hsz == SZ_1G ? SZ_2G : SZ_2G + SZ_2M;
	int fl = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | huge_flag(hsz);
	const char *hs = hsz == SZ_1G ? "1 GiB" : "2 MiB";
	struct wrange c[8];
	struct region r;
	int n, i, ret, bad = 0, e;
	long nfree = free_huge_pages(hsz);
	void *p;

	printf("# %ld free %s hugetlb pages\n", nfree, hs);
	if (hsz == SZ_2M) {
		fl |= MAP_NORESERVE;
		/* a touch without a free page would be a SIGBUS */
		if (nfree >= 0 && nfree < BIG_MAX_2M) {
			snprintf(reason, sizeof(reason),
				 "only %ld free 2 MiB hugetlb pages, %d needed",
				 nfree, BIG_MAX_2M);
			return 2;
		}
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, fl, -1, 0);
	if (p == MAP_FAILED) {
		e = errno;
		printf("# mmap(%zu x %zu MiB, MAP_HUGETLB%s): %s\n", size / hsz,
		       hsz >> 20, hsz == SZ_2M ? "|MAP_NORESERVE" : "",
		       strerror(e));
		snprintf(reason, sizeof(reason),
			 "no %zu x %s hugetlb mapping (%s): %s", size / hsz, hs,
			 hsz == SZ_1G ? "two free 1 GiB pages needed" :
			 "MAP_NORESERVE", strerror(e));
		return e == ENOMEM ? 2 : 1;
	}
	memset(&r, 0, sizeof(r));
	r.buf = p;
	r.size = size;
	r.hsz = hsz;
	r.npg = size / hsz;
	r.iova = (uintptr_t)p;
	/* Registered before the first touch: ODP needs no pages yet. */
	r.mr = ibv_reg_mr(rc.pd, r.buf, r.size, ODP_HUGE_ACCESS);
	if (!r.mr) {
		e = errno;
		snprintf(reason, sizeof(reason),
			 "ibv_reg_mr(ON_DEMAND%s, %u x %zu MiB hugetlb = 0x%zx bytes): %s (errno %d)",
			 ODP_HUGE_ACCESS & IBV_ACCESS_HUGETLB ? "|HUGETLB" : "",
			 r.npg, hsz >> 20, size, strerror(e), e);
		region_fini(&r);
		return 1;
	}
	printf("# ODP%s MR %p, %u x %zu MiB = 0x%zx bytes, lkey 0x%x rkey 0x%x\n",
	       ODP_HUGE_ACCESS & IBV_ACCESS_HUGETLB ? " HUGETLB" : "",
	       (void *)r.buf, r.npg, hsz >> 20, size, r.mr->lkey, r.mr->rkey);
	n = big_places(&r, c);
	for (i = 0; i < n; i++) {
		ret = big_place(&r, c[i].off, c[i].len);
		if (ret < 0) {
			bad++;
			break;
		}
		bad += ret;
	}
	region_fini(&r);
	if (bad)
		snprintf(reason, sizeof(reason),
			 "%d wrong or failed checks (WRITE, READ, MR after the READ) at %d places of the 0x%zx byte MR",
			 bad, n, size);
	return bad ? 1 : 0;
}

/*
 * Test 22: a fault of the MR racing the invalidation (MADV_DONTNEED, or
 * munmap + mmap) of its huge pages, with every transfer checked.
 *
 * Three threads. The invalidator picks a huge page k, takes its lock,
 * zaps it (MADV_DONTNEED of any page, or, every other time, munmap +
 * mmap(MAP_FIXED_NOREPLACE, the same flags) of one of pages 0 to
 * ST_NREMAP - 1), zaps the spare page, refills k by CPU with a new
 * generation and faults the spare page in again, and unlocks. The data
 * thread (this one, on rc's QP pair) takes the locks of the pages of a
 * window (a span and ST_GUARD bytes on each side, within the span's huge
 * pages), WRITEs the span from the normal MR, READs the window back into
 * another normal MR, compares that, and the CPU's view of the window,
 * with the pattern in the span and the page's current fill around it,
 * puts the fill back into the span by CPU, and unlocks. A page is thus
 * never zapped while a transfer of the data thread is on it, and only
 * the lock holder changes its contents (the pressure thread only READs):
 * any other byte, and any error completion, is a failure. The pressure
 * thread READs, on its own QP pair and without locks, spans of the page
 * being invalidated (3 in 4) or of any page, unchecked (an error
 * completion is legal there: the page may be unmapped at that moment), so
 * that faults of a page race its zap; an entry such a fault left for a
 * freed page, if it outlives the invalidation (the zap and refill under
 * the lock), shows up in the data thread's next pair on that page.
 *
 * The spare page makes such a stale page visible: hugetlb hands out the
 * page freed last first, so a page zapped and refilled would mostly get
 * its old page back, and a stale entry would still name the right page.
 * Zapping the spare page too before the refill gives k the spare's old
 * page and the spare page k's, with its own fill (TAG_SPARE).
 *
 * With IBV_ACCESS_HUGETLB, hmm faults only a range inside one VMA, and a
 * munmap + mmap of a huge page leaves it a VMA of its own for good: a
 * transfer whose fault spans two of them fails cleanly by design. So
 * only pages 0..ST_NREMAP-1 are remapped, spans across a huge page
 * boundary lie in pages ST_NREMAP.. (one VMA throughout), and windows
 * never leave the huge pages of their span.
 */
#define ST_NPG		8	/* huge pages of the MR */
#define ST_NREMAP	4	/* pages 0..3 are also munmapped and mapped again */
#define ST_GUARD	0x100	/* bytes checked on each side of a span */
#define ST_SECS		8	/* default run time, ODP_STRESS_SECONDS */
#define ST_MAX_PAIRS	20000	/* < 65536: every pair's WRITE id differs */
#define ST_MAX_INVAL	20000
#define ST_MIN_PAIRS	50	/* fewer: it did not race, a failure */
#define ST_MIN_INVAL	20
#define ST_BUF		0x10000	/* READ destination MRs */
#define ST_OFF		0x100	/* READs land here in them (+ lo % 8) */

static struct {
	struct region *r;
	uint8_t *spare;			/* one huge page, not in the MR */
	uint16_t spare_gen;
	pthread_mutex_t mtx[ST_NPG];	/* page k: zap + refill, or a pair */
	int stop, fail;			/* atomic: all threads stop */
	int inv_err, prs_err;		/* the invalidator, the pressure thread failed */
	int broken;	/* a page may be unmapped or unfilled: no final check */
	int hint;	/* page being invalidated, or -1 (atomic) */
	unsigned long madv, remaps;	/* by the invalidator */
	unsigned long p_ok, p_err;	/* by the pressure thread */
	struct ibv_cq *cq[2];		/* the pressure thread's QP pair */
	struct ibv_qp *qp[2];
	struct ibv_mr *pmr;
	uint8_t *pbuf;
} st;

_Static_assert(ST_NPG <= MAXPG && ST_NPG - ST_NREMAP >= 2,
	       "test 22 needs two pages that are never remapped");

static int st_secs(void)
{
	const char *e = getenv("ODP_STRESS_SECONDS");
	char *end;
	long v;

	if (!e || !*e)
		return ST_SECS;
	v = strtol(e, &end, 10);
	if (*end || v < 1 || v > 3600) {
		printf("# ODP_STRESS_SECONDS=%s ignored (1 to 3600), %d s\n",
		       e, ST_SECS);
		return ST_SECS;
	}
	return (int)v;
}

static void st_failed(void)
{
	__atomic_store_n(&st.fail, 1, __ATOMIC_SEQ_CST);
}

static bool st_running(void)
{
	return !__atomic_load_n(&st.stop, __ATOMIC_SEQ_CST) &&
	       !__atomic_load_n(&st.fail, __ATOMIC_SEQ_CST);
}

static void st_fill_spare(void)
{
	uint64_t *p = (uint64_t *)st.spare, b;
	size_t i, n = SZ_2M / 8;

	st.spare_gen++;
	b = enc(TAG_SPARE, st.spare_gen, 0, 0);
	for (i = 0; i < n; i++)
		p[i] = b | i;
}

static void *st_invalidator(void *arg)
{
	struct region *r = st.r;
	uint32_t rnd = 0x2545f491;
	unsigned long n;
	unsigned int k;
	uint8_t *a;
	void *p;
	bool remap;

	(void)arg;
	for (n = 0; n < ST_MAX_INVAL && st_running(); n++) {
		remap = !(n & 1);
		k = xs(&rnd) % (remap ? ST_NREMAP : r->npg);
		a = r->buf + k * r->hsz;
		__atomic_store_n(&st.hint, (int)k, __ATOMIC_RELAXED);
		pthread_mutex_lock(&st.mtx[k]);
		if (!remap) {
			if (madvise(a, r->hsz, MADV_DONTNEED)) {
				printf("# madvise(MADV_DONTNEED) of page %u: %s\n",
				       k, strerror(errno));
				goto fail;
			}
			st.madv++;
		} else {
			st.broken = 1;	/* until mapped again */
			if (munmap(a, r->hsz)) {
				printf("# munmap of page %u: %s\n", k,
				       strerror(errno));
				goto fail;
			}
			p = mmap(a, r->hsz, PROT_READ | PROT_WRITE, MAP_PRIVATE |
				 MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB |
				 MAP_FIXED_NOREPLACE, -1, 0);
			if (p != a) {
				printf("# mmap(MAP_FIXED_NOREPLACE|MAP_HUGETLB) of page %u at %p: %s\n",
				       k, (void *)a, p == MAP_FAILED ?
				       strerror(errno) : "another address");
				goto fail;
			}
			st.broken = 0;
			st.remaps++;
		}
		/* k's old page is freed last but one: the refill gets another */
		if (madvise(st.spare, SZ_2M, MADV_DONTNEED)) {
			printf("# madvise(MADV_DONTNEED) of the spare page: %s\n",
			       strerror(errno));
			goto fail;
		}
		r->gen[k]++;
		fill_page_gen(r, k, TAG_INIT, r->gen[k]);
		st_fill_spare();
		pthread_mutex_unlock(&st.mtx[k]);
		__atomic_store_n(&st.hint, -1, __ATOMIC_RELAXED);
		usleep(1000);
	}
	return NULL;
fail:
	st.broken = 1;
	st.inv_err = 1;
	st_failed();
	pthread_mutex_unlock(&st.mtx[k]);
	return NULL;
}

/* One completion of the pressure pair: 0 success, 1 error status, -1 else. */
static int st_wait(struct ibv_cq *cq)
{
	struct ibv_wc wc;

	if (poll_one_wc(cq, &wc, "pressure READ"))
		return -1;
	if (wc.status != IBV_WC_SUCCESS)
		return 1;
	if (wc.opcode != IBV_WC_RDMA_READ) {
		printf("# pressure READ: completion opcode %d\n", wc.opcode);
		return -1;
	}
	return 0;
}

/* Unchecked one-packet READs, mostly of the page being invalidated. */
static void *st_pressure(void *arg)
{
	struct region *r = st.r;
	uint32_t rnd = 0x6b43a9b5;
	struct ibv_sge sge;
	struct ibv_send_wr wr, *bad;
	size_t len, off;
	int k, ret, err = 0;

	(void)arg;
	while (!err && st_running()) {
		k = __atomic_load_n(&st.hint, __ATOMIC_RELAXED);
		if (k < 0 || !(xs(&rnd) % 4))
			k = xs(&rnd) % r->npg;
		len = 8 + xs(&rnd) % 0x3f8;
		off = k * r->hsz + xs(&rnd) % (r->hsz - len);
		sge = (struct ibv_sge){ (uintptr_t)st.pbuf, len, st.pmr->lkey };
		memset(&wr, 0, sizeof(wr));
		wr.wr_id = 4;
		wr.sg_list = &sge;
		wr.num_sge = 1;
		wr.opcode = IBV_WR_RDMA_READ;
		wr.send_flags = IBV_SEND_SIGNALED;
		wr.wr.rdma.remote_addr = r->iova + off;
		wr.wr.rdma.rkey = r->mr->rkey;
		ret = ibv_post_send(st.qp[0], &wr, &bad);
		if (ret) {
			printf("# pressure READ: ibv_post_send: %s\n",
			       strerror(ret));
			err = 1;
			break;
		}
		ret = st_wait(st.cq[0]);
		if (ret < 0) {
			err = 1;	/* no completion: rxe lost a READ */
		} else if (!ret) {
			st.p_ok++;
		} else {
			st.p_err++;
			err = reconnect_pair(st.qp, st.cq);
		}
	}
	if (err) {
		st.prs_err = 1;
		st_failed();
	}
	return NULL;
}

static const char *st_pressure_setup(void)
{
	struct ibv_qp_init_attr qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 16, .max_recv_wr = 16,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	int i;

	for (i = 0; i < 2; i++) {
		st.cq[i] = ibv_create_cq(rc.ctx, 32, NULL, NULL, 0);
		if (!st.cq[i])
			return "ibv_create_cq for the pressure thread failed";
		qa.send_cq = qa.recv_cq = st.cq[i];
		st.qp[i] = ibv_create_qp(rc.pd, &qa);
		if (!st.qp[i])
			return "ibv_create_qp for the pressure thread failed";
	}
	st.pbuf = mmap(NULL, ST_BUF, PROT_READ | PROT_WRITE, MAP_PRIVATE |
		       MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (st.pbuf == MAP_FAILED) {
		st.pbuf = NULL;
		return "out of memory";
	}
	st.pmr = ibv_reg_mr(rc.pd, st.pbuf, ST_BUF, IBV_ACCESS_LOCAL_WRITE);
	if (!st.pmr)
		return "ibv_reg_mr of the pressure thread's buffer failed";
	if (connect_pair(st.qp, st.cq))
		return "cannot connect the pressure thread's QPs";
	printf("# pressure QPs qpn 0x%x 0x%x\n", st.qp[0]->qp_num,
	       st.qp[1]->qp_num);
	return NULL;
}

static void st_pressure_teardown(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (st.qp[i])
			ibv_destroy_qp(st.qp[i]);
		if (st.cq[i])
			ibv_destroy_cq(st.cq[i]);
	}
	if (st.pmr)
		ibv_dereg_mr(st.pmr);
	if (st.pbuf)
		munmap(st.pbuf, ST_BUF);
}

/*
 * The window [lo, hi) of the MR, as seen at b (the byte for MR position
 * p at b[p - (lo & ~7)]): WRITE #id's bytes in [off, end), the current
 * fill of their page elsewhere. Returns the number of wrong bytes.
 */
static size_t st_check(const struct region *r, const uint8_t *b, size_t lo,
		       size_t hi, size_t off, size_t end, uint16_t id,
		       const char *what, int *nrep)
{
	size_t pos, p8, a8 = lo & ~7UL, bad = 0, lastw = (size_t)-1;
	uint64_t w, got;

	for (pos = lo; pos < hi; pos++) {
		p8 = pos & ~7UL;
		w = pos >= off && pos < end ? write_word(r, id, p8) :
		    base_word(r, p8);
		if (b[pos - a8] == wbyte(w, pos))
			continue;
		bad++;
		if (p8 != lastw) {
			memcpy(&got, b + (p8 - a8), 8);
			report(r, what, p8, w, got, nrep);
		}
		lastw = p8;
	}
	if (bad)
		printf("# %s MR+0x%zx..0x%zx (span 0x%zx..0x%zx): %zu bytes wrong\n",
		       what, lo, hi, off, end, bad);
	return bad;
}

/*
 * One checked WRITE + READ pair, kind i % 3: at the start of a huge page,
 * across a 4 KiB boundary inside one, across the boundary of two huge
 * pages that are never remapped. 0 right, 1 wrong or failed.
 */
static int st_pair(struct region *r, unsigned long i, struct ibv_mr *dmr,
		   uint8_t *dbuf, uint32_t *rnd, int *nrep)
{
	static const char *const kinds[3] = {
		"huge page start", "4 KiB boundary", "huge page boundary",
	};
	size_t H = r->hsz, off, end, lo, hi, b, bad = 0, guard = 0, j;
	unsigned int k, k0, k1, p;
	uint16_t id;
	int ret, failed = 0;

	switch (i % 3) {
	case 0:
		k = xs(rnd) % r->npg;
		off = k * H;
		end = off + 0x100 + xs(rnd) % 0x1f00;
		break;
	case 1:
		k = xs(rnd) % r->npg;
		b = k * H + (1 + xs(rnd) % (H / 4096 - 1)) * 4096;
		off = b - 1 - xs(rnd) % 0xfff;
		end = b + 1 + xs(rnd) % 0xfff;
		break;
	default:
		k = ST_NREMAP + xs(rnd) % (r->npg - ST_NREMAP - 1);
		b = (k + 1) * H;
		off = b - 1 - xs(rnd) % 0x1fff;
		end = b + 1 + xs(rnd) % 0x1fff;
		break;
	}
	k0 = off / H;
	k1 = (end - 1) / H;
	lo = off - k0 * H > ST_GUARD ? off - ST_GUARD : k0 * H;
	hi = (k1 + 1) * H - end > ST_GUARD ? end + ST_GUARD : (k1 + 1) * H;

	for (p = k0; p <= k1; p++)
		pthread_mutex_lock(&st.mtx[p]);
	bad += st_check(r, r->buf + (lo & ~7UL), lo, hi, 0, 0, 0,
			"before the WRITE, CPU view of", nrep);
	id = next_id++;
	ret = do_write(r, off, end - off, id);
	if (ret) {
		printf("# RDMA WRITE #%u to MR+0x%zx len 0x%zx failed\n", id,
		       off, end - off);
		failed = 1;
	} else {
		memset(dbuf, 0, ST_OFF + (hi - lo) + ST_OFF);
		ret = xfer_status(IBV_WR_RDMA_READ, dbuf + ST_OFF + (lo & 7),
				  dmr->lkey, iova_ptr(r->iova + lo),
				  r->mr->rkey, hi - lo);
		if (ret) {
			printf("# RDMA READ of MR+0x%zx len 0x%zx failed\n",
			       lo, hi - lo);
			failed = 1;
		} else {
			bad += st_check(r, dbuf + ST_OFF, lo, hi, off, end, id,
					"READ back, RDMA view of", nrep);
			for (j = 0; j < ST_OFF + (lo & 7); j++)
				guard += dbuf[j] != 0;
			for (j = ST_OFF + (lo & 7) + (hi - lo);
			     j < ST_OFF + (hi - lo) + ST_OFF; j++)
				guard += dbuf[j] != 0;
			if (guard)
				printf("# READ of MR+0x%zx len 0x%zx: %zu bytes written outside the target\n",
				       lo, hi - lo, guard);
		}
		bad += st_check(r, r->buf + (lo & ~7UL), lo, hi, off, end, id,
				"after the WRITE, CPU view of", nrep);
	}
	if (bad || guard || failed)
		printf("# pair %lu (%s): WRITE #%u to MR+0x%zx len 0x%zx, window MR+0x%zx..0x%zx, pages %u-%u at fill gens %u-%u\n",
		       i, kinds[i % 3], id, off, end - off, lo, hi, k0, k1,
		       r->gen[k0], r->gen[k1]);
	restore_range(r, off, end - off);
	for (p = k1 + 1; p-- > k0;)
		pthread_mutex_unlock(&st.mtx[p]);
	if (failed && reconnect())
		printf("# the QPs stay broken for the tests after this one\n");
	return bad || guard || failed;
}

static int test_stress(void)
{
	struct region r;
	struct timespec t0, now;
	pthread_t inv, prs;
	bool inv_up = false, prs_up = false;
	uint32_t rnd = 0x9e3779b9;
	unsigned long pairs = 0, bad = 0;
	struct ibv_mr *dmr = NULL;
	uint8_t *dbuf = NULL;
	const char *why = NULL;
	long nfree = free_huge_pages(SZ_2M);
	int secs = st_secs(), ret, nrep = 0, i;
	double el;

	printf("# %ld free 2 MiB hugetlb pages, %d s\n", nfree, secs);
	/* the MR, the spare page, one allocated before its old page is freed */
	if (nfree >= 0 && nfree < ST_NPG + 2) {
		snprintf(reason, sizeof(reason),
			 "only %ld free 2 MiB hugetlb pages, %d needed", nfree,
			 ST_NPG + 2);
		return 2;
	}
	ret = region_init(&r, SZ_2M, ST_NPG);
	if (ret) {
		region_fini(&r);
		return ret;
	}
	memset(&st, 0, sizeof(st));
	st.r = &r;
	st.hint = -1;
	st.spare = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
	if (st.spare == MAP_FAILED) {
		ret = errno;
		st.spare = NULL;
		region_fini(&r);
		snprintf(reason, sizeof(reason),
			 "no spare 2 MiB hugetlb page: %s", strerror(ret));
		return ret == ENOMEM ? 2 : 1;
	}
	st_fill_spare();
	dbuf = mmap(NULL, ST_BUF, PROT_READ | PROT_WRITE, MAP_PRIVATE |
		    MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (dbuf == MAP_FAILED) {
		dbuf = NULL;
		why = "out of memory";
	} else if (!(dmr = ibv_reg_mr(rc.pd, dbuf, ST_BUF,
				      IBV_ACCESS_LOCAL_WRITE))) {
		why = "ibv_reg_mr of the READ destination failed";
	} else {
		why = st_pressure_setup();
	}
	for (i = 0; i < ST_NPG; i++)
		pthread_mutex_init(&st.mtx[i], NULL);
	if (!why) {
		prs_up = !pthread_create(&prs, NULL, st_pressure, NULL);
		inv_up = prs_up &&
			 !pthread_create(&inv, NULL, st_invalidator, NULL);
		if (!inv_up)
			why = "pthread_create failed";
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	el = 0;
	while (!why && pairs < ST_MAX_PAIRS && st_running()) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		el = (now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;
		if (el >= secs)
			break;
		ret = st_pair(&r, pairs, dmr, dbuf, &rnd, &nrep);
		pairs++;
		if (ret) {
			bad++;
			st_failed();
		}
	}
	__atomic_store_n(&st.stop, 1, __ATOMIC_SEQ_CST);
	if (inv_up)
		pthread_join(inv, NULL);
	if (prs_up)
		pthread_join(prs, NULL);
	clock_gettime(CLOCK_MONOTONIC, &now);
	el = (now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;

	if (!why) {
		printf("# %lu write/read pairs, %lu invalidations (%lu madvise, %lu remaps)\n",
		       pairs, st.madv + st.remaps, st.madv, st.remaps);
		printf("# pressure: %lu unchecked READs completed, %lu error completions (reconnected); %.1f s\n",
		       st.p_ok, st.p_err, el);
		if (st.broken)
			printf("# a page of the MR may be left unmapped or unfilled: no check of the whole MR\n");
		else
			bad += verify_mr(&r, "after the stress");
	}

	for (i = 0; i < ST_NPG; i++)
		pthread_mutex_destroy(&st.mtx[i]);
	st_pressure_teardown();
	if (dmr)
		ibv_dereg_mr(dmr);
	if (dbuf)
		munmap(dbuf, ST_BUF);
	munmap(st.spare, SZ_2M);
	region_fini(&r);

	if (why) {
		snprintf(reason, sizeof(reason), "setup: %s", why);
		return 1;
	}
	if (bad || st.inv_err || st.prs_err) {
		snprintf(reason, sizeof(reason),
			 "%s%s%s%s%s, after %lu pairs and %lu invalidations",
			 bad ? "wrong data or a failed WRITE/READ" : "",
			 bad && (st.inv_err || st.prs_err) ? "; " : "",
			 st.inv_err ? "an invalidation failed" : "",
			 st.inv_err && st.prs_err ? "; " : "",
			 st.prs_err ? "the pressure thread failed (no completion, or its QPs could not be reconnected)" : "",
			 pairs, st.madv + st.remaps);
		return 1;
	}
	if (pairs < ST_MIN_PAIRS || st.madv + st.remaps < ST_MIN_INVAL) {
		snprintf(reason, sizeof(reason),
			 "only %lu pairs and %lu invalidations in %.1f s (at least %d and %d needed): no race",
			 pairs, st.madv + st.remaps, el, ST_MIN_PAIRS,
			 ST_MIN_INVAL);
		return 1;
	}
	return 0;
}

#ifndef MFD_HUGETLB
#define MFD_HUGETLB	0x0004U
#endif
#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB	(21U << 26)
#endif

/*
 * Page k of r, a MAP_SHARED hugetlb file fd, mapped into the MR (a READ),
 * then punched out of the file while registered: a READ must find zeroes
 * (a new page, not the freed one), and after the CPU fills the page again
 * (a new generation) a READ must find the new fill.
 */
static int punch_page(struct region *r, int fd, unsigned int k)
{
	size_t off = k * r->hsz + 0x2340, len = 0x800, i, nz = 0;
	uint8_t *d = nb.buf + NB_OFF + (off & 7);
	int ret;

	ret = do_read(r, off, len);
	if (ret || check_read(r, off, len)) {
		snprintf(reason, sizeof(reason), "READ of page %u before the hole", k);
		if (ret)
			reconnect();
		return 1;
	}
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      k * r->hsz, r->hsz)) {
		snprintf(reason, sizeof(reason), "fallocate(PUNCH_HOLE): %s",
			 strerror(errno));
		return 1;
	}
	/* A marker where the READ lands: zeroes must come from the page */
	memset(nb.buf, 0xee, NB_OFF + len + 0x200);
	ret = xfer_status(IBV_WR_RDMA_READ, d, nb.mr->lkey,
			  iova_ptr(r->iova + off), r->mr->rkey, len);
	if (ret) {
		snprintf(reason, sizeof(reason), "READ of the punched page %u failed", k);
		reconnect();
		return 1;
	}
	for (i = 0; i < len; i++)
		nz += d[i] != 0;
	if (nz) {
		snprintf(reason, sizeof(reason),
			 "%zu bytes of the punched page %u are not zero: the MR kept the freed page",
			 nz, k);
		return 1;
	}
	r->gen[k]++;
	fill_page_gen(r, k, r->tag[k], r->gen[k]);
	ret = do_read(r, off, len);
	if (ret || check_read(r, off, len)) {
		snprintf(reason, sizeof(reason), "READ of page %u after its new fill", k);
		if (ret)
			reconnect();
		return 1;
	}
	printf("# page %u punched out of the file while registered: zeroes, then the new fill\n", k);
	return 0;
}

/*
 * Test 24: a MAP_SHARED hugetlb file (a memfd, as a hugetlbfs file is
 * mapped): WRITE and READ everywhere, every byte, and a second mapping of
 * the same file holds every byte the MR got.
 */
static int test_shared_file(void)
{
	size_t H = SZ_2M, len = 8 * H, i, diff = 0;
	struct region r = { 0 };
	uint8_t *other = MAP_FAILED;
	int fd, ret;
	void *p;

	fd = memfd_create("odp-huge-test", MFD_HUGETLB | MFD_HUGE_2MB);
	if (fd < 0) {
		snprintf(reason, sizeof(reason), "memfd_create(MFD_HUGETLB): %s",
			 strerror(errno));
		return errno == EINVAL || errno == ENOSYS ? 2 : 1;
	}
	if (ftruncate(fd, len)) {
		ret = errno;
		snprintf(reason, sizeof(reason), "ftruncate of the hugetlb memfd: %s",
			 strerror(ret));
		close(fd);
		return 1;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED)
		other = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED || other == MAP_FAILED) {
		ret = errno;
		snprintf(reason, sizeof(reason), "mmap(MAP_SHARED) of the hugetlb memfd: %s",
			 strerror(ret));
		if (p != MAP_FAILED)
			munmap(p, len);
		close(fd);
		return ret == ENOMEM ? 2 : 1;
	}
	ret = region_setup(&r, p, H, 8, ODP_HUGE_ACCESS, 0, len);
	if (!ret)
		ret = punch_page(&r, fd, 2);
	if (!ret)
		ret = test_write(&r);
	if (!ret)
		ret = test_read(&r);
	if (!ret) {
		for (i = 0; i < len; i++)
			diff += r.buf[i] != other[i];
		if (diff) {
			snprintf(reason, sizeof(reason),
				 "%zu bytes differ in the other mapping of the file",
				 diff);
			ret = 1;
		}
	}
	region_fini(&r);	/* unmaps p too */
	munmap(other, len);
	close(fd);
	return ret;
}

/*
 * Test 25: fork() while registered. With every page of the MR mapped, the
 * parent forks; while the child lives (holding the old pages), the parent
 * writes each page by CPU (copy-on-write: the parent gets new pages), then
 * WRITEs and READs everywhere through the MR, every byte compared: the MR
 * must follow the parent to its new pages. Then the child checks that its
 * copy still holds the fill it had at fork(): no RDMA WRITE may land in
 * the pages it kept.
 */
static int test_fork(void)
{
	struct region r;
	int ret, st = 0, go[2], bad = 0;
	unsigned int k;
	char c = 0;
	pid_t pid;

	ret = region_init(&r, SZ_2M, 8);
	if (ret) {
		region_fini(&r);
		return ret;
	}
	for (k = 0; k < r.npg; k++) {
		ret = do_read(&r, k * r.hsz + 0x1000 + 8 * k, 0x200);
		if (ret || check_read(&r, k * r.hsz + 0x1000 + 8 * k, 0x200)) {
			snprintf(reason, sizeof(reason), "the first READ of page %u", k);
			if (ret)
				reconnect();
			region_fini(&r);
			return 1;
		}
	}
	if (pipe(go)) {
		snprintf(reason, sizeof(reason), "pipe: %s", strerror(errno));
		region_fini(&r);
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(reason, sizeof(reason), "fork: %s", strerror(errno));
		region_fini(&r);
		return 1;
	}
	if (pid == 0) {
		/* The child's model is the one of fork() time: the gen 1 fill */
		close(go[1]);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(verify_mr(&r, "the child's copy") ? 1 : 0);
	}
	close(go[0]);
	for (k = 0; k < r.npg; k++) {
		r.gen[k]++;
		fill_page_gen(&r, k, r.tag[k], r.gen[k]);
	}
	printf("# the parent wrote every page by CPU while the child holds the old ones\n");
	bad += test_write(&r);
	if (!bad)
		bad += test_read(&r);
	if (write(go[1], &c, 1) != 1)
		printf("# write to the child: %s\n", strerror(errno));
	close(go[1]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("# the child's pages changed, or it did not exit cleanly (status 0x%x)\n",
		       st);
		snprintf(reason, sizeof(reason),
			 "an RDMA WRITE landed in the pages the child kept");
		bad++;
	}
	region_fini(&r);
	return bad ? 1 : 0;
}

/*
 * One transfer that reaches outside the MR [mo, me) of r's mapping: it must
 * end in a clean error, write no byte outside the MR, and a failed WRITE
 * may leave each byte inside the MR old or new. 0 ok, 1 wrong, -1 the QPs
 * could not be reconnected.
 */
static int bounds_op(struct region *r, bool write, size_t off, size_t len,
		     size_t mo, size_t me)
{
	uint16_t id = next_id++;
	size_t pos, outside = 0, foreign = 0;
	int ret;

	rc.quiet = true;
	ret = write ? do_write(r, off, len, id) : do_read(r, off, len);
	rc.quiet = false;
	printf("# %s MR+0x%zx len 0x%zx (the MR is [+0x%zx, +0x%zx)): %s%s\n",
	       write ? "WRITE" : "READ", off, len, mo, me,
	       ret == 0 ? "COMPLETED" : ret > 0 ? "clean error: " :
	       "FAILED (not a clean error)",
	       ret <= 0 ? "" : rc.last_post_err ? strerror(rc.last_post_err) :
	       ibv_wc_status_str(rc.last_status));
	if (write) {
		for (pos = off; pos < off + len; pos++) {
			uint8_t m = wbyte(model_word(r, pos & ~7UL), pos);

			if (pos < mo || pos >= me)
				outside += r->buf[pos] != m;
			else if (r->buf[pos] != m &&
				 r->buf[pos] != wbyte(write_word(r, id, pos & ~7UL), pos))
				foreign++;
		}
		if (outside || foreign)
			printf("# %zu bytes written outside the MR, %zu foreign bytes inside\n",
			       outside, foreign);
		restore_range(r, off, len);
	}
	if (ret != 0 && reconnect())
		return -1;
	return ret <= 0 || outside || foreign ? 1 : 0;
}

/*
 * Test 26: an MR that neither starts nor ends on a huge page boundary,
 * inside a mapping of 4 x 2 MiB: WRITEs and READs at its first and last
 * bytes and across the huge pages inside it work; any transfer that
 * reaches one byte before or after it fails cleanly and writes nothing
 * outside it; the whole mapping is compared at the end.
 */
static int test_bounds(void)
{
	size_t H = SZ_2M, mo = 0x3010, me = 3 * H + 0x1230;
	struct wrange in[] = {
		{ mo, 0x100, 0 }, { me - 0x100, 0x100, 0 },
		{ H - 0x80, 0x100, 0 }, { 2 * H - 0x81, 0x1003, 0 },
		{ 3 * H - 0x8000, 0x9000, 0 },
	};
	struct wrange out[] = {
		{ mo - 1, 0x10, 0 }, { mo - 0x800, 0x1000, 0 },
		{ me - 0xf, 0x10, 0 }, { me - 0x800, 0x1000, 0 },
		{ me, 8, 0 }, { me + H / 2, 0x40, 0 },
	};
	struct region r;
	unsigned int i;
	int bad = 0, ret, w;
	void *p;

	p = mmap(NULL, 4 * H, PROT_READ | PROT_WRITE, MAP_PRIVATE |
		 MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(reason, sizeof(reason), "no 2 MiB hugetlb pages");
		return errno == ENOMEM ? 2 : 1;
	}
	ret = region_setup(&r, p, H, 4, ODP_HUGE_ACCESS, mo, me - mo);
	if (ret) {
		region_fini(&r);
		return ret;
	}
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		uint16_t id = next_id++;

		if (do_write(&r, in[i].off, in[i].len, id)) {
			printf("# WRITE MR+0x%zx len 0x%zx inside the MR failed\n",
			       in[i].off, in[i].len);
			bad++;
			restore_range(&r, in[i].off, in[i].len);
			if (reconnect())
				return region_fini(&r), 1;
			continue;
		}
		r.w[r.nw++] = (struct wrange){ in[i].off, in[i].len, id };
	}
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		if (do_read(&r, in[i].off, in[i].len)) {
			printf("# READ MR+0x%zx len 0x%zx inside the MR failed\n",
			       in[i].off, in[i].len);
			bad++;
			if (reconnect())
				return region_fini(&r), 1;
			continue;
		}
		bad += check_read(&r, in[i].off, in[i].len);
	}
	for (i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		for (w = 1; w >= 0; w--) {
			ret = bounds_op(&r, w, out[i].off, out[i].len, mo, me);
			if (ret < 0)
				return region_fini(&r), 1;
			bad += ret;
		}
	}
	bad += verify_mr(&r, "after the transfers at the bounds");
	region_fini(&r);
	if (bad)
		snprintf(reason, sizeof(reason),
			 "a transfer at the bounds of the MR went wrong");
	return bad ? 1 : 0;
}

/*
 * Test 27: mprotect(PROT_READ) of a page of a registered MR whose pages
 * are all mapped: a WRITE there fails cleanly and writes nothing, a READ
 * works; after mprotect(PROT_READ | PROT_WRITE) the WRITE works. Every
 * byte compared.
 */
static int test_read_only(void)
{
	size_t H = SZ_2M, off = H + 0x1230, len = 0x900, i, changed = 0;
	struct region r;
	unsigned int k;
	uint16_t id;
	int ret, bad = 0;

	ret = region_init(&r, H, 4);
	if (ret) {
		region_fini(&r);
		return ret;
	}
	for (k = 0; k < r.npg && !bad; k++) {
		ret = do_read(&r, k * H + 0x100, 0x100);
		bad += ret != 0 || check_read(&r, k * H + 0x100, 0x100);
		if (ret && reconnect())
			return region_fini(&r), 1;
	}
	if (!bad && mprotect(r.buf + H, H, PROT_READ)) {
		printf("# mprotect(PROT_READ): %s\n", strerror(errno));
		bad++;
	}
	if (!bad) {
		id = next_id++;
		rc.quiet = true;
		ret = do_write(&r, off, len, id);
		rc.quiet = false;
		printf("# WRITE into the read-only page: %s%s\n",
		       ret == 0 ? "COMPLETED" : ret > 0 ? "clean error: " :
		       "FAILED (not a clean error)", ret <= 0 ? "" :
		       rc.last_post_err ? strerror(rc.last_post_err) :
		       ibv_wc_status_str(rc.last_status));
		for (i = off; i < off + len; i++)
			changed += r.buf[i] != wbyte(model_word(&r, i & ~7UL), i);
		if (changed)
			printf("# %zu bytes of the read-only page changed\n", changed);
		bad += ret <= 0 || changed;
		if (ret && reconnect())
			return region_fini(&r), 1;
		ret = do_read(&r, off, len);
		bad += ret != 0 || check_read(&r, off, len);
		if (ret && reconnect())
			return region_fini(&r), 1;
		if (mprotect(r.buf + H, H, PROT_READ | PROT_WRITE)) {
			printf("# mprotect(PROT_READ | PROT_WRITE): %s\n", strerror(errno));
			bad++;
		}
	}
	if (!bad) {
		id = next_id++;
		if (do_write(&r, off, len, id)) {
			printf("# WRITE after mprotect(PROT_READ | PROT_WRITE) failed\n");
			bad++;
			restore_range(&r, off, len);
			reconnect();
		} else {
			r.w[r.nw++] = (struct wrange){ off, len, id };
		}
	}
	bad += verify_mr(&r, "after the read-only page");
	region_fini(&r);
	if (bad)
		snprintf(reason, sizeof(reason), "wrong behaviour around a read-only page");
	return bad ? 1 : 0;
}

enum { T_2M_W, T_2M_R, T_1G_W, T_1G_R, T_REMAP, T_REMAP_4K, T_REG_ANON,
       T_VMA_SPLIT, T_CONC, T_2M_CAS, T_2M_AW, T_1G_CAS, T_1G_AW, T_FLUSH,
       T_IOVA_IN, T_IOVA_W, T_IOVA_R, T_IOVA_ZERO, T_IOVA_CAS, T_BIG_1G,
       T_BIG_2M, T_STRESS, T_REG_EARLY, T_SHARED, T_FORK, T_BOUNDS, T_RO, NTESTS };

static const char *const names[NTESTS] = {
	[T_2M_W] = "odp_huge_2m_rdma_write",
	[T_2M_R] = "odp_huge_2m_rdma_read",
	[T_1G_W] = "odp_huge_1g_rdma_write",
	[T_1G_R] = "odp_huge_1g_rdma_read",
	[T_REMAP] = "odp_huge_2m_remap_same_size",
	[T_REMAP_4K] = "odp_huge_2m_remap_4k_anon",
	[T_REG_ANON] = "odp_huge_reg_non_hugetlb_einval",
	[T_VMA_SPLIT] = "odp_huge_2m_vma_split",
	[T_REG_EARLY] = "odp_huge_2m_reg_before_mmap",
	[T_CONC] = "odp_huge_2m_concurrent_invalidate",
	[T_2M_CAS] = "odp_huge_2m_atomic_cas_fadd",
	[T_2M_AW] = "odp_huge_2m_atomic_write",
	[T_1G_CAS] = "odp_huge_1g_atomic_cas_fadd",
	[T_1G_AW] = "odp_huge_1g_atomic_write",
	[T_FLUSH] = "odp_huge_2m_flush",
	[T_IOVA_IN] = "odp_huge_2m_iova_inside_mr",
	[T_IOVA_W] = "odp_huge_2m_iova_plus_1g_rdma_write",
	[T_IOVA_R] = "odp_huge_2m_iova_plus_1g_rdma_read",
	[T_IOVA_ZERO] = "odp_huge_2m_iova_zero_based",
	[T_IOVA_CAS] = "odp_huge_2m_iova_atomic_cas_fadd",
	[T_BIG_1G] = "odp_huge_1g_two_pages",
	[T_BIG_2M] = "odp_huge_2m_2g_mr",
	[T_STRESS] = "odp_huge_2m_stress_invalidate",
	[T_SHARED] = "odp_huge_2m_shared_file",
	[T_FORK] = "odp_huge_2m_fork",
	[T_BOUNDS] = "odp_huge_2m_unaligned_bounds",
	[T_RO] = "odp_huge_2m_read_only_page",
};

static struct region rw;	/* shared by a WRITE test and its READ test */
static int rw_init;		/* region_init() of rw */
static struct region atr;	/* by an atomic test and its ATOMIC WRITE test */
static struct region ivr;	/* by tests 16 and 17 */
static int ivr_init;		/* iova_region() of ivr */

/* Tests 15-19. */
static int run_iova(int t)
{
	struct region r;
	int ret;

	if (t != T_IOVA_IN && iova_probe == 2) {
		snprintf(reason, sizeof(reason), "%s skipped",
			 names[T_IOVA_IN]);
		return 2;
	}
	if (t != T_IOVA_IN && iova_probe != 0 && !unsafe) {
		snprintf(reason, sizeof(reason),
			 "not run: %s failed, so this kernel cannot be trusted to address an ODP MR by its iova; an iova outside the MR could index its pfn_list out of bounds (-U runs it anyway)",
			 names[T_IOVA_IN]);
		return 1;
	}
	switch (t) {
	case T_IOVA_IN:
		ret = iova_region(&r, IOVA_INSIDE, false, ODP_HUGE_ACCESS);
		if (ret)
			return ret;
		ret = iova_rw(&r, r.size - IOVA_INSIDE, true, true);
		region_fini(&r);
		return ret;
	case T_IOVA_W:
		ivr_init = iova_region(&ivr, IOVA_FAR + IOVA_HOFF, false,
				       ODP_HUGE_ACCESS);
		return ivr_init ? ivr_init : iova_rw(&ivr, ivr.size, true, false);
	case T_IOVA_R:
		if (ivr_init == 1)
			snprintf(reason, sizeof(reason),
				 "no MR: the WRITE test's setup failed");
		else if (ivr_init == 2)
			snprintf(reason, sizeof(reason), "no 2 MiB hugetlb pages");
		ret = ivr_init ? ivr_init : iova_rw(&ivr, ivr.size, false, true);
		region_fini(&ivr);
		return ret;
	case T_IOVA_ZERO:
		ret = iova_region(&r, IOVA_HOFF, true, ODP_HUGE_ACCESS);
		if (ret)
			return ret;
		ret = iova_rw(&r, r.size, true, true);
		region_fini(&r);
		return ret;
	case T_IOVA_CAS:
		if (atomics_missing(false)) {
			snprintf(reason, sizeof(reason), "%s",
				 atomics_missing(false));
			return 2;
		}
		ret = iova_region(&r, IOVA_FAR + IOVA_HOFF, false,
				  ODP_HUGE_ACCESS | IBV_ACCESS_REMOTE_ATOMIC);
		if (ret)
			return ret;
		ret = test_cas_fadd(&r);
		region_fini(&r);
		return ret;
	}
	return 1;
}

/* atr for tests 10-13: the one of the test before, or a new one. */
static int atomic_region(size_t hsz)
{
	int ret;

	if (atr.mr && atr.hsz == hsz)
		return 0;
	region_fini(&atr);
	ret = region_init_access(&atr, hsz, hsz == SZ_1G ? 1 : 8,
				 ODP_HUGE_ACCESS | IBV_ACCESS_REMOTE_ATOMIC);
	if (ret)
		region_fini(&atr);
	return ret;
}

/* 0 pass, 1 fail, 2 skip; reason says why. */
static int run(int t)
{
	int ret;

	reason[0] = 0;
	switch (t) {
	case T_2M_W:
	case T_1G_W:
		rw_init = region_init(&rw, t == T_2M_W ? SZ_2M : SZ_1G,
				      t == T_2M_W ? MAXPG : 1);
		return rw_init ? rw_init : test_write(&rw);
	case T_2M_R:
	case T_1G_R:
		if (rw_init == 1)
			snprintf(reason, sizeof(reason),
				 "no MR: the WRITE test's setup failed");
		else if (rw_init == 2)
			snprintf(reason, sizeof(reason), "no %s hugetlb pages",
				 t == T_2M_R ? "2 MiB" : "1 GiB");
		ret = rw_init ? rw_init : test_read(&rw);
		region_fini(&rw);
		return ret;
	case T_REMAP:
		return test_remap(false);
	case T_REMAP_4K:
		return test_remap(true);
	case T_REG_ANON:
		return test_reg_non_hugetlb();
	case T_VMA_SPLIT:
		return test_vma_split();
	case T_REG_EARLY:
		return test_reg_before_mmap();
	case T_CONC:
		return test_concurrent();
	case T_2M_CAS:
	case T_1G_CAS:
		if (atomics_missing(false)) {
			snprintf(reason, sizeof(reason), "%s",
				 atomics_missing(false));
			return 2;
		}
		ret = atomic_region(t == T_2M_CAS ? SZ_2M : SZ_1G);
		return ret ? ret : test_cas_fadd(&atr);
	case T_2M_AW:
	case T_1G_AW:
		if (atomics_missing(true)) {
			snprintf(reason, sizeof(reason), "%s",
				 atomics_missing(true));
			region_fini(&atr);
			return 2;
		}
		ret = atomic_region(t == T_2M_AW ? SZ_2M : SZ_1G);
		if (!ret)
			ret = test_atomic_write(&atr);
		region_fini(&atr);
		return ret;
	case T_FLUSH:
		return test_flush();
	case T_IOVA_IN:
	case T_IOVA_W:
	case T_IOVA_R:
	case T_IOVA_ZERO:
	case T_IOVA_CAS:
		ret = run_iova(t);
		if (t == T_IOVA_IN)
			iova_probe = ret;
		return ret;
	case T_BIG_1G:
		/* rw and atr, the other 1 GiB users, are unmapped by now */
		return test_big(SZ_1G);
	case T_BIG_2M:
		return test_big(SZ_2M);
	case T_STRESS:
		return test_stress();
	case T_SHARED:
		return test_shared_file();
	case T_FORK:
		return test_fork();
	case T_BOUNDS:
		return test_bounds();
	case T_RO:
		return test_read_only();
	}
	return 1;
}

/* The QPs: with the ibv_wr_*() API for the atomics, where it can be had. */
static const char *create_qps(void)
{
	const char *why;

#ifdef HAVE_IBV_WR_FLUSH
	why = rc_create_qps_ex(QP_OPS | IBV_QP_EX_WITH_ATOMIC_WRITE |
			       IBV_QP_EX_WITH_FLUSH);
	if (!why) {
		flush_err = 0;
		return NULL;
	}
	flush_err = errno ? errno : EOPNOTSUPP;
	printf("# QPs with FLUSH: %s: %s\n", why, strerror(flush_err));
#endif
	why = rc_create_qps_ex(QP_OPS | IBV_QP_EX_WITH_ATOMIC_WRITE);
	if (!why)
		return NULL;
	aw_err = errno ? errno : EOPNOTSUPP;
	printf("# QPs with ATOMIC WRITE: %s: %s\n", why, strerror(aw_err));
	why = rc_create_qps_ex(QP_OPS);
	if (!why)
		return NULL;
	qpx_err = errno ? errno : EOPNOTSUPP;
	printf("# QPs for the ibv_wr_*() API: %s: %s\n", why,
	       strerror(qpx_err));
	return rc_create_qps();
}

/* Whether name is one of the comma-separated list (-T). */
static bool selected(const char *list, const char *name)
{
	size_t len = strlen(name);
	const char *p;

	for (p = list; (p = strstr(p, name)); p += len)
		if ((p == list || p[-1] == ',') &&
		    (p[len] == ',' || !p[len]))
			return true;
	return false;
}

/*
 * -T: every name must be a test, and a test that works on what an earlier
 * one left (the READs on the WRITEs' region, the iova cases on the probe's
 * verdict) needs that one selected as well. The number selected in *n.
 */
static int check_selection(const char *list, int *n)
{
	static const int needs[][2] = {
		{ T_2M_R, T_2M_W }, { T_1G_R, T_1G_W }, { T_IOVA_W, T_IOVA_IN },
		{ T_IOVA_R, T_IOVA_IN }, { T_IOVA_ZERO, T_IOVA_IN },
		{ T_IOVA_CAS, T_IOVA_IN },
	};
	const char *p, *e;
	unsigned int i;
	int t;

	for (p = list; *p; p = *e ? e + 1 : e) {
		e = strchrnul(p, ',');
		for (t = 0; t < NTESTS; t++)
			if (strlen(names[t]) == (size_t)(e - p) &&
			    !strncmp(names[t], p, e - p))
				break;
		if (t == NTESTS) {
			fprintf(stderr, "-T: no test %.*s\n", (int)(e - p), p);
			return 1;
		}
	}
	for (i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
		if (selected(list, names[needs[i][0]]) &&
		    !selected(list, names[needs[i][1]])) {
			fprintf(stderr, "-T: %s needs %s\n", names[needs[i][0]],
				names[needs[i][1]]);
			return 1;
		}
	}
	for (t = 0, *n = 0; t < NTESTS; t++)
		*n += selected(list, names[t]);
	return 0;
}

int main(int argc, char **argv)
{
	int pass = 0, fail = 0, skip = 0, forced_gid = -1, opt, t, ret;
	int nsel = NTESTS, n = 0;
	const char *dev = NULL, *why, *only = NULL;
	struct timespec t0, t1;
	uint32_t rc_caps = 0;
	bool setup_skip;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "d:g:t:T:HUh")) != -1) {
		switch (opt) {
		case 'd':
			dev = optarg;
			break;
		case 'g':
			forced_gid = atoi(optarg);
			break;
		case 't':
			conc_secs = atoi(optarg);
			break;
		case 'H':
			odp_huge_access = ODP_ACCESS;
			break;
		case 'U':
			unsafe = true;
			break;
		case 'T':
			only = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-d ibdev] [-g gid_index] [-t seconds] [-H] [-U] [-T name,...]\n",
				argv[0]);
			return 2;
		}
	}

	if (only && check_selection(only, &nsel))
		return 2;
	printf("TAP version 13\n1..%d\n", nsel);
	if (!(odp_huge_access & IBV_ACCESS_HUGETLB))
		printf("# -H: ODP MRs registered WITHOUT IBV_ACCESS_HUGETLB\n");
	why = rc_open(dev, forced_gid, &setup_skip, &rc_caps);
	odp_caps = rc_caps;
	if (!why && (rc_caps & (IBV_ODP_SUPPORT_WRITE | IBV_ODP_SUPPORT_READ)) !=
	    (IBV_ODP_SUPPORT_WRITE | IBV_ODP_SUPPORT_READ)) {
		setup_skip = true;
		why = "rc_odp_caps lack RDMA WRITE and READ";
	}
	if (!why) {
		nb.buf = mmap(NULL, NB_SIZE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (nb.buf == MAP_FAILED)
			why = "out of memory";
		else if (!(nb.mr = ibv_reg_mr(rc.pd, nb.buf, NB_SIZE,
					      IBV_ACCESS_LOCAL_WRITE |
					      IBV_ACCESS_REMOTE_WRITE |
					      IBV_ACCESS_REMOTE_READ)))
			why = "ibv_reg_mr failed";
		else
			why = create_qps();
		if (!why && connect_qps())
			why = "cannot connect the QPs";
		if (!why)
			printf("# normal MR %p, qpn 0x%x 0x%x\n",
			       (void *)nb.buf, rc.qp[0]->qp_num,
			       rc.qp[1]->qp_num);
	}
	if (why && !setup_skip)
		printf("# setup failed: %s\n", why);

	for (t = 0; t < NTESTS; t++) {
		if (only && !selected(only, names[t]))
			continue;
		n++;
		if (why) {
			if (setup_skip) {
				printf("ok %d %s # SKIP %s\n", n, names[t],
				       why);
				skip++;
			} else {
				printf("not ok %d %s\n", n, names[t]);
				fail++;
			}
			continue;
		}
		printf("# %s\n", names[t]);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ret = run(t);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("# %s: %.1f s\n", names[t], (t1.tv_sec - t0.tv_sec) +
		       (t1.tv_nsec - t0.tv_nsec) / 1e9);
		if (ret == 2) {
			printf("ok %d %s # SKIP %s\n", n, names[t], reason);
			skip++;
		} else if (ret) {
			printf("# %s\nnot ok %d %s\n", reason, n, names[t]);
			fail++;
		} else {
			printf("ok %d %s\n", n, names[t]);
			pass++;
		}
	}
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       pass, fail, skip);

	/* Resources are released by process exit. */
	if (fail)
		return 1;
	return skip == nsel ? 4 : 0;
}
