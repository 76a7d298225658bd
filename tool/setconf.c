// SPDX-License-Identifier: GPL-2.0
/*
 * ptun setconf, addconf and syncconf: the config file is read into the
 * model (conf.c), the device is read from the kernel where the command
 * needs to know it, and one SET request goes out (set.c), or none at all:
 * a file with a mistake changes nothing.
 *
 * setconf	the file is the whole configuration: what it does not give is
 *		reset (no private key, kernel's choice of port, default
 *		cipher, no peer) and the peer is made anew, new session
 *		included.
 * addconf	what the file gives is set, allowed IPs are added to the
 *		peer's; the file's peer must be the device's if it has one.
 * syncconf	the outcome of setconf, but only what differs is sent, so that
 *		an unchanged peer keeps its session: its public key is not
 *		sent, nor a keepalive (which would send one at once), nor
 *		anything else that is the same already.
 */

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <openssl/crypto.h>

#include "cmd.h"
#include "conf.h"
#include "key.h"

static bool same_candidates(const struct ptun_peer *a,
			    const struct ptun_peer *b)
{
	size_t i;

	if (a->n_candidates != b->n_candidates)
		return false;
	for (i = 0; i < a->n_candidates; i++)
		if (!endpoint_equal(&a->candidates[i], &b->candidates[i]))
			return false;
	return true;
}

/* Any total order of subnets, for sorting and finding duplicates. */
static int cidr_cmp(const struct ptun_cidr *a, const struct ptun_cidr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->prefix_len != b->prefix_len)
		return a->prefix_len < b->prefix_len ? -1 : 1;
	if (a->family == AF_INET)
		return memcmp(&a->addr.v4, &b->addr.v4, sizeof(a->addr.v4));
	return memcmp(&a->addr.v6, &b->addr.v6, sizeof(a->addr.v6));
}

static int cidr_qsort_cmp(const void *a, const void *b)
{
	return cidr_cmp(a, b);
}

/* A list's entry and where it was, so that a sort can be undone. */
struct cidr_at {
	struct ptun_cidr c;
	size_t at;
};

static int cidr_at_cmp(const void *pa, const void *pb)
{
	const struct cidr_at *a = pa, *b = pb;
	int ret = cidr_cmp(&a->c, &b->c);

	if (ret)
		return ret;
	return a->at < b->at ? -1 : a->at > b->at;
}

/*
 * For each of the n subnets of list, whether an equal one comes before
 * it: sorting keeps this O(n log n) for lists of 10^5 entries. NULL when
 * out of memory.
 */
static bool *find_repeats(const struct ptun_cidr *list, size_t n)
{
	bool *repeat = calloc(n ? n : 1, sizeof(*repeat));
	struct cidr_at *v = calloc(n ? n : 1, sizeof(*v));
	size_t i;

	if (!repeat || !v) {
		free(repeat);
		free(v);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		v[i].c = list[i];
		v[i].at = i;
	}
	qsort(v, n, sizeof(*v), cidr_at_cmp);
	for (i = 1; i < n; i++)
		if (!cidr_cmp(&v[i - 1].c, &v[i].c))
			repeat[v[i].at] = true;
	free(v);
	return repeat;
}

/* A sorted copy of a peer's subnets, each once; NULL when out of memory. */
static struct ptun_cidr *sorted_unique(const struct ptun_peer *p, size_t *n)
{
	struct ptun_cidr *v = malloc((p->n_allowed_ips + 1) * sizeof(*v));
	size_t i, k = 0;

	if (!v)
		return NULL;
	if (p->n_allowed_ips)
		memcpy(v, p->allowed_ips, p->n_allowed_ips * sizeof(*v));
	qsort(v, p->n_allowed_ips, sizeof(*v), cidr_qsort_cmp);
	for (i = 0; i < p->n_allowed_ips; i++)
		if (!k || cidr_cmp(&v[k - 1], &v[i]))
			v[k++] = v[i];
	*n = k;
	return v;
}

/*
 * The same set of subnets, whatever the order. Out of memory says "not
 * the same": the list is then sent, which is never wrong.
 */
static bool same_allowed_ips(const struct ptun_peer *a,
			     const struct ptun_peer *b)
{
	struct ptun_cidr *va, *vb;
	bool same = false;
	size_t na, nb, i;

	va = sorted_unique(a, &na);
	vb = sorted_unique(b, &nb);
	if (va && vb && na == nb) {
		same = true;
		for (i = 0; i < na && same; i++)
			same = !cidr_cmp(&va[i], &vb[i]);
	}
	free(va);
	free(vb);
	return same;
}

