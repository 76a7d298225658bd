// SPDX-License-Identifier: GPL-2.0
/*
 * Reads a config file into struct ptun_device: sections, keys and their
 * values here, the values themselves through config_apply(), as for the
 * arguments of "ptun set". The first mistake ends the reading with one
 * message naming the file and the line.
 *
 *	[Interface]
 *	PrivateKey = BASE64 | PrivateKeyFile = PATH
 *	ListenPort = 0-65535
 *	Cipher = aes-256-gcm | chacha20-poly1305
 *	MssClamp = off | 536-65535		(not supported yet)
 *
 *	[Peer]					(one at most)
 *	PublicKey = BASE64			(required)
 *	PresharedKey = BASE64 | PresharedKeyFile = PATH
 *	Endpoint = HOST:PORT[, HOST:PORT]...	(candidates, preferred first)
 *	AllowedIPs = CIDR[, CIDR]...		(may repeat: appends)
 *	PersistentKeepalive = SECONDS | off
 *	FailoverTimeout = SECONDS | default
 *	FailbackInterval = SECONDS | default
 *
 * Keys and section names are case-insensitive, '#' starts a comment,
 * blanks around names, values and commas do not count, and a line may end
 * in CR LF.
 */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>

#include "cmd.h"
#include "conf.h"

enum conf_section {
	SEC_NONE,
	SEC_INTERFACE,
	SEC_PEER,
};

static const char *const section_names[] = {
	[SEC_NONE] = "",
	[SEC_INTERFACE] = "Interface",
	[SEC_PEER] = "Peer",
};

static const struct conf_key {
	const char *name;
	enum conf_section section;
	enum ptun_setting setting;
	/* the other way to give the same thing: not both */
	enum ptun_setting alternative;
} conf_keys[] = {
	{ "PrivateKey", SEC_INTERFACE, SET_PRIVATE_KEY_TEXT, SET_PRIVATE_KEY },
	{ "PrivateKeyFile", SEC_INTERFACE, SET_PRIVATE_KEY, SET_PRIVATE_KEY_TEXT },
	{ "ListenPort", SEC_INTERFACE, SET_LISTEN_PORT, SET_COUNT },
	{ "Cipher", SEC_INTERFACE, SET_CIPHER, SET_COUNT },
	{ "MssClamp", SEC_INTERFACE, SET_MSS_CLAMP, SET_COUNT },
	{ "LinkState", SEC_INTERFACE, SET_LINK_STATE, SET_COUNT },
	{ "PublicKey", SEC_PEER, SET_PEER, SET_COUNT },
	{ "PresharedKey", SEC_PEER, SET_PRESHARED_KEY_TEXT, SET_PRESHARED_KEY },
	{ "PresharedKeyFile", SEC_PEER, SET_PRESHARED_KEY, SET_PRESHARED_KEY_TEXT },
	{ "Endpoint", SEC_PEER, SET_ENDPOINT, SET_COUNT },
	{ "AllowedIPs", SEC_PEER, SET_ALLOWED_IPS, SET_COUNT },
	{ "PersistentKeepalive", SEC_PEER, SET_KEEPALIVE, SET_COUNT },
	{ "FailoverTimeout", SEC_PEER, SET_FAILOVER_TIMEOUT, SET_COUNT },
	{ "FailbackInterval", SEC_PEER, SET_FAILBACK_INTERVAL, SET_COUNT },
};

struct conf_reader {
	struct ptun_device *dev;
	const char *name;		/* of the file, in messages */
	unsigned int line;
	enum conf_section section;
	unsigned int section_line[ARRAY_SIZE(section_names)];
	char where[1024];		/* "FILE:LINE: " */
	struct config_source src;
};

const char *conf_name(const char *path)
{
	return strcmp(path, "-") ? path : "<stdin>";
}

static void conf_err(const struct conf_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void conf_err(const struct conf_reader *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("%s:%u: %s", r->name, r->line, msg);
}

/*
 * s without its leading and trailing blanks, cut in place; the CLI never
 * calls setlocale(), so isspace() is the C locale's six characters
 */
static char *trim(char *s)
{
	size_t len;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	return s;
}

static int section_line(struct conf_reader *r, char *text)
{
	size_t len = strlen(text);
	enum conf_section sec;
	char *name;

	if (text[len - 1] != ']') {
		conf_err(r, "missing ']' at the end of the section name");
		return -1;
	}
	text[len - 1] = '\0';
	name = trim(text + 1);
	if (!strcasecmp(name, "Interface")) {
		sec = SEC_INTERFACE;
	} else if (!strcasecmp(name, "Peer")) {
		sec = SEC_PEER;
	} else {
		conf_err(r, "unknown section '[%s]' (expected [Interface] or [Peer])",
			 name);
		return -1;
	}
	if (r->section_line[sec]) {
		if (sec == SEC_PEER)
			conf_err(r, "a second [Peer] section (the first is on line %u): a ptun device has exactly one peer",
				 r->section_line[sec]);
		else
			conf_err(r, "a second [Interface] section (the first is on line %u)",
				 r->section_line[sec]);
		return -1;
	}
	r->section_line[sec] = r->line;
	r->section = sec;
	if (sec == SEC_PEER)
		r->dev->has |= DEV_HAS_PEER;
	return 0;
}

static const struct conf_key *find_key(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(conf_keys); i++)
		if (!strcasecmp(name, conf_keys[i].name))
			return &conf_keys[i];
	return NULL;
}

