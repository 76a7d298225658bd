// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the pure parts of the ptun tool: key, address, port and
 * cipher parsing, JSON escaping, X25519 against RFC 7748. Prints TAP lines
 * and exits non-zero if any check failed.
 */

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/evp.h>

#include "json.h"
#include "key.h"
#include "parse.h"

#include "tap.h"

static void tap_on_failure(void)
{
}

static void hex_to_key(uint8_t key[PTUN_KEY_LEN], const char *hex)
{
	int i;

	for (i = 0; i < PTUN_KEY_LEN; i++)
		sscanf(hex + 2 * i, "%2hhx", &key[i]);
}

/* base64 of n bytes 0, 1, 2, ... through OpenSSL, for length tests */
static void b64_of_len(char *out, size_t n)
{
	uint8_t raw[64];
	size_t i;

	for (i = 0; i < n; i++)
		raw[i] = (uint8_t)i;
	EVP_EncodeBlock((unsigned char *)out, raw, (int)n);
}

static void test_keys(void)
{
	const char *good = "HIgo9xNzJMWLKLZ9Cs5wzEXH+S3lQ0R3lTOlFzQVV0M=";
	uint8_t key[PTUN_KEY_LEN], raw[PTUN_KEY_LEN];
	char buf[128], b64[KEY_B64_LEN + 1];
	const char *why;
	int i;

	check(!parse_key(key, good, strlen(good), &why), "key: good key");
	key_to_base64(b64, key);
	check(!strcmp(b64, good), "key: decode then encode round-trips");
	snprintf(buf, sizeof(buf), "%s\n", good);
	check(!parse_key(key, buf, strlen(buf), &why),
	      "key: trailing newline accepted");
	snprintf(buf, sizeof(buf), "%s \t\r\n\n", good);
	check(!parse_key(key, buf, strlen(buf), &why),
	      "key: trailing whitespace accepted");
	snprintf(buf, sizeof(buf), " %s", good);
	check(parse_key(key, buf, strlen(buf), &why),
	      "key: leading whitespace rejected");
	check(parse_key(key, "", 0, &why), "key: empty rejected");
	check(parse_key(key, " \n\n", 3, &why),
	      "key: whitespace only rejected");
	snprintf(buf, sizeof(buf), "%s", good);
	buf[10] = '*';
	check(parse_key(key, buf, strlen(buf), &why),
	      "key: bad base64 character rejected");
	snprintf(buf, sizeof(buf), "%.20s %s", good, good + 21);
	check(parse_key(key, buf, strlen(buf), &why),
	      "key: inner space rejected");
	snprintf(buf, sizeof(buf), "%.42s==", good);
	check(parse_key(key, buf, strlen(buf), &why),
	      "key: double padding rejected");
	snprintf(buf, sizeof(buf), "%.42sN=", good);
	check(parse_key(key, buf, strlen(buf), &why),
	      "key: nonzero spare bits rejected");
	snprintf(buf, sizeof(buf), "%s=", good);
	check(parse_key(key, buf, strlen(buf), &why),
	      "key: extra '=' rejected");
	snprintf(buf, sizeof(buf), "%.43s", good);
	check(parse_key(key, buf, strlen(buf), &why),
	      "key: missing padding rejected");
	b64_of_len(buf, 31);
	check(strlen(buf) == 44 && parse_key(key, buf, strlen(buf), &why),
	      "key: 31 bytes rejected");
	b64_of_len(buf, 33);
	check(strlen(buf) == 44 && parse_key(key, buf, strlen(buf), &why),
	      "key: 33 bytes rejected");
	b64_of_len(buf, 48);
	check(parse_key(key, buf, strlen(buf), &why), "key: 48 bytes rejected");
	b64_of_len(buf, 32);
	check(!parse_key(key, buf, strlen(buf), &why), "key: 32 bytes accepted");
	for (i = 0; i < PTUN_KEY_LEN; i++)
		raw[i] = (uint8_t)i;
	check(!memcmp(key, raw, sizeof(raw)), "key: 32 bytes decode exactly");
	check(key_is_zero((const uint8_t[PTUN_KEY_LEN]){ 0 }) &&
	      !key_is_zero(raw), "key: key_is_zero");
}