/* Appends c to req's list, with the file line it came from (0: none). */
static int req_add_ip(struct ptun_device *req, const struct ptun_cidr *c,
		      unsigned int line)
{
	struct ptun_peer *peer = &req->peer;
	unsigned int *lines;

	lines = config_grow(req->args.ip_lines, peer->n_allowed_ips,
			    sizeof(*lines));
	if (!lines)
		return -1;
	lines[peer->n_allowed_ips] = line;
	req->args.ip_lines = lines;
	return config_add_allowed_ip(peer, c);
}

/* The file's allowed IPs, after those of cur unless cur is NULL. */
static int req_set_ips(struct ptun_device *req,
		       const struct ptun_device *want,
		       const struct ptun_peer *cur)
{
	const struct ptun_peer *wp = &want->peer;
	size_t i, n_cur = cur ? cur->n_allowed_ips : 0;
	struct ptun_cidr *all;
	bool *repeat = NULL;
	int ret = -1;

	req->peer.has |= PEER_HAS_ALLOWED_IPS;
	/* the device's list, then the file's entries not in it yet */
	all = malloc((n_cur + wp->n_allowed_ips + 1) * sizeof(*all));
	if (!all)
		return -1;
	if (n_cur)
		memcpy(all, cur->allowed_ips, n_cur * sizeof(*all));
	if (wp->n_allowed_ips)
		memcpy(all + n_cur, wp->allowed_ips,
		       wp->n_allowed_ips * sizeof(*all));
	repeat = find_repeats(all, n_cur + wp->n_allowed_ips);
	if (!repeat)
		goto out;
	for (i = 0; i < n_cur; i++)
		if (req_add_ip(req, &cur->allowed_ips[i], 0))
			goto out;
	for (i = 0; i < wp->n_allowed_ips; i++) {
		if (repeat[n_cur + i])
			continue;
		if (req_add_ip(req, &wp->allowed_ips[i],
			       want->args.ip_lines ? want->args.ip_lines[i] :
			       0))
			goto out;
	}
	ret = 0;
out:
	free(repeat);
	free(all);
	return ret;
}

/* The whole peer of the file, as a new peer gets it. */
static int req_new_peer(struct ptun_device *req,
			const struct ptun_device *want)
{
	const struct ptun_peer *wp = &want->peer;
	struct ptun_peer *rp = &req->peer;

	rp->has |= PEER_HAS_PUBLIC_KEY;
	memcpy(rp->public_key, wp->public_key, PTUN_KEY_LEN);
	rp->has |= wp->has & (PEER_HAS_PRESHARED_KEY | PEER_HAS_ENDPOINT |
			      PEER_HAS_KEEPALIVE | PEER_HAS_FAILOVER_TIMEOUT |
			      PEER_HAS_FAILBACK_INTERVAL);
	memcpy(rp->preshared_key, wp->preshared_key, PTUN_KEY_LEN);
	rp->endpoint = wp->endpoint;
	memcpy(rp->endpoint_name, wp->endpoint_name, sizeof(rp->endpoint_name));
	memcpy(rp->candidates, wp->candidates, sizeof(rp->candidates));
	rp->n_candidates = wp->n_candidates;
	rp->failover_timeout = wp->failover_timeout;
	rp->failback_interval = wp->failback_interval;
	rp->keepalive = wp->keepalive;
	if (wp->has & PEER_HAS_ALLOWED_IPS)
		return req_set_ips(req, want, NULL);
	return 0;
}

