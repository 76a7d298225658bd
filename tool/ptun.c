// SPDX-License-Identifier: GPL-2.0
/*
 * ptun: configures ptun tunnel devices through the ptun generic netlink
 * family. Devices themselves are created with ip(8): "ip link add ptun0
 * type ptun".
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/ptun.h>

#include "cmd.h"
#include "netlink.h"
#include "parse.h"

void pr_err(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "show", cmd_show, "Shows devices, or one field of one device" },
	{ "set", cmd_set, "Changes the configuration of a device" },
	{ "setconf", cmd_setconf, "Replaces the configuration with a config file" },
	{ "addconf", cmd_addconf, "Adds a config file to the configuration" },
	{ "syncconf", cmd_syncconf, "Changes what differs from a config file, keeping the session" },
	{ "showconf", cmd_showconf, "Prints the configuration as a config file" },
	{ "monitor", cmd_monitor, "Prints events (handshakes, roaming, changes) as they happen" },
	{ "genkey", cmd_genkey, "Prints a new private key" },
	{ "genpsk", cmd_genpsk, "Prints a new preshared key" },
	{ "pubkey", cmd_pubkey, "Prints the public key of the private key on stdin" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s COMMAND [ARGUMENTS]\n\n", PROG_NAME);
	fprintf(f, "Commands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "  %-9s %s\n", "help", "Prints this text");
	fprintf(f, "  %-9s %s\n", "--version",
		"Prints the versions of ptun and of the loaded module");
	fprintf(f,
		"\n"
		"  %1$s show [IFACE|all] [--json]\n"
		"  %1$s show IFACE FIELD\n"
		"  %1$s set IFACE [private-key FILE] [listen-port PORT]\n"
		"           [cipher aes-256-gcm|chacha20-poly1305] [mss-clamp auto|off|BYTES]\n"
		"           [link-state up|session] [remove-peer]\n"
		"           [peer PUBLIC-KEY] [preshared-key FILE]\n"
		"           [endpoint HOST:PORT[,HOST:PORT]...]\n"
		"           [allowed-ips CIDR[,CIDR]...] [persistent-keepalive SECONDS|off]\n"
		"           [failover-timeout SECONDS] [failback-interval SECONDS]\n"
		"  %1$s set IFACE reresolve\n"
		"  %1$s setconf|addconf|syncconf IFACE FILE\n"
		"  %1$s showconf IFACE\n"
		"  %1$s monitor [IFACE] [--json] [--reresolve]\n"
		"  %1$s genkey > PRIVATE-KEY-FILE\n"
		"  %1$s genpsk > PRESHARED-KEY-FILE\n"
		"  %1$s pubkey < PRIVATE-KEY-FILE > PUBLIC-KEY-FILE\n"
		"\n"
		"Key FILEs hold one base64 key; '-' is standard input, and\n"
		"/dev/null removes the key. Without a command, %1$s runs 'show all'.\n"
		"\n"
		"An endpoint given as a NAME is resolved now, and the kernel keeps\n"
		"the name: 'set IFACE reresolve' resolves it again and sets the new\n"
		"address, if it changed; showconf prints the name.\n"
		"\n"
		"Config FILEs ('-' is standard input) are INI files like wg(8)'s:\n"
		"  [Interface] PrivateKey, PrivateKeyFile, ListenPort, Cipher, MssClamp,\n"
		"              LinkState\n"
		"  [Peer] (one) PublicKey, PresharedKey, PresharedKeyFile, Endpoint,\n"
		"         AllowedIPs, PersistentKeepalive, FailoverTimeout, FailbackInterval\n"
		"Several endpoints are candidates, the first preferred: when handshakes\n"
		"to the one in use go unanswered for failover-timeout seconds (default 5),\n"
		"the next takes over; the first is probed every failback-interval\n"
		"seconds (default 60) and taken back when it answers. 0 or 'default'\n"
		"restores a default. 'show IFACE endpoints' lists them with their state.\n"
		"showconf prints no secret keys: add PrivateKey(File) and\n"
		"PresharedKey(File) lines to its output before setconf.\n"
		"\n"
		"monitor prints one line per event until killed, 'IFACE EVENT [KEY VALUE]...'\n"
		"(needs CAP_NET_ADMIN); --reresolve also re-resolves the endpoint's name\n"
		"(as set IFACE reresolve) on each handshake-timeout:\n"
		"  session-up cipher C      a handshake completed, no session before\n"
		"  rekey cipher C           a new session replaced a live one\n"
		"  session-down reason R    no usable session left (expired|device-down|reset)\n"
		"  endpoint-changed old A new A  the peer roamed (authenticated)\n"
		"  handshake-timeout endpoint A  our handshakes got no answer\n"
		"  config-changed changed LIST  a SET changed keys,peer,endpoint,\n"
		"                           allowed-ips,listen-port,cipher,keepalive,mss-clamp,\n"
		"                           link-state\n"
		"  failover from A to B reason R  the active candidate endpoint changed\n"
		"                           (R: timeout, failback, roamed)\n"
		"\n"
		"Exit status: 0, 1 for a mistake in the command or a config file,\n"
		"2 when the kernel refused the request (as ip(8)).\n"
		"\n"
		"link-state session: the carrier is on only while a session exists, and\n"
		"the device connects (and rekeys an idle session) by itself; up, the\n"
		"default: the carrier is always on.\n"
		"\n"
		"FIELDs: ifname ifindex public-key listen-port cipher mss-clamp link-state\n"
		"  peer preshared-key endpoint endpoint-name endpoints failover-timeout\n"
		"  failback-interval allowed-ips persistent-keepalive latest-handshake\n"
		"  rx-bytes tx-bytes rx-packets tx-packets handshakes drop-auth\n"
		"  drop-replay drop-src-not-allowed drop-dst-not-allowed drop-no-session\n"
		"  drop-malformed drop-cipher-mismatch drop-handshake drop-tx-error\n"
		"  drop-rx-error drop-rx-queue-full drop-tx-queue-full events-suppressed\n",
		PROG_NAME);
}

/* The module's version from the first device a GET_DEVICE dump returns. */
static int module_version_cb(const struct nlmsghdr *nlh, void *data)
{
	char *ver = data;
	struct nlattr *a;

	if (ver[0])
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != PTUN_A_DEVICE_MODULE_VERSION ||
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			continue;
		snprintf(ver, NL_VERSION_LEN, "%s", mnl_attr_get_str(a));
	}
	return MNL_CB_OK;
}

