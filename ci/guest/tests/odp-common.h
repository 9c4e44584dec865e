/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odp-common.h - what the project's libibverbs guest tests share: one RDMA
 * device, a protection domain and two RC QPs on port 1 connected to each
 * other through the RoCE v2 IPv4-mapped GID (a loopback pair: traffic never
 * leaves the device), completion polling with a timeout, and one signaled
 * transfer from qp[0].
 *
 * Header only, included by exactly one .c file per program; every function
 * is static (ODP_FN marks them unused-ok, so a program may use a subset).
 */
#ifndef ODP_COMMON_H
#define ODP_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <infiniband/verbs.h>

#define PORT		1
#define TIMEOUT_MS	5000

#define ODP_FN static __attribute__((unused))
/* More qp_access_flags for the QPs of a test (e.g. FLUSH), or 0. */
#ifndef ODP_QP_ACCESS_MORE
#define ODP_QP_ACCESS_MORE	0
#endif

/* The device and the loopback QP pair. */
static struct {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq[2];
	struct ibv_qp *qp[2];
	struct ibv_qp_ex *qpx[2];	/* with rc_create_qps_ex(), else NULL */
	union ibv_gid gid;
	int gid_idx;
	bool quiet;	/* do not print completion errors (expected ones) */
	enum ibv_wc_status last_status;	/* of the last completion polled */
	int last_post_err;		/* of the last refused post, else 0 */
} rc;

/*
 * Poll one completion off cq into *wc, for at most TIMEOUT_MS. Returns 0,
 * or -1 after a timeout or a poll failure, reported with what. Touches no
 * shared state, so another thread may use it on its own CQ.
 */
ODP_FN int poll_one_wc(struct ibv_cq *cq, struct ibv_wc *wc, const char *what)
{
	const struct timespec nap = { 0, 20000 };
	struct timespec t0, now;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((n = ibv_poll_cq(cq, 1, wc)) == 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - t0.tv_sec) * 1000 +
		    (now.tv_nsec - t0.tv_nsec) / 1000000 > TIMEOUT_MS) {
			printf("# %s: no completion within %d ms\n", what,
			       TIMEOUT_MS);
			return -1;
		}
		nanosleep(&nap, NULL);
	}
	if (n < 0) {
		printf("# %s: ibv_poll_cq failed: %d\n", what, n);
		return -1;
	}
	return 0;
}

/*
 * Wait for one completion on cq.  Returns 0 on success, 1 on a completion
 * with an error status (a clean error: *status says which), -1 on anything
 * else (timeout, poll failure, wrong opcode or length).
 */
ODP_FN int wait_wc_status(struct ibv_cq *cq, enum ibv_wc_opcode op,
			  uint32_t len, enum ibv_wc_status *status)
{
	struct ibv_wc wc;
	char what[32];

	snprintf(what, sizeof(what), "opcode %d", op);
	if (poll_one_wc(cq, &wc, what))
		return -1;
	rc.last_status = wc.status;
	if (status)
		*status = wc.status;
	if (wc.status != IBV_WC_SUCCESS) {
		if (!rc.quiet)
			printf("# completion error: %s (%d), opcode %d, vendor_err 0x%x\n",
			       ibv_wc_status_str(wc.status), wc.status,
			       wc.opcode, wc.vendor_err);
		return 1;
	}
	if (wc.opcode != op) {
		printf("# completion opcode %d, expected %d\n", wc.opcode, op);
		return -1;
	}
	if (op == IBV_WC_RECV && wc.byte_len != len) {
		printf("# recv byte_len %u, expected %u\n", wc.byte_len, len);
		return -1;
	}
	return 0;
}

ODP_FN int wait_wc(struct ibv_cq *cq, enum ibv_wc_opcode op, uint32_t len)
{
	return wait_wc_status(cq, op, len, NULL) ? -1 : 0;
}

ODP_FN int modify(struct ibv_qp *qp, struct ibv_qp_attr *a, int mask,
		  const char *state)
{
	int ret = ibv_modify_qp(qp, a, mask);

	if (ret)
		printf("# ibv_modify_qp(qp 0x%x -> %s): %s\n", qp->qp_num,
		       state, strerror(ret));
	return ret;
}