/* The peer the file and the device share: only what differs. */
static int req_same_peer(enum conf_mode mode, struct ptun_device *req,
			 const struct ptun_device *want,
			 const struct ptun_peer *cp)
{
	const struct ptun_peer *wp = &want->peer;
	struct ptun_peer *rp = &req->peer;
	struct ptun_device merged = { 0 };
	uint16_t keepalive, seconds;
	int ret = 0;

	/*
	 * Which preshared key the kernel holds is unknown, only whether it
	 * has one; the same key sent again leaves the session alone (the
	 * kernel keeps it while the keys are unchanged).
	 */
	if (wp->has & PEER_HAS_PRESHARED_KEY) {
		rp->has |= PEER_HAS_PRESHARED_KEY;
		memcpy(rp->preshared_key, wp->preshared_key, PTUN_KEY_LEN);
	} else if (mode == CONF_SYNC &&
		   (cp->flags & PTUN_PEER_F_HAS_PRESHARED_KEY)) {
		rp->has |= PEER_HAS_PRESHARED_KEY;
		memset(rp->preshared_key, 0, PTUN_KEY_LEN);
		req->args.line[SET_PRESHARED_KEY] = 0;
		req->args.line[SET_PRESHARED_KEY_TEXT] = 0;
	}
	/*
	 * No endpoint in the file leaves the one the peer roamed to; a
	 * candidate list is compared with the kernel's list, not with the
	 * endpoint in use. A name given for an address given before, or the
	 * other way round, is sent so that the kernel keeps the name (or
	 * forgets it).
	 */
	if ((wp->has & PEER_HAS_ENDPOINT) &&
	    (wp->n_candidates > 1 ? !same_candidates(wp, cp) :
	     !(cp->has & PEER_HAS_ENDPOINT) || cp->n_candidates > 1 ||
	     !endpoint_equal(&wp->endpoint, &cp->endpoint) ||
	     strcmp(wp->endpoint_name, cp->endpoint_name))) {
		rp->has |= PEER_HAS_ENDPOINT;
		rp->endpoint = wp->endpoint;
		memcpy(rp->endpoint_name, wp->endpoint_name,
		       sizeof(rp->endpoint_name));
		memcpy(rp->candidates, wp->candidates, sizeof(rp->candidates));
		rp->n_candidates = wp->n_candidates;
	}
	seconds = wp->has & PEER_HAS_FAILOVER_TIMEOUT ? wp->failover_timeout : 0;
	if (((wp->has & PEER_HAS_FAILOVER_TIMEOUT) || mode == CONF_SYNC) &&
	    (seconds ?: PTUN_FAILOVER_TIMEOUT_DEFAULT) !=
	    (cp->failover_timeout ?: PTUN_FAILOVER_TIMEOUT_DEFAULT)) {
		rp->has |= PEER_HAS_FAILOVER_TIMEOUT;
		rp->failover_timeout = seconds;
	}
	seconds = wp->has & PEER_HAS_FAILBACK_INTERVAL ?
		  wp->failback_interval : 0;
	if (((wp->has & PEER_HAS_FAILBACK_INTERVAL) || mode == CONF_SYNC) &&
	    (seconds ?: PTUN_FAILBACK_INTERVAL_DEFAULT) !=
	    (cp->failback_interval ?: PTUN_FAILBACK_INTERVAL_DEFAULT)) {
		rp->has |= PEER_HAS_FAILBACK_INTERVAL;
		rp->failback_interval = seconds;
	}
	keepalive = wp->has & PEER_HAS_KEEPALIVE ? wp->keepalive : 0;
	if (((wp->has & PEER_HAS_KEEPALIVE) || mode == CONF_SYNC) &&
	    keepalive != cp->keepalive) {
		rp->has |= PEER_HAS_KEEPALIVE;
		rp->keepalive = keepalive;
	}
	if (mode == CONF_ADD) {
		/* the union, sent only if it adds something */
		if (!(wp->has & PEER_HAS_ALLOWED_IPS))
			return 0;
		merged.args.file = want->args.file;
		ret = req_set_ips(&merged, want, cp);
		if (!ret && !same_allowed_ips(&merged.peer, cp)) {
			req->peer.has |= PEER_HAS_ALLOWED_IPS;
			req->peer.allowed_ips = merged.peer.allowed_ips;
			req->peer.n_allowed_ips = merged.peer.n_allowed_ips;
			req->args.ip_lines = merged.args.ip_lines;
			merged.peer.allowed_ips = NULL;
			merged.args.ip_lines = NULL;
		}
		config_free(&merged);
		return ret;
	}
	if (!same_allowed_ips(wp, cp))
		return req_set_ips(req, want, NULL);
	return 0;
}

static void req_private_key(enum conf_mode mode, struct ptun_device *req,
			    const struct ptun_device *want,
			    const struct ptun_device *cur)
{
	uint8_t pub[PTUN_KEY_LEN];
	bool cur_has = cur && (cur->has & DEV_HAS_PUBLIC_KEY);

	if (!(want->has & DEV_HAS_PRIVATE_KEY)) {
		/* setconf and syncconf: no key in the file removes it */
		if (mode == CONF_ADD || (mode == CONF_SYNC && !cur_has))
			return;
		req->has |= DEV_HAS_PRIVATE_KEY;
		memset(req->private_key, 0, PTUN_KEY_LEN);
		return;
	}
	if (mode == CONF_SYNC) {
		/* the kernel tells the public key only: compare those */
		if (key_is_zero(want->private_key)) {
			if (!cur_has)
				return;
		} else if (cur_has &&
			   !key_public_from_private(pub, want->private_key) &&
			   !memcmp(pub, cur->public_key, PTUN_KEY_LEN)) {
			return;
		}
	}
	req->has |= DEV_HAS_PRIVATE_KEY;
	memcpy(req->private_key, want->private_key, PTUN_KEY_LEN);
}

/*
 * Whether a device setting with a default goes into the request: always
 * for setconf (the file replaces everything), when the file gives it for
 * addconf, when it differs from the kernel's for syncconf.
 */
static bool send_setting(enum conf_mode mode, bool given, bool differs)
{
	return mode == CONF_SET || (mode == CONF_ADD && given) ||
	       (mode == CONF_SYNC && differs);
}

