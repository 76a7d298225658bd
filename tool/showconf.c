// SPDX-License-Identifier: GPL-2.0
/*
 * ptun showconf: the device as a config file for setconf. The kernel never
 * gives out the private or preshared key, so the file says in comments
 * that they are set, and the lines that give them have to be added back
 * (PrivateKeyFile, PresharedKeyFile) before setconf reproduces the device.
 */

#include <errno.h>
#include <string.h>

#include "cmd.h"
#include "conf.h"
#include "key.h"

static void print_key(FILE *f, const char *name, const uint8_t k[PTUN_KEY_LEN])
{
	char b64[KEY_B64_LEN + 1];

	key_to_base64(b64, k);
	fprintf(f, "%s = %s\n", name, b64);
}

void conf_print(FILE *f, const struct ptun_device *dev)
{
	const struct ptun_peer *peer = &dev->peer;
	char buf[PTUN_ADDR_STRLEN];
	const char *cipher, *link_state;
	char clamp[8];
	size_t i;

	fprintf(f, "[Interface]\n");
	if (dev->has & DEV_HAS_PUBLIC_KEY) {
		fprintf(f, "# ");
		print_key(f, "PublicKey", dev->public_key);
		fprintf(f, "# PrivateKey is set but not shown: add PrivateKey or PrivateKeyFile\n");
	} else {
		fprintf(f, "# no PrivateKey set\n");
	}
	fprintf(f, "ListenPort = %u\n", dev->listen_port);
	cipher = cipher_name(dev->cipher);
	if ((dev->has & DEV_HAS_CIPHER) && cipher)
		fprintf(f, "Cipher = %s\n", cipher);
	else if (dev->has & DEV_HAS_CIPHER)
		fprintf(f, "# Cipher: unknown to this ptun (%u)\n", dev->cipher);
	if (dev->mss_clamp != PTUN_MSS_CLAMP_OFF)
		fprintf(f, "MssClamp = %s\n",
			format_mss_clamp(clamp, sizeof(clamp), dev->mss_clamp));
	link_state = link_state_name(dev->link_state);
	if (dev->link_state != PTUN_LINK_STATE_UP && link_state)
		fprintf(f, "LinkState = %s\n", link_state);
	else if (dev->link_state != PTUN_LINK_STATE_UP)
		fprintf(f, "# LinkState: unknown to this ptun (%u)\n",
			dev->link_state);

	if (!(dev->has & DEV_HAS_PEER))
		return;
	fprintf(f, "\n[Peer]\n");
	if (peer->has & PEER_HAS_PUBLIC_KEY)
		print_key(f, "PublicKey", peer->public_key);
	if (peer->flags & PTUN_PEER_F_HAS_PRESHARED_KEY)
		fprintf(f, "# PresharedKey is set but not shown: add PresharedKey or PresharedKeyFile\n");
	if (peer->n_candidates > 1) {
		fprintf(f, "Endpoint = ");
		for (i = 0; i < peer->n_candidates; i++) {
			if (format_endpoint(buf, sizeof(buf),
					    &peer->candidates[i]))
				strcpy(buf, "?");
			fprintf(f, "%s%s", i ? ", " : "", buf);
		}
		fputc('\n', f);
	} else if ((peer->has & PEER_HAS_ENDPOINT) && peer->endpoint_name[0]) {
		/*
		 * The name, so that setconf resolves it again and the kernel
		 * keeps it; the port is the current one (see
		 * device_reresolve()).
		 */
		fprintf(f, "Endpoint = %s:%u\n", peer->endpoint_name,
			peer->endpoint.port);
	} else if ((peer->has & PEER_HAS_ENDPOINT) &&
		   !format_endpoint(buf, sizeof(buf), &peer->endpoint)) {
		fprintf(f, "Endpoint = %s\n", buf);
	}
	if (peer->failover_timeout &&
	    peer->failover_timeout != PTUN_FAILOVER_TIMEOUT_DEFAULT)
		fprintf(f, "FailoverTimeout = %u\n", peer->failover_timeout);
	if (peer->failback_interval &&
	    peer->failback_interval != PTUN_FAILBACK_INTERVAL_DEFAULT)
		fprintf(f, "FailbackInterval = %u\n", peer->failback_interval);
	if (peer->n_allowed_ips) {
		fprintf(f, "AllowedIPs = ");
		for (i = 0; i < peer->n_allowed_ips; i++) {
			if (format_cidr(buf, sizeof(buf),
					&peer->allowed_ips[i]))
				strcpy(buf, "?");
			fprintf(f, "%s%s", i ? ", " : "", buf);
		}
		fputc('\n', f);
	}
	if (peer->keepalive)
		fprintf(f, "PersistentKeepalive = %u\n", peer->keepalive);
}

int cmd_showconf(int argc, char **argv)
{
	struct ptun_device dev = { 0 };
	int ret = 0;

	if (argc != 2) {
		pr_err("usage: %s showconf IFACE (see '%s help')", PROG_NAME,
		       PROG_NAME);
		return 1;
	}
	if (config_set_ifname(&dev, argv[1]) ||
	    device_get(argv[1], &dev, "showconf")) {
		config_free(&dev);
		return 1;
	}
	conf_print(stdout, &dev);
	config_free(&dev);
	if (fflush(stdout) || ferror(stdout)) {
		pr_err("showconf: cannot write output: %s", strerror(errno));
		ret = 1;
	}
	return ret;
}