/*
 * (Re)connect qp[0] <-> qp[1], whose completions go to cq[0] and cq[1]:
 * RESET -> INIT -> RTR -> RTS, empty CQs. For a second loopback pair of a
 * program (its own QPs and CQs, e.g. for another thread); connect_qps()
 * is the one of rc.
 */
ODP_FN int connect_pair(struct ibv_qp **qp, struct ibv_cq **cq)
{
	struct ibv_qp_attr a;
	struct ibv_wc wc;
	int i;

	for (i = 0; i < 2; i++) {
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_RESET;
		if (modify(qp[i], &a, IBV_QP_STATE, "RESET"))
			return -1;
	}
	for (i = 0; i < 2; i++)
		while (ibv_poll_cq(cq[i], 1, &wc) > 0)
			;
	for (i = 0; i < 2; i++) {
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_INIT;
		a.pkey_index = 0;
		a.port_num = PORT;
		a.qp_access_flags = IBV_ACCESS_LOCAL_WRITE |
				    IBV_ACCESS_REMOTE_WRITE |
				    IBV_ACCESS_REMOTE_READ |
				    IBV_ACCESS_REMOTE_ATOMIC |
				    ODP_QP_ACCESS_MORE;
		if (modify(qp[i], &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			   IBV_QP_PORT | IBV_QP_ACCESS_FLAGS, "INIT"))
			return -1;
	}
	for (i = 0; i < 2; i++) {
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_RTR;
		a.path_mtu = IBV_MTU_1024;
		a.dest_qp_num = qp[!i]->qp_num;
		a.rq_psn = 0;
		a.max_dest_rd_atomic = 1;
		a.min_rnr_timer = 12;
		a.ah_attr.is_global = 1;
		a.ah_attr.grh.dgid = rc.gid;
		a.ah_attr.grh.sgid_index = rc.gid_idx;
		a.ah_attr.grh.hop_limit = 64;
		a.ah_attr.port_num = PORT;
		if (modify(qp[i], &a, IBV_QP_STATE | IBV_QP_AV |
			   IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
			   IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER,
			   "RTR"))
			return -1;
	}
	for (i = 0; i < 2; i++) {
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_RTS;
		a.timeout = 14;
		a.retry_cnt = 7;
		a.rnr_retry = 7;
		a.sq_psn = 0;
		a.max_rd_atomic = 1;
		if (modify(qp[i], &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
			   IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN |
			   IBV_QP_MAX_QP_RD_ATOMIC, "RTS"))
			return -1;
	}
	return 0;
}

/* (Re)connect rc.qp[0] <-> rc.qp[1]: RESET -> INIT -> RTR -> RTS, empty CQs. */
ODP_FN int connect_qps(void)
{
	return connect_pair(rc.qp, rc.cq);
}