static void test_x25519(void)
{
	uint8_t priv[PTUN_KEY_LEN], pub[PTUN_KEY_LEN], want[PTUN_KEY_LEN];
	uint8_t priv2[PTUN_KEY_LEN], pub2[PTUN_KEY_LEN];

	/* RFC 7748, section 6.1 */
	hex_to_key(priv, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	hex_to_key(want, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	check(!key_public_from_private(pub, priv) &&
	      !memcmp(pub, want, sizeof(pub)),
	      "x25519: RFC 7748 Alice public key");
	hex_to_key(priv, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
	hex_to_key(want, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
	check(!key_public_from_private(pub, priv) &&
	      !memcmp(pub, want, sizeof(pub)),
	      "x25519: RFC 7748 Bob public key");

	check(!key_generate_private(priv), "genkey: generates");
	check((priv[0] & 7) == 0 && (priv[31] & 0x80) == 0 &&
	      (priv[31] & 0x40), "genkey: private key is clamped");
	check(!key_generate_private(priv2) && memcmp(priv, priv2, 32),
	      "genkey: two keys differ");
	check(!key_public_from_private(pub, priv) &&
	      !key_public_from_private(pub2, priv) &&
	      !memcmp(pub, pub2, sizeof(pub)), "pubkey: deterministic");
	check(!key_generate_random(priv) && !key_generate_random(priv2) &&
	      memcmp(priv, priv2, 32), "genpsk: random keys differ");
}

static void test_numbers(void)
{
	uint16_t v = 1;
	const char *why;

	check(!parse_listen_port("0", &v, &why) && v == 0, "port: 0");
	check(!parse_listen_port("51820", &v, &why) && v == 51820,
	      "port: 51820");
	check(!parse_listen_port("65535", &v, &why) && v == 65535,
	      "port: 65535");
	check(parse_listen_port("65536", &v, &why), "port: 65536 rejected");
	check(parse_listen_port("99999999999999999999999", &v, &why),
	      "port: huge rejected");
	check(parse_listen_port("abc", &v, &why), "port: abc rejected");
	check(parse_listen_port("", &v, &why), "port: empty rejected");
	check(parse_listen_port("-1", &v, &why), "port: -1 rejected");
	check(parse_listen_port("+1", &v, &why), "port: +1 rejected");
	check(parse_listen_port(" 1", &v, &why), "port: blank rejected");
	check(parse_listen_port("0x10", &v, &why), "port: hex rejected");
	check(parse_listen_port("12a", &v, &why), "port: trailing junk rejected");

	check(!parse_keepalive("off", &v, &why) && v == 0, "keepalive: off");
	check(!parse_keepalive("0", &v, &why) && v == 0, "keepalive: 0");
	check(!parse_keepalive("25", &v, &why) && v == 25, "keepalive: 25");
	check(!parse_keepalive("65535", &v, &why) && v == 65535,
	      "keepalive: 65535");
	check(parse_keepalive("65536", &v, &why), "keepalive: 65536 rejected");
	check(parse_keepalive("on", &v, &why), "keepalive: on rejected");
	check(parse_keepalive("OFF", &v, &why), "keepalive: OFF rejected");
	check(parse_keepalive("-5", &v, &why), "keepalive: -5 rejected");
}

static void test_ciphers(void)
{
	uint16_t c = 0;

	check(!parse_cipher("aes-256-gcm", &c) &&
	      c == PTUN_CIPHER_AES_256_GCM, "cipher: aes-256-gcm");
	check(!parse_cipher("chacha20-poly1305", &c) &&
	      c == PTUN_CIPHER_CHACHA20_POLY1305, "cipher: chacha20-poly1305");
	check(parse_cipher("foo", &c), "cipher: foo rejected");
	check(parse_cipher("", &c), "cipher: empty rejected");
	check(parse_cipher("AES-256-GCM", &c), "cipher: case matters");
	check(!strcmp(cipher_name(PTUN_CIPHER_CHACHA20_POLY1305),
		      "chacha20-poly1305") &&
	      !cipher_name(PTUN_CIPHER_UNSPEC) && !cipher_name(99),
	      "cipher: names");
}

static void test_link_states(void)
{
	const char *why = NULL;
	uint8_t s = 9;

	check(!parse_link_state("up", &s, &why) && s == PTUN_LINK_STATE_UP,
	      "link state: up");
	check(!parse_link_state("session", &s, &why) &&
	      s == PTUN_LINK_STATE_SESSION, "link state: session");
	check(parse_link_state("down", &s, &why) && why &&
	      !strcmp(why, "expected 'up' or 'session'"),
	      "link state: down rejected, saying why");
	check(parse_link_state("", &s, &why), "link state: empty rejected");
	check(parse_link_state("1", &s, &why), "link state: numbers rejected");
	check(parse_link_state("Session", &s, &why),
	      "link state: case matters");
	check(!strcmp(link_state_name(PTUN_LINK_STATE_SESSION), "session") &&
	      !strcmp(link_state_name(PTUN_LINK_STATE_UP), "up") &&
	      !link_state_name(2), "link state: names");
}

static int cidr_is(const char *text, uint16_t family, const char *addr,
		   unsigned int prefix)
{
	struct ptun_cidr c, want = { 0 };
	const char *why;

	if (parse_cidr(text, strlen(text), &c, &why))
		return 0;
	if (inet_pton(family, addr, &want.addr) != 1)
		return 0;
	return c.family == family && c.prefix_len == prefix &&
	       !memcmp(&c.addr, &want.addr, sizeof(c.addr));
}

static int cidr_bad(const char *text)
{
	struct ptun_cidr c;
	const char *why = NULL;

	return parse_cidr(text, strlen(text), &c, &why) && why;
}

static void test_cidrs(void)
{
	struct ptun_cidr c;
	char buf[PTUN_ADDR_STRLEN];
	const char *why;

	check(cidr_is("10.0.0.0/24", AF_INET, "10.0.0.0", 24), "cidr: v4/24");
	check(cidr_is("10.1.2.3", AF_INET, "10.1.2.3", 32),
	      "cidr: v4 without prefix is /32");
	check(cidr_is("0.0.0.0/0", AF_INET, "0.0.0.0", 0), "cidr: v4/0");
	check(cidr_is("fd00::/64", AF_INET6, "fd00::", 64), "cidr: v6/64");
	check(cidr_is("fd00::1", AF_INET6, "fd00::1", 128),
	      "cidr: v6 without prefix is /128");
	check(cidr_is("::ffff:1.2.3.4/96", AF_INET6, "::ffff:1.2.3.4", 96),
	      "cidr: v4-mapped v6");
	check(cidr_is(" 10.0.0.0/8 ", AF_INET, "10.0.0.0", 8),
	      "cidr: surrounding blanks ignored");
	/* the kernel judges these: the tool passes them as written */
	check(cidr_is("10.0.0.1/24", AF_INET, "10.0.0.1", 24),
	      "cidr: host bits passed to the kernel");
	check(cidr_is("10.0.0.0/33", AF_INET, "10.0.0.0", 33),
	      "cidr: v4 prefix 33 passed to the kernel");
	check(cidr_is("10.0.0.0/255", AF_INET, "10.0.0.0", 255),
	      "cidr: prefix 255 accepted syntactically");
	check(cidr_is("fd00::/129", AF_INET6, "fd00::", 129),
	      "cidr: v6 prefix 129 passed to the kernel");
	check(cidr_bad("10.0.0.0/256"), "cidr: prefix 256 rejected");
	check(cidr_bad("10.0.0.0/"), "cidr: empty prefix rejected");
	check(cidr_bad("10.0.0.0/-1"), "cidr: negative prefix rejected");
	check(cidr_bad("10.0.0.0/2x"), "cidr: junk prefix rejected");
	check(cidr_bad("10.0.0.0/24/5"), "cidr: two slashes rejected");
	check(cidr_bad("/24"), "cidr: missing address rejected");
	check(cidr_bad("10.0.0/24"), "cidr: short v4 rejected");
	check(cidr_bad("10.0.0.256/32"), "cidr: v4 octet 256 rejected");
	check(cidr_bad("fd00:::1/64"), "cidr: bad v6 rejected");
	check(cidr_bad("example.com/24"), "cidr: host name rejected");
	check(cidr_bad("garbage"), "cidr: garbage rejected");
	check(cidr_bad(""), "cidr: empty rejected");
	check(cidr_bad("   "), "cidr: blank rejected");
	check(!parse_cidr("10.0.0.0/24,fd00::/64", 11, &c, &why) &&
	      c.family == AF_INET && c.prefix_len == 24,
	      "cidr: honours the length it is given");

	parse_cidr("fd00:0:0::0/64", 14, &c, &why);
	check(!format_cidr(buf, sizeof(buf), &c) && !strcmp(buf, "fd00::/64"),
	      "cidr: formats v6 canonically");
	parse_cidr("192.0.2.0/24", 12, &c, &why);
	check(!format_cidr(buf, sizeof(buf), &c) &&
	      !strcmp(buf, "192.0.2.0/24"), "cidr: formats v4");
}

static int endpoint_is(const char *text, uint16_t family, const char *addr,
		       uint16_t port)
{
	struct ptun_endpoint ep, want = { 0 };
	char host[256];
	const char *why;

	if (parse_endpoint(text, &ep, host, sizeof(host), &why))
		return 0;
	if (family != AF_UNSPEC) {
		if (inet_pton(family, addr, &want.addr) != 1)
			return 0;
		if (memcmp(&ep.addr, &want.addr, sizeof(ep.addr)))
			return 0;
	} else if (strcmp(host, addr)) {
		return 0;
	}
	return ep.family == family && ep.port == port;
}

static int endpoint_bad(const char *text)
{
	struct ptun_endpoint ep;
	const char *why = NULL;
	char host[256];

	return parse_endpoint(text, &ep, host, sizeof(host), &why) && why;
}

static void test_endpoints(void)
{
	struct ptun_endpoint ep;
	char buf[PTUN_ADDR_STRLEN];
	char host[8];
	const char *why;

	check(endpoint_is("192.0.2.1:51820", AF_INET, "192.0.2.1", 51820),
	      "endpoint: v4");
	check(endpoint_is("[2001:db8::1]:51820", AF_INET6, "2001:db8::1",
			  51820), "endpoint: [v6]");
	check(endpoint_is("[::ffff:192.0.2.1]:1", AF_INET6, "::ffff:192.0.2.1",
			  1), "endpoint: [v4-mapped v6]");
	check(endpoint_is("vpn.example.com:65535", AF_UNSPEC,
			  "vpn.example.com", 65535),
	      "endpoint: host name left for resolving");
	check(endpoint_bad("192.0.2.1"), "endpoint: missing port rejected");
	check(endpoint_bad("192.0.2.1:"), "endpoint: empty port rejected");
	check(endpoint_bad("192.0.2.1:0"), "endpoint: port 0 rejected");
	check(endpoint_bad("192.0.2.1:65536"), "endpoint: port 65536 rejected");
	check(endpoint_bad("192.0.2.1:http"), "endpoint: non-numeric port rejected");
	check(endpoint_bad("192.0.2.1:-1"), "endpoint: port -1 rejected");
	check(endpoint_bad("2001:db8::1:51820"),
	      "endpoint: v6 without brackets rejected");
	check(endpoint_bad("[2001:db8::1]"), "endpoint: [v6] without port rejected");
	check(endpoint_bad("[2001:db8::1]51820"), "endpoint: [v6]port rejected");
	check(endpoint_bad("[2001:db8::1:51820"), "endpoint: missing ] rejected");
	check(endpoint_bad("[192.0.2.1]:5"), "endpoint: [v4] rejected");
	check(endpoint_bad("[host]:5"), "endpoint: [name] rejected");
	check(endpoint_bad(":51820"), "endpoint: missing host rejected");
	check(endpoint_bad("[]:51820"), "endpoint: empty brackets rejected");
	check(endpoint_bad(""), "endpoint: empty rejected");
	check(endpoint_is("a_b-1.example.:1", AF_UNSPEC, "a_b-1.example.", 1),
	      "endpoint: '_', '-' and a trailing dot in a host name");
	check(endpoint_bad("a b:1"), "endpoint: a space in a host name rejected");
	check(endpoint_bad("a\x15" "b:1"),
	      "endpoint: a control byte in a host name rejected");
	check(endpoint_bad("b\xc3\xbc" "cher.example:1"),
	      "endpoint: a non-ASCII host name rejected");
	check(parse_endpoint("a-long-name:1", &ep, host, sizeof(host), &why),
	      "endpoint: host name longer than the buffer rejected");

	parse_endpoint("[2001:db8:0::1]:443", &ep, buf, sizeof(buf), &why);
	check(!format_endpoint(buf, sizeof(buf), &ep) &&
	      !strcmp(buf, "[2001:db8::1]:443"), "endpoint: formats [v6]:port");
	parse_endpoint("192.0.2.1:443", &ep, buf, sizeof(buf), &why);
	check(!format_endpoint(buf, sizeof(buf), &ep) &&
	      !strcmp(buf, "192.0.2.1:443"), "endpoint: formats v4:port");
}

static char *capture_json_as(void (*fn)(struct json *j), bool one_line)
{
	struct json j;
	size_t size;
	char *out;
	FILE *f;

	f = open_memstream(&out, &size);
	if (!f)
		exit(2);
	if (one_line)
		json_init_line(&j, f);
	else
		json_init(&j, f);
	fn(&j);
	json_finish(&j);
	fclose(f);
	return out;
}

static char *capture_json(void (*fn)(struct json *j))
{
	return capture_json_as(fn, false);
}

static char *escape(const char *s)
{
	size_t size;
	char *out;
	FILE *f;

	f = open_memstream(&out, &size);
	if (!f)
		exit(2);
	json_escape(f, s);
	fclose(f);
	return out;
}

static void json_doc(struct json *j)
{
	json_object_begin(j);
	json_key(j, "a");
	json_u64(j, 18446744073709551615ULL);
	json_key(j, "b");
	json_array_begin(j);
	json_string(j, "x");
	json_null(j);
	json_bool(j, true);
	json_array_end(j);
	json_key(j, "c");
	json_array_begin(j);
	json_array_end(j);
	json_key(j, "d");
	json_object_begin(j);
	json_object_end(j);
	json_key(j, "e");
	json_string(j, NULL);
	json_object_end(j);
}

static void json_empty_array(struct json *j)
{
	json_array_begin(j);
	json_array_end(j);
}

static void test_json(void)
{
	static const struct {
		const char *in, *out, *desc;
	} cases[] = {
		{ "plain", "\"plain\"", "plain text" },
		{ "", "\"\"", "empty string" },
		{ "a\"b", "\"a\\\"b\"", "double quote" },
		{ "a\\b", "\"a\\\\b\"", "backslash" },
		{ "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"", "short escapes" },
		{ "\x01\x1f", "\"\\u0001\\u001f\"", "control characters" },
		{ "\x7f", "\"\x7f\"", "DEL passes" },
		{ "/", "\"/\"", "slash passes" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91",
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91\"",
		  "valid UTF-8 passes" },
		{ "a\xff" "b", "\"a\\ufffdb\"", "invalid byte replaced" },
		{ "\xc3", "\"\\ufffd\"", "truncated sequence replaced" },
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"", "overlong form replaced" },
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"",
		  "surrogate replaced" },
	};
	size_t i;
	char *out;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		out = escape(cases[i].in);
		check(!strcmp(out, cases[i].out), "json: escape %s",
		      cases[i].desc);
		free(out);
	}

	out = capture_json(json_doc);
	check(!strcmp(out,
		      "{\n"
		      "  \"a\": 18446744073709551615,\n"
		      "  \"b\": [\n"
		      "    \"x\",\n"
		      "    null,\n"
		      "    true\n"
		      "  ],\n"
		      "  \"c\": [],\n"
		      "  \"d\": {},\n"
		      "  \"e\": null\n"
		      "}\n"), "json: document layout");
	free(out);
	out = capture_json(json_empty_array);
	check(!strcmp(out, "[]\n"), "json: empty top-level array");
	free(out);
	out = capture_json_as(json_doc, true);
	check(!strcmp(out, "{\"a\": 18446744073709551615, "
			   "\"b\": [\"x\", null, true], \"c\": [], "
			   "\"d\": {}, \"e\": null}\n"),
	      "json: one-line layout (monitor --json)");
	free(out);
}

int main(void)
{
	test_keys();
	test_x25519();
	test_numbers();
	test_ciphers();
	test_link_states();
	test_cidrs();
	test_endpoints();
	test_json();
	printf("# %d tests, %d failed\n", test_n, test_failed);
	return test_failed ? 1 : 0;
}
