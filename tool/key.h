/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PTUN_TOOL_KEY_H
#define PTUN_TOOL_KEY_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/ptun.h>

/* base64 of PTUN_KEY_LEN bytes, padding included, without the NUL */
#define KEY_B64_LEN	44

void key_to_base64(char out[KEY_B64_LEN + 1], const uint8_t key[PTUN_KEY_LEN]);
bool key_is_zero(const uint8_t key[PTUN_KEY_LEN]);
int key_generate_private(uint8_t key[PTUN_KEY_LEN]);
int key_generate_random(uint8_t key[PTUN_KEY_LEN]);
int key_public_from_private(uint8_t pub[PTUN_KEY_LEN],
			    const uint8_t priv[PTUN_KEY_LEN]);

#endif /* PTUN_TOOL_KEY_H */