int conf_request(enum conf_mode mode, const struct ptun_device *want,
		 const struct ptun_device *cur, struct ptun_device *req)
{
	const struct ptun_peer *wp = &want->peer;
	bool cur_peer, same_key;
	uint16_t port, cipher, clamp;
	uint8_t link_state;
	int ret = 0;

	memset(req, 0, sizeof(*req));
	memcpy(req->ifname, want->ifname, sizeof(req->ifname));
	/* for messages: the texts stay with want, which outlives req */
	req->args = want->args;
	req->args.ip_lines = NULL;
	req->args.owned = NULL;
	req->args.n_owned = 0;
	if (mode == CONF_SET)
		cur = NULL;

	req_private_key(mode, req, want, cur);

	port = want->has & DEV_HAS_LISTEN_PORT ? want->listen_port : 0;
	if (mode == CONF_SET ||
	    ((want->has & DEV_HAS_LISTEN_PORT) &&
	     (mode == CONF_ADD || port != cur->listen_port))) {
		req->has |= DEV_HAS_LISTEN_PORT;
		req->listen_port = port;
	}

	cipher = want->has & DEV_HAS_CIPHER ? want->cipher :
		 PTUN_CIPHER_AES_256_GCM;
	if (send_setting(mode, want->has & DEV_HAS_CIPHER,
			 cur && (!(cur->has & DEV_HAS_CIPHER) ||
				 cipher != cur->cipher))) {
		req->has |= DEV_HAS_CIPHER;
		req->cipher = cipher;
	}

	clamp = want->has & DEV_HAS_MSS_CLAMP ? want->mss_clamp :
		PTUN_MSS_CLAMP_OFF;
	if (send_setting(mode, want->has & DEV_HAS_MSS_CLAMP,
			 cur && clamp != cur->mss_clamp)) {
		req->has |= DEV_HAS_MSS_CLAMP;
		req->mss_clamp = clamp;
	}

	link_state = want->has & DEV_HAS_LINK_STATE ? want->link_state :
		     PTUN_LINK_STATE_UP;
	if (send_setting(mode, want->has & DEV_HAS_LINK_STATE,
			 cur && link_state != cur->link_state)) {
		req->has |= DEV_HAS_LINK_STATE;
		req->link_state = link_state;
	}

	cur_peer = cur && (cur->has & DEV_HAS_PEER);
	same_key = cur_peer && (cur->peer.has & PEER_HAS_PUBLIC_KEY) &&
		   !memcmp(cur->peer.public_key, wp->public_key, PTUN_KEY_LEN);
	if (mode == CONF_SET ||
	    (mode == CONF_SYNC && cur_peer && !(want->has & DEV_HAS_PEER))) {
		req->has |= DEV_HAS_FLAGS;
		req->flags = PTUN_DEVICE_F_REMOVE_PEER;
	}
	if (want->has & DEV_HAS_PEER) {
		if (mode == CONF_ADD && cur_peer && !same_key) {
			pr_err("%s:%u: addconf %s: the device has another peer, and a ptun device has exactly one (setconf or syncconf replace it)",
			       conf_name(want->args.file),
			       want->args.line[SET_PEER], want->ifname);
			/* req may hold the private key by now */
			config_free(req);
			return -1;
		}
		if (same_key)
			ret = req_same_peer(mode, req, want, &cur->peer);
		else
			ret = req_new_peer(req, want);
	}
	if (!ret && req->peer.has)
		req->has |= DEV_HAS_PEER;
	if (ret) {
		pr_err("out of memory");
		config_free(req);
	}
	return ret;
}

bool conf_request_empty(const struct ptun_device *req)
{
	return !req->has;
}

static int conf_command(enum conf_mode mode, int argc, char **argv)
{
	struct ptun_device want = { 0 }, cur = { 0 }, req = { 0 };
	const char *cmd = argv[0];
	int ret = 1;

	if (argc != 3) {
		pr_err("usage: %s %s IFACE FILE (see '%s help')", PROG_NAME,
		       cmd, PROG_NAME);
		return 1;
	}
	if (config_set_ifname(&want, argv[1]) || conf_load(&want, argv[2]))
		goto out;
	if (mode != CONF_SET && device_get(want.ifname, &cur, cmd))
		goto out;
	if (conf_request(mode, &want, &cur, &req))
		goto out;
	/* nothing differs: not even an empty request goes out */
	if (conf_request_empty(&req))
		ret = 0;
	else
		ret = device_set(&req, cmd);
	config_free(&req);
out:
	config_free(&cur);
	config_free(&want);
	return ret;
}

int cmd_setconf(int argc, char **argv)
{
	return conf_command(CONF_SET, argc, argv);
}

int cmd_addconf(int argc, char **argv)
{
	return conf_command(CONF_ADD, argc, argv);
}

int cmd_syncconf(int argc, char **argv)
{
	return conf_command(CONF_SYNC, argc, argv);
}