static bool gid_is_v4mapped(const union ibv_gid *g)
{
	static const uint8_t pfx[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(g->raw, pfx, sizeof(pfx));
}

/* libibverbs itself falls back to sysfs when the kernel lacks the ioctl. */
static int query_gid(int idx, union ibv_gid *gid, bool *v2)
{
	struct ibv_gid_entry e;

	if (ibv_query_gid_ex(rc.ctx, PORT, idx, &e, 0))
		return -1;
	*gid = e.gid;
	*v2 = e.gid_type == IBV_GID_TYPE_ROCE_V2;
	return 0;
}

static int pick_gid(int forced, int tbl_len)
{
	static const uint8_t want[4] = { 192, 0, 2, 1 };
	int idx, any = -1, exact = -1;
	union ibv_gid g;
	char s[INET6_ADDRSTRLEN];
	bool v2;

	for (idx = 0; forced < 0 && idx < tbl_len; idx++) {
		if (query_gid(idx, &g, &v2) || !v2 || !gid_is_v4mapped(&g))
			continue;
		if (any < 0)
			any = idx;
		if (!memcmp(g.raw + 12, want, 4)) {
			exact = idx;
			break;
		}
	}
	rc.gid_idx = forced >= 0 ? forced : exact >= 0 ? exact :
		     any >= 0 ? any : 1;
	v2 = false;
	if (query_gid(rc.gid_idx, &g, &v2) &&
	    ibv_query_gid(rc.ctx, PORT, rc.gid_idx, &g)) {
		printf("# cannot read GID index %d\n", rc.gid_idx);
		return -1;
	}
	rc.gid = g;
	inet_ntop(AF_INET6, g.raw, s, sizeof(s));
	printf("# gid index %d: %s%s%s\n", rc.gid_idx, s, v2 ? " RoCE v2" : "",
	       forced >= 0 ? " (from -g)" : exact < 0 && any < 0 ?
	       " (no IPv4-mapped RoCE v2 GID found, fallback)" : "");
	return 0;
}

/*
 * Open dev (or the first device), check it has ODP, pick the GID, allocate
 * the PD.  Returns NULL on success, else a reason; *skip says whether it is
 * a SKIP (no device, no ODP) rather than a failure.
 */
ODP_FN const char *rc_open(const char *dev, int forced_gid, bool *skip,
			   uint32_t *rc_caps)
{
	static char why[160];
	struct ibv_device_attr_ex ax;
	struct ibv_port_attr pa;
	struct ibv_device **list;
	int i, n = 0, ret;

	*skip = true;
	list = ibv_get_device_list(&n);
	if (!list || !n)
		return "no RDMA device";
	for (i = 0; dev && i < n; i++)
		if (!strcmp(ibv_get_device_name(list[i]), dev))
			break;
	if (i == n) {
		ibv_free_device_list(list);
		snprintf(why, sizeof(why), "RDMA device %s not found", dev);
		return why;
	}
	printf("# device %s\n", ibv_get_device_name(list[i]));
	rc.ctx = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	*skip = false;
	if (!rc.ctx)
		return "ibv_open_device failed";

	memset(&ax, 0, sizeof(ax));
	ret = ibv_query_device_ex(rc.ctx, NULL, &ax);
	if (ret) {
		snprintf(why, sizeof(why), "ibv_query_device_ex: %s",
			 strerror(ret));
		return why;
	}
	*rc_caps = ax.odp_caps.per_transport_caps.rc_odp_caps;
	printf("# odp general_caps 0x%llx rc_odp_caps 0x%x\n",
	       (unsigned long long)ax.odp_caps.general_caps, *rc_caps);
	if (!(ax.odp_caps.general_caps & IBV_ODP_SUPPORT)) {
		*skip = true;
		return "device has no ODP support (CONFIG_INFINIBAND_ON_DEMAND_PAGING?)";
	}
	if (ibv_query_port(rc.ctx, PORT, &pa))
		return "ibv_query_port failed";
	if (pa.state != IBV_PORT_ACTIVE)
		printf("# warning: port %d state %s\n", PORT,
		       ibv_port_state_str(pa.state));
	if (pick_gid(forced_gid, pa.gid_tbl_len))
		return "no usable GID";

	rc.pd = ibv_alloc_pd(rc.ctx);
	if (!rc.pd)
		return "ibv_alloc_pd failed";
	return NULL;
}

/*
 * Two CQs (once) and two RC QPs, not yet connected.  With send_ops, the QPs
 * are created by ibv_create_qp_ex() for the ibv_wr_*() API of those
 * operations (rc.qpx); ibv_post_send() works on them as well.  Returns NULL,
 * or a reason with errno set by the call that failed, and no QP left, so
 * that the caller may try again with other send_ops.
 */
ODP_FN const char *rc_create_qps_ex(uint64_t send_ops)
{
	struct ibv_qp_init_attr_ex qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 16, .max_recv_wr = 16,
			 .max_send_sge = 1, .max_recv_sge = 1 },
		.comp_mask = IBV_QP_INIT_ATTR_PD,
		.pd = rc.pd,
	};
	int i, e;

	if (send_ops) {
		qa.comp_mask |= IBV_QP_INIT_ATTR_SEND_OPS_FLAGS;
		qa.send_ops_flags = send_ops;
	}
	for (i = 0; i < 2; i++) {
		if (!rc.cq[i])
			rc.cq[i] = ibv_create_cq(rc.ctx, 32, NULL, NULL, 0);
		if (!rc.cq[i])
			return "ibv_create_cq failed";
		qa.send_cq = qa.recv_cq = rc.cq[i];
		rc.qp[i] = ibv_create_qp_ex(rc.ctx, &qa);
		if (!rc.qp[i])
			break;
		rc.qpx[i] = send_ops ? ibv_qp_to_qp_ex(rc.qp[i]) : NULL;
	}
	if (i == 2)
		return NULL;
	e = errno;
	while (i-- > 0) {
		ibv_destroy_qp(rc.qp[i]);
		rc.qp[i] = NULL;
		rc.qpx[i] = NULL;
	}
	errno = e;
	return "ibv_create_qp_ex failed";
}

