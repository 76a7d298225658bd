// SPDX-License-Identifier: GPL-2.0
/*
 * X25519 keys through OpenSSL: the kernel side uses the kernel's curve25519,
 * both clamp the scalar the same way, so a public key printed here is the one
 * the module derives from the same private key.
 */

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "key.h"

void key_to_base64(char out[KEY_B64_LEN + 1], const uint8_t key[PTUN_KEY_LEN])
{
	EVP_EncodeBlock((unsigned char *)out, key, PTUN_KEY_LEN);
	out[KEY_B64_LEN] = '\0';
}

bool key_is_zero(const uint8_t key[PTUN_KEY_LEN])
{
	uint8_t acc = 0;
	int i;

	for (i = 0; i < PTUN_KEY_LEN; i++)
		acc |= key[i];
	return acc == 0;
}

int key_generate_private(uint8_t key[PTUN_KEY_LEN])
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;
	size_t len = PTUN_KEY_LEN;
	int ret = -1;

	ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, NULL);
	if (!ctx)
		return -1;
	if (EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_keygen(ctx, &pkey) <= 0)
		goto free_ctx;
	if (EVP_PKEY_get_raw_private_key(pkey, key, &len) > 0 &&
	    len == PTUN_KEY_LEN)
		ret = 0;
	EVP_PKEY_free(pkey);
free_ctx:
	EVP_PKEY_CTX_free(ctx);
	return ret;
}

int key_generate_random(uint8_t key[PTUN_KEY_LEN])
{
	return RAND_bytes(key, PTUN_KEY_LEN) == 1 ? 0 : -1;
}

int key_public_from_private(uint8_t pub[PTUN_KEY_LEN],
			    const uint8_t priv[PTUN_KEY_LEN])
{
	size_t len = PTUN_KEY_LEN;
	EVP_PKEY *pkey;
	int ret = -1;

	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv,
					    PTUN_KEY_LEN);
	if (!pkey)
		return -1;
	if (EVP_PKEY_get_raw_public_key(pkey, pub, &len) > 0 &&
	    len == PTUN_KEY_LEN)
		ret = 0;
	EVP_PKEY_free(pkey);
	return ret;
}
