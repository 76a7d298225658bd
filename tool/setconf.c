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

static bool cidr_equal(const struct ptun_cidr *a, const struct ptun_cidr *b)
{
	if (a->family != b->family || a->prefix_len != b->prefix_len)
		return false;
	if (a->family == AF_INET)
		return a->addr.v4.s_addr == b->addr.v4.s_addr;
	return !memcmp(&a->addr.v6, &b->addr.v6, sizeof(a->addr.v6));
}

static bool endpoint_equal(const struct ptun_endpoint *a,
			   const struct ptun_endpoint *b)
{
	if (a->family != b->family || a->port != b->port)
		return false;
	if (a->family == AF_INET)
		return a->addr.v4.s_addr == b->addr.v4.s_addr;
	return !memcmp(&a->addr.v6, &b->addr.v6, sizeof(a->addr.v6));
}

static bool has_cidr(const struct ptun_peer *peer, const struct ptun_cidr *c)
{
	size_t i;

	for (i = 0; i < peer->n_allowed_ips; i++)
		if (cidr_equal(&peer->allowed_ips[i], c))
			return true;
	return false;
}

/* The same set of subnets, whatever the order. */
static bool same_allowed_ips(const struct ptun_peer *a,
			     const struct ptun_peer *b)
{
	size_t i;

	for (i = 0; i < a->n_allowed_ips; i++)
		if (!has_cidr(b, &a->allowed_ips[i]))
			return false;
	for (i = 0; i < b->n_allowed_ips; i++)
		if (!has_cidr(a, &b->allowed_ips[i]))
			return false;
	return true;
}

/* Appends c to req's list, with the file line it came from (0: none). */
static int req_add_ip(struct ptun_device *req, const struct ptun_cidr *c,
		      unsigned int line)
{
	struct ptun_peer *peer = &req->peer;
	unsigned int *lines;

	lines = realloc(req->args.ip_lines,
			(peer->n_allowed_ips + 1) * sizeof(*lines));
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
	size_t i;

	req->peer.has |= PEER_HAS_ALLOWED_IPS;
	for (i = 0; cur && i < cur->n_allowed_ips; i++)
		if (req_add_ip(req, &cur->allowed_ips[i], 0))
			return -1;
	for (i = 0; i < wp->n_allowed_ips; i++) {
		if (has_cidr(&req->peer, &wp->allowed_ips[i]))
			continue;
		if (req_add_ip(req, &wp->allowed_ips[i],
			       want->args.ip_lines ? want->args.ip_lines[i] :
			       0))
			return -1;
	}
	return 0;
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
			      PEER_HAS_KEEPALIVE);
	memcpy(rp->preshared_key, wp->preshared_key, PTUN_KEY_LEN);
	rp->endpoint = wp->endpoint;
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
	uint16_t keepalive;
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
	/* No endpoint in the file leaves the one the peer roamed to. */
	if ((wp->has & PEER_HAS_ENDPOINT) &&
	    (!(cp->has & PEER_HAS_ENDPOINT) ||
	     !endpoint_equal(&wp->endpoint, &cp->endpoint))) {
		rp->has |= PEER_HAS_ENDPOINT;
		rp->endpoint = wp->endpoint;
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

int conf_request(enum conf_mode mode, const struct ptun_device *want,
		 const struct ptun_device *cur, struct ptun_device *req)
{
	const struct ptun_peer *wp = &want->peer;
	bool cur_peer, same_key;
	uint16_t port, cipher, clamp;
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
	if (mode == CONF_SET || (mode == CONF_ADD &&
				 (want->has & DEV_HAS_CIPHER)) ||
	    (mode == CONF_SYNC && (!(cur->has & DEV_HAS_CIPHER) ||
				   cipher != cur->cipher))) {
		req->has |= DEV_HAS_CIPHER;
		req->cipher = cipher;
	}

	clamp = want->has & DEV_HAS_MSS_CLAMP ? want->mss_clamp :
		PTUN_MSS_CLAMP_OFF;
	if (mode == CONF_SET || (mode == CONF_ADD &&
				 (want->has & DEV_HAS_MSS_CLAMP)) ||
	    (mode == CONF_SYNC && clamp != cur->mss_clamp)) {
		req->has |= DEV_HAS_MSS_CLAMP;
		req->mss_clamp = clamp;
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