/* Two CQs and two RC QPs (not yet connected). NULL or a reason. */
ODP_FN const char *rc_create_qps(void)
{
	return rc_create_qps_ex(0);
}

/*
 * qp[0] posts one signaled op from (laddr, lkey); for RDMA ops (raddr, rkey)
 * is the remote buffer, for SEND qp[1] first posts a RECV into it.
 * Returns 0 on success, 1 on a clean error (a post refused, or a completion
 * with an error status), -1 on anything else (timeout, wrong completion).
 */
ODP_FN int xfer_status(enum ibv_wr_opcode op, void *laddr, uint32_t lkey,
		       void *raddr, uint32_t rkey, uint32_t len)
{
	struct ibv_sge sge = { (uintptr_t)laddr, len, lkey };
	struct ibv_sge rsge = { (uintptr_t)raddr, len, rkey };
	struct ibv_recv_wr rwr = { .wr_id = 2, .sg_list = &rsge, .num_sge = 1 };
	struct ibv_send_wr wr = {
		.wr_id = 1, .sg_list = &sge, .num_sge = 1, .opcode = op,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad;
	struct ibv_recv_wr *rbad;
	int ret;

	if (op == IBV_WR_SEND) {
		ret = ibv_post_recv(rc.qp[1], &rwr, &rbad);
		if (ret) {
			printf("# ibv_post_recv: %s\n", strerror(ret));
			return 1;
		}
	} else {
		wr.wr.rdma.remote_addr = (uintptr_t)raddr;
		wr.wr.rdma.rkey = rkey;
	}
	rc.last_post_err = 0;
	ret = ibv_post_send(rc.qp[0], &wr, &bad);
	if (ret) {
		rc.last_post_err = ret;
		if (!rc.quiet)
			printf("# ibv_post_send: %s\n", strerror(ret));
		return 1;
	}
	if (op == IBV_WR_SEND) {
		int r0 = wait_wc_status(rc.cq[0], IBV_WC_SEND, len, NULL);
		int r1 = r0 ? 0 :
			 wait_wc_status(rc.cq[1], IBV_WC_RECV, len, NULL);

		return r0 < 0 || r1 < 0 ? -1 : r0 || r1;
	}
	return wait_wc_status(rc.cq[0], op == IBV_WR_RDMA_READ ?
			      IBV_WC_RDMA_READ : IBV_WC_RDMA_WRITE, len, NULL);
}

ODP_FN int xfer(enum ibv_wr_opcode op, void *laddr, uint32_t lkey,
		void *raddr, uint32_t rkey, uint32_t len)
{
	return xfer_status(op, laddr, lkey, raddr, rkey, len) ? -1 : 0;
}

/*
 * MRs registered at an iova other than their address (ibv_reg_mr_iova()):
 * work requests then carry iovas, which need not be addresses of this
 * process. The kernel's uverbs requires only that the iova has the same
 * offset into a 4 KiB page as the address (else EINVAL).
 */
#define IOVA_FAR	(1ULL << 30)	/* iova = address + 1 GiB */

ODP_FN void *iova_ptr(uint64_t iova)
{
	return (void *)(uintptr_t)iova;
}

/* ibv_reg_mr_iova(); on failure NULL, errno kept, the reason in why. */
ODP_FN struct ibv_mr *reg_mr_iova(void *addr, size_t len, uint64_t iova,
				  int access, char *why, size_t n)
{
	struct ibv_mr *mr = ibv_reg_mr_iova(rc.pd, addr, len, iova, access);
	int e = errno;

	if (!mr) {
		snprintf(why, n, "ibv_reg_mr_iova(%p, 0x%zx, iova 0x%llx, access 0x%x): %s",
			 addr, len, (unsigned long long)iova, access,
			 strerror(e));
		errno = e;
		return NULL;
	}
	printf("# MR at %p len 0x%zx iova 0x%llx (address %+lld): lkey 0x%x rkey 0x%x\n",
	       addr, len, (unsigned long long)iova,
	       (long long)(iova - (uintptr_t)addr), mr->lkey, mr->rkey);
	return mr;
}

#endif /* ODP_COMMON_H */