/* A copy of value that lives as long as the device: messages name it. */
static const char *keep(struct ptun_device *dev, const char *value)
{
	struct ptun_set_args *args = &dev->args;
	char **owned, *copy;

	owned = realloc(args->owned, (args->n_owned + 1) * sizeof(*owned));
	if (!owned)
		return NULL;
	args->owned = owned;
	copy = strdup(value);
	if (copy)
		owned[args->n_owned++] = copy;
	return copy;
}

static int key_line(struct conf_reader *r, char *text)
{
	struct ptun_device *dev = r->dev;
	const struct conf_key *key;
	char *eq, *name, *value;
	const char *arg;

	eq = strchr(text, '=');
	if (!eq) {
		/* not quoted: the line may be a key missing its '=' */
		conf_err(r, "expected 'Key = Value' or a [Section]");
		return -1;
	}
	*eq = '\0';
	name = trim(text);
	value = trim(eq + 1);
	if (!*name) {
		conf_err(r, "missing key name before '='");
		return -1;
	}
	key = find_key(name);
	if (!key) {
		if (r->section == SEC_NONE)
			conf_err(r, "unknown key '%s'", name);
		else
			conf_err(r, "unknown key '%s' in [%s]", name,
				 section_names[r->section]);
		return -1;
	}
	if (r->section == SEC_NONE) {
		conf_err(r, "%s outside a section: it belongs in [%s]",
			 key->name, section_names[key->section]);
		return -1;
	}
	if (r->section != key->section) {
		conf_err(r, "%s belongs in [%s], not in [%s]", key->name,
			 section_names[key->section],
			 section_names[r->section]);
		return -1;
	}
	if (dev->args.line[key->setting] && key->setting != SET_ALLOWED_IPS) {
		conf_err(r, "%s given more than once (first on line %u)",
			 key->name, dev->args.line[key->setting]);
		return -1;
	}
	if (key->alternative != SET_COUNT &&
	    dev->args.line[key->alternative]) {
		conf_err(r, "%s and %s both given (%s on line %u): give one",
			 key->name, config_keyword(key->alternative, true),
			 config_keyword(key->alternative, true),
			 dev->args.line[key->alternative]);
		return -1;
	}
	/* An empty AllowedIPs is an empty list; elsewhere a mistake. */
	if (!*value && key->setting != SET_ALLOWED_IPS) {
		conf_err(r, "missing value for %s", key->name);
		return -1;
	}

	/* The text of a key is used at once and never kept. */
	if (key->setting == SET_PRIVATE_KEY_TEXT ||
	    key->setting == SET_PRESHARED_KEY_TEXT) {
		arg = value;
	} else {
		arg = keep(dev, value);
		if (!arg) {
			pr_err("out of memory");
			return -1;
		}
	}
	snprintf(r->where, sizeof(r->where), "%s:%u: ", r->name, r->line);
	r->src.where = r->where;
	r->src.keyword = key->name;
	r->src.line = r->line;
	return config_apply(dev, key->setting, arg, &r->src);
}

static int parse_line(struct conf_reader *r, char *line)
{
	char *hash, *text;

	hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	text = trim(line);
	if (!*text)
		return 0;
	if (*text == '[')
		return section_line(r, text);
	return key_line(r, text);
}

int conf_parse(struct ptun_device *dev, const char *path, FILE *f,
	       bool from_stdin)
{
	struct conf_reader r = {
		.dev = dev,
		.name = conf_name(path),
		.src.stdin_used = from_stdin,
		.src.stdin_is_config = from_stdin,
	};
	char *line = NULL;
	size_t size = 0;
	ssize_t len;
	int ret = 0;

	dev->args.file = path;
	for (;;) {
		errno = 0;
		len = getline(&line, &size, f);
		if (len < 0)
			break;
		r.line++;
		if (memchr(line, '\0', (size_t)len)) {
			conf_err(&r, "a NUL byte in the line: not a text file");
			ret = -1;
		} else {
			ret = parse_line(&r, line);
		}
		/* the line may have held a key */
		OPENSSL_cleanse(line, size);
		if (ret)
			break;
	}
	if (!ret && len < 0 && errno) {
		pr_err("cannot read '%s': %s", r.name, strerror(errno));
		ret = -1;
	}
	if (line)
		OPENSSL_cleanse(line, size);
	free(line);
	if (!ret && r.section_line[SEC_PEER] && !dev->args.line[SET_PEER]) {
		r.line = r.section_line[SEC_PEER];
		conf_err(&r, "[Peer] without PublicKey");
		ret = -1;
	}
	return ret;
}

/*
 * The stdio buffer holds the file's text too, keys given in it included:
 * it is ours, to be wiped once the file is read. Standard input's stays
 * its buffer for good, hence static.
 */
static char stdin_buf[BUFSIZ];

int conf_load(struct ptun_device *dev, const char *path)
{
	char buf[BUFSIZ];
	FILE *f;
	int ret;

	if (!strcmp(path, "-")) {
		setvbuf(stdin, stdin_buf, _IOFBF, sizeof(stdin_buf));
		ret = conf_parse(dev, path, stdin, true);
		OPENSSL_cleanse(stdin_buf, sizeof(stdin_buf));
		return ret;
	}
	f = fopen(path, "re");
	if (!f) {
		pr_err("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	ret = conf_parse(dev, path, f, false);
	fclose(f);
	OPENSSL_cleanse(buf, sizeof(buf));
	return ret;
}
