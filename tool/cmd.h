/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PTUN_TOOL_CMD_H
#define PTUN_TOOL_CMD_H

#define PROG_NAME	"ptun"

/*
 * Exit statuses, as ip(8): EXIT_ERROR for a usage or configuration
 * mistake (or a local failure), EXIT_REFUSED when the kernel refused a
 * request.
 */
#define EXIT_ERROR	1
#define EXIT_REFUSED	2

void pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Each returns the process exit status. argv[0] is the command's name. */
int cmd_genkey(int argc, char **argv);
int cmd_genpsk(int argc, char **argv);
int cmd_pubkey(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_setconf(int argc, char **argv);
int cmd_addconf(int argc, char **argv);
int cmd_syncconf(int argc, char **argv);
int cmd_showconf(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_monitor(int argc, char **argv);

#endif /* PTUN_TOOL_CMD_H */