/*
 * The CLI's version, and the loaded module's as modinfo(8) and generic
 * netlink know it: the two can differ after an upgrade without a reload.
 * Netlink gives the module's version only with a device in this network
 * namespace, and sysfs only where /sys/module is mounted: either will do.
 */
static int version(void)
{
	char modver[NL_VERSION_LEN] = "", nlver[NL_VERSION_LEN] = "";
	char buf[NL_SMALL_REQUEST];
	struct nlmsghdr *nlh;
	struct nl_ack ack;
	struct nl nl;
	FILE *f;

	printf("%s %s\n", PROG_NAME, PTUN_VERSION);
	f = fopen("/sys/module/ptun/version", "r");
	if (f) {
		if (fgets(modver, sizeof(modver), f))
			modver[strcspn(modver, "\n")] = '\0';
		fclose(f);
	}
	/* the family's absence is no error here, nor worth a message */
	if (nl_probe(&nl)) {
		printf("module %s\n", modver[0] ? modver : "not loaded");
		return 0;
	}
	nlh = nl_request_start(&nl, buf, PTUN_CMD_GET_DEVICE, NLM_F_DUMP);
	if (nl_transact(&nl, nlh, module_version_cb, nlver, &ack))
		nlver[0] = '\0';
	nl_kernel_refused = false;
	if (!modver[0])
		snprintf(modver, sizeof(modver), "%s",
			 nlver[0] ? nlver : "(unknown version)");
	printf("module %s, netlink family %s version %u\n", modver,
	       PTUN_GENL_NAME, nl.family_version);
	nl_close(&nl);
	if (strcmp(modver, PTUN_VERSION) && strcmp(modver, "(unknown version)"))
		pr_err("warning: the loaded module is version %s, this program %s: reload the module to use the installed one",
		       modver, PTUN_VERSION);
	return 0;
}

int main(int argc, char **argv)
{
	static char show[] = "show", all[] = "all";
	char *show_all[] = { show, all, NULL };
	int ret;
	size_t i;

	/* like wg(8): a bare "ptun" is the question "what is configured?" */
	if (argc < 2) {
		ret = cmd_show(2, show_all);
		goto out;
	}

	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return version();
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(argv[1], commands[i].name)) {
			ret = commands[i].fn(argc - 1, argv + 1);
			goto out;
		}
	}

	pr_err("unknown command '%s'", argv[1]);
	usage(stderr);
	return EXIT_ERROR;
out:
	/* as ip(8): whatever else went wrong, the kernel's refusal wins */
	return ret && nl_kernel_refused ? EXIT_REFUSED : ret;
}
