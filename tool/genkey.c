// SPDX-License-Identifier: GPL-2.0
/*
 * ptun genkey, genpsk, pubkey: key material on standard output, never on
 * the command line where other users could read it from /proc.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "cmd.h"
#include "key.h"
#include "parse.h"

/*
 * A secret written to a file must not be readable by others, even for the
 * instant before a careful user would chmod it.
 */
static void protect_stdout(const char *cmd)
{
	struct stat st;

	if (fstat(STDOUT_FILENO, &st) || !S_ISREG(st.st_mode))
		return;
	if (!fchmod(STDOUT_FILENO, st.st_mode & 0600))
		return;
	if (st.st_mode & 0077)
		fprintf(stderr,
			"%s: %s: warning: cannot restrict the output file to its owner (%s); set the umask to 077 and try again\n",
			PROG_NAME, cmd, strerror(errno));
}

static int write_key(const char *cmd, const uint8_t key[PTUN_KEY_LEN])
{
	char b64[KEY_B64_LEN + 1];
	int ret = 0;

	key_to_base64(b64, key);
	if (puts(b64) == EOF || fflush(stdout) || ferror(stdout)) {
		pr_err("%s: cannot write the key: %s", cmd, strerror(errno));
		ret = 1;
	}
	OPENSSL_cleanse(b64, sizeof(b64));
	return ret;
}

static int no_args(int argc, char **argv)
{
	if (argc == 1)
		return 0;
	pr_err("%s takes no arguments (usage: %s %s > FILE)", argv[0],
	       PROG_NAME, argv[0]);
	return -1;
}

int cmd_genkey(int argc, char **argv)
{
	uint8_t key[PTUN_KEY_LEN];
	int ret;

	if (no_args(argc, argv))
		return 1;
	protect_stdout(argv[0]);
	if (key_generate_private(key)) {
		pr_err("genkey: cannot generate an X25519 key");
		return 1;
	}
	ret = write_key(argv[0], key);
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

int cmd_genpsk(int argc, char **argv)
{
	uint8_t key[PTUN_KEY_LEN];
	int ret;

	if (no_args(argc, argv))
		return 1;
	protect_stdout(argv[0]);
	if (key_generate_random(key)) {
		pr_err("genpsk: cannot get random bytes");
		return 1;
	}
	ret = write_key(argv[0], key);
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

int cmd_pubkey(int argc, char **argv)
{
	uint8_t priv[PTUN_KEY_LEN], pub[PTUN_KEY_LEN];
	char buf[1024];
	const char *why;
	size_t len;
	int ret = 1;

	if (argc != 1) {
		pr_err("pubkey takes no arguments (usage: %s pubkey < PRIVATE-KEY-FILE)",
		       PROG_NAME);
		return 1;
	}
	len = fread(buf, 1, sizeof(buf), stdin);
	if (ferror(stdin)) {
		pr_err("pubkey: cannot read standard input: %s",
		       strerror(errno));
		goto out;
	}
	if (len == sizeof(buf)) {
		pr_err("pubkey: invalid key on standard input: too long for a key");
		goto out;
	}
	if (parse_key(priv, buf, len, &why)) {
		pr_err("pubkey: invalid key on standard input: %s", why);
		goto out;
	}
	if (key_public_from_private(pub, priv)) {
		pr_err("pubkey: cannot derive the public key");
		goto out;
	}
	ret = write_key(argv[0], pub);
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	OPENSSL_cleanse(priv, sizeof(priv));
	return ret;
}
